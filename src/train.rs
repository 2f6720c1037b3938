//! A training loop: shuffled minibatches, a stop condition, a report.
//!
//! It sits above [`nn`](crate::nn) (the model and its parameters) and
//! [`optim`](crate::optim) (the update): neither of those imports this module.
//!
//! [`fit`] runs epochs over `n` samples. Each epoch shuffles the sample indices with a
//! seeded generator, cuts them into minibatches, and for each batch: clears the tape, binds
//! the parameters, calls the loss closure with the batch's indices, runs `backward`, reads
//! the gradients back and lets the optimizer step. It stops at whichever comes first: the
//! epoch's loss at or below the target, or the maximum number of epochs.
//!
//! ```
//! use tapegrad::{Tensor, nn::{self, Activation, Init, Mlp}, optim::Sgd};
//! use tapegrad::train::{self, Train, TrainStop};
//! // y = 2x − 1 on 8 points, learnt by a linear model (no hidden layer).
//! let xs: Vec<f64> = (0..8).map(|i| i as f64 / 8.0).collect();
//! let x = Tensor::from_vec(xs.clone(), &[8, 1]).unwrap();
//! let t = Tensor::from_vec(xs.iter().map(|x| 2.0 * x - 1.0).collect(), &[8, 1]).unwrap();
//! let mut model = Mlp::new(&[1, 1], Activation::Identity, Init::XavierUniform, 0);
//! let cfg = Train { epochs: 500, batch_size: 4, target_loss: Some(1e-6), ..Train::default() };
//! let report = train::fit(&mut model, &mut Sgd::new(0.5), 8, &cfg, |g, m, p, batch| {
//!     let xb = g.constant(x.select_rows(batch));
//!     nn::mse(m.forward(p, xb), g.constant(t.select_rows(batch)))
//! });
//! assert!(matches!(report.stop, TrainStop::TargetLoss { .. }));
//! assert!(report.final_loss() <= 1e-6);
//! ```

use crate::float::Float;
use crate::graph::{Graph, Var};
use crate::nn::{Bound, Model, Params};
use crate::optim::Optimizer;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// How [`fit`] trains.
#[derive(Clone, Debug, PartialEq)]
pub struct Train {
    /// The most epochs to run.
    pub epochs: usize,
    /// Samples per minibatch (the last batch of an epoch may be smaller). Use `n` for
    /// full-batch training.
    pub batch_size: usize,
    /// Stop after the first epoch whose loss is at or below this.
    pub target_loss: Option<f64>,
    /// Seeds the shuffling: the same seed gives the same batches.
    pub seed: u64,
    /// Whether to shuffle the samples each epoch (otherwise batches keep index order).
    pub shuffle: bool,
    /// Whether to keep every step's parameters and gradients in [`Report::steps`].
    pub log_steps: bool,
}

impl Default for Train {
    /// 100 epochs, batches of 32, no target, seed 0, shuffled, no step log.
    fn default() -> Self {
        Train {
            epochs: 100,
            batch_size: 32,
            target_loss: None,
            seed: 0,
            shuffle: true,
            log_steps: false,
        }
    }
}

/// Why [`fit`] stopped, counted in epochs. ([`GradientDescent`](crate::GradientDescent)
/// reports its own reason, counted in steps.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TrainStop {
    /// The loss of this epoch (counted from 1) reached the target.
    TargetLoss {
        /// The epoch, from 1.
        epoch: usize,
    },
    /// All epochs ran without reaching the target (or no target was set).
    MaxEpochs,
}

/// One optimizer step, as logged when [`Train::log_steps`] is set.
#[derive(Clone, Debug)]
pub struct StepLog<T: Float> {
    /// The epoch, from 1.
    pub epoch: usize,
    /// The step, from 1, counted over the whole run.
    pub step: usize,
    /// The batch's loss.
    pub loss: f64,
    /// The parameters the batch was computed with, and their gradients (before the update).
    pub params: Params<T>,
}

/// What [`fit`] did.
#[derive(Clone, Debug)]
pub struct Report<T: Float> {
    /// The loss of each epoch: the mean of its batch losses, weighted by batch size (so, for
    /// a mean loss, the mean over the epoch's samples with the weights of each step).
    pub epoch_loss: Vec<f64>,
    /// Why training stopped.
    pub stop: TrainStop,
    /// Every step, when [`Train::log_steps`] is set; empty otherwise.
    pub steps: Vec<StepLog<T>>,
}

impl<T: Float> Report<T> {
    /// The loss of the last epoch (NaN if none ran).
    pub fn final_loss(&self) -> f64 {
        self.epoch_loss.last().copied().unwrap_or(f64::NAN)
    }
}

/// Trains `model` on `n` samples; see the module docs.
///
/// `loss(g, model, p, batch)` builds the batch's loss on tape `g`, from the parameter leaves
/// `p` and the sample indices `batch` (use [`Tensor::select_rows`](crate::Tensor::select_rows)
/// to pick them out of a data tensor, and `g.constant` for data). It must return a one-element `Var`.
///
/// # Panics
/// When `batch_size` is 0 or `n` is 0, or as `backward` does when the loss is not one
/// element.
#[track_caller]
pub fn fit<T, M, O, F>(model: &mut M, opt: &mut O, n: usize, cfg: &Train, loss: F) -> Report<T>
where
    T: Float,
    M: Model<T>,
    O: Optimizer<T>,
    F: for<'g> FnMut(&'g Graph<T>, &M, &Bound<'g, T>, &[usize]) -> Var<'g, T>,
{
    fit_observed(model, opt, n, cfg, loss, |_, _| {})
}

/// [`fit`], calling `on_epoch(epoch, loss)` after every epoch (numbered from 1, with that
/// epoch's mean loss): for a progress bar or a live log.
///
/// # Panics
/// As [`fit`].
#[track_caller]
pub fn fit_observed<T, M, O, F>(
    model: &mut M,
    opt: &mut O,
    n: usize,
    cfg: &Train,
    mut loss: F,
    mut on_epoch: impl FnMut(usize, f64),
) -> Report<T>
where
    T: Float,
    M: Model<T>,
    O: Optimizer<T>,
    F: for<'g> FnMut(&'g Graph<T>, &M, &Bound<'g, T>, &[usize]) -> Var<'g, T>,
{
    if cfg.batch_size == 0 || n == 0 {
        config_panic(cfg.batch_size, n);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut order: Vec<usize> = (0..n).collect();
    let mut g = Graph::<T>::default();
    let mut report = Report {
        epoch_loss: Vec::new(),
        stop: TrainStop::MaxEpochs,
        steps: Vec::new(),
    };
    let mut step = 0;
    for epoch in 1..=cfg.epochs {
        if cfg.shuffle {
            order.shuffle(&mut rng);
        }
        let mut total = 0.0;
        for batch in order.chunks(cfg.batch_size) {
            step += 1;
            g.clear();
            let p = model.params().bind(&g);
            let l = loss(&g, &*model, &p, batch);
            l.backward();
            let value = l.item().to_f64();
            total += value * batch.len() as f64;
            model.params_mut().read_grads(&p);
            if cfg.log_steps {
                report.steps.push(StepLog {
                    epoch,
                    step,
                    loss: value,
                    params: model.params().clone(),
                });
            }
            opt.step(model.params_mut());
        }
        let epoch_loss = total / n as f64;
        report.epoch_loss.push(epoch_loss);
        on_epoch(epoch, epoch_loss);
        if cfg.target_loss.is_some_and(|t| epoch_loss <= t) {
            report.stop = TrainStop::TargetLoss { epoch };
            break;
        }
    }
    report
}

#[cold]
#[track_caller]
fn config_panic(batch_size: usize, n: usize) -> ! {
    panic!("fit: batch_size ({batch_size}) and the number of samples ({n}) must both be positive")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tensor;
    use crate::nn::{Activation, Init, Mlp, half_sse};
    use crate::optim::Sgd;

    /// The data of a linear fit y = 3x on 6 points.
    fn data() -> (Tensor<f64>, Tensor<f64>) {
        let xs: Vec<f64> = (0..6).map(|i| i as f64 / 6.0).collect();
        let ys = xs.iter().map(|x| 3.0 * x).collect();
        (
            Tensor::from_vec(xs, &[6, 1]).unwrap(),
            Tensor::from_vec(ys, &[6, 1]).unwrap(),
        )
    }

    fn run(cfg: &Train) -> Report<f64> {
        let (x, y) = data();
        let mut model = Mlp::new(&[1, 1], Activation::Identity, Init::Uniform(0.5), 3);
        fit(&mut model, &mut Sgd::new(0.3), 6, cfg, |g, m, p, b| {
            let pred = m.forward(p, g.constant(x.select_rows(b)));
            half_sse(pred, g.constant(y.select_rows(b))).scale(1.0 / b.len() as f64)
        })
    }

    #[test]
    fn fit_stops_at_the_target_loss() {
        let cfg = Train {
            epochs: 1000,
            batch_size: 2,
            target_loss: Some(1e-4),
            ..Train::default()
        };
        let r = run(&cfg);
        let TrainStop::TargetLoss { epoch } = r.stop else {
            panic!("stopped by {:?}", r.stop)
        };
        assert_eq!(epoch, r.epoch_loss.len());
        assert!(r.final_loss() <= 1e-4);
        assert!(r.epoch_loss[..epoch - 1].iter().all(|&l| l > 1e-4));
    }

    #[test]
    fn fit_stops_at_max_epochs_and_is_reproducible() {
        let cfg = Train {
            epochs: 3,
            batch_size: 4,
            target_loss: Some(0.0),
            ..Train::default()
        };
        let (a, b) = (run(&cfg), run(&cfg));
        assert_eq!(a.stop, TrainStop::MaxEpochs);
        assert_eq!(a.epoch_loss.len(), 3);
        assert_eq!(a.epoch_loss, b.epoch_loss);
        let other = run(&Train { seed: 1, ..cfg });
        assert_ne!(
            a.epoch_loss, other.epoch_loss,
            "another seed, other batches"
        );
    }

    #[test]
    fn step_log_holds_each_steps_weights_and_gradients() {
        // Full batch, one epoch of one step, lr 0.3: w₁ = w₀ − 0.3·∂E/∂w.
        let cfg = Train {
            epochs: 2,
            batch_size: 6,
            log_steps: true,
            ..Train::default()
        };
        let r = run(&cfg);
        assert_eq!(r.steps.len(), 2);
        let (s1, s2) = (&r.steps[0], &r.steps[1]);
        assert_eq!((s1.epoch, s1.step, s2.epoch, s2.step), (1, 1, 2, 2));
        let w = |s: &StepLog<f64>| s.params["layer0.weight"].value.item();
        let dw = s1.params["layer0.weight"].grad.item();
        assert_eq!(w(s2), w(s1) - 0.3 * dw);
        // ∂E/∂w = (1/6) Σ (w x + b − 3x)·x, by hand from the logged weights.
        let b = s1.params["layer0.bias"].value.item();
        let (x, _) = data();
        let want: f64 = x
            .data()
            .iter()
            .map(|&x| (w(s1) * x + b - 3.0 * x) * x)
            .sum::<f64>()
            / 6.0;
        assert!((dw - want).abs() < 1e-14);
        assert!((s1.loss - r.epoch_loss[0]).abs() < 1e-15);
    }
}
