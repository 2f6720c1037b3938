//! Rosenblatt's perceptron: y = sign(w·x + b), trained by the perceptron rule
//! Δw = η(t − y)·x, Δb = η(t − y), with targets t ∈ {−1, +1}.
//!
//! The rule is not gradient descent: sign's gradient is 0 everywhere (see the `sign` primitive),
//! so backpropagation through it would never move a weight. The rule instead moves the
//! weights towards each misclassified sample. It converges when the classes are linearly
//! separable (AND, OR) and cycles forever when they are not (XOR), which is the tutorial's
//! case for hidden layers.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use tapegrad::{Float, Tensor};

/// A single-layer perceptron with sign activation. See the module docs.
///
/// Learning AND and OR, and failing on XOR, is checked in `tests/nn_examples.rs`.
#[derive(Clone, Debug, PartialEq)]
pub struct Perceptron<T: Float = f64> {
    /// The weights w, one per input.
    pub weights: Vec<T>,
    /// The bias b.
    pub bias: T,
    /// The learning rate η.
    pub lr: T,
}

/// What [`Perceptron::fit`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct PerceptronReport {
    /// Epochs run (passes over the samples).
    pub epochs: usize,
    /// Whether an epoch passed with no mistake (then training stopped).
    pub converged: bool,
    /// The accuracy after each epoch.
    pub epoch_accuracy: Vec<f64>,
    /// The best accuracy seen after any single update (or at the start).
    pub best_accuracy: f64,
}

impl<T: Float> Perceptron<T> {
    /// A perceptron with `inputs` weights, all 0, bias 0 and learning rate `lr`.
    pub fn new(inputs: usize, lr: T) -> Self {
        Perceptron {
            weights: vec![T::ZERO; inputs],
            bias: T::ZERO,
            lr,
        }
    }

    /// y = sign(w·x + b) ∈ {−1, 0, 1} (0 exactly on the boundary, which counts as wrong for
    /// either class).
    ///
    /// # Panics
    /// When `x` does not have one entry per weight.
    #[track_caller]
    pub fn predict(&self, x: &[T]) -> T {
        if x.len() != self.weights.len() {
            input_panic(x.len(), self.weights.len());
        }
        let net = self
            .weights
            .iter()
            .zip(x)
            .fold(self.bias, |s, (&w, &x)| s + w * x);
        net.sign()
    }

    /// One application of the rule on sample `x` with target `t`: Δw = η(t − y)x,
    /// Δb = η(t − y). Returns whether the sample was misclassified (and so the weights moved).
    ///
    /// # Panics
    /// When `x` does not have one entry per weight.
    #[track_caller]
    pub fn update(&mut self, x: &[T], t: T) -> bool {
        let err = t - self.predict(x);
        if err == T::ZERO {
            return false;
        }
        let step = self.lr * err;
        for (w, &x) in self.weights.iter_mut().zip(x) {
            *w += step * x;
        }
        self.bias += step;
        true
    }

    /// The fraction of rows of `x` (`[n, inputs]`) whose prediction equals the target.
    ///
    /// # Panics
    /// When `x` is not `[targets.len(), inputs]`.
    #[track_caller]
    pub fn accuracy(&self, x: &Tensor<T>, targets: &[T]) -> f64 {
        let d = self.check_data(x, targets);
        let right = x
            .data()
            .chunks(d.max(1))
            .zip(targets)
            .filter(|(row, t)| self.predict(row) == **t)
            .count();
        right as f64 / targets.len() as f64
    }

    /// Applies the rule to each row of `x`, in an order shuffled with `seed` at every pass,
    /// for up to `max_epochs` passes, stopping after the first pass with no mistake.
    ///
    /// # Panics
    /// When `x` is not `[targets.len(), inputs]`.
    #[track_caller]
    pub fn fit(
        &mut self,
        x: &Tensor<T>,
        targets: &[T],
        max_epochs: usize,
        seed: u64,
    ) -> PerceptronReport {
        let d = self.check_data(x, targets).max(1);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut order: Vec<usize> = (0..targets.len()).collect();
        let mut report = PerceptronReport {
            epochs: 0,
            converged: false,
            epoch_accuracy: Vec::new(),
            best_accuracy: self.accuracy(x, targets),
        };
        for _ in 0..max_epochs {
            report.epochs += 1;
            let mut mistakes = 0;
            order.shuffle(&mut rng);
            for &i in &order {
                if self.update(&x.data()[i * d..(i + 1) * d], targets[i]) {
                    mistakes += 1;
                    report.best_accuracy = report.best_accuracy.max(self.accuracy(x, targets));
                }
            }
            report.epoch_accuracy.push(self.accuracy(x, targets));
            if mistakes == 0 {
                report.converged = true;
                break;
            }
        }
        report
    }

    #[track_caller]
    fn check_data(&self, x: &Tensor<T>, targets: &[T]) -> usize {
        let d = self.weights.len();
        if x.shape() != [targets.len(), d] {
            data_panic(x.shape(), targets.len(), d);
        }
        d
    }
}

#[cold]
#[track_caller]
fn input_panic(got: usize, want: usize) -> ! {
    panic!("Perceptron: an input of {got} values for {want} weights")
}

#[cold]
#[track_caller]
fn data_panic(shape: &[usize], n: usize, d: usize) -> ! {
    panic!("Perceptron: data of shape {shape:?} for {n} targets and {d} weights (need [{n}, {d}])")
}
