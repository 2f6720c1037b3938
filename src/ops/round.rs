//! round x: the nearest integer, halves to even (as `torch.round` and NumPy). Piecewise constant, so its gradient is 0 everywhere (also at
//! the jumps, as in PyTorch and JAX).

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The nearest integer, halves to even (as `torch.round` and NumPy), elementwise. Its gradient is 0 everywhere, also at the jumps
    /// (as in PyTorch); ±∞ and NaN are returned as they are.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-1.5, -0.5, 0.5, 1.5, 2.5, 2.6], &[6]).unwrap());
    /// let y = x.round();
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[-2.0, -0.0, 0.0, 2.0, 2.0, 3.0]);
    /// assert_eq!(x.grad().data(), &[0.0; 6]);
    /// ```
    #[track_caller]
    #[inline]
    pub fn round(self) -> Self {
        self.graph.push(Round, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.round()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Round;

impl<T: Float> Primitive<T> for Round {
    const NAME: &'static str = "round";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(at(x))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        x[0].map(at)
    }

    /// Piecewise constant: nothing flows back.
    #[inline(always)]
    fn backward(self, _: &mut impl Chain<T>) {}

    /// Piecewise constant: the tangent is 0.
    #[inline(always)]
    fn tangent(self, _: &mut impl Tangent<T>) {}
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::{RANKS, check, draw};

    #[test]
    fn round_grad_is_zero_and_matches_finite_difference() {
        // Away from the jumps round is locally constant, so x·round(x) has derivative
        // round(x). The inputs are k + 0.2 or k + 0.7 for integers k, off every jump (integers
        // for floor and ceil, halves for round).
        for (k, shape) in RANKS.iter().enumerate() {
            let mut x = draw(shape, -3.0, 3.0, k as u64);
            for (i, v) in x.data_mut().iter_mut().enumerate() {
                *v = v.floor() + if i % 2 == 0 { 0.2 } else { 0.7 };
            }
            check(|_, v| v[0].round() * v[0], &[x]);
        }
    }

    #[test]
    fn round_values_and_zero_gradient_literal() {
        // By hand: halves go to the even neighbour: −1.5 → −2, −0.5 → −0, 0.5 → 0, 1.5 → 2, 2.5 → 2; 2.6 → 3; the gradient is 0 everywhere.
        let g = Graph::new();
        let x =
            g.tensor(crate::Tensor::from_vec(vec![-1.5, -0.5, 0.5, 1.5, 2.5, 2.6], &[6]).unwrap());
        let y = x.round();
        (y * 3.0).sum().backward();
        let got: Vec<u64> = y.value().data().iter().map(|v| v.to_bits()).collect();
        let want: Vec<u64> = [-2.0, -0.0, 0.0, 2.0, 2.0, 3.0]
            .iter()
            .map(|v: &f64| v.to_bits())
            .collect();
        assert_eq!(got, want, "{:?}", y.value().data());
        assert_eq!(x.grad().data(), &[0.0; 6]);
        assert!(g.scalar(f64::NAN).round().item().is_nan());
        assert_eq!(g.scalar(f64::INFINITY).round().item(), f64::INFINITY);
    }
}
