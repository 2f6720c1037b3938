//! x + c for a constant c. d/dx = 1. Records `x + 1.0`, `1.0 + x`, `x - 1.0` and, after a
//! negation, `1.0 - x`.

use crate::backward::{Chain, Tangent};
use crate::dot::num;
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// x + c for a constant c, as one node (what `x + c` records on a concrete tape; this
    /// form serves code generic over the float type). d/dx = 1.
    #[track_caller]
    #[inline]
    pub fn shift(self, c: T) -> Self {
        self.graph.push(Shift(c), &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T, c: T) -> T {
    x + c
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shift<T>(pub(crate) T);

impl<T: Float> Primitive<T> for Shift<T> {
    const NAME: &'static str = "shift";

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
        let g = c.upstream();
        c.send(0, g);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ
        let Some(t) = c.tangent(0) else { return };
        c.emit(t);
    }

    fn label(self) -> String {
        if self.0 < T::ZERO {
            format!("shift {}", num(self.0.to_f64()))
        } else {
            format!("shift +{}", num(self.0.to_f64()))
        }
    }
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
