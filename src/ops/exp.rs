//! eˣ. d/dx eˣ = eˣ: the rule reuses the output.

use crate::chain::Chain;
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Op;
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
        self.graph.push(Op::Exp, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.exp()
}

pub(crate) fn forward<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.map(at)
}

#[inline(always)]
pub(crate) fn backward<T: Float>(c: &mut impl Chain<T>) {
    let (g, y) = (c.upstream(), c.output());
    let gx = c.mul(g, y);
    c.send(0, gx);
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
