//! clamp_max(x, hi) = min(x, hi) for a constant bound. Its gradient is G where x < hi and 0
//! elsewhere: 0 at the bound itself, as PyTorch 2.15 gives (measured). The mask is
//! step(hi − x), which is 0 at NaN.

use crate::backward::{Chain, Tangent};
use crate::dot::num;
use crate::float::Float;
use crate::graph::Var;
use crate::ops::clamp_min::{nan_bound, positive};
use crate::ops::{Masked, Primitive};
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// min(x, hi) elementwise for a constant `hi` (NaN stays NaN). The gradient is 1 where
    /// x < hi, and 0 elsewhere, at the bound too (as PyTorch). See
    /// [`clamp`](Var::clamp) for both bounds at once.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-1.0, 0.0, 1.0], &[3]).unwrap());
    /// let y = x.clamp_max(0.0);
    /// y.sum().backward();
    /// assert_eq!(x.grad().data(), &[1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// When `hi` is NaN.
    #[track_caller]
    #[inline]
    pub fn clamp_max(self, hi: T) -> Self {
        if hi.is_nan() {
            nan_bound("clamp_max", "hi");
        }
        self.graph.push(ClampMax(hi), &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly); NaN stays NaN.
#[inline]
pub(crate) fn at<T: Float>(x: T, hi: T) -> T {
    if x > hi { hi } else { x }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClampMax<T>(pub(crate) T);

impl<T: Float> Primitive<T> for ClampMax<T> {
    const NAME: &'static str = "clamp_max";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(at(x, self.0))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let hi = self.0;
        x[0].map(|v| at(v, hi))
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (g, x) = (c.upstream(), c.input(0));
        // 1 where x < hi strictly: 0 at the bound itself, as PyTorch; 0 at NaN.
        let minus_x = c.neg(x);
        let below = c.shift(minus_x, self.0);
        let inside = positive(c, below);
        let gx = c.apply(Masked.into(), &[g, inside], &[]);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ where the mask of the backward rule is 1
        let Some(t) = c.tangent(0) else { return };
        let x = c.input(0);
        // 1 where x < hi strictly: 0 at the bound itself, as PyTorch; 0 at NaN.
        let minus_x = c.neg(x);
        let below = c.shift(minus_x, self.0);
        let inside = positive(c, below);
        let t = c.apply(Masked.into(), &[t, inside], &[]);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("clamp_max {}", num(self.0.to_f64()))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{RANKS, check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn clamp_max_grad_matches_finite_difference() {
        for (k, shape) in RANKS.iter().enumerate() {
            check(
                |_, v| v[0].clamp_max(-0.3) * v[0],
                &[draw(shape, -2.0, 2.0, k as u64)],
            );
        }
    }

    #[test]
    fn clamp_max_literal_at_the_bound_and_at_nan() {
        // clamp_max(x, 1) at x = 0.5, 1, 2, NaN: values 0.5, 1, 1, NaN and gradients 1, 0 (at
        // the bound, as PyTorch), 0, 0 (step(1 − NaN) = 0).
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![0.5, 1.0, 2.0, f64::NAN], &[4]).unwrap());
        let y = x.clamp_max(1.0);
        y.sum().backward();
        assert_eq!(&y.value().data()[..3], &[0.5, 1.0, 1.0]);
        assert!(y.value().data()[3].is_nan());
        assert_eq!(x.grad().data(), &[1.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "clamp_max: the bound hi is NaN")]
    fn clamp_max_panics_on_a_nan_bound() {
        let g = Graph::new();
        let _ = g.scalar(1.0).clamp_max(f64::NAN);
    }
}
