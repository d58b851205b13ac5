//! FastPAM1 returns PAM's answer; FasterPAM ends where no single swap helps; both checked
//! against brute-force computations on dense data, asymmetric matrices and strings.

use banditpam::{
    levenshtein, Algorithm, Clustering, DenseData, Dissimilarity, KMedoids, Metric, Objects, Precomputed, SparseData,
};

use crate::common::brute_loss;

/// True when no (medoid, non-medoid) swap lowers the loss by more than rounding.
fn is_swap_optimal<D: Dissimilarity>(data: &D, medoids: &[usize]) -> bool {
    let loss = brute_loss(data, medoids);
    for i in 0..medoids.len() {
        for c in (0..data.len()).filter(|c| !medoids.contains(c)) {
            let mut trial = medoids.to_vec();
            trial[i] = c;
            if brute_loss(data, &trial) < loss - 1e-9 * loss.abs().max(1.0) {
                return false;
            }
        }
    }
    true
}

fn fit<D: Dissimilarity>(data: &D, k: usize, algorithm: Algorithm) -> Clustering {
    KMedoids::new(k).algorithm(algorithm).seed(3).fit(data).unwrap()
}

fn assert_same_as_pam<D: Dissimilarity>(data: &D, k: usize, what: &str) {
    let pam = fit(data, k, Algorithm::Pam);
    let fast = fit(data, k, Algorithm::FastPam1);
    assert_eq!(fast.build_medoids, pam.build_medoids, "BUILD, {what} k={k}");
    assert_eq!(fast.medoids, pam.medoids, "final, {what} k={k}");
    assert_eq!(fast.labels, pam.labels, "labels, {what} k={k}");
    assert_eq!(fast.swaps, pam.swaps, "swaps, {what} k={k}");
    assert!((fast.loss - brute_loss(data, &fast.medoids)).abs() <= 1e-9 * fast.loss.max(1.0), "{what}");
    assert!(is_swap_optimal(data, &pam.medoids), "PAM ended with an improving swap, {what} k={k}");
}

#[test]
fn fastpam1_equals_pam_on_random_dense_data() {
    for seed in 0..4 {
        let values = crate::common::uniform(60, 5, seed);
        for metric in [Metric::L2, Metric::L1, Metric::Cosine] {
            let data = DenseData::new(&values, 60, 5, metric).unwrap();
            for k in [1, 2, 5, 9] {
                assert_same_as_pam(&data, k, &format!("dense {metric} seed {seed}"));
            }
        }
    }
}

#[test]
fn fastpam1_equals_pam_on_asymmetric_matrices() {
    for seed in 0..4 {
        let values = crate::common::asymmetric_matrix(50, seed);
        let data = Precomputed::new(&values, 50, 50).unwrap();
        for k in [1, 3, 7] {
            assert_same_as_pam(&data, k, &format!("asymmetric seed {seed}"));
        }
    }
}

#[test]
fn fastpam1_equals_pam_on_strings() {
    for seed in 0..3 {
        let words = crate::common::words(45, seed);
        let data = Objects::new(&words, levenshtein).unwrap();
        for k in [2, 4, 6] {
            assert_same_as_pam(&data, k, &format!("words seed {seed}"));
        }
    }
}

#[test]
fn fasterpam_ends_at_a_swap_optimum() {
    for seed in 0..4 {
        let values = crate::common::uniform(50, 4, seed + 10);
        let dense = DenseData::new(&values, 50, 4, Metric::L2).unwrap();
        let matrix_values = crate::common::asymmetric_matrix(40, seed);
        let matrix = Precomputed::new(&matrix_values, 40, 40).unwrap();
        for k in [1, 3, 6] {
            let a = fit(&dense, k, Algorithm::FasterPam);
            assert!(a.converged && is_swap_optimal(&dense, &a.medoids), "dense seed {seed} k {k}");
            assert!(a.loss <= a.build_loss);
            let b = fit(&matrix, k, Algorithm::FasterPam);
            assert!(b.converged && is_swap_optimal(&matrix, &b.medoids), "matrix seed {seed} k {k}");
        }
    }
}

#[test]
fn fasterpam_on_mnist_is_close_to_pam() {
    // FasterPAM finds another local optimum; on real data it should be about as good.
    let values = crate::common::mnist_test(500);
    let data = DenseData::new(&values, 500, 784, Metric::L2).unwrap();
    let pam = fit(&data, 5, Algorithm::FastPam1);
    let faster = fit(&data, 5, Algorithm::FasterPam);
    assert!(faster.loss <= pam.loss * 1.01, "FasterPAM {} vs PAM {}", faster.loss, pam.loss);
}

#[test]
fn k_equal_n_and_k_one_work() {
    let values = crate::common::uniform(12, 3, 5);
    let data = DenseData::new(&values, 12, 3, Metric::L2).unwrap();
    for algorithm in [Algorithm::Pam, Algorithm::FastPam1, Algorithm::FasterPam] {
        let all = fit(&data, 12, algorithm);
        assert_eq!(all.sorted_medoids(), (0..12).collect::<Vec<_>>());
        assert!(all.loss.abs() < 1e-12);
        let one = fit(&data, 1, algorithm);
        // The 1-medoid is the object with the least total distance.
        let best = (0..12).min_by(|&a, &b| brute_loss(&data, &[a]).total_cmp(&brute_loss(&data, &[b]))).unwrap();
        assert_eq!(one.medoids, vec![best], "{algorithm}");
        assert!(one.labels.iter().all(|&l| l == 0));
    }
}

/// Every method on data whose distances are all 0: identical rows, all-zero rows (where cosine
/// and correlation meet 0/0), a zero matrix and equal strings. Each fit must succeed with k
/// distinct medoids, loss 0 and no swap (no swap can improve on 0), also in the checked lane,
/// where an overflow in rescaling zero distances would panic.
#[test]
fn identical_points_and_zero_rows_fit_with_every_method_and_metric() {
    let metrics =
        [Metric::L2, Metric::SquaredL2, Metric::L1, Metric::Lp(3.0), Metric::LInf, Metric::Cosine, Metric::Correlation];
    let identical: Vec<f64> = [1.5, -2.0, 0.25].repeat(24);
    let zeros = vec![0.0f64; 24 * 3];
    let matrix = vec![0.0f64; 24 * 24];
    let words = vec!["same".to_string(); 24];
    let check = |data: &dyn Dissimilarity, what: &str| {
        for algorithm in Algorithm::ALL {
            let fit = KMedoids::new(4).algorithm(algorithm).seed(3).fit(data).unwrap();
            let mut medoids = fit.sorted_medoids();
            medoids.dedup();
            assert_eq!(medoids.len(), 4, "{algorithm} on {what}");
            assert_eq!((fit.loss, fit.swaps), (0.0, 0), "{algorithm} on {what}");
            assert!(fit.labels.iter().all(|&l| l < 4), "{algorithm} on {what}");
        }
    };
    for metric in metrics {
        check(&DenseData::new(&identical, 24, 3, metric).unwrap(), &format!("identical rows, {metric:?}"));
        check(&DenseData::new(&zeros, 24, 3, metric).unwrap(), &format!("zero rows, {metric:?}"));
    }
    // Sparse rows with no stored value, and sparse identical rows.
    let empty = vec![0usize; 25];
    let one_each: Vec<usize> = (0..25).collect();
    let (columns, values) = (vec![1usize; 24], vec![2.5f64; 24]);
    for metric in [Metric::L2, Metric::SquaredL2, Metric::L1, Metric::Cosine] {
        check(&SparseData::new(&empty, &[], &[], 3, metric).unwrap(), &format!("empty sparse rows, {metric:?}"));
        let same = SparseData::new(&one_each, &columns, &values, 3, metric).unwrap();
        check(&same, &format!("identical sparse rows, {metric:?}"));
    }
    check(&Precomputed::new(&matrix, 24, 24).unwrap(), "a zero matrix");
    check(&Objects::new(&words, |a: &String, b: &String| levenshtein(a, b)).unwrap(), "equal strings");
}

#[test]
fn counters_count_what_was_computed() {
    let values = crate::common::uniform(40, 3, 9);
    let data = DenseData::new(&values, 40, 3, Metric::L1).unwrap();
    let exact = KMedoids::new(3).algorithm(Algorithm::FastPam1).precompute(None);
    let build_only = exact.clone().max_iter(0).fit(&data).unwrap();
    // BUILD step l sweeps the 40 - l non-medoids over 40 references, then evaluates the chosen row.
    let build: u64 = (0..3).map(|l| (40 - l) * 40 + 40).sum();
    assert_eq!(build_only.distance_evaluations.build, build);
    assert_eq!(build_only.distance_evaluations.swap, 0);
    assert_eq!((build_only.swaps, build_only.loss), (0, build_only.build_loss));

    let full = exact.fit(&data).unwrap();
    assert!(full.converged);
    assert_eq!(full.matrix, None);
    // Each of swaps + 1 sweeps covers 37 candidates x 40 references; each swap evaluates one row.
    let sweeps = full.swaps as u64 + 1;
    assert_eq!(full.distance_evaluations.swap, sweeps * 37 * 40 + full.swaps as u64 * 40);

    // By default FastPAM1 builds the matrix once (n^2), then evaluates the BUILD and final
    // medoids' rows on the data for the exact losses (2 k n).
    let auto = KMedoids::new(3).algorithm(Algorithm::FastPam1).fit(&data).unwrap();
    assert_eq!(auto.matrix, Some(banditpam::MatrixPrecision::Double));
    assert_eq!(auto.distance_evaluations, banditpam::PhaseCounts { build: 0, swap: 0, other: 40 * 40 + 2 * 3 * 40 });
    assert_eq!(auto.sorted_medoids(), full.sorted_medoids());

    // A stored matrix is read, not computed.
    let stored = crate::common::asymmetric_matrix(30, 1);
    let matrix = Precomputed::new(&stored, 30, 30).unwrap();
    assert_eq!(KMedoids::new(2).fit(&matrix).unwrap().distance_evaluations.total(), 0);
}
