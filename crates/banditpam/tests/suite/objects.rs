//! The object metrics (strings, series, trees) against direct definitions: a textbook dynamic
//! programme for each string distance, a full-matrix DTW, brute-force tree edit on tiny trees;
//! every method on them; cancellation inside long pairs.

use std::sync::atomic::{AtomicUsize, Ordering};

use banditpam::{
    dtw, tree_edit_distance, Algorithm, Dissimilarity, Error, KMedoids, Series, StringMetric, Strings, TreeParser,
    Trees,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Levenshtein, OSA and Indel by the textbook O(nm) programme.
fn textbook(metric: StringMetric, a: &[char], b: &[char]) -> f64 {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=m).collect();
    for i in 1..=n {
        for j in 1..=m {
            let same = a[i - 1] == b[j - 1];
            let substitute = if metric == StringMetric::Indel {
                if same {
                    0
                } else {
                    usize::MAX / 2
                }
            } else {
                usize::from(!same)
            };
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + substitute);
            if metric == StringMetric::Osa && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[n][m] as f64
}

fn random_words(count: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let alphabet: Vec<char> = "abcñü€".chars().collect();
    (0..count)
        .map(|_| (0..rng.random_range(0..12)).map(|_| alphabet[rng.random_range(0..alphabet.len())]).collect())
        .collect()
}

#[test]
fn string_metrics_equal_the_textbook_programmes() {
    let words = random_words(40, 1);
    for metric in [StringMetric::Levenshtein, StringMetric::Osa, StringMetric::Indel] {
        let data = Strings::new(&words, metric).unwrap();
        let all: Vec<usize> = (0..words.len()).collect();
        let mut out = vec![0.0; all.len() * all.len()];
        data.block(&all, &all, &mut out).unwrap();
        for (i, a) in words.iter().enumerate() {
            for (j, b) in words.iter().enumerate() {
                let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                assert_eq!(out[i * all.len() + j], textbook(metric, &a, &b), "{metric:?} {i} {j}");
            }
        }
    }
    // Damerau-Levenshtein is at most OSA and at least a third of it; Jaro-Winkler is in [0, 1].
    for (a, b) in words.iter().zip(words.iter().skip(1)) {
        let full = StringMetric::DamerauLevenshtein.distance(a, b).unwrap();
        assert!(full <= StringMetric::Osa.distance(a, b).unwrap());
        let jw = StringMetric::JaroWinkler.distance(a, b).unwrap();
        assert!((0.0..=1.0).contains(&jw) && (a != b || jw == 0.0));
    }
    assert!(matches!(Strings::new(&["ab", "abc"], StringMetric::Hamming), Err(Error::InvalidParameter { .. })));
}

/// DTW with the whole (len + 1) x (len + 1) table and the band as an explicit condition.
fn full_dtw(a: &[f64], b: &[f64], window: Option<usize>) -> f64 {
    let (r, c) = (a.len(), b.len());
    let w = window.unwrap_or(r.max(c));
    let mut d = vec![vec![f64::INFINITY; c + 1]; r + 1];
    d[0][0] = 0.0;
    for i in 1..=r {
        for j in 1..=c {
            let offset = j as isize - i as isize;
            let low = -((r.saturating_sub(c) + w - 1) as isize);
            let high = (c.saturating_sub(r) + w - 1) as isize;
            if offset < low || offset > high {
                continue;
            }
            let cost = (a[i - 1] - b[j - 1]).powi(2);
            d[i][j] = cost + d[i - 1][j - 1].min(d[i - 1][j]).min(d[i][j - 1]);
        }
    }
    d[r][c].sqrt()
}

#[test]
fn dtw_equals_the_full_table_within_any_window() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let series: Vec<Vec<f64>> =
        (0..30).map(|_| (0..rng.random_range(1..25)).map(|_| rng.random::<f64>() * 4.0 - 2.0).collect()).collect();
    for window in [None, Some(1), Some(2), Some(7), Some(100)] {
        for a in &series {
            for b in &series {
                let (band, full) = (dtw(a, b, window), full_dtw(a, b, window));
                assert!((band - full).abs() <= 1e-12 * full.max(1.0), "{window:?}: {band} vs {full}");
            }
        }
    }
    assert!(matches!(Series::new(&series, Some(0)), Err(Error::InvalidParameter { name: "window", .. })));
    assert!(matches!(Series::new(&[vec![]], None), Err(Error::InvalidParameter { .. })));
    assert!(matches!(Series::new(&[vec![f64::NAN]], None), Err(Error::NonFiniteValue { .. })));
}

#[test]
fn tree_edit_distance_on_known_pairs_and_its_axioms() {
    let mut parser = TreeParser::default();
    let cases = [
        ("{a}", "{a}", 0.0),
        ("{a}", "{b}", 1.0),
        ("{a{b}{c}}", "{a{b}}", 1.0),
        ("{a{b}{c}}", "{a{c}{b}}", 2.0),
        ("{f{d{a}{c{b}}}{e}}", "{f{c{d{a}{b}}}{e}}", 2.0),
        ("{a{b{c{d}}}}", "{d}", 3.0),
        ("{x\\{y}", "{x\\{y}", 0.0),
    ];
    for (a, b, expected) in cases {
        let (ta, tb) = (parser.parse(a).unwrap(), parser.parse(b).unwrap());
        assert_eq!(tree_edit_distance(&ta, &tb), expected, "{a} {b}");
        assert_eq!(tree_edit_distance(&tb, &ta), expected, "{b} {a}");
    }
    for bad in ["", "{a", "a}", "{a}{b}", "{a}x", "}"] {
        assert!(parser.parse(bad).is_err(), "{bad:?}");
    }
    let trees = Trees::parse(&["{a{b}{c}}", "{a{b}}", "{a}"]).unwrap();
    let mut out = [0.0; 3];
    trees.block(&[0], &[0, 1, 2], &mut out).unwrap();
    assert_eq!(out, [0.0, 1.0, 2.0]);
}

#[test]
fn every_method_clusters_objects_as_on_their_matrix() {
    let words = random_words(60, 5);
    let strings = Strings::new(&words, StringMetric::Levenshtein).unwrap();
    let all: Vec<usize> = (0..words.len()).collect();
    let mut matrix = vec![0.0; all.len() * all.len()];
    strings.block(&all, &all, &mut matrix).unwrap();
    let stored = banditpam::Precomputed::new(&matrix, all.len(), all.len()).unwrap();
    for algorithm in Algorithm::ALL {
        let params = KMedoids::new(4).algorithm(algorithm).seed(2);
        let (on_objects, on_matrix) = (params.fit(&strings).unwrap(), params.fit(&stored).unwrap());
        assert_eq!(on_objects.medoids, on_matrix.medoids, "{algorithm}");
        assert_eq!(on_objects.loss, on_matrix.loss, "{algorithm}");
    }
}

#[test]
fn long_pairs_check_for_cancellation_inside_and_stop() {
    // Two series of 5,000 points without a band: 2.5e7 cells in one pair.
    let series = vec![(0..5_000).map(|i| (i as f64).sin()).collect::<Vec<f64>>(), vec![0.5; 5_000]];
    let data = Series::new(&series, None).unwrap();
    let asked = AtomicUsize::new(0);
    let mut out = [0.0];
    let counting = || {
        asked.fetch_add(1, Ordering::Relaxed);
        true
    };
    data.block_interruptible(&[0], &[1], &mut out, &counting).unwrap();
    assert!(asked.load(Ordering::Relaxed) >= 20, "asked {} times in one pair", asked.load(Ordering::Relaxed));
    // Told to stop on the third question, the pair stops: an interruption, not a value.
    let stopping = || asked.fetch_add(1, Ordering::Relaxed) % 1000 < 2;
    asked.store(0, Ordering::Relaxed);
    let result = data.block_interruptible(&[0], &[1], &mut out, &stopping);
    assert!(matches!(result, Err(Error::Interrupted)), "{result:?}");
    assert!(asked.load(Ordering::Relaxed) < 5);
    // The same for trees: a path of 1,500 nodes against a star of 1,500.
    let path = format!("{}{}", "{a".repeat(1500), "}".repeat(1500));
    let star = format!("{{a{}}}", "{b}".repeat(1499));
    let trees = Trees::parse(&[path, star]).unwrap();
    asked.store(0, Ordering::Relaxed);
    assert!(matches!(trees.block_interruptible(&[0], &[1], &mut out, &stopping), Err(Error::Interrupted)));
}
