//! Timing probes for `bench/core.py`, which runs the peers (numpy, scikit-learn, kmedoids) on
//! the same data in the same run. Prints one JSON object per call.
//!
//! - `kernel <metric> <f32|f64> <reps>`: one 1,000 x 100 block of MNIST (d = 784), one thread;
//! - `matrix <n> <threads> <reps>`: the full n x n L2 matrix of the first n MNIST digits (f32);
//! - `fastpam1 <raw f32 matrix file> <n> <k> <threads> <reps>`: FastPAM1 (BUILD + SWAP) on a
//!   prebuilt matrix;
//! - `bandit <n> <k> <metric> <seeds> <threads> [no-exact]`: BanditPAM++ against FastPAM1 from
//!   BUILD on the first n MNIST digits;
//! - `fit <raw f32 data file> <n> <d> <algorithm> <k> <metric> <seed> <threads>`: one fit of rows
//!   in a raw little-endian f32 file (numpy's `tofile`), printing its time, medoids, loss,
//!   counters and peak memory.

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use banditpam::{Algorithm, DenseData, Dissimilarity, DistanceMatrix, KMedoids, Metric, Precomputed};

fn mnist(n: usize) -> Vec<f32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/mnist-t10k-images-idx3-ubyte.gz");
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("bundled MNIST")).read_to_end(&mut bytes).unwrap();
    bytes[16..16 + n * 784].iter().map(|&b| f32::from(b) / 255.0).collect()
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn time_reps(reps: usize, mut job: impl FnMut()) -> f64 {
    job(); // warm-up
    median(
        (0..reps)
            .map(|_| {
                let t = Instant::now();
                job();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn kernel<T: banditpam::Scalar>(metric: Metric, reps: usize) -> f64 {
    let values: Vec<T> = mnist(1100).into_iter().map(|v| T::from_f64(v as f64)).collect();
    let data = DenseData::new(&values, 1100, 784, metric).unwrap();
    let cands: Vec<usize> = (0..1000).collect();
    let refs: Vec<usize> = (1000..1100).collect();
    let mut out = vec![0.0; 1000 * 100];
    time_reps(reps, || data.block(&cands, &refs, &mut out).unwrap())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).unwrap_or_else(|| panic!("missing argument {i}")).as_str();
    match arg(0) {
        "kernel" => {
            let metric: Metric = arg(1).parse().unwrap();
            let reps: usize = arg(3).parse().unwrap();
            let seconds = match arg(2) {
                "f32" => kernel::<f32>(metric, reps),
                _ => kernel::<f64>(metric, reps),
            };
            let gflops = 2.0 * 1000.0 * 100.0 * 784.0 / seconds / 1e9;
            println!(
                r#"{{"mode":"kernel","metric":"{metric}","dtype":"{}","seconds":{seconds},"gflops":{gflops}}}"#,
                arg(2)
            );
        }
        "matrix" => {
            let n: usize = arg(1).parse().unwrap();
            let threads: usize = arg(2).parse().unwrap();
            let reps: usize = arg(3).parse().unwrap();
            let values = mnist(n);
            let data = DenseData::new(&values, n, 784, Metric::L2).unwrap();
            let seconds = time_reps(reps, || {
                DistanceMatrix::<f32>::build(&data, Some(threads)).unwrap();
            });
            println!(r#"{{"mode":"matrix","n":{n},"threads":{threads},"seconds":{seconds}}}"#);
        }
        "fastpam1" => {
            let matrix = read_f32(arg(1));
            let n: usize = arg(2).parse().unwrap();
            let k: usize = arg(3).parse().unwrap();
            let threads: usize = arg(4).parse().unwrap();
            let reps: usize = arg(5).parse().unwrap();
            let data = Precomputed::new(&matrix, n, n).unwrap();
            let params = KMedoids::new(k).algorithm(Algorithm::FastPam1).threads(Some(threads));
            let mut fit = None;
            let seconds = time_reps(reps, || fit = Some(params.fit(&data).unwrap()));
            let fit = fit.unwrap();
            let _ = data.len();
            println!(
                r#"{{"mode":"fastpam1","n":{n},"k":{k},"threads":{threads},"seconds":{seconds},"build_seconds":{},"swap_seconds":{},"medoids":{:?},"loss":{},"swaps":{}}}"#,
                fit.seconds.build,
                fit.seconds.swap,
                fit.sorted_medoids(),
                fit.loss,
                fit.swaps
            );
        }
        "bandit" => {
            // bandit <n> <k> <metric> <seeds> <threads>: BanditPAM++ against FastPAM1 (from BUILD, on
            // the matrix) on the first n MNIST digits.
            let n: usize = arg(1).parse().unwrap();
            let k: usize = arg(2).parse().unwrap();
            let metric: Metric = arg(3).parse().unwrap();
            let seeds: u64 = arg(4).parse().unwrap();
            let threads: usize = arg(5).parse().unwrap();
            let values = mnist(n);
            let data = DenseData::new(&values, n, 784, metric).unwrap();
            let t = Instant::now();
            let exact = KMedoids::new(k)
                .algorithm(if args.get(6).is_some_and(|a| a == "no-exact") {
                    Algorithm::FasterPam
                } else {
                    Algorithm::FastPam1
                })
                .threads(Some(threads))
                .precompute(Some(banditpam::MatrixPrecision::Single))
                .fit(&data)
                .unwrap();
            let exact_seconds = t.elapsed().as_secs_f64();
            for seed in 0..seeds {
                let t = Instant::now();
                let fit = KMedoids::new(k).seed(seed).threads(Some(threads)).fit(&data).unwrap();
                let seconds = t.elapsed().as_secs_f64();
                println!(
                    r#"{{"mode":"bandit","n":{n},"k":{k},"metric":"{metric}","seed":{seed},"seconds":{seconds:.3},"build_s":{:.3},"swap_s":{:.3},"fastpam1_matrix_seconds":{exact_seconds:.3},"same_build":{},"same_final":{},"loss_ratio":{:.8},"swaps":{},"evals_per_n2":{:.3},"hits_per_n2":{:.3}}}"#,
                    fit.seconds.build,
                    fit.seconds.swap,
                    sorted(&fit.build_medoids) == sorted(&exact.build_medoids),
                    fit.sorted_medoids() == exact.sorted_medoids(),
                    fit.loss / exact.loss,
                    fit.swaps,
                    fit.distance_evaluations.total() as f64 / (n * n) as f64,
                    fit.cache_hits.total() as f64 / (n * n) as f64,
                );
                let _ = &fit.build_medoids;
            }
        }
        "fit" => {
            let values = read_f32(arg(1));
            let (n, d): (usize, usize) = (arg(2).parse().unwrap(), arg(3).parse().unwrap());
            let algorithm: Algorithm = arg(4).parse().unwrap();
            let k: usize = arg(5).parse().unwrap();
            let metric: Metric = arg(6).parse().unwrap();
            let seed: u64 = arg(7).parse().unwrap();
            let threads: usize = arg(8).parse().unwrap();
            let data = DenseData::new(&values, n, d, metric).unwrap();
            let fit = KMedoids::new(k).algorithm(algorithm).seed(seed).threads(Some(threads)).fit(&data).unwrap();
            println!(
                r#"{{"seconds":{},"build_seconds":{},"swap_seconds":{},"medoids":{:?},"build_medoids":{:?},"loss":{},"swaps":{},"distance_evaluations":{},"cache_hits":{},"peak_rss_mib":{}}}"#,
                fit.seconds.total(),
                fit.seconds.build,
                fit.seconds.swap,
                fit.sorted_medoids(),
                sorted(&fit.build_medoids),
                fit.loss,
                fit.swaps,
                fit.distance_evaluations.total(),
                fit.cache_hits.total(),
                peak_rss_mib(),
            );
        }
        "dots" => {
            use banditpam::Scalar;
            let d = 784;
            let values = mnist(3000);
            for (m, r) in [(100usize, 512usize), (512, 100), (16, 512), (512, 16), (256, 256), (1000, 256), (256, 512)]
            {
                let a = &values[..m * d];
                let b = &values[m * d..(m + r) * d];
                let mut out = vec![0.0f32; m * r];
                let reps = (50_000_000 / (m * r * d)).max(3);
                let seconds = time_reps(5, || {
                    for _ in 0..reps {
                        f32::dots(m, r, d, a, b, &mut out);
                    }
                }) / reps as f64;
                println!("dots {m} x {r}: {:.1} GFLOP/s", 2.0 * (m * r * d) as f64 / seconds / 1e9);
            }
        }
        "shapes" => {
            let values = mnist(4000);
            let data = DenseData::new(&values, 4000, 784, Metric::L2).unwrap();
            for (m, r) in [(1, 2400), (8, 2400), (64, 2400), (256, 2400), (1000, 100), (16, 2048)] {
                let cands: Vec<usize> = (0..m).collect();
                let refs: Vec<usize> = (1000..1000 + r).collect();
                let mut out = vec![0.0; m * r];
                let reps = (2_000_000 / (m * r)).max(3);
                let seconds = time_reps(5, || {
                    for _ in 0..reps {
                        data.block(&cands, &refs, &mut out).unwrap();
                    }
                }) / reps as f64;
                println!("{m} x {r}: {:.1} GFLOP/s", 2.0 * (m * r * 784) as f64 / seconds / 1e9);
            }
        }
        other => panic!("unknown mode {other}"),
    }
}

/// This process's peak resident memory (VmHWM: its own, unlike `getrusage`, which on Linux
/// keeps the parent's peak across `exec`).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().strip_suffix("kB"));
    kib.and_then(|v| v.trim().parse::<f64>().ok()).map_or(f64::NAN, |v| v / 1024.0)
}

/// A file of little-endian `f32` values.
fn read_f32(path: &str) -> Vec<f32> {
    let raw = std::fs::read(path).expect("readable f32 file");
    raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

fn sorted(v: &[usize]) -> Vec<usize> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}
