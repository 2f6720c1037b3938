//! xⁿ for an integer n. d/dx xⁿ = n·xⁿ⁻¹, and exactly 0 for n = 0 (so d(x⁰)/dx = 0 even at
//! x = 0, where n·xⁿ⁻¹ would be 0·∞).

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// xⁿ elementwise for an integer n. d/dx xⁿ = n·xⁿ⁻¹.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(3.0);
    /// x.powi(2).backward();
    /// assert_eq!(x.grad().item(), 6.0);
    /// ```
    #[track_caller]
    #[inline]
    pub fn powi(self, n: i32) -> Self {
        self.graph.push(PowI(n), &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly); x² is one multiply.
#[inline]
pub(crate) fn at<T: Float>(x: T, n: i32) -> T {
    match n {
        2 => x * x,
        _ => x.powi(n),
    }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PowI(pub(crate) i32);

impl<T: Float> Primitive<T> for PowI {
    const NAME: &'static str = "powi";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(at(x, self.0))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (x, n) = (x[0], self.0);
        x.map(|v| at(v, n))
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let n = self.0;
        if n == 0 {
            return; // x⁰ is constant.
        }
        let (g, x) = (c.upstream(), c.input(0));
        let d = if n == 1 {
            g
        } else {
            let p = c.powi(x, n - 1);
            let np = c.scale(p, T::from_f64(n as f64));
            c.mul(g, np)
        };
        c.send(0, d);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = n·xⁿ⁻¹·ẋ, and zero for n = 0
        let n = self.0;
        let Some(t) = c.tangent(0) else { return };
        if n == 0 {
            return;
        }
        let t = if n == 1 {
            t
        } else {
            let x = c.input(0);
            let p = c.powi(x, n - 1);
            let np = c.scale(p, T::from_f64(n as f64));
            c.mul(t, np)
        };
        c.emit(t);
    }

    fn label(self) -> String {
        format!("powi {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn powi_grad_matches_finite_difference() {
        for n in [-2, 1, 2, 3] {
            check_unary(move |_, v| v[0].powi(n), 0.3, 2.0);
        }
        check_unary(|_, v| v[0].powi(3), -2.0, 2.0);
    }

    #[test]
    fn powi_edge_derivatives_at_zero() {
        let g = Graph::new();
        let x = g.scalar(0.0);
        x.powi(0).backward(); // d(x⁰)/dx = 0
        assert_eq!(x.grad().item(), 0.0);
        x.powi(2).backward(); // d(x²)/dx at 0 = 0
        assert_eq!(x.grad().item(), 0.0);
    }
}
