//! step x ∈ {0, 1}: the unit (Heaviside) step, 1 for x > 0 and 0 for x ≤ 0. Piecewise
//! constant, so its gradient is 0 everywhere (by convention also at 0, where it jumps). The
//! mask behind relu(x) = x · step(x), whose derivative is then exactly step(x).

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The unit step elementwise: 1 for x > 0, 0 for x ≤ 0 (step(0) = 0, step(NaN) = NaN).
    /// Its gradient is 0 everywhere: nothing flows back through it. A mask, for example
    /// `relu(x) = x · step(x)`.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-2.0, 0.0, 3.0], &[3]).unwrap());
    /// let y = x.step();
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[0.0, 0.0, 1.0]);
    /// assert_eq!(x.grad().data(), &[0.0, 0.0, 0.0]);
    /// ```
    #[track_caller]
    #[inline]
    pub fn step(self) -> Self {
        self.graph.push(Step, &[self], &[])
    }
}

/// The kernel on one element (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(x: T) -> T {
    if x > T::ZERO {
        T::ONE
    } else if x <= T::ZERO {
        T::ZERO
    } else {
        x // NaN stays NaN
    }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step;

impl<T: Float> Primitive<T> for Step {
    const NAME: &'static str = "step";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(at(x))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let x = x[0];
        x.map(at)
    }

    /// Piecewise constant or a stop-gradient: nothing flows back.
    #[inline(always)]
    fn backward(self, _: &mut impl Chain<T>) {}

    /// Piecewise constant or a stop-gradient: the tangent is zero.
    #[inline(always)]
    fn tangent(self, _: &mut impl Tangent<T>) {}
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{RANKS, check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn step_grad_is_zero_and_matches_finite_difference() {
        // Away from 0, step is locally constant, so x·step(x) has derivative step(x); the
        // inputs straddle 0, so both sides of the jump are checked.
        for (k, shape) in RANKS.iter().enumerate() {
            let mut x = draw(shape, 0.2, 2.0, k as u64);
            for (i, v) in x.data_mut().iter_mut().enumerate() {
                if i % 2 == 0 {
                    *v = -*v;
                }
            }
            check(|_, v| v[0].step() * v[0], &[x]);
        }
    }

    #[test]
    fn step_values_and_zero_gradient_literal() {
        // By hand: step(−3) = 0, step(−0) = step(0) = 0, step(2) = 1; d/dx step = 0.
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![-3.0, -0.0, 0.0, 2.0], &[4]).unwrap());
        let y = x.step();
        (y * 5.0).sum().backward();
        assert_eq!(y.value().data(), &[0.0, 0.0, 0.0, 1.0]);
        assert_eq!(x.grad().data(), &[0.0; 4]);
        assert!(g.scalar(f64::NAN).step().item().is_nan());
    }

    #[test]
    fn step_broadcast_in_a_product_sums_back() {
        // y = Σ a[i]·step(b[j]) over a [2,1] × [3] grid: dy/da[i] = Σ_j step(b[j]) = 2.
        let g = Graph::new();
        let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2, 1]).unwrap());
        let b = g.tensor(Tensor::from_vec(vec![-1.0, 0.5, 4.0], &[3]).unwrap());
        (a * b.step()).sum().backward();
        assert_eq!(a.grad().data(), &[2.0, 2.0]);
        assert_eq!(b.grad().data(), &[0.0; 3]);
    }
}
