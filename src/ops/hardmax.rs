//! The one-hot of the arg-max along an axis: 1 at the largest entry, 0 elsewhere. Ties go to
//! the first index. Piecewise constant, so its gradient is 0: nothing flows back. It is also
//! the mask through which `max` routes its gradient.

use super::{check_axis, split_at_axis};
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The one-hot of the arg-max along `axis` (ties to the first index; a NaN counts as the
    /// largest). Its gradient is 0 everywhere.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 3.0, 3.0, 0.5, 0.2, 0.1], &[2, 3]).unwrap());
    /// assert_eq!(x.hardmax(1).value().data(), &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// When `axis` is not an axis of the value.
    #[track_caller]
    pub fn hardmax(self, axis: usize) -> Self {
        check_axis("hardmax", axis, &super::shape_of(self));
        self.graph.push(Hardmax(axis as u32), &[self], &[])
    }
}

/// Calls `f(i)` for each row along `axis` (`pre × post` of them, in row-major order) with
/// the flat index `i` into `x` of the row's first maximum; a NaN beats any number. Nothing is
/// called when the axis is empty.
#[inline]
pub(crate) fn argmax<T: Float>(x: &Tensor<T>, axis: usize, mut f: impl FnMut(usize)) {
    let (pre, len, post) = split_at_axis(x.shape(), axis);
    if len == 0 {
        return;
    }
    let d = x.data();
    for p in 0..pre {
        for q in 0..post {
            let base = p * len * post + q;
            let (mut best, mut b) = (base, d[base]);
            for i in (base + post..base + len * post).step_by(post) {
                let v = d[i];
                if !b.is_nan() && (v > b || v.is_nan()) {
                    (best, b) = (i, v);
                }
            }
            f(best);
        }
    }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hardmax(pub(crate) u32);

impl<T: Float> Primitive<T> for Hardmax {
    const NAME: &'static str = "hardmax";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (x, axis) = (x[0], self.0 as usize);
        let mut out = Tensor::zeros(x.shape());
        let data = out.data_mut();
        argmax(x, axis, |i| data[i] = T::ONE);
        out
    }

    /// Piecewise constant or a stop-gradient: nothing flows back.
    #[inline(always)]
    fn backward(self, _: &mut impl Chain<T>) {}

    /// Piecewise constant or a stop-gradient: the tangent is zero.
    #[inline(always)]
    fn tangent(self, _: &mut impl Tangent<T>) {}

    fn label(self) -> String {
        format!("hardmax axis {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{RANKS, check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn hardmax_grad_is_zero_and_matches_finite_difference() {
        // Away from ties hardmax is locally constant, so the difference quotient is 0 too;
        // multiplying by x makes the check non-trivial.
        for (k, shape) in RANKS.iter().enumerate().skip(1) {
            check(
                |_, v| v[0].hardmax(0) * v[0],
                &[draw(shape, -2.0, 2.0, k as u64)],
            );
        }
        check(
            |_, v| v[0].reshape(&[1]).hardmax(0) * v[0],
            &[draw(&[], -2.0, 2.0, 0)],
        );
    }

    #[test]
    fn hardmax_along_an_empty_axis_is_empty() {
        let g = Graph::new();
        let x = g.tensor(Tensor::zeros(&[2, 0]));
        let h = x.hardmax(1);
        (h * x).sum().backward();
        assert_eq!(h.shape(), vec![2, 0]);
        assert_eq!(x.grad().shape(), &[2, 0]);
    }

    #[test]
    fn hardmax_ties_go_to_the_first_index() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![2.0, 5.0, 5.0, 1.0], &[4]).unwrap());
        let h = x.hardmax(0);
        (h * x).sum().backward();
        assert_eq!(h.value().data(), &[0.0, 1.0, 0.0, 0.0]);
        assert_eq!(x.grad().data(), &[0.0, 1.0, 0.0, 0.0]);
    }
}
