//! OneBatchPAM and the OneBatchPAM + BanditPAM++ SWAP hybrid: local optima checked exhaustively
//! on small data, and loss against PAM's on MNIST.

use crate::common::brute_loss;
use banditpam::{Algorithm, DenseData, Dissimilarity, Error, KMedoids, MatrixPrecision, Metric, Precomputed};

/// The largest relative gain of any single (medoid, non-medoid) swap, by brute force.
fn best_swap_gain<D: Dissimilarity>(data: &D, medoids: &[usize]) -> f64 {
    let loss = brute_loss(data, medoids);
    let mut best: f64 = 0.0;
    for i in 0..medoids.len() {
        for c in (0..data.len()).filter(|c| !medoids.contains(c)) {
            let mut trial = medoids.to_vec();
            trial[i] = c;
            best = best.max((loss - brute_loss(data, &trial)) / loss);
        }
    }
    best
}

#[test]
fn onebatch_with_the_whole_data_as_batch_ends_at_a_local_optimum() {
    for seed in 0..6 {
        let values = crate::common::uniform(70, 3, seed);
        let data = DenseData::new(&values, 70, 3, Metric::L2).unwrap();
        for k in [2, 4, 7] {
            let fit = KMedoids::new(k)
                .algorithm(Algorithm::OneBatchPam)
                .onebatch_size(Some(70))
                .seed(seed)
                .fit(&data)
                .unwrap();
            assert!(fit.converged);
            let gain = best_swap_gain(&data, &fit.medoids);
            // The search stops at gains below 1e-6 of the (f32) batch loss.
            assert!(gain < 1e-5, "seed {seed}, k = {k}: a swap still gains {gain:e}");
            assert!((fit.loss - brute_loss(&data, &fit.medoids)).abs() <= 1e-9 * fit.loss, "exact loss");
        }
    }
}

#[test]
fn the_hybrid_improves_on_its_start_and_ends_at_a_local_optimum() {
    for seed in 0..6 {
        let values = crate::common::asymmetric_matrix(80, seed);
        let data = Precomputed::new(&values, 80, 80).unwrap();
        for k in [3, 6] {
            let start = KMedoids::new(k).algorithm(Algorithm::OneBatchPam).onebatch_size(Some(20)).seed(seed);
            let start = start.fit(&data).unwrap();
            let hybrid = KMedoids::new(k).algorithm(Algorithm::OneBatchSwap).onebatch_size(Some(20)).seed(seed);
            let hybrid = hybrid.fit(&data).unwrap();
            assert!(hybrid.loss <= start.loss, "seed {seed}, k = {k}: {} > {}", hybrid.loss, start.loss);
            assert!(hybrid.converged);
            // n = 80 is below one bandit batch: every SWAP step is exact, so no swap may help.
            let gain = best_swap_gain(&data, &hybrid.medoids);
            assert!(gain <= 1e-12, "seed {seed}, k = {k}: a swap still gains {gain:e}");
        }
    }
}

#[test]
fn losses_on_mnist_compare_with_pam() {
    let n = 2000;
    let values = crate::common::mnist_test(n);
    let data = DenseData::new(&values, n, 784, Metric::L2).unwrap();
    let pam =
        KMedoids::new(10).algorithm(Algorithm::FastPam1).precompute(Some(MatrixPrecision::Single)).fit(&data).unwrap();
    let mut onebatch_total = 0.0;
    for seed in 0..5 {
        let one = KMedoids::new(10).algorithm(Algorithm::OneBatchPam).seed(seed).fit(&data).unwrap();
        let hybrid = KMedoids::new(10).algorithm(Algorithm::OneBatchSwap).seed(seed).fit(&data).unwrap();
        assert!(hybrid.loss <= one.loss, "seed {seed}");
        // A local optimum of the true loss, like PAM's: within a fraction of a percent of it.
        assert!(hybrid.loss <= pam.loss * 1.005, "seed {seed}: {} vs PAM {}", hybrid.loss, pam.loss);
        // The n x m batch block, plus the exact rows of the initial and the final medoids.
        let m = (100.0 * ((n * 10) as f64).ln()) as u64;
        assert!(one.distance_evaluations.total() <= n as u64 * (m + 20), "{:?}", one.distance_evaluations);
        onebatch_total += one.loss;
    }
    let ratio = onebatch_total / 5.0 / pam.loss;
    assert!(ratio < 1.02, "OneBatchPAM's mean loss is {ratio} x PAM's");
}

#[test]
fn onebatch_parameters_and_edges() {
    let values = crate::common::uniform(30, 2, 9);
    let data = DenseData::new(&values, 30, 2, Metric::L1).unwrap();
    let e = KMedoids::new(3).algorithm(Algorithm::OneBatchPam).onebatch_size(Some(0)).fit(&data).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { name: "onebatch_size", .. }));
    assert!(e.to_string().contains("onebatch_size must be >= 1"));
    for algorithm in [Algorithm::OneBatchPam, Algorithm::OneBatchSwap] {
        // k = n, k = 1, a batch larger than n, and a batch smaller than k.
        let all = KMedoids::new(30).algorithm(algorithm).fit(&data).unwrap();
        assert_eq!((all.sorted_medoids(), all.loss), ((0..30).collect(), 0.0));
        let one = KMedoids::new(1).algorithm(algorithm).onebatch_size(Some(500)).fit(&data).unwrap();
        assert!(best_swap_gain(&data, &one.medoids) < 1e-5, "{algorithm}");
        let small = KMedoids::new(5).algorithm(algorithm).onebatch_size(Some(2)).fit(&data).unwrap();
        assert_eq!(small.labels.len(), 30);
        assert!((small.loss - brute_loss(&data, &small.medoids)).abs() < 1e-9);
        assert_eq!(algorithm.to_string().parse::<Algorithm>().unwrap(), algorithm);
    }
}
