//! tanh x. d/dx tanh x = 1 − tanh² x: the rule reuses the output. At ±∞ (and in practice
//! beyond ±20 in f64) the output is exactly ±1 and the gradient exactly 0.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The hyperbolic tangent, elementwise. d/dx tanh x = 1 − tanh² x.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(1000.0);
    /// let y = x.tanh();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (1.0, 0.0));
    /// ```
    #[track_caller]
    #[inline]
    pub fn tanh(self) -> Self {
        self.graph.push(Tanh, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.tanh()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tanh;

impl<T: Float> Primitive<T> for Tanh {
    const NAME: &'static str = "tanh";

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
        let y2 = c.mul(y, y);
        let minus_y2 = c.neg(y2);
        let d = c.shift(minus_y2, T::ONE); // 1 − y²
        let gx = c.mul(g, d);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = (1 − y²)·ẋ: reuse the output
        let Some(t) = c.tangent(0) else { return };
        let y = c.output();
        let y2 = c.mul(y, y);
        let minus_y2 = c.neg(y2);
        let d = c.shift(minus_y2, T::ONE);
        let t = c.mul(t, d);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn tanh_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].tanh(), -2.0, 2.0);
    }

    #[test]
    fn tanh_literal() {
        // At x = ln(3)/2, tanh x = (3 − 1)/(3 + 1) = 1/2, so d/dx = 1 − 1/4 = 3/4.
        let g = Graph::new();
        let x = g.scalar(3.0f64.ln() / 2.0);
        let y = x.tanh();
        y.backward();
        assert!((y.item() - 0.5).abs() < 1e-15);
        assert!((x.grad().item() - 0.75).abs() < 1e-15);
    }

    #[test]
    fn tanh_is_exact_at_plus_minus_1e30() {
        let g = Graph::new();
        for x0 in [-1e30, -1000.0, 1000.0, 1e30] {
            let x = g.scalar(x0);
            let y = x.tanh();
            y.backward();
            assert_eq!(y.item(), x0.signum());
            assert_eq!(x.grad().item(), 0.0);
        }
    }
}
