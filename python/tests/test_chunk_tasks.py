"""The sharded driver (`_core.fit_sharded`) and the chunk side (`_core.run_chunk_task`), run in
this process by an executor like the Dask estimator's: together they give the in-memory fit's
medoids for any chunking, and each rejects bad input with a clear error."""

from __future__ import annotations

import pickle
import uuid

import numpy as np
import pytest

import banditpam_rs
from banditpam_rs import _core


class LocalExecutor:
    """Runs the driver's tasks on numpy chunks in this process, as the Dask executor does on
    the workers: a state per chunk, created by the chunk's first task."""

    def __init__(self, X: np.ndarray, sizes: list[int], metric: str, p: float | None = None) -> None:
        assert sum(sizes) == len(X)
        self.offsets = [0, *np.cumsum(sizes).tolist()]
        self.chunks = [np.ascontiguousarray(X[a:b]) for a, b in zip(self.offsets, self.offsets[1:])]
        self.stats = (0, np.zeros(X.shape[1]), 0.0)
        for chunk in self.chunks:
            self.stats = _core.chunk_stats(chunk, self.stats)
        self.token = uuid.uuid4().hex
        self.sites = [
            _core.ChunkSite(f"{self.token}/{i}", offset, self.stats, metric, p)
            for i, offset in enumerate(self.offsets[:-1])
        ]
        self.started: set[int] = set()
        self.rounds = 0

    def run(self, task: bytes, which: list[int]) -> list[bytes]:
        self.rounds += 1
        replies = []
        for i in which:
            replies.append(_core.run_chunk_task(self.chunks[i], self.sites[i], task, create=i not in self.started))
            self.started.add(i)
        return replies

    def fit(self, **params) -> dict:
        try:
            return _core.fit_sharded(self, [len(c) for c in self.chunks], **params)
        finally:
            _core.drop_chunk_states(self.token)


def blobs(n: int, d: int, seed: int, dtype=np.float64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=5.0, size=(6, d))
    return (centres[rng.integers(0, 6, n)] + rng.normal(size=(n, d))).astype(dtype)


@pytest.mark.parametrize(
    ("method", "metric", "sizes", "keep_block"),
    [
        ("nearswap", "euclidean", [400, 400, 400], True),
        ("nearswap", "manhattan", [1, 700, 3, 496], False),
        ("onebatch", "cosine", [1200], True),
        ("onebatch", "chebyshev", [599, 1, 600], False),
        ("nearswap", "correlation", [100] * 12, True),
    ],
)
def test_sharded_fit_gives_the_in_memory_medoids(method, metric, sizes, keep_block):
    X = blobs(1200, 5, seed=len(sizes), dtype=np.float32)
    executor = LocalExecutor(X, sizes, metric)
    found = executor.fit(n_clusters=7, method=method, seed=3, keep_block=keep_block)
    reference = banditpam_rs.KMedoids(7, method=method, metric=metric, random_state=3).fit(X)
    assert found["method"] == method and executor.rounds > 0
    np.testing.assert_array_equal(found["medoids"], reference.medoid_indices_)
    assert (found["swaps"], found["converged"]) == (reference.n_iter_, reference.converged_)
    assert found["loss"] == pytest.approx(reference.inertia_, rel=1e-9)
    assert found["build_loss"] >= found["loss"]
    # chunk_nearest gives the labels and the loss of those medoids, chunk by chunk.
    centers = X[found["medoids"]].astype(np.float64)
    parts = [_core.chunk_nearest(c, site, centers) for c, site in zip(executor.chunks, executor.sites)]
    np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), reference.labels_)
    assert sum(p[1].sum() for p in parts) == pytest.approx(reference.inertia_, rel=1e-9)


def test_states_are_kept_per_fit_and_dropped():
    X = blobs(300, 3, seed=1)
    executor = LocalExecutor(X, [150, 150], "euclidean")
    found = _core.fit_sharded(executor, [150, 150], n_clusters=3, method="nearswap", seed=0)
    assert len(found["medoids"]) == 3
    assert _core.drop_chunk_states(executor.token) == 2
    assert _core.drop_chunk_states(executor.token) == 0


def test_bad_tasks_and_chunks_are_clear_errors():
    X = blobs(100, 2, seed=2)
    stats = _core.chunk_stats(X, (0, np.zeros(2), 0.0))
    bad = X.copy()
    bad[7, 1] = np.inf
    with pytest.raises(ValueError, match="row 107"):
        _core.chunk_stats(bad, stats)  # the second chunk: rows numbered in the whole data
    site = _core.ChunkSite("t/0", 0, stats, "euclidean")
    with pytest.raises(ValueError, match="decode"):
        _core.run_chunk_task(X, site, b"\xff\xff\xff", create=True)
    with pytest.raises(RuntimeError, match="state of chunk"):
        _core.run_chunk_task(X, _core.ChunkSite("never-started/0", 0, stats, "euclidean"), b"")
    with pytest.raises(ValueError, match="not a metric on vectors"):
        _core.ChunkSite("t/0", 0, stats, "precomputed")
    with pytest.raises(TypeError, match="float32 or float64"):
        _core.chunk_stats(X.astype(np.int64), stats)
    with pytest.raises(ValueError, match="features|shape|width|columns"):
        _core.chunk_nearest(X, site, np.zeros((2, 3)))


def test_a_chunk_site_pickles():
    stats = _core.chunk_stats(blobs(50, 3, seed=4), (0, np.zeros(3), 0.0))
    site = _core.ChunkSite("f/2", 40, stats, "minkowski", 3.0)
    again = pickle.loads(pickle.dumps(site))
    assert (again.key, again.offset, again.metric, again.p) == ("f/2", 40, "minkowski", 3.0)
    assert again.stats[0] == stats[0] and again.stats[2] == stats[2]
    np.testing.assert_array_equal(again.stats[1], stats[1])


def test_the_executor_s_errors_reach_the_caller():
    X = blobs(200, 2, seed=3)

    class Failing(LocalExecutor):
        def run(self, task, which):
            raise ConnectionError("worker lost")

    with pytest.raises(ConnectionError, match="worker lost"):
        Failing(X, [200], "euclidean").fit(n_clusters=2, method="nearswap", seed=0)

    class NotBytes(LocalExecutor):
        def run(self, task, which):
            return ["reply"] * len(which)

    with pytest.raises(TypeError, match="bytes"):
        NotBytes(X, [200], "euclidean").fit(n_clusters=2, method="nearswap", seed=0)

    class Short(LocalExecutor):
        def run(self, task, which):
            return super().run(task, which)[:-1]

    with pytest.raises(ValueError, match="replies"):
        Short(X, [100, 100], "euclidean").fit(n_clusters=2, method="nearswap", seed=0)


def test_methods_without_a_sharded_form_are_refused():
    X = blobs(100, 2, seed=4)
    for params in ({"method": "pam"}, {"method": "nearswap", "init": "build"}):
        with pytest.raises(ValueError, match="does not run on chunks"):
            LocalExecutor(X, [100], "euclidean").fit(n_clusters=2, seed=0, **params)
    with pytest.raises(ValueError, match="n_clusters=101"):
        LocalExecutor(X, [100], "euclidean").fit(n_clusters=101, seed=0)
