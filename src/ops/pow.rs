//! xʸ elementwise for a tensor exponent, broadcasting, differentiable in both:
//! ∂/∂x = y·xʸ⁻¹ and ∂/∂y = xʸ·ln x, each summed back to its input's shape.
//!
//! At the edges it follows PyTorch's `pow_backward_self` and `pow_backward_exponent`:
//! - y = 0: ∂/∂x is exactly 0, also at x = 0 (where 0·0⁻¹ would be NaN);
//! - x = 0 and y ≥ 0: ∂/∂y is exactly 0 (where 0·ln 0 would be NaN); for y < 0 it is
//!   ∞·(−∞) = −∞;
//! - x < 0: the value is real only for an integer y, and ∂/∂y is NaN (ln x is), while ∂/∂x
//!   stays finite; for a non-integer y the value and both gradients are NaN, as IEEE says.
//!
//! The two masks are built from primitives (sign, abs, step) in the rule, so the recorded
//! path applies them too, and they differentiate to zero.

use super::binary;
use crate::backward::{Chain, Rules, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::{Abs, Ln, Masked, Primitive, Step};
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// xʸ elementwise with a tensor exponent, broadcasting. ∂/∂x = y·xʸ⁻¹, ∂/∂y = xʸ·ln x.
    ///
    /// For x < 0 the value is real only for an integer y; ∂/∂y is then NaN, as in PyTorch.
    /// At y = 0 the gradient to x is 0 (also at x = 0), and at x = 0 with y ≥ 0 the gradient
    /// to y is 0, both as in PyTorch (see `docs/conventions.md`). For a constant exponent,
    /// [`powf`](Var::powf) and [`powi`](Var::powi) record one node with no exponent input.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let (x, y) = (g.scalar(2.0), g.scalar(3.0));
    /// let z = x.pow(y);
    /// z.backward();
    /// assert_eq!(z.item(), 8.0);
    /// assert_eq!(x.grad().item(), 12.0); // 3·2²
    /// assert_eq!(y.grad().item(), 8.0 * 2f64.ln());
    /// ```
    ///
    /// # Panics
    /// When the shapes do not broadcast; the message names `pow` and both shapes.
    #[track_caller]
    #[inline]
    pub fn pow(self, exponent: Self) -> Self {
        self.graph.push(Pow, &[self, exponent], &[])
    }
}

/// The kernel on one pair of elements (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T, y: T) -> T {
    x.powf(y)
}

/// t·y·xʸ⁻¹ (t a gradient or a tangent), kept where y ≠ 0: |sign y| is 0 exactly there
/// (a NaN y keeps it). PyTorch's `pow_backward_self` mask.
#[inline(always)]
fn along_x<T: Float, R: Rules<T>>(c: &mut R, t: R::H) -> R::H {
    let (x, y) = (c.input(0), c.input(1));
    let y1 = c.shift(y, -T::ONE);
    let p = c.apply(Pow.into(), &[x, y1], &[]);
    let d = c.mul(y, p);
    let td = c.mul(t, d);
    let s = c.sign(y);
    let keep = c.apply(Abs.into(), &[s], &[]);
    c.apply(Masked.into(), &[td, keep], &[])
}

/// t·xʸ·ln x, kept where x ≠ 0 or y < 0: |sign x| + step(−y) is 0 exactly where x = 0 and
/// y ≥ 0. PyTorch's `pow_backward_exponent` mask.
#[inline(always)]
fn along_y<T: Float, R: Rules<T>>(c: &mut R, t: R::H) -> R::H {
    let (x, y, out) = (c.input(0), c.input(1), c.output());
    let ln = c.apply(Ln.into(), &[x], &[]);
    let d = c.mul(out, ln);
    let td = c.mul(t, d);
    let s = c.sign(x);
    let nonzero = c.apply(Abs.into(), &[s], &[]);
    let minus_y = c.neg(y);
    let negative = c.apply(Step.into(), &[minus_y], &[]);
    let keep = c.apply(super::Add.into(), &[nonzero, negative], &[]);
    c.apply(Masked.into(), &[td, keep], &[])
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pow;

impl<T: Float> Primitive<T> for Pow {
    const NAME: &'static str = "pow";

    #[inline(always)]
    fn scalar(self, x: T, y: T) -> Option<T> {
        Some(at(x, y))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        binary("pow", x[0], x[1], at)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (x, y, g) = (c.input(0), c.input(1), c.upstream());
        if c.needs(0) {
            let shape = c.shape(x);
            let gx = along_x(c, g);
            let gx = c.sum_to(gx, &shape);
            c.send(0, gx);
        }
        if c.needs(1) {
            let shape = c.shape(y);
            let gy = along_y(c, g);
            let gy = c.sum_to(gy, &shape);
            c.send(1, gy);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = y·xʸ⁻¹·ẋ + xʸ·ln x·ẏ, with the masks of the backward rule
        let tx = c.tangent(0).map(|t| along_x(c, t));
        let ty = c.tangent(1).map(|t| along_y(c, t));
        c.emit_sum(tx, ty);
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::check_binary;
    use crate::{Graph, Tensor};

    #[test]
    fn pow_grad_matches_finite_difference() {
        // Base in [0.3, 2.5] (ln x is real); the exponent in [0.3, 2.5] too.
        check_binary(|_, v| v[0].pow(v[1]), 0.3, 2.5);
    }

    #[test]
    fn pow_literal_second_order() {
        // z = x^y at (2, 3): ∂z/∂x = y·x^(y−1) = 12, ∂²z/∂x² = y(y−1)x^(y−2) = 12,
        // ∂z/∂y = x^y ln x = 8 ln 2, ∂²z/∂y∂x = x^(y−1)(1 + y ln x) = 4(1 + 3 ln 2).
        let g = Graph::new();
        let (x, y) = (g.scalar(2.0), g.scalar(3.0));
        let z = x.pow(y);
        let d = g.grad(z, &[x, y]);
        let dxx = g.grad(d[0], &[x, y]);
        let l2 = 2f64.ln();
        assert!((d[0].item() - 12.0).abs() < 1e-14);
        assert!((d[1].item() - 8.0 * l2).abs() < 1e-14);
        assert!((dxx[0].item() - 12.0).abs() < 1e-13);
        assert!((dxx[1].item() - 4.0 * (1.0 + 3.0 * l2)).abs() < 1e-13);
    }

    #[test]
    fn pow_at_zero_and_negative_bases_follows_pytorch() {
        // By hand, with z = Σ x^y:
        // (0, 0): 0⁰ = 1, ∂x = 0 (y = 0), ∂y = 0 (x = 0, y ≥ 0);
        // (0, 2): 0, ∂x = 2·0 = 0, ∂y = 0 (mask);
        // (0, −1): ∞, ∂x = −1·0⁻² = −∞, ∂y = ∞·ln 0 = −∞;
        // (−2, 3): −8, ∂x = 3·4 = 12, ∂y = −8·ln(−2) = NaN;
        // (−2, 0.5): NaN, both NaN.
        let g = Graph::new();
        let inf = f64::INFINITY;
        let x = g.tensor(Tensor::from_vec(vec![0.0, 0.0, 0.0, -2.0, -2.0], &[5]).unwrap());
        let y = g.tensor(Tensor::from_vec(vec![0.0, 2.0, -1.0, 3.0, 0.5], &[5]).unwrap());
        let z = x.pow(y);
        z.sum().backward();
        let (v, dx, dy) = (
            z.value().into_vec(),
            x.grad().into_vec(),
            y.grad().into_vec(),
        );
        assert_eq!(&v[..4], &[1.0, 0.0, inf, -8.0]);
        assert_eq!(&dx[..4], &[0.0, 0.0, -inf, 12.0]);
        assert_eq!(&dy[..3], &[0.0, 0.0, -inf]);
        assert!(v[4].is_nan() && dx[4].is_nan() && dy[3].is_nan() && dy[4].is_nan());
    }

    #[test]
    #[should_panic(expected = "pow: shapes [2] and [3] do not broadcast")]
    fn pow_panics_on_shapes_that_do_not_broadcast() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
        let y = g.tensor(Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3]).unwrap());
        let _ = x.pow(y);
    }
}
