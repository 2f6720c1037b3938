//! Whole slices picked along one axis: out[…, r, …] = x[…, index[r], …]. An index may repeat
//! or be left out. Its adjoint is `index_add`, which adds each slice of the gradient back at
//! its position, so a repeated index collects the sum of its copies' gradients.

use super::split_at_axis;
use crate::axes::axis;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The slices at `index` along `axis` (negative counts from the end), as PyTorch's
    /// `index_select`: `[4, 3].index_select(0, &[3, 0, 3]) → [3, 3]`. Indices may repeat;
    /// the gradient of a slice picked twice is the sum of both copies' gradients.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap());
    /// let y = x.index_select(0, &[2, 0, 2]);
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[3.0, 1.0, 3.0]);
    /// assert_eq!(x.grad().data(), &[1.0, 0.0, 2.0]); // index 2 was picked twice
    /// ```
    ///
    /// # Panics
    /// When `axis` is out of range or an index is not below the axis length.
    #[track_caller]
    pub fn index_select(self, axis: isize, index: &[usize]) -> Self {
        let shape = super::shape_of(self);
        let ax = self::axis("index_select", axis, &shape);
        check_range("index_select", &shape, ax, index, shape[ax]);
        let op = IndexSelect {
            axis: ax as u32,
            index: self.graph.keep_index(index),
        };
        let mut out = shape;
        out[ax] = index.len();
        self.graph.push(op, &[self], &out)
    }
}

/// Panics unless every entry of `index` is below `len`, naming `op`, the shape and the
/// first bad entry.
#[track_caller]
pub(crate) fn check_range(op: &str, shape: &[usize], axis: usize, index: &[usize], len: usize) {
    if let Some((r, &i)) = index.iter().enumerate().find(|&(_, &i)| i >= len) {
        range_panic(op, shape, axis, r, i, len);
    }
}

#[cold]
#[track_caller]
fn range_panic(op: &str, shape: &[usize], axis: usize, r: usize, i: usize, len: usize) -> ! {
    panic!(
        "{op}: index {i} at position {r} is out of range for axis {axis} of length {len} \
         (shape {shape:?})"
    )
}

/// The op as recorded on the tape; the output shape is the node's target.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IndexSelect {
    pub(crate) axis: u32,
    /// A position in the tape's table of index lists.
    pub(crate) index: u32,
}

impl<T: Float> Primitive<T> for IndexSelect {
    const NAME: &'static str = "index_select";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], indices: &[Vec<usize>]) -> Tensor<T> {
        let (x, axis, index) = (x[0], self.axis as usize, &indices[self.index as usize]);
        let (pre, len, post) = split_at_axis(x.shape(), axis);
        let d = x.data();
        Tensor::build(target, |v| {
            for p in 0..pre {
                for &i in index {
                    let at = (p * len + i) * post;
                    v.extend_from_slice(&d[at..at + post]);
                }
            }
        })
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        let shape = c.shape(c.input(0));
        let add = super::index_add::IndexAdd {
            axis: self.axis,
            index: self.index,
        };
        let gx = c.apply(add.into(), &[g], &shape);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = the same slices of ẋ (the op is linear)
        let Some(t) = c.tangent(0) else { return };
        let shape = c.shape(c.output());
        let t = c.apply(self.into(), &[t], &shape);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("index_select axis {}", self.axis)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn index_select_grad_matches_finite_difference() {
        check(
            |_, v| v[0].reshape(&[1]).index_select(0, &[0, 0]).exp(),
            &[draw(&[], -1.0, 1.0, 1)],
        );
        check(
            |_, v| v[0].index_select(0, &[2, 0, 2, 3]).powi(3),
            &[draw(&[4], -1.0, 1.0, 2)],
        );
        let x = draw(&[3, 4], -1.0, 1.0, 3);
        check(|_, v| v[0].index_select(0, &[1, 1]).exp(), &[x.clone()]);
        check(|_, v| v[0].index_select(-1, &[3, 0, 0, 2, 3]).tanh(), &[x]);
    }

    #[test]
    fn index_select_literal() {
        // x = [[1,2],[3,4],[5,6]], rows [2, 0, 2] → [[5,6],[1,2],[5,6]]. The gradient of
        // Σ y² is 2·x summed over the copies: row 0 once (2, 4), row 1 never (0, 0), row 2
        // twice (2·2·5, 2·2·6) = (20, 24).
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]).unwrap());
        let y = x.index_select(0, &[2, 0, 2]);
        (y * y).sum().backward();
        assert_eq!(y.value().data(), &[5.0, 6.0, 1.0, 2.0, 5.0, 6.0]);
        assert_eq!(x.grad().data(), &[2.0, 4.0, 0.0, 0.0, 20.0, 24.0]);
    }

    #[test]
    #[should_panic(
        expected = "index_select: index 3 at position 1 is out of range for axis 1 of length 3 (shape [2, 3])"
    )]
    fn index_select_out_of_range_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).index_select(1, &[0, 3]);
    }
}
