//! √x. d/dx √x = 1/(2√x): the rule reuses the output. sqrt'(0) = +∞, as in PyTorch and JAX.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The square root, elementwise. d/dx √x = 1/(2√x); +∞ at 0.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(4.0);
    /// x.sqrt().backward();
    /// assert_eq!(x.grad().item(), 0.25);
    /// ```
    #[track_caller]
    #[inline]
    pub fn sqrt(self) -> Self {
        self.graph.push(Sqrt, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.sqrt()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sqrt;

impl<T: Float> Primitive<T> for Sqrt {
    const NAME: &'static str = "sqrt";

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
        let (g, y) = (c.upstream(), c.output());
        let two_y = c.scale(y, T::ONE + T::ONE);
        let gx = c.div(g, two_y);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ/(2y): reuse the output
        let Some(t) = c.tangent(0) else { return };
        let y = c.output();
        let two_y = c.scale(y, T::ONE + T::ONE);
        let t = c.div(t, two_y);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn sqrt_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].sqrt(), 0.2, 3.0);
    }

    #[test]
    fn sqrt_grad_at_zero_is_plus_infinity() {
        let g = Graph::new();
        let x = g.scalar(0.0);
        x.sqrt().backward();
        assert_eq!(x.grad().item(), f64::INFINITY);
    }
}
