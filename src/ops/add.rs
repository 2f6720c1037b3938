//! a + b, broadcasting. ∂/∂a = 1, ∂/∂b = 1, each summed back to its input's shape.

use super::binary;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::ops::Primitive;
use crate::tensor::Tensor;

/// The kernel on one pair of elements (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T, y: T) -> T {
    x + y
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Add;

impl<T: Float> Primitive<T> for Add {
    const NAME: &'static str = "add";

    #[inline(always)]
    fn scalar(self, x: T, y: T) -> Option<T> {
        Some(at(x, y))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (a, b) = (x[0], x[1]);
        binary("add", a, b, at)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        for k in 0..2 {
            if c.needs(k) {
                let shape = c.shape(c.input(k));
                let gk = c.sum_to(g, &shape);
                c.send(k, gk);
            }
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ȧ + ḃ
        let (a, b) = (c.tangent(0), c.tangent(1));
        c.emit_sum(a, b);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_binary;

    #[test]
    fn add_grad_matches_finite_difference() {
        check_binary(|_, v| v[0] + v[1], -2.0, 2.0);
    }

    #[test]
    fn reused_node_accumulates_grad() {
        // b = a + a, c = b + b = 4a, so dc/da = 4.
        let g = Graph::new();
        let a = g.scalar(1.5);
        let b = a + a;
        let c = b + b;
        c.backward();
        assert_eq!(a.grad().item(), 4.0);
        assert_eq!(b.grad().item(), 2.0);
    }

    #[test]
    fn accumulating_into_a_shared_gradient_leaves_the_other_node_unchanged() {
        // y = a + a: both sends pass y's gradient on unchanged, so a's slot first shares
        // y's buffer (copy-on-write) and then accumulates into it. y's gradient must stay 1.
        let g = Graph::new();
        let a = g.tensor(crate::Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
        let y = a + a;
        y.sum().backward();
        assert_eq!(a.grad().data(), &[2.0, 2.0]);
        assert_eq!(y.grad().data(), &[1.0, 1.0]);
    }

    #[test]
    #[should_panic(expected = "add: shapes [2, 3] and [2] do not broadcast")]
    fn add_shape_mismatch_panics() {
        let g = Graph::new();
        let _ = g.tensor(crate::Tensor::zeros(&[2, 3])) + g.tensor(crate::Tensor::zeros(&[2]));
    }
}
