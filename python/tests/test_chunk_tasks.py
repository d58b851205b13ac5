"""The chunk tasks banditpam_rs.dask runs on the workers (`_core.shard_*`, `OneBatchSearch`),
called directly on numpy chunks in this process: together they give the in-memory fit's
medoids, and each rejects bad input with a clear error."""

from __future__ import annotations

import numpy as np
import pytest

import banditpam_rs
from banditpam_rs import _core


def chunked(X: np.ndarray, sizes: list[int]) -> list[tuple[int, np.ndarray]]:
    out, start = [], 0
    for size in sizes:
        out.append((start, np.ascontiguousarray(X[start : start + size])))
        start += size
    assert start == len(X)
    return out


def onebatch_by_chunks(X: np.ndarray, k: int, seed: int, sizes: list[int], metric: str, keep: bool) -> list[int]:
    """OneBatchPAM driven chunk by chunk, as the Dask estimator drives it."""
    chunks = chunked(X, sizes)
    n = len(X)
    stats = (0, np.zeros(X.shape[1]), 0.0)
    for _, chunk in chunks:
        stats = _core.shard_stats(chunk, stats)
    batch_ids, initial = _core.onebatch_plan(n, k, seed)
    batch = np.ascontiguousarray(X[batch_ids])
    passes = [_core.shard_batch(chunk, offset, batch, stats, metric=metric, keep=keep) for offset, chunk in chunks]
    assert _core.onebatch_rescale(max(p[2] for p in passes), min(p[3] for p in passes)) is None
    search = _core.OneBatchSearch(n, batch_ids, np.sum([p[1] for p in passes], axis=0), 100)
    blocks = [p[0] for p in passes]

    def holder(row: int) -> int:
        return max(i for i, (offset, _) in enumerate(chunks) if offset <= row)

    for medoid in initial:
        i = holder(medoid)
        offset, chunk = chunks[i]
        rows = _core.shard_rows(chunk, offset, batch, stats, [medoid - offset], metric=metric)
        if keep:
            np.testing.assert_array_equal(rows[0], blocks[i][medoid - offset])
        search.add_medoid(medoid, rows[0])
    weights = search.weights()
    while (window := search.window(300)) is not None:
        snapshot = search.snapshot()
        events = [
            _core.shard_scan(chunk, offset, batch, stats, block, n, snapshot, weights, *window, metric=metric)
            for (offset, chunk), block in zip(chunks, blocks)
        ]
        events = [e for e in events if e is not None]
        search.advance(*window, min(events, key=lambda e: e[0]) if events else None)
    medoids, _, _ = search.finish()
    return medoids


@pytest.mark.parametrize(
    ("metric", "dtype", "sizes", "keep"),
    [
        ("euclidean", np.float32, [640, 64, 496], True),
        ("cosine", np.float64, [1200], False),
        ("manhattan", np.float32, [7, 1000, 193], False),  # unaligned: direct kernels do not care
        ("correlation", np.float64, [128, 1072], True),
    ],
)
def test_the_chunk_tasks_give_the_in_memory_medoids(metric, dtype, sizes, keep):
    X = np.random.default_rng(3).normal(size=(1200, 5)).astype(dtype)
    medoids = onebatch_by_chunks(X, 6, 11, sizes, metric, keep)
    reference = banditpam_rs.KMedoids(n_clusters=6, method="onebatch", metric=metric, random_state=11).fit(X)
    assert medoids == reference.medoid_indices_.tolist()
    # shard_nearest gives the labels and the loss of those medoids.
    stats = _core.shard_stats(X, (0, np.zeros(5), 0.0))
    labels, distances = _core.shard_nearest(X, 0, X[medoids], stats, metric=metric)
    np.testing.assert_array_equal(labels, reference.labels_)
    assert distances.sum() == pytest.approx(reference.inertia_, rel=1e-9)


def test_best_swaps_rank_the_batch_estimates():
    X = np.random.default_rng(4).normal(size=(700, 3))
    stats = _core.shard_stats(X, (0, np.zeros(3), 0.0))
    batch_ids, initial = _core.onebatch_plan(700, 4, 0, batch_size=200)
    batch = X[batch_ids]
    block, votes, _, _ = _core.shard_batch(X, 0, batch, stats, metric="euclidean")
    search = _core.OneBatchSearch(700, batch_ids, votes, 100)
    for m in initial:
        search.add_medoid(m, block[m])
    snapshot, weights = search.snapshot(), search.weights()
    ranked = _core.shard_best_swaps(X, 0, batch, stats, block, snapshot, weights, 5, metric="euclidean")
    assert len(ranked) == 5 and [r[0] for r in ranked] == sorted(r[0] for r in ranked)
    # Brute force on the weighted batch: the best swap's change of the batch loss.
    w = weights.astype(np.float64)
    rows = (block * weights).astype(np.float64)
    loss = rows[initial].min(axis=0).sum()
    best = min(
        (rows[[c if i == p else m for i, m in enumerate(initial)]].min(axis=0).sum() - loss, c, p)
        for c in range(700)
        if c not in initial
        for p in range(4)
    )
    assert ranked[0][1:] == best[1:] and ranked[0][0] == pytest.approx(best[0], rel=1e-9, abs=1e-9)
    assert w.shape == (200,)
    # The same ranking with rows computed again.
    again = _core.shard_best_swaps(X, 0, batch, stats, None, snapshot, weights, 5, metric="euclidean")
    assert again == ranked


def test_bad_chunks_and_calls_are_clear_errors():
    X = np.ones((10, 2))
    stats = _core.shard_stats(X, (0, np.zeros(2), 0.0))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="row 13, column 1 is not finite"):
        _core.shard_stats(bad, stats)
    with pytest.raises(TypeError, match="dtype"):
        _core.shard_batch(X, 0, X[:2].astype(np.float32), stats, metric="euclidean")
    with pytest.raises(ValueError, match="not a metric on vectors"):
        _core.shard_batch(X, 0, X[:2], stats, metric="precomputed")
    with pytest.raises(ValueError, match="n_clusters=11 must be at most the number of samples"):
        _core.onebatch_plan(10, 11, 0)
    with pytest.raises(ValueError, match="one vote per batch member"):
        _core.OneBatchSearch(10, [0, 1], np.ones(3), 10)
    search = _core.OneBatchSearch(10, [0, 1], np.ones(2), 10)
    with pytest.raises(ValueError):
        search.add_medoid(0, np.ones(3, dtype=np.float32))
    search.finish()
    with pytest.raises(ValueError, match="finished"):
        search.window(5)
    snapshot = ([0], np.zeros(2, dtype=np.int64), np.zeros(2), np.zeros(2), None, -1.0)
    with pytest.raises(ValueError, match="a window of at most n"):
        _core.shard_scan(X, 0, X[:2], stats, None, 10, snapshot, np.ones(2, np.float32), 0, 11, metric="euclidean")


def test_calls_out_of_range_are_errors_not_crashes():
    X = np.random.default_rng(5).normal(size=(100, 2))
    stats = _core.shard_stats(X, (0, np.zeros(2), 0.0))
    batch_ids, initial = _core.onebatch_plan(100, 3, 0, batch_size=10)
    block, votes, _, _ = _core.shard_batch(X, 0, X[batch_ids], stats, metric="l1")
    search = _core.OneBatchSearch(100, batch_ids, votes, 10)
    for m in initial:
        search.add_medoid(m, block[m])
    snapshot, weights = search.snapshot(), search.weights()
    # A chunk said to hold rows beyond n, a swap into a position beyond k, a bad snapshot.
    with pytest.raises(ValueError, match="window"):
        _core.shard_scan(X, 50, X[batch_ids], stats, None, 100, snapshot, weights, 0, 100, metric="l1")
    with pytest.raises(ValueError, match="position 7"):
        search.advance(0, 10, (3, 3, 7, block[3]))
    broken = (snapshot[0], np.full(10, 9, dtype=np.int64), *snapshot[2:])
    with pytest.raises(ValueError):
        _core.shard_scan(X, 0, X[batch_ids], stats, block, 100, broken, weights, 0, 100, metric="l1")
    with pytest.raises(ValueError):
        _core.shard_rows(X, 0, X[batch_ids], stats, [100], metric="l1")
    assert _core.shard_scan(X[:0], 0, X[batch_ids], stats, None, 100, snapshot, weights, 0, 100, metric="l1") is None
