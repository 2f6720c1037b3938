//! eˣ. d/dx eˣ = eˣ: the rule reuses the output.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// eˣ elementwise. d/dx eˣ = eˣ.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.0);
    /// let y = x.exp();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (1.0, 1.0));
    /// ```
    #[track_caller]
    #[inline]
    pub fn exp(self) -> Self {
        self.graph.push(Exp, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.exp()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Exp;

impl<T: Float> Primitive<T> for Exp {
    const NAME: &'static str = "exp";

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
        let gx = c.mul(g, y);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = eˣ·ẋ: reuse the output
        let Some(t) = c.tangent(0) else { return };
        let y = c.output();
        let t = c.mul(t, y);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn exp_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].exp(), -2.0, 2.0);
    }

    #[test]
    fn exp_literal() {
        // d/dx e^(2x) at x = 0.5 is 2e.
        let g = Graph::new();
        let x = g.scalar(0.5);
        (2.0 * x).exp().backward();
        assert_eq!(x.grad().item(), 2.0 * 1.0f64.exp());
    }
}
