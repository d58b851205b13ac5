//! Thread pools local to one call, and the fixed work partition that keeps results
//! independent of the thread count.

use crate::error::{Error, Result};

/// Run `job` inside a rayon pool of `threads` workers (all cores when `None`), created for this
/// call only, so a library user's global pool is never resized.
pub(crate) fn with_pool<R: Send>(threads: Option<usize>, job: impl FnOnce() -> R + Send) -> Result<R> {
    let threads = match threads {
        Some(0) => return Err(Error::ZeroThreads),
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |t| t.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("banditpam-{i}"))
        .build()
        .map_err(|e| Error::ThreadPool(e.to_string()))?;
    Ok(pool.install(job))
}
