//! A stop-gradient: the value passes through, and no gradient flows back.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The same value, treated as a constant: no gradient flows back through it. Used, for
    /// example, to subtract the row maximum in softmax.
    ///
    /// ```
    /// let g = tapegrad::Graph::new();
    /// let x = g.scalar(3.0);
    /// let y = x * x.detach(); // d/dx = x (the detached factor counts as a constant)
    /// y.backward();
    /// assert_eq!(x.grad().item(), 3.0);
    /// ```
    #[track_caller]
    pub fn detach(self) -> Self {
        self.graph.push(Detach, &[self], &[])
    }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Detach;

impl<T: Float> Primitive<T> for Detach {
    const NAME: &'static str = "detach";

    #[inline(always)]
    fn scalar(self, x: T, _: T) -> Option<T> {
        Some(x)
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let x = x[0];
        x.clone()
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

    #[test]
    fn detach_blocks_the_gradient_at_every_rank() {
        // f = x·c where c = detach(x) is held constant by the finite difference too:
        // compare against x·x0 by recomputing c outside the graph.
        for (k, shape) in RANKS.iter().enumerate() {
            let x0 = draw(shape, -1.0, 1.0, k as u64);
            let c0 = x0.clone();
            check(move |g, v| v[0] * g.constant(c0.clone()), &[x0.clone()]);
            let g = crate::Graph::new();
            let x = g.tensor(x0.clone());
            (x * x.detach()).sum().backward();
            assert_eq!(x.grad(), x0);
        }
    }
}
