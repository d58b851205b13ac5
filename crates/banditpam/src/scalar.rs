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

    /// `dst[i * n + j] = sum_p a[i * depth + p] * b[j * depth + p]` for row-major `a` (m x depth)
    /// and `b` (n x depth): the product A * B^T, single-threaded.
    fn gemm_abt(m: usize, n: usize, depth: usize, a: &[Self], b: &[Self], dst: &mut [Self]);
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

            fn gemm_abt(m: usize, n: usize, depth: usize, a: &[Self], b: &[Self], dst: &mut [Self]) {
                assert!(a.len() >= m * depth && b.len() >= n * depth && dst.len() >= m * n);
                if m == 0 || n == 0 {
                    return;
                }
                if depth == 0 {
                    dst[..m * n].fill(0.0);
                    return;
                }
                // SAFETY: the asserts above bound every access the strides below describe:
                // dst is m x n row-major, a is m x depth row-major, b^T is read as depth x n
                // with column stride `depth` (each column is a row of b).
                unsafe {
                    gemm::gemm(
                        m,
                        n,
                        depth,
                        dst.as_mut_ptr(),
                        1,
                        n as isize,
                        false,
                        a.as_ptr(),
                        1,
                        depth as isize,
                        b.as_ptr(),
                        depth as isize,
                        1,
                        0.0,
                        1.0,
                        false,
                        false,
                        false,
                        gemm::Parallelism::None,
                    );
                }
            }
        }
    };
}

impl_scalar!(f32);
impl_scalar!(f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_abt_matches_naive_product() {
        let (m, n, depth) = (5, 7, 13);
        let a: Vec<f64> = (0..m * depth).map(|v| (v as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..n * depth).map(|v| (v as f64 * 0.11).cos()).collect();
        let mut dst = vec![0.0; m * n];
        f64::gemm_abt(m, n, depth, &a, &b, &mut dst);
        for i in 0..m {
            for j in 0..n {
                let naive: f64 = (0..depth).map(|p| a[i * depth + p] * b[j * depth + p]).sum();
                assert!((dst[i * n + j] - naive).abs() < 1e-12);
            }
        }
    }
}
