//! The order in which a step reads its reference objects, and the permutation-invariant cache
//! (BanditPAM++'s PIC) of the distances read in that order.

use std::ops::Range;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::context::{Context, Phase};
use crate::error::Result;
use crate::memory;

/// Distances `d(c, order[t])` for `t < width`, stored densely by permutation position (no hash
/// map), so every step that reads the references in the same order reuses them. A candidate's
/// cached entries always form a prefix `0..filled[c]` of the order, because every step reads
/// the order from its start.
struct Cache {
    width: usize,
    /// `values[c * width + t]`, rounded to `f32` to halve the memory.
    values: Vec<f32>,
    filled: Vec<usize>,
}

/// Whether `f32` holds `value` to its relative precision (finite, and not subnormal unless 0).
fn fits_f32(value: f64) -> bool {
    let rounded = value as f32;
    rounded.is_finite() && (value == 0.0 || rounded.is_normal())
}

/// Distances computed during a parallel read, to be stored once the read is over.
pub(crate) struct Fresh {
    candidate: usize,
    start: usize,
    values: Vec<f32>,
}

/// Where a step's reference distances come from.
pub(crate) struct References {
    order: Vec<usize>,
    /// `position[order[t]] = t`.
    position: Vec<usize>,
    /// A new random order for every step (BanditPAM) instead of one for the whole fit.
    reshuffle: bool,
    cache: Option<Cache>,
    rng: ChaCha8Rng,
}

impl References {
    /// `fixed_order`: one permutation for the whole fit (needed by the cache); `cache_width`:
    /// cached positions per object (0 for no cache), a multiple of `batch_size` or n. When the
    /// allocator refuses the cache, it shrinks by whole batches (halving) before giving up.
    ///
    /// Errors: [`crate::Error::OutOfMemory`] when not even the order fits.
    pub fn new(
        n: usize,
        fixed_order: bool,
        cache_width: usize,
        batch_size: usize,
        mut rng: ChaCha8Rng,
    ) -> Result<Self> {
        let mut order = memory::filled("the reference order", n, 0usize)?;
        order.iter_mut().enumerate().for_each(|(i, slot)| *slot = i);
        order.shuffle(&mut rng);
        let position = memory::filled("the reference order", n, 0usize)?;
        let mut width = cache_width;
        let mut cache = None;
        while width > 0 && cache.is_none() {
            match memory::filled("the distance cache", n.saturating_mul(width), 0.0f32) {
                Ok(values) => cache = Some(Cache { width, values, filled: memory::filled("the cache index", n, 0)? }),
                Err(_) => width = width / 2 / batch_size.max(1) * batch_size.max(1),
            }
        }
        let mut refs = References { order, position, reshuffle: !fixed_order, cache, rng };
        refs.index_positions();
        Ok(refs)
    }

    fn index_positions(&mut self) {
        for (t, &j) in self.order.iter().enumerate() {
            self.position[j] = t;
        }
    }

    /// No references: for the algorithms that never sample them.
    pub fn none() -> Self {
        References {
            order: Vec::new(),
            position: Vec::new(),
            reshuffle: false,
            cache: None,
            rng: ChaCha8Rng::seed_from_u64(0),
        }
    }

    /// Cached positions per object (0: no cache).
    #[cfg(test)]
    pub fn cache_width(&self) -> usize {
        self.cache.as_ref().map_or(0, |c| c.width)
    }

    /// Called at the start of every BUILD or SWAP step.
    pub fn start_step(&mut self) {
        if self.reshuffle {
            self.order.shuffle(&mut self.rng);
            self.index_positions();
        }
    }

    /// Whether every step reads the references in the same order, so what a step learnt of a
    /// prefix of the order still describes that prefix in the next step.
    pub fn fixed(&self) -> bool {
        !self.reshuffle
    }

    /// Where object `j` comes in the order.
    pub fn position(&self, j: usize) -> usize {
        self.position[j]
    }

    /// The reference objects at positions `range`.
    pub fn objects(&self, range: Range<usize>) -> &[usize] {
        &self.order[range]
    }

    /// `out[a * range.len() + b] = d(cands[a], order[range.start + b])`, from the cache where it
    /// holds them, computed otherwise. Ranges start at a multiple of the batch size, so a
    /// candidate's cached prefix covers a range fully or not at all. What is computed for the
    /// cache is returned, for [`References::store`] once the parallel read is over.
    pub fn read(
        &self,
        ctx: &Context<'_>,
        phase: Phase,
        cands: &[usize],
        range: Range<usize>,
        out: &mut [f64],
    ) -> Result<Vec<Fresh>> {
        let width = range.len();
        let Some(cache) = &self.cache else {
            ctx.block(phase, cands, &self.order[range], out)?;
            return Ok(Vec::new());
        };
        if range.start < cache.width && cache.width < range.end {
            // Straddling the cache's edge (a sigma sample wider than the cache): read the cached
            // part and the rest apart, so the cached part still hits.
            return self.read_split(ctx, phase, cands, range, cache.width, out);
        }
        let (hits, misses): (Vec<usize>, Vec<usize>) =
            (0..cands.len()).partition(|&a| cache.filled[cands[a]] >= range.end);
        for &a in &hits {
            let row = &cache.values[cands[a] * cache.width..][range.clone()];
            for (slot, &v) in out[a * width..(a + 1) * width].iter_mut().zip(row) {
                *slot = f64::from(v);
            }
        }
        ctx.add_cache_hits(phase, (hits.len() * width) as u64);
        if misses.is_empty() {
            return Ok(Vec::new());
        }
        let miss_cands: Vec<usize> = misses.iter().map(|&a| cands[a]).collect();
        let mut computed = vec![0.0; miss_cands.len() * width];
        ctx.block(phase, &miss_cands, &self.order[range.clone()], &mut computed)?;
        let cached_end = range.end.min(cache.width);
        let mut fresh = Vec::new();
        for (&a, row) in misses.iter().zip(computed.chunks_exact(width)) {
            let c = cands[a];
            // Cached values are read as f32 later, so they are used as f32 now too. A row with a
            // value f32 cannot hold (beyond 3.4e38, or so small it would round to 0) is not
            // cached: it is read exactly each time instead.
            let cacheable = cache.filled[c] == range.start
                && range.start < cached_end
                && row[..cached_end - range.start].iter().all(|&v| fits_f32(v));
            let stored: Vec<f32> = if cacheable {
                row[..cached_end - range.start].iter().map(|&v| v as f32).collect()
            } else {
                Vec::new()
            };
            for (b, slot) in out[a * width..(a + 1) * width].iter_mut().enumerate() {
                *slot = stored.get(b).map_or(row[b], |&v| f64::from(v));
            }
            if cacheable {
                ctx.add_cache_writes(phase, stored.len() as u64);
                fresh.push(Fresh { candidate: c, start: range.start, values: stored });
            }
        }
        Ok(fresh)
    }

    /// `out[b] = d(c, order[positions[b]])` for ascending `positions` (whose objects are
    /// `objects`): from the cache for the positions it holds for `c`, computed otherwise. Nothing
    /// is stored.
    pub fn read_positions(
        &self,
        ctx: &Context<'_>,
        phase: Phase,
        c: usize,
        positions: &[usize],
        objects: &[usize],
        out: &mut [f64],
    ) -> Result<()> {
        let mut hits = 0;
        if let Some(cache) = &self.cache {
            hits = positions.partition_point(|&t| t < cache.filled[c]);
            let row = &cache.values[c * cache.width..(c + 1) * cache.width];
            for (slot, &t) in out.iter_mut().zip(&positions[..hits]) {
                *slot = f64::from(row[t]);
            }
            ctx.add_cache_hits(phase, hits as u64);
        }
        if hits < positions.len() {
            ctx.block(phase, &[c], &objects[hits..], &mut out[hits..])?;
        }
        Ok(())
    }

    /// [`References::read`] of `range` as `range.start..split` and `split..range.end`.
    fn read_split(
        &self,
        ctx: &Context<'_>,
        phase: Phase,
        cands: &[usize],
        range: Range<usize>,
        split: usize,
        out: &mut [f64],
    ) -> Result<Vec<Fresh>> {
        let (head, tail) = (split - range.start, range.end - split);
        let mut head_out = vec![0.0; cands.len() * head];
        let mut tail_out = vec![0.0; cands.len() * tail];
        let mut fresh = self.read(ctx, phase, cands, range.start..split, &mut head_out)?;
        fresh.extend(self.read(ctx, phase, cands, split..range.end, &mut tail_out)?);
        for ((row, h), t) in
            out.chunks_exact_mut(range.len()).zip(head_out.chunks_exact(head)).zip(tail_out.chunks_exact(tail))
        {
            row[..head].copy_from_slice(h);
            row[head..].copy_from_slice(t);
        }
        Ok(fresh)
    }

    /// Store what [`References::read`] computed.
    pub fn store(&mut self, fresh: Vec<Fresh>) {
        let Some(cache) = &mut self.cache else { return };
        for Fresh { candidate, start, values } in fresh {
            let row = &mut cache.values[candidate * cache.width..][start..start + values.len()];
            row.copy_from_slice(&values);
            cache.filled[candidate] = start + values.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Precomputed;
    use crate::observer::Silent;

    /// d(c, x) = |c - x| + 0.25 (c != x): values f32 holds exactly.
    fn matrix(n: usize) -> Vec<f64> {
        (0..n * n).map(|p| if p / n == p % n { 0.0 } else { (p / n).abs_diff(p % n) as f64 + 0.25 }).collect()
    }

    fn exact(n: usize, cands: &[usize], objects: &[usize]) -> Vec<f64> {
        let d = matrix(n);
        cands.iter().flat_map(|&c| objects.iter().map(|&x| d[c * n + x]).collect::<Vec<_>>()).collect()
    }

    #[test]
    fn the_cache_returns_what_was_computed_and_counts_hits() {
        let n = 40;
        let d = matrix(n);
        let data = Precomputed::new(&d, n, n).unwrap();
        // Precomputed reads are not counted as computed: wrap to count through the context.
        let ctx = Context::new(&data, &Silent);
        let mut refs = References::new(n, true, 20, 10, ChaCha8Rng::seed_from_u64(3)).unwrap();
        let cands = [0, 7, 39];
        for round in 0..2 {
            for range in [0..10, 10..20, 20..30] {
                let mut out = vec![0.0; cands.len() * range.len()];
                let fresh = refs.read(&ctx, Phase::Swap, &cands, range.clone(), &mut out).unwrap();
                assert_eq!(out, exact(n, &cands, refs.objects(range.clone())), "round {round} {range:?}");
                // The first round fills the cached prefix (0..20); the second reads it back.
                let cacheable = range.end <= 20;
                assert_eq!(fresh.len(), if round == 0 && cacheable { cands.len() } else { 0 });
                refs.store(fresh);
            }
        }
        assert_eq!(ctx.cache_hits().swap, (cands.len() * 20) as u64);
    }

    #[test]
    fn a_read_straddling_the_cache_edge_hits_its_cached_part() {
        let n = 30;
        let d = matrix(n);
        let data = Precomputed::new(&d, n, n).unwrap();
        let ctx = Context::new(&data, &Silent);
        let mut refs = References::new(n, true, 10, 10, ChaCha8Rng::seed_from_u64(1)).unwrap();
        let mut out = vec![0.0; 2 * 10];
        let fresh = refs.read(&ctx, Phase::Build, &[4, 5], 0..10, &mut out).unwrap();
        refs.store(fresh);
        let mut out = vec![0.0; 2 * 25];
        refs.read(&ctx, Phase::Build, &[4, 5], 0..25, &mut out).unwrap();
        assert_eq!(out, exact(n, &[4, 5], refs.objects(0..25)));
        assert_eq!(ctx.cache_hits().build, 20);
    }

    #[test]
    fn values_f32_cannot_hold_are_read_exactly_not_cached() {
        let n = 12;
        // Distances near 1e200: exact reads, no cache entries, the right values every time.
        let d: Vec<f64> = matrix(n).iter().map(|v| v * 1e200).collect();
        let data = Precomputed::new(&d, n, n).unwrap();
        let ctx = Context::new(&data, &Silent);
        let refs = References::new(n, true, n, 4, ChaCha8Rng::seed_from_u64(2)).unwrap();
        let mut out = vec![0.0; 2 * n];
        let fresh = refs.read(&ctx, Phase::Swap, &[1, 2], 0..n, &mut out).unwrap();
        assert!(fresh.is_empty());
        let expected: Vec<f64> = exact(n, &[1, 2], refs.objects(0..n)).iter().map(|v| v * 1e200).collect();
        assert_eq!(out, expected);
        assert!(fits_f32(0.0) && fits_f32(1e30) && !fits_f32(1e39) && !fits_f32(1e-44) && !fits_f32(f64::NAN));
    }

    #[test]
    fn reads_at_positions_mix_cached_and_computed_values() {
        let n = 30;
        let d = matrix(n);
        let data = Precomputed::new(&d, n, n).unwrap();
        let ctx = Context::new(&data, &Silent);
        let mut refs = References::new(n, true, 10, 10, ChaCha8Rng::seed_from_u64(5)).unwrap();
        let mut out = vec![0.0; 10];
        let fresh = refs.read(&ctx, Phase::Swap, &[6], 0..10, &mut out).unwrap();
        refs.store(fresh);
        let positions = [2, 9, 14, 29];
        let objects: Vec<usize> = positions.iter().map(|&t| refs.objects(t..t + 1)[0]).collect();
        assert!(objects.iter().zip(positions).all(|(&j, t)| refs.position(j) == t));
        let mut out = vec![0.0; 4];
        let before = ctx.cache_hits().swap;
        refs.read_positions(&ctx, Phase::Swap, 6, &positions, &objects, &mut out).unwrap();
        assert_eq!(out, exact(n, &[6], &objects));
        assert_eq!(ctx.cache_hits().swap - before, 2);
    }

    #[test]
    fn orders_are_permutations_and_reshuffle_only_when_asked() {
        let mut fixed = References::new(50, true, 0, 10, ChaCha8Rng::seed_from_u64(9)).unwrap();
        let first = fixed.objects(0..50).to_vec();
        let mut sorted = first.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        fixed.start_step();
        assert_eq!(fixed.objects(0..50), &first[..]);
        let mut moving = References::new(50, false, 0, 10, ChaCha8Rng::seed_from_u64(9)).unwrap();
        moving.start_step();
        assert_ne!(moving.objects(0..50), &first[..]);
        assert!((0..50).all(|t| moving.position(moving.objects(t..t + 1)[0]) == t));
        assert!(fixed.fixed() && !moving.fixed());
        assert_eq!(References::new(50, true, 20, 10, ChaCha8Rng::seed_from_u64(9)).unwrap().cache_width(), 20);
    }
}
