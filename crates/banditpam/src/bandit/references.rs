//! The order in which a step reads its reference objects, and the permutation-invariant cache
//! (BanditPAM++'s PIC) of the distances read in that order.

use std::ops::Range;

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::context::{Context, Phase};
use crate::data::Dissimilarity;
use crate::error::Result;

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

/// Distances computed during a parallel read, to be stored once the read is over.
pub(crate) struct Fresh {
    candidate: usize,
    start: usize,
    values: Vec<f32>,
}

/// Where a step's reference distances come from.
pub(crate) struct References {
    order: Vec<usize>,
    /// A new random order for every step (BanditPAM) instead of one for the whole fit.
    reshuffle: bool,
    cache: Option<Cache>,
    rng: ChaCha8Rng,
}

impl References {
    /// `fixed_order`: one permutation for the whole fit (needed by the cache); `cache_width`:
    /// cached positions per object (0 for no cache).
    pub fn new(n: usize, fixed_order: bool, cache_width: usize, mut rng: ChaCha8Rng) -> Self {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        let cache = (cache_width > 0).then(|| Cache {
            width: cache_width,
            values: vec![0.0; n * cache_width],
            filled: vec![0; n],
        });
        References { order, reshuffle: !fixed_order, cache, rng }
    }

    /// Called at the start of every BUILD or SWAP step.
    pub fn start_step(&mut self) {
        if self.reshuffle {
            self.order.shuffle(&mut self.rng);
        }
    }

    /// The reference objects at positions `range`.
    pub fn objects(&self, range: Range<usize>) -> &[usize] {
        &self.order[range]
    }

    /// `out[a * range.len() + b] = d(cands[a], order[range.start + b])`, from the cache where it
    /// holds them, computed otherwise. Ranges start at a multiple of the batch size, so a
    /// candidate's cached prefix covers a range fully or not at all. What is computed for the
    /// cache is returned, for [`References::store`] once the parallel read is over.
    pub fn read<D: Dissimilarity + ?Sized>(
        &self,
        ctx: &Context<'_, D>,
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
            // Cached values are read as f32 later, so they are used as f32 now too.
            let cacheable = cache.filled[c] == range.start && range.start < cached_end;
            let stored: Vec<f32> = if cacheable {
                row[..cached_end - range.start].iter().map(|&v| v as f32).collect()
            } else {
                Vec::new()
            };
            for (b, slot) in out[a * width..(a + 1) * width].iter_mut().enumerate() {
                *slot = stored.get(b).map_or(row[b], |&v| f64::from(v));
            }
            if cacheable {
                fresh.push(Fresh { candidate: c, start: range.start, values: stored });
            }
        }
        Ok(fresh)
    }

    /// [`References::read`] of `range` as `range.start..split` and `split..range.end`.
    fn read_split<D: Dissimilarity + ?Sized>(
        &self,
        ctx: &Context<'_, D>,
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
