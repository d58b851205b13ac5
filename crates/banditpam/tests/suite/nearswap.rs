//! nearswap against the exact local search: FasterPAM's loss, a small swap gap, and the
//! behaviours every method keeps (budget, stop, determinism).

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::mnist_test;
use banditpam::{swap_gap, Algorithm, DenseData, Error, Event, KMedoids, Metric, Observer, Silent};

#[test]
fn nearswap_reaches_fasterpam_s_loss_and_a_small_swap_gap() {
    let n = 2000;
    let values = mnist_test(n);
    for (metric, k) in [(Metric::L2, 10), (Metric::L2, 60), (Metric::L1, 25)] {
        let data = DenseData::new(&values, n, 784, metric).unwrap();
        let near = KMedoids::new(k).algorithm(Algorithm::NearSwap).seed(1).fit(&data).unwrap();
        let faster = KMedoids::new(k).algorithm(Algorithm::FasterPam).seed(1).fit(&data).unwrap();
        let onebatch = KMedoids::new(k).algorithm(Algorithm::OneBatchPam).seed(1).fit(&data).unwrap();
        assert!(near.converged, "{metric:?} k {k}");
        assert!(near.loss <= 1.003 * faster.loss, "{metric:?} k {k}: {} vs FasterPAM {}", near.loss, faster.loss);
        assert!(near.loss <= onebatch.loss, "{metric:?} k {k}: it starts from OneBatchPAM");
        let gap = swap_gap(&data, &near.medoids, None, None, &Silent).unwrap();
        assert!(gap.gap <= 1e-3, "{metric:?} k {k}: swap gap {}", gap.gap);
        assert!((gap.loss - near.loss).abs() <= 1e-9 * near.loss);
        // No n x n matrix: far fewer distances than FasterPAM's n^2 / 2 per pass... at most a
        // few passes' worth of verified rows.
        assert_eq!(near.matrix, None);
    }
}

#[test]
fn a_tight_budget_recomputes_the_start_s_rows_with_the_same_answer() {
    let n = 1500;
    let values = mnist_test(n);
    let data = DenseData::new(&values, n, 784, Metric::L2).unwrap();
    let roomy = KMedoids::new(20).algorithm(Algorithm::NearSwap).seed(4).fit(&data).unwrap();
    // Room for the k x n assignment, the verified window and a turn's screening block (about
    // 2 MB), not for the start's n x m block (1,500 x 1,030).
    let budget = 3_000_000;
    let tight =
        KMedoids::new(20).algorithm(Algorithm::NearSwap).seed(4).memory_budget(Some(budget)).fit(&data).unwrap();
    assert_eq!(tight.medoids, roomy.medoids);
    let none = KMedoids::new(20).algorithm(Algorithm::NearSwap).memory_budget(Some(1000)).fit(&data).unwrap_err();
    assert!(matches!(none, Error::OverMemoryBudget { .. }), "{none:?}");
}

/// Asks the fit to stop at its first swap iteration event.
struct StopAfterStart(AtomicUsize);

impl Observer for StopAfterStart {
    fn on_event(&self, event: &Event) {
        if let Event::SwapStep { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn keep_going(&self) -> bool {
        self.0.load(Ordering::Relaxed) == 0
    }
}

#[test]
fn nearswap_stops_when_asked() {
    let n = 1500;
    let values = mnist_test(n);
    let data = DenseData::new(&values, n, 784, Metric::L2).unwrap();
    let stop = StopAfterStart(AtomicUsize::new(0));
    let fit = KMedoids::new(30).algorithm(Algorithm::NearSwap).fit_with_observer(&data, &stop);
    assert_eq!(fit.unwrap_err(), Error::Interrupted);
}
