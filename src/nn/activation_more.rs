//! More activations as compositions of primitives, with no backward rule of their own (issue
//! 18): the tape derives every gradient.
//!
//! | activation | formula | derivative | built from |
//! |---|---|---|---|
//! | [`gelu`](crate::Var::gelu) | x·Φ(x) = ½x(1 + erf(x/√2)) | Φ(x) + x·φ(x) | `erf` |
//! | [`gelu_tanh`](crate::Var::gelu_tanh) | ½x(1 + tanh(√(2/π)(x + 0.044715x³))) | the tape's | `tanh`, `powi` |
//! | [`silu`](crate::Var::silu) | x·σ(x) | σ(x)(1 + x(1 − σ(x))) | [`sigmoid`](crate::Var::sigmoid) |
//! | [`log_sigmoid`](crate::Var::log_sigmoid) | ln σ(x) | σ(−x) = 1 − σ(x) | −softplus(−x) |
//! | [`softmin`](crate::Var::softmin) | softmax(−x) along an axis | that of softmax | [`softmax`](crate::Var::softmax) |

use crate::float::Float;
use crate::graph::Var;
use crate::ops::{check_axis, shape_of};

impl<'g, T: Float> Var<'g, T> {
    /// The Gaussian error linear unit gelu(x) = x·Φ(x) = ½x(1 + erf(x/√2)), PyTorch's
    /// default (`approximate='none'`); its derivative is Φ(x) + x·φ(x), with φ the standard
    /// normal density. Stays finite at any finite x: gelu(−1000) = −0 with gradient 0.
    /// [`gelu_tanh`](Var::gelu_tanh) is the tanh approximation.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.0);
    /// let y = x.gelu();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (0.0, 0.5)); // Φ(0) + 0
    /// ```
    #[track_caller]
    pub fn gelu(self) -> Self {
        let half = T::from_f64(0.5);
        let phi = self
            .scale(T::from_f64(std::f64::consts::FRAC_1_SQRT_2))
            .erf();
        self * phi.shift(T::ONE).scale(half)
    }

    /// The tanh approximation of gelu, ½x(1 + tanh(√(2/π)(x + 0.044715x³))), as PyTorch's
    /// `gelu(x, approximate='tanh')`. Within about 1e-3 of [`gelu`](Var::gelu).
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(1.0);
    /// assert!((x.gelu_tanh().item() - x.gelu().item()).abs() < 1e-3);
    /// ```
    #[track_caller]
    pub fn gelu_tanh(self) -> Self {
        let k = T::from_f64((2.0 / std::f64::consts::PI).sqrt());
        let inner = (self + self.powi(3).scale(T::from_f64(0.044715))).scale(k);
        self * inner.tanh().shift(T::ONE).scale(T::from_f64(0.5))
    }

    /// The sigmoid linear unit (swish) silu(x) = x·σ(x), with derivative
    /// σ(x)(1 + x(1 − σ(x))).
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.0);
    /// let y = x.silu();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (0.0, 0.5));
    /// ```
    #[track_caller]
    pub fn silu(self) -> Self {
        self * self.sigmoid()
    }

    /// ln σ(x) = −ln(1 + e⁻ˣ), with derivative 1 − σ(x). Computed as −softplus(−x), which
    /// never exponentiates a positive number: log_sigmoid(−1000) = −1000 with gradient 1, and
    /// log_sigmoid(1000) = −0 with gradient 0, where ln(σ(−1000)) = ln 0 would be −∞.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(-1000.0);
    /// let y = x.log_sigmoid();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (-1000.0, 1.0));
    /// ```
    #[track_caller]
    pub fn log_sigmoid(self) -> Self {
        -(-self).softplus()
    }

    /// softmin(x) = softmax(−x) along `axis`: the weights favour the smallest entries.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![0.0, 2f64.ln()], &[2]).unwrap());
    /// let y = x.softmin(0); // e⁰ : e^(−ln 2) = 1 : ½
    /// assert!((y.value().data()[0] - 2.0 / 3.0).abs() < 1e-15);
    /// ```
    ///
    /// # Panics
    /// When `axis` is not an axis of x; the message names `softmin`, the axis and the shape.
    #[track_caller]
    pub fn softmin(self, axis: usize) -> Self {
        check_axis("softmin", axis, &shape_of(self));
        (-self).softmax(axis)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{RANKS, check, check_unary, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn activations_match_finite_difference() {
        check_unary(|_, v| v[0].gelu(), -3.0, 3.0);
        check_unary(|_, v| v[0].gelu_tanh(), -3.0, 3.0);
        check_unary(|_, v| v[0].silu(), -3.0, 3.0);
        check_unary(|_, v| v[0].log_sigmoid(), -3.0, 3.0);
    }

    #[test]
    fn softmin_matches_finite_difference_along_each_axis() {
        for (k, shape) in RANKS.iter().enumerate().skip(1) {
            for axis in 0..shape.len() {
                let x = draw(shape, -2.0, 2.0, k as u64);
                let w = draw(shape, -1.0, 1.0, 50 + k as u64);
                check(
                    move |g, v| (v[0].softmin(axis) * g.constant(w.clone())).sum(),
                    &[x],
                );
            }
        }
    }

    #[test]
    fn gelu_literal() {
        // gelu(1) = Φ(1) = ½(1 + erf(1/√2)) = 0.8413447460685429 (the normal CDF at 1);
        // gelu'(1) = Φ(1) + φ(1) = 0.8413447460685429 + e^(−½)/√(2π) = 0.8413447460685429 +
        // 0.24197072451914337.
        let g = Graph::new();
        let x = g.scalar(1.0);
        let y = x.gelu();
        y.backward();
        assert!((y.item() - 0.8413447460685429).abs() < 1e-15);
        assert!((x.grad().item() - (0.8413447460685429 + 0.24197072451914337)).abs() < 1e-15);
    }

    #[test]
    fn silu_and_log_sigmoid_literals_and_tails() {
        // At x = ln 3: σ = 3/4, so silu = ¾ ln 3, silu' = ¾(1 + ¼ ln 3), log_sigmoid = ln ¾,
        // log_sigmoid' = ¼. At ±1000 log_sigmoid is −1000 / −0 with gradient 1 / 0.
        let g = Graph::new();
        let x = g.scalar(3f64.ln());
        let (s, l) = (x.silu(), x.log_sigmoid());
        let (ds, dl) = (g.grad(s, &[x])[0], g.grad(l, &[x])[0]);
        let l3 = 3f64.ln();
        assert!((s.item() - 0.75 * l3).abs() < 1e-15);
        assert!((ds.item() - 0.75 * (1.0 + 0.25 * l3)).abs() < 1e-15);
        assert!((l.item() - 0.75f64.ln()).abs() < 1e-15);
        assert!((dl.item() - 0.25).abs() < 1e-15);
        let big = g.scalar(1000.0);
        let y = big.log_sigmoid();
        y.backward();
        assert_eq!((y.item(), big.grad().item()), (0.0, 0.0));
    }

    #[test]
    #[should_panic(expected = "softmin: axis 2 is out of range for shape [2, 3]")]
    fn softmin_panics_on_a_bad_axis() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![0.0; 6], &[2, 3]).unwrap());
        let _ = x.softmin(2);
    }
}
