//! masked(x, m): x where m ≠ 0, else exactly 0, broadcasting. ∂/∂x = masked(G, m), summed
//! back to x's shape; the mask gets no gradient (the result is piecewise constant in m).
//!
//! Selecting, not multiplying: x · m would turn an ∞ or NaN of x where m = 0 into NaN, while
//! masked(x, m) is 0 there, and its gradient to x is exactly 0 there too. This is the
//! primitive behind [`where_cond`](crate::Var::where_cond).

use super::binary;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// x where `mask` ≠ 0, else exactly 0, elementwise with broadcasting. A NaN in the mask
    /// counts as nonzero. The gradient to x is the upstream gradient masked the same way
    /// (exactly 0 where the mask is 0, even where x is ±∞ or NaN); the mask gets none.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![f64::INFINITY, 2.0, f64::NAN], &[3]).unwrap());
    /// let m = g.constant(Tensor::from_vec(vec![0.0, 1.0, 0.0], &[3]).unwrap());
    /// let y = x.masked(m);
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[0.0, 2.0, 0.0]);
    /// assert_eq!(x.grad().data(), &[0.0, 1.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// When the shapes do not broadcast; the message names `masked` and both shapes.
    #[track_caller]
    #[inline]
    pub fn masked(self, mask: Self) -> Self {
        self.graph.push(Masked, &[self, mask], &[])
    }
}

/// The kernel on one pair of elements (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T, m: T) -> T {
    if m != T::ZERO { x } else { T::ZERO }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Masked;

impl<T: Float> Primitive<T> for Masked {
    const NAME: &'static str = "masked";

    #[inline(always)]
    fn scalar(self, x: T, m: T) -> Option<T> {
        Some(at(x, m))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        binary("masked", x[0], x[1], at)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        if c.needs(0) {
            let (x, m, g) = (c.input(0), c.input(1), c.upstream());
            let shape = c.shape(x);
            let gx = c.apply(Masked.into(), &[g, m], &[]);
            let gx = c.sum_to(gx, &shape);
            c.send(0, gx);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = masked(ẋ, m): the mask is piecewise constant
        let Some(t) = c.tangent(0) else { return };
        let m = c.input(1);
        let t = c.apply(Masked.into(), &[t, m], &[]);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::check_binary;
    use crate::{Graph, Tensor};

    #[test]
    fn masked_grad_matches_finite_difference() {
        // The mask is drawn from [−2, 2] and rounded: zeros and nonzeros both occur, and it is
        // locally constant, so the differences see a function of x alone.
        check_binary(
            |g, v| v[0].masked(g.constant(v[1].value().map(f64::round))) * v[0],
            -2.0,
            2.0,
        );
    }

    #[test]
    fn masked_literal_broadcasts_and_sums_back() {
        // y = Σ_ij masked(x_i, m_j) over x [2,1], m [3] = [1, 0, 5]: x_i is kept twice, so
        // dy/dx_i = 2; y = 2·(1 + 4) = 10.
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 4.0], &[2, 1]).unwrap());
        let m = g.constant(Tensor::from_vec(vec![1.0, 0.0, 5.0], &[3]).unwrap());
        let y = x.masked(m).sum();
        y.backward();
        assert_eq!(y.item(), 10.0);
        assert_eq!(x.grad().data(), &[2.0, 2.0]);
        assert_eq!(x.grad().shape(), &[2, 1]);
    }

    #[test]
    #[should_panic(expected = "masked: shapes [2] and [3] do not broadcast")]
    fn masked_panics_on_shapes_that_do_not_broadcast() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
        let m = g.constant(Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3]).unwrap());
        let _ = x.masked(m);
    }
}
