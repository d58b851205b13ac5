//! Sparse rows give the dense rows' distances and medoids.

use banditpam::{Algorithm, DenseData, Dissimilarity, Error, KMedoids, Metric, SparseData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random n x d matrix with about 20% nonzeros, dense and as CSR.
fn matrix(n: usize, d: usize, seed: u64) -> (Vec<f64>, Vec<usize>, Vec<usize>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dense: Vec<f64> =
        (0..n * d).map(|_| if rng.random_bool(0.2) { rng.random_range(-5.0..5.0) } else { 0.0 }).collect();
    let (mut indptr, mut indices, mut values) = (vec![0], Vec::new(), Vec::new());
    for row in dense.chunks_exact(d) {
        for (j, &v) in row.iter().enumerate().filter(|(_, &v)| v != 0.0) {
            indices.push(j);
            values.push(v);
        }
        indptr.push(indices.len());
    }
    (dense, indptr, indices, values)
}

#[test]
fn sparse_distances_and_medoids_equal_dense_ones() {
    let (n, d) = (150, 30);
    let (dense, indptr, indices, values) = matrix(n, d, 3);
    for metric in [Metric::L2, Metric::SquaredL2, Metric::L1, Metric::Cosine] {
        let sparse = SparseData::new(&indptr, &indices, &values, d, metric).unwrap();
        let full = DenseData::new(&dense, n, d, metric).unwrap();
        let all: Vec<usize> = (0..n).collect();
        let (mut a, mut b) = (vec![0.0; n * n], vec![0.0; n * n]);
        sparse.block(&all, &all, &mut a).unwrap();
        full.block(&all, &all, &mut b).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0), "{metric:?}: {x} vs {y}");
        }
        for algorithm in [Algorithm::FastPam1, Algorithm::BanditPamPlusPlus, Algorithm::FasterPam] {
            let s = KMedoids::new(4).algorithm(algorithm).seed(2).fit(&sparse).unwrap();
            let f = KMedoids::new(4).algorithm(algorithm).seed(2).fit(&full).unwrap();
            assert_eq!(s.medoids, f.medoids, "{metric:?} {algorithm}");
            assert!((s.loss - f.loss).abs() <= 1e-9 * f.loss, "{metric:?} {algorithm}");
        }
    }
}

#[test]
fn bad_sparse_input_is_named() {
    let (indptr, indices, values) = (vec![0, 2, 3], vec![1, 0, 0], vec![1.0, 2.0, 3.0]);
    let e = SparseData::new(&indptr, &indices, &values, 2, Metric::L2).unwrap_err();
    assert!(e.to_string().contains("row 0 has unsorted or repeated columns"), "{e}");
    let e = SparseData::new(&[0, 1], &[5], &[1.0], 2, Metric::L2).unwrap_err();
    assert!(e.to_string().contains("column 5 for 2 columns"), "{e}");
    let e = SparseData::new(&[0, 1], &[0], &[f64::NAN], 2, Metric::L2).unwrap_err();
    assert!(matches!(e, Error::NonFiniteValue { row: 0, col: 0, .. }), "{e}");
    let e = SparseData::new(&[0, 1], &[0], &[1.0], 2, Metric::LInf).unwrap_err();
    assert!(e.to_string().contains("for sparse input"), "{e}");
    assert_eq!(SparseData::new(&[0], &[], &[], 2, Metric::L2).unwrap_err(), Error::EmptyData);
}
