//! Arbitrary objects with a dissimilarity function supplied by the caller.

use crate::error::{Error, Result};

use super::Dissimilarity;

/// A borrowed slice of objects and a function `f(a, b) -> f64` measuring them.
///
/// The function may be asymmetric; the medoid is its first argument. It must return a finite
/// value `>= 0`; anything else makes the fit fail with [`Error::NegativeDissimilarity`] or
/// [`Error::NonFiniteDissimilarity`] rather than give a wrong answer.
///
/// ```
/// use banditpam::{levenshtein, Dissimilarity, Objects};
/// let words = ["kitten", "sitting", "mitten"];
/// let data = Objects::new(&words, levenshtein).unwrap();
/// let mut out = [0.0; 2];
/// data.block(&[0], &[1, 2], &mut out).unwrap();
/// assert_eq!(out, [3.0, 1.0]);
/// ```
pub struct Objects<'a, T, F> {
    items: &'a [T],
    dissimilarity: F,
}

impl<'a, T, F> Objects<'a, T, F>
where
    T: Sync,
    F: Fn(&T, &T) -> f64 + Sync,
{
    /// Wrap `items` with `dissimilarity`. Errors: [`Error::EmptyData`].
    pub fn new(items: &'a [T], dissimilarity: F) -> Result<Self> {
        if items.is_empty() {
            return Err(Error::EmptyData);
        }
        Ok(Objects { items, dissimilarity })
    }

    /// The objects.
    pub fn items(&self) -> &'a [T] {
        self.items
    }
}

impl<T, F> Dissimilarity for Objects<'_, T, F>
where
    T: Sync,
    F: Fn(&T, &T) -> f64 + Sync,
{
    fn len(&self) -> usize {
        self.items.len()
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
                let value = (self.dissimilarity)(&self.items[c], &self.items[r]);
                if !value.is_finite() {
                    return Err(Error::NonFiniteDissimilarity { from: c, to: r, value });
                }
                if value < 0.0 {
                    return Err(Error::NegativeDissimilarity { from: c, to: r, value });
                }
                Ok(value)
            }
        })
    }
}

/// The Levenshtein (edit) distance between two strings, counted in Unicode scalar values.
///
/// ```
/// assert_eq!(banditpam::levenshtein(&"flaw", &"lawn"), 2.0);
/// ```
pub fn levenshtein<S: AsRef<str> + ?Sized>(a: &S, b: &S) -> f64 {
    rapidfuzz::distance::levenshtein::distance(a.as_ref().chars(), b.as_ref().chars()) as f64
}
