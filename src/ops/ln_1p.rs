//! ln(1 + x), accurate when x is tiny. d/dx ln(1 + x) = 1/(1 + x).

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// ln(1 + x) elementwise, without the rounding of `(1 + x).ln()` for tiny x.
    /// d/dx = 1/(1 + x).
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(1e-20);
    /// assert_eq!(x.ln_1p().item(), 1e-20); // (1 + x).ln() would give 0
    /// ```
    #[track_caller]
    #[inline]
    pub fn ln_1p(self) -> Self {
        self.graph.push(Ln1p, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.ln_1p()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ln1p;

impl<T: Float> Primitive<T> for Ln1p {
    const NAME: &'static str = "ln_1p";

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
        let one_plus_x = c.shift(x, T::ONE);
        let gx = c.div(g, one_plus_x);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ/(1 + x)
        let Some(t) = c.tangent(0) else { return };
        let x = c.input(0);
        let one_plus_x = c.shift(x, T::ONE);
        let t = c.div(t, one_plus_x);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn ln_1p_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].ln_1p(), -0.5, 3.0);
    }

    #[test]
    fn ln_1p_literal() {
        // d/dx ln(1 + x) at x = 1 is 1/2.
        let g = Graph::new();
        let x = g.scalar(1.0);
        let y = x.ln_1p();
        y.backward();
        assert_eq!((y.item(), x.grad().item()), (2.0f64.ln(), 0.5));
    }
}
