//! The examples' claims, checked: `examples/xor.rs`, `examples/moons.rs` and
//! `examples/digits.rs` print these runs; here they are asserted, with the pieces they share
//! from `examples/common/` (the perceptron rule, the scalar-node MLP).

#[path = "../examples/common/mod.rs"]
#[allow(dead_code)]
mod common;

use common::demo::{
    GATES, moons_data, moons_model, moons_scalar, moons_tensor, perceptron_on, xor_mlp,
};
use common::perceptron::Perceptron;
use common::scalar::{ScalarBound, forward_scalars};
use tapegrad::nn::{Activation, Init, Mlp};
use tapegrad::{Graph, Tensor};

#[test]
fn perceptron_learns_and_and_or_but_not_xor() {
    for (name, gate) in GATES {
        let r = perceptron_on(gate, 1000, 0);
        if name == "XOR" {
            assert!(!r.converged);
            assert_eq!(r.best_accuracy, 0.75, "the best a line can do on XOR");
        } else {
            assert!(r.converged, "{name}: {r:?}");
            assert_eq!(r.best_accuracy, 1.0);
        }
    }
}

#[test]
fn sigmoid_mlp_solves_xor_by_backpropagation() {
    let run = xor_mlp(1, 5000);
    assert_eq!(run.accuracy, 1.0, "{:?}", run.outputs);
    assert!(run.report.final_loss() <= 0.01);
}

#[test]
fn moons_scalar_and_tensor_forms_reach_100_percent_and_agree() {
    let (x, y) = moons_data(1);
    let model = moons_model(1);
    let scalar = moons_scalar(model.clone(), &x, &y, 100);
    let tensor = moons_tensor(model, &x, &y, 100);
    assert_eq!(scalar.accuracies[99], 1.0);
    assert_eq!(tensor.accuracies[99], 1.0);
    assert!(tensor.losses[99] < tensor.losses[0] / 10.0);
    let gap = (scalar.losses[99] - tensor.losses[99]).abs();
    assert!(gap < 1e-6, "final losses differ by {gap:e}");
    // Every step agrees, and so do the trained weights.
    for (a, b) in scalar.losses.iter().zip(&tensor.losses) {
        assert!((a - b).abs() < 1e-6);
    }
    for ((n, a), (_, b)) in scalar
        .model
        .params()
        .iter()
        .zip(tensor.model.params().iter())
    {
        for (u, v) in a.value.data().iter().zip(b.value.data()) {
            assert!((u - v).abs() < 1e-6, "{n}: {u} vs {v}");
        }
    }
}

#[cfg(feature = "csv")]
#[test]
fn digits_mlp_reaches_96_percent_on_held_out_data() {
    use common::demo::{DigitsConfig, digits};
    let data = tapegrad::data::read_labeled_csv(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/digits.csv"
    ))
    .expect("the digits data ships with the repository");
    assert_eq!(
        (data.len(), data.features(), data.classes()),
        (1797, 64, 10)
    );
    let run = digits(&data, &DigitsConfig::default());
    assert_eq!(run.sizes, (1438, 359));
    assert!(
        run.test_accuracy >= 0.96,
        "test accuracy {}",
        run.test_accuracy
    );
    let total: usize = run.confusion.iter().flatten().sum();
    let diagonal: usize = (0..10).map(|d| run.confusion[d][d]).sum();
    assert_eq!(total, 359);
    assert_eq!(diagonal as f64 / 359.0, run.test_accuracy);
}

/// The four inputs of a two-input truth table, `[4, 2]`.
fn inputs() -> Tensor<f64> {
    Tensor::from_vec(vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], &[4, 2]).unwrap()
}

#[test]
fn perceptron_rule_moves_weights_by_lr_times_error_times_input() {
    // w = 0, b = 0: y = sign(0) = 0; t = 1 → err 1, Δw = 0.5·1·[1, 2], Δb = 0.5.
    let mut p = Perceptron::new(2, 0.5);
    assert!(p.update(&[1.0, 2.0], 1.0));
    assert_eq!((p.weights.clone(), p.bias), (vec![0.5, 1.0], 0.5));
    // Now y = sign(0.5 + 2 + 0.5) = 1 = t: no change.
    assert!(!p.update(&[1.0, 2.0], 1.0));
    // t = −1 → err −2: Δw = 0.5·(−2)·[1, 2] = [−1, −2], Δb = −1.
    assert!(p.update(&[1.0, 2.0], -1.0));
    assert_eq!((p.weights.clone(), p.bias), (vec![-0.5, -1.0], -0.5));
}

#[test]
fn perceptron_learns_and_and_or() {
    for t in [[-1.0, -1.0, -1.0, 1.0], [-1.0, 1.0, 1.0, 1.0]] {
        let mut p = Perceptron::new(2, 0.1);
        let r = p.fit(&inputs(), &t, 100, 1);
        assert!(r.converged, "{t:?}: {r:?}");
        assert_eq!(p.accuracy(&inputs(), &t), 1.0);
    }
}

#[test]
fn perceptron_never_learns_xor_and_peaks_at_75_percent() {
    let t = [-1.0, 1.0, 1.0, -1.0];
    let mut p = Perceptron::new(2, 0.1);
    let r = p.fit(&inputs(), &t, 1000, 2);
    assert!(!r.converged);
    assert_eq!(r.epochs, 1000);
    assert_eq!(r.best_accuracy, 0.75);
    assert!(r.epoch_accuracy.iter().all(|&a| a <= 0.75));
}

#[test]
fn scalar_and_tensor_forms_agree_in_value_and_gradient() {
    let model = Mlp::<f64>::new(&[2, 4, 3], Activation::Tanh, Init::XavierUniform, 11);
    let xs = [0.3, -0.7];
    let g = Graph::new();
    let sp = ScalarBound::bind(model.params(), &g);
    let x: Vec<_> = xs.iter().map(|&v| g.constant(Tensor::scalar(v))).collect();
    let ys = forward_scalars(&model, &sp, &x);
    let ls = ys.iter().skip(1).fold(ys[0] * ys[0], |a, &y| a + y * y);
    ls.backward();
    let mut scalar = model.params().clone();
    sp.read_grads(&mut scalar);

    let g2 = Graph::new();
    let tp = model.params().bind(&g2);
    let y = model.forward(
        &tp,
        g2.constant(Tensor::from_vec(xs.to_vec(), &[1, 2]).unwrap()),
    );
    let lt = y.powi(2).sum();
    lt.backward();
    let mut tensor = model.params().clone();
    tensor.read_grads(&tp);

    assert!((ls.item() - lt.item()).abs() < 1e-15);
    for ((n, a), (_, b)) in scalar.iter().zip(tensor.iter()) {
        for (x, y) in a.grad.data().iter().zip(b.grad.data()) {
            assert!((x - y).abs() < 1e-15, "{n}: {x} vs {y}");
        }
    }
}
