//! |x|. d/dx |x| = sign x, with abs'(0) = 0 (the PyTorch and JAX convention).

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The absolute value, elementwise. d/dx |x| = sign x, and 0 at x = 0.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(-3.0);
    /// x.abs().backward();
    /// assert_eq!(x.grad().item(), -1.0);
    /// ```
    #[track_caller]
    #[inline]
    pub fn abs(self) -> Self {
        self.graph.push(Abs, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.abs()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Abs;

impl<T: Float> Primitive<T> for Abs {
    const NAME: &'static str = "abs";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(at(x))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let x = x[0];
        x.map(at)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (g, x) = (c.upstream(), c.input(0));
        let s = c.sign(x);
        let gx = c.mul(g, s);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = sign(x)·ẋ
        let Some(t) = c.tangent(0) else { return };
        let x = c.input(0);
        let s = c.sign(x);
        let t = c.mul(t, s);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn abs_grad_matches_finite_difference() {
        // Away from the kink at 0: both signs, no zero.
        check_unary(|_, v| (v[0] - 0.05).abs(), 0.1, 2.0);
        check_unary(|_, v| v[0].abs(), -2.0, -0.1);
    }

    #[test]
    fn abs_grad_at_zero_is_zero() {
        let g = Graph::new();
        let x = g.scalar(0.0);
        x.abs().backward();
        assert_eq!(x.grad().item(), 0.0);
    }
}
