//! maximum(a, b) elementwise, broadcasting. The gradient goes to the larger side; at a tie
//! a = b each side gets half, and where either is NaN (the value is NaN) each gets all of it,
//! as PyTorch's `maximum` does. Each side's share is a constant weight built from comparisons,
//! so the rule differentiates again (to zero second derivative).

use super::binary;
use crate::backward::{Chain, Rules, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::compare::{Cmp, Compare};
use crate::ops::{Masked, Primitive};
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The larger of x and `other`, elementwise with broadcasting (NaN if either is NaN).
    /// The gradient goes to the larger side; at a tie each side gets half of it, as in
    /// PyTorch (see `docs/conventions.md`).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap());
    /// let b = g.tensor(Tensor::from_vec(vec![2.0, 2.0, 2.0], &[3]).unwrap());
    /// let y = a.maximum(b);
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[2.0, 2.0, 3.0]);
    /// assert_eq!(a.grad().data(), &[0.0, 0.5, 1.0]);
    /// assert_eq!(b.grad().data(), &[1.0, 0.5, 0.0]);
    /// ```
    ///
    /// # Panics
    /// When the shapes do not broadcast; the message names `maximum` and both shapes.
    #[track_caller]
    #[inline]
    pub fn maximum(self, other: Self) -> Self {
        self.graph.push(Maximum, &[self, other], &[])
    }
}

/// The kernel on one pair of elements (the scalar fast path calls it directly): NaN if
/// either is NaN (`f64::max` would drop it).
#[inline]
pub(crate) fn at<T: Float>(a: T, b: T) -> T {
    if a > b {
        a
    } else if b >= a {
        b
    } else {
        a + b // a NaN: NaN
    }
}

/// `t` (a gradient or a tangent) times the share of side `a` in maximum(a, b) (`lower` =
/// [`Cmp::Le`], [`Cmp::Lt`]) or minimum(a, b) (`lower` = [`Cmp::Ge`], [`Cmp::Gt`]):
/// w = 1 − ½([a ≤ b] + [a < b]), which is 1 where a wins, ½ at a tie, 0 where it loses and 1
/// where either is NaN (both comparisons are then false). masked(t, w)·w is t·w with an exact
/// 0 where w = 0, even for an infinite t. The result has the output's (broadcast) shape.
#[inline(always)]
pub(crate) fn share<T: Float, R: Rules<T>>(
    c: &mut R,
    t: R::H,
    (a, b): (R::H, R::H),
    lower: [Cmp; 2],
) -> R::H {
    let loses = c.apply(Compare(lower[0]).into(), &[a, b], &[]);
    let loses_strictly = c.apply(Compare(lower[1]).into(), &[a, b], &[]);
    let s = c.apply(super::Add.into(), &[loses, loses_strictly], &[]);
    let s = c.scale(s, T::from_f64(-0.5));
    let w = c.shift(s, T::ONE);
    let tw = c.apply(Masked.into(), &[t, w], &[]);
    c.mul(tw, w)
}

/// Sends input `k` its share of the upstream gradient, summed back to its shape.
#[inline(always)]
pub(crate) fn send_share<T: Float, C: Chain<T>>(
    c: &mut C,
    k: usize,
    sides: (C::H, C::H),
    lower: [Cmp; 2],
) {
    let shape = c.shape(c.input(k));
    let g = c.upstream();
    let gw = share(c, g, sides, lower);
    let gw = c.sum_to(gw, &shape);
    c.send(k, gw);
}

/// The tangent ṫ = w_a·ȧ + w_b·ḃ, with the shares of [`share`].
#[inline(always)]
pub(crate) fn tangent_shares<T: Float, C: Tangent<T>>(c: &mut C, lower: [Cmp; 2]) {
    let (a, b) = (c.input(0), c.input(1));
    let ta = c.tangent(0).map(|t| share(c, t, (a, b), lower));
    let tb = c.tangent(1).map(|t| share(c, t, (b, a), lower));
    c.emit_sum(ta, tb);
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Maximum;

impl<T: Float> Primitive<T> for Maximum {
    const NAME: &'static str = "maximum";

    #[inline(always)]
    fn scalar(self, x: T, y: T) -> Option<T> {
        Some(at(x, y))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        binary("maximum", x[0], x[1], at)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (a, b) = (c.input(0), c.input(1));
        if c.needs(0) {
            send_share(c, 0, (a, b), [Cmp::Le, Cmp::Lt]);
        }
        if c.needs(1) {
            send_share(c, 1, (b, a), [Cmp::Le, Cmp::Lt]);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        tangent_shares(c, [Cmp::Le, Cmp::Lt]);
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::check_binary;
    use crate::{Graph, Tensor};

    #[test]
    fn maximum_grad_matches_finite_difference() {
        // Drawn values never tie, so maximum is smooth at every checked point.
        check_binary(|_, v| v[0].maximum(v[1]) * v[0], -2.0, 2.0);
    }

    #[test]
    fn maximum_literal_with_a_tie_and_a_nan() {
        // y = Σ 3·maximum(a, b) at a = [5, 1, 2, NaN], b = [1, 5, 2, 0]: the larger side gets 3,
        // a tie ½·3 = 1.5 each, a NaN 3 each (PyTorch's rule); the value there is NaN.
        let g = Graph::new();
        let a = g.tensor(Tensor::from_vec(vec![5.0, 1.0, 2.0, f64::NAN], &[4]).unwrap());
        let b = g.tensor(Tensor::from_vec(vec![1.0, 5.0, 2.0, 0.0], &[4]).unwrap());
        let y = a.maximum(b);
        (y * 3.0).sum().backward();
        assert_eq!(&y.value().data()[..3], &[5.0, 5.0, 2.0]);
        assert!(y.value().data()[3].is_nan());
        assert_eq!(a.grad().data(), &[3.0, 0.0, 1.5, 3.0]);
        assert_eq!(b.grad().data(), &[0.0, 3.0, 1.5, 3.0]);
    }

    #[test]
    fn maximum_broadcast_sums_each_share_back() {
        // a [2,1] = [0, 3] against b [3] = [1, 2, 3]: a wins only at 3 > 1, 3 > 2 and ties
        // at 3 = 3, so da = [0, 1 + 1 + ½] and db = [1 + 0, 1 + 0, 1 + ½].
        let g = Graph::new();
        let a = g.tensor(Tensor::from_vec(vec![0.0, 3.0], &[2, 1]).unwrap());
        let b = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap());
        a.maximum(b).sum().backward();
        assert_eq!(a.grad().data(), &[0.0, 2.5]);
        assert_eq!(b.grad().data(), &[1.0, 1.0, 1.5]);
    }

    #[test]
    #[should_panic(expected = "maximum: shapes [2] and [3] do not broadcast")]
    fn maximum_panics_on_shapes_that_do_not_broadcast() {
        let g = Graph::new();
        let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
        let b = g.tensor(Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3]).unwrap());
        let _ = a.maximum(b);
    }
}
