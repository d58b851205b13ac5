//! The element types of dense data: `f32` and `f64`.

use std::ops::{Add, Mul, Sub};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type of dense data (`f32` or `f64`).
///
/// Sealed: the kernels are written and tested for these two types only.
pub trait Scalar:
    Copy
    + Send
    + Sync
    + Default
    + PartialOrd
    + std::fmt::Debug
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + 'static
    + sealed::Sealed
{
    /// Widen (or keep) to `f64`.
    fn to_f64(self) -> f64;
    /// Round an `f64` to this type.
    fn from_f64(value: f64) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// The larger of two values.
    fn max(self, other: Self) -> Self;
    /// Zero.
    const ZERO: Self;
    /// Machine epsilon of the type, as `f64`.
    const EPSILON: f64;

    /// `out[i * n + j] = sum_t a[i * depth + t] * b[j * depth + t]` for row-major `a`
    /// (m x depth) and `b` (n x depth), each value a fused multiply-add chain over t in order,
    /// so that it depends on its two rows only (see the product kernels).
    fn dots(m: usize, n: usize, depth: usize, a: &[Self], b: &[Self], out: &mut [Self]);
}

macro_rules! impl_scalar {
    ($t:ty) => {
        impl Scalar for $t {
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(value: f64) -> Self {
                value as $t
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            const ZERO: Self = 0.0;
            const EPSILON: f64 = <$t>::EPSILON as f64;

            fn dots(m: usize, n: usize, depth: usize, a: &[Self], b: &[Self], out: &mut [Self]) {
                <$t as crate::kernels::Dots>::dots(m, n, depth, a, b, out)
            }
        }
    };
}

impl_scalar!(f32);
impl_scalar!(f64);

/// A power of two, 2^e, held as two factors whose product it is. Multiplying by one factor
/// and then the other is exact and finite for every exponent data can need: subnormal data
/// needs up to 2^1074, which is beyond `f64`'s range as one number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PowerOfTwo {
    low: f64,
    high: f64,
}

impl PowerOfTwo {
    /// 2^`exponent`, for |exponent| up to 2,046.
    pub(crate) fn new(exponent: i32) -> Self {
        let half = exponent / 2;
        PowerOfTwo { low: 2f64.powi(half), high: 2f64.powi(exponent - half) }
    }

    /// The power of two that brings `largest` (the largest absolute value of the rows) into
    /// [1, 2); 1 for zero or non-finite `largest`.
    pub(crate) fn unit(largest: f64) -> Self {
        PowerOfTwo::new(-binary_exponent(largest).unwrap_or(0))
    }

    /// `value x 2^e`.
    #[inline(always)]
    pub(crate) fn times(self, value: f64) -> f64 {
        value * self.low * self.high
    }

    /// `value / 2^e`.
    #[inline(always)]
    pub(crate) fn divide(self, value: f64) -> f64 {
        value / self.low / self.high
    }
}

/// The exponent e with 2^e <= |x| < 2^(e + 1) (floor of log2); None for zero and
/// non-finite x, which have none.
pub(crate) fn binary_exponent(x: f64) -> Option<i32> {
    (x != 0.0 && x.is_finite()).then(|| x.abs().log2().floor() as i32)
}
