//! Activations as compositions of primitives. None has a backward rule: the tape derives it.
//!
//! | activation | formula | derivative | built from |
//! |---|---|---|---|
//! | `sign` (a primitive) | −1, 0, 1 | 0 everywhere (piecewise constant) | the perceptron's activation |
//! | `step` (a primitive) | 1 for x > 0, else 0 | 0 everywhere (piecewise constant) | the mask of relu |
//! | `tanh` (a primitive) | (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) | 1 − tanh² | — |
//! | [`sigmoid`](crate::Var::sigmoid) | 1/(1 + e⁻ˣ) | σ(1 − σ) | (s + (1 − s)·e)/(1 + e), e = e^−\|x\|, s = step(x) |
//! | [`relu`](crate::Var::relu) | max(x, 0) | 1 for x > 0, else 0 (0 at x = 0) | x · step(x) |
//! | [`leaky_relu`](crate::Var::leaky_relu) | x for x > 0, a·x else | 1 or a (a at 0) | x · (step + a(1 − step)) |
//! | [`softsign`](crate::Var::softsign) | x/(1 + \|x\|) | 1/(1 + \|x\|)² | x/(1 + \|x\|) for \|x\| < 1, sign(x)(1 − 1/(1 + \|x\|)) else |
//! | [`softplus`](crate::Var::softplus) | ln(1 + eˣ) | σ(x) | relu(x) + ln_1p(e^−\|x\|) |
//! | [`elu`](crate::Var::elu) | x for x > 0, a(eˣ − 1) else | 1 or a·eˣ (a at 0) | relu(x) + a·expm1(min(x, 0)), expm1(m) = tanh(m/2)(1 + eᵐ) for m > −1 |
//!
//! `step(x)` is the primitive unit step: 1 for x > 0 and 0 otherwise, with gradient 0 (like
//! `sign`), so no gradient flows through the mask itself: the derivative of x·step(x) is
//! exactly step(x), which gives relu'(0) = 0, the PyTorch and JAX convention. relu is two
//! nodes on the tape.
//!
//! Every form here stays finite for finite inputs of any size: no eˣ of a large positive x is
//! ever computed. The one exception is relu-based forms at x = −∞, where x·step(x) = −∞·0 is
//! NaN; the inputs are meant to be finite.

use crate::float::Float;
use crate::graph::Var;

impl<'g, T: Float> Var<'g, T> {
    /// The logistic function σ(x) = 1 / (1 + e⁻ˣ), with σ'(x) = σ(x)(1 − σ(x)).
    ///
    /// Computed from e = e^−|x|, which never overflows, as 1/(1 + e) for x > 0 and
    /// e/(1 + e) for x ≤ 0, the branch chosen by the mask s = step(x) (which carries no
    /// gradient): σ = (s + (1 − s)·e) / (1 + e). Both branches divide numbers without
    /// cancellation, so value and derivative are within a few ulps everywhere, including
    /// the left tail, where the older form ½ + ½·tanh(x/2) lost digits (1.7e-4 relative at
    /// x = −30) and returned 0 from x ≈ −37 on. σ(−1000) is 0 (the true value, 5e-435,
    /// underflows) and σ(1000) exactly 1, with gradients 0.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.0);
    /// let y = x.sigmoid();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (0.5, 0.25));
    /// // σ(−30) = 9.3576229688392989e-14 (mpmath), here within 2e-29, under 2 ulps.
    /// let y = g.scalar(-30.0).sigmoid().item();
    /// assert!((y - 9.3576229688392989e-14).abs() <= 2e-29);
    /// ```
    #[track_caller]
    pub fn sigmoid(self) -> Self {
        let (s, q, e) = self.tail_parts();
        (s + q * e) / e.shift(T::ONE)
    }

    /// The parts every tail-accurate activation here is built from: the mask s = step(x)
    /// (1 for x > 0, else 0), its complement q = 1 − s, and e = e^−|x| ∈ (0, 1], with −|x|
    /// formed as x·(q − s) so that its derivative is the branch's own, +1 at x = 0 (the
    /// x ≤ 0 branch), where |x|'s derivative sign(0) = 0 would give the wrong slope. The
    /// masks are constants to the tape (step has gradient 0), so a gradient flows only
    /// through x and, multiplied by exactly 0 or 1, only along the branch taken.
    #[track_caller]
    fn tail_parts(self) -> (Self, Self, Self) {
        let s = self.step();
        let q = s.scale(-T::ONE).shift(T::ONE);
        let e = (self * (q - s)).exp();
        (s, q, e)
    }

    /// The rectified linear unit relu(x) = max(x, 0), with relu'(x) = 1 for x > 0 and 0 for
    /// x ≤ 0 (so relu'(0) = 0, as in PyTorch and JAX).
    ///
    /// Built as x · step(x): the step has gradient 0, so the derivative is exactly step(x).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-2.0, 0.0, 3.0], &[3]).unwrap());
    /// let y = x.relu();
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[0.0, 0.0, 3.0]);
    /// assert_eq!(x.grad().data(), &[0.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn relu(self) -> Self {
        self * self.step()
    }

    /// The leaky relu: x for x > 0, `slope`·x for x ≤ 0. Its derivative is 1 for x > 0 and
    /// `slope` for x ≤ 0 (so `slope` at 0, as in PyTorch).
    ///
    /// Built as x · (step(x) + slope·(1 − step(x))): a mask with zero gradient, times x.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-2.0, 3.0], &[2]).unwrap());
    /// let y = x.leaky_relu(0.1);
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[-0.2, 3.0]);
    /// assert_eq!(x.grad().data(), &[0.1, 1.0]);
    /// ```
    #[track_caller]
    pub fn leaky_relu(self, slope: T) -> Self {
        let s = self.step();
        // step + slope·(1 − step) = (1 − slope)·step + slope.
        self * s.scale(T::ONE - slope).shift(slope)
    }

    /// The softsign x / (1 + |x|), with derivative 1 / (1 + |x|)². Like tanh, it maps ℝ
    /// onto (−1, 1), but approaches its limits polynomially.
    ///
    /// Two forms, each used where it loses no digits, chosen by the mask w = step(1 − |x|)
    /// (which carries no gradient): x/(1 + |x|) for |x| < 1, and sign(x)·(1 − 1/(1 + |x|))
    /// for |x| ≥ 1. The first alone would differentiate, through the quotient rule, to
    /// 1/(1 + |x|) − |x|/(1 + |x|)², two nearly equal terms for large |x| (relative error
    /// 1e-8 at x = 10⁸); the second's derivative is one product, 1/(1 + |x|)², but its value
    /// cancels for small |x|. Selected, value and derivative are within a few ulps everywhere.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(1.0);
    /// let y = x.softsign();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (0.5, 0.25));
    /// // d/dx at 10⁸ is 1/(1 + 10⁸)² = 9.9999998e-17, to a few ulps.
    /// let x = g.scalar(1e8);
    /// x.softsign().backward();
    /// assert!((x.grad().item() / (1.0f64 + 1e8).powi(-2) - 1.0).abs() < 1e-15);
    /// ```
    #[track_caller]
    pub fn softsign(self) -> Self {
        let a = self.abs();
        let d = a.shift(T::ONE);
        let w = a.scale(-T::ONE).shift(T::ONE).step(); // 1 for |x| < 1
        let near = self / d;
        let far = self.sign() * d.powi(-1).scale(-T::ONE).shift(T::ONE);
        w * near + w.scale(-T::ONE).shift(T::ONE) * far
    }

    /// The softplus ln(1 + eˣ), a smooth relu, with derivative σ(x).
    ///
    /// Computed in the stable form relu(x) + ln(1 + e^−|x|): the exponent is never positive,
    /// so softplus(1000) is exactly 1000 and softplus(−1000) is 0 (the true value, e⁻¹⁰⁰⁰,
    /// underflows), where ln(1 + e¹⁰⁰⁰) would be ∞. −|x| is formed as min(x, 0) − relu(x),
    /// whose derivative at 0 is 1, so that softplus'(0) = ½ exactly.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.0);
    /// let y = x.softplus();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (2f64.ln(), 0.5));
    /// ```
    #[track_caller]
    pub fn softplus(self) -> Self {
        let r = self.relu();
        let neg = self - r; // min(x, 0)
        r + (neg - r).exp().ln_1p()
    }

    /// The exponential linear unit: x for x > 0, α(eˣ − 1) for x ≤ 0. Its derivative is 1
    /// for x > 0 and α·eˣ for x ≤ 0 (α at 0, as in PyTorch).
    ///
    /// Computed as relu(x) + α·expm1(m), m = min(x, 0): the exponent is never positive, so
    /// elu(1000) is exactly 1000 with gradient exactly 1, and elu(−1000) is exactly −α.
    /// expm1(m) = eᵐ − 1 cancels for m near 0 (relative error 1e-7 at m = −1e-10), so there
    /// it is tanh(m/2)·(1 + eᵐ), an identity with no subtraction; for m < −1 it is eᵐ − 1,
    /// whose value lies in (−1, −0.63) and whose derivative eᵐ is one product (the tanh
    /// form's derivative goes through tanh's 1 − tanh², which loses digits as tanh → −1).
    /// The mask w = step(m + 1) selects, carrying no gradient.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-1.0, 2.0], &[2]).unwrap());
    /// let y = x.elu(1.0);
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[(-1f64).exp_m1(), 2.0]);
    /// assert_eq!(x.grad().data(), &[(-1f64).exp(), 1.0]);
    /// // Near 0 the value keeps its digits: elu(−1e-10) = −1e-10 + 5e-21 − …
    /// let y = g.scalar(-1e-10).elu(1.0).item();
    /// assert!((y / (-1e-10f64).exp_m1() - 1.0).abs() < 1e-15);
    /// ```
    #[track_caller]
    pub fn elu(self, alpha: T) -> Self {
        let half = T::from_f64(0.5);
        let s = self.step();
        let q = s.scale(-T::ONE).shift(T::ONE);
        let m = self * q; // min(x, 0), slope 1 at 0 (the left branch)
        let em = m.exp();
        let w = m.shift(T::ONE).step(); // 1 for m > −1
        let near = m.scale(half).tanh() * em.shift(T::ONE);
        let far = em.shift(-T::ONE);
        let expm1 = w * near + w.scale(-T::ONE).shift(T::ONE) * far;
        self * s + expm1.scale(alpha)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::check_unary;
    use crate::{Graph, Tensor};

    /// Values and gradients of `f` at each input, on one tape.
    fn at(
        f: impl for<'g> Fn(crate::Var<'g>) -> crate::Var<'g>,
        xs: &[f64],
    ) -> (Vec<f64>, Vec<f64>) {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(xs.to_vec(), &[xs.len()]).unwrap());
        let y = f(x);
        y.sum().backward();
        (y.value().into_vec(), x.grad().into_vec())
    }

    const EXTREMES: [f64; 4] = [-1e30, -1000.0, 1000.0, 1e30];

    #[test]
    fn sigmoid_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].sigmoid(), -4.0, 4.0);
    }

    #[test]
    fn sigmoid_is_exact_at_plus_minus_1000() {
        let g = Graph::new();
        for (x0, want) in [(-1000.0, 0.0), (1000.0, 1.0), (-1e30, 0.0), (1e30, 1.0)] {
            let x = g.scalar(x0);
            let y = x.sigmoid();
            y.backward();
            assert_eq!(y.item(), want);
            assert_eq!(x.grad().item(), 0.0);
        }
    }

    #[test]
    fn step_has_zero_gradient() {
        let (y, dy) = at(|x| x.step(), &[-1.0, 0.0, 2.0]);
        assert_eq!(y, [0.0, 0.0, 1.0]);
        assert_eq!(dy, [0.0, 0.0, 0.0]);
    }

    #[test]
    fn relu_grad_at_zero_is_zero() {
        let (y, dy) = at(|x| x.relu(), &[-0.5, 0.0, -0.0, 0.5]);
        assert_eq!(y, [0.0, 0.0, 0.0, 0.5]);
        assert_eq!(dy, [0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn relu_grad_matches_finite_difference() {
        // Inputs drawn away from the kink at 0 (the draws do not hit it).
        check_unary(|_, v| v[0].relu() * v[0], -2.0, 2.0);
    }

    #[test]
    fn relu_is_exact_at_extremes() {
        let (y, dy) = at(|x| x.relu(), &EXTREMES);
        assert_eq!(y, [0.0, 0.0, 1000.0, 1e30]);
        assert_eq!(dy, [0.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn leaky_relu_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].leaky_relu(0.1) * v[0], -2.0, 2.0);
    }

    #[test]
    fn leaky_relu_is_exact_at_extremes_and_zero() {
        let (y, dy) = at(|x| x.leaky_relu(0.25), &[-1e30, -1000.0, 0.0, 1000.0, 1e30]);
        assert_eq!(y, [-0.25e30, -250.0, 0.0, 1000.0, 1e30]);
        // At 0 the slope of the left branch, as in PyTorch.
        assert_eq!(dy, [0.25, 0.25, 0.25, 1.0, 1.0]);
    }

    #[test]
    fn softsign_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].softsign(), -3.0, 3.0);
    }

    #[test]
    fn softsign_is_exact_at_extremes() {
        let (y, dy) = at(|x| x.softsign(), &EXTREMES);
        // 1000/1001 rounds like the plain expression; 1e30/(1 + 1e30) rounds to 1.
        assert_eq!(y, [-1.0, -1000.0 / 1001.0, 1000.0 / 1001.0, 1.0]);
        // d/dx = 1/(1 + |x|)²: 1/1001² ≈ 9.98e-7 at ±1000, ≈ 0 at ±1e30.
        for (&d, &x) in dy.iter().zip(&EXTREMES) {
            let want = 1.0 / (1.0 + x.abs()).powi(2);
            assert!(
                (d - want).abs() <= 1e-12,
                "softsign'({x}) = {d}, want {want}"
            );
        }
    }

    #[test]
    fn softplus_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].softplus(), -4.0, 4.0);
    }

    #[test]
    fn softplus_is_exact_at_extremes() {
        let (y, dy) = at(|x| x.softplus(), &EXTREMES);
        assert_eq!(y, [0.0, 0.0, 1000.0, 1e30]);
        // softplus' = σ: exactly 0 and 1 in floating point at these inputs.
        assert_eq!(dy, [0.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn softplus_at_zero_is_ln2_with_slope_half() {
        let (y, dy) = at(|x| x.softplus(), &[0.0]);
        assert_eq!((y[0], dy[0]), (2f64.ln(), 0.5));
    }

    #[test]
    fn elu_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].elu(1.5), -3.0, 3.0);
    }

    #[test]
    fn elu_is_exact_at_extremes_and_zero() {
        let (y, dy) = at(|x| x.elu(2.0), &[-1e30, -1000.0, 0.0, 1000.0, 1e30]);
        assert_eq!(y, [-2.0, -2.0, 0.0, 1000.0, 1e30]);
        // α·eˣ = 0 far left, α at 0 (the left branch, as in PyTorch), 1 on the right.
        assert_eq!(dy, [0.0, 0.0, 2.0, 1.0, 1.0]);
    }

    #[test]
    fn tanh_and_sign_are_exact_at_extremes() {
        let (y, dy) = at(|x| x.tanh(), &EXTREMES);
        assert_eq!(y, [-1.0, -1.0, 1.0, 1.0]);
        assert_eq!(dy, [0.0, 0.0, 0.0, 0.0]);
        let (y, dy) = at(|x| x.sign(), &EXTREMES);
        assert_eq!(y, [-1.0, -1.0, 1.0, 1.0]);
        assert_eq!(dy, [0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn activations_work_on_f32_tapes() {
        let g = Graph::<f32>::default();
        let x = g.tensor(Tensor::from_vec(vec![-1e30, -2.0, 0.0, 2.0, 1e30], &[5]).unwrap());
        let y = x.relu() + x.softplus() + x.elu(1.0) + x.softsign() + x.leaky_relu(0.1);
        y.sum().backward();
        assert!(y.value().data().iter().all(|v| !v.is_nan()));
        assert!(x.grad().data().iter().all(|v| v.is_finite()));
    }
}
