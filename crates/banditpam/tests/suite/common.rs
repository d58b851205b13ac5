//! Shared helpers for the integration tests: bundled data and random data sets.

use std::io::Read;
use std::path::PathBuf;

use banditpam::Dissimilarity;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The repository's `data/` folder.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// `data/mnist-100.csv`: 100 rows x 784 columns in [0, 1].
pub fn mnist_100() -> Vec<f64> {
    let text = std::fs::read_to_string(data_dir().join("mnist-100.csv")).expect("bundled mnist-100.csv");
    let values: Vec<f64> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(values.len(), 100 * 784);
    values
}

/// The first `n` MNIST test images, scaled to [0, 1], as f32 rows of 784.
pub fn mnist_test(n: usize) -> Vec<f32> {
    let file = std::fs::File::open(data_dir().join("mnist-t10k-images-idx3-ubyte.gz")).expect("bundled MNIST");
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut bytes).unwrap();
    bytes[16..16 + n * 784].iter().map(|&b| b as f32 / 255.0).collect()
}

/// `n` x `d` uniform values in [0, 1).
pub fn uniform(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n * d).map(|_| rng.random::<f64>()).collect()
}

/// A random asymmetric dissimilarity matrix with a zero diagonal.
pub fn asymmetric_matrix(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n * n).map(|p| if p / n == p % n { 0.0 } else { rng.random::<f64>() * 10.0 }).collect()
}

/// Random lowercase words of length 3..10 over a small alphabet (so edit distances tie often).
pub fn words(n: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let len = rng.random_range(3..10);
            (0..len).map(|_| (b'a' + rng.random_range(0..4u8)) as char).collect()
        })
        .collect()
}

/// Exact loss of `medoids` by brute force: every object's smallest dissimilarity to a medoid.
pub fn brute_loss<D: Dissimilarity>(data: &D, medoids: &[usize]) -> f64 {
    let n = data.len();
    let refs: Vec<usize> = (0..n).collect();
    let mut rows = vec![0.0; medoids.len() * n];
    data.block(medoids, &refs, &mut rows).unwrap();
    (0..n).map(|j| (0..medoids.len()).map(|i| rows[i * n + j]).fold(f64::INFINITY, f64::min)).sum()
}
