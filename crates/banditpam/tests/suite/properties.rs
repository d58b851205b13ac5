//! Invariants on random inputs: labels point to a nearest medoid, swaps never raise the loss,
//! and the result does not depend on the number of threads.

use std::sync::Mutex;

use banditpam::{Algorithm, DenseData, Dissimilarity, Event, KMedoids, Metric, Observer};
use proptest::prelude::*;

const METRICS: [Metric; 5] = [Metric::L2, Metric::L1, Metric::Cosine, Metric::LInf, Metric::Correlation];
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::Auto,
    Algorithm::NearSwap,
    Algorithm::Pam,
    Algorithm::FastPam1,
    Algorithm::FasterPam,
    Algorithm::BanditPamPlusPlus,
    Algorithm::BanditPam,
    Algorithm::OneBatchPam,
    Algorithm::OneBatchSwap,
];

/// `algorithm` with bandit batches small enough that these small inputs see elimination.
fn params(k: usize, algorithm: Algorithm) -> KMedoids {
    KMedoids::new(k).algorithm(algorithm).batch_size(3).sigma_sample(Some(6)).onebatch_size(Some(7))
}

/// Records the loss after every swap step.
#[derive(Default)]
struct Losses(Mutex<Vec<f64>>);

impl Observer for Losses {
    fn on_event(&self, event: &Event) {
        if let Event::SwapStep { loss, .. } = event {
            self.0.lock().unwrap().push(*loss);
        }
    }
}

fn dataset() -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
    (2usize..40, 1usize..6).prop_flat_map(|(n, d)| (Just(n), Just(d), prop::collection::vec(-5.0f64..5.0, n * d)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn labels_point_to_a_nearest_medoid(
        (n, d, values) in dataset(), k_frac in 0.0f64..1.0, m in 0usize..5, a in 0usize..8, seed in 0u64..100,
    ) {
        let k = 1 + (k_frac * (n - 1) as f64) as usize;
        let data = DenseData::new(&values, n, d, METRICS[m]).unwrap();
        let fit = params(k, ALGORITHMS[a]).seed(seed).fit(&data).unwrap();
        let refs: Vec<usize> = (0..n).collect();
        let mut rows = vec![0.0; k * n];
        data.block(&fit.medoids, &refs, &mut rows).unwrap();
        let mut total = 0.0;
        for j in 0..n {
            let column: Vec<f64> = (0..k).map(|i| rows[i * n + j]).collect();
            let nearest = column.iter().cloned().fold(f64::INFINITY, f64::min);
            let first = column.iter().position(|&v| v == nearest).unwrap();
            prop_assert_eq!(fit.labels[j], first);
            total += nearest;
        }
        prop_assert!((fit.loss - total).abs() <= 1e-9 * total.max(1.0));
        prop_assert!((fit.average_loss - total / n as f64).abs() <= 1e-9 * total.max(1.0));
    }

    #[test]
    fn swaps_never_raise_the_loss(
        (n, d, values) in dataset(), k_frac in 0.0f64..1.0, m in 0usize..5, a in 0usize..8,
    ) {
        let k = 1 + (k_frac * (n - 1) as f64) as usize;
        let data = DenseData::new(&values, n, d, METRICS[m]).unwrap();
        let losses = Losses::default();
        let fit = params(k, ALGORITHMS[a]).fit_with_observer(&data, &losses).unwrap();
        let losses = losses.0.lock().unwrap();
        // OneBatchPAM's swaps follow a batch estimate, which may disagree with the true loss:
        // its exact loss is reported once, after them, and only later swaps must not raise it.
        let (mut previous, later) = match ALGORITHMS[a] {
            // `auto` may run onebatch+swap, nearswap or FasterPAM from OneBatchPAM's answer.
            Algorithm::OneBatchPam | Algorithm::OneBatchSwap | Algorithm::Auto => {
                (losses.first().copied().unwrap_or(fit.build_loss), losses.get(1..).unwrap_or(&[]))
            }
            _ => (fit.build_loss, &losses[..]),
        };
        for &loss in later {
            prop_assert!(loss <= previous + 1e-12 * previous.max(1.0), "{} then {}", previous, loss);
            previous = loss;
        }
        prop_assert!(fit.loss <= previous + 1e-12 * previous.max(1.0));
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count(
        (n, d, values) in dataset(), k_frac in 0.0f64..1.0, m in 0usize..5, a in 0usize..8, seed in 0u64..100,
    ) {
        let k = 1 + (k_frac * (n - 1) as f64) as usize;
        let data = DenseData::new(&values, n, d, METRICS[m]).unwrap();
        let run = |threads| params(k, ALGORITHMS[a]).seed(seed).threads(Some(threads)).fit(&data).unwrap();
        let one = run(1);
        for threads in [2, 8] {
            let other = run(threads);
            prop_assert_eq!(&other.medoids, &one.medoids);
            prop_assert_eq!(&other.labels, &one.labels);
            prop_assert_eq!(other.loss.to_bits(), one.loss.to_bits());
            prop_assert_eq!(other.distance_evaluations, one.distance_evaluations);
        }
    }
}

#[test]
fn mnist_results_do_not_depend_on_the_thread_count() {
    // Large enough that the work really splits across tasks and threads.
    let values = {
        use std::io::Read;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/mnist-t10k-images-idx3-ubyte.gz");
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()).read_to_end(&mut bytes).unwrap();
        bytes[16..16 + 800 * 784].iter().map(|&b| b as f32 / 255.0).collect::<Vec<f32>>()
    };
    let data = DenseData::new(&values, 800, 784, Metric::L2).unwrap();
    for algorithm in ALGORITHMS {
        let run = |threads| KMedoids::new(8).algorithm(algorithm).seed(4).threads(Some(threads)).fit(&data).unwrap();
        let (a, b, c) = (run(1), run(2), run(8));
        assert_eq!((&a.medoids, &a.labels, a.loss.to_bits()), (&b.medoids, &b.labels, b.loss.to_bits()));
        assert_eq!((&a.medoids, &a.labels, a.loss.to_bits()), (&c.medoids, &c.labels, c.loss.to_bits()));
    }
}
