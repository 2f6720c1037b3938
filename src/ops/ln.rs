//! ln x. d/dx ln x = 1/x. ln 0 = −∞ and ln of a negative number is NaN, as IEEE says.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The natural logarithm, elementwise. d/dx ln x = 1/x.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(2.0);
    /// x.ln().backward();
    /// assert_eq!(x.grad().item(), 0.5);
    /// ```
    #[track_caller]
    #[inline]
    pub fn ln(self) -> Self {
        self.graph.push(Ln, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.ln()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ln;

impl<T: Float> Primitive<T> for Ln {
    const NAME: &'static str = "ln";

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
        let gx = c.div(g, x);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ/x
        let Some(t) = c.tangent(0) else { return };
        let x = c.input(0);
        let t = c.div(t, x);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn ln_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].ln(), 0.2, 3.0);
    }

    #[test]
    fn ln_literal() {
        // d/dx ln(x²) = 2/x = 0.5 at x = 4.
        let g = Graph::new();
        let x = g.scalar(4.0);
        (x * x).ln().backward();
        assert_eq!(x.grad().item(), 0.5);
    }
}
