//! Plain gradient descent that records its path and says why it stopped.
//!
//! The loss is a closure that builds a one-element value from a variable leaf,
//! `|g, x| (x * x).sum()`; each point costs one forward and one backward pass.

use crate::calculus::value_and_grad;
use crate::float::Float;
use crate::graph::{Graph, Var};
use crate::tensor::Tensor;
use std::fmt;

/// Plain gradient descent: x ← x − η·∇f(x), from a start point until the loss is at most
/// `target_loss` or `max_steps` steps have been taken.
///
/// Too small an η crawls, a good one converges, and past 2/f'' (on a quadratic) the steps
/// overshoot further each time and the path diverges; [`Descent::stop`] says which end was
/// reached.
///
/// ```
/// use tapegrad::{GradientDescent, Stop, Tensor};
/// // f(x) = x², f'(x) = 2x: with η = 0.25 each step halves x, so the loss falls 4× a step.
/// let gd = GradientDescent { learning_rate: 0.25, target_loss: 1e-6, max_steps: 100 };
/// let run = gd.run(|_, x| x * x, &Tensor::scalar(1.0));
/// assert_eq!(run.stop, Stop::TargetReached);
/// assert_eq!(run.steps(), 10); // 4⁻¹⁰ ≈ 9.5e-7 ≤ 1e-6 < 4⁻⁹
/// assert_eq!(run.path[1].x.item(), 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientDescent<T> {
    /// The step size η.
    pub learning_rate: T,
    /// Stop as soon as f(x) ≤ this.
    pub target_loss: T,
    /// Stop after this many updates at the latest.
    pub max_steps: usize,
}

/// Why a [`GradientDescent`] run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The loss fell to the target or below.
    TargetReached,
    /// `max_steps` updates were taken without reaching the target.
    MaxSteps,
    /// The loss became NaN or ±∞ (the steps overshot until the numbers overflowed).
    Diverged,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stop::TargetReached => "target loss reached",
            Stop::MaxSteps => "maximum steps reached",
            Stop::Diverged => "diverged: the loss is no longer finite",
        })
    }
}

/// One point of a descent path: where it was, the loss there and its gradient.
#[derive(Debug, Clone, PartialEq)]
pub struct Point<T: Float> {
    /// The parameters.
    pub x: Tensor<T>,
    /// f(x).
    pub loss: T,
    /// ∇f(x), with the shape of `x`.
    pub grad: Tensor<T>,
}

/// The result of [`GradientDescent::run`].
#[derive(Debug, Clone, PartialEq)]
pub struct Descent<T: Float> {
    /// Every point visited, the start first: `path[k]` is x after k updates, so
    /// `path[k + 1].x = path[k].x − η·path[k].grad`.
    pub path: Vec<Point<T>>,
    /// Why the run ended.
    pub stop: Stop,
}

impl<T: Float> Descent<T> {
    /// The number of updates taken: `path.len() − 1`.
    pub fn steps(&self) -> usize {
        self.path.len() - 1
    }

    /// The last point visited.
    pub fn last(&self) -> &Point<T> {
        self.path
            .last()
            .expect("a descent path holds its start point")
    }
}

impl<T: Float> GradientDescent<T> {
    /// Runs descent on `f` from `x0`: one forward and one backward pass per point, on one
    /// tape that is cleared and reused.
    ///
    /// # Panics
    /// When `f` returns more than one element.
    #[track_caller]
    pub fn run(
        &self,
        f: impl for<'g> Fn(&'g Graph<T>, Var<'g, T>) -> Var<'g, T>,
        x0: &Tensor<T>,
    ) -> Descent<T> {
        let mut g = Graph::default();
        let mut x = x0.clone();
        let mut path = Vec::new();
        loop {
            let (loss, grad) = value_and_grad("GradientDescent::run", &mut g, &f, &x);
            let stop = if !loss.is_finite() {
                Some(Stop::Diverged)
            } else if loss <= self.target_loss {
                Some(Stop::TargetReached)
            } else if path.len() >= self.max_steps {
                Some(Stop::MaxSteps)
            } else {
                None
            };
            let mut next = x.clone();
            if stop.is_none() {
                for (a, &d) in next.data_mut().iter_mut().zip(grad.data()) {
                    *a -= self.learning_rate * d;
                }
            }
            path.push(Point { x, loss, grad });
            if let Some(stop) = stop {
                return Descent { path, stop };
            }
            x = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bowl<'g>(g: &'g Graph, x: Var<'g>) -> Var<'g> {
        // f(x, y) = x² + 4y²: ∇f = (2x, 8y).
        let w = g.constant(Tensor::from_vec(vec![1.0, 4.0], &[2]).unwrap());
        (w * x * x).sum()
    }

    fn start() -> Tensor<f64> {
        Tensor::from_vec(vec![2.0, 1.0], &[2]).unwrap()
    }

    #[test]
    fn each_step_moves_against_the_gradient_by_the_learning_rate() {
        let gd = GradientDescent {
            learning_rate: 0.1,
            target_loss: 0.0,
            max_steps: 3,
        };
        let run = gd.run(bowl, &start());
        // At (2, 1): f = 4 + 4 = 8, ∇f = (4, 8), so x₁ = (2 − 0.4, 1 − 0.8) = (1.6, 0.2).
        assert_eq!(run.path[0].loss, 8.0);
        assert_eq!(run.path[0].grad.data(), &[4.0, 8.0]);
        let x1 = run.path[1].x.data();
        assert!(
            (x1[0] - 1.6).abs() < 1e-15 && (x1[1] - 0.2).abs() < 1e-15,
            "{x1:?}"
        );
        for k in 0..run.steps() {
            let (p, q) = (&run.path[k], &run.path[k + 1]);
            for ((a, d), b) in p.x.data().iter().zip(p.grad.data()).zip(q.x.data()) {
                assert_eq!(*b, a - 0.1 * d);
            }
        }
    }

    #[test]
    fn good_learning_rate_reaches_the_target() {
        // η = 0.1: x shrinks by 1 − 0.2 = 0.8 a step, y by 1 − 0.8 = 0.2. The loss is
        // 4·0.64ᵏ + 4·0.04ᵏ, which first drops to 1e-6 or below at k = 35 (4·0.64³⁵ ≈ 6.4e-7).
        let gd = GradientDescent {
            learning_rate: 0.1,
            target_loss: 1e-6,
            max_steps: 1000,
        };
        let run = gd.run(bowl, &start());
        assert_eq!(run.stop, Stop::TargetReached);
        assert_eq!(run.steps(), 35);
        assert!(run.last().loss <= 1e-6 && run.path[34].loss > 1e-6);
    }

    #[test]
    fn tiny_learning_rate_runs_out_of_steps_while_still_descending() {
        let gd = GradientDescent {
            learning_rate: 0.001,
            target_loss: 1e-6,
            max_steps: 20,
        };
        let run = gd.run(bowl, &start());
        assert_eq!(run.stop, Stop::MaxSteps);
        assert_eq!(run.path.len(), 21);
        assert!(run.path.windows(2).all(|w| w[1].loss < w[0].loss));
        // x shrinks by 1 − 0.002 a step, y by 1 − 0.008: after 20 steps the loss is
        // 4·0.998⁴⁰ + 4·0.992⁴⁰ ≈ 6.59, still far from the target.
        let expected = 4.0 * 0.998f64.powi(40) + 4.0 * 0.992f64.powi(40);
        assert!(
            (run.last().loss - expected).abs() < 1e-12,
            "{}",
            run.last().loss
        );
    }

    #[test]
    fn too_large_learning_rate_diverges_to_a_non_finite_loss() {
        // f = x², η = 1.5: x ← x − 3x = −2x, so the loss grows 4× a step and overflows f64
        // (about 1.8e308 ≈ 4^512) after roughly 512 steps.
        let gd = GradientDescent {
            learning_rate: 1.5,
            target_loss: 1e-6,
            max_steps: 10_000,
        };
        let run = gd.run(|_, x| x * x, &Tensor::scalar(1.0));
        assert_eq!(run.stop, Stop::Diverged);
        assert!(!run.last().loss.is_finite());
        assert!((500..520).contains(&run.steps()), "{} steps", run.steps());
        assert_eq!(run.path[1].x.item(), -2.0);
    }

    #[test]
    fn start_at_the_target_takes_no_step() {
        let gd = GradientDescent {
            learning_rate: 0.1f32,
            target_loss: 1.0,
            max_steps: 10,
        };
        let run = gd.run(|_, x| x * x, &Tensor::scalar(0.5f32));
        assert_eq!((run.stop, run.steps()), (Stop::TargetReached, 0));
        assert_eq!(run.stop.to_string(), "target loss reached");
    }
}
