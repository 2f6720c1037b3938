//! The adjoint of `gather`: places each row's single entry at position index[r] along an
//! axis of a zero tensor of the target shape. Its adjoint is `gather` with the same index.

use super::gather::check_index;
use super::{check_axis, keepdim, split_at_axis};
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// Spreads a value with length 1 along `axis` into a zero tensor of `shape`, entry r
    /// going to position `index[r]` along the axis: the adjoint of [`gather`](Var::gather).
    ///
    /// # Panics
    /// When the value is not `shape` with `axis` set to 1, or `index` is out of range.
    #[track_caller]
    pub fn scatter(self, axis: usize, index: &[usize], shape: &[usize]) -> Self {
        crate::shape::len_of::<T>("scatter", shape);
        check_axis("scatter", axis, shape);
        if self.shape()[..] != keepdim(shape, axis)[..] {
            panic!(
                "scatter: value of shape {:?} does not fit {shape:?} with axis {axis} set to 1",
                self.shape()
            );
        }
        check_index("scatter", shape, axis, index);
        let op = Scatter {
            axis: axis as u32,
            index: self.graph.keep_index(index),
        };
        self.graph.push(op, &[self], shape)
    }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scatter {
    pub(crate) axis: u32,
    /// A position in the tape's table of index lists.
    pub(crate) index: u32,
}

impl<T: Float> Primitive<T> for Scatter {
    const NAME: &'static str = "scatter";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], indices: &[Vec<usize>]) -> Tensor<T> {
        let (x, axis, index) = (x[0], self.axis as usize, &indices[self.index as usize]);
        let (_, len, post) = split_at_axis(target, axis);
        let mut out = Tensor::zeros(target);
        let data = out.data_mut();
        for (r, (&j, &v)) in index.iter().zip(x.data()).enumerate() {
            data[((r / post) * len + j) * post + r % post] += v;
        }
        out
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let Scatter { axis, index } = self;
        let g = c.upstream();
        let gx = c.gather(g, axis, index);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ placed at the same entries
        let Some(t) = c.tangent(0) else { return };
        let shape = c.shape(c.output());
        let t = c.scatter(t, self.axis, self.index, &shape);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("scatter axis {}", self.axis)
    }
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
