//! The dot products behind the product-form metrics (L2, squared L2, cosine, correlation).
//!
//! Every value `x . y` is one fused multiply-add chain over the d coordinates, in order. Its
//! bits therefore depend on the two rows alone: not on the block it is computed in, the tile,
//! the thread, or the width of the machine's vectors (a fused multiply-add is exactly rounded
//! on every target, in SIMD or not). A block of distances can be cut any way, across tiles,
//! threads or chunks of rows held by other processes, and still give the bits of the whole.
//! A BLAS-style product does not promise this: its blocking, chosen from the block's shape,
//! changes the order of the sums.
//!
//! The speed comes from the usual register blocking, written with `pulp`'s portable SIMD:
//! six rows of `a` against a panel of two vectors of `b` rows, the panel packed so that one
//! coordinate of its rows is contiguous, each vector lane a separate chain.

use pulp::{Simd, WithSimd};

/// Rows of `a` computed together against one panel.
const ROWS: usize = 4;

/// Element types with a dot-product kernel.
pub(crate) trait Dots: Sized + Copy {
    /// `out[i * n + j] = sum_t a[i * d + t] * b[j * d + t]` for row-major `a` (m x d) and `b`
    /// (n x d), each sum a fused multiply-add chain over t in order.
    fn dots(m: usize, n: usize, d: usize, a: &[Self], b: &[Self], out: &mut [Self]);
}

macro_rules! dots_for {
    ($t:ty, $vector:ident, $splat:ident, $fma:ident, $lanes:ident) => {
        impl Dots for $t {
            fn dots(m: usize, n: usize, d: usize, a: &[$t], b: &[$t], out: &mut [$t]) {
                assert!(a.len() >= m * d && b.len() >= n * d && out.len() >= m * n, "buffers too small for the block");
                if m == 0 || n == 0 {
                    return;
                }
                struct Block<'a> {
                    m: usize,
                    n: usize,
                    d: usize,
                    a: &'a [$t],
                    b: &'a [$t],
                    out: &'a mut [$t],
                }
                impl WithSimd for Block<'_> {
                    type Output = ();

                    #[inline(always)]
                    fn with_simd<S: Simd>(self, simd: S) {
                        let Block { m, n, d, a, b, out } = self;
                        // x . y = y . x bit for bit (a fused multiply-add is commutative in its
                        // product), so the smaller side is packed into panels and the larger
                        // side's rows are broadcast against them.
                        if m < n {
                            // Computed as b . a into a scratch block, then transposed.
                            let mut swapped = vec![0.0; m * n];
                            panels::<S, true>(simd, n, m, d, b, a, &mut swapped, m);
                            for (r, values) in swapped.chunks_exact(m).enumerate() {
                                for (c, &v) in values.iter().enumerate() {
                                    out[c * n + r] = v;
                                }
                            }
                        } else {
                            panels::<S, true>(simd, m, n, d, a, b, out, n);
                        }
                    }
                }

                /// `rows` (count x d) against `packed` (count x d, packed by panels); the value
                /// of row r and packed row c goes to `out[r * stride + c]`, or with `ROWS_FIRST`
                /// false to `out[c * stride + r]`.
                #[inline(always)]
                #[allow(clippy::too_many_arguments)]
                fn panels<S: Simd, const ROWS_FIRST: bool>(
                    simd: S,
                    rows_count: usize,
                    packed_count: usize,
                    d: usize,
                    rows: &[$t],
                    packed_rows: &[$t],
                    out: &mut [$t],
                    stride: usize,
                ) {
                    let width = 2 * S::$lanes;
                    let zero = simd.$splat(0.0);
                    let mut panel: Vec<S::$vector> = vec![zero; 2 * d];
                    for start in (0..packed_count).step_by(width) {
                        let cols = width.min(packed_count - start);
                        {
                            let flat: &mut [$t] = bytemuck::cast_slice_mut(&mut panel);
                            if cols < width {
                                flat.fill(0.0);
                            }
                            for c in 0..cols {
                                let row = &packed_rows[(start + c) * d..(start + c + 1) * d];
                                for (slot, &v) in flat[c..].iter_mut().step_by(width).zip(row) {
                                    *slot = v;
                                }
                            }
                        }
                        for first in (0..rows_count).step_by(ROWS) {
                            let count = ROWS.min(rows_count - first);
                            let mut acc = [[zero; 2]; ROWS];
                            if count == ROWS {
                                let x: [&[$t]; ROWS] =
                                    std::array::from_fn(|r| &rows[(first + r) * d..(first + r + 1) * d]);
                                for (t, pair) in panel.chunks_exact(2).enumerate() {
                                    let (p0, p1) = (pair[0], pair[1]);
                                    for r in 0..ROWS {
                                        let v = simd.$splat(x[r][t]);
                                        acc[r][0] = simd.$fma(v, p0, acc[r][0]);
                                        acc[r][1] = simd.$fma(v, p1, acc[r][1]);
                                    }
                                }
                            } else {
                                for (r, slot) in acc.iter_mut().enumerate().take(count) {
                                    let x = &rows[(first + r) * d..(first + r + 1) * d];
                                    for (t, pair) in panel.chunks_exact(2).enumerate() {
                                        let v = simd.$splat(x[t]);
                                        slot[0] = simd.$fma(v, pair[0], slot[0]);
                                        slot[1] = simd.$fma(v, pair[1], slot[1]);
                                    }
                                }
                            }
                            for (r, pair) in acc.iter().enumerate().take(count) {
                                let values: &[$t] = bytemuck::cast_slice(pair);
                                if ROWS_FIRST {
                                    let at = (first + r) * stride + start;
                                    out[at..at + cols].copy_from_slice(&values[..cols]);
                                } else {
                                    for (c, &v) in values[..cols].iter().enumerate() {
                                        out[(start + c) * stride + first + r] = v;
                                    }
                                }
                            }
                        }
                    }
                }
                if d == 0 {
                    out[..m * n].fill(0.0);
                    return;
                }
                pulp::Arch::new().dispatch(Block { m, n, d, a, b, out });
            }
        }
    };
}

dots_for!(f32, f32s, splat_f32s, mul_add_f32s, F32_LANES);
dots_for!(f64, f64s, splat_f64s, mul_add_f64s, F64_LANES);

#[cfg(test)]
mod tests {
    use super::*;

    fn chain<T: Copy + Into<f64>>(x: &[T], y: &[T], fma: impl Fn(T, T, T) -> T, zero: T) -> T {
        x.iter().zip(y).fold(zero, |acc, (&a, &b)| fma(a, b, acc))
    }

    #[test]
    fn every_value_is_the_in_order_chain_of_its_two_rows() {
        let (m, n, d) = (13, 37, 29);
        let a: Vec<f32> = (0..m * d).map(|i| ((i * 7919) % 1000) as f32 / 997.0 - 0.5).collect();
        let b: Vec<f32> = (0..n * d).map(|i| ((i * 104729) % 1000) as f32 / 991.0 - 0.5).collect();
        let mut out = vec![0.0f32; m * n];
        f32::dots(m, n, d, &a, &b, &mut out);
        for i in 0..m {
            for j in 0..n {
                let want = chain(&a[i * d..(i + 1) * d], &b[j * d..(j + 1) * d], f32::mul_add, 0.0);
                assert_eq!(out[i * n + j].to_bits(), want.to_bits(), "({i}, {j})");
            }
        }
        // A sub-block, computed on its own, has the same bits.
        let mut one = vec![0.0f32; 3];
        f32::dots(1, 3, d, &a[5 * d..6 * d], &b[10 * d..13 * d], &mut one);
        assert_eq!(one, out[5 * n + 10..5 * n + 13].to_vec());
    }

    #[test]
    fn doubles_too() {
        let (m, n, d) = (7, 9, 5);
        let a: Vec<f64> = (0..m * d).map(|i| (i as f64).sin()).collect();
        let b: Vec<f64> = (0..n * d).map(|i| (i as f64).cos()).collect();
        let mut out = vec![0.0; m * n];
        f64::dots(m, n, d, &a, &b, &mut out);
        for i in 0..m {
            for j in 0..n {
                let want = chain(&a[i * d..(i + 1) * d], &b[j * d..(j + 1) * d], f64::mul_add, 0.0);
                assert_eq!(out[i * n + j].to_bits(), want.to_bits());
            }
        }
        let mut empty = vec![1.0; 6];
        f64::dots(2, 3, 0, &[], &[], &mut empty);
        assert_eq!(empty, vec![0.0; 6]);
    }
}
