//! Zeros around a value along one axis: out[…, start + i, …] = x[…, i, …], 0 elsewhere. The
//! adjoint of `narrow`, and its own adjoint is `narrow`: the gradient is the upstream
//! gradient read back at the value's positions.

use super::narrow::{Narrow, copy_rows};
use super::split_at_axis;
use crate::axes::{axis, fits_u32};
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// `before` zeros in front of the value and `after` zeros behind it along `axis`
    /// (negative counts from the end), as candle's `pad_with_zeros` and PyTorch's constant
    /// `F.pad` on one axis: `[2, 3].pad_with_zeros(1, 1, 2) → [2, 6]`. The gradient is the
    /// upstream gradient at the value's positions.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
    /// let w = g.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4]).unwrap());
    /// let y = x.pad_with_zeros(0, 1, 1);
    /// (y * w).sum().backward();
    /// assert_eq!(y.value().data(), &[0.0, 1.0, 2.0, 0.0]);
    /// assert_eq!(x.grad().data(), &[2.0, 3.0]); // w at the positions x went to
    /// ```
    ///
    /// # Panics
    /// When `axis` is out of range, or the padded length overflows `usize`.
    #[track_caller]
    pub fn pad_with_zeros(self, axis: isize, before: usize, after: usize) -> Self {
        let shape = super::shape_of(self);
        let ax = self::axis("pad_with_zeros", axis, &shape);
        let Some(len) = shape[ax]
            .checked_add(before)
            .and_then(|n| n.checked_add(after))
        else {
            overflow_panic(&shape, ax, before, after)
        };
        let op = Pad {
            axis: ax as u32,
            start: fits_u32("pad_with_zeros", "before", before),
        };
        let mut out = shape;
        out[ax] = len;
        self.graph.push(op, &[self], &out)
    }
}

#[cold]
#[track_caller]
fn overflow_panic(shape: &[usize], axis: usize, before: usize, after: usize) -> ! {
    panic!(
        "pad_with_zeros: {before} + {} + {after} along axis {axis} of shape {shape:?} overflows",
        shape[axis]
    )
}

/// The op as recorded on the tape; the output shape is the node's target.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pad {
    pub(crate) axis: u32,
    pub(crate) start: u32,
}

impl<T: Float> Primitive<T> for Pad {
    const NAME: &'static str = "pad";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (x, axis) = (x[0], self.axis as usize);
        let (pre, n, post) = split_at_axis(x.shape(), axis);
        let mut out = Tensor::zeros(target);
        if n * pre * post > 0 {
            let len = target[axis];
            let to = self.start as usize;
            copy_rows(x.data(), n, 0, out.data_mut(), len, to, (pre, n, post));
        }
        out
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        let shape = c.shape(c.input(0));
        let narrow = Narrow {
            axis: self.axis,
            start: self.start,
        };
        let gx = c.apply(narrow.into(), &[g], &shape);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ padded the same way (the op is linear)
        let Some(t) = c.tangent(0) else { return };
        let shape = c.shape(c.output());
        let t = c.apply(self.into(), &[t], &shape);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("pad axis {} at {}", self.axis, self.start)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn pad_grad_matches_finite_difference() {
        check(
            |_, v| v[0].reshape(&[1]).pad_with_zeros(0, 1, 2).exp(),
            &[draw(&[], -1.0, 1.0, 1)],
        );
        check(
            |_, v| v[0].pad_with_zeros(0, 2, 0).exp(),
            &[draw(&[3], -1.0, 1.0, 2)],
        );
        let x = draw(&[2, 3], -1.0, 1.0, 3);
        check(|_, v| v[0].pad_with_zeros(0, 1, 1).exp(), &[x.clone()]);
        check(|_, v| v[0].pad_with_zeros(-1, 0, 2).powi(3), &[x]);
    }

    #[test]
    fn pad_literal() {
        // [[1],[2]] padded with one zero before along axis 1: [[0,1],[0,2]]. With weights
        // w = [[1,2],[3,4]], d/dx Σ w·y = w at the positions x went to: [2, 4].
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2, 1]).unwrap());
        let w = g.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap());
        let y = x.pad_with_zeros(1, 1, 0);
        (y * w).sum().backward();
        assert_eq!(y.value().data(), &[0.0, 1.0, 0.0, 2.0]);
        assert_eq!(x.grad().data(), &[2.0, 4.0]);
    }

    #[test]
    #[should_panic(expected = "pad_with_zeros: axis 2 is out of range for shape [2, 3]")]
    fn pad_bad_axis_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).pad_with_zeros(2, 1, 1);
    }
}
