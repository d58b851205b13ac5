//! Strings under the edit distances, on rapidfuzz's bit-parallel algorithms (Myers, Hyyrö):
//! each block compares one candidate, whose bit masks are computed once, with many references.

use std::collections::HashMap;

use rapidfuzz::distance::{damerau_levenshtein, hamming, indel, jaro_winkler, levenshtein, osa};

use crate::error::{Error, Result};
use crate::metric::StringMetric;

use super::Dissimilarity;

impl StringMetric {
    /// The distance between two strings.
    ///
    /// Errors: [`Error::InvalidParameter`] for [`StringMetric::Hamming`] on strings of
    /// different lengths.
    ///
    /// ```
    /// use banditpam::StringMetric;
    /// assert_eq!(StringMetric::Levenshtein.distance("kitten", "sitting").unwrap(), 3.0);
    /// assert_eq!(StringMetric::Osa.distance("ca", "abc").unwrap(), 3.0);
    /// assert_eq!(StringMetric::DamerauLevenshtein.distance("ca", "abc").unwrap(), 2.0);
    /// assert_eq!(StringMetric::Indel.distance("flaw", "lawn").unwrap(), 2.0);
    /// assert!(StringMetric::Hamming.distance("ab", "abc").is_err());
    /// ```
    pub fn distance(self, a: &str, b: &str) -> Result<f64> {
        let b: Vec<char> = b.chars().collect();
        Comparator::new(self, a.chars()).distance(&b).ok_or_else(|| unequal_lengths(a.chars().count(), b.len()))
    }
}

fn unequal_lengths(a: usize, b: usize) -> Error {
    Error::InvalidParameter {
        name: "metric",
        expected: "strings of one length for hamming",
        value: format!("strings of {a} and {b} characters"),
    }
}

/// One string's precomputed pattern, compared with many others.
enum Comparator {
    Levenshtein(levenshtein::BatchComparator<char>),
    DamerauLevenshtein(damerau_levenshtein::BatchComparator<char>),
    Osa(osa::BatchComparator<char>),
    Indel(indel::BatchComparator<char>),
    Hamming(hamming::BatchComparator<char>),
    JaroWinkler(jaro_winkler::BatchComparator<char>),
}

impl Comparator {
    fn new<I: IntoIterator<Item = char>>(metric: StringMetric, pattern: I) -> Self
    where
        I::IntoIter: Clone,
    {
        match metric {
            StringMetric::Levenshtein => Comparator::Levenshtein(levenshtein::BatchComparator::new(pattern)),
            StringMetric::DamerauLevenshtein => {
                Comparator::DamerauLevenshtein(damerau_levenshtein::BatchComparator::new(pattern))
            }
            StringMetric::Osa => Comparator::Osa(osa::BatchComparator::new(pattern)),
            StringMetric::Indel => Comparator::Indel(indel::BatchComparator::new(pattern)),
            StringMetric::Hamming => Comparator::Hamming(hamming::BatchComparator::new(pattern)),
            StringMetric::JaroWinkler => Comparator::JaroWinkler(jaro_winkler::BatchComparator::new(pattern)),
        }
    }

    /// The distance to `other`; `None` only for Hamming on unequal lengths.
    fn distance(&self, other: &[char]) -> Option<f64> {
        let chars = other.iter().copied();
        Some(match self {
            Comparator::Levenshtein(c) => c.distance(chars) as f64,
            Comparator::DamerauLevenshtein(c) => c.distance(chars) as f64,
            Comparator::Osa(c) => c.distance(chars) as f64,
            Comparator::Indel(c) => c.distance(chars) as f64,
            Comparator::Hamming(c) => c.distance(chars).ok()? as f64,
            Comparator::JaroWinkler(c) => c.distance(chars),
        })
    }
}

/// Cells of the Damerau-Levenshtein table (O(n m), unlike the bit-parallel metrics) above which
/// a pair is computed by [`damerau_levenshtein_interruptible`], which checks for cancellation
/// every [`CELLS_PER_CHECK`] cells; rapidfuzz's takes about 90 s for two strings of 100,000.
const LONG_PAIR_CELLS: usize = 1 << 22;
const CELLS_PER_CHECK: usize = 1 << 20;

/// Cells (length x length) above which a bit-parallel pair takes more than a few milliseconds
/// (two strings of 100,000 characters: 0.2-0.9 s) and is computed by [`pair_aside`].
const ASIDE_PAIR_CELLS: usize = 1 << 26;

/// How often [`pair_aside`] asks whether to go on.
const ASIDE_POLL: std::time::Duration = std::time::Duration::from_millis(10);

/// One long pair of a bit-parallel metric, computed on a helper thread while this one asks
/// `keep_going` every few milliseconds. rapidfuzz's kernels cannot be paused: on a cancellation
/// this returns at once and the helper finishes the pair unobserved (one core, for at most the
/// pair's own time), so a fit stops within a second however long its strings.
fn pair_aside(metric: StringMetric, a: &[char], b: &[char], keep_going: &dyn Fn() -> bool) -> Result<f64> {
    use std::sync::mpsc::{channel, RecvTimeoutError};
    let (pattern, text) = (a.to_vec(), b.to_vec());
    let (send, receive) = channel();
    std::thread::Builder::new()
        .name("banditpam-long-pair".into())
        .spawn(move || {
            let _ = send.send(Comparator::new(metric, pattern.iter().copied()).distance(&text));
        })
        .map_err(|e| Error::ThreadPool(format!("cannot start a thread for a long pair: {e}")))?;
    loop {
        match receive.recv_timeout(ASIDE_POLL) {
            Ok(value) => return value.ok_or_else(|| unequal_lengths(a.len(), b.len())),
            Err(RecvTimeoutError::Timeout) if !keep_going() => return Err(Error::Interrupted),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(Error::ThreadPool("the thread of a long pair stopped without a result".into()))
            }
        }
    }
}

/// The unrestricted Damerau-Levenshtein distance by Zhao's algorithm (rows of the table kept
/// two at a time, with the last row and column where each character was seen); `None` when
/// `keep_going` says stop. The same values as rapidfuzz's, which uses the same algorithm.
fn damerau_levenshtein_interruptible(a: &[char], b: &[char], keep_going: &dyn Fn() -> bool) -> Option<f64> {
    let (n, m) = (a.len(), b.len());
    let far = n.max(m) + 1;
    // Each character of `b` as a small number, so that the last row of a character is an index.
    let mut ids: HashMap<char, usize> = HashMap::new();
    let b_ids: Vec<usize> = b
        .iter()
        .map(|&ch| {
            let next = ids.len();
            *ids.entry(ch).or_insert(next)
        })
        .collect();
    let a_ids: Vec<Option<usize>> = a.iter().map(|ch| ids.get(ch).copied()).collect();
    let mut last_row = vec![0usize; ids.len()];
    // Columns 0..=m + 1 of the current and previous rows; slot 0 stands for column -1.
    let mut row: Vec<usize> = std::iter::once(far).chain(0..=m).collect();
    let mut previous = vec![far; m + 2];
    let mut transposed = vec![far; m + 2];
    let mut cells = 0usize;
    for i in 1..=n {
        std::mem::swap(&mut row, &mut previous);
        let mut last_column = 0usize; // 0: none yet (columns count from 1)
        let mut before_diagonal = row[1];
        row[1] = i;
        let mut from_transposition = far;
        for j in 1..=m {
            let same = a[i - 1] == b[j - 1];
            let mut value = (previous[j] + usize::from(!same)).min(row[j] + 1).min(previous[j + 1] + 1);
            if same {
                last_column = j;
                transposed[j + 1] = previous[j - 1];
                from_transposition = before_diagonal;
            } else {
                let k = last_row[b_ids[j - 1]];
                if last_column > 0 && j - last_column == 1 && k > 0 {
                    value = value.min(transposed[j + 1] + (i - k));
                } else if k > 0 && i - k == 1 && last_column > 0 {
                    value = value.min(from_transposition + (j - last_column));
                }
            }
            before_diagonal = row[j + 1];
            row[j + 1] = value;
        }
        if let Some(id) = a_ids[i - 1] {
            last_row[id] = i;
        }
        cells += m;
        if cells >= CELLS_PER_CHECK {
            cells = 0;
            if !keep_going() {
                return None;
            }
        }
    }
    Some(row[m + 1] as f64)
}

/// Strings and a [`StringMetric`]: the data set of the string metrics.
///
/// ```
/// use banditpam::{Dissimilarity, StringMetric, Strings};
/// let data = Strings::new(&["kitten", "sitting", "mitten"], StringMetric::Levenshtein).unwrap();
/// let mut out = [0.0; 2];
/// data.block(&[0], &[1, 2], &mut out).unwrap();
/// assert_eq!(out, [3.0, 1.0]);
/// ```
pub struct Strings {
    chars: Vec<Vec<char>>,
    metric: StringMetric,
}

impl Strings {
    /// The strings, compared by `metric`.
    ///
    /// Errors: [`Error::EmptyData`]; [`Error::InvalidParameter`] for Hamming on strings of
    /// different lengths (naming the first such pair).
    pub fn new<S: AsRef<str>>(items: &[S], metric: StringMetric) -> Result<Self> {
        if items.is_empty() {
            return Err(Error::EmptyData);
        }
        let chars: Vec<Vec<char>> = items.iter().map(|s| s.as_ref().chars().collect()).collect();
        if metric == StringMetric::Hamming {
            if let Some((i, other)) = chars.iter().enumerate().find(|(_, c)| c.len() != chars[0].len()) {
                return Err(Error::InvalidParameter {
                    name: "metric",
                    expected: "strings of one length for hamming",
                    value: format!("string 0 has {} characters, string {i} has {}", chars[0].len(), other.len()),
                });
            }
        }
        Ok(Strings { chars, metric })
    }

    /// The metric.
    pub fn metric(&self) -> StringMetric {
        self.metric
    }
}

impl Dissimilarity for Strings {
    fn len(&self) -> usize {
        self.chars.len()
    }

    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()> {
        self.block_interruptible(candidates, references, out, &|| true)
    }

    /// One pattern per candidate, compared with every reference; cancellation is checked
    /// between pairs, and within long pairs (every million cells of a Damerau-Levenshtein
    /// table; every 10 ms while a helper thread computes a long bit-parallel pair).
    fn block_interruptible(
        &self,
        candidates: &[usize],
        references: &[usize],
        out: &mut [f64],
        keep_going: &dyn Fn() -> bool,
    ) -> Result<()> {
        super::fill_by_pairs(candidates, references, out, keep_going, |c| {
            let comparator = Comparator::new(self.metric, self.chars[c].iter().copied());
            move |r| {
                let (a, b) = (&self.chars[c], &self.chars[r]);
                let cells = a.len().saturating_mul(b.len());
                if self.metric == StringMetric::DamerauLevenshtein && cells > LONG_PAIR_CELLS {
                    return damerau_levenshtein_interruptible(a, b, keep_going).ok_or(Error::Interrupted);
                }
                if cells > ASIDE_PAIR_CELLS {
                    return pair_aside(self.metric, a, b, keep_going);
                }
                comparator.distance(b).ok_or_else(|| unequal_lengths(a.len(), b.len()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interruptible_damerau_levenshtein_equals_rapidfuzz() {
        let words = ["", "a", "ab", "ba", "ca", "abc", "acb", "bca", "abcdef", "badcfe", "fedcba", "aabbcc", "cabbage"];
        for x in words {
            for y in words {
                let (a, b): (Vec<char>, Vec<char>) = (x.chars().collect(), y.chars().collect());
                let expected = damerau_levenshtein::distance(a.iter().copied(), b.iter().copied()) as f64;
                assert_eq!(damerau_levenshtein_interruptible(&a, &b, &|| true), Some(expected), "{x:?} {y:?}");
            }
        }
        // Long random pairs over a small alphabet (many transpositions).
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ['a', 'b', 'c', 'd'][(state >> 33) as usize % 4]
        };
        for (n, m) in [(300, 280), (50, 700), (1000, 999)] {
            let a: Vec<char> = (0..n).map(|_| next()).collect();
            let b: Vec<char> = (0..m).map(|_| next()).collect();
            let expected = damerau_levenshtein::distance(a.iter().copied(), b.iter().copied()) as f64;
            assert_eq!(damerau_levenshtein_interruptible(&a, &b, &|| true), Some(expected), "{n} x {m}");
        }
        let long: Vec<char> = (0..3000).map(|_| next()).collect();
        assert_eq!(damerau_levenshtein_interruptible(&long, &long, &|| false), None);
    }

    #[test]
    fn long_bit_parallel_pairs_give_their_value_or_stop_when_asked() {
        let mut state = 11u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ['a', 'c', 'g', 't'][(state >> 33) as usize % 4]
        };
        let a: Vec<char> = (0..9000).map(|_| next()).collect();
        let b: Vec<char> = (0..8000).map(|_| next()).collect();
        for metric in [StringMetric::Levenshtein, StringMetric::Osa, StringMetric::Indel, StringMetric::JaroWinkler] {
            let expected = Comparator::new(metric, a.iter().copied()).distance(&b);
            assert_eq!(pair_aside(metric, &a, &b, &|| true).ok(), expected, "{metric:?}");
        }
        assert!(pair_aside(StringMetric::Hamming, &a, &b, &|| true).is_err());
        // Strings long enough for the pair to outlast the first poll: told to stop, it stops.
        let long_a: Vec<char> = (0..200_000).map(|_| next()).collect();
        let long_b: Vec<char> = (0..200_000).map(|_| next()).collect();
        let result = pair_aside(StringMetric::Osa, &long_a, &long_b, &|| false);
        assert!(matches!(result, Err(Error::Interrupted)), "{result:?}");
    }
}
