//! The edges of floating point, swept over every metric x method, dense and sparse, `f32` and
//! `f64`, with and without weights. Each fit is compared with the fit of the same data scaled
//! into [0, 1) by a power of two (exact, so the two hold the same information): the medoids are
//! equal, or the loss of the medoids found, on the scaled data, is within 1e-9 of the scaled
//! fit's. Otherwise the fit must end in one of the typed errors that name a range problem.
//! Any panic fails the test.

use banditpam::{Algorithm, DenseData, Dissimilarity, Error, KMedoids, Metric, SparseData};

use crate::common::{brute_loss, uniform};

const N: usize = 36;
const D: usize = 3;
const K: usize = 3;

const METRICS: [Metric; 7] =
    [Metric::L1, Metric::L2, Metric::SquaredL2, Metric::LInf, Metric::Lp(3.0), Metric::Cosine, Metric::Correlation];

/// The magnitudes of the sweep, and rows of two magnitudes at once (every other row).
#[derive(Debug, Clone, Copy)]
enum Magnitude {
    Uniform(f64),
    Mixed(f64, f64),
}

const F64_MAGNITUDES: [Magnitude; 7] = [
    Magnitude::Uniform(1e-310),
    Magnitude::Uniform(1e-300),
    Magnitude::Uniform(1e154),
    Magnitude::Uniform(1e200),
    Magnitude::Uniform(1e308),
    Magnitude::Mixed(1e-300, 1e300),
    Magnitude::Mixed(1e-200, 1.0),
];

const F32_MAGNITUDES: [Magnitude; 4] =
    [Magnitude::Uniform(1e-44), Magnitude::Uniform(1e-30), Magnitude::Uniform(1e37), Magnitude::Mixed(1e-30, 1e30)];

/// Centred uniform rows (mixed signs, so correlation and cosine see real angles) at `magnitude`.
fn rows(magnitude: Magnitude, seed: u64) -> Vec<f64> {
    let base: Vec<f64> = uniform(N, D, seed).iter().map(|v| v - 0.4).collect();
    base.chunks_exact(D)
        .enumerate()
        .flat_map(|(i, row)| {
            let scale = match magnitude {
                Magnitude::Uniform(s) => s,
                Magnitude::Mixed(even, odd) => {
                    if i % 2 == 0 {
                        even
                    } else {
                        odd
                    }
                }
            };
            row.iter().map(move |v| v * scale).collect::<Vec<_>>()
        })
        .collect()
}

/// `values` times the power of two that brings the largest absolute value into [0.5, 1): exact.
fn into_unit(values: &[f64]) -> Vec<f64> {
    let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if largest == 0.0 {
        return values.to_vec();
    }
    let exponent = -(largest.log2().floor() as i32) - 1;
    let half = exponent / 2;
    values.iter().map(|v| v * 2f64.powi(half) * 2f64.powi(exponent - half)).collect()
}

/// The copy of `values` in [0, 1) that `metric` sees as the same data: one power of two for
/// the whole set, or, for cosine and correlation (which do not see a row's scale), one per
/// row, so that rows of 1e-300 beside rows of 1e300 keep their directions.
fn unit_copy(values: &[f64], metric: Metric) -> Vec<f64> {
    match metric {
        Metric::Cosine | Metric::Correlation => values.chunks_exact(D).flat_map(into_unit).collect(),
        _ => into_unit(values),
    }
}

/// Errors that say the data or weights are beyond what `f64` can sum or square: a clear refusal.
fn is_range_error(error: &Error) -> bool {
    matches!(
        error,
        Error::NonFiniteDissimilarity { .. }
            | Error::SquaresUnderflow { .. }
            | Error::LossOverflow { .. }
            | Error::InvalidParameter { name: "weights", .. }
    )
}

/// Fits `data` and its unit copy `unit` (the same objects in [0, 1)) with `algorithm`: equal
/// medoids, or losses within 1e-9 on the unit copy; or a range error. Returns whether it fitted.
fn agrees<A: Dissimilarity, B: Dissimilarity>(model: &KMedoids, data: &A, unit: &B, case: &str) -> bool {
    let reference = model.fit(unit).unwrap_or_else(|e| panic!("{case}: the unit copy fails: {e}"));
    match model.fit(data) {
        Err(error) => {
            assert!(is_range_error(&error), "{case}: {error}");
            false
        }
        Ok(fit) => {
            assert!(fit.loss.is_finite() && fit.loss >= 0.0, "{case}: loss {}", fit.loss);
            assert!(fit.average_loss.is_finite(), "{case}: average loss {}", fit.average_loss);
            if fit.sorted_medoids() != reference.sorted_medoids() {
                let (found, best) = (brute_loss(unit, &fit.medoids), brute_loss(unit, &reference.medoids));
                assert!((found - best).abs() <= 1e-9 * best, "{case}: loss {found} on the unit copy, not {best}");
            }
            true
        }
    }
}

#[test]
fn dense_f64_extremes_fit_as_their_unit_copy_or_refuse() {
    let mut fitted = 0;
    for (m, magnitude) in F64_MAGNITUDES.iter().enumerate() {
        let values = rows(*magnitude, m as u64);
        for metric in METRICS {
            let unit_values = unit_copy(&values, metric);
            let unit = DenseData::new(&unit_values, N, D, metric).unwrap();
            let data = match DenseData::new(&values, N, D, metric) {
                Ok(data) => data,
                Err(error) => {
                    assert!(is_range_error(&error), "{magnitude:?} {metric}: {error}");
                    continue;
                }
            };
            for algorithm in Algorithm::ALL {
                let model = KMedoids::new(K).algorithm(algorithm).seed(3);
                fitted += agrees(&model, &data, &unit, &format!("{magnitude:?} {metric} {algorithm}")) as usize;
            }
        }
    }
    // Only squared L2 of the tiniest values and sums near 1e308 may refuse.
    assert!(fitted >= F64_MAGNITUDES.len() * METRICS.len() * Algorithm::ALL.len() * 3 / 4, "{fitted} fitted");
}

#[test]
fn subnormal_data_fits_as_its_rescaled_copy() {
    // The cases the error reports came from: no refusal allowed, for any metric but squared L2.
    let values = rows(Magnitude::Uniform(1e-310), 9);
    for metric in METRICS.into_iter().filter(|&m| m != Metric::SquaredL2) {
        let unit_values = unit_copy(&values, metric);
        let (data, unit) =
            (DenseData::new(&values, N, D, metric).unwrap(), DenseData::new(&unit_values, N, D, metric).unwrap());
        for algorithm in Algorithm::ALL {
            let model = KMedoids::new(K).algorithm(algorithm).seed(1);
            assert!(agrees(&model, &data, &unit, &format!("1e-310 {metric} {algorithm}")), "{metric} {algorithm}");
        }
    }
    let squares = DenseData::new(&values, N, D, Metric::SquaredL2).unwrap_err();
    assert!(matches!(squares, Error::SquaresUnderflow { .. }), "{squares}");
}

#[test]
fn dense_f32_extremes_fit_as_their_unit_copy_or_refuse() {
    for (m, magnitude) in F32_MAGNITUDES.iter().enumerate() {
        let values: Vec<f32> = rows(*magnitude, 20 + m as u64).iter().map(|&v| v as f32).collect();
        for metric in METRICS {
            // The unit copy of the f32 values themselves, in f64 (exact).
            let unit_values = unit_copy(&values.iter().map(|&v| v as f64).collect::<Vec<_>>(), metric);
            let unit = DenseData::new(&unit_values, N, D, metric).unwrap();
            let Ok(data) = DenseData::new(&values, N, D, metric) else { continue };
            for algorithm in Algorithm::ALL {
                let model = KMedoids::new(K).algorithm(algorithm).seed(2);
                agrees(&model, &data, &unit, &format!("f32 {magnitude:?} {metric} {algorithm}"));
            }
        }
    }
}

#[test]
fn sparse_extremes_fit_as_their_unit_copy_or_refuse() {
    for (m, magnitude) in F64_MAGNITUDES.iter().enumerate() {
        // Every third value zero, so that rows really are sparse.
        let values: Vec<f64> = rows(*magnitude, 40 + m as u64)
            .iter()
            .enumerate()
            .map(|(i, &v)| if i % 3 == 1 { 0.0 } else { v })
            .collect();
        let csr = |values: &[f64]| {
            let (mut indptr, mut indices, mut kept) = (vec![0], Vec::new(), Vec::new());
            for row in values.chunks_exact(D) {
                for (j, &v) in row.iter().enumerate().filter(|(_, &v)| v != 0.0) {
                    indices.push(j);
                    kept.push(v);
                }
                indptr.push(indices.len());
            }
            (indptr, indices, kept)
        };
        let sparse = csr(&values);
        for metric in [Metric::L1, Metric::L2, Metric::SquaredL2, Metric::Cosine] {
            let unit_sparse = csr(&unit_copy(&values, metric));
            let unit = SparseData::new(&unit_sparse.0, &unit_sparse.1, &unit_sparse.2, D, metric).unwrap();
            let data = match SparseData::new(&sparse.0, &sparse.1, &sparse.2, D, metric) {
                Ok(data) => data,
                Err(error) => {
                    assert!(is_range_error(&error), "sparse {magnitude:?} {metric}: {error}");
                    continue;
                }
            };
            // Sparse rows give the dense rows' distances.
            let dense = DenseData::new(&values, N, D, metric).unwrap();
            let (mut a, mut b) = (vec![0.0; N * N], vec![0.0; N * N]);
            let all: Vec<usize> = (0..N).collect();
            data.block(&all, &all, &mut a).unwrap();
            dense.block(&all, &all, &mut b).unwrap();
            for (x, y) in a.iter().zip(&b) {
                assert!(
                    (x - y).abs() <= 1e-9 * y.abs().max(f64::MIN_POSITIVE) || x == y,
                    "{magnitude:?} {metric}: {x} vs {y}"
                );
            }
            for algorithm in [Algorithm::Pam, Algorithm::FasterPam, Algorithm::BanditPamPlusPlus, Algorithm::NearSwap] {
                let model = KMedoids::new(K).algorithm(algorithm).seed(4);
                agrees(&model, &data, &unit, &format!("sparse {magnitude:?} {metric} {algorithm}"));
            }
        }
    }
}

#[test]
fn weights_of_any_magnitude_fit_as_unit_weights_or_refuse() {
    let values = uniform(N, D, 7);
    let data = DenseData::new(&values, N, D, Metric::L2).unwrap();
    let base: Vec<f64> = uniform(N, 1, 8).iter().map(|w| 0.25 + w).collect();
    for magnitude in [1e-300, 1e-200, 1e200, 1e300] {
        let weights: Vec<f64> = base.iter().map(|w| w * magnitude).collect();
        let unit_weights = into_unit(&weights);
        for algorithm in Algorithm::ALL {
            let case = format!("weights {magnitude:e} {algorithm}");
            let reference = KMedoids::new(K).algorithm(algorithm).seed(5).weights(unit_weights.clone()).fit(&data);
            let reference = reference.unwrap_or_else(|e| panic!("{case}: {e}"));
            match KMedoids::new(K).algorithm(algorithm).seed(5).weights(weights.clone()).fit(&data) {
                Err(error) => assert!(is_range_error(&error), "{case}: {error}"),
                Ok(fit) => {
                    assert!(fit.loss.is_finite(), "{case}");
                    assert_eq!(fit.sorted_medoids(), reference.sorted_medoids(), "{case}");
                }
            }
        }
    }
}

#[test]
fn sums_beyond_f64_are_a_typed_error_not_a_panic() {
    // Chebyshev distances near 1e308 are finite, but a sum of two of them is not.
    let values = rows(Magnitude::Uniform(1.5e308), 11);
    let data = DenseData::new(&values, N, D, Metric::LInf).unwrap();
    for algorithm in Algorithm::ALL {
        let error = KMedoids::new(K).algorithm(algorithm).fit(&data).unwrap_err();
        assert!(is_range_error(&error), "{algorithm}: {error}");
    }
}

#[test]
fn sampling_methods_on_tiny_data_match_the_rescaled_copy_at_size() {
    // At n = 2,000 OneBatchPAM samples a batch and nearswap and BanditPAM++ sample references:
    // on data near 1e-310 their statistics underflowed (losses 50-70% above PAM's).
    let (n, d) = (2000, 4);
    let unit_values = uniform(n, d, 12);
    // Two factors: `powi` beyond 2^-1023 is 0 in an unoptimised build (it inverts 2^1030).
    let tiny: Vec<f64> = unit_values.iter().map(|v| v * 2f64.powi(-515) * 2f64.powi(-515)).collect();
    for metric in [Metric::L1, Metric::LInf, Metric::Lp(3.0), Metric::L2] {
        let (data, unit) =
            (DenseData::new(&tiny, n, d, metric).unwrap(), DenseData::new(&unit_values, n, d, metric).unwrap());
        for algorithm in [Algorithm::OneBatchPam, Algorithm::NearSwap, Algorithm::BanditPamPlusPlus] {
            let model = KMedoids::new(8).algorithm(algorithm).seed(6);
            let (a, b) = (model.fit(&data).unwrap(), model.fit(&unit).unwrap());
            assert_eq!(a.sorted_medoids(), b.sorted_medoids(), "{metric} {algorithm}");
            let back = a.loss * 2f64.powi(515) * 2f64.powi(515);
            assert!((back - b.loss).abs() <= 1e-9 * b.loss, "{metric} {algorithm}: {back} vs {}", b.loss);
        }
    }
}
