//! sign x ∈ {−1, 0, 1}. Piecewise constant, so its gradient is 0 everywhere (by convention
//! also at 0, where it jumps). The perceptron's activation, and the derivative of `abs`.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// sign x elementwise: −1, 0 or 1 (sign(0) = 0, sign(NaN) = NaN). Its gradient is 0
    /// everywhere: nothing flows back through it.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(-2.5);
    /// let y = x.sign();
    /// y.backward();
    /// assert_eq!((y.item(), x.grad().item()), (-1.0, 0.0));
    /// ```
    #[track_caller]
    #[inline]
    pub fn sign(self) -> Self {
        self.graph.push(Sign, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    x.sign()
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sign;

impl<T: Float> Primitive<T> for Sign {
    const NAME: &'static str = "sign";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(at(x))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let x = x[0];
        x.map(at)
    }

    /// Piecewise constant or a stop-gradient: nothing flows back.
    #[inline(always)]
    fn backward(self, _: &mut impl Chain<T>) {}

    /// Piecewise constant or a stop-gradient: the tangent is zero.
    #[inline(always)]
    fn tangent(self, _: &mut impl Tangent<T>) {}
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{RANKS, check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn sign_grad_is_zero_and_matches_finite_difference() {
        // Away from 0, sign is locally constant: the difference quotient is 0 too.
        for (k, shape) in RANKS.iter().enumerate() {
            check(
                |_, v| v[0].sign() * v[0],
                &[draw(shape, 0.2, 2.0, k as u64)],
            );
        }
    }

    #[test]
    fn sign_values() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![-3.0, -0.0, 0.0, 2.0], &[4]).unwrap());
        assert_eq!(x.sign().value().data(), &[-1.0, 0.0, 0.0, 1.0]);
        assert!(g.scalar(f64::NAN).sign().item().is_nan());
    }
}
