//! Inputs at the edges of floating point and of memory: distances that would overflow or vanish
//! are computed stably or refused, never turned into arbitrary medoids and an infinite loss;
//! buffers larger than the memory budget are refused with an error naming them.

use banditpam::{Algorithm, DenseData, Error, KMedoids, MatrixPrecision, Metric};

const ALL: [Algorithm; Algorithm::ALL.len()] = Algorithm::ALL;

/// Three points near 1, three near 5, times `scale`: the medoids are the middle ones, 1 and 4.
fn two_groups(scale: f64) -> Vec<f64> {
    [1.0, 1.1, 1.2, 5.0, 5.1, 5.2].iter().map(|v| v * scale).collect()
}

#[test]
fn huge_and_tiny_values_keep_their_answer() {
    for scale in [1e200, 1e-200, 1.0] {
        let values = two_groups(scale);
        for metric in [Metric::L1, Metric::L2, Metric::LInf, Metric::Lp(3.0), Metric::Lp(130.0), Metric::Lp(1e6)] {
            let data = DenseData::new(&values, 6, 1, metric).unwrap();
            for algorithm in ALL {
                let fit = KMedoids::new(2).algorithm(algorithm).fit(&data).unwrap();
                let case = format!("{algorithm} {metric} scale {scale}");
                assert!(fit.loss.is_finite() && fit.loss > 0.0, "{case}: loss {}", fit.loss);
                // In one dimension every metric here is |x - y|: the loss is 0.4 x scale.
                assert!((fit.loss / scale - 0.4).abs() < 1e-9, "{case}: loss {}", fit.loss);
                if !matches!(algorithm, Algorithm::OneBatchPam | Algorithm::FasterPam) {
                    assert_eq!(fit.sorted_medoids(), vec![1, 4], "{case}");
                }
            }
        }
    }
}

#[test]
fn product_metrics_scale_instead_of_overflowing() {
    // Two directions in 2-D, lengths near 1e200: cosine and correlation do not see the length.
    let rows: Vec<f64> = [[1.0, 0.1], [1.0, 0.0], [2.0, 0.1], [0.1, 1.0], [0.0, 1.0], [0.1, 2.0]]
        .iter()
        .flat_map(|r| r.map(|v| v * 1e200))
        .collect();
    for metric in [Metric::Cosine, Metric::L2] {
        let big = DenseData::new(&rows, 6, 2, metric).unwrap();
        let unit: Vec<f64> = rows.iter().map(|v| v / 1e200).collect();
        let small = DenseData::new(&unit, 6, 2, metric).unwrap();
        for algorithm in [Algorithm::Pam, Algorithm::BanditPamPlusPlus] {
            let a = KMedoids::new(2).algorithm(algorithm).fit(&big).unwrap();
            let b = KMedoids::new(2).algorithm(algorithm).fit(&small).unwrap();
            assert_eq!(a.sorted_medoids(), b.sorted_medoids(), "{algorithm} {metric}");
            let expected = if metric == Metric::L2 { b.loss * 1e200 } else { b.loss };
            assert!((a.loss - expected).abs() <= 1e-9 * expected, "{algorithm} {metric}: {} vs {expected}", a.loss);
        }
    }
    // f32 data near its largest value: the squares would overflow f32 in the product.
    let rows: Vec<f32> = two_groups(1.0).iter().map(|&v| (v * 3e37) as f32).collect();
    for metric in [Metric::L2, Metric::L1, Metric::LInf] {
        let data = DenseData::new(&rows, 6, 1, metric).unwrap();
        let fit = KMedoids::new(2).algorithm(Algorithm::Pam).fit(&data).unwrap();
        assert_eq!(fit.sorted_medoids(), vec![1, 4], "{metric}");
        assert!(fit.loss.is_finite(), "{metric}");
    }
}

#[test]
fn distances_beyond_f64_are_refused() {
    // Squared L2 of differences near 1e200 is 1e400: no f64 holds it.
    let values = two_groups(1e200);
    let data = DenseData::new(&values, 6, 1, Metric::SquaredL2).unwrap();
    for algorithm in ALL {
        let e = KMedoids::new(2).algorithm(algorithm).fit(&data).unwrap_err();
        assert!(matches!(e, Error::NonFiniteDissimilarity { .. }), "{algorithm}: {e:?}");
        assert!(e.to_string().contains("rescale"), "{e}");
    }
}

#[test]
fn buffers_over_the_memory_budget_are_refused_naming_them() {
    let values = crate::common::uniform(2000, 3, 5);
    let data = DenseData::new(&values, 2000, 3, Metric::L2).unwrap();
    let budget = Some(64 << 10);
    let e = KMedoids::new(5).algorithm(Algorithm::OneBatchPam).memory_budget(budget).fit(&data).unwrap_err();
    assert!(matches!(e, Error::OverMemoryBudget { what, .. } if what.contains("OneBatchPAM")), "{e:?}");
    assert!(e.to_string().contains("memory_budget") && e.to_string().contains("KiB"), "{e}");
    let e = KMedoids::new(5)
        .algorithm(Algorithm::FastPam1)
        .precompute(Some(MatrixPrecision::Single))
        .memory_budget(budget)
        .fit(&data)
        .unwrap_err();
    assert!(matches!(e, Error::OverMemoryBudget { what: "the n x n matrix", .. }), "{e:?}");
    // What only saves work shrinks instead: no matrix for FastPAM1, a narrower cache for BanditPAM++.
    let exact = KMedoids::new(5).algorithm(Algorithm::FastPam1).memory_budget(budget).fit(&data).unwrap();
    assert_eq!(exact.matrix, None);
    let reference = KMedoids::new(5).algorithm(Algorithm::FastPam1).fit(&data).unwrap();
    assert_eq!(exact.sorted_medoids(), reference.sorted_medoids());
    let narrow = KMedoids::new(5).algorithm(Algorithm::BanditPamPlusPlus).memory_budget(budget).fit(&data).unwrap();
    let wide = KMedoids::new(5).algorithm(Algorithm::BanditPamPlusPlus).fit(&data).unwrap();
    assert_eq!(narrow.sorted_medoids(), wide.sorted_medoids());
    assert!(narrow.cache_hits.total() < wide.cache_hits.total());
}

#[test]
fn matrix_methods_refuse_to_run_for_hours_without_their_matrix() {
    let values: Vec<f64> = (0..12_000).map(|i| i as f64).collect();
    let data = DenseData::new(&values, 12_000, 1, Metric::L1).unwrap();
    for algorithm in [Algorithm::Pam, Algorithm::FastPam1, Algorithm::FasterPam] {
        let e = KMedoids::new(3).algorithm(algorithm).memory_budget(Some(100 << 20)).fit(&data).unwrap_err();
        assert!(matches!(e, Error::OverMemoryBudget { .. }), "{algorithm}: {e}");
        assert!(e.to_string().contains("nearswap"), "{e}");
    }
    // Small data runs without the matrix as before.
    let small = DenseData::new(&values[..500], 500, 1, Metric::L1).unwrap();
    let fit = KMedoids::new(3).algorithm(Algorithm::Pam).memory_budget(Some(1000)).fit(&small).unwrap();
    assert_eq!(fit.matrix, None);
}
