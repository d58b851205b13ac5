//! The Silhouette and Medoid Silhouette against brute-force definitions, and choosing k.

use banditpam::{
    medoid_silhouette_samples, partition_profile, select_k, silhouette_samples, DenseData, Error, KMedoids, KScore,
    Metric, Objects, Silent,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn l1(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum()
}

/// The textbook Silhouette, pair by pair.
fn brute_silhouette(rows: &[Vec<f64>], labels: &[usize]) -> Vec<f64> {
    let n = rows.len();
    (0..n)
        .map(|i| {
            let mut clusters: Vec<usize> = labels.to_vec();
            clusters.sort_unstable();
            clusters.dedup();
            let mean_to = |c: usize| {
                let members: Vec<usize> = (0..n).filter(|&j| labels[j] == c && j != i).collect();
                (members.iter().map(|&j| l1(&rows[i], &rows[j])).sum::<f64>() / members.len() as f64, members.len())
            };
            let (a, others) = mean_to(labels[i]);
            if others == 0 {
                return 0.0;
            }
            let b = clusters.iter().filter(|&&c| c != labels[i]).map(|&c| mean_to(c).0).fold(f64::INFINITY, f64::min);
            if a.max(b) > 0.0 {
                (b - a) / a.max(b)
            } else {
                0.0
            }
        })
        .collect()
}

fn random_rows(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| (0..d).map(|_| rng.random_range(-3.0..3.0)).collect()).collect()
}

#[test]
fn silhouette_matches_the_definition() {
    for (n, clusters, seed) in [(50, 2, 1), (120, 5, 2), (37, 36, 3), (200, 7, 4)] {
        let rows = random_rows(n, 3, seed);
        let flat: Vec<f64> = rows.concat();
        let data = DenseData::new(&flat, n, 3, Metric::L1).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Arbitrary label values, every cluster used, one singleton cluster at least when n allows.
        let mut labels: Vec<usize> =
            (0..n).map(|i| if i < clusters { i * 10 } else { rng.random_range(0..clusters) * 10 }).collect();
        labels.swap(0, n - 1);
        let expected = brute_silhouette(&rows, &labels);
        for threads in [1, 2, 5] {
            let got = silhouette_samples(&data, &labels, Some(threads)).unwrap();
            for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert!((g - e).abs() < 1e-12, "n {n}, point {i}: {g} vs {e}");
            }
        }
    }
}

#[test]
fn partition_profile_matches_brute_force() {
    for (n, clusters, seed) in [(60, 3, 5), (41, 40, 6), (150, 6, 7)] {
        let rows = random_rows(n, 3, seed);
        let flat: Vec<f64> = rows.concat();
        let data = DenseData::new(&flat, n, 3, Metric::L1).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let labels: Vec<usize> =
            (0..n).map(|i| if i < clusters { i + 1 } else { rng.random_range(0..clusters) + 1 }).collect();
        let widths = brute_silhouette(&rows, &labels);
        let profile = partition_profile(&data, &labels, Some(2), &Silent).unwrap();
        for i in 0..n {
            let within = (0..n).filter(|&j| j != i && labels[j] == labels[i]).map(|j| l1(&rows[i], &rows[j]));
            let outside = (0..n).filter(|&j| labels[j] != labels[i]).map(|j| l1(&rows[i], &rows[j]));
            let mean_to = |c: usize| {
                let members: Vec<usize> = (0..n).filter(|&j| labels[j] == c).collect();
                members.iter().map(|&j| l1(&rows[i], &rows[j])).sum::<f64>() / members.len() as f64
            };
            let neighbour = (1..=clusters)
                .filter(|&c| c != labels[i])
                .min_by(|&a, &b| mean_to(a).total_cmp(&mean_to(b)).then(a.cmp(&b)))
                .unwrap();
            let p = profile[i];
            assert!((p.silhouette - widths[i]).abs() < 1e-12, "n {n}, object {i}");
            assert_eq!(p.farthest_within, within.fold(0.0, f64::max), "n {n}, object {i}");
            assert_eq!(p.nearest_outside, outside.fold(f64::INFINITY, f64::min), "n {n}, object {i}");
            assert_eq!(p.neighbour, neighbour, "n {n}, object {i}");
        }
    }
}

#[test]
fn silhouette_rejects_what_it_cannot_score() {
    let flat = [0.0, 1.0, 2.0];
    let data = DenseData::new(&flat, 3, 1, Metric::L2).unwrap();
    for labels in [vec![0, 0, 0], vec![0, 1, 2], vec![0, 1]] {
        let e = silhouette_samples(&data, &labels, None).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { name: "labels", .. }), "{labels:?}: {e}");
    }
}

#[test]
fn medoid_silhouette_matches_the_definition() {
    let words: Vec<String> = ["apple", "apples", "appel", "banana", "bananas", "bandana", "cherry", "chery", "cherri"]
        .map(String::from)
        .to_vec();
    let data = Objects::new(&words, |a: &String, b: &String| banditpam::levenshtein(a, b)).unwrap();
    for medoids in [vec![0, 3, 6], vec![1, 5], vec![8], vec![2, 4, 6, 7]] {
        let got = medoid_silhouette_samples(&data, &medoids, Some(2)).unwrap();
        for (j, w) in words.iter().enumerate() {
            let mut d: Vec<f64> = medoids.iter().map(|&m| banditpam::levenshtein(&words[m], w)).collect();
            d.sort_by(f64::total_cmp);
            let expected = if d[0] == 0.0 { 1.0 } else { 1.0 - d[0] / d.get(1).copied().unwrap_or(f64::INFINITY) };
            assert_eq!(got[j], expected, "{medoids:?}, {w}");
        }
    }
    let e = medoid_silhouette_samples(&data, &[0, 0], None).unwrap_err();
    assert!(matches!(e, Error::InvalidInitialMedoids(_)));
    let e = medoid_silhouette_samples(&data, &[9], None).unwrap_err();
    assert!(matches!(e, Error::InvalidInitialMedoids(_)));
}

#[test]
fn select_k_finds_five_separated_blobs() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let centres = [[0.0, 0.0], [20.0, 0.0], [0.0, 20.0], [20.0, 20.0], [10.0, 40.0]];
    let flat: Vec<f64> = (0..250)
        .flat_map(|i| {
            let c = centres[i % 5];
            [c[0] + rng.random_range(-1.0..1.0), c[1] + rng.random_range(-1.0..1.0)]
        })
        .collect();
    let data = DenseData::new(&flat, 250, 2, Metric::L2).unwrap();
    let ks: Vec<usize> = (2..=9).collect();
    for score in [KScore::MedoidSilhouette, KScore::Silhouette] {
        for method in ["banditpam++", "fasterpam", "onebatch"] {
            let params = KMedoids::new(2).algorithm(method.parse().unwrap()).seed(1);
            let found = select_k(&params, &data, &ks, score).unwrap();
            assert_eq!(found.best_k, 5, "{score:?} {method}: {:?}", found.scores);
            assert_eq!(found.fits.len(), ks.len());
            for (fit, &(k, value)) in found.fits.iter().zip(&found.scores) {
                assert_eq!(fit.medoids.len(), k);
                // The reported score is the mean of the samples for that clustering.
                let samples = match score {
                    KScore::MedoidSilhouette => medoid_silhouette_samples(&data, &fit.medoids, None).unwrap(),
                    KScore::Silhouette => silhouette_samples(&data, &fit.labels, None).unwrap(),
                };
                assert!((value - samples.iter().sum::<f64>() / 250.0).abs() < 1e-12);
            }
        }
    }
    let e = select_k(&KMedoids::new(2), &data, &[1, 2], KScore::Silhouette).unwrap_err();
    assert!(e.to_string().contains("k_range"), "{e}");
    assert!(select_k(&KMedoids::new(2), &data, &[], KScore::Silhouette).is_err());
    assert!("dunn".parse::<KScore>().is_err());
}

/// Asks to stop after a number of events.
struct StopAfter(std::sync::atomic::AtomicUsize);

impl banditpam::Observer for StopAfter {
    fn on_event(&self, _: &banditpam::Event) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
    fn keep_going(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed) > 0
    }
}

#[test]
fn select_k_reports_its_fits_and_stops_when_asked() {
    let flat = crate::common::uniform(300, 3, 4);
    let data = DenseData::new(&flat, 300, 3, Metric::L2).unwrap();
    let ks: Vec<usize> = (2..=12).collect();
    for method in ["pam", "fasterpam", "auto"] {
        let params = KMedoids::new(2).algorithm(method.parse().unwrap());
        let stop = StopAfter(std::sync::atomic::AtomicUsize::new(5));
        let result = banditpam::select_k_with_observer(&params, &data, &ks, KScore::Silhouette, &stop);
        assert!(matches!(result, Err(Error::Interrupted)), "{method}: {:?}", result.map(|f| f.best_k));
    }
    // Never asked to stop, it gives select_k's answer.
    let params = KMedoids::new(2).algorithm("pam".parse().unwrap());
    let watched = StopAfter(std::sync::atomic::AtomicUsize::new(usize::MAX));
    let found = banditpam::select_k_with_observer(&params, &data, &ks, KScore::Silhouette, &watched).unwrap();
    assert_eq!(found.scores, select_k(&params, &data, &ks, KScore::Silhouette).unwrap().scores);
}
