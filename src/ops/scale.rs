//! c · x for a constant c. d/dx = c. Records `2.0 * x`, `x * 2.0` and `-x`.

use crate::backward::{Chain, Tangent};
use crate::dot::num;
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// c·x for a constant c, as one node (what `c * x` records on a concrete tape; this
    /// form serves code generic over the float type). d/dx = c.
    #[track_caller]
    #[inline]
    pub fn scale(self, c: T) -> Self {
        self.graph.push(Scale(c), &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T, c: T) -> T {
    x * c
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale<T>(pub(crate) T);

impl<T: Float> Primitive<T> for Scale<T> {
    const NAME: &'static str = "scale";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(at(x, self.0))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (x, c) = (x[0], self.0);
        x.map(|v| at(v, c))
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        // d/dx (k·x) = k
        let g = c.upstream();
        let gx = c.scale(g, self.0);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = k·ẋ
        let Some(t) = c.tangent(0) else { return };
        let t = c.scale(t, self.0);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("scale ×{}", num(self.0.to_f64()))
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn scale_grad_matches_finite_difference() {
        check_unary(|_, v| 2.5 * v[0], -2.0, 2.0);
        check_unary(|_, v| -v[0], -2.0, 2.0);
    }

    #[test]
    fn scale_literal() {
        // y = 3x: dy/dx = 3; no constant node is created.
        let g = Graph::new();
        let x = g.scalar(2.0);
        let y = 3.0 * x;
        y.backward();
        assert_eq!((y.item(), x.grad().item(), g.len()), (6.0, 3.0, 2));
    }
}
