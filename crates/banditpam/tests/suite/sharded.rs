//! The sharded driver (`banditpam::sharded::fit` over `LocalChunks`, every task serialized as
//! it is for Dask) against the in-memory fit: the same medoids for any chunking, any metric,
//! with and without kept blocks, for OneBatchPAM and nearswap, with the same exact loss.

use banditpam::sharded::{fit, DataStats, LocalChunks, Options};
use banditpam::{Algorithm, CheckedKMedoids, DenseData, Error, Init, KMedoids, Metric, Scalar};

/// `rows` cut into chunks of `sizes` rows (cycled; a 0 makes an empty chunk).
fn cut<'a, T: Scalar>(rows: &'a [T], d: usize, sizes: &[usize]) -> Vec<&'a [T]> {
    let n = rows.len() / d;
    let mut chunks = Vec::new();
    let mut start = 0;
    for &size in sizes.iter().cycle() {
        if start >= n {
            break;
        }
        let end = (start + size).min(n);
        chunks.push(&rows[start * d..end * d]);
        start = end;
    }
    chunks
}

fn sharded<T: Scalar>(
    rows: &[T],
    d: usize,
    metric: Metric,
    params: &CheckedKMedoids,
    sizes: &[usize],
    keep_block: bool,
) -> banditpam::Result<banditpam::sharded::ShardedFit> {
    let chunks = cut(rows, d, sizes);
    let mut stats = DataStats::new(d);
    for chunk in &chunks {
        stats.fold(chunk).unwrap();
    }
    let mut executor = LocalChunks::new(&chunks, d, metric, &stats)?;
    fit(params, &mut executor, Options { keep_block, ..Options::default() })
}

/// Random rows in four loose groups, so that swaps have something to find.
fn groups(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let values = crate::common::uniform(n, d, seed);
    values.iter().enumerate().map(|(i, v)| v + ((i / d) % 4) as f64 * 0.7).collect()
}

#[test]
fn every_chunking_finds_the_in_memory_medoids() {
    let (n, d) = (700, 3);
    let rows = groups(n, d, 1);
    let chunkings: [&[usize]; 4] = [&[n], &[64], &[100, 37, 250, 1], &[333, 0, 7]];
    for metric in [Metric::L2, Metric::L1, Metric::Cosine, Metric::SquaredL2] {
        let data = DenseData::new(&rows, n, d, metric).unwrap();
        for algorithm in [Algorithm::OneBatchPam, Algorithm::NearSwap] {
            for (k, seed) in [(3, 0), (12, 5)] {
                let params = KMedoids::new(k).algorithm(algorithm).seed(seed).check().unwrap();
                let memory = params.fit(&data).unwrap();
                for sizes in chunkings {
                    for keep_block in [true, false] {
                        let found = sharded(&rows, d, metric, &params, sizes, keep_block).unwrap();
                        let what = format!("{metric:?} {algorithm} k {k} chunks {sizes:?} keep {keep_block}");
                        assert_eq!(found.medoids, memory.medoids, "{what}");
                        assert_eq!((found.swaps, found.converged), (memory.swaps, memory.converged), "{what}");
                        assert!((found.loss - memory.loss).abs() <= 1e-12 * memory.loss, "{what}");
                        assert_eq!(found.build_medoids, memory.build_medoids, "{what}");
                    }
                }
            }
        }
    }
}

#[test]
fn float32_rows_restarts_and_given_starts_agree_too() {
    let (n, d) = (400, 5);
    let rows: Vec<f32> = groups(n, d, 2).iter().map(|&v| v as f32).collect();
    let data = DenseData::new(&rows, n, d, Metric::L2).unwrap();
    let cases = [
        KMedoids::new(6).algorithm(Algorithm::NearSwap).n_init(3).seed(9),
        KMedoids::new(6).algorithm(Algorithm::OneBatchPam).n_init(2).seed(1),
        KMedoids::new(4).algorithm(Algorithm::NearSwap).init(Init::Medoids(vec![0, 1, 2, 3])),
        KMedoids::new(4).algorithm(Algorithm::NearSwap).init(Init::Random),
    ];
    for model in cases {
        let params = model.check().unwrap();
        let memory = params.fit(&data).unwrap();
        let found = sharded(&rows, d, Metric::L2, &params, &[90, 150], true).unwrap();
        assert_eq!(found.medoids, memory.medoids, "{model:?}");
        assert_eq!(found.algorithm, memory.algorithm);
    }
    // On chunks, `auto` runs nearswap.
    let auto = sharded(&rows, d, Metric::L2, &KMedoids::new(5).check().unwrap(), &[128], true).unwrap();
    let memory = KMedoids::new(5).algorithm(Algorithm::NearSwap).fit(&data).unwrap();
    assert_eq!((auto.algorithm, auto.medoids), (Algorithm::NearSwap, memory.medoids));
}

#[test]
fn what_a_sharded_fit_cannot_do_is_refused() {
    let rows = groups(50, 2, 3);
    let run = |model: KMedoids| sharded(&rows, 2, Metric::L2, &model.check().unwrap(), &[20], true).unwrap_err();
    assert!(matches!(run(KMedoids::new(3).algorithm(Algorithm::Pam)), Error::NotSharded(_)));
    assert!(matches!(run(KMedoids::new(3).weights(vec![1.0; 50])), Error::NotSharded(_)));
    assert!(matches!(run(KMedoids::new(51)), Error::TooManyClusters { k: 51, n: 50 }));
    let e = run(KMedoids::new(2).init(Init::Medoids(vec![0, 50])));
    assert!(matches!(e, Error::InvalidInitialMedoids(_)), "{e:?}");
    // A chunk of NaN is refused when the statistics are folded.
    let mut stats = DataStats::new(2);
    assert!(matches!(stats.fold(&[1.0, f64::NAN]), Err(Error::NonFiniteValue { row: 0, col: 1, .. })));
}

#[test]
fn chunks_of_extreme_magnitude_find_the_in_memory_medoids() {
    // Rows near 1e-310 and 1e300: the in-memory fit rescales its dissimilarities, and so do
    // the chunks, so the search sees the same numbers.
    let (n, d) = (300, 3);
    let base = groups(n, d, 8);
    for scale in [1e-310, 1e300] {
        let rows: Vec<f64> = base.iter().map(|v| v * scale).collect();
        for metric in [Metric::L1, Metric::L2] {
            let data = DenseData::new(&rows, n, d, metric).unwrap();
            for algorithm in [Algorithm::OneBatchPam, Algorithm::NearSwap] {
                let params = KMedoids::new(5).algorithm(algorithm).seed(2).check().unwrap();
                let memory = params.fit(&data).unwrap();
                for sizes in [&[n][..], &[64, 7]] {
                    let found = sharded(&rows, d, metric, &params, sizes, true).unwrap();
                    let what = format!("{scale:e} {metric:?} {algorithm} chunks {sizes:?}");
                    assert_eq!(found.medoids, memory.medoids, "{what}");
                    assert!(
                        (found.loss - memory.loss).abs() <= 1e-9 * memory.loss,
                        "{what}: {} {}",
                        found.loss,
                        memory.loss
                    );
                    assert!((found.build_loss - memory.build_loss).abs() <= 1e-9 * memory.build_loss, "{what}");
                }
            }
        }
    }
}
