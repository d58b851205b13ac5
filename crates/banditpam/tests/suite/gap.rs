//! The swap gap against brute force: every swap's loss summed directly.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{asymmetric_matrix, brute_loss, mnist_test, uniform};
use banditpam::{swap_gap, Algorithm, DenseData, Error, Event, KMedoids, Metric, Observer, Precomputed, Silent};

/// The best swap by trying each: `(delta, position, object)`, ties to the lower object, then
/// the lower position.
fn brute_best<D: banditpam::Dissimilarity>(data: &D, medoids: &[usize]) -> (f64, usize, usize) {
    let loss = brute_loss(data, medoids);
    let mut best = (f64::INFINITY, 0, 0);
    for object in (0..data.len()).filter(|o| !medoids.contains(o)) {
        for position in 0..medoids.len() {
            let mut swapped = medoids.to_vec();
            swapped[position] = object;
            let delta = brute_loss(data, &swapped) - loss;
            if delta < best.0 - 1e-9 * loss {
                best = (delta, position, object);
            }
        }
    }
    best
}

#[test]
fn the_gap_is_the_best_swap_found_by_brute_force() {
    for (n, d, k, metric, seed) in [(40, 2, 3, Metric::L2, 1), (60, 5, 6, Metric::L1, 2), (35, 3, 1, Metric::Cosine, 3)]
    {
        let values = uniform(n, d, seed);
        let data = DenseData::new(&values, n, d, metric).unwrap();
        let medoids: Vec<usize> = (0..k).map(|i| (i * 7 + 3) % n).collect();
        let found = swap_gap(&data, &medoids, None, None, &Silent).unwrap();
        let (delta, position, object) = brute_best(&data, &medoids);
        let loss = brute_loss(&data, &medoids);
        assert!((found.loss - loss).abs() <= 1e-9 * loss);
        assert!((found.delta - delta).abs() <= 1e-9 * loss, "{} vs {delta}", found.delta);
        assert_eq!(found.swap, Some((position, object)), "n {n}, k {k}");
        assert!((found.gap - (-delta / loss)).abs() <= 1e-12);
    }
    // An asymmetric matrix: row = medoid, as the fit reads it.
    let n = 30;
    let matrix = asymmetric_matrix(n, 4);
    let data = Precomputed::new(&matrix, n, n).unwrap();
    let found = swap_gap(&data, &[1, 2, 3, 4], None, None, &Silent).unwrap();
    let (delta, position, object) = brute_best(&data, &[1, 2, 3, 4]);
    assert_eq!(found.swap, Some((position, object)));
    assert!((found.delta - delta).abs() <= 1e-9 * found.loss);
}

#[test]
fn pam_s_medoids_have_no_gap_and_other_answers_are_measured() {
    let n = 400;
    let values = mnist_test(n);
    let data = DenseData::new(&values, n, 784, Metric::L2).unwrap();
    for k in [3, 20] {
        let pam = KMedoids::new(k).algorithm(Algorithm::FastPam1).fit(&data).unwrap();
        let found = swap_gap(&data, &pam.medoids, None, None, &Silent).unwrap();
        assert_eq!((found.gap, found.swap, found.delta), (0.0, None, 0.0), "k {k}");
        assert!((found.loss - pam.loss).abs() <= 1e-9 * pam.loss);
        // OneBatchPAM's answer stops short of a local optimum; applying the reported swap
        // lowers the loss by exactly the reported amount.
        let onebatch = KMedoids::new(k).algorithm(Algorithm::OneBatchPam).onebatch_size(Some(30)).fit(&data).unwrap();
        let found = swap_gap(&data, &onebatch.medoids, None, None, &Silent).unwrap();
        let (position, object) = found.swap.expect("a small batch leaves an improving swap");
        let mut swapped = onebatch.medoids.clone();
        swapped[position] = object;
        let after = brute_loss(&data, &swapped);
        assert!((after - (found.loss + found.delta)).abs() <= 1e-6 * found.loss);
        assert!(found.gap > 0.0 && found.delta < 0.0);
        // n^2 distances at most: the medoids' rows and the candidates' rows, no matrix.
        assert!(found.distance_evaluations <= (n * n) as u64);
    }
}

#[test]
fn the_answer_does_not_depend_on_the_thread_count() {
    let n = 700;
    let values = uniform(n, 4, 9);
    let data = DenseData::new(&values, n, 4, Metric::L1).unwrap();
    let medoids = [5, 100, 200, 300, 650];
    let one = swap_gap(&data, &medoids, Some(1), None, &Silent).unwrap();
    for threads in [2, 3, 8] {
        assert_eq!(swap_gap(&data, &medoids, Some(threads), None, &Silent).unwrap(), one, "{threads} threads");
    }
}

/// Stops after the first progress event; counts them.
struct StopAtFirst(AtomicUsize);

impl Observer for StopAtFirst {
    fn on_event(&self, event: &Event) {
        if let Event::ScanProgress { done, total, .. } = event {
            assert!(done <= total);
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn keep_going(&self) -> bool {
        self.0.load(Ordering::Relaxed) == 0
    }
}

#[test]
fn bad_medoids_budgets_and_stops_are_errors() {
    let n = 2000;
    let values = uniform(n, 2, 5);
    let data = DenseData::new(&values, n, 2, Metric::L2).unwrap();
    let gap = |medoids: &[usize]| swap_gap(&data, medoids, None, None, &Silent).unwrap_err();
    assert!(matches!(gap(&[]), Error::InvalidInitialMedoids(m) if m.contains("no medoids")));
    assert!(matches!(gap(&[1, 1]), Error::InvalidInitialMedoids(m) if m.contains("twice")));
    assert!(matches!(gap(&[1, n]), Error::InvalidInitialMedoids(m) if m.contains("out of range")));
    let tight = swap_gap(&data, &[1, 2, 3], None, Some(1000), &Silent).unwrap_err();
    assert!(matches!(tight, Error::OverMemoryBudget { .. }), "{tight:?}");
    let stop = StopAtFirst(AtomicUsize::new(0));
    assert_eq!(swap_gap(&data, &[1, 2, 3], None, None, &stop).unwrap_err(), Error::Interrupted);
    assert_eq!(stop.0.load(Ordering::Relaxed), 1, "stopped at the first check after the first report");
}
