//! Thread pools local to one call, and the cap on their size.

use crate::error::{Error, Result};

/// Threads allowed per available core: more only adds start-up time and contention, and a
/// mistyped count (`--threads 100000`) would otherwise take minutes to start.
pub const MAX_THREADS_PER_CORE: usize = 4;
/// The cap never falls below this, so small machines can still test thread independence.
const MIN_THREAD_CAP: usize = 16;

/// The largest thread count a fit accepts: [`MAX_THREADS_PER_CORE`] x the available cores, and
/// at least 16.
///
/// ```
/// assert!(banditpam::max_threads() >= 16);
/// ```
pub fn max_threads() -> usize {
    (MAX_THREADS_PER_CORE * available_cores()).max(MIN_THREAD_CAP)
}

fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |t| t.get())
}

/// A thread count within `1..=max_threads()`. Errors: [`Error::InvalidParameter`],
/// [`Error::TooManyThreads`].
pub(crate) fn check_threads(threads: usize) -> Result<usize> {
    match threads {
        0 => Err(Error::InvalidParameter { name: "threads", expected: ">= 1", value: "0".into() }),
        t if t > max_threads() => Err(Error::TooManyThreads { threads: t, max: max_threads() }),
        t => Ok(t),
    }
}

/// Run `job` inside a rayon pool of `threads` workers (all cores when `None`), created for this
/// call only, so a library user's global pool is never resized. Results never depend on the
/// count: the work is cut into the same pieces for any pool (see `context.rs`).
pub(crate) fn with_pool<R: Send>(threads: Option<usize>, job: impl FnOnce() -> R + Send) -> Result<R> {
    let threads = match threads {
        Some(t) => check_threads(t)?,
        None => available_cores(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("banditpam-{i}"))
        .build()
        .map_err(|e| Error::ThreadPool(e.to_string()))?;
    Ok(pool.install(job))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_counts_are_capped() {
        assert!(check_threads(0).is_err());
        assert_eq!(check_threads(1).unwrap(), 1);
        assert_eq!(check_threads(max_threads()).unwrap(), max_threads());
        let e = check_threads(max_threads() + 1).unwrap_err();
        assert!(matches!(e, Error::TooManyThreads { .. }));
        assert!(e.to_string().contains(&max_threads().to_string()));
        assert!(with_pool(Some(100_000), || ()).is_err());
    }
}
