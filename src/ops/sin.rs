//! sin x. d/dx sin x = cos x.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Cos;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The sine, elementwise (x in radians). d/dx sin x = cos x.
    ///
    /// A two-link planar arm (link lengths l₁ = 1, l₂ = 0.5) puts its hand at
    /// p = (l₁ cos θ₁ + l₂ cos(θ₁ + θ₂), l₁ sin θ₁ + l₂ sin(θ₁ + θ₂)). Its Jacobian
    /// ∂p/∂θ at θ = (0.3, 0.7) rad, one row per coordinate through `Graph::grad`, against the
    /// hand-derived J = [[−l₁ s₁ − l₂ s₁₂, −l₂ s₁₂], [l₁ c₁ + l₂ c₁₂, l₂ c₁₂]]
    /// (s₁ = sin θ₁, s₁₂ = sin(θ₁ + θ₂), likewise c):
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let (t1, t2) = (g.scalar(0.3), g.scalar(0.7));
    /// let t12 = t1 + t2;
    /// let px = t1.cos() + t12.cos() * 0.5;
    /// let py = t1.sin() + t12.sin() * 0.5;
    /// let row = |p| g.grad(p, &[t1, t2]).iter().map(|d| d.item()).collect::<Vec<f64>>();
    /// let jac = [row(px), row(py)];
    /// let (s1, c1, s12, c12) = (0.3f64.sin(), 0.3f64.cos(), 1f64.sin(), 1f64.cos());
    /// let want = [[-s1 - 0.5 * s12, -0.5 * s12], [c1 + 0.5 * c12, 0.5 * c12]];
    /// for (r, w) in jac.iter().zip(&want) {
    ///     for (a, b) in r.iter().zip(w) {
    ///         assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    ///     }
    /// }
    /// // The hand sits at (cos 0.3 + ½ cos 1, sin 0.3 + ½ sin 1) ≈ (1.2255, 0.7162).
    /// assert!((px.item() - 1.2255) .abs() < 1e-4 && (py.item() - 0.7162).abs() < 1e-4);
    /// ```
    #[track_caller]
    #[inline]
    pub fn sin(self) -> Self {
        self.graph.push(Sin, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.sin()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sin;

impl<T: Float> Primitive<T> for Sin {
    const NAME: &'static str = "sin";

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
        let d = c.apply(Cos.into(), &[x], &[]);
        let gx = c.mul(g, d);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = cos x · ẋ
        let Some(t) = c.tangent(0) else { return };
        let x = c.input(0);
        let d = c.apply(Cos.into(), &[x], &[]);
        let t = c.mul(t, d);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn sin_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].sin(), -4.0, 4.0);
    }

    #[test]
    fn sin_literal() {
        // sin(π/6) = 1/2 and d/dx = cos(π/6) = √3/2; d²/dx² = −sin(π/6) = −1/2.
        let g = Graph::new();
        let x = g.scalar(std::f64::consts::FRAC_PI_6);
        let y = x.sin();
        let dy = g.grad(y, &[x])[0];
        let d2y = g.grad(dy, &[x])[0];
        assert!((y.item() - 0.5).abs() < 1e-15);
        assert!((dy.item() - 3f64.sqrt() / 2.0).abs() < 1e-15);
        assert!((d2y.item() + 0.5).abs() < 1e-15);
    }
}
