//! The memory budget of a fit, and fallible allocation of its large buffers: a fit that
//! cannot have its memory fails with an error naming the size, never aborts the process.

use std::mem::size_of;

use crate::error::{Error, Result};

/// What the default budget is when the machine's available memory cannot be read.
const FALLBACK_BUDGET: usize = 4 << 30;
/// Address space that an address-space limit must leave beyond the budgeted buffers: the C
/// allocator reserves 64 MiB of address space for each thread's arena, and the fit's threads
/// come after the budget is set. Under a tighter limit, half the room is kept instead (threads
/// then share arenas), so that small fits still get a budget.
const ADDRESS_SPACE_RESERVE: usize = 256 << 20;

/// Bytes the large buffers of one fit may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    pub bytes: usize,
}

impl Budget {
    /// `bytes`, or the default: half the memory this process can still have (see
    /// [`available_memory`]).
    pub fn new(bytes: Option<usize>) -> Self {
        Budget { bytes: bytes.unwrap_or_else(default_budget) }
    }

    /// Whether `count` values of `T` fit.
    pub fn fits<T>(&self, count: usize) -> bool {
        count.checked_mul(size_of::<T>()).is_some_and(|bytes| bytes <= self.bytes)
    }

    /// Whether `count` values of `T` for `what` fit: [`Error::OverMemoryBudget`] if not.
    pub fn check<T>(&self, what: &'static str, count: usize) -> Result<()> {
        let bytes = count.saturating_mul(size_of::<T>());
        if bytes > self.bytes {
            return Err(Error::OverMemoryBudget { what, bytes, budget: self.bytes });
        }
        Ok(())
    }

    /// A vector of `count` copies of `value`, for `what`, if it fits the budget and the
    /// allocator has it.
    ///
    /// Errors: [`Error::OverMemoryBudget`], [`Error::OutOfMemory`].
    pub fn vec<T: Clone>(&self, what: &'static str, count: usize, value: T) -> Result<Vec<T>> {
        self.check::<T>(what, count)?;
        filled(what, count, value)
    }
}

/// A vector of `count` copies of `value`, allocated fallibly.
///
/// Errors: [`Error::OutOfMemory`].
pub(crate) fn filled<T: Clone>(what: &'static str, count: usize, value: T) -> Result<Vec<T>> {
    let bytes = count.saturating_mul(size_of::<T>());
    let mut values = Vec::new();
    values.try_reserve_exact(count).map_err(|_| Error::OutOfMemory { what, bytes })?;
    values.resize(count, value);
    Ok(values)
}

/// The default budget: half of [`available_memory`], so that the rest of the process (and the
/// caller's own data) keeps room.
pub fn default_budget() -> usize {
    available_memory().map_or(FALLBACK_BUDGET, |bytes| bytes / 2)
}

/// The memory this process can still take, in bytes: the least of the system's available memory
/// (`MemAvailable`), the room left under the process's address-space limit (`ulimit -v`), and
/// the room left in its control group (a container's limit). `None` where none can be read
/// (systems other than Linux).
///
/// ```
/// if let Some(bytes) = banditpam::available_memory() {
///     assert!(bytes > 0);
/// }
/// ```
pub fn available_memory() -> Option<usize> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let system = meminfo.as_deref().and_then(|text| kib_field(text, "MemAvailable:"));
    let status = std::fs::read_to_string("/proc/self/status").ok();
    let address_space = std::fs::read_to_string("/proc/self/limits").ok().and_then(|limits| {
        let limit = address_space_limit(&limits)?;
        let used = status.as_deref().and_then(|text| kib_field(text, "VmSize:")).unwrap_or(0);
        Some(room_under_limit(limit, used))
    });
    let group = cgroup_room();
    [system, address_space, group].into_iter().flatten().min()
}

/// What an address-space limit leaves for buffers when `used` bytes are mapped: the room less
/// the reserve for threads, or half the room when it is smaller than twice the reserve.
fn room_under_limit(limit: usize, used: usize) -> usize {
    let room = limit.saturating_sub(used);
    room - ADDRESS_SPACE_RESERVE.min(room / 2)
}

/// A `Name:   1234 kB` field of a /proc file, in bytes.
fn kib_field(text: &str, name: &str) -> Option<usize> {
    let line = text.lines().find(|line| line.starts_with(name))?;
    let kib: usize = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The soft "Max address space" limit of /proc/self/limits, in bytes (`None`: unlimited).
fn address_space_limit(limits: &str) -> Option<usize> {
    let line = limits.lines().find(|line| line.starts_with("Max address space"))?;
    line["Max address space".len()..].split_whitespace().next()?.parse().ok()
}

/// `memory.max - memory.current` of this process's cgroup (v2), where a limit is set.
fn cgroup_room() -> Option<usize> {
    let group = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = group.lines().find_map(|line| line.strip_prefix("0::"))?;
    let dir = std::path::Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/'));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok()?.trim().parse::<usize>().ok();
    Some(read("memory.max")?.saturating_sub(read("memory.current").unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::human;

    #[test]
    fn reads_proc_fields() {
        assert_eq!(kib_field("MemTotal: 10 kB\nMemAvailable:    2048 kB\n", "MemAvailable:"), Some(2 << 20));
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max address space         1048576000           unlimited            bytes\n";
        assert_eq!(address_space_limit(limits), Some(1_048_576_000));
        let unlimited = "Max address space         unlimited            unlimited            bytes\n";
        assert_eq!(address_space_limit(unlimited), None);
    }

    #[test]
    fn a_tight_address_space_limit_leaves_half_its_room() {
        const MIB: usize = 1 << 20;
        assert_eq!(room_under_limit(1024 * MIB, 24 * MIB), 1000 * MIB - ADDRESS_SPACE_RESERVE);
        assert_eq!(room_under_limit(100 * MIB, 60 * MIB), 20 * MIB);
        assert_eq!(room_under_limit(50 * MIB, 60 * MIB), 0);
    }

    #[test]
    fn over_budget_and_impossible_sizes_are_errors() {
        let budget = Budget { bytes: 1000 };
        assert!(budget.fits::<f64>(125) && !budget.fits::<f64>(126) && !budget.fits::<f64>(usize::MAX));
        assert_eq!(budget.vec("test", 100, 0.0f64).unwrap().len(), 100);
        let e = budget.vec("test buffer", 200, 0.0f64).unwrap_err();
        assert!(matches!(e, Error::OverMemoryBudget { bytes: 1600, budget: 1000, .. }));
        let e = filled("huge buffer", usize::MAX / 16, 0u64).unwrap_err();
        assert!(matches!(e, Error::OutOfMemory { what: "huge buffer", .. }));
        assert_eq!(human(1536 << 20), "1.5 GiB");
        assert_eq!(human(12), "12 bytes");
    }
}
