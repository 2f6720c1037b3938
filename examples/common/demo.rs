//! The training runs behind `examples/xor.rs`, `examples/digits.rs` and `examples/moons.rs`,
//! kept here so that the examples (which print them) and the tests (which check them,
//! `tests/nn_examples.rs`) run the same code.

use super::perceptron::{Perceptron, PerceptronReport};
use super::scalar::{ScalarBound, forward_scalars};
use tapegrad::data::{self, Dataset};
use tapegrad::nn::{self, Activation, Init, Mlp};
use tapegrad::optim::{Adam, Optimizer, Sgd};
use tapegrad::train::{self, Report, Train};
use tapegrad::{Graph, Tensor};

/// The four inputs of a two-input truth table, `[4, 2]`: (0,0), (0,1), (1,0), (1,1).
pub fn truth_table_inputs() -> Tensor<f64> {
    Tensor::from_vec(vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], &[4, 2]).expect("4×2")
}

/// The outputs of AND, OR and XOR on [`truth_table_inputs`], as 0/1.
pub const GATES: [(&str, [f64; 4]); 3] = [
    ("AND", [0.0, 0.0, 0.0, 1.0]),
    ("OR", [0.0, 1.0, 1.0, 1.0]),
    ("XOR", [0.0, 1.0, 1.0, 0.0]),
];

/// Trains a [`Perceptron`] (η = 0.1, samples shuffled with `seed`) on a gate's truth table
/// with targets ±1 for up to `max_epochs` passes.
pub fn perceptron_on(gate: [f64; 4], max_epochs: usize, seed: u64) -> PerceptronReport {
    let targets = gate.map(|t| 2.0 * t - 1.0);
    Perceptron::new(2, 0.1).fit(&truth_table_inputs(), &targets, max_epochs, seed)
}

/// The result of [`xor_mlp`].
#[derive(Clone, Debug)]
pub struct XorRun {
    /// The training report (loss per epoch, stop reason).
    pub report: Report<f64>,
    /// The network's output for each of the four inputs after training.
    pub outputs: Vec<f64>,
    /// The fraction of inputs whose output, thresholded at ½, equals XOR.
    pub accuracy: f64,
}

/// Trains a 2-2-1 sigmoid MLP (sigmoid output too) on XOR by backpropagation: loss
/// ½Σ(t − y)², full batch, SGD with learning rate 2 and momentum 0.9, stopping when the
/// loss reaches 0.01 or after `max_epochs`.
pub fn xor_mlp(seed: u64, max_epochs: usize) -> XorRun {
    let x = truth_table_inputs();
    let t = Tensor::from_vec(GATES[2].1.to_vec(), &[4, 1]).expect("4×1");
    let mut model = Mlp::new(&[2, 2, 1], Activation::Sigmoid, Init::XavierUniform, seed);
    let mut opt = Sgd::new(2.0).momentum(0.9);
    let cfg = Train {
        epochs: max_epochs,
        batch_size: 4,
        target_loss: Some(0.01),
        shuffle: false,
        ..Train::default()
    };
    let report = train::fit(&mut model, &mut opt, 4, &cfg, |g, m, p, batch| {
        let y = m.forward(p, g.constant(x.select_rows(batch))).sigmoid();
        nn::half_sse(y, g.constant(t.select_rows(batch)))
    });
    let g = Graph::new();
    let bound = model.params().bind(&g);
    let outputs = model
        .forward(&bound, g.constant(x.clone()))
        .sigmoid()
        .value()
        .into_vec();
    let right = outputs
        .iter()
        .zip(GATES[2].1)
        .filter(|&(&y, t)| (y > 0.5) == (t > 0.5))
        .count();
    XorRun {
        report,
        outputs,
        accuracy: right as f64 / 4.0,
    }
}

/// How [`digits`] trains.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitsConfig {
    /// Hidden layer sizes (inputs 64 and outputs 10 are added).
    pub hidden: Vec<usize>,
    /// Epochs of Adam.
    pub epochs: usize,
    /// Minibatch size.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Seeds the split, the initialisation and the shuffling.
    pub seed: u64,
}

impl Default for DigitsConfig {
    /// One hidden layer of 64 ReLU units, 30 epochs of Adam (η = 0.002) on batches of 32,
    /// seed 0.
    fn default() -> Self {
        DigitsConfig {
            hidden: vec![64],
            epochs: 30,
            batch_size: 32,
            lr: 0.002,
            seed: 0,
        }
    }
}

/// The result of [`digits`].
#[derive(Clone, Debug)]
pub struct DigitsRun {
    /// Training and test samples.
    pub sizes: (usize, usize),
    /// The training report (mean cross-entropy per epoch).
    pub report: Report<f64>,
    /// Accuracy on the training set.
    pub train_accuracy: f64,
    /// Accuracy on the held-out test set.
    pub test_accuracy: f64,
    /// The test set's confusion matrix, `[true][predicted]`.
    pub confusion: Vec<Vec<usize>>,
}

/// Trains an MLP (64 inputs scaled to [0, 1], ReLU, 10 outputs) on the digits with mean
/// cross-entropy, on a seeded 80/20 split, and evaluates it on the held-out 20%.
pub fn digits(data: &Dataset, cfg: &DigitsConfig) -> DigitsRun {
    let data = data.clone().scaled(1.0 / 16.0);
    let (train_set, test) = data.split(0.8, cfg.seed);
    let mut sizes = vec![data.features()];
    sizes.extend(&cfg.hidden);
    sizes.push(data.classes());
    let mut model = Mlp::new(&sizes, Activation::Relu, Init::HeUniform, cfg.seed);
    let mut opt = Adam::new(cfg.lr);
    let tc = Train {
        epochs: cfg.epochs,
        batch_size: cfg.batch_size,
        seed: cfg.seed,
        ..Train::default()
    };
    let report = train::fit(
        &mut model,
        &mut opt,
        train_set.len(),
        &tc,
        |g, m, p, batch| {
            let logits = m.forward(p, g.constant(train_set.x.select_rows(batch)));
            let classes: Vec<usize> = batch.iter().map(|&i| train_set.labels[i]).collect();
            nn::cross_entropy(logits, &classes)
        },
    );
    let predict = |d: &Dataset| model.predict(&d.x).argmax_rows();
    let test_pred = predict(&test);
    DigitsRun {
        sizes: (train_set.len(), test.len()),
        report,
        train_accuracy: data::accuracy(&predict(&train_set), &train_set.labels),
        test_accuracy: data::accuracy(&test_pred, &test.labels),
        confusion: data::confusion_matrix(&test_pred, &test.labels, data.classes()),
    }
}

/// One run of micrograd's moons demo; see [`moons_tensor`] and [`moons_scalar`].
#[derive(Clone, Debug)]
pub struct MoonsRun {
    /// The loss at each step, before that step's update (what micrograd prints).
    pub losses: Vec<f64>,
    /// The training accuracy at each step, before that step's update.
    pub accuracies: Vec<f64>,
    /// The nodes on the tape in one step.
    pub nodes_per_step: usize,
    /// The trained parameters.
    pub model: Mlp<f64>,
}

/// The two-moons data of the demo: 100 points, noise 0.1, labels ±1.
pub fn moons_data(seed: u64) -> (Tensor<f64>, Vec<f64>) {
    data::two_moons(100, 0.1, seed)
}

/// The demo's model: 2-16-16-1 with ReLU, weights U(−1, 1) and biases 0 as in micrograd.
pub fn moons_model(seed: u64) -> Mlp<f64> {
    Mlp::new(&[2, 16, 16, 1], Activation::Relu, Init::Uniform(1.0), seed)
}

/// The learning rate of step k of n: 1 − 0.9·k/n.
fn moons_lr(k: usize, steps: usize) -> f64 {
    1.0 - 0.9 * k as f64 / steps as f64
}

/// The fraction of scores whose sign matches the label.
fn sign_accuracy(scores: &[f64], y: &[f64]) -> f64 {
    let right = scores
        .iter()
        .zip(y)
        .filter(|&(&s, &t)| (s > 0.0) == (t > 0.0))
        .count();
    right as f64 / y.len() as f64
}

/// micrograd's demo in tensor form: full batch, loss mean(relu(1 − y·score)) + 1e-4·Σp²,
/// `steps` steps of SGD with learning rate 1 − 0.9·k/steps, from `model`'s weights.
pub fn moons_tensor(mut model: Mlp<f64>, x: &Tensor<f64>, y: &[f64], steps: usize) -> MoonsRun {
    let n = y.len();
    let labels = Tensor::from_vec(y.to_vec(), &[n, 1]).expect("one label per point");
    let mut opt = Sgd::new(1.0);
    let mut g = Graph::new();
    let (mut losses, mut accuracies, mut nodes) = (vec![], vec![], 0);
    for k in 0..steps {
        g.clear();
        let p = model.params().bind(&g);
        let scores = model.forward(&p, g.constant(x.clone()));
        let loss = nn::hinge(scores, g.constant(labels.clone())) + p.sum_of_squares() * 1e-4;
        loss.backward();
        losses.push(loss.item());
        accuracies.push(sign_accuracy(scores.value().data(), y));
        nodes = g.len();
        model.params_mut().read_grads(&p);
        opt.lr = moons_lr(k, steps);
        opt.step(model.params_mut());
    }
    MoonsRun {
        losses,
        accuracies,
        nodes_per_step: nodes,
        model,
    }
}

/// micrograd's demo on scalar nodes, as micrograd builds it: one graph per step with a node
/// for every multiply and add of every neuron on every point. Same loss, schedule and
/// optimizer as [`moons_tensor`].
pub fn moons_scalar(mut model: Mlp<f64>, x: &Tensor<f64>, y: &[f64], steps: usize) -> MoonsRun {
    let mut opt = Sgd::new(1.0);
    let mut g = Graph::new();
    let (mut losses, mut accuracies, mut nodes) = (vec![], vec![], 0);
    let inv_n = 1.0 / y.len() as f64;
    for k in 0..steps {
        g.clear();
        let p = ScalarBound::bind(model.params(), &g);
        let mut scores = Vec::with_capacity(y.len());
        let mut data_loss = None;
        for (row, &t) in x.data().chunks(2).zip(y) {
            let xi: Vec<_> = row.iter().map(|&v| g.constant(Tensor::scalar(v))).collect();
            let s = forward_scalars(&model, &p, &xi)[0];
            scores.push(s.item());
            let li = (1.0 - t * s).relu();
            data_loss = Some(data_loss.map_or(li, |acc| acc + li));
        }
        let data_loss = data_loss.expect("at least one point") * inv_n;
        let loss = data_loss + 1e-4 * p.sum_of_squares();
        loss.backward();
        losses.push(loss.item());
        accuracies.push(sign_accuracy(&scores, y));
        nodes = g.len();
        p.read_grads(model.params_mut());
        opt.lr = moons_lr(k, steps);
        opt.step(model.params_mut());
    }
    MoonsRun {
        losses,
        accuracies,
        nodes_per_step: nodes,
        model,
    }
}
