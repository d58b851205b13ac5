//! Time series under dynamic time warping.

use crate::error::{Error, Result};

use super::Dissimilarity;

/// Cells of the warping band computed between two checks for cancellation (a few ms).
const CELLS_PER_CHECK: usize = 1 << 20;

/// Dynamic time warping between two series: the square root of the least sum of squared
/// differences along a warping path, the path kept within `window` steps of the diagonal
/// (a Sakoe-Chiba band, widened by the difference of the lengths; `None`: no band). The values
/// are those of `dtaidistance.dtw.distance(a, b, window=w)`. Time O(len * window), memory
/// O(window) (O(len) without a band).
///
/// `keep_going` is asked every million cells or so; `None` when it says stop.
///
/// ```
/// use banditpam::dtw;
/// assert_eq!(dtw(&[0.0, 1.0, 2.0], &[0.0, 1.0, 1.0, 2.0], None), 0.0);
/// assert_eq!(dtw(&[0.0, 0.0], &[3.0, 4.0], Some(1)), 5.0);
/// ```
pub fn dtw(a: &[f64], b: &[f64], window: Option<usize>) -> f64 {
    dtw_interruptible(a, b, window, &|| true).unwrap_or(f64::INFINITY)
}

pub(crate) fn dtw_interruptible(
    a: &[f64],
    b: &[f64],
    window: Option<usize>,
    keep_going: &dyn Fn() -> bool,
) -> Option<f64> {
    let (r, c) = (a.len(), b.len());
    if r == 0 || c == 0 {
        return Some(if r == c { 0.0 } else { f64::INFINITY });
    }
    let window = window.unwrap_or(r.max(c)).max(1);
    // Row i covers the columns i - below ..= i + above - 1 (clipped to 0..c).
    let below = r.saturating_sub(c) + window - 1;
    let above = c.saturating_sub(r) + window;
    let width = below + above + 1;
    // Band rows indexed by j - (i - below); one extra slot on each side reads as infinity.
    let mut previous = vec![f64::INFINITY; width + 1];
    let mut current = vec![f64::INFINITY; width + 1];
    let mut cells = 0usize;
    for (i, &x) in a.iter().enumerate() {
        current.iter_mut().for_each(|v| *v = f64::INFINITY);
        let start = i.saturating_sub(below);
        let end = c.min(i + above);
        for (j, &y) in b.iter().enumerate().take(end).skip(start) {
            // Slot of column j in row i; the same column sits one slot further in row i - 1.
            let k = j + below + 1 - i;
            let cost = (x - y) * (x - y);
            let best = if i == 0 && j == 0 {
                0.0
            } else {
                let diagonal = if i > 0 && j > 0 { previous[k] } else { f64::INFINITY };
                let up = if i > 0 { previous[k + 1] } else { f64::INFINITY };
                let left = if j > 0 { current[k - 1] } else { f64::INFINITY };
                diagonal.min(up).min(left)
            };
            current[k] = cost + best;
        }
        cells += end.saturating_sub(start);
        if cells >= CELLS_PER_CHECK {
            cells = 0;
            if !keep_going() {
                return None;
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    Some(previous[c - 1 + below + 1 - (r - 1)].sqrt())
}

/// Series of real numbers (lengths may differ) under [`dtw`] with an optional window.
///
/// ```
/// use banditpam::{Dissimilarity, Series};
/// let series = vec![vec![0.0, 1.0, 2.0], vec![0.0, 1.0, 1.0, 2.0], vec![5.0]];
/// let data = Series::new(&series, None).unwrap();
/// let mut out = [0.0; 2];
/// data.block(&[0], &[1, 2], &mut out).unwrap();
/// assert_eq!(out[0], 0.0);
/// ```
pub struct Series<'a> {
    series: &'a [Vec<f64>],
    window: Option<usize>,
}

impl<'a> Series<'a> {
    /// The series, compared with `window` (`None`: no band).
    ///
    /// Errors: [`Error::EmptyData`]; [`Error::InvalidParameter`] for an empty series, a window
    /// of 0; [`Error::NonFiniteValue`] for a NaN or infinite value.
    pub fn new(series: &'a [Vec<f64>], window: Option<usize>) -> Result<Self> {
        if series.is_empty() {
            return Err(Error::EmptyData);
        }
        if window == Some(0) {
            return Err(Error::InvalidParameter { name: "window", expected: ">= 1", value: "0".into() });
        }
        for (row, values) in series.iter().enumerate() {
            if values.is_empty() {
                return Err(Error::InvalidParameter {
                    name: "X",
                    expected: "series of at least one value",
                    value: format!("series {row} is empty"),
                });
            }
            if let Some(col) = values.iter().position(|v| !v.is_finite()) {
                return Err(Error::NonFiniteValue { row, col, value: values[col] });
            }
        }
        Ok(Series { series, window })
    }
}

impl Dissimilarity for Series<'_> {
    fn len(&self) -> usize {
        self.series.len()
    }

    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()> {
        self.block_interruptible(candidates, references, out, &|| true)
    }

    fn block_interruptible(
        &self,
        candidates: &[usize],
        references: &[usize],
        out: &mut [f64],
        keep_going: &dyn Fn() -> bool,
    ) -> Result<()> {
        super::fill_by_pairs(candidates, references, out, keep_going, |c| {
            move |r| {
                let value = dtw_interruptible(&self.series[c], &self.series[r], self.window, keep_going)
                    .ok_or(Error::Interrupted)?;
                if !value.is_finite() {
                    return Err(Error::NonFiniteDissimilarity { from: c, to: r, value });
                }
                Ok(value)
            }
        })
    }
}
