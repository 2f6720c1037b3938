//! Optimizers: they update [`Params`] in place from the gradients of the last step.
//!
//! Each update is one pass over each parameter's elements, reading the gradient and writing
//! the value (and the optimizer's own state) as it goes. No tape is involved: an update is
//! plain arithmetic on tensors, after `backward` and [`Params::read_grads`].
//!
//! State (velocities, moments) is kept per parameter, by position, and created on the first
//! step; keep one optimizer per model.

use crate::float::Float;
use crate::nn::Params;

/// Something that updates parameters from their gradients.
pub trait Optimizer<T: Float> {
    /// Applies one update to every parameter from its [`grad`](crate::nn::Param::grad).
    ///
    /// # Panics
    /// When the parameters are not the ones of the previous steps (a different count or
    /// size), since the optimizer's state would not fit.
    fn step(&mut self, params: &mut Params<T>);
}

/// Stochastic gradient descent, with optional momentum and weight decay (PyTorch's rule,
/// no dampening):
///
/// - g ← ∇w + λ·w (weight decay λ, an L2 penalty ½λ‖w‖²);
/// - v ← μ·v + g, with v = g at the first step (momentum μ; no v when μ = 0);
/// - w ← w − η·v (learning rate η).
///
/// ```
/// use tapegrad::{Tensor, nn::Params, optim::{Optimizer, Sgd}};
/// let mut p = Params::<f64>::new();
/// p.add("w", Tensor::scalar(1.0));
/// p.get_mut("w").unwrap().grad = Tensor::scalar(0.5);
/// let mut opt = Sgd::new(0.1);
/// opt.step(&mut p);
/// assert_eq!(p["w"].value.item(), 0.95); // 1 − 0.1·0.5
/// ```
#[derive(Clone, Debug)]
pub struct Sgd<T: Float = f64> {
    /// The learning rate η; change it between steps for a schedule.
    pub lr: T,
    /// The momentum μ (0 for none).
    pub momentum: T,
    /// The weight decay λ (0 for none).
    pub weight_decay: T,
    velocity: Vec<Vec<T>>,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with learning rate `lr`.
    pub fn new(lr: T) -> Self {
        Sgd {
            lr,
            momentum: T::ZERO,
            weight_decay: T::ZERO,
            velocity: Vec::new(),
        }
    }

    /// With momentum μ.
    pub fn momentum(mut self, mu: T) -> Self {
        self.momentum = mu;
        self
    }

    /// With weight decay λ.
    pub fn weight_decay(mut self, lambda: T) -> Self {
        self.weight_decay = lambda;
        self
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    #[track_caller]
    fn step(&mut self, params: &mut Params<T>) {
        let (lr, mu, wd) = (self.lr, self.momentum, self.weight_decay);
        if mu == T::ZERO {
            for (_, p) in params.iter_mut() {
                // One pass; a value still shared with the last step's tape is written to a
                // fresh buffer instead of being copied first.
                p.value
                    .update_with(p.grad.data(), |w, g| w - lr * (g + wd * w));
            }
            return;
        }
        let first = self.velocity.is_empty();
        if first {
            self.velocity = params
                .iter()
                .map(|(_, p)| vec![T::ZERO; p.value.len()])
                .collect();
        }
        check_state("Sgd", &self.velocity, params);
        for ((_, p), vel) in params.iter_mut().zip(&mut self.velocity) {
            let it = p.value.data_mut().iter_mut().zip(p.grad.data()).zip(vel);
            for ((w, &g), v) in it {
                let g = g + wd * *w;
                *v = if first { g } else { mu * *v + g };
                *w -= lr * *v;
            }
        }
    }
}

/// Adam (Kingma & Ba, 2015), with optional L2 weight decay folded into the gradient as in
/// PyTorch's `Adam`. At step t = 1, 2, …:
///
/// - g ← ∇w + λ·w;
/// - m ← β₁·m + (1 − β₁)·g, v ← β₂·v + (1 − β₂)·g² (m, v start at 0);
/// - m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ);
/// - w ← w − η·m̂ / (√v̂ + ε).
///
/// The first step therefore moves each weight by about η·sign(g).
///
/// ```
/// use tapegrad::{Tensor, nn::Params, optim::{Adam, Optimizer}};
/// let mut p = Params::<f64>::new();
/// p.add("w", Tensor::scalar(1.0));
/// p.get_mut("w").unwrap().grad = Tensor::scalar(-3.0);
/// let mut opt = Adam::new(0.01);
/// opt.step(&mut p);
/// assert!((p["w"].value.item() - 1.01).abs() < 1e-9); // 1 + 0.01·3/(3 + 1e-8)
/// ```
#[derive(Clone, Debug)]
pub struct Adam<T: Float = f64> {
    /// The learning rate η.
    pub lr: T,
    /// β₁, the decay of the first moment (default 0.9).
    pub beta1: T,
    /// β₂, the decay of the second moment (default 0.999).
    pub beta2: T,
    /// ε, added to √v̂ (default 1e-8).
    pub eps: T,
    /// The weight decay λ (default 0).
    pub weight_decay: T,
    t: i32,
    m: Vec<Vec<T>>,
    v: Vec<Vec<T>>,
}

impl<T: Float> Adam<T> {
    /// Adam with learning rate `lr` and the defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(lr: T) -> Self {
        Adam {
            lr,
            beta1: T::from_f64(0.9),
            beta2: T::from_f64(0.999),
            eps: T::from_f64(1e-8),
            weight_decay: T::ZERO,
            t: 0,
            m: Vec::new(),
            v: Vec::new(),
        }
    }

    /// With weight decay λ.
    pub fn weight_decay(mut self, lambda: T) -> Self {
        self.weight_decay = lambda;
        self
    }

    /// The number of steps taken.
    pub fn steps(&self) -> usize {
        self.t as usize
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    #[track_caller]
    fn step(&mut self, params: &mut Params<T>) {
        if self.t == 0 {
            self.m = params
                .iter()
                .map(|(_, p)| vec![T::ZERO; p.value.len()])
                .collect();
            self.v = self.m.clone();
        }
        check_state("Adam", &self.m, params);
        self.t += 1;
        let (b1, b2, eps, wd, lr) = (self.beta1, self.beta2, self.eps, self.weight_decay, self.lr);
        let c1 = T::ONE - b1.powi(self.t);
        let c2 = T::ONE - b2.powi(self.t);
        for (((_, p), ms), vs) in params.iter_mut().zip(&mut self.m).zip(&mut self.v) {
            let it = p
                .value
                .data_mut()
                .iter_mut()
                .zip(p.grad.data())
                .zip(ms)
                .zip(vs);
            for (((w, &g), m), v) in it {
                let g = g + wd * *w;
                *m = b1 * *m + (T::ONE - b1) * g;
                *v = b2 * *v + (T::ONE - b2) * g * g;
                *w -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
            }
        }
    }
}

/// Panics unless `state` has one buffer per parameter, each of its size.
#[track_caller]
fn check_state<T: Float>(name: &str, state: &[Vec<T>], params: &Params<T>) {
    let fits = state.len() == params.len()
        && state
            .iter()
            .zip(params.iter())
            .all(|(s, (_, p))| s.len() == p.value.len());
    if !fits {
        state_panic(name, state.len(), params.len());
    }
}

#[cold]
#[track_caller]
fn state_panic(name: &str, state: usize, params: usize) -> ! {
    panic!(
        "{name}::step: the optimizer's state was made for {state} parameters of other sizes, \
         but got {params} parameters (use one optimizer per model)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tensor;

    fn one(w: f64, g: f64) -> Params<f64> {
        let mut p = Params::new();
        p.add("w", Tensor::from_vec(vec![w, -w], &[2]).unwrap());
        p.get_mut("w").unwrap().grad = Tensor::from_vec(vec![g, -g], &[2]).unwrap();
        p
    }

    fn w(p: &Params<f64>) -> f64 {
        p["w"].value.data()[0]
    }

    #[test]
    fn sgd_with_momentum_and_decay_matches_hand_computed_steps() {
        // w = 2, ∇ = 0.5, η = 0.1, μ = 0.9, λ = 0.01.
        // Step 1: g = 0.5 + 0.02 = 0.52; v = 0.52; w = 2 − 0.052 = 1.948.
        // Step 2 (∇ = 0.5 again): g = 0.5 + 0.01948 = 0.51948; v = 0.468 + 0.51948 = 0.98748;
        //         w = 1.948 − 0.098748 = 1.849252.
        let mut p = one(2.0, 0.5);
        let mut opt = Sgd::new(0.1).momentum(0.9).weight_decay(0.01);
        opt.step(&mut p);
        assert!((w(&p) - 1.948).abs() < 1e-15);
        opt.step(&mut p);
        assert!((w(&p) - 1.849252).abs() < 1e-15);
        // The mirrored element moves the mirrored way.
        assert!((p["w"].value.data()[1] + 1.849252).abs() < 1e-15);
    }

    #[test]
    fn plain_sgd_is_w_minus_lr_grad() {
        let mut p = one(1.0, 4.0);
        Sgd::new(0.25).step(&mut p);
        assert_eq!(w(&p), 0.0);
    }

    #[test]
    fn adam_matches_hand_computed_steps() {
        // w = 1, ∇ = 0.2 at both steps, η = 0.1, defaults.
        // Step 1: m = 0.02, v = 4e-5; m̂ = 0.2, v̂ = 0.04; w = 1 − 0.1·0.2/(0.2 + 1e-8).
        // Step 2: m = 0.038, v = 7.996e-5; m̂ = 0.038/0.19 = 0.2, v̂ = 7.996e-5/0.001999 = 0.04:
        //         the same move again.
        let mut p = one(1.0, 0.2);
        let mut opt = Adam::new(0.1);
        opt.step(&mut p);
        let step = 0.1 * 0.2 / (0.2 + 1e-8);
        assert!((w(&p) - (1.0 - step)).abs() < 1e-15);
        opt.step(&mut p);
        assert!((w(&p) - (1.0 - 2.0 * step)).abs() < 1e-14);
        assert_eq!(opt.steps(), 2);
    }

    #[test]
    fn adam_with_weight_decay_adds_lambda_w_to_the_gradient() {
        // ∇ = 0, λ = 0.5, w = 2: g = 1, so the first step is η·1/(1 + ε).
        let mut p = one(2.0, 0.0);
        Adam::new(0.1).weight_decay(0.5).step(&mut p);
        assert!((w(&p) - (2.0 - 0.1 / (1.0 + 1e-8))).abs() < 1e-15);
    }

    #[test]
    #[should_panic(expected = "Adam::step: the optimizer's state was made for 1 parameters")]
    fn reusing_an_optimizer_on_other_params_panics() {
        let mut opt = Adam::new(0.1);
        opt.step(&mut one(1.0, 1.0));
        let mut two = one(1.0, 1.0);
        two.add("b", Tensor::scalar(0.0));
        opt.step(&mut two);
    }
}
