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

/// `value * 2^exponent`, exactly where the result is a normal number: as two factors, each
/// within `f64`'s range (the exponent of subnormal data exceeds it).
#[inline]
pub(crate) fn scaled(value: f64, exponent: i32) -> f64 {
    let half = exponent / 2;
    value * 2f64.powi(half) * 2f64.powi(exponent - half)
}
