//! x + c for a constant c. d/dx = 1. Records `x + 1.0`, `1.0 + x`, `x - 1.0` and, after a
//! negation, `1.0 - x`.

use crate::chain::Chain;
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Op;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// x + c for a constant c, as one node (what `x + c` records on a concrete tape; this
    /// form serves code generic over the float type). d/dx = 1.
    #[track_caller]
    #[inline]
    pub fn shift(self, c: T) -> Self {
        self.graph.push(Op::Shift(c), &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T, c: T) -> T {
    x + c
}

pub(crate) fn forward<T: Float>(x: &Tensor<T>, c: T) -> Tensor<T> {
    x.map(|v| at(v, c))
}

#[inline(always)]
pub(crate) fn backward<T: Float>(ch: &mut impl Chain<T>) {
    let g = ch.upstream();
    ch.send(0, g);
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn shift_grad_matches_finite_difference() {
        check_unary(|_, v| v[0] + 1.5, -2.0, 2.0);
        check_unary(|_, v| 1.5 - v[0], -2.0, 2.0);
    }

    #[test]
    fn shift_literal_is_exact() {
        // 0.01 − x must equal the plain f64 expression bit for bit: −x + 0.01 is exact.
        let g = Graph::new();
        let x = g.scalar(0.75136506955231571);
        let y = 0.01 - x;
        y.backward();
        assert_eq!(y.item(), 0.01 - 0.75136506955231571);
        assert_eq!(x.grad().item(), -1.0);
    }
}
