//! Softmax and log-softmax along an axis, composed from primitives with the row maximum
//! subtracted first. The arg-max counterpart, `hardmax`, is a primitive (`ops/hardmax.rs`).
//!
//! With z = x − max(x) along the axis (the max held constant through `detach`, which is
//! exact because both functions are unchanged by a shift of the row):
//!
//! - softmax(x)ᵢ = e^zᵢ / Σⱼ e^zⱼ, with ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ);
//! - log_softmax(x)ᵢ = zᵢ − ln Σⱼ e^zⱼ, with ∂/∂xⱼ = δᵢⱼ − sⱼ.
//!
//! Every exponent is ≤ 0 and the largest is exactly 0, so the sum lies in [1, n]: nothing
//! overflows and the logarithm never sees 0. `log_softmax([1000, 0])` is `[0, −1000]`
//! exactly. A masked entry (−∞) gives softmax 0, log-softmax −∞ and gradient 0, and leaves
//! the rest of its row finite. A row that is entirely −∞ has no maximum to subtract and
//! gives NaN, as in PyTorch.

use crate::float::Float;
use crate::graph::Var;

impl<'g, T: Float> Var<'g, T> {
    /// The row shifted so that its maximum along `axis` is 0, the maximum held constant.
    #[track_caller]
    fn shift_max_to_zero(self, axis: usize) -> Self {
        self - self.max_keepdim(axis).detach()
    }

    /// softmax(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ along `axis`: non-negative, summing to 1. Computed with
    /// the maximum subtracted, so that no exponent is positive. ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1000.0, 1000.0, f64::NEG_INFINITY], &[1, 3]).unwrap());
    /// assert_eq!(x.softmax(1).value().data(), &[0.5, 0.5, 0.0]);
    /// ```
    ///
    /// # Panics
    /// When `axis` is not an axis of the value.
    #[track_caller]
    pub fn softmax(self, axis: usize) -> Self {
        let e = self.shift_max_to_zero(axis).exp();
        e / e.sum_keepdim(axis)
    }

    /// log_softmax(x)ᵢ = xᵢ − ln Σⱼ e^xⱼ along `axis`, computed as zᵢ − ln Σⱼ e^zⱼ with
    /// z = x − max(x). ∂/∂xⱼ = δᵢⱼ − softmax(x)ⱼ.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1000.0, 0.0], &[2]).unwrap());
    /// assert_eq!(x.log_softmax(0).value().data(), &[0.0, -1000.0]);
    /// ```
    ///
    /// # Panics
    /// When `axis` is not an axis of the value.
    #[track_caller]
    pub fn log_softmax(self, axis: usize) -> Self {
        let z = self.shift_max_to_zero(axis);
        z - z.exp().sum_keepdim(axis).ln()
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    const NEG_INF: f64 = f64::NEG_INFINITY;

    fn row<'g>(g: &'g Graph, xs: &[f64]) -> crate::Var<'g> {
        g.tensor(Tensor::from_vec(xs.to_vec(), &[1, xs.len()]).unwrap())
    }

    #[test]
    fn softmax_grad_matches_finite_difference() {
        for axis in [0, 1] {
            check(
                move |_, v| v[0].softmax(axis),
                &[draw(&[2, 3], -2.0, 2.0, 1)],
            );
        }
        check(|_, v| v[0].softmax(0), &[draw(&[4], -2.0, 2.0, 2)]);
    }

    #[test]
    fn log_softmax_grad_matches_finite_difference() {
        for axis in [0, 1] {
            check(
                move |_, v| v[0].log_softmax(axis),
                &[draw(&[2, 3], -2.0, 2.0, 3)],
            );
        }
        check(|_, v| v[0].log_softmax(0), &[draw(&[4], -2.0, 2.0, 4)]);
    }

    #[test]
    fn softmax_literal() {
        // softmax([0, ln 3]) = [1/4, 3/4]; ∂s₀/∂x₀ = s₀(1 − s₀) = 3/16.
        let g = Graph::new();
        let x = row(&g, &[0.0, 3f64.ln()]);
        let s = x.softmax(1);
        s.gather(1, &[0]).sum().backward();
        let v = s.value();
        assert!((v.data()[0] - 0.25).abs() < 1e-15 && (v.data()[1] - 0.75).abs() < 1e-15);
        let d = x.grad();
        assert!((d.data()[0] - 3.0 / 16.0).abs() < 1e-15);
        assert!((d.data()[1] + 3.0 / 16.0).abs() < 1e-15);
    }

    #[test]
    fn log_softmax_of_1000_0_is_exact() {
        let g = Graph::new();
        let x = row(&g, &[1000.0, 0.0]);
        let y = x.log_softmax(1);
        y.gather(1, &[0]).sum().backward();
        assert_eq!(y.value().data(), &[0.0, -1000.0]);
        // ∂y₀/∂x = δ₀ⱼ − sⱼ = [1 − 1, 0 − e⁻¹⁰⁰⁰] = [0, 0] in floating point.
        assert_eq!(x.grad().data(), &[0.0, 0.0]);
    }

    #[test]
    fn softmax_is_exact_at_extremes() {
        let g = Graph::new();
        for (xs, want) in [
            ([1000.0, -1000.0], [1.0, 0.0]),
            ([1e30, -1e30], [1.0, 0.0]),
            ([-1e30, -1e30], [0.5, 0.5]),
            ([1e30, 1e30], [0.5, 0.5]),
        ] {
            let x = row(&g, &xs);
            let s = x.softmax(1);
            (s * row(&g, &[1.0, 2.0])).sum().backward();
            assert_eq!(s.value().data(), &want);
            assert!(x.grad().data().iter().all(|d| d.is_finite()), "{xs:?}");
            let ls = x.log_softmax(1);
            ls.gather(1, &[0]).sum().backward();
            assert!(ls.value().data().iter().all(|v| !v.is_nan()), "{xs:?}");
            assert!(x.grad().data().iter().all(|d| d.is_finite()), "{xs:?}");
        }
    }

    #[test]
    fn masked_entries_get_zero_and_zero_gradient() {
        let g = Graph::new();
        let x = row(&g, &[0.0, NEG_INF, 3f64.ln()]);
        let s = x.softmax(1);
        (s * row(&g, &[1.0, 5.0, 2.0])).sum().backward();
        let v = s.value();
        assert_eq!(v.data()[1], 0.0);
        assert!((v.data()[0] - 0.25).abs() < 1e-15 && (v.data()[2] - 0.75).abs() < 1e-15);
        let d = x.grad();
        assert_eq!(d.data()[1], 0.0);
        assert!(d.data().iter().all(|d| d.is_finite()));

        // log_softmax: the masked entry is −∞ (its true value), the others finite; a loss
        // that reads only unmasked entries sends gradient 0 to the masked one.
        let ls = x.log_softmax(1);
        ls.gather(1, &[2]).sum().backward();
        let v = ls.value();
        assert_eq!(v.data()[1], NEG_INF);
        assert!((v.data()[2] - 0.75f64.ln()).abs() < 1e-15);
        assert_eq!(x.grad().data()[1], 0.0);
        assert!(x.grad().data().iter().all(|d| d.is_finite()));
    }

    #[test]
    fn hardmax_is_the_zero_temperature_limit_of_softmax() {
        // softmax(x/τ) → hardmax(x) as τ → 0; hardmax itself has gradient 0.
        let g = Graph::new();
        let x = row(&g, &[0.3, 0.9, -0.4]);
        let cold = x.scale(1e4).softmax(1).value();
        let h = x.hardmax(1);
        assert_eq!(h.value().data(), &[0.0, 1.0, 0.0]);
        for (c, h) in cold.data().iter().zip(h.value().data()) {
            assert!((c - h).abs() < 1e-12);
        }
        (h * x).sum().backward();
        // Only the product's x factor carries gradient: hardmax contributes none.
        assert_eq!(x.grad().data(), &[0.0, 1.0, 0.0]);
    }

    #[test]
    fn hardmax_ties_go_first_and_extremes_stay_one_hot() {
        let g = Graph::new();
        let x = g.tensor(
            Tensor::from_vec(
                vec![2.0, 2.0, 1.0, -1e30, 1e30, 1e30, NEG_INF, -1000.0, 1000.0],
                &[3, 3],
            )
            .unwrap(),
        );
        let h = x.hardmax(1);
        assert_eq!(
            h.value().data(),
            &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
        );
        h.sum().backward();
        assert!(x.grad().data().iter().all(|&d| d == 0.0));
    }
}
