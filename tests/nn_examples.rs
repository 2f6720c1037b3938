//! The examples' claims, checked: `examples/xor.rs`, `examples/moons.rs` and
//! `examples/digits.rs` print these runs; here they are asserted.

use tapegrad::data::read_labeled_csv;
use tapegrad::demo::{
    DigitsConfig, GATES, digits, moons_data, moons_model, moons_scalar, moons_tensor,
    perceptron_on, xor_mlp,
};

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

#[test]
fn digits_mlp_reaches_96_percent_on_held_out_data() {
    let data = read_labeled_csv(concat!(
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
