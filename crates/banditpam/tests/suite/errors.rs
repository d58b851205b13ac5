//! Every bad input gets its own typed error, with a message that names the problem.

use banditpam::data::flatten_rows;
use banditpam::{levenshtein, Algorithm, DenseData, Error, Init, KMedoids, Metric, Objects, Observer, Precomputed};

fn message(e: Error) -> String {
    e.to_string()
}

#[test]
fn empty_data() {
    let none: [f64; 0] = [];
    assert_eq!(DenseData::new(&none, 0, 3, Metric::L2).unwrap_err(), Error::EmptyData);
    assert_eq!(Precomputed::new(&none, 0, 0).unwrap_err(), Error::EmptyData);
    let words: [&str; 0] = [];
    assert_eq!(Objects::new(&words, levenshtein).err().unwrap(), Error::EmptyData);
    assert_eq!(flatten_rows::<f64, Vec<f64>>(&[]).unwrap_err(), Error::EmptyData);
    assert!(message(Error::EmptyData).contains("empty"));
}

#[test]
fn bad_shapes() {
    let v = [1.0f64; 6];
    assert_eq!(DenseData::new(&v, 3, 0, Metric::L2).unwrap_err(), Error::NoFeatures);
    let e = DenseData::new(&v, 4, 2, Metric::L2).unwrap_err();
    assert_eq!(e, Error::ShapeMismatch { len: 6, rows: 4, cols: 2, expected: 8 });
    assert!(message(e).contains("6 values"));
    let e = flatten_rows(&[vec![1.0f64, 2.0], vec![3.0]]).unwrap_err();
    assert_eq!(e, Error::RaggedRows { row: 1, found: 1, expected: 2 });
    assert!(message(e).contains("row 1"));
    assert_eq!(flatten_rows(&[Vec::<f64>::new()]).unwrap_err(), Error::NoFeatures);
}

#[test]
fn non_finite_values() {
    let mut v = vec![0.5f32; 12];
    v[7] = f32::NAN;
    let e = DenseData::new(&v, 4, 3, Metric::L1).unwrap_err();
    assert!(matches!(e, Error::NonFiniteValue { row: 2, col: 1, .. }), "{e:?}");
    assert!(message(e).contains("row 2, column 1"));
    v[7] = f32::INFINITY;
    assert!(matches!(DenseData::new(&v, 4, 3, Metric::L1), Err(Error::NonFiniteValue { row: 2, col: 1, .. })));
    let m = [0.0, f64::NAN, 1.0, 0.0];
    assert!(matches!(Precomputed::new(&m, 2, 2), Err(Error::NonFiniteValue { row: 0, col: 1, .. })));
}

#[test]
fn bad_matrices() {
    let m = [0.0f64; 6];
    assert_eq!(Precomputed::new(&m, 2, 3).unwrap_err(), Error::NotSquare { rows: 2, cols: 3 });
    assert!(message(Error::NotSquare { rows: 2, cols: 3 }).contains("square"));
    assert!(matches!(Precomputed::new(&m, 3, 3), Err(Error::ShapeMismatch { .. })));
    let negative = [0.0, 1.0, -2.0, 0.0];
    let e = Precomputed::new(&negative, 2, 2).unwrap_err();
    assert!(matches!(e, Error::NegativeDissimilarity { from: 1, to: 0, .. }));
    assert!(message(e).contains("negative"));
}

#[test]
fn bad_user_dissimilarities_fail_the_fit() {
    let items = [1, 2, 3, 4];
    let negative = Objects::new(&items, |a: &i32, b: &i32| (a - b) as f64).unwrap();
    assert!(matches!(KMedoids::new(2).fit(&negative), Err(Error::NegativeDissimilarity { .. })));
    let nan = Objects::new(&items, |a: &i32, b: &i32| if a == b { 0.0 } else { f64::NAN }).unwrap();
    let e = KMedoids::new(2).fit(&nan).unwrap_err();
    assert!(matches!(e, Error::NonFiniteDissimilarity { .. }));
    assert!(message(e).contains("not finite"));
}

#[test]
fn bad_k() {
    let v = crate::common::uniform(5, 2, 0);
    let data = DenseData::new(&v, 5, 2, Metric::L2).unwrap();
    let zero = KMedoids::new(0).fit(&data).unwrap_err();
    assert!(matches!(zero, Error::InvalidParameter { name: "k", .. }));
    let e = KMedoids::new(6).fit(&data).unwrap_err();
    assert_eq!(e, Error::TooManyClusters { k: 6, n: 5 });
    assert!(message(e).contains("k = 6") && message(zero).contains("k must be >= 1, got 0"));
}

#[test]
fn bad_names_and_parameters() {
    assert_eq!("hamming".parse::<Metric>().unwrap_err(), Error::UnknownMetric("hamming".into()));
    assert!(message(Error::UnknownMetric("hamming".into())).contains("hamming"));
    assert_eq!("kmeans".parse::<Algorithm>().unwrap_err(), Error::UnknownAlgorithm("kmeans".into()));
    assert_eq!("lp:0.5".parse::<Metric>().unwrap_err(), Error::InvalidMinkowskiP(0.5));
    let v = [0.0f64, 1.0];
    let e = DenseData::new(&v, 2, 1, Metric::Lp(f64::NAN)).unwrap_err();
    assert!(matches!(e, Error::InvalidMinkowskiP(p) if p.is_nan()) && e.to_string().contains("p must be"));
    let data = DenseData::new(&v, 2, 1, Metric::L2).unwrap();
    let e = KMedoids::new(1).threads(Some(0)).fit(&data).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { name: "threads", .. }));
    let e = KMedoids::new(1).threads(Some(100_000)).fit(&data).unwrap_err();
    assert!(matches!(e, Error::TooManyThreads { threads: 100_000, .. }), "{e:?}");
    let e = "kmeans".parse::<Algorithm>().unwrap_err().to_string();
    assert!(e.contains("onebatch+swap") && e.contains("'kmeans'"), "{e}");
    let e = "hamming".parse::<Metric>().unwrap_err().to_string();
    assert!(e.contains("levenshtein") && e.contains("precomputed") && e.contains("'hamming'"), "{e}");
}

#[test]
fn bad_initial_medoids() {
    let v = crate::common::uniform(6, 2, 1);
    let data = DenseData::new(&v, 6, 2, Metric::L2).unwrap();
    for medoids in [vec![0], vec![0, 9], vec![2, 2]] {
        let e = KMedoids::new(2).init(Init::Medoids(medoids.clone())).fit(&data).unwrap_err();
        assert!(matches!(e, Error::InvalidInitialMedoids(_)), "{medoids:?}: {e:?}");
    }
    let fit = KMedoids::new(2).init(Init::Medoids(vec![4, 1])).max_iter(0).fit(&data).unwrap();
    assert_eq!(fit.build_medoids, vec![4, 1]);
}

#[test]
fn an_observer_can_interrupt() {
    struct StopNow;
    impl Observer for StopNow {
        fn keep_going(&self) -> bool {
            false
        }
    }
    let v = crate::common::uniform(30, 2, 2);
    let data = DenseData::new(&v, 30, 2, Metric::L2).unwrap();
    for algorithm in [Algorithm::Pam, Algorithm::FastPam1, Algorithm::FasterPam] {
        let e = KMedoids::new(3).algorithm(algorithm).fit_with_observer(&data, &StopNow).unwrap_err();
        assert_eq!(e, Error::Interrupted);
    }
}

/// Stops the fit once `limit` has passed since `start`.
struct StopAfter(std::time::Instant, std::time::Duration);

impl Observer for StopAfter {
    fn keep_going(&self) -> bool {
        self.0.elapsed() < self.1
    }
}

#[test]
fn cancellation_waits_for_one_pair_not_one_block() {
    use std::time::{Duration, Instant};
    // 20 ms a pair: one block of FastPAM1's sweep (16 candidates x 40 objects) would take 13 s.
    let items: Vec<u32> = (0..40).collect();
    let slow = Objects::new(&items, |a: &u32, b: &u32| {
        std::thread::sleep(Duration::from_millis(20));
        a.abs_diff(*b) as f64
    })
    .unwrap();
    let start = Instant::now();
    let stop = StopAfter(start, Duration::from_millis(200));
    let e = KMedoids::new(3).algorithm(Algorithm::FastPam1).threads(Some(2)).fit_with_observer(&slow, &stop);
    assert_eq!(e.unwrap_err(), Error::Interrupted);
    assert!(start.elapsed() < Duration::from_millis(1500), "stopped after {:?}", start.elapsed());
}

#[test]
fn long_vectors_are_checked_row_by_row() {
    use banditpam::Dissimilarity;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let d = 1 << 20;
    let values: Vec<f32> = (0..5 * d).map(|v| (v % 7) as f32).collect();
    let data = DenseData::new(&values, 5, d, Metric::L1).unwrap();
    // 260 references of 2^20 values: one candidate row is more work than one slice (2^28).
    let refs = vec![0usize; 260];
    let mut out = vec![0.0; 4 * 260];
    let checks = AtomicUsize::new(0);
    let keep_going = || checks.fetch_add(1, Ordering::Relaxed) < 2;
    let e = data.block_interruptible(&[1, 2, 3, 4], &refs, &mut out, &keep_going).unwrap_err();
    assert_eq!(e, Error::Interrupted);
    assert_eq!(checks.load(Ordering::Relaxed), 3, "two rows computed, the third refused");
    data.block_interruptible(&[1, 2, 3, 4], &refs, &mut out, &|| true).unwrap();
    let mut direct = vec![0.0; 4 * 260];
    data.block(&[1, 2, 3, 4], &refs, &mut direct).unwrap();
    assert_eq!(out, direct);
}
