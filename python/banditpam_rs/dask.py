"""k-medoids on dask arrays, chunk by chunk on a dask.distributed cluster.

Installed with the extra ``pip install "banditpam-rs[dask]"``. The rows stay on the workers
that hold them: each chunk's work (its distances to the broadcast batch, its candidates'
swap scores, its labels) runs in the Rust core inside the worker; only the batch (a few
thousand rows), the batch's assignment to the medoids and small reductions travel.
"""

from __future__ import annotations

import bisect
import operator
import time
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import _core
from ._estimator import _seed

try:
    import dask.array as da
    from distributed import get_client
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError('banditpam_rs.dask needs dask and distributed: pip install "banditpam-rs[dask]"') from error

#: The methods this estimator runs.
METHODS: tuple[str, ...] = ("onebatch", "onebatch+swap")

#: Swaps verified exactly per round of "onebatch+swap": the batch's most promising ones.
_VERIFIED_PER_ROUND = 64
#: A verified swap must lower the exact loss by more than this share of it.
_VERIFIED_TOLERANCE = 1e-9

#: Windows of candidate positions scored per round: the first, and the smallest after a swap.
_FIRST_WINDOW = 4096
_LEAST_WINDOW = 1024


class KMedoids(ClusterMixin, TransformerMixin, BaseEstimator):
    """k-medoids on a dask array, with the data left on the cluster's workers.

    For a seed it returns the medoids `banditpam_rs.KMedoids(method="onebatch")` finds on the
    same rows in memory, whatever the chunking and the number of workers. Needs a
    `distributed.Client` (the one `distributed.get_client()` finds).

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (medoids), between 1 and the number of samples.
    metric : str, default="euclidean"
        A built-in vector metric: "euclidean", "sqeuclidean", "manhattan", "chebyshev",
        "minkowski" (with `p`), "cosine", "correlation".
    method : {"onebatch", "onebatch+swap"}, default="onebatch"
        "onebatch": OneBatchPAM, swaps judged on one random batch of about 100 ln(n k) rows,
        broadcast to every chunk; the in-memory estimator's medoids. "onebatch+swap": then
        rounds of exactly verified swaps: each round ranks every candidate's best swap on the
        batch, computes the true change of loss of the 64 most promising on all rows (one pass
        over the chunks), and applies the best if it lowers the loss; it stops when none does.
        The loss never rises; the medoids differ from the in-memory "onebatch+swap" (whose
        BanditPAM++ swaps sample references one small batch at a time, a round trip to the
        cluster each), and do not depend on the chunking.
    max_iter : int, default=100
        Maximum passes over the candidates (and, for "onebatch+swap", verified swaps).
    init : "random", array-like of k ints, or None, default=None
        The initial medoids: k distinct rows drawn from `random_state` ("random", None), or
        their row numbers.
    n_init : int, default=1
        Run the search this many times from different seeds (derived from `random_state` as
        in memory) and keep the lowest loss; each run draws its own batch.
    p : float or None, default=None
        The Minkowski exponent when ``metric="minkowski"``.
    random_state : int, numpy.random.Generator, RandomState or None, default=None
        Seeds the batch and the initial medoids, as in `banditpam_rs.KMedoids`.
    keep_block : bool or None, default=None
        Keep each chunk's block of distances to the batch (rows x batch size float32) on its
        worker for the search (True), or compute rows again when they are scored (False,
        about as much work again per pass, no memory). None: keep it when the blocks take at
        most a third of the workers' memory limits (dask starts spilling a worker's data to disk
        at 60% of its limit).

    Attributes
    ----------
    medoid_indices_ : ndarray of shape (n_clusters,)
        Row numbers of the medoids in X.
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The medoid rows.
    labels_ : dask.array.Array of shape (n_samples,)
        Position of each row's nearest medoid, computed when asked for.
    inertia_ : float
        Sum over rows of the distance to the nearest medoid.
    n_iter_ : int
        Swaps applied.
    converged_ : bool
        True if the search stopped because no swap improved the batch loss (for
        "onebatch+swap": no verified swap lowered the loss).
    method_ : str
        The method that ran.
    n_features_in_ : int
        Number of columns of X.
    block_kept_ : bool
        Whether the chunks kept their blocks (see `keep_block`).
    n_rounds_ : int
        Rounds of tasks the search sent to the chunks (one window, or one verified swap, each).
    fit_seconds_ : dict
        Wall time by step: "data" (chunks loaded, statistics), "block" (the batch's
        distances), "search", "verify" (onebatch+swap), "loss", "total".

    Examples
    --------
    >>> import dask.array as da
    >>> from distributed import Client, LocalCluster
    >>> from banditpam_rs.dask import KMedoids
    >>> with LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster, Client(cluster):
    ...     X = da.random.RandomState(0).normal(size=(10_000, 4), chunks=2_500)
    ...     model = KMedoids(n_clusters=3, random_state=0).fit(X)
    ...     labels = model.labels_.compute()
    >>> model.medoid_indices_.shape, labels.shape
    ((3,), (10000,))
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        metric: str = "euclidean",
        method: str = "onebatch",
        max_iter: int = 100,
        init: Any = None,
        n_init: int = 1,
        p: float | None = None,
        random_state: Any = None,
        keep_block: bool | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.metric = metric
        self.method = method
        self.max_iter = max_iter
        self.init = init
        self.n_init = n_init
        self.p = p
        self.random_state = random_state
        self.keep_block = keep_block

    def _check_parameters(self) -> None:
        if not isinstance(self.metric, str) or _core.metric_kind(self.metric, self.p) != "dense":
            raise ValueError(f"the dask estimator takes a built-in vector metric, got {self.metric!r}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {list(METHODS)} for dask arrays, got {self.method!r}")
        _core.check_parameters(n_clusters=self.n_clusters, max_iter=self.max_iter, init=self.init, n_init=self.n_init)
        if isinstance(self.init, str) and self.init != "random":
            raise ValueError(f'init must be "random", None or k row numbers for dask arrays, got {self.init!r}')
        if self.keep_block not in (None, True, False):
            raise TypeError(f"keep_block must be None, True or False, got {self.keep_block!r}")

    def fit(self, X: Any, y: Any = None) -> KMedoids:
        """Find the medoids of X.

        Parameters
        ----------
        X : dask.array.Array of shape (n_samples, n_features)
            Rows in any number of row chunks, with known chunk sizes. float32 and float64 are
            used as they are, other numeric types as float64.
        y : Ignored

        Returns
        -------
        self : KMedoids
        """
        self._check_parameters()
        seed = _seed(self.random_state)
        began = time.perf_counter()
        self._seconds = {"data": 0.0, "block": 0.0, "search": 0.0, "verify": 0.0, "loss": 0.0}
        self._rounds = 0
        X = _aligned(_check_array(X))
        n, d = X.shape
        client = _client()
        metric = {"metric": self.metric, "p": self.p}
        chunks = client.compute(list(X.to_delayed().ravel()))
        offsets = [0, *np.cumsum(X.chunks[0]).tolist()]
        try:
            # The kernels' statistics of the whole data, folded chunk by chunk in row order.
            stats = (0, np.zeros(d), 0.0)
            for chunk in chunks:
                stats = client.submit(_core.shard_stats, chunk, stats, pure=False)
            stats = stats.result()
            self._seconds["data"] = time.perf_counter() - began
            given = None if self.init is None or isinstance(self.init, str) else np.asarray(self.init).tolist()
            best = None
            for restart in range(self.n_init):
                batch_ids, initial = _core.onebatch_plan(n, self.n_clusters, seed, initial=given, restart=restart)
                batch = client.scatter(_rows_of(client, chunks, offsets, batch_ids), broadcast=True)
                keep = self.keep_block
                if keep is None:
                    keep = n * len(batch_ids) * 4 <= _memory_limit(client) // 3
                found = self._search(client, chunks, offsets, batch, stats, n, batch_ids, initial, keep, metric)
                medoids, swaps, converged = found
                clock = time.perf_counter()
                centers = _rows_of(client, chunks, offsets, medoids)
                losses = [
                    client.submit(_chunk_loss, chunk, offset, centers, stats, metric, pure=False)
                    for chunk, offset in zip(chunks, offsets)
                ]
                inertia = float(sum(client.gather(losses)))
                self._seconds["loss"] += time.perf_counter() - clock
                # The lowest loss, the first on ties, as the in-memory fit keeps.
                if best is None or inertia < best[0]:
                    best = (inertia, medoids, centers, swaps, converged, keep)
            inertia, medoids, centers, swaps, converged, keep = best
        finally:
            for chunk in chunks:
                chunk.release()
        self.medoid_indices_ = np.asarray(medoids, dtype=np.intp)
        self.cluster_centers_ = centers
        self.inertia_ = inertia
        self.n_iter_ = swaps
        self.converged_ = converged
        self.method_ = self.method
        self.n_features_in_ = d
        self.block_kept_ = bool(keep)
        self.n_rounds_ = self._rounds
        self.fit_seconds_ = {**self._seconds, "total": time.perf_counter() - began}
        self.labels_ = X.map_blocks(
            _labels_block, centers, stats, metric, offsets, dtype=np.intp, drop_axis=1, chunks=(X.chunks[0],)
        )
        return self

    def _search(self, client, chunks, offsets, batch, stats, n, batch_ids, initial, keep, metric):
        """OneBatchPAM's search: the chunks score windows of candidates, the driver applies
        the first improving swap. Returns ``(medoids, swaps, converged)``."""
        clock = time.perf_counter()
        passes = []
        for chunk, offset in zip(chunks, offsets):
            passes.append(client.submit(_core.shard_batch, chunk, offset, batch, stats, keep=keep, **metric))
        summaries = client.gather([client.submit(operator.itemgetter(1, 2, 3), f) for f in passes])
        largest = max(s[1] for s in summaries)
        smallest = min(s[2] for s in summaries)
        scale = _core.onebatch_rescale(largest, smallest) or 1.0
        if scale != 1.0:  # distances beyond float32: every block again, scaled
            passes = [
                client.submit(_core.shard_batch, chunk, offset, batch, stats, keep=keep, scale=scale, **metric)
                for chunk, offset in zip(chunks, offsets)
            ]
            summaries = client.gather([client.submit(operator.itemgetter(1, 2, 3), f) for f in passes])
        votes = np.sum([s[0] for s in summaries], axis=0)
        blocks = [client.submit(operator.itemgetter(0), f) for f in passes] if keep else [None] * len(chunks)
        del passes
        search = _core.OneBatchSearch(n, list(batch_ids), votes, self.max_iter)
        for medoid in initial:
            i = bisect.bisect_right(offsets, medoid) - 1
            row = client.submit(
                _block_row, chunks[i], offsets[i], batch, stats, blocks[i], medoid - offsets[i], scale, metric
            )
            search.add_medoid(medoid, row.result())
        weights = client.scatter(search.weights(), broadcast=True)
        self._seconds["block"] += time.perf_counter() - clock
        clock = time.perf_counter()
        length = _FIRST_WINDOW
        while (window := search.window(length)) is not None:
            start, end = window
            snapshot = search.snapshot()
            tasks = [
                client.submit(
                    _core.shard_scan,
                    chunks[i],
                    offsets[i],
                    batch,
                    stats,
                    blocks[i],
                    n,
                    snapshot,
                    weights,
                    start,
                    end,
                    scale=scale,
                    **metric,
                    pure=False,
                )
                for i in _chunks_holding(offsets, n, start, end)
            ]
            events = [e for e in client.gather(tasks) if e is not None]
            first = min(events, key=operator.itemgetter(0)) if events else None
            search.advance(start, end, first)
            self._rounds += 1
            # Windows follow the spacing of the swaps: wide when they are rare, narrow when not.
            length = max(_LEAST_WINDOW, 2 * (first[0] - start + 1)) if first else min(n, 4 * length)
        self._seconds["search"] += time.perf_counter() - clock
        if self.method == "onebatch+swap":
            clock = time.perf_counter()
            verified, converged = self._verified_swaps(
                client, chunks, offsets, batch, stats, blocks, scale, metric, search
            )
            self._seconds["verify"] += time.perf_counter() - clock
            medoids, swaps, _ = search.finish()
            return medoids, swaps + verified, converged
        return search.finish()

    def _verified_swaps(self, client, chunks, offsets, batch, stats, blocks, scale, metric, search):
        """Rounds of exactly verified swaps after the batch search: returns ``(swaps,
        converged)``; `search` follows every swap, so the ranking stays on the batch."""
        weights = client.scatter(search.weights(), broadcast=True)
        swaps = 0
        while swaps < self.max_iter:
            snapshot = search.snapshot()
            ranked = client.gather(
                [
                    client.submit(
                        _core.shard_best_swaps,
                        chunk,
                        offset,
                        batch,
                        stats,
                        block,
                        snapshot,
                        weights,
                        _VERIFIED_PER_ROUND,
                        scale=scale,
                        **metric,
                        pure=False,
                    )
                    for chunk, offset, block in zip(chunks, offsets, blocks)
                ]
            )
            best = sorted((s for part in ranked for s in part), key=lambda s: (s[0], s[1]))[:_VERIFIED_PER_ROUND]
            if not best:
                return swaps, True
            candidates = [c for _, c, _ in best]
            medoids = search.medoids()
            medoid_rows = _rows_of(client, chunks, offsets, medoids)
            candidate_rows = _rows_of(client, chunks, offsets, candidates)
            parts = client.gather(
                [
                    client.submit(_swap_changes, chunk, medoid_rows, candidate_rows, metric, pure=False)
                    for chunk in chunks
                ]
            )
            loss = sum(part[1] for part in parts)
            changes = np.sum([part[0] for part in parts], axis=0)
            t, position = np.unravel_index(np.argmin(changes), changes.shape)
            if not changes[t, position] < -_VERIFIED_TOLERANCE * loss:
                return swaps, True
            candidate = candidates[t]
            i = bisect.bisect_right(offsets, candidate) - 1
            row = client.submit(
                _block_row, chunks[i], offsets[i], batch, stats, blocks[i], candidate - offsets[i], scale, metric
            )
            search.apply_swap(int(position), candidate, row.result())
            swaps += 1
            self._rounds += 1
        return swaps, False

    def transform(self, X: Any) -> Any:
        """Distances from each row of X to each medoid, chunk by chunk on the workers.

        Parameters
        ----------
        X : dask.array.Array of shape (n_new, n_features)

        Returns
        -------
        distances : dask.array.Array of shape (n_new, n_clusters)
            ``distances[i, j] = d(medoid_j, X_i)``, float64, as the in-memory estimator's
            `transform` computes them.
        """
        check_is_fitted(self, "medoid_indices_")
        X = _check_array(X, self.n_features_in_)
        centers = self.cluster_centers_
        k = len(centers)
        return X.map_blocks(
            _transform_block, centers, self.metric, self.p, dtype=np.float64, chunks=(X.chunks[0], (k,))
        )

    def predict(self, X: Any) -> Any:
        """Position of each row's nearest medoid (ties: lower position).

        Parameters
        ----------
        X : dask.array.Array of shape (n_new, n_features)

        Returns
        -------
        labels : dask.array.Array of shape (n_new,)
        """
        return self.transform(X).argmin(axis=1)

    def fit_predict(self, X: Any, y: Any = None) -> Any:
        """Fit, and return the labels of the training rows.

        Parameters
        ----------
        X : dask.array.Array of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        labels : dask.array.Array of shape (n_samples,)
            `labels_`, computed when asked for.
        """
        return self.fit(X).labels_


def _client():
    try:
        return get_client()
    except ValueError:
        raise ValueError(
            "banditpam_rs.dask needs a dask.distributed Client: start one, e.g. Client(LocalCluster())"
        ) from None


def _check_array(X: Any, n_features: int | None = None) -> Any:
    """X as a 2-D float dask array with known chunk sizes and whole rows in each chunk."""
    if not isinstance(X, da.Array):
        raise TypeError(f"X must be a dask.array.Array, got {type(X).__name__}")
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead: reshape your data, e.g. X.reshape(-1, 1) "
            "for a single feature"
        )
    if any(np.isnan(c) for c in X.chunks[0]) or any(np.isnan(c) for c in X.chunks[1]):
        raise ValueError("X has unknown chunk sizes: call X.compute_chunk_sizes() first")
    if X.shape[0] == 0:
        raise ValueError("X is empty: at least one sample is needed")
    if X.shape[1] == 0:
        raise ValueError("X has 0 features: at least one is needed")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"X has {X.shape[1]} features, but KMedoids was fitted with {n_features}")
    if X.dtype not in (np.float32, np.float64):
        if X.dtype.kind not in "biuf":
            raise ValueError(f"X must be numeric, got dtype {X.dtype}")
        X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X


def _aligned(X: Any) -> Any:
    """X with its row chunks starting at multiples of the core's alignment, so that every
    distance has the bits of the in-memory fit (the product kernels' rounding depends on the
    block shape). Moves at most that many rows per chunk boundary."""
    align = _core.ROW_ALIGNMENT
    ends = np.cumsum(X.chunks[0])
    bounds = sorted({0, int(ends[-1])} | {int(e) // align * align for e in ends[:-1]})
    sizes = tuple(b - a for a, b in zip(bounds, bounds[1:]) if b > a)
    return X if sizes == X.chunks[0] else X.rechunk({0: sizes})


def _memory_limit(client) -> int:
    """The sum of the workers' memory limits (0 for a worker without one counts as none)."""
    workers = client.scheduler_info().get("workers", {}).values()
    return int(sum(w.get("memory_limit") or 0 for w in workers))


def _chunks_holding(offsets: list[int], n: int, start: int, end: int) -> list[int]:
    """The chunks holding candidates of positions [start, end) (candidate position % n)."""
    first, last = start % n, (end - 1) % n
    spans = [(first, last)] if end - start <= n - first else [(first, n - 1), (0, last)]
    found: set[int] = set()
    for a, b in spans:
        found.update(range(bisect.bisect_right(offsets, a) - 1, bisect.bisect_right(offsets, b)))
    return sorted(i for i in found if i < len(offsets) - 1)


def _rows_of(client, chunks, offsets, rows) -> np.ndarray:
    """The rows `rows` (global numbers) of the chunked data, gathered in that order."""
    rows = np.asarray(rows, dtype=np.int64)
    which = np.searchsorted(offsets, rows, side="right") - 1
    parts = {}
    for i in np.unique(which):
        local = rows[which == i] - offsets[i]
        parts[int(i)] = client.submit(_take, chunks[i], local, pure=False)
    gathered = client.gather(parts)
    order = {int(i): iter(gathered[int(i)]) for i in parts}
    return np.stack([next(order[int(i)]) for i in which])


def _take(chunk: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(chunk[rows])


def _block_row(chunk, offset, batch, stats, block, row, scale, metric) -> np.ndarray:
    """One row of a chunk's block: from the kept block, or computed as the block computes it."""
    if block is not None:
        return np.ascontiguousarray(block[row])
    return _core.shard_rows(chunk, offset, batch, stats, [row], scale=scale, **metric)[0]


def _swap_changes(chunk, medoid_rows, candidate_rows, metric) -> tuple[np.ndarray, float]:
    """A chunk's share of the exact change of loss of swapping each candidate into each
    medoid position (candidates x positions), and of the current loss."""
    to_medoids = _core.cross_distances(chunk, medoid_rows, metric["metric"], metric["p"], None)
    to_candidates = _core.cross_distances(chunk, candidate_rows, metric["metric"], metric["p"], None)
    k = to_medoids.shape[1]
    nearest = np.argmin(to_medoids, axis=1)
    best = to_medoids[np.arange(len(chunk)), nearest]
    others = to_medoids.copy()
    others[np.arange(len(chunk)), nearest] = np.inf
    second = others.min(axis=1) if k > 1 else np.full(len(chunk), np.inf)
    # A row keeps its nearest medoid or moves to the candidate, unless its nearest medoid is
    # the one removed: then it moves to the candidate or to its second nearest.
    kept = np.minimum(to_candidates, best[:, None])
    changes = np.repeat((kept - best[:, None]).sum(axis=0)[:, None], k, axis=1)
    moved = np.minimum(to_candidates, second[:, None]) - kept
    for position in range(k):
        changes[:, position] += moved[nearest == position].sum(axis=0)
    return changes, float(best.sum())


def _chunk_loss(chunk, offset, centers, stats, metric) -> float:
    return float(_core.shard_nearest(chunk, offset, centers, stats, **metric)[1].sum())


def _labels_block(chunk, centers, stats, metric, offsets, block_info=None) -> np.ndarray:
    index = block_info[0]["chunk-location"][0]
    labels, _ = _core.shard_nearest(np.ascontiguousarray(chunk), offsets[index], centers, stats, **metric)
    return labels.astype(np.intp)


def _transform_block(chunk, centers, metric, p) -> np.ndarray:
    data = np.ascontiguousarray(chunk, dtype=centers.dtype)
    return _core.cross_distances(data, np.ascontiguousarray(centers), metric, p, None)
