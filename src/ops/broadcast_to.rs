//! Repeats a value along its length-1 and missing axes (NumPy rules). Its adjoint is
//! `sum_to`: each input element collects the gradients of all its copies.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::shape::{self, broadcasts_to};
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The value repeated to `shape` (NumPy broadcasting). The gradient is summed back.
    ///
    /// # Panics
    /// When the value's shape does not broadcast to `shape`.
    #[track_caller]
    pub fn broadcast_to(self, shape: &[usize]) -> Self {
        self.graph.push(BroadcastTo, &[self], shape)
    }
}

#[cold]
#[track_caller]
fn broadcast_panic(from: &[usize], to: &[usize]) -> ! {
    panic!("broadcast_to: {from:?} does not broadcast to {to:?}")
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BroadcastTo;

impl<T: Float> Primitive<T> for BroadcastTo {
    const NAME: &'static str = "broadcast_to";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let x = x[0];
        if !broadcasts_to(x.shape(), target) {
            broadcast_panic(x.shape(), target);
        }
        shape::broadcast_to(x, target)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        let shape = c.shape(c.input(0));
        let gx = c.sum_to(g, &shape);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ broadcast to the output's shape (emit broadcasts)
        let Some(t) = c.tangent(0) else { return };
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn broadcast_to_grad_matches_finite_difference() {
        check(
            |_, v| v[0].broadcast_to(&[2, 3]).exp(),
            &[draw(&[], -1.0, 1.0, 1)],
        );
        check(
            |_, v| v[0].broadcast_to(&[2, 3]).exp(),
            &[draw(&[3], -1.0, 1.0, 2)],
        );
        check(
            |_, v| v[0].broadcast_to(&[2, 3]).exp(),
            &[draw(&[2, 1], -1.0, 1.0, 3)],
        );
    }

    #[test]
    fn broadcast_to_literal() {
        // Each of the 2 elements is copied 3 times, so its gradient under sum is 3.
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2, 1]).unwrap());
        let y = x.broadcast_to(&[2, 3]);
        y.sum().backward();
        assert_eq!(y.value().data(), &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
        assert_eq!(x.grad().data(), &[3.0, 3.0]);
    }

    #[test]
    #[should_panic(expected = "broadcast_to: [2] does not broadcast to [2, 3]")]
    fn broadcast_to_bad_shape_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2])).broadcast_to(&[2, 3]);
    }
}
