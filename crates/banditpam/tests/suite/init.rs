//! Initialisation and restarts: given medoids are kept as given, k-medoids++ draws by
//! distance, and `n_init` keeps the best of several searches.

use banditpam::{Algorithm, DenseData, Init, KMedoids, Metric};

/// `per_blob` points around each of `centres`, 1-D, spread 1, centres far apart.
fn blobs(centres: &[f64], per_blob: usize) -> Vec<f64> {
    centres.iter().flat_map(|&c| (0..per_blob).map(move |i| c + (i as f64 / per_blob as f64) - 0.5)).collect()
}

#[test]
fn given_medoids_with_no_swaps_are_returned_as_given() {
    let values = blobs(&[0.0, 100.0, 200.0], 20);
    let data = DenseData::new(&values, values.len(), 1, Metric::L2).unwrap();
    let start = vec![59, 3, 31];
    for algorithm in Algorithm::ALL {
        let fit = KMedoids::new(3).algorithm(algorithm).init(Init::Medoids(start.clone())).max_iter(0).fit(&data);
        let fit = fit.unwrap();
        assert_eq!(fit.medoids, start, "{algorithm}");
        assert_eq!(fit.build_medoids, start, "{algorithm}");
        assert_eq!(fit.swaps, 0, "{algorithm}");
        // The labels and loss are those of the given medoids, computed exactly.
        let loss: f64 =
            values.iter().map(|v| start.iter().map(|&m| (values[m] - v).abs()).fold(f64::MAX, f64::min)).sum();
        assert!((fit.loss - loss).abs() < 1e-9 * loss, "{algorithm}");
    }
}

#[test]
fn kmedoids_plus_plus_draws_one_medoid_per_far_blob() {
    let centres = [0.0, 1e4, 2e4, 3e4, 4e4];
    let values = blobs(&centres, 30);
    let n = values.len();
    let data = DenseData::new(&values, n, 1, Metric::L2).unwrap();
    for seed in 0..10 {
        let params = KMedoids::new(5)
            .algorithm(Algorithm::BanditPamPlusPlus)
            .init(Init::KMedoidsPlusPlus)
            .seed(seed)
            .max_iter(0);
        let fit = params.fit(&data).unwrap();
        let mut blob_of: Vec<usize> = fit.build_medoids.iter().map(|&m| m / 30).collect();
        blob_of.sort_unstable();
        // A second medoid in a blob needs a draw of weight <= 1 against >= 1e4 elsewhere.
        assert_eq!(blob_of, [0, 1, 2, 3, 4], "seed {seed}: {:?}", fit.build_medoids);
        // k rows of n distances, nothing else (BanditPAM++ builds no matrix).
        assert_eq!(fit.distance_evaluations.build, (5 * n) as u64, "seed {seed}");
        assert_eq!(params.fit(&data).unwrap().build_medoids, fit.build_medoids, "deterministic");
    }
    // On identical points every draw has weight 0: the medoids are still k distinct objects.
    let same = vec![1.0; 12];
    let data = DenseData::new(&same, 12, 1, Metric::L2).unwrap();
    let fit = KMedoids::new(4).init(Init::KMedoidsPlusPlus).max_iter(0).fit(&data).unwrap();
    let mut medoids = fit.medoids.clone();
    medoids.dedup();
    assert_eq!(medoids.len(), 4);
}

#[test]
fn n_init_keeps_the_best_of_its_searches() {
    let values = blobs(&[0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0], 25);
    let n = values.len();
    let data = DenseData::new(&values, n, 1, Metric::L2).unwrap();
    for algorithm in [Algorithm::FasterPam, Algorithm::OneBatchPam, Algorithm::BanditPamPlusPlus] {
        let one = KMedoids::new(8).algorithm(algorithm).init(Init::Random).seed(5).max_iter(1);
        let single = one.fit(&data).unwrap();
        assert_eq!(one.clone().n_init(1).fit(&data).unwrap().medoids, single.medoids, "{algorithm}: n_init = 1");
        let many = one.clone().n_init(6).fit(&data).unwrap();
        assert!(many.loss <= single.loss, "{algorithm}: {} > {}", many.loss, single.loss);
        // Every restart's distances are counted (FasterPAM's restarts read its matrix instead).
        if many.matrix.is_none() {
            assert!(many.distance_evaluations.total() > single.distance_evaluations.total(), "{algorithm}");
        }
        for threads in [1, 3] {
            let again = one.clone().n_init(6).threads(Some(threads)).fit(&data).unwrap();
            assert_eq!(again.medoids, many.medoids, "{algorithm}: {threads} threads");
        }
    }
    let e = KMedoids::new(2).n_init(0).check().unwrap_err();
    assert!(e.to_string().contains("n_init"), "{e}");
}

/// The start on a sample (nearswap's default) runs from 300,000 objects on; below, it is
/// OneBatchPAM's answer, the same as `init = "onebatch"` gives.
#[test]
fn the_sample_start_is_onebatchs_answer_on_small_data() {
    assert_eq!("sample".parse::<Init>().unwrap(), Init::Sample);
    assert!(Init::NAMES.contains(&"sample"));
    let values = blobs(&[0.0, 10.0, 20.0, 30.0], 50);
    let data = DenseData::new(&values, values.len(), 1, Metric::L2).unwrap();
    let default = KMedoids::new(4).algorithm(Algorithm::NearSwap).seed(3).check().unwrap();
    assert_eq!(default.init(), &Init::Sample);
    let sample = default.fit(&data).unwrap();
    let onebatch = KMedoids::new(4).algorithm(Algorithm::NearSwap).init(Init::OneBatch).seed(3).fit(&data).unwrap();
    assert_eq!(sample.build_medoids, onebatch.build_medoids);
    assert_eq!(sample.medoids, onebatch.medoids);
    assert_eq!(sample.loss, onebatch.loss);
}
