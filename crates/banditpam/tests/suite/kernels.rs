//! The block kernels against a naive per-pair loop in f64, for every metric, f32 and f64,
//! random shapes (odd dimensions included) and random candidate / reference lists.

use banditpam::{DenseData, Dissimilarity, Metric, Scalar};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const METRICS: [Metric; 7] =
    [Metric::L2, Metric::SquaredL2, Metric::L1, Metric::Lp(3.0), Metric::LInf, Metric::Cosine, Metric::Correlation];

/// Largest relative error of the block against the direct formula, over a random block.
fn worst_relative_error<T: Scalar>(values: &[T], n: usize, d: usize, metric: Metric, rng: &mut ChaCha8Rng) -> f64 {
    let data = DenseData::new(values, n, d, metric).unwrap();
    let cands: Vec<usize> = (0..rng.random_range(1..40)).map(|_| rng.random_range(0..n)).collect();
    let refs: Vec<usize> = (0..rng.random_range(1..600)).map(|_| rng.random_range(0..n)).collect();
    let mut out = vec![f64::NAN; cands.len() * refs.len()];
    data.block(&cands, &refs, &mut out).unwrap();
    let row = |i: usize| &values[i * d..(i + 1) * d];
    let mut worst = 0.0f64;
    for (a, &c) in cands.iter().enumerate() {
        for (b, &r) in refs.iter().enumerate() {
            let got = out[a * refs.len() + b];
            let want = metric.distance(row(c), row(r));
            assert!(got.is_finite() && got >= 0.0, "{metric} gave {got}");
            // Relative to the pair's scale, so that exact zeros compare absolutely.
            let scale = want.max(match metric {
                Metric::Cosine | Metric::Correlation => 1e-3,
                _ => 1e-6,
            });
            worst = worst.max((got - want).abs() / scale);
        }
    }
    worst
}

fn random_values<T: Scalar>(n: usize, d: usize, rng: &mut ChaCha8Rng, offset: f64) -> Vec<T> {
    (0..n * d).map(|_| T::from_f64(offset + rng.random::<f64>() * 2.0 - 1.0)).collect()
}

/// Random shapes (odd dimensions included), centred and shifted, for every metric.
fn check_random_shapes<T: Scalar>(seed: u64, tolerance: f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for metric in METRICS {
        for &(n, d) in &[(1, 1), (7, 3), (50, 17), (300, 64), (200, 785)] {
            for offset in [0.0, 5.0] {
                let values = random_values::<T>(n, d, &mut rng, offset);
                let err = worst_relative_error(&values, n, d, metric, &mut rng);
                let what = std::any::type_name::<T>();
                assert!(err < tolerance, "{metric} {what} n={n} d={d} offset={offset}: relative error {err:e}");
            }
        }
    }
}

#[test]
fn f64_blocks_match_the_direct_formula() {
    check_random_shapes::<f64>(1, 1e-9);
}

#[test]
fn f32_blocks_match_the_direct_formula() {
    check_random_shapes::<f32>(2, 2e-6);
}

#[test]
fn f32_blocks_on_mnist_match_the_direct_formula() {
    // Real data: non-negative pixels, many near-duplicate digits (where cancellation bites).
    let values = crate::common::mnist_test(1000);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for metric in METRICS {
        let err = worst_relative_error(&values, 1000, 784, metric, &mut rng);
        assert!(err < 2e-6, "{metric} MNIST f32: relative error {err:e}");
    }
}

#[test]
fn identical_rows_are_at_distance_zero() {
    let values = vec![0.3f32; 5 * 9];
    for metric in METRICS {
        let data = DenseData::new(&values, 5, 9, metric).unwrap();
        let mut out = vec![1.0; 25];
        data.block(&[0, 1, 2, 3, 4], &[0, 1, 2, 3, 4], &mut out).unwrap();
        assert!(out.iter().all(|&v| v.abs() < 1e-6), "{metric}: {out:?}");
    }
}

#[test]
fn cross_distances_match_the_direct_formula_and_do_not_depend_on_batching() {
    use banditpam::data::cross_distances;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (m, k, d) = (2500, 7, 13);
    let points: Vec<f64> = random_values(m, d, &mut rng, 3.0);
    let centers: Vec<f64> = random_values(k, d, &mut rng, 3.0);
    for metric in METRICS {
        let all = cross_distances(&points, &centers, d, metric, Some(2)).unwrap();
        for i in (0..m).step_by(97) {
            let point = &points[i * d..(i + 1) * d];
            let alone = cross_distances(point, &centers, d, metric, Some(1)).unwrap();
            // The product kernels may take another code path for one row: equal up to rounding.
            for (a, b) in alone.iter().zip(&all[i * k..(i + 1) * k]) {
                assert!((a - b).abs() <= 1e-12 * a.max(1.0), "{metric}: point {i} alone {a} vs in a batch {b}");
            }
            for j in 0..k {
                let want = metric.distance(&centers[j * d..(j + 1) * d], point);
                assert!((all[i * k + j] - want).abs() <= 1e-9 * want.max(1.0), "{metric} ({i}, {j})");
            }
        }
    }
    let e = cross_distances(&points[..5], &centers, d, Metric::L2, None).unwrap_err();
    assert!(matches!(e, banditpam::Error::ShapeMismatch { .. }), "{e:?}");
}
