//! A slice along one axis: out[…, i, …] = x[…, start + i, …] for i < len. Its adjoint is
//! `pad` (`pad_with_zeros`): the gradient goes back to the same positions, zeros elsewhere.

use super::split_at_axis;
use crate::axes::{axis, fits_u32};
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The `len` entries starting at `start` along `axis` (negative counts from the end), as
    /// PyTorch's `narrow`: `[2, 5].narrow(1, 1, 3) → [2, 3]`. The gradient is the upstream
    /// gradient at the same positions and 0 at the entries left out.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4]).unwrap());
    /// let y = x.narrow(0, 1, 2);
    /// (y * y).sum().backward();
    /// assert_eq!(y.value().data(), &[2.0, 3.0]);
    /// assert_eq!(x.grad().data(), &[0.0, 4.0, 6.0, 0.0]); // 2x inside, 0 outside
    /// ```
    ///
    /// # Panics
    /// When `axis` is out of range or `start + len` exceeds the axis length; the message
    /// shows the shape.
    #[track_caller]
    pub fn narrow(self, axis: isize, start: usize, len: usize) -> Self {
        let shape = super::shape_of(self);
        let ax = self::axis("narrow", axis, &shape);
        if start.checked_add(len).is_none_or(|end| end > shape[ax]) {
            range_panic("narrow", &shape, ax, start, len);
        }
        let op = Narrow {
            axis: ax as u32,
            start: fits_u32("narrow", "start", start),
        };
        let mut out = shape;
        out[ax] = len;
        self.graph.push(op, &[self], &out)
    }
}

#[cold]
#[track_caller]
fn range_panic(op: &str, shape: &[usize], axis: usize, start: usize, len: usize) -> ! {
    panic!(
        "{op}: start {start} + length {len} exceeds the length {} of axis {axis} (shape {shape:?})",
        shape[axis]
    )
}

/// Copies, for each of the `pre` outer blocks, `n` rows of `post` elements from `src` at row
/// `from` (of `src_len` rows per block) to `dst` at row `to` (of `dst_len` rows per block).
#[allow(clippy::too_many_arguments)]
pub(crate) fn copy_rows<T: Copy>(
    src: &[T],
    src_len: usize,
    from: usize,
    dst: &mut [T],
    dst_len: usize,
    to: usize,
    (pre, n, post): (usize, usize, usize),
) {
    for p in 0..pre {
        let s = (p * src_len + from) * post;
        let d = (p * dst_len + to) * post;
        dst[d..d + n * post].copy_from_slice(&src[s..s + n * post]);
    }
}

/// The op as recorded on the tape; the output shape is the node's target.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Narrow {
    pub(crate) axis: u32,
    pub(crate) start: u32,
}

impl<T: Float> Primitive<T> for Narrow {
    const NAME: &'static str = "narrow";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (x, axis) = (x[0], self.axis as usize);
        let (pre, len, post) = split_at_axis(x.shape(), axis);
        let n = target[axis];
        if n == 0 || pre * post == 0 {
            return Tensor::zeros(target);
        }
        let start = self.start as usize;
        Tensor::overwrite(target, |out| {
            copy_rows(x.data(), len, start, out, n, 0, (pre, n, post))
        })
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        let shape = c.shape(c.input(0));
        let pad = super::pad::Pad {
            axis: self.axis,
            start: self.start,
        };
        let gx = c.apply(pad.into(), &[g], &shape);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ narrowed the same way (the op is linear)
        let Some(t) = c.tangent(0) else { return };
        let shape = c.shape(c.output());
        let t = c.apply(self.into(), &[t], &shape);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("narrow axis {} from {}", self.axis, self.start)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn narrow_grad_matches_finite_difference() {
        // Rank 0 through a reshape (a scalar has no axis); rank 1; rank 2 along each axis,
        // with negative axes.
        check(
            |_, v| v[0].reshape(&[1]).narrow(0, 0, 1).exp(),
            &[draw(&[], -1.0, 1.0, 1)],
        );
        check(
            |_, v| v[0].narrow(0, 1, 2).exp(),
            &[draw(&[4], -1.0, 1.0, 2)],
        );
        let x = draw(&[3, 4], -1.0, 1.0, 3);
        check(|_, v| v[0].narrow(0, 1, 2).exp(), &[x.clone()]);
        check(|_, v| v[0].narrow(-1, 1, 2).powi(3), &[x.clone()]);
        check(|_, v| v[0].narrow(1, 3, 1).tanh(), &[x]);
    }

    #[test]
    fn narrow_literal() {
        // x = [[1,2,3],[4,5,6]], narrow(1, 1, 2) = [[2,3],[5,6]].
        // d/dx Σ (3·y) = 3 at the kept columns 1 and 2, 0 at column 0.
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap());
        let y = x.narrow(1, 1, 2);
        (y * 3.0).sum().backward();
        assert_eq!(y.value().data(), &[2.0, 3.0, 5.0, 6.0]);
        assert_eq!(x.grad().data(), &[0.0, 3.0, 3.0, 0.0, 3.0, 3.0]);
    }

    #[test]
    fn narrow_to_length_zero_is_empty() {
        let g = Graph::new();
        let x = g.tensor(Tensor::ones(&[2, 3]));
        let y = x.narrow(1, 3, 0);
        assert_eq!(y.shape(), vec![2, 0]);
        (y.sum() + x.sum()).backward();
        assert_eq!(x.grad().data(), &[1.0; 6]);
    }

    #[test]
    #[should_panic(
        expected = "narrow: start 2 + length 2 exceeds the length 3 of axis 1 (shape [2, 3])"
    )]
    fn narrow_past_the_end_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).narrow(1, 2, 2);
    }

    #[test]
    #[should_panic(expected = "narrow: axis -3 is out of range for shape [2, 3] (valid: -2 to 1)")]
    fn narrow_bad_axis_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).narrow(-3, 0, 1);
    }
}
