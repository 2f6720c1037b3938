//! a − b, broadcasting. ∂/∂a = 1, ∂/∂b = −1, each summed back to its input's shape.

use super::binary;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::ops::Primitive;
use crate::tensor::Tensor;

/// The kernel on one pair of elements (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T, y: T) -> T {
    x - y
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sub;

impl<T: Float> Primitive<T> for Sub {
    const NAME: &'static str = "sub";

    #[inline(always)]
    fn scalar(self, x: T, y: T) -> Option<T> {
        Some(at(x, y))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (a, b) = (x[0], x[1]);
        binary("sub", a, b, at)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        if c.needs(0) {
            let shape = c.shape(c.input(0));
            let ga = c.sum_to(g, &shape);
            c.send(0, ga);
        }
        if c.needs(1) {
            let shape = c.shape(c.input(1));
            let gb = c.sum_to(g, &shape);
            let gb = c.neg(gb);
            c.send(1, gb);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ȧ − ḃ
        let a = c.tangent(0);
        let b = c.tangent(1).map(|b| c.neg(b));
        c.emit_sum(a, b);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_binary;

    #[test]
    fn sub_grad_matches_finite_difference() {
        check_binary(|_, v| v[0] - v[1], -2.0, 2.0);
    }

    #[test]
    fn sub_literal() {
        // y = a − 3b: dy/da = 1, dy/db = −3.
        let g = Graph::new();
        let (a, b) = (g.scalar(2.0), g.scalar(5.0));
        let y = a - b - b - b;
        y.backward();
        assert_eq!(
            (y.item(), a.grad().item(), b.grad().item()),
            (-13.0, 1.0, -3.0)
        );
    }
}
