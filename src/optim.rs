//! Optimizers: they update [`Params`] in place from the gradients of the last step.
//!
//! Each update is one pass over each parameter's elements, reading the gradient and writing
//! the value (and the optimizer's own state) as it goes. No tape is involved: an update is
//! plain arithmetic on tensors, after `backward` and [`Params::read_grads`].
//!
//! State (velocities, moments) is kept per parameter, by position, and created on the first
//! step; keep one optimizer per model.
//!
//! # Values below the normal range
//!
//! A multiply or divide that reads or makes a subnormal number (|x| below 2⁻¹²⁶ ≈ 1.2e-38 in
//! f32, 2⁻¹⁰²² ≈ 2.2e-308 in f64) is tens of times slower on x86, and optimizer state decays
//! through that range wherever a gradient stops. So each update flushes to 0, branch-free (a
//! compare and a mask, which vectorise), the few values whose products would be subnormal:
//!
//! - each state element it stores (Sgd's velocity, Adam's m and v), when below the normal
//!   range; it then stays 0 until a gradient moves it;
//! - the gradient element (after weight decay is added) where it would be multiplied: in
//!   plain Sgd when below the normal range; in Adam when (1 − β₂)·g² would be below it
//!   (|g| < 3.4e-18 in f32 at β₂ = 0.999, 4.7e-153 in f64), since g² is what goes
//!   subnormal first. Sgd with momentum only adds g into v, which is fast at any size, and
//!   flushes v.
//!
//! Normal values are kept exactly. What Adam drops moves w by at most η·3.4e-10 per step at
//! the default ε = 1e-8 (f32), far below the resolution of any weight above 1e-5. Weights
//! are never flushed. The arithmetic of the tape is not affected.

use crate::float::Float;
use crate::nn::Params;

/// The smallest positive normal number of `T` (`f32::MIN_POSITIVE` or `f64::MIN_POSITIVE`).
/// `Float` is implemented for exactly these two widths, told apart by size.
#[inline(always)]
fn min_normal<T: Float>() -> T {
    if std::mem::size_of::<T>() == 4 {
        T::from_f64(f32::MIN_POSITIVE as f64)
    } else {
        T::from_f64(f64::MIN_POSITIVE)
    }
}

/// `x`, or 0 when |x| < `tiny`. A select, not a branch, so a loop of these vectorises; NaN
/// is kept (the compare is false).
#[inline(always)]
fn flush<T: Float>(x: T, tiny: T) -> T {
    if x.abs() < tiny { T::ZERO } else { x }
}

/// [`flush`] for an `x` known to be ≥ 0 or NaN (Adam's v): one compare fewer.
#[inline(always)]
fn flush_nonnegative<T: Float>(x: T, tiny: T) -> T {
    if x < tiny { T::ZERO } else { x }
}

/// Something that updates parameters from their gradients.
pub trait Optimizer<T: Float> {
    /// Applies one update to every parameter from its [`grad`](crate::nn::Param::grad).
    ///
    /// # Panics
    /// When the parameters are not the ones of the previous steps (a different count or
    /// size), since the optimizer's state would not fit, and when a hyper-parameter set
    /// through a public field is out of its range (see the constructors).
    fn step(&mut self, params: &mut Params<T>);
}

/// Stochastic gradient descent, with optional momentum and weight decay (PyTorch's `SGD`
/// with dampening 0, not Nesterov):
///
/// - g ← ∇w + λ·w (weight decay λ, the gradient of an L2 penalty ½λ‖w‖²);
/// - v ← μ·v + g, with v = g at the first step (momentum μ; no v when μ = 0);
/// - w ← w − η·v (learning rate η; w ← w − η·g when μ = 0).
///
/// Velocities stored below the normal range, and without momentum gradients below it, count
/// as 0 (see the [module docs](self)).
///
/// ```
/// use tapegrad::{Tensor, nn::Params, optim::{Optimizer, Sgd}};
/// let mut p = Params::<f64>::new();
/// p.add("w", Tensor::scalar(1.0));
/// p.get_mut("w").unwrap().grad = Tensor::scalar(0.5);
/// let mut opt = Sgd::new(0.1);
/// opt.step(&mut p);
/// assert_eq!(p["w"].value.item(), 0.95); // 1 − 0.1·0.5
///
/// // Momentum 0.9: v = 0.5, w = 0.95 − 0.05; then v = 0.45 + 0.5, w = 0.9 − 0.095.
/// let mut opt = Sgd::new(0.1).momentum(0.9);
/// opt.step(&mut p);
/// opt.step(&mut p);
/// assert!((p["w"].value.item() - 0.805).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
pub struct Sgd<T: Float = f64> {
    /// The learning rate η ≥ 0; change it between steps for a schedule.
    pub lr: T,
    /// The momentum μ ∈ [0, 1) (0 for none).
    pub momentum: T,
    /// The weight decay λ ≥ 0 (0 for none).
    pub weight_decay: T,
    velocity: Vec<Vec<T>>,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with learning rate `lr`.
    ///
    /// # Panics
    /// When `lr` is negative, infinite or NaN: `Sgd::new: the learning rate must be finite
    /// and >= 0, got NaN`.
    #[track_caller]
    pub fn new(lr: T) -> Self {
        check_lr("Sgd::new", lr);
        Sgd {
            lr,
            momentum: T::ZERO,
            weight_decay: T::ZERO,
            velocity: Vec::new(),
        }
    }

    /// With momentum μ.
    ///
    /// # Panics
    /// When μ is outside [0, 1) or NaN.
    #[track_caller]
    pub fn momentum(mut self, mu: T) -> Self {
        check_unit("Sgd::momentum", "the momentum", mu);
        self.momentum = mu;
        self
    }

    /// With weight decay λ.
    ///
    /// # Panics
    /// When λ is negative, infinite or NaN.
    #[track_caller]
    pub fn weight_decay(mut self, lambda: T) -> Self {
        check_nonnegative("Sgd::weight_decay", "the weight decay", lambda);
        self.weight_decay = lambda;
        self
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    #[track_caller]
    fn step(&mut self, params: &mut Params<T>) {
        check_lr("Sgd::step", self.lr);
        check_unit("Sgd::step", "the momentum", self.momentum);
        check_nonnegative("Sgd::step", "the weight decay", self.weight_decay);
        let (lr, mu, wd) = (self.lr, self.momentum, self.weight_decay);
        let tiny = min_normal::<T>();
        if mu == T::ZERO {
            for (_, p) in params.iter_mut() {
                // One pass; a value still shared with the last step's tape is written to a
                // fresh buffer instead of being copied first.
                p.value
                    .update_with(p.grad.data(), |w, g| w - lr * (flush(g, tiny) + wd * w));
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
        // At the first step v = g, which is μ·0 + g with v starting at 0. A subnormal g is
        // only added (no multiply reads it), and v is flushed.
        for ((_, p), vel) in params.iter_mut().zip(&mut self.velocity) {
            let it = p.value.data_mut().iter_mut().zip(p.grad.data()).zip(vel);
            for ((w, &g), v) in it {
                let g = g + wd * *w;
                let vn = flush(mu * *v + g, tiny);
                *v = vn;
                *w -= lr * vn;
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
/// The first step therefore moves each weight by about η·sign(g). The last line is computed
/// as PyTorch does, w ← w − (η / (1 − β₁ᵗ))·m / (√v·(1 − β₂ᵗ)^(−½) + ε), with one division
/// and one square root per element. m and v stored below the normal range count as 0, and so
/// does a gradient g whose (1 − β₂)·g² would be below it (see the [module docs](self)).
///
/// ```
/// use tapegrad::{Tensor, nn::Params, optim::{Adam, Optimizer}};
/// let mut p = Params::<f64>::new();
/// p.add("w", Tensor::scalar(1.0));
/// p.get_mut("w").unwrap().grad = Tensor::scalar(-3.0);
/// let mut opt = Adam::new(0.01).betas(0.8, 0.99).eps(1e-6);
/// opt.step(&mut p);
/// // m̂ = g = −3 and v̂ = g² = 9 at the first step, whatever the betas.
/// assert!((p["w"].value.item() - (1.0 + 0.01 * 3.0 / (3.0 + 1e-6))).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
pub struct Adam<T: Float = f64> {
    /// The learning rate η ≥ 0.
    pub lr: T,
    /// β₁ ∈ [0, 1), the decay of the first moment (default 0.9).
    pub beta1: T,
    /// β₂ ∈ [0, 1), the decay of the second moment (default 0.999).
    pub beta2: T,
    /// ε > 0, added to √v̂ (default 1e-8).
    pub eps: T,
    /// The weight decay λ ≥ 0 (default 0).
    pub weight_decay: T,
    t: u64,
    m: Vec<Vec<T>>,
    v: Vec<Vec<T>>,
}

impl<T: Float> Adam<T> {
    /// Adam with learning rate `lr` and the defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    ///
    /// # Panics
    /// When `lr` is negative, infinite or NaN: `Adam::new: the learning rate must be finite
    /// and >= 0, got -0.1`.
    #[track_caller]
    pub fn new(lr: T) -> Self {
        check_lr("Adam::new", lr);
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

    /// With the decays β₁ (first moment) and β₂ (second moment).
    ///
    /// # Panics
    /// When either is outside [0, 1) or NaN: `Adam::betas: β₂ must be in [0, 1), got 1`.
    #[track_caller]
    pub fn betas(mut self, beta1: T, beta2: T) -> Self {
        check_unit("Adam::betas", "β₁", beta1);
        check_unit("Adam::betas", "β₂", beta2);
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    /// With ε, the term added to √v̂.
    ///
    /// # Panics
    /// When ε is not finite and > 0.
    #[track_caller]
    pub fn eps(mut self, eps: T) -> Self {
        check_eps("Adam::eps", eps);
        self.eps = eps;
        self
    }

    /// With weight decay λ.
    ///
    /// # Panics
    /// When λ is negative, infinite or NaN.
    #[track_caller]
    pub fn weight_decay(mut self, lambda: T) -> Self {
        check_nonnegative("Adam::weight_decay", "the weight decay", lambda);
        self.weight_decay = lambda;
        self
    }

    /// The number of steps taken.
    pub fn steps(&self) -> usize {
        usize::try_from(self.t).unwrap_or(usize::MAX)
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    #[track_caller]
    fn step(&mut self, params: &mut Params<T>) {
        check_lr("Adam::step", self.lr);
        check_unit("Adam::step", "β₁", self.beta1);
        check_unit("Adam::step", "β₂", self.beta2);
        check_eps("Adam::step", self.eps);
        check_nonnegative("Adam::step", "the weight decay", self.weight_decay);
        if self.t == 0 {
            self.m = params
                .iter()
                .map(|(_, p)| vec![T::ZERO; p.value.len()])
                .collect();
            self.v = self.m.clone();
        }
        check_state("Adam", &self.m, params);
        self.t = self.t.saturating_add(1);
        let (b1, b2, eps, wd) = (self.beta1, self.beta2, self.eps, self.weight_decay);
        // βᵗ for t past i32::MAX is 0 in either width, as it is at i32::MAX.
        let t = i32::try_from(self.t).unwrap_or(i32::MAX);
        let step_size = self.lr / (T::ONE - b1.powi(t));
        let inv_sqrt_c2 = T::ONE / (T::ONE - b2.powi(t)).sqrt();
        let (a1, a2) = (T::ONE - b1, T::ONE - b2);
        let tiny = min_normal::<T>();
        // (1 − β₂)·g² < tiny exactly when |g| < √(tiny / (1 − β₂)); testing g keeps the
        // subnormal product from being made at all. (1 − β₁)·g is then normal too, unless
        // β₁ is within 1e-17 of 1, which the second bound covers.
        let (for_v, for_m) = ((tiny / a2).sqrt(), tiny / a1);
        let tiny_g = if for_v > for_m { for_v } else { for_m };
        for (((_, p), ms), vs) in params.iter_mut().zip(&mut self.m).zip(&mut self.v) {
            let it = p
                .value
                .data_mut()
                .iter_mut()
                .zip(p.grad.data())
                .zip(ms)
                .zip(vs);
            for (((w, &g), m), v) in it {
                let g = flush(g + wd * *w, tiny_g);
                let mn = flush(b1 * *m + a1 * g, tiny);
                let vn = flush_nonnegative(b2 * *v + a2 * (g * g), tiny);
                *m = mn;
                *v = vn;
                *w -= step_size * mn / (vn.sqrt() * inv_sqrt_c2 + eps);
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

/// A learning rate: finite and ≥ 0 (0 freezes the weights, which a schedule may want).
#[track_caller]
fn check_lr<T: Float>(call: &str, lr: T) {
    if !(lr.is_finite() && lr >= T::ZERO) {
        bad_value(call, "the learning rate", "finite and >= 0", lr);
    }
}

/// A decay (momentum, β): in [0, 1), where 1 would never forget.
#[track_caller]
fn check_unit<T: Float>(call: &str, what: &str, x: T) {
    if !(x >= T::ZERO && x < T::ONE) {
        bad_value(call, what, "in [0, 1)", x);
    }
}

/// A weight decay: finite and ≥ 0.
#[track_caller]
fn check_nonnegative<T: Float>(call: &str, what: &str, x: T) {
    if !(x.is_finite() && x >= T::ZERO) {
        bad_value(call, what, "finite and >= 0", x);
    }
}

/// Adam's ε: finite and > 0, so that √v̂ + ε is never 0.
#[track_caller]
fn check_eps<T: Float>(call: &str, eps: T) {
    if !(eps.is_finite() && eps > T::ZERO) {
        bad_value(call, "ε", "finite and > 0", eps);
    }
}

#[cold]
#[track_caller]
fn bad_value<T: Float>(call: &str, what: &str, range: &str, x: T) -> ! {
    panic!("{call}: {what} must be {range}, got {x}")
}

#[cfg(test)]
mod misuse;
#[cfg(test)]
mod tests;
