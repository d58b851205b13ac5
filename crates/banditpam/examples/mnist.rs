//! Cluster the bundled MNIST test digits and show how each medoid's digit matches its cluster.
//!
//! `cargo run --release -p banditpam --example mnist -- [n] [k] [algorithm] [metric]`
//! (defaults: 10000 10 fasterpam l2; the n x n matrix is built once with the fast kernels).

use std::io::Read;
use std::path::Path;

use banditpam::{Algorithm, DenseData, KMedoids, MatrixPrecision, Metric};

fn read_gz(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path)?).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().map_or(Ok(10_000), |s| s.parse())?;
    let k: usize = args.get(1).map_or(Ok(10), |s| s.parse())?;
    let algorithm: Algorithm = args.get(2).map_or(Ok(Algorithm::FasterPam), |s| s.parse())?;
    let metric: Metric = args.get(3).map_or(Ok(Metric::L2), |s| s.parse())?;
    if !(1..=10_000).contains(&n) {
        return Err(format!("n must be in 1..=10000 (the bundled test set), got {n}").into());
    }

    let data_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let images = read_gz(&data_dir.join("mnist-t10k-images-idx3-ubyte.gz"))?;
    let labels = read_gz(&data_dir.join("mnist-t10k-labels-idx1-ubyte.gz"))?;
    let pixels: Vec<f32> = images[16..16 + n * 784].iter().map(|&b| f32::from(b) / 255.0).collect();
    let digits = &labels[8..8 + n];

    let data = DenseData::new(&pixels, n, 784, metric)?;
    let fit = KMedoids::new(k).algorithm(algorithm).precompute(Some(MatrixPrecision::Single)).seed(0).fit(&data)?;

    println!("MNIST test digits: n = {n}, k = {k}, {algorithm}, {metric} (matrix precomputed)");
    println!(
        "loss {:.4} (average {:.4}), BUILD loss {:.4}, {} swaps, {} distance evaluations",
        fit.loss,
        fit.average_loss,
        fit.build_loss,
        fit.swaps,
        fit.distance_evaluations.total()
    );
    println!(
        "time: {:.2} s (init {:.2} s, swap {:.2} s, matrix and rest {:.2} s)",
        fit.seconds.total(),
        fit.seconds.build,
        fit.seconds.swap,
        fit.seconds.other
    );
    println!("cluster  medoid  medoid digit  size  members with the medoid's digit");
    for (pos, &m) in fit.medoids.iter().enumerate() {
        let members: Vec<usize> = (0..n).filter(|&j| fit.labels[j] == pos).collect();
        let same = members.iter().filter(|&&j| digits[j] == digits[m]).count();
        println!(
            "{pos:>7}  {m:>6}  {:>12}  {:>4}  {:>5.1}%",
            digits[m],
            members.len(),
            100.0 * same as f64 / members.len() as f64
        );
    }
    Ok(())
}
