//! tan x. d/dx tan x = 1 + tan² x: the rule reuses the output.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The tangent, elementwise (x in radians). d/dx tan x = 1 + tan² x. Near the poles
    /// x = π/2 + kπ the value and the gradient grow without bound (π/2 itself is not a
    /// float, so they stay finite).
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(std::f64::consts::FRAC_PI_4);
    /// let y = x.tan();
    /// y.backward();
    /// assert!((y.item() - 1.0).abs() < 1e-15 && (x.grad().item() - 2.0).abs() < 1e-15);
    /// ```
    #[track_caller]
    #[inline]
    pub fn tan(self) -> Self {
        self.graph.push(Tan, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.tan()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tan;

impl<T: Float> Primitive<T> for Tan {
    const NAME: &'static str = "tan";

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
        let (g, y) = (c.upstream(), c.output());
        let y2 = c.mul(y, y);
        let d = c.shift(y2, T::ONE); // 1 + y²
        let gx = c.mul(g, d);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = (1 + y²)·ẋ: reuse the output
        let Some(t) = c.tangent(0) else { return };
        let y = c.output();
        let y2 = c.mul(y, y);
        let d = c.shift(y2, T::ONE);
        let t = c.mul(t, d);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn tan_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].tan(), -1.2, 1.2);
    }

    #[test]
    fn tan_literal() {
        // tan(π/3) = √3, so d/dx = 1 + 3 = 4 and d²/dx² = 2·tan·(1 + tan²) = 8√3.
        let g = Graph::new();
        let x = g.scalar(std::f64::consts::FRAC_PI_3);
        let y = x.tan();
        let dy = g.grad(y, &[x])[0];
        let d2y = g.grad(dy, &[x])[0];
        assert!((y.item() - 3f64.sqrt()).abs() < 1e-14);
        assert!((dy.item() - 4.0).abs() < 1e-14);
        assert!((d2y.item() - 8.0 * 3f64.sqrt()).abs() < 1e-13);
    }
}
