//! The same elements under another shape. The gradient is reshaped back.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The same elements in row-major order under `shape`, which must hold as many.
    ///
    /// # Panics
    /// When the element counts differ; the message shows both shapes.
    #[track_caller]
    pub fn reshape(self, shape: &[usize]) -> Self {
        self.graph.push(Reshape, &[self], shape)
    }
}

#[cold]
#[track_caller]
fn reshape_panic(from: &[usize], n: usize, to: &[usize], m: usize) -> ! {
    panic!("reshape: cannot reshape {from:?} ({n} elements) to {to:?} ({m} elements)")
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reshape;

impl<T: Float> Primitive<T> for Reshape {
    const NAME: &'static str = "reshape";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (x, shape) = (x[0], target);
        let n = crate::shape::len_of::<T>("reshape", shape);
        if n != x.len() {
            reshape_panic(x.shape(), x.len(), shape, n);
        }
        x.clone().with_shape(shape)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        let shape = c.shape(c.input(0));
        let gx = c.reshape(g, &shape);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ under the output's shape
        let Some(t) = c.tangent(0) else { return };
        let shape = c.shape(c.output());
        let t = c.reshape(t, &shape);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn reshape_grad_matches_finite_difference() {
        check(
            |_, v| v[0].reshape(&[1, 1]).exp(),
            &[draw(&[], -1.0, 1.0, 1)],
        );
        check(
            |_, v| v[0].reshape(&[3, 1]).exp(),
            &[draw(&[3], -1.0, 1.0, 2)],
        );
        check(
            |_, v| v[0].reshape(&[3, 2]).exp(),
            &[draw(&[2, 3], -1.0, 1.0, 3)],
        );
    }

    #[test]
    fn reshape_literal() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap());
        let y =
            x.reshape(&[4]) * g.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4]).unwrap());
        y.sum().backward();
        assert_eq!(x.grad().shape(), &[2, 2]);
        assert_eq!(x.grad().data(), &[1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    #[should_panic(expected = "reshape: cannot reshape [2, 3] (6 elements) to [4] (4 elements)")]
    fn reshape_to_other_count_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).reshape(&[4]);
    }
}
