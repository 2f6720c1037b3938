//! The adjoint of `index_select`: a zero tensor with `len` entries along an axis, slice r of
//! the input added at position index[r] (repeated positions add up). Its adjoint is
//! `index_select` with the same index.

use super::index_select::{IndexSelect, check_range};
use super::split_at_axis;
use crate::axes::axis;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// Zeros with `len` entries along `axis`, with slice r of the value added at position
    /// `index[r]` (repeated positions add up): PyTorch's `zeros(..).index_add(axis, index,
    /// x)`, and the adjoint of [`index_select`](Var::index_select). The gradient is the
    /// upstream gradient read at `index`.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap());
    /// let y = x.index_add(0, &[1, 0, 1], 2);
    /// assert_eq!(y.value().data(), &[2.0, 4.0]); // 1 + 3 at position 1
    /// ```
    ///
    /// # Panics
    /// When `axis` is out of range, `index` does not have one entry per slice of the value
    /// along `axis`, or an entry is not below `len`.
    #[track_caller]
    pub fn index_add(self, axis: isize, index: &[usize], len: usize) -> Self {
        let shape = super::shape_of(self);
        let ax = self::axis("index_add", axis, &shape);
        if index.len() != shape[ax] {
            count_panic(&shape, ax, index.len());
        }
        check_range("index_add", &shape, ax, index, len);
        let op = IndexAdd {
            axis: ax as u32,
            index: self.graph.keep_index(index),
        };
        let mut out = shape;
        out[ax] = len;
        self.graph.push(op, &[self], &out)
    }
}

#[cold]
#[track_caller]
fn count_panic(shape: &[usize], axis: usize, n: usize) -> ! {
    panic!(
        "index_add: index has {n} entries but shape {shape:?} has {} slices along axis {axis}",
        shape[axis]
    )
}

/// The op as recorded on the tape; the output shape is the node's target.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IndexAdd {
    pub(crate) axis: u32,
    /// A position in the tape's table of index lists.
    pub(crate) index: u32,
}

impl<T: Float> Primitive<T> for IndexAdd {
    const NAME: &'static str = "index_add";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], indices: &[Vec<usize>]) -> Tensor<T> {
        let (x, axis, index) = (x[0], self.axis as usize, &indices[self.index as usize]);
        let (pre, n, post) = split_at_axis(x.shape(), axis);
        let len = target[axis];
        let mut out = Tensor::zeros(target);
        let (d, o) = (x.data(), out.data_mut());
        for p in 0..pre {
            for (r, &i) in index.iter().enumerate().take(n) {
                let (from, to) = ((p * n + r) * post, (p * len + i) * post);
                for (o, &v) in o[to..to + post].iter_mut().zip(&d[from..from + post]) {
                    *o += v;
                }
            }
        }
        out
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        let shape = c.shape(c.input(0));
        let select = IndexSelect {
            axis: self.axis,
            index: self.index,
        };
        let gx = c.apply(select.into(), &[g], &shape);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ's slices added at the same positions (the op is linear)
        let Some(t) = c.tangent(0) else { return };
        let shape = c.shape(c.output());
        let t = c.apply(self.into(), &[t], &shape);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("index_add axis {}", self.axis)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn index_add_grad_matches_finite_difference() {
        check(
            |_, v| v[0].reshape(&[1]).index_add(0, &[1], 3).exp(),
            &[draw(&[], -1.0, 1.0, 1)],
        );
        check(
            |_, v| v[0].index_add(0, &[2, 0, 2], 4).powi(3),
            &[draw(&[3], -1.0, 1.0, 2)],
        );
        let x = draw(&[2, 3], -1.0, 1.0, 3);
        check(|_, v| v[0].index_add(0, &[1, 1], 3).exp(), &[x.clone()]);
        check(|_, v| v[0].index_add(-1, &[0, 2, 0], 3).tanh(), &[x]);
    }

    #[test]
    fn index_add_literal() {
        // Rows [1,2] and [3,4] both added at row 1 of a [2, 2] zero: [[0,0],[4,6]]. With
        // weights w = [[1,2],[3,4]], each input row's gradient is w's row 1: [3, 4].
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap());
        let w = g.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap());
        let y = x.index_add(0, &[1, 1], 2);
        (y * w).sum().backward();
        assert_eq!(y.value().data(), &[0.0, 0.0, 4.0, 6.0]);
        assert_eq!(x.grad().data(), &[3.0, 4.0, 3.0, 4.0]);
    }

    #[test]
    #[should_panic(
        expected = "index_add: index has 1 entries but shape [2, 3] has 2 slices along axis 0"
    )]
    fn index_add_wrong_count_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).index_add(0, &[0], 4);
    }
}
