//! Activations as compositions of primitives. None has a backward rule: the tape derives it.

use crate::float::Float;
use crate::graph::Var;

impl<'g, T: Float> Var<'g, T> {
    /// The logistic function σ(x) = 1 / (1 + e⁻ˣ), with σ'(x) = σ(x)(1 − σ(x)).
    ///
    /// Computed as σ(x) = ½ + ½·tanh(x/2), an identity that never overflows: σ(−1000) is
    /// exactly 0 and σ(1000) exactly 1, both with gradient exactly 0, where the textbook
    /// form would give e¹⁰⁰⁰ = ∞ and a NaN gradient.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(0.0);
    /// let y = x.sigmoid();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (0.5, 0.25));
    /// ```
    #[track_caller]
    pub fn sigmoid(self) -> Self {
        let half = T::from_f64(0.5);
        self.scale(half).tanh().scale(half).shift(half)
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn sigmoid_grad_matches_finite_difference() {
        check_unary(|_, v| v[0].sigmoid(), -4.0, 4.0);
    }

    #[test]
    fn sigmoid_is_exact_at_plus_minus_1000() {
        let g = Graph::new();
        for (x0, want) in [(-1000.0, 0.0), (1000.0, 1.0), (-1e30, 0.0), (1e30, 1.0)] {
            let x = g.scalar(x0);
            let y = x.sigmoid();
            y.backward();
            assert_eq!(y.item(), want);
            assert_eq!(x.grad().item(), 0.0);
        }
    }
}
