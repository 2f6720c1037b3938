//! The comparisons gt, ge, lt, le and eq_mask: 1 where the relation holds and 0 where it does
//! not (also 0 wherever either side is NaN, as IEEE and PyTorch say), broadcasting. The result
//! is piecewise constant, so its gradient is 0: nothing flows back to either side.

use super::binary;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

/// Which relation a [`Compare`] node tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
}

impl Cmp {
    fn name(self) -> &'static str {
        match self {
            Cmp::Gt => "gt",
            Cmp::Ge => "ge",
            Cmp::Lt => "lt",
            Cmp::Le => "le",
            Cmp::Eq => "eq_mask",
        }
    }
}

impl<'g, T: Float> Var<'g, T> {
    /// 1 where x > other, else 0 (0 at NaN), broadcasting. A constant mask: its gradient is
    /// 0, so nothing flows back to either side. Use it with [`where_cond`](Var::where_cond)
    /// or [`masked`](Var::masked).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![-1.0, 0.0, 2.0, f64::NAN], &[4]).unwrap());
    /// let zero = g.scalar(0.0);
    /// assert_eq!(x.gt(zero).value().data(), &[0.0, 0.0, 1.0, 0.0]);
    /// assert_eq!(x.ge(zero).value().data(), &[0.0, 1.0, 1.0, 0.0]);
    /// assert_eq!(x.lt(zero).value().data(), &[1.0, 0.0, 0.0, 0.0]);
    /// assert_eq!(x.le(zero).value().data(), &[1.0, 1.0, 0.0, 0.0]);
    /// assert_eq!(x.eq_mask(zero).value().data(), &[0.0, 1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// When the shapes do not broadcast; the message names the comparison and both shapes.
    #[track_caller]
    #[inline]
    pub fn gt(self, other: Self) -> Self {
        self.graph.push(Compare(Cmp::Gt), &[self, other], &[])
    }

    /// 1 where x ≥ other, else 0 (0 at NaN), broadcasting; gradient 0. See [`gt`](Var::gt).
    ///
    /// # Panics
    /// When the shapes do not broadcast.
    #[track_caller]
    #[inline]
    pub fn ge(self, other: Self) -> Self {
        self.graph.push(Compare(Cmp::Ge), &[self, other], &[])
    }

    /// 1 where x < other, else 0 (0 at NaN), broadcasting; gradient 0. See [`gt`](Var::gt).
    ///
    /// # Panics
    /// When the shapes do not broadcast.
    #[track_caller]
    #[inline]
    pub fn lt(self, other: Self) -> Self {
        self.graph.push(Compare(Cmp::Lt), &[self, other], &[])
    }

    /// 1 where x ≤ other, else 0 (0 at NaN), broadcasting; gradient 0. See [`gt`](Var::gt).
    ///
    /// # Panics
    /// When the shapes do not broadcast.
    #[track_caller]
    #[inline]
    pub fn le(self, other: Self) -> Self {
        self.graph.push(Compare(Cmp::Le), &[self, other], &[])
    }

    /// 1 where x = other, else 0 (so 0 at NaN, and 1 for +0 against −0), broadcasting;
    /// gradient 0. Named `eq_mask` because `eq` is `PartialEq`'s. See [`gt`](Var::gt).
    ///
    /// # Panics
    /// When the shapes do not broadcast.
    #[track_caller]
    #[inline]
    pub fn eq_mask(self, other: Self) -> Self {
        self.graph.push(Compare(Cmp::Eq), &[self, other], &[])
    }
}

/// The kernel on one pair of elements (the scalar fast path calls it directly).
#[inline]
pub(crate) fn at<T: Float>(kind: Cmp, x: T, y: T) -> T {
    let holds = match kind {
        Cmp::Gt => x > y,
        Cmp::Ge => x >= y,
        Cmp::Lt => x < y,
        Cmp::Le => x <= y,
        Cmp::Eq => x == y,
    };
    if holds { T::ONE } else { T::ZERO }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Compare(pub(crate) Cmp);

impl<T: Float> Primitive<T> for Compare {
    const NAME: &'static str = "compare";

    #[inline(always)]
    fn scalar(self, x: T, y: T) -> Option<T> {
        Some(at(self.0, x, y))
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let kind = self.0;
        binary(kind.name(), x[0], x[1], |a, b| at(kind, a, b))
    }

    /// Piecewise constant: nothing flows back.
    #[inline(always)]
    fn backward(self, _: &mut impl Chain<T>) {}

    /// Piecewise constant: the tangent is 0.
    #[inline(always)]
    fn tangent(self, _: &mut impl Tangent<T>) {}

    fn label(self) -> String {
        self.0.name().to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::check_binary;
    use crate::{Graph, Tensor};

    #[test]
    fn comparisons_have_zero_grad_and_match_finite_difference() {
        // a·gt(a, b) + b·le(a, b) = max(a, b) away from ties: its gradient is the mask, so the
        // differences check that the comparisons themselves send nothing back.
        check_binary(
            |_, v| v[0] * v[0].gt(v[1]) + v[1] * v[0].le(v[1]),
            -2.0,
            2.0,
        );
        check_binary(
            |_, v| v[0] * v[0].ge(v[1]) + v[1] * v[0].lt(v[1]),
            -2.0,
            2.0,
        );
        check_binary(|_, v| v[0] * (v[0].eq_mask(v[1]) + 2.0), -2.0, 2.0);
    }

    #[test]
    fn comparisons_literal_with_broadcasting() {
        // x [2,1] = [1, 3] against y [3] = [1, 2, 3]: gt is [[0,0,0],[1,1,0]], eq_mask
        // [[1,0,0],[0,0,1]]; the gradient of Σ x·gt(x, y) is Σ_j gt = [0, 2].
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 3.0], &[2, 1]).unwrap());
        let y = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap());
        assert_eq!(x.gt(y).value().data(), &[0.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
        assert_eq!(x.eq_mask(y).value().data(), &[1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        (x * x.gt(y)).sum().backward();
        assert_eq!(x.grad().data(), &[0.0, 2.0]);
        assert_eq!(y.grad().data(), &[0.0, 0.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "ge: shapes [2] and [3] do not broadcast")]
    fn comparison_panics_naming_itself_on_shapes_that_do_not_broadcast() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
        let y = g.tensor(Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3]).unwrap());
        let _ = x.ge(y);
    }
}
