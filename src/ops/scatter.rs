//! The adjoint of `gather`: places each row's single entry at position index[r] along an
//! axis of a zero tensor of the target shape. Its adjoint is `gather` with the same index.

use super::gather::check_index;
use super::{check_axis, keepdim, split_at_axis};
use crate::chain::Chain;
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Op;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// Spreads a value with length 1 along `axis` into a zero tensor of `shape`, entry r
    /// going to position `index[r]` along the axis: the adjoint of [`gather`](Var::gather).
    ///
    /// # Panics
    /// When the value is not `shape` with `axis` set to 1, or `index` is out of range.
    #[track_caller]
    pub fn scatter(self, axis: usize, index: &[usize], shape: &[usize]) -> Self {
        check_axis("scatter", axis, shape);
        if self.shape()[..] != keepdim(shape, axis)[..] {
            panic!(
                "scatter: value of shape {:?} does not fit {shape:?} with axis {axis} set to 1",
                self.shape()
            );
        }
        check_index("scatter", shape, axis, index);
        let op = Op::Scatter {
            axis: axis as u32,
            index: self.graph.keep_index(index),
        };
        self.graph.push(op, &[self], shape)
    }
}

pub(crate) fn forward<T: Float>(
    x: &Tensor<T>,
    axis: usize,
    index: &[usize],
    target: &[usize],
) -> Tensor<T> {
    let (_, len, post) = split_at_axis(target, axis);
    let mut out = Tensor::zeros(target);
    let data = out.data_mut();
    for (r, (&j, &v)) in index.iter().zip(x.data()).enumerate() {
        data[((r / post) * len + j) * post + r % post] += v;
    }
    out
}

#[inline(always)]
pub(crate) fn backward<T: Float>(c: &mut impl Chain<T>, axis: u32, index: u32) {
    let g = c.upstream();
    let gx = c.gather(g, axis, index);
    c.send(0, gx);
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};

    #[test]
    fn scatter_grad_matches_finite_difference() {
        check(
            |_, v| v[0].scatter(0, &[1], &[3]).exp(),
            &[draw(&[1], -1.0, 1.0, 1)],
        );
        check(
            |_, v| v[0].scatter(1, &[2, 0], &[2, 3]).exp(),
            &[draw(&[2, 1], -1.0, 1.0, 2)],
        );
        check(
            |_, v| v[0].reshape(&[1]).scatter(0, &[0], &[2]).exp(),
            &[draw(&[], -1.0, 1.0, 3)],
        );
    }

    #[test]
    fn scatter_literal() {
        let g = crate::Graph::new();
        let x = g.tensor(crate::Tensor::from_vec(vec![5.0, 7.0], &[2, 1]).unwrap());
        let y = x.scatter(1, &[2, 0], &[2, 3]);
        assert_eq!(y.value().data(), &[0.0, 0.0, 5.0, 7.0, 0.0, 0.0]);
    }
}
