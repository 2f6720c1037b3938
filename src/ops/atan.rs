//! atan x ∈ (−π/2, π/2). d/dx atan x = 1/(1 + x²); at ±∞ the value is ±π/2 and the
//! gradient exactly 0.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The arctangent, elementwise, in (−π/2, π/2). d/dx atan x = 1/(1 + x²).
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(1.0);
    /// let y = x.atan();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (std::f64::consts::FRAC_PI_4, 0.5));
    /// ```
    #[track_caller]
    #[inline]
    pub fn atan(self) -> Self {
        self.graph.push(Atan, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.atan()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Atan;

impl<T: Float> Primitive<T> for Atan {
    const NAME: &'static str = "atan";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(at(x))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        x[0].map(at)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (g, x) = (c.upstream(), c.input(0));
        let x2 = c.mul(x, x);
        let d = c.shift(x2, T::ONE); // 1 + x²
        let gx = c.div(g, d);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ/(1 + x²)
        let Some(t) = c.tangent(0) else { return };
        let x = c.input(0);
        let x2 = c.mul(x, x);
        let d = c.shift(x2, T::ONE);
        let t = c.div(t, d);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn atan_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].atan(), -3.0, 3.0);
    }

    #[test]
    fn atan_literal() {
        // atan √3 = π/3, d/dx = 1/(1 + 3) = 1/4, d²/dx² = −2x/(1 + x²)² = −2√3/16.
        let g = Graph::new();
        let x = g.scalar(3f64.sqrt());
        let y = x.atan();
        let dy = g.grad(y, &[x])[0];
        let d2y = g.grad(dy, &[x])[0];
        assert!((y.item() - std::f64::consts::FRAC_PI_3).abs() < 1e-15);
        assert!((dy.item() - 0.25).abs() < 1e-15);
        assert!((d2y.item() + 2.0 * 3f64.sqrt() / 16.0).abs() < 1e-15);
    }

    #[test]
    fn atan_at_infinity_is_a_right_angle_with_grad_zero() {
        let g = Graph::new();
        let x = g.scalar(f64::INFINITY);
        let y = x.atan();
        y.backward();
        assert_eq!(
            (y.item(), x.grad().item()),
            (std::f64::consts::FRAC_PI_2, 0.0)
        );
    }
}
