//! Elementwise composites: functions built from the primitives with no derivative code of
//! their own (the tape derives every gradient), and the selection `where_cond`.
//!
//! | method | value | built from |
//! |---|---|---|
//! | [`clamp`](Var::clamp) | min(max(x, lo), hi) | `clamp_min`, `clamp_max` |
//! | [`where_cond`](Var::where_cond) | a where c ≠ 0, else b | masked(a, c) + masked(b, [c = 0]) |
//! | [`asin`](Var::asin) | asin x | atan(x / √((1 − x)(1 + x))) |
//! | [`acos`](Var::acos) | acos x | 2·atan √((1 − x)/(1 + x)) |
//! | [`atan2`](Var::atan2) | the angle of (x, y) | 2·atan(y/(r + x)) or 2·atan((r − x)/y), r = hypot |
//! | [`hypot`](Var::hypot) | √(x² + y²) | s·√((x/s)² + (y/s)²), s = max(\|x\|, \|y\|) held constant |
//! | [`sinh`](Var::sinh) | (eˣ − e⁻ˣ)/2 | tanh(x/2)·(1 + cosh x), no cancellation near 0 |
//! | [`cosh`](Var::cosh) | (eˣ + e⁻ˣ)/2 | the same |
//! | [`log2`](Var::log2), [`log10`](Var::log10) | log₂ x, log₁₀ x | ln x / ln 2, ln x / ln 10 |
//! | [`exp2`](Var::exp2) | 2ˣ | `pow` with the constant base 2 (exact at integers) |

use crate::float::Float;
use crate::graph::Var;
use crate::ops::shape_of;
use crate::shape::broadcast_shape;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// x clamped to [lo, hi], elementwise (NaN stays NaN). The gradient is 1 where
    /// lo < x < hi, and 0 outside and at the bounds themselves (as PyTorch 2.15; JAX's
    /// `jnp.clip` gives ½ there, see `docs/conventions.md`). Built as `clamp_min(lo).clamp_max(hi)`;
    /// either bound may be ±∞.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-1.0, 0.0, 0.5, 1.0, 2.0], &[5]).unwrap());
    /// let y = x.clamp(0.0, 1.0);
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[0.0, 0.0, 0.5, 1.0, 1.0]);
    /// assert_eq!(x.grad().data(), &[0.0, 0.0, 1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// When a bound is NaN or lo > hi; the message names `clamp` and both bounds.
    #[track_caller]
    pub fn clamp(self, lo: T, hi: T) -> Self {
        if lo.is_nan() || hi.is_nan() || lo > hi {
            bad_bounds(lo, hi);
        }
        self.clamp_min(lo).clamp_max(hi)
    }

    /// `on_true` where this condition is nonzero, else `on_false`, elementwise with
    /// broadcasting over all three (a NaN condition counts as true). The branch not taken gets
    /// an exactly zero gradient, and its value never leaks into the result, even when it is
    /// ±∞ or NaN there; the condition gets no gradient. Built as
    /// masked(on_true, c) + masked(on_false, [c = 0]).
    ///
    /// The famous trap: where_cond(x > 0, ln x, 0) at x = 0 is 0, but ln's own rule then
    /// sends G / x = 0 / 0 = NaN, as in PyTorch and JAX. `backward` on a scalar (or on a
    /// tensor whose ln branch is untaken everywhere) gives 0 instead: a node whose gradient is
    /// zero in every element sends nothing. A tensor whose ln branch is taken somewhere, and
    /// the recorded path [`Graph::grad`](crate::Graph::grad), give the NaN (see
    /// `docs/conventions.md`). Keeping the untaken branch finite, `x.clamp_min(1e-300).ln()`,
    /// makes every path 0.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-1.0, 1.0, 2.0], &[3]).unwrap());
    /// let zero = g.scalar(0.0);
    /// let y = x.gt(zero).where_cond(x.ln(), zero); // ln(−1) = NaN is not taken
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[0.0, 0.0, 2f64.ln()]);
    /// assert_eq!(x.grad().data(), &[0.0, 1.0, 0.5]);
    /// ```
    ///
    /// # Panics
    /// When the three shapes do not broadcast together; the message names `where_cond` and
    /// the three shapes.
    #[track_caller]
    pub fn where_cond(self, on_true: Self, on_false: Self) -> Self {
        let (c, a, b) = (shape_of(self), shape_of(on_true), shape_of(on_false));
        let all = broadcast_shape(&c, &a).and_then(|ca| broadcast_shape(&ca, &b));
        if all.is_none() {
            where_shapes(&c, &a, &b);
        }
        let zero = self.graph.constant(Tensor::scalar(T::ZERO));
        on_true.masked(self) + on_false.masked(self.eq_mask(zero))
    }

    /// asin x, elementwise, in [−π/2, π/2]; NaN outside [−1, 1]. Its derivative is
    /// 1/√(1 − x²), +∞ at ±1.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.5);
    /// let y = x.asin();
    /// y.backward();
    /// assert!((y.item() - std::f64::consts::FRAC_PI_6).abs() < 1e-15);
    /// assert!((x.grad().item() - 2.0 / 3f64.sqrt()).abs() < 1e-15);
    /// ```
    #[track_caller]
    pub fn asin(self) -> Self {
        // (1 − x)(1 + x) rather than 1 − x²: 1 − x is exact near 1, so no digits cancel.
        let r = (self.scale(-T::ONE).shift(T::ONE) * self.shift(T::ONE)).sqrt();
        (self / r).atan()
    }

    /// acos x, elementwise, in [0, π]; NaN outside [−1, 1]. Its derivative is
    /// −1/√(1 − x²), −∞ at ±1.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.5);
    /// let y = x.acos();
    /// y.backward();
    /// assert!((y.item() - std::f64::consts::FRAC_PI_3).abs() < 1e-15);
    /// assert!((x.grad().item() + 2.0 / 3f64.sqrt()).abs() < 1e-15);
    /// ```
    #[track_caller]
    pub fn acos(self) -> Self {
        // 2·atan √((1 − x)/(1 + x)): accurate near x = 1, where π/2 − asin x would cancel.
        let q = self.scale(-T::ONE).shift(T::ONE) / self.shift(T::ONE);
        q.sqrt().atan().scale(T::ONE + T::ONE)
    }

    /// atan2(y, x) with y = self: the angle of the point (x, y), in (−π, π], broadcasting.
    /// ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²), finite on the y axis too. On the negative x
    /// axis (the branch cut, y = ±0) the value is π and the gradient 0; atan2(0, 0) = 0, with
    /// a NaN gradient through the recorded path, as in PyTorch (see `docs/conventions.md`).
    /// Infinite coordinates give NaN.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let (y, x) = (g.scalar(1.0), g.scalar(-1.0));
    /// let a = y.atan2(x);
    /// a.backward();
    /// assert!((a.item() - 3.0 * std::f64::consts::FRAC_PI_4).abs() < 1e-15);
    /// // ∂/∂y = x/r² = −½, ∂/∂x = −y/r² = −½
    /// assert!((y.grad().item() + 0.5).abs() < 1e-15 && (x.grad().item() + 0.5).abs() < 1e-15);
    /// ```
    ///
    /// # Panics
    /// When the shapes do not broadcast; the message names `atan2` and both shapes.
    #[track_caller]
    pub fn atan2(self, x: Self) -> Self {
        let (sy, sx) = (shape_of(self), shape_of(x));
        if broadcast_shape(&sy, &sx).is_none() {
            pair_shapes("atan2", &sy, &sx);
        }
        let (y, g) = (self, self.graph);
        let zero = g.constant(Tensor::scalar(T::ZERO));
        let one = g.constant(Tensor::scalar(T::ONE));
        let two = T::ONE + T::ONE;
        // The half-angle forms, neither of which divides by x (atan(y/x) would send 0/0 at
        // x = 0, where atan2 is smooth): 2·atan(y/(r + x)) for x > 0, and
        // 2·atan((r − x)/y) for x ≤ 0, y ≠ 0, with r = hypot(x, y). Both denominators are
        // ≥ |x| or |y| there, with no cancellation. Each untaken denominator is replaced by
        // 1, so no branch ever computes 0/0 (its gradient would leak as NaN). What is left,
        // x ≤ 0 and y = 0, is π on the negative x axis and 0 at the origin.
        let r = x.hypot(y);
        let right = x.gt(zero);
        let on_axis = y.eq_mask(zero);
        let a1 = (y / right.where_cond(r + x, one)).atan().scale(two);
        let a2 = ((r - x) / on_axis.where_cond(one, y)).atan().scale(two);
        let a3 = x.lt(zero).scale(T::from_f64(std::f64::consts::PI));
        right.where_cond(a1, on_axis.where_cond(a3, a2))
    }

    /// √(x² + y²) elementwise, broadcasting, without overflow or underflow in the squares.
    /// ∂/∂x = x/hypot, ∂/∂y = y/hypot; NaN at the origin (0/0, as in PyTorch). Infinite
    /// inputs give NaN.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let (x, y) = (g.scalar(3e200), g.scalar(4e200));
    /// let h = x.hypot(y);
    /// h.backward();
    /// assert!((h.item() / 5e200 - 1.0).abs() < 1e-15); // the squares, 1e401, would overflow
    /// assert!((x.grad().item() - 0.6).abs() < 1e-15 && (y.grad().item() - 0.8).abs() < 1e-15);
    /// ```
    ///
    /// # Panics
    /// When the shapes do not broadcast; the message names `hypot` and both shapes.
    #[track_caller]
    pub fn hypot(self, other: Self) -> Self {
        let (sa, sb) = (shape_of(self), shape_of(other));
        if broadcast_shape(&sa, &sb).is_none() {
            pair_shapes("hypot", &sa, &sb);
        }
        // s = max(|x|, |y|) (1 at the origin) scales the squares into [0, 1]. The value does
        // not depend on s, so s is held constant (detached): the gradient is exact.
        let zero = self.graph.constant(Tensor::scalar(T::ZERO));
        let s = self.abs().maximum(other.abs()).detach();
        let s = s + s.eq_mask(zero);
        let (a, b) = (self / s, other / s);
        s * (a * a + b * b).sqrt()
    }

    /// sinh x = (eˣ − e⁻ˣ)/2, elementwise, with derivative cosh x. Computed as
    /// tanh(x/2)·(1 + cosh x), which has no cancellation: sinh(1e-10) is 1e-10 to the last
    /// digit. Beyond |x| ≈ 710 the value is ±∞ and the gradient NaN.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(1e-10);
    /// let y = x.sinh();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (1e-10, 1.0));
    /// ```
    #[track_caller]
    pub fn sinh(self) -> Self {
        let half = T::from_f64(0.5);
        self.scale(half).tanh() * self.cosh().shift(T::ONE)
    }

    /// cosh x = (eˣ + e⁻ˣ)/2, elementwise, with derivative sinh x.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.0);
    /// let y = x.cosh();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (1.0, 0.0));
    /// ```
    #[track_caller]
    pub fn cosh(self) -> Self {
        (self.exp() + self.scale(-T::ONE).exp()).scale(T::from_f64(0.5))
    }

    /// log₂ x = ln x / ln 2, elementwise, with derivative 1/(x ln 2). Within an ulp or two of
    /// a correctly rounded log₂ (so log₂ 8 may read 3 ± 4e-16).
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(1.0);
    /// x.log2().backward();
    /// assert_eq!(x.grad().item(), std::f64::consts::LOG2_E);
    /// ```
    #[track_caller]
    pub fn log2(self) -> Self {
        self.ln().scale(T::from_f64(std::f64::consts::LOG2_E))
    }

    /// log₁₀ x = ln x / ln 10, elementwise, with derivative 1/(x ln 10). Within an ulp or
    /// two of a correctly rounded log₁₀.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(1.0);
    /// x.log10().backward();
    /// assert_eq!(x.grad().item(), std::f64::consts::LOG10_E);
    /// ```
    #[track_caller]
    pub fn log10(self) -> Self {
        self.ln().scale(T::from_f64(std::f64::consts::LOG10_E))
    }

    /// 2ˣ elementwise, with derivative 2ˣ ln 2; exact at integers (it is `pow` with the
    /// constant base 2).
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(3.0);
    /// let y = x.exp2();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (8.0, 8.0 * 2f64.ln()));
    /// ```
    #[track_caller]
    pub fn exp2(self) -> Self {
        let two = self.graph.constant(Tensor::scalar(T::ONE + T::ONE));
        two.pow(self)
    }
}

#[cold]
#[track_caller]
fn bad_bounds<T: Float>(lo: T, hi: T) -> ! {
    panic!("clamp: the bounds lo = {lo} and hi = {hi} are not ordered (need lo ≤ hi, neither NaN)")
}

#[cold]
#[track_caller]
fn where_shapes(c: &[usize], a: &[usize], b: &[usize]) -> ! {
    panic!(
        "where_cond: condition {c:?}, on_true {a:?} and on_false {b:?} do not broadcast together"
    )
}

#[cold]
#[track_caller]
fn pair_shapes(op: &str, a: &[usize], b: &[usize]) -> ! {
    panic!(
        "{op}: shapes {a:?} and {b:?} do not broadcast (NumPy rules: trailing axes must be equal or 1)"
    )
}

#[cfg(test)]
#[path = "elementwise_tests.rs"]
mod tests;
