//! The element types a tape can hold: `f32` and `f64`.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// The seal: a public trait in a private module, so no crate but this one can name it, and
/// so none can implement [`Float`], whose supertrait it is.
mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type for [`Tensor`](crate::Tensor) and [`Graph`](crate::Graph).
///
/// Implemented for `f32` and `f64` only, and sealed: other crates cannot implement it, so
/// the kernels may rely on IEEE binary32/binary64 semantics (the pool, the files and the
/// accuracy figures all assume one of the two), and adding a method is not a breaking
/// change. The methods are the IEEE functions the primitives need, so that every kernel is
/// written once for both widths.
///
/// ```compile_fail,E0277
/// // A type outside this crate cannot be a `Float`, whatever else it implements: the
/// // private supertrait `Sealed` cannot be named, so it cannot be implemented.
/// struct Half;
/// impl tapegrad::Float for Half {}
/// ```
pub trait Float:
    sealed::Sealed
    + Copy
    + Debug
    + Display
    + Default
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + Sum
    + ndarray::LinalgScalar
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// The dtype name used in files and messages: `"f32"` or `"f64"`.
    const NAME: &'static str;
    /// Converts from `f64`, rounding to nearest.
    fn from_f64(x: f64) -> Self;
    /// Converts to `f64` (exact).
    fn to_f64(self) -> f64;
    /// From a count, for means.
    fn from_usize(n: usize) -> Self {
        Self::from_f64(n as f64)
    }
    /// eˣ.
    fn exp(self) -> Self;
    /// ln x.
    fn ln(self) -> Self;
    /// ln(1 + x), accurate for small x.
    fn ln_1p(self) -> Self;
    /// tanh x.
    fn tanh(self) -> Self;
    /// √x.
    fn sqrt(self) -> Self;
    /// |x|.
    fn abs(self) -> Self;
    /// xⁿ.
    fn powi(self, n: i32) -> Self;
    /// xᵖ.
    fn powf(self, p: Self) -> Self;
    /// sign x ∈ {−1, 0, 1}, with sign(±0) = 0 and sign(NaN) = NaN.
    fn sign(self) -> Self;
    /// Whether x is NaN.
    fn is_nan(self) -> bool;
    /// Whether x is neither infinite nor NaN.
    fn is_finite(self) -> bool;
}

macro_rules! impl_float {
    ($t:ty, $name:expr) => {
        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NAME: &'static str = $name;
            #[inline]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline]
            fn ln_1p(self) -> Self {
                <$t>::ln_1p(self)
            }
            #[inline]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline]
            fn powi(self, n: i32) -> Self {
                <$t>::powi(self, n)
            }
            #[inline]
            fn powf(self, p: Self) -> Self {
                <$t>::powf(self, p)
            }
            #[inline]
            fn sign(self) -> Self {
                if self > 0.0 {
                    1.0
                } else if self < 0.0 {
                    -1.0
                } else {
                    // ±0 gives +0; NaN stays NaN.
                    self * 0.0 + 0.0
                }
            }
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
        }
    };
}

impl_float!(f32, "f32");
impl_float!(f64, "f64");
