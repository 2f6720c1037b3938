//! a / b elementwise, broadcasting. ∂/∂a = 1/b; ∂/∂b = −a/b² = −(a/b)/b, which reuses the
//! output. Division by zero follows IEEE: 1/0 = ∞, 0/0 = NaN.

use super::binary;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::ops::Primitive;
use crate::tensor::Tensor;

/// The kernel on one pair of elements (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T, y: T) -> T {
    x / y
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Div;

impl<T: Float> Primitive<T> for Div {
    const NAME: &'static str = "div";

    #[inline(always)]
    fn scalar(self, x: T, y: T) -> Option<T> {
        Some(at(x, y))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (a, b) = (x[0], x[1]);
        binary("div", a, b, at)
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (a, b, g) = (c.input(0), c.input(1), c.upstream());
        if c.needs(0) {
            let shape = c.shape(a);
            let ga = c.div(g, b);
            let ga = c.sum_to(ga, &shape);
            c.send(0, ga);
        }
        if c.needs(1) {
            let shape = c.shape(b);
            let y = c.output();
            let gy = c.mul(g, y);
            let gb = c.div(gy, b);
            let gb = c.neg(gb);
            let gb = c.sum_to(gb, &shape);
            c.send(1, gb);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ȧ/b − (a/b)·ḃ/b
        let (b, y) = (c.input(1), c.output());
        let ta = c.tangent(0).map(|t| c.div(t, b));
        let tb = c.tangent(1).map(|t| {
            let yt = c.mul(y, t);
            let q = c.div(yt, b);
            c.neg(q)
        });
        c.emit_sum(ta, tb);
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::{check, check_binary, draw};

    #[test]
    fn div_grad_matches_finite_difference() {
        // Denominators kept away from 0: b in [0.5, 2].
        check_binary(|_, v| v[0] / (v[1] * v[1] + 0.5), -2.0, 2.0);
        check(
            |_, v| v[0] / v[1],
            &[draw(&[2, 3], -2.0, 2.0, 7), draw(&[3], 0.5, 2.0, 8)],
        );
    }

    #[test]
    fn div_literal() {
        // y = a/b at a = 3, b = 2: dy/da = 1/2, dy/db = −3/4.
        let g = Graph::new();
        let (a, b) = (g.scalar(3.0), g.scalar(2.0));
        let y = a / b;
        y.backward();
        assert_eq!(
            (y.item(), a.grad().item(), b.grad().item()),
            (1.5, 0.5, -0.75)
        );
    }
}
