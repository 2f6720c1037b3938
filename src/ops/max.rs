//! The maximum along an axis, keeping the axis with length 1. The gradient goes to the first
//! arg-max of each row only (a subgradient; PyTorch's `max(dim)` does the same, while
//! `amax` and JAX split it evenly among ties): ∂/∂x = hardmax(x) · broadcast(G).

use super::{check_axis, keepdim};
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The maximum along `axis`, keeping it with length 1: `[2, 3].max_keepdim(1) → [2, 1]`.
    /// NaN propagates. The gradient flows to the first arg-max of each row.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 4.0, 4.0], &[3]).unwrap());
    /// let m = x.max_keepdim(0);
    /// m.sum().backward();
    /// assert_eq!(m.value().data(), &[4.0]);
    /// assert_eq!(x.grad().data(), &[0.0, 1.0, 0.0]); // ties: the first index
    /// ```
    ///
    /// # Panics
    /// When `axis` is not an axis of the value, or has length 0 (the maximum of no elements
    /// is undefined, as in PyTorch and NumPy).
    #[track_caller]
    pub fn max_keepdim(self, axis: usize) -> Self {
        let shape = super::shape_of(self);
        check_axis("max_keepdim", axis, &shape);
        if shape[axis] == 0 {
            empty_axis_panic(axis, &shape);
        }
        self.graph.push(Max(axis as u32), &[self], &[])
    }
}

#[cold]
#[track_caller]
fn empty_axis_panic(axis: usize, shape: &[usize]) -> ! {
    panic!(
        "max_keepdim: axis {axis} of shape {shape:?} has length 0, and the maximum of no \
         elements is undefined"
    )
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Max(pub(crate) u32);

impl<T: Float> Primitive<T> for Max {
    const NAME: &'static str = "max";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (x, axis) = (x[0], self.0 as usize);
        let d = x.data();
        Tensor::build(&keepdim(x.shape(), axis), |v| {
            super::hardmax::argmax(x, axis, |i| v.push(d[i]))
        })
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let axis = self.0 as usize;
        let (x, g) = (c.input(0), c.upstream());
        let shape = c.shape(x);
        let mask = c.hardmax(x, axis);
        let gb = c.broadcast_to(g, &shape);
        let gx = c.mul(gb, mask);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ at the first arg-max of each row: Σ_axis hardmax(x)·ẋ
        let Some(t) = c.tangent(0) else { return };
        let x = c.input(0);
        let shape = c.shape(c.output());
        let mask = c.hardmax(x, self.0 as usize);
        let picked = c.mul(mask, t);
        let t = c.sum_to(picked, &shape);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("max axis {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn max_grad_matches_finite_difference() {
        check(
            |_, v| v[0].reshape(&[1]).max_keepdim(0).exp(),
            &[draw(&[], -1.0, 1.0, 1)],
        );
        check(
            |_, v| v[0].max_keepdim(0).exp(),
            &[draw(&[4], -1.0, 1.0, 2)],
        );
        let x = draw(&[2, 3], -1.0, 1.0, 3);
        check(|_, v| v[0].max_keepdim(0).exp(), &[x.clone()]);
        check(|_, v| v[0].max_keepdim(1).exp(), &[x]);
    }

    #[test]
    fn max_literal() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 5.0, 2.0, 7.0, 3.0, 0.0], &[2, 3]).unwrap());
        let m = x.max_keepdim(1);
        (m * 2.0).sum().backward();
        assert_eq!(m.value().data(), &[5.0, 7.0]);
        assert_eq!(x.grad().data(), &[0.0, 2.0, 0.0, 2.0, 0.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "max_keepdim: axis 1 of shape [2, 0] has length 0")]
    fn max_along_an_empty_axis_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 0])).max_keepdim(1);
    }

    #[test]
    fn max_propagates_nan() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, f64::NAN, 2.0], &[3]).unwrap());
        assert!(x.max_keepdim(0).item().is_nan());
    }
}
