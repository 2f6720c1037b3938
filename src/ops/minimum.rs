//! minimum(a, b) elementwise, broadcasting. The gradient goes to the smaller side; at a tie
//! each side gets half, and where either is NaN each gets all of it, as PyTorch's `minimum`
//! does (the shares are built as in [`maximum`](super::maximum)).

use super::binary;
use super::maximum::{send_share, tangent_shares};
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::ops::compare::Cmp;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The smaller of x and `other`, elementwise with broadcasting (NaN if either is NaN).
    /// The gradient goes to the smaller side; at a tie each side gets half of it, as in
    /// PyTorch (see `docs/conventions.md`).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap());
    /// let b = g.scalar(2.0);
    /// let y = a.minimum(b);
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[1.0, 2.0, 2.0]);
    /// assert_eq!(a.grad().data(), &[1.0, 0.5, 0.0]);
    /// assert_eq!(b.grad().item(), 1.5);
    /// ```
    ///
    /// # Panics
    /// When the shapes do not broadcast; the message names `minimum` and both shapes.
    #[track_caller]
    #[inline]
    pub fn minimum(self, other: Self) -> Self {
        self.graph.push(Minimum, &[self, other], &[])
    }
}

/// The kernel on one pair of elements (the scalar fast path calls it directly): NaN if
/// either is NaN (`f64::min` would drop it).
#[inline]
pub(crate) fn at<T: Float>(a: T, b: T) -> T {
    if a < b {
        a
    } else if b <= a {
        b
    } else {
        a + b // a NaN: NaN
    }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Minimum;

impl<T: Float> Primitive<T> for Minimum {
    const NAME: &'static str = "minimum";

    #[inline(always)]
    fn scalar(self, x: T, y: T) -> Option<T> {
        Some(at(x, y))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        binary("minimum", x[0], x[1], at)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (a, b) = (c.input(0), c.input(1));
        if c.needs(0) {
            send_share(c, 0, (a, b), [Cmp::Ge, Cmp::Gt]);
        }
        if c.needs(1) {
            send_share(c, 1, (b, a), [Cmp::Ge, Cmp::Gt]);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        tangent_shares(c, [Cmp::Ge, Cmp::Gt]);
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::check_binary;
    use crate::{Graph, Tensor};

    #[test]
    fn minimum_grad_matches_finite_difference() {
        check_binary(|_, v| v[0].minimum(v[1]) * v[1], -2.0, 2.0);
    }

    #[test]
    fn minimum_literal_with_a_tie_and_infinities() {
        // y = Σ minimum(a, b) at a = [−∞, 4, 7], b = [0, 4, ∞]: the smaller side gets 1, the
        // tie ½ each; −∞ and 7 win with gradient 1.
        let g = Graph::new();
        let inf = f64::INFINITY;
        let a = g.tensor(Tensor::from_vec(vec![-inf, 4.0, 7.0], &[3]).unwrap());
        let b = g.tensor(Tensor::from_vec(vec![0.0, 4.0, inf], &[3]).unwrap());
        let y = a.minimum(b);
        y.sum().backward();
        assert_eq!(y.value().data(), &[-inf, 4.0, 7.0]);
        assert_eq!(a.grad().data(), &[1.0, 0.5, 1.0]);
        assert_eq!(b.grad().data(), &[0.0, 0.5, 0.0]);
    }

    #[test]
    #[should_panic(expected = "minimum: shapes [2, 2] and [3] do not broadcast")]
    fn minimum_panics_on_shapes_that_do_not_broadcast() {
        let g = Graph::new();
        let a = g.tensor(Tensor::from_vec(vec![1.0; 4], &[2, 2]).unwrap());
        let b = g.tensor(Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3]).unwrap());
        let _ = a.minimum(b);
    }
}
