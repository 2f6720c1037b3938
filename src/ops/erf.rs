//! The error function erf x = 2/√π ∫₀ˣ e^(−t²) dt (from the `libm` crate: std has no stable
//! erf). d/dx erf x = 2/√π · e^(−x²).

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The error function erf x = 2/√π ∫₀ˣ e^(−t²) dt, elementwise, in (−1, 1).
    /// d/dx erf x = 2/√π · e^(−x²). The erf form of [`gelu`](Var::gelu) is built on it.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.0);
    /// let y = x.erf();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (0.0, std::f64::consts::FRAC_2_SQRT_PI));
    /// ```
    #[track_caller]
    #[inline]
    pub fn erf(self) -> Self {
        self.graph.push(Erf, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.erf()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Erf;

impl<T: Float> Primitive<T> for Erf {
    const NAME: &'static str = "erf";

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
        let x2 = c.mul(x, x);
        let minus_x2 = c.neg(x2);
        let e = c.apply(crate::ops::Exp.into(), &[minus_x2], &[]);
        let d = c.scale(e, T::from_f64(std::f64::consts::FRAC_2_SQRT_PI));
        let gx = c.mul(g, d);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = 2/√π · e^(−x²) · ẋ
        let Some(t) = c.tangent(0) else { return };
        let x = c.input(0);
        let x2 = c.mul(x, x);
        let minus_x2 = c.neg(x2);
        let e = c.apply(crate::ops::Exp.into(), &[minus_x2], &[]);
        let d = c.scale(e, T::from_f64(std::f64::consts::FRAC_2_SQRT_PI));
        let t = c.mul(t, d);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn erf_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].erf(), -2.5, 2.5);
    }

    #[test]
    fn erf_literal() {
        // erf(1) = 0.8427007929497149 (A&S table 7.1); d/dx = 2/√π·e⁻¹;
        // d²/dx² = −2x · 2/√π · e^(−x²) = −4/√π · e⁻¹ at x = 1.
        let g = Graph::new();
        let x = g.scalar(1.0);
        let y = x.erf();
        let dy = g.grad(y, &[x])[0];
        let d2y = g.grad(dy, &[x])[0];
        let k = std::f64::consts::FRAC_2_SQRT_PI;
        assert!((y.item() - 0.8427007929497149).abs() < 1e-15);
        assert!((dy.item() - k * (-1f64).exp()).abs() < 1e-15);
        assert!((d2y.item() + 2.0 * k * (-1f64).exp()).abs() < 1e-15);
    }

    #[test]
    fn erf_tails_are_exactly_one_with_grad_zero() {
        let g = Graph::new();
        for x0 in [-30.0, 30.0] {
            let x = g.scalar(x0);
            let y = x.erf();
            y.backward();
            assert_eq!((y.item(), x.grad().item()), (f64::signum(x0), 0.0));
        }
    }
}
