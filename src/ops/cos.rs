//! cos x. d/dx cos x = −sin x.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::ops::Sin;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The cosine, elementwise (x in radians). d/dx cos x = −sin x. See
    /// [`sin`](Var::sin) for a robot arm's Jacobian built from both.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.0);
    /// let y = x.cos();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (1.0, -0.0));
    /// ```
    #[track_caller]
    #[inline]
    pub fn cos(self) -> Self {
        self.graph.push(Cos, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.cos()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cos;

impl<T: Float> Primitive<T> for Cos {
    const NAME: &'static str = "cos";

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
        let s = c.apply(Sin.into(), &[x], &[]);
        let d = c.neg(s);
        let gx = c.mul(g, d);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = −sin x · ẋ
        let Some(t) = c.tangent(0) else { return };
        let x = c.input(0);
        let s = c.apply(Sin.into(), &[x], &[]);
        let d = c.neg(s);
        let t = c.mul(t, d);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn cos_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].cos(), -4.0, 4.0);
    }

    #[test]
    fn cos_literal() {
        // cos(π/3) = 1/2 and d/dx = −sin(π/3) = −√3/2; d²/dx² = −cos(π/3) = −1/2.
        let g = Graph::new();
        let x = g.scalar(std::f64::consts::FRAC_PI_3);
        let y = x.cos();
        let dy = g.grad(y, &[x])[0];
        let d2y = g.grad(dy, &[x])[0];
        assert!((y.item() - 0.5).abs() < 1e-15);
        assert!((dy.item() + 3f64.sqrt() / 2.0).abs() < 1e-15);
        assert!((d2y.item() + 0.5).abs() < 1e-15);
    }
}
