//! OneBatchPAM run chunk by chunk through `banditpam::sharded` against the in-memory fit: the
//! same medoids for any chunking aligned on `ROW_ALIGNMENT` (and for L1 any chunking at all),
//! whether each chunk keeps its block or computes rows again, and the same exact loss.

use banditpam::sharded::{
    add_votes, column_weights, rescale, scan, DataStats, OneBatchPlan, Search, Shard, ShardRows, ROW_ALIGNMENT,
};
use banditpam::{Algorithm, DenseData, KMedoids, Metric, Scalar};

/// What the chunked run found: medoids, swaps, converged, labels, exact loss.
type Sharded = (Vec<usize>, usize, bool, Vec<usize>, f64);

/// OneBatchPAM over `rows` cut into chunks of `sizes` rows (cycled), as a distributed driver
/// runs it; `stored`: each chunk keeps its block, else computes rows again when scanned.
fn sharded<T: Scalar>(
    rows: &[T],
    d: usize,
    metric: Metric,
    k: usize,
    seed: u64,
    sizes: &[usize],
    stored: bool,
) -> Sharded {
    let n = rows.len() / d;
    let mut chunks: Vec<(usize, &[T])> = Vec::new();
    let mut start = 0;
    for &size in sizes.iter().cycle() {
        if start >= n {
            break;
        }
        let end = (start + size).min(n);
        chunks.push((start, &rows[start * d..end * d]));
        start = end;
    }
    let mut stats = DataStats::new(d);
    for (_, chunk) in &chunks {
        stats.fold(chunk).unwrap();
    }
    let plan = OneBatchPlan::new(n, k, None, seed).unwrap();
    let m = plan.batch.len();
    let batch: Vec<T> = plan.batch.iter().flat_map(|&i| rows[i * d..(i + 1) * d].to_vec()).collect();
    let shards: Vec<Shard<T>> =
        chunks.iter().map(|&(offset, chunk)| Shard::new(chunk, offset, &batch, d, metric, &stats).unwrap()).collect();
    let mut scale = 1.0;
    let mut blocks: Vec<Vec<f32>> = shards.iter().map(|s| s.batch_block(scale).unwrap().0).collect();
    let (largest, smallest) = shards
        .iter()
        .map(|s| s.batch_votes(1.0).unwrap())
        .fold((0.0f64, f64::INFINITY), |a, (_, l, s)| (a.0.max(l), a.1.min(s)));
    if let Some(factor) = rescale(largest, smallest) {
        scale = factor;
        blocks = shards.iter().map(|s| s.batch_block(scale).unwrap().0).collect();
    }
    let mut votes = vec![0.0; m];
    if stored {
        blocks.iter().for_each(|b| add_votes(b, &mut votes));
    } else {
        for shard in &shards {
            let (v, _, _) = shard.batch_votes(scale).unwrap();
            votes.iter_mut().zip(v).for_each(|(a, b)| *a += b);
        }
    }
    let mut search = Search::new(&plan, column_weights(&votes), 100);
    let holder = |c: usize| shards.iter().position(|s| c >= s.offset() && c < s.offset() + s.len()).unwrap();
    for &medoid in &plan.initial {
        let i = holder(medoid);
        let local = medoid - shards[i].offset();
        search.add_medoid(medoid, &blocks[i][local * m..(local + 1) * m]).unwrap();
    }
    let mut window_len = 97;
    while let Some(window) = search.window(window_len) {
        let snapshot = search.snapshot();
        let found = shards
            .iter()
            .zip(&blocks)
            .filter_map(|(s, b)| {
                let source = if stored {
                    ShardRows::Stored { block: b, offset: s.offset() }
                } else {
                    ShardRows::Computed(s, scale)
                };
                scan(source, n, &snapshot, search.weights(), window.clone()).unwrap()
            })
            .min_by_key(|(found, _)| found.position);
        search.advance(window, found).unwrap();
        window_len = window_len * 3 % 1000 + 1; // windows of every size: the events must not care
    }
    let (medoids, swaps, converged) = search.finish();
    let centers: Vec<T> = medoids.iter().flat_map(|&i| rows[i * d..(i + 1) * d].to_vec()).collect();
    let (mut labels, mut loss) = (Vec::new(), 0.0);
    for &(offset, chunk) in &chunks {
        let (l, dist) = Shard::new(chunk, offset, &centers, d, metric, &stats).unwrap().nearest().unwrap();
        labels.extend(l);
        loss += dist.iter().sum::<f64>();
    }
    (medoids, swaps, converged, labels, loss)
}

fn assert_same<T: Scalar>(rows: &[T], d: usize, metric: Metric, k: usize, seed: u64, sizes: &[usize], stored: bool) {
    let n = rows.len() / d;
    let data = DenseData::new(rows, n, d, metric).unwrap();
    let fit = KMedoids::new(k).algorithm(Algorithm::OneBatchPam).seed(seed).fit(&data).unwrap();
    let (medoids, swaps, converged, labels, loss) = sharded(rows, d, metric, k, seed, sizes, stored);
    let case = format!("{metric:?} k={k} seed={seed} chunks={sizes:?} stored={stored}");
    assert_eq!(medoids, fit.medoids, "{case}");
    assert_eq!((swaps, converged), (fit.swaps, fit.converged), "{case}");
    assert_eq!(labels, fit.labels, "{case}");
    // The final assignment computes the same pairs in other blocks: equal to rounding.
    assert!((loss - fit.loss).abs() <= 1e-6 * fit.loss.max(1.0), "{case}: {loss} vs {}", fit.loss);
}

#[test]
fn aligned_chunkings_give_the_in_memory_medoids_for_every_vector_metric() {
    let a = ROW_ALIGNMENT;
    let rows: Vec<f64> = crate::common::uniform(1000, 6, 11);
    let rows32: Vec<f32> = rows.iter().map(|&v| v as f32).collect();
    let metrics = [Metric::L2, Metric::SquaredL2, Metric::L1, Metric::Cosine, Metric::Correlation, Metric::LInf];
    for (i, metric) in metrics.into_iter().enumerate() {
        let sizes: &[usize] = match i % 3 {
            0 => &[a],
            1 => &[3 * a, a, 7 * a],
            _ => &[1000],
        };
        for stored in [true, false] {
            assert_same(&rows, 6, metric, 7, i as u64, sizes, stored);
            assert_same(&rows32, 6, metric, 12, 40 + i as u64, sizes, stored);
        }
    }
}

#[test]
fn any_chunking_gives_the_in_memory_medoids_for_l1() {
    // The direct kernels compute each pair on its own: chunk boundaries cannot change a bit.
    let rows: Vec<f32> = crate::common::uniform(700, 5, 3).iter().map(|&v| v as f32).collect();
    for sizes in [&[1usize][..], &[3, 50, 17], &[699, 1], &[2]] {
        assert_same(&rows, 5, Metric::L1, 5, 9, sizes, false);
    }
    assert_same(&rows, 5, Metric::L1, 5, 9, &[13, 101], true);
}

#[test]
fn edge_cases_k_equal_n_one_medoid_and_mnist() {
    let rows = crate::common::uniform(90, 3, 5);
    assert_same(&rows, 3, Metric::L2, 90, 1, &[64], true);
    assert_same(&rows, 3, Metric::L2, 1, 1, &[64], false);
    let digits = crate::common::mnist_test(1000);
    assert_same(&digits, 784, Metric::L2, 10, 0, &[5 * ROW_ALIGNMENT, 3 * ROW_ALIGNMENT], true);
}

#[test]
fn bad_chunks_are_typed_errors() {
    let mut stats = DataStats::new(2);
    stats.fold(&[1.0f64, 2.0, 3.0, 4.0]).unwrap();
    let err = stats.fold(&[0.0f64, 0.0, 1.0, f64::NAN]).unwrap_err();
    assert!(matches!(err, banditpam::Error::NonFiniteValue { row: 3, col: 1, .. }), "{err}");
    assert!(matches!(stats.fold(&[1.0f64, 2.0, 3.0]), Err(banditpam::Error::ShapeMismatch { .. })));
    assert!(matches!(OneBatchPlan::new(3, 4, None, 0), Err(banditpam::Error::TooManyClusters { k: 4, n: 3 })));
    assert!(OneBatchPlan::new(3, 0, None, 0).is_err());
    let stats3 = DataStats::new(3);
    assert!(Shard::new(&[1.0f64, 2.0], 0, &[1.0, 2.0], 2, Metric::L2, &stats3).is_err());
}
