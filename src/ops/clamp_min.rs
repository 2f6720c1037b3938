//! clamp_min(x, lo) = max(x, lo) for a constant bound. Its gradient is G where x > lo and 0
//! elsewhere: 0 at the bound itself, as PyTorch 2.15 gives (measured: clamp(0, 1) at 0 and
//! at 1). The mask is step(x − lo), which is 0 at NaN.

use crate::backward::{Chain, Tangent};
use crate::dot::num;
use crate::float::Float;
use crate::graph::Var;
use crate::ops::compare::{Cmp, Compare};
use crate::ops::{Masked, Primitive, Step};
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// max(x, lo) elementwise for a constant `lo` (NaN stays NaN). The gradient is 1 where
    /// x > lo, and 0 elsewhere, at the bound too (as PyTorch). See
    /// [`clamp`](Var::clamp) for both bounds at once.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-1.0, 0.0, 1.0], &[3]).unwrap());
    /// let y = x.clamp_min(0.0);
    /// y.sum().backward();
    /// assert_eq!(x.grad().data(), &[0.0, 0.0, 1.0]);
    /// ```
    ///
    /// # Panics
    /// When `lo` is NaN.
    #[track_caller]
    #[inline]
    pub fn clamp_min(self, lo: T) -> Self {
        if lo.is_nan() {
            nan_bound("clamp_min", "lo");
        }
        self.graph.push(ClampMin(lo), &[self], &[])
    }
}

/// The mask [d > 0]: 1 where d is positive, 0 where it is not or is NaN (step keeps a NaN,
/// and a NaN mask would let the gradient through).
pub(crate) fn positive<T: Float, C: crate::backward::Rules<T>>(c: &mut C, d: C::H) -> C::H {
    let s = c.apply(Step.into(), &[d], &[]);
    let is_number = c.apply(Compare(Cmp::Eq).into(), &[s, s], &[]);
    c.apply(Masked.into(), &[s, is_number], &[])
}

/// Panics for a NaN bound, naming the op the user called.
#[cold]
#[track_caller]
pub(crate) fn nan_bound(op: &str, name: &str) -> ! {
    panic!("{op}: the bound {name} is NaN; a clamp needs a number (±∞ for no bound)")
}

/// The kernel on one element (the scalar fast path calls it directly); NaN stays NaN.
#[inline]
pub(crate) fn at<T: Float>(x: T, lo: T) -> T {
    if x < lo { lo } else { x }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClampMin<T>(pub(crate) T);

impl<T: Float> Primitive<T> for ClampMin<T> {
    const NAME: &'static str = "clamp_min";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(at(x, self.0))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let lo = self.0;
        x[0].map(|v| at(v, lo))
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (g, x) = (c.upstream(), c.input(0));
        // 1 where x > lo strictly: 0 at the bound itself, as PyTorch; 0 at NaN.
        let above = c.shift(x, -self.0);
        let inside = positive(c, above);
        let gx = c.apply(Masked.into(), &[g, inside], &[]);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ where the mask of the backward rule is 1
        let Some(t) = c.tangent(0) else { return };
        let x = c.input(0);
        // 1 where x > lo strictly: 0 at the bound itself, as PyTorch; 0 at NaN.
        let above = c.shift(x, -self.0);
        let inside = positive(c, above);
        let t = c.apply(Masked.into(), &[t, inside], &[]);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("clamp_min {}", num(self.0.to_f64()))
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::ops::testing::{RANKS, check, draw};

    #[test]
    fn clamp_min_grad_matches_finite_difference() {
        // Drawn values never sit on the bound 0.1.
        for (k, shape) in RANKS.iter().enumerate() {
            check(
                |_, v| v[0].clamp_min(0.1) * v[0],
                &[draw(shape, -2.0, 2.0, k as u64)],
            );
        }
    }

    #[test]
    fn clamp_min_literal_at_the_bound_and_at_infinite_bounds() {
        // clamp_min(x, 1) at x = 0.5, 1, 2: values 1, 1, 2 and gradients 0, 0 (at the bound,
        // as PyTorch), 1. At x = lo = −∞ the gradient is 0 too (x > lo is false).
        let g = Graph::new();
        for (x0, lo, y0, d) in [
            (0.5, 1.0, 1.0, 0.0),
            (1.0, 1.0, 1.0, 0.0),
            (2.0, 1.0, 2.0, 1.0),
            (f64::NEG_INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY, 0.0),
            (-5.0, f64::NEG_INFINITY, -5.0, 1.0),
            (3.0, f64::INFINITY, f64::INFINITY, 0.0),
        ] {
            let x = g.scalar(x0);
            let y = x.clamp_min(lo);
            y.backward();
            assert_eq!(
                (y.item(), x.grad().item()),
                (y0, d),
                "at x = {x0}, lo = {lo}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "clamp_min: the bound lo is NaN")]
    fn clamp_min_panics_on_a_nan_bound() {
        let g = Graph::new();
        let _ = g.scalar(1.0).clamp_min(f64::NAN);
    }
}
