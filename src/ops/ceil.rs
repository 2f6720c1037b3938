//! ceil x: the smallest integer ≥ x. Piecewise constant, so its gradient is 0 everywhere (also at
//! the jumps, as in PyTorch and JAX).

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The smallest integer ≥ x, elementwise. Its gradient is 0 everywhere, also at the jumps
    /// (as in PyTorch); ±∞ and NaN are returned as they are.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-1.5, -0.5, 0.5, 2.0, 2.1], &[5]).unwrap());
    /// let y = x.ceil();
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[-1.0, -0.0, 1.0, 2.0, 3.0]);
    /// assert_eq!(x.grad().data(), &[0.0; 5]);
    /// ```
    #[track_caller]
    #[inline]
    pub fn ceil(self) -> Self {
        self.graph.push(Ceil, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.ceil()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ceil;

impl<T: Float> Primitive<T> for Ceil {
    const NAME: &'static str = "ceil";

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
    fn ceil_grad_is_zero_and_matches_finite_difference() {
        // Away from the jumps ceil is locally constant, so x·ceil(x) has derivative
        // ceil(x). The inputs are k + 0.2 or k + 0.7 for integers k, off every jump (integers
        // for floor and ceil, halves for round).
        for (k, shape) in RANKS.iter().enumerate() {
            let mut x = draw(shape, -3.0, 3.0, k as u64);
            for (i, v) in x.data_mut().iter_mut().enumerate() {
                *v = v.floor() + if i % 2 == 0 { 0.2 } else { 0.7 };
            }
            check(|_, v| v[0].ceil() * v[0], &[x]);
        }
    }

    #[test]
    fn ceil_values_and_zero_gradient_literal() {
        // By hand: ceil(−1.5) = −1, ceil(−0.5) = −0, ceil(0.5) = 1, ceil(2) = 2, ceil(2.1) = 3; the gradient is 0 everywhere.
        let g = Graph::new();
        let x = g.tensor(crate::Tensor::from_vec(vec![-1.5, -0.5, 0.5, 2.0, 2.1], &[5]).unwrap());
        let y = x.ceil();
        (y * 3.0).sum().backward();
        let got: Vec<u64> = y.value().data().iter().map(|v| v.to_bits()).collect();
        let want: Vec<u64> = [-1.0, -0.0, 1.0, 2.0, 3.0]
            .iter()
            .map(|v: &f64| v.to_bits())
            .collect();
        assert_eq!(got, want, "{:?}", y.value().data());
        assert_eq!(x.grad().data(), &[0.0; 5]);
        assert!(g.scalar(f64::NAN).ceil().item().is_nan());
        assert_eq!(g.scalar(f64::INFINITY).ceil().item(), f64::INFINITY);
    }
}
