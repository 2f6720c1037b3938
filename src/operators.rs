//! `+ - * /` and unary `-` on [`Var`]: between two `Var`s (broadcasting), and between a `Var`
//! and a plain `f32`/`f64` on either side. The mixed forms are written out for each float
//! type (not generically) so that literals infer: `0.01 - out` compiles on an `f64` tape.
//!
//! A constant on either side of `+`, `-` and `*` becomes a parameter of one `shift` or `scale`
//! node, not a node of its own. Division by a constant keeps the constant as a leaf, so that
//! `x / 3.0` rounds exactly like the plain expression.

use crate::float::Float;
use crate::graph::Var;
use crate::ops;
use crate::tensor::Tensor;
use std::ops::{Add, Div, Mul, Neg, Sub};

macro_rules! var_var {
    ($trait:ident, $method:ident, $op:expr) => {
        impl<'g, T: Float> $trait for Var<'g, T> {
            type Output = Var<'g, T>;
            #[track_caller]
            #[inline]
            fn $method(self, rhs: Self) -> Self {
                self.graph.push($op, &[self, rhs], &[])
            }
        }
    };
}

var_var!(Add, add, ops::Add);
var_var!(Sub, sub, ops::Sub);
var_var!(Mul, mul, ops::Mul);
var_var!(Div, div, ops::Div);

impl<'g, T: Float> Neg for Var<'g, T> {
    type Output = Var<'g, T>;
    /// −x, recorded as a scale by −1.
    #[track_caller]
    #[inline]
    fn neg(self) -> Self {
        self.graph.push(ops::Scale(-T::ONE), &[self], &[])
    }
}

macro_rules! var_scalar {
    ($t:ty) => {
        impl<'g> Add<$t> for Var<'g, $t> {
            type Output = Var<'g, $t>;
            #[track_caller]
            #[inline]
            fn add(self, c: $t) -> Self {
                self.graph.push(ops::Shift(c), &[self], &[])
            }
        }
        impl<'g> Add<Var<'g, $t>> for $t {
            type Output = Var<'g, $t>;
            #[track_caller]
            #[inline]
            fn add(self, x: Var<'g, $t>) -> Var<'g, $t> {
                x + self
            }
        }
        impl<'g> Sub<$t> for Var<'g, $t> {
            type Output = Var<'g, $t>;
            /// x − c, recorded as x + (−c), which IEEE rounds identically.
            #[track_caller]
            #[inline]
            fn sub(self, c: $t) -> Self {
                self.graph.push(ops::Shift(-c), &[self], &[])
            }
        }
        impl<'g> Sub<Var<'g, $t>> for $t {
            type Output = Var<'g, $t>;
            /// c − x, recorded as (−x) + c, which IEEE rounds identically.
            #[track_caller]
            #[inline]
            fn sub(self, x: Var<'g, $t>) -> Var<'g, $t> {
                -x + self
            }
        }
        impl<'g> Mul<$t> for Var<'g, $t> {
            type Output = Var<'g, $t>;
            #[track_caller]
            #[inline]
            fn mul(self, c: $t) -> Self {
                self.graph.push(ops::Scale(c), &[self], &[])
            }
        }
        impl<'g> Mul<Var<'g, $t>> for $t {
            type Output = Var<'g, $t>;
            #[track_caller]
            #[inline]
            fn mul(self, x: Var<'g, $t>) -> Var<'g, $t> {
                x * self
            }
        }
        impl<'g> Div<$t> for Var<'g, $t> {
            type Output = Var<'g, $t>;
            #[track_caller]
            #[inline]
            fn div(self, c: $t) -> Self {
                self / self.graph.constant(Tensor::scalar(c))
            }
        }
        impl<'g> Div<Var<'g, $t>> for $t {
            type Output = Var<'g, $t>;
            #[track_caller]
            #[inline]
            fn div(self, x: Var<'g, $t>) -> Var<'g, $t> {
                x.graph.constant(Tensor::scalar(self)) / x
            }
        }
    };
}

var_scalar!(f32);
var_scalar!(f64);

#[cfg(test)]
mod tests {
    use crate::Graph;

    #[test]
    fn mixed_operators_match_plain_arithmetic_bit_for_bit() {
        let g = Graph::new();
        let x0 = 0.3775f64;
        let x = g.scalar(x0);
        let cases = [
            ((x + 0.1).item(), x0 + 0.1),
            ((0.1 + x).item(), 0.1 + x0),
            ((x - 0.1).item(), x0 - 0.1),
            ((0.1 - x).item(), 0.1 - x0),
            ((x * 0.7).item(), x0 * 0.7),
            ((0.7 * x).item(), 0.7 * x0),
            ((x / 3.0).item(), x0 / 3.0),
            ((3.0 / x).item(), 3.0 / x0),
            ((-x).item(), -x0),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn f32_tape_literals_infer() {
        let g = Graph::<f32>::default();
        let x = g.scalar(2.0);
        let y = 1.0 - x / 4.0 + 2.0 * x;
        y.backward();
        assert_eq!((y.item(), x.grad().item()), (4.5f32, 1.75f32));
    }

    #[test]
    #[should_panic(expected = "mul: inputs come from different graphs")]
    fn mixing_graphs_panics() {
        let (g1, g2) = (Graph::new(), Graph::new());
        let _ = g1.scalar(1.0) * g2.scalar(2.0);
    }
}
