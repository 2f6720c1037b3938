//! Plain gradient descent that records (some of) its path and says why it stopped.
//!
//! The loss is a closure that builds a one-element value from a variable leaf,
//! `|g, x| (x * x).sum()`; each point costs one forward and one backward pass.

use crate::calculus::value_and_grad;
use crate::float::Float;
use crate::graph::{Graph, Var};
use crate::tensor::Tensor;
use std::fmt;

/// Plain gradient descent: x ← x − η·∇f(x), from a start point until the loss is at most
/// `target_loss`, the gradient's norm |∇f(x)| is at most `grad_tolerance`, or `max_steps`
/// steps have been taken.
///
/// Too small an η crawls, a good one converges, and past 2/f'' (on a quadratic) the steps
/// overshoot further each time and the path diverges; [`Descent::stop`] says which end was
/// reached.
///
/// Build it with [`new`](GradientDescent::new) and the setters (the `f64` constructor, so
/// closures with float literals infer without `::<f64>`), or as a struct literal:
///
/// | field | [`new`](GradientDescent::new)'s default | meaning |
/// |---|---|---|
/// | `learning_rate` | (given) | η |
/// | `target_loss` | −∞ (off) | stop once f(x) ≤ this |
/// | `grad_tolerance` | 0 (only an exact stationary point) | stop once \|∇f(x)\| ≤ this |
/// | `max_steps` | 10 000 | stop after this many updates |
/// | `keep_every` | 0 (the start and the end) | keep every k-th point in [`Descent::path`] |
///
/// The path is not kept by default: a long run (38 000 steps on Rosenbrock) would otherwise
/// hold every point. Set `keep_every(1)` to plot it.
///
/// ```
/// use tapegrad::{GradientDescent, Stop, Tensor};
/// // f(x) = x², f'(x) = 2x: with η = 0.25 each step halves x, so the loss falls 4× a step.
/// let gd = GradientDescent::new(0.25).target_loss(1e-6).max_steps(100).keep_every(1);
/// let run = gd.run(|_, x| x * x, &Tensor::scalar(1.0));
/// assert_eq!(run.stop, Stop::TargetReached);
/// assert_eq!(run.steps(), 10); // 4⁻¹⁰ ≈ 9.5e-7 ≤ 1e-6 < 4⁻⁹
/// assert_eq!(run.path[1].x.item(), 0.5);
/// // The same run stopping on the gradient instead: |2x| ≤ 1e-3 first at x = 2⁻¹¹.
/// let run = GradientDescent::new(0.25).grad_tolerance(1e-3).run(|_, x| x * x, &Tensor::scalar(1.0));
/// assert_eq!((run.stop, run.steps(), run.path.len()), (Stop::GradientSmall, 11, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientDescent<T> {
    /// The step size η.
    pub learning_rate: T,
    /// Stop as soon as f(x) ≤ this (−∞: never).
    pub target_loss: T,
    /// Stop as soon as the Euclidean norm of ∇f(x) is ≤ this.
    pub grad_tolerance: T,
    /// Stop after this many updates at the latest.
    pub max_steps: usize,
    /// Which points [`Descent::path`] keeps besides the start and the last: those whose step
    /// number is a multiple of this. 0 keeps only the start and the last point; 1 keeps all.
    pub keep_every: usize,
}

impl GradientDescent<f64> {
    /// Descent on an `f64` function with step size `learning_rate` and the defaults in the
    /// table above. For `f32`, [`GradientDescent::with_learning_rate`].
    pub fn new(learning_rate: f64) -> Self {
        Self::with_learning_rate(learning_rate)
    }
}

impl<T: Float> GradientDescent<T> {
    /// Descent with step size `learning_rate` and the defaults of [`GradientDescent::new`], for
    /// either float type: `GradientDescent::<f32>::with_learning_rate(0.1)`.
    pub fn with_learning_rate(learning_rate: T) -> Self {
        GradientDescent {
            learning_rate,
            target_loss: T::from_f64(f64::NEG_INFINITY),
            grad_tolerance: T::ZERO,
            max_steps: 10_000,
            keep_every: 0,
        }
    }

    /// With this target loss.
    pub fn target_loss(self, target_loss: T) -> Self {
        GradientDescent {
            target_loss,
            ..self
        }
    }

    /// With this gradient-norm tolerance.
    pub fn grad_tolerance(self, grad_tolerance: T) -> Self {
        GradientDescent {
            grad_tolerance,
            ..self
        }
    }

    /// With this step limit.
    pub fn max_steps(self, max_steps: usize) -> Self {
        GradientDescent { max_steps, ..self }
    }

    /// Keeping every `k`-th point of the path (0: only the start and the last).
    pub fn keep_every(self, k: usize) -> Self {
        GradientDescent {
            keep_every: k,
            ..self
        }
    }
}

/// Why a [`GradientDescent`] run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The loss fell to the target or below.
    TargetReached,
    /// The gradient's norm fell to the tolerance or below: a (near-)stationary point.
    GradientSmall,
    /// `max_steps` updates were taken without reaching the target.
    MaxSteps,
    /// The loss became NaN or ±∞ (the steps overshot until the numbers overflowed).
    Diverged,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stop::TargetReached => "target loss reached",
            Stop::GradientSmall => "gradient norm within tolerance",
            Stop::MaxSteps => "maximum steps reached",
            Stop::Diverged => "diverged: the loss is no longer finite",
        })
    }
}

/// One point of a descent path: which step, where it was, the loss there and its gradient.
#[derive(Debug, Clone, PartialEq)]
pub struct Point<T: Float> {
    /// The number of updates taken before this point (0 for the start).
    pub step: usize,
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
    /// The points kept (see [`GradientDescent::keep_every`]), in order: always the start
    /// first and the last point visited last. With `keep_every = 1`, `path[k]` is x after k
    /// updates, so `path[k + 1].x = path[k].x − η·path[k].grad`.
    pub path: Vec<Point<T>>,
    /// Why the run ended.
    pub stop: Stop,
}

impl<T: Float> Descent<T> {
    /// The number of updates taken: the last point's [`step`](Point::step).
    pub fn steps(&self) -> usize {
        self.last().step
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
    /// tape that is cleared and reused. `f` is a closure written in the call, a `fn`, or a
    /// closure kept in a `let` through [`objective`](crate::objective).
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
        let mut step = 0;
        loop {
            let (loss, grad) = value_and_grad("GradientDescent::run", &mut g, &f, &x);
            // Σd² in T; an overflow to ∞ only means "not small", which is right.
            let norm = grad.data().iter().map(|&d| d * d).sum::<T>().sqrt();
            let stop = if !loss.is_finite() {
                Some(Stop::Diverged)
            } else if loss <= self.target_loss {
                Some(Stop::TargetReached)
            } else if norm <= self.grad_tolerance {
                Some(Stop::GradientSmall)
            } else if step >= self.max_steps {
                Some(Stop::MaxSteps)
            } else {
                None
            };
            if let Some(stop) = stop {
                path.push(Point {
                    step,
                    x,
                    loss,
                    grad,
                });
                return Descent { path, stop };
            }
            if step == 0 || (self.keep_every > 0 && step % self.keep_every == 0) {
                path.push(Point {
                    step,
                    x: x.clone(),
                    loss,
                    grad: grad.clone(),
                });
            }
            for (a, &d) in x.data_mut().iter_mut().zip(grad.data()) {
                *a -= self.learning_rate * d;
            }
            step += 1;
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
            grad_tolerance: 0.0,
            keep_every: 1,
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
            grad_tolerance: 0.0,
            keep_every: 1,
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
            grad_tolerance: 0.0,
            keep_every: 1,
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
            grad_tolerance: 0.0,
            keep_every: 1,
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
            grad_tolerance: 0.0,
            keep_every: 1,
        };
        let run = gd.run(|_, x| x * x, &Tensor::scalar(0.5f32));
        assert_eq!((run.stop, run.steps()), (Stop::TargetReached, 0));
        assert_eq!(run.stop.to_string(), "target loss reached");
    }

    #[test]
    fn keep_every_thins_the_path_but_keeps_start_and_end() {
        // The bowl at η = 0.1 reaches 1e-6 after 35 steps (see above). Every 10th: steps
        // 0, 10, 20, 30 and the last, 35.
        let gd = GradientDescent::new(0.1).target_loss(1e-6).keep_every(10);
        let run = gd.run(bowl, &start());
        let steps: Vec<usize> = run.path.iter().map(|p| p.step).collect();
        assert_eq!(steps, [0, 10, 20, 30, 35]);
        assert_eq!(run.steps(), 35);
        // By default only the ends.
        let run = GradientDescent::new(0.1)
            .target_loss(1e-6)
            .run(bowl, &start());
        assert_eq!(run.path.iter().map(|p| p.step).collect::<Vec<_>>(), [0, 35]);
    }

    #[test]
    fn grad_tolerance_stops_at_the_first_point_with_a_small_gradient() {
        // Bowl at η = 0.1: ∇f = (2x, 8y) with x = 2·0.8ᵏ, y = 0.2ᵏ, so |∇f| ≈ 4·0.8ᵏ once y
        // is negligible; 4·0.8ᵏ ≤ 1e-3 first at k = 38 (4·0.8³⁸ ≈ 8.1e-4, 4·0.8³⁷ ≈ 1.0e-3).
        let run = GradientDescent::new(0.1)
            .grad_tolerance(1e-3)
            .run(bowl, &start());
        assert_eq!(run.stop, Stop::GradientSmall);
        let norm = |p: &Point<f64>| p.grad.data().iter().map(|d| d * d).sum::<f64>().sqrt();
        assert!(norm(run.last()) <= 1e-3);
        let gd = GradientDescent::new(0.1)
            .max_steps(run.steps() - 1)
            .keep_every(1);
        let before = gd.run(bowl, &start());
        assert!(norm(before.last()) > 1e-3, "the step before is still above");
        assert_eq!(run.steps(), 38);
    }

    #[test]
    fn new_infers_f64_for_closures_with_float_literals() {
        // (x − 3)² from 0 with η = 0.25: x ← x − 0.5(x − 3), so the distance to 3 halves each
        // step; |∇f| = 2|x − 3| = 6·2⁻ᵏ ≤ 1e-9 first at k = 33 (6·2⁻³³ ≈ 7.0e-10).
        let run = GradientDescent::new(0.25)
            .grad_tolerance(1e-9)
            .run(|_, x| (x - 3.0).powi(2), &Tensor::scalar(0.0));
        assert_eq!((run.stop, run.steps()), (Stop::GradientSmall, 33));
        assert!((run.last().x.item() - 3.0).abs() < 1e-9);
        let f32_run = GradientDescent::<f32>::with_learning_rate(0.25)
            .max_steps(3)
            .run(|_, x| x * x, &Tensor::scalar(1.0f32));
        assert_eq!(
            (f32_run.stop, f32_run.last().x.item()),
            (Stop::MaxSteps, 0.125)
        );
    }
}
