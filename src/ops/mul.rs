//! a · b elementwise, broadcasting. ∂/∂a = b, ∂/∂b = a, each summed back to its input's shape.

use super::binary;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::ops::Primitive;
use crate::tensor::Tensor;

/// The kernel on one pair of elements (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T, y: T) -> T {
    x * y
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mul;

impl<T: Float> Primitive<T> for Mul {
    const NAME: &'static str = "mul";

    #[inline(always)]
    fn scalar(self, x: T, y: T) -> Option<T> {
        Some(at(x, y))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (a, b) = (x[0], x[1]);
        binary("mul", a, b, at)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (a, b, g) = (c.input(0), c.input(1), c.upstream());
        if c.needs(0) {
            let shape = c.shape(a);
            let ga = c.mul(g, b);
            let ga = c.sum_to(ga, &shape);
            c.send(0, ga);
        }
        if c.needs(1) {
            let shape = c.shape(b);
            let gb = c.mul(g, a);
            let gb = c.sum_to(gb, &shape);
            c.send(1, gb);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ȧ·b + a·ḃ
        let (a, b) = (c.input(0), c.input(1));
        let ta = c.tangent(0).map(|t| c.mul(t, b));
        let tb = c.tangent(1).map(|t| c.mul(a, t));
        c.emit_sum(ta, tb);
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::check_binary;
    use crate::{Graph, Tensor};

    #[test]
    fn mul_grad_matches_finite_difference() {
        check_binary(|_, v| v[0] * v[1], -2.0, 2.0);
    }

    #[test]
    fn mul_broadcast_sums_back_to_each_shape() {
        // y = Σ a[i]·b[j] over a [3,1] × [1,2] grid: dy/da[i] = Σ b = 3, dy/db[j] = Σ a = 6.
        let g = Graph::new();
        let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3, 1]).unwrap());
        let b = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[1, 2]).unwrap());
        let y = (a * b).sum();
        y.backward();
        assert_eq!(y.item(), 18.0);
        assert_eq!(a.grad().data(), &[3.0, 3.0, 3.0]);
        assert_eq!(b.grad().data(), &[6.0, 6.0]);
        assert_eq!(a.grad().shape(), &[3, 1]);
    }
}
