//! Criterion micro-benchmarks: one 1,000 x 100 distance block of MNIST-shaped data per metric;
//! one BUILD and one SWAP step, exact (on a 2,000-point L2 matrix) and BanditPAM++ (on the
//! 2,000 points themselves).

use banditpam::{Algorithm, DenseData, Dissimilarity, DistanceMatrix, Init, KMedoids, Metric};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};

/// Pseudo-images: sparse non-negative pixels, like MNIST.
fn images(n: usize) -> Vec<f32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    (0..n * 784).map(|_| if rng.random::<f32>() < 0.2 { rng.random::<f32>() } else { 0.0 }).collect()
}

fn blocks(c: &mut Criterion) {
    let values = images(1100);
    let cands: Vec<usize> = (0..1000).collect();
    let refs: Vec<usize> = (1000..1100).collect();
    let mut out = vec![0.0; 1000 * 100];
    let mut group = c.benchmark_group("block_1000x100_d784");
    group.throughput(Throughput::Elements(1000 * 100));
    for metric in [Metric::L2, Metric::Cosine, Metric::Correlation, Metric::L1, Metric::LInf] {
        let data = DenseData::new(&values, 1100, 784, metric).unwrap();
        group.bench_function(BenchmarkId::from_parameter(metric), |b| {
            b.iter(|| data.block(&cands, &refs, &mut out).unwrap())
        });
    }
    group.finish();
}

fn steps(c: &mut Criterion) {
    let values = images(2000);
    let data = DenseData::new(&values, 2000, 784, Metric::L2).unwrap();
    let matrix = DistanceMatrix::<f32>::build(&data, Some(1)).unwrap();
    let start: Vec<usize> = (0..10).map(|i| i * 199).collect();
    let mut group = c.benchmark_group("steps_n2000_k10");
    group.sample_size(10);
    for (name, algorithm) in [("pam", Algorithm::Pam), ("banditpam++", Algorithm::BanditPamPlusPlus)] {
        let build = KMedoids::new(10).algorithm(algorithm).max_iter(0).threads(Some(1));
        let swap = build.clone().init(Init::Medoids(start.clone())).max_iter(1);
        if algorithm == Algorithm::Pam {
            let fastpam1 = swap.clone().algorithm(Algorithm::FastPam1);
            group.bench_function("build_pam_matrix", |b| b.iter(|| build.fit(&matrix).unwrap()));
            group.bench_function("one_swap_fastpam1_matrix", |b| b.iter(|| fastpam1.fit(&matrix).unwrap()));
        } else {
            group.bench_function(format!("build_{name}"), |b| b.iter(|| build.fit(&data).unwrap()));
            group.bench_function(format!("one_swap_{name}"), |b| b.iter(|| swap.fit(&data).unwrap()));
        }
    }
    group.finish();
}

criterion_group!(benches, blocks, steps);
criterion_main!(benches);
