//! xᵖ for a real constant p. d/dx xᵖ = p·xᵖ⁻¹, and exactly 0 for p = 0.

use crate::backward::{Chain, Tangent};
use crate::dot::num;
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// xᵖ elementwise for a real constant p. d/dx xᵖ = p·xᵖ⁻¹. Negative x with a
    /// non-integer p gives NaN, as IEEE says.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(4.0);
    /// x.powf(1.5).backward();
    /// assert_eq!(x.grad().item(), 3.0); // 1.5·4^0.5
    /// ```
    #[track_caller]
    #[inline]
    pub fn powf(self, p: T) -> Self {
        self.graph.push(PowF(p), &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T, p: T) -> T {
    x.powf(p)
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PowF<T>(pub(crate) T);

impl<T: Float> Primitive<T> for PowF<T> {
    const NAME: &'static str = "powf";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(at(x, self.0))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (x, p) = (x[0], self.0);
        x.map(|v| at(v, p))
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let p = self.0;
        if p == T::ZERO {
            return; // x⁰ is constant.
        }
        let (g, x) = (c.upstream(), c.input(0));
        let q = c.powf(x, p - T::ONE);
        let pq = c.scale(q, p);
        let gx = c.mul(g, pq);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = p·xᵖ⁻¹·ẋ, and zero for p = 0
        let p = self.0;
        let Some(t) = c.tangent(0) else { return };
        if p == T::ZERO {
            return;
        }
        let x = c.input(0);
        let q = c.powf(x, p - T::ONE);
        let pq = c.scale(q, p);
        let t = c.mul(t, pq);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("powf {}", num(self.0.to_f64()))
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::check_unary;

    #[test]
    fn powf_grad_matches_finite_difference() {
        for p in [-1.5, 0.5, 2.7] {
            check_unary(move |_, v| v[0].powf(p), 0.3, 2.0);
        }
    }

    #[test]
    fn powf_zero_exponent_has_zero_grad() {
        let g = Graph::new();
        let x = g.scalar(0.0);
        let y = x.powf(0.0);
        y.backward();
        assert_eq!((y.item(), x.grad().item()), (1.0, 0.0));
    }
}
