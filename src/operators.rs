//! `+ - * /` and unary `-` on [`Var`]: between two `Var`s (broadcasting), and between a `Var`
//! and a plain `f32`/`f64` on either side. The mixed forms are written out for each float
//! type (not generically) so that literals infer: `0.01 - out` compiles on an `f64` tape.
//!
//! A constant on either side of `+`, `-` and `*` becomes a parameter of one `shift` or `scale`
//! node, not a node of its own. Division by a constant keeps the constant as a leaf, so that
//! `x / 3.0` rounds exactly like the plain expression.
//!
//! The compound assignments `+= -= *= /=` and `Iterator::sum` are documented on their
//! impls (the `Sum` impl for `Var` shows both).

use crate::float::Float;
use crate::graph::Var;
use crate::ops;
use crate::tensor::Tensor;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

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

/// `x op= rhs` as `x = x op rhs`, for every right-hand side that `op` takes.
macro_rules! assign {
    ($trait:ident, $method:ident, $op:tt, $rhs:ty, $($gen:tt)*) => {
        impl<$($gen)*> $trait<$rhs> for Var<'g, T> {
            #[track_caller]
            #[inline]
            fn $method(&mut self, rhs: $rhs) {
                *self = *self $op rhs;
            }
        }
    };
}

assign!(AddAssign, add_assign, +, Var<'g, T>, 'g, T: Float);
assign!(SubAssign, sub_assign, -, Var<'g, T>, 'g, T: Float);
assign!(MulAssign, mul_assign, *, Var<'g, T>, 'g, T: Float);
assign!(DivAssign, div_assign, /, Var<'g, T>, 'g, T: Float);

/// The compound assignments `+= -= *= /=` record the same node as the plain operator and
/// rebind the handle (a `Var` is `Copy`; nothing on the tape changes in place), and
/// `Iterator::sum` adds `Var`s in order:
///
/// ```
/// use tapegrad::{Graph, Var};
/// let g = Graph::new();
/// let xs = g.scalars(&[1.0, 2.0, 3.0]);
/// let mut loss = xs.iter().map(|&x| x * x).sum::<Var>(); // 1 + 4 + 9
/// loss += 1.0;
/// loss *= xs[0];
/// loss.backward();
/// assert_eq!(loss.item(), 15.0);
/// assert_eq!(xs[0].grad().item(), 17.0); // ∂/∂x₀ (Σx² + 1)·x₀ = 2x₀² + Σx² + 1
/// ```
impl<'g, T: Float> Sum for Var<'g, T> {
    /// x₁ + x₂ + … + xₙ, added in order (broadcasting as `+` does).
    ///
    /// # Panics
    /// When the iterator is empty: an empty sum has no tape to put its 0 on. Start from a
    /// constant instead, `xs.fold(g.constant(Tensor::scalar(0.0)), |a, x| a + x)`.
    #[track_caller]
    fn sum<I: Iterator<Item = Self>>(mut iter: I) -> Self {
        let first = iter.next().unwrap_or_else(|| empty_sum());
        iter.fold(first, |acc, x| acc + x)
    }
}

impl<'a, 'g, T: Float> Sum<&'a Var<'g, T>> for Var<'g, T> {
    /// As the sum of owned `Var`s (they are `Copy`).
    ///
    /// # Panics
    /// When the iterator is empty.
    #[track_caller]
    fn sum<I: Iterator<Item = &'a Var<'g, T>>>(iter: I) -> Self {
        iter.copied().sum()
    }
}

#[cold]
#[track_caller]
fn empty_sum() -> ! {
    panic!(
        "sum of Vars: the iterator is empty, so there is no tape to put the 0 on \
         (fold from a constant instead: xs.fold(g.constant(Tensor::scalar(0.0)), |a, x| a + x))"
    )
}

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

/// `x op= c` for a plain constant c, as `x = x op c`.
macro_rules! assign_scalar {
    ($t:ty) => {
        impl<'g> AddAssign<$t> for Var<'g, $t> {
            #[track_caller]
            #[inline]
            fn add_assign(&mut self, c: $t) {
                *self = *self + c;
            }
        }
        impl<'g> SubAssign<$t> for Var<'g, $t> {
            #[track_caller]
            #[inline]
            fn sub_assign(&mut self, c: $t) {
                *self = *self - c;
            }
        }
        impl<'g> MulAssign<$t> for Var<'g, $t> {
            #[track_caller]
            #[inline]
            fn mul_assign(&mut self, c: $t) {
                *self = *self * c;
            }
        }
        impl<'g> DivAssign<$t> for Var<'g, $t> {
            #[track_caller]
            #[inline]
            fn div_assign(&mut self, c: $t) {
                *self = *self / c;
            }
        }
    };
}

assign_scalar!(f32);
assign_scalar!(f64);

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
    fn compound_assignment_records_the_plain_operator() {
        // Same values bit for bit as the spelled-out forms, on both widths.
        let g = Graph::new();
        let (a, b) = (g.scalar(0.3775), g.scalar(1.7));
        let mut x = a;
        x += b;
        x -= 0.25;
        x *= b;
        x /= 3.0;
        x -= a;
        x *= 2.0;
        x /= b;
        x += 0.5;
        let want = (((0.3775f64 + 1.7 - 0.25) * 1.7 / 3.0 - 0.3775) * 2.0) / 1.7 + 0.5;
        assert_eq!(x.item(), want);
        let g32 = Graph::<f32>::default();
        let mut y = g32.scalar(2.0);
        y *= 3.0;
        y += 1.0;
        assert_eq!(y.item(), 7.0f32);
    }

    #[test]
    fn sum_of_vars_adds_in_order_and_each_term_gets_gradient_one() {
        let g = Graph::new();
        let xs = g.scalars(&[0.1, 0.2, 0.3]);
        let by_value: crate::Var = xs.iter().map(|&x| x * 2.0).sum();
        let by_ref: crate::Var = xs.iter().sum();
        // Left to right, as f64 adds them: (0.1 + 0.2) + 0.3 = 0.6000000000000001.
        assert_eq!(by_ref.item(), (0.1 + 0.2) + 0.3);
        assert_eq!(by_value.item(), (0.2 + 0.4) + 0.6);
        (by_value + by_ref).backward();
        for x in &xs {
            assert_eq!(x.grad().item(), 3.0); // 2 from 2x, 1 from x
        }
    }

    #[test]
    #[should_panic(expected = "sum of Vars: the iterator is empty")]
    fn empty_sum_panics_with_the_fix() {
        let _: crate::Var = Vec::<crate::Var>::new().into_iter().sum();
    }

    #[test]
    #[should_panic(expected = "mul: inputs come from different graphs")]
    fn mixing_graphs_panics() {
        let (g1, g2) = (Graph::new(), Graph::new());
        let _ = g1.scalar(1.0) * g2.scalar(2.0);
    }
}
