//! Sums a value down to a shape it broadcasts from: the sum of all elements (target `[]`),
//! along chosen axes (target with those axes set to 1), and the un-broadcast of every binary
//! backward rule. Its adjoint is `broadcast_to`: each input element receives the gradient of
//! the output element it was summed into.

use super::{check_axis, keepdim};
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::shape::{self, broadcasts_to};
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The sum of all elements, as a rank-0 value. ∂/∂xᵢ = 1.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap());
    /// let s = x.sum();
    /// s.backward();
    /// assert_eq!(s.item(), 6.0);
    /// assert_eq!(x.grad().data(), &[1.0, 1.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn sum(self) -> Self {
        self.graph.push(SumTo, &[self], &[])
    }

    /// The mean of all elements, Σxᵢ / n, as a rank-0 value. ∂/∂xᵢ = 1/n.
    #[track_caller]
    pub fn mean(self) -> Self {
        let n = self.graph.tape.borrow().value(self.id as usize).len();
        self.sum() / self.graph.constant(Tensor::scalar(T::from_usize(n)))
    }

    /// The sum along `axis`, keeping that axis with length 1 (so the result broadcasts
    /// against the input): `[2, 3].sum_keepdim(1) → [2, 1]`.
    ///
    /// # Panics
    /// When `axis` is not an axis of the value.
    #[track_caller]
    pub fn sum_keepdim(self, axis: usize) -> Self {
        let shape = super::shape_of(self);
        check_axis("sum_keepdim", axis, &shape);
        self.graph.push(SumTo, &[self], &keepdim(&shape, axis))
    }

    /// The mean along `axis`, keeping that axis with length 1.
    ///
    /// # Panics
    /// When `axis` is not an axis of the value.
    #[track_caller]
    pub fn mean_keepdim(self, axis: usize) -> Self {
        let shape = super::shape_of(self);
        check_axis("mean_keepdim", axis, &shape);
        let n = self
            .graph
            .constant(Tensor::scalar(T::from_usize(shape[axis])));
        self.sum_keepdim(axis) / n
    }

    /// Sums down to `shape`, a shape that broadcasts to this value's shape (NumPy rules).
    ///
    /// # Panics
    /// When `shape` does not broadcast to the value's shape.
    #[track_caller]
    pub fn sum_to(self, shape: &[usize]) -> Self {
        self.graph.push(SumTo, &[self], shape)
    }
}

#[cold]
#[track_caller]
fn sum_to_panic(from: &[usize], to: &[usize]) -> ! {
    panic!("sum_to: cannot sum {from:?} down to {to:?} ({to:?} does not broadcast to {from:?})")
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SumTo;

impl<T: Float> Primitive<T> for SumTo {
    const NAME: &'static str = "sum_to";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let x = x[0];
        if !broadcasts_to(target, x.shape()) {
            sum_to_panic(x.shape(), target);
        }
        shape::sum_to(x, target)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        let shape = c.shape(c.input(0));
        let gx = c.broadcast_to(g, &shape);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ summed to the output's shape
        let Some(t) = c.tangent(0) else { return };
        let shape = c.shape(c.output());
        let t = c.sum_to(t, &shape);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{RANKS, check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn sum_grad_matches_finite_difference() {
        for (k, shape) in RANKS.iter().enumerate() {
            check(|_, v| v[0].exp().sum(), &[draw(shape, -1.0, 1.0, k as u64)]);
            check(
                |_, v| v[0].mean().powi(2),
                &[draw(shape, -1.0, 1.0, k as u64)],
            );
        }
        let x = draw(&[2, 3], -1.0, 1.0, 9);
        check(|_, v| v[0].sum_keepdim(0).powi(2), &[x.clone()]);
        check(|_, v| v[0].sum_keepdim(1).powi(2), &[x.clone()]);
        check(|_, v| v[0].mean_keepdim(1).powi(2), &[x.clone()]);
        check(|_, v| v[0].sum_to(&[3]).powi(2), &[x]);
    }

    #[test]
    fn sum_keepdim_literal() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap());
        let s = x.sum_keepdim(1);
        assert_eq!(
            (s.shape(), s.value().data().to_vec()),
            (vec![2, 1], vec![6.0, 15.0])
        );
        // d/dx Σᵣ (row sum)² = 2·(row sum) on every element of the row.
        s.powi(2).sum().backward();
        assert_eq!(x.grad().data(), &[12.0, 12.0, 12.0, 30.0, 30.0, 30.0]);
    }

    #[test]
    #[should_panic(expected = "sum_keepdim: axis 2 is out of range for shape [2, 3]")]
    fn sum_axis_out_of_range_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).sum_keepdim(2);
    }
}
