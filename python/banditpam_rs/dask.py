"""k-medoids on dask arrays, chunk by chunk on a dask.distributed cluster.

Needs dask and distributed (``pip install "./python[dask]"`` from a checkout). The rows stay
on the workers that hold them. The search is the Rust core's sharded driver, run in this
process: it sends
small serialized tasks to the chunks (each runs in the core inside the worker that holds the
chunk, which keeps what it computed between tasks) and combines their small replies. Only the
rows the tasks compare with (a batch, medoids, candidates) and those replies travel.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _core
from ._base import _BaseKMedoids

try:
    import dask.array as da
    from distributed import get_client, wait
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("banditpam_rs.dask needs dask and distributed: pip install dask distributed") from error

#: The methods this estimator runs ("auto" runs "nearswap").
METHODS: tuple[str, ...] = ("auto", "nearswap", "onebatch")

#: Tasks larger than this are scattered to the workers once rather than sent with each chunk.
_SCATTER_BYTES = 1 << 20
#: How often a round waiting for its chunks checks that their workers are still there.
_WORKER_CHECK_SECONDS = 2.0


class KMedoids(_BaseKMedoids):
    """k-medoids on a dask array, with the data left on the cluster's workers.

    For a seed it returns the medoids `banditpam_rs.KMedoids` finds with the same method on
    the same rows in memory, whatever the chunking and the number of workers. Needs a
    `distributed.Client` (the one `distributed.get_client()` finds).

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (medoids), between 1 and the number of samples.
    metric : str, default="euclidean"
        A built-in vector metric: "euclidean", "sqeuclidean", "manhattan", "chebyshev",
        "minkowski" (with `p`), "cosine", "correlation".
    method : {"auto", "nearswap", "onebatch"}, default="auto"
        "nearswap": OneBatchPAM's start, then swaps screened on the objects near each
        candidate and verified exactly on all rows, until none lowers the loss: a loss close
        to PAM's. "onebatch": OneBatchPAM alone, swaps judged on one random batch of about
        100 ln(n k) rows (faster, a loss a few percent higher at large k). "auto" runs
        "nearswap".
    max_iter : int, default=100
        Maximum passes over the candidates.
    init : "random", "onebatch", "sample", array-like of k ints, or None, default=None
        The initial medoids: k distinct rows drawn from `random_state` ("random"),
        OneBatchPAM's answer ("onebatch"), nearswap's answer on a tenth of the rows from
        300,000 rows on and OneBatchPAM's answer below ("sample", nearswap's default; the
        sample is chosen by row number, so every chunking searches the same one), or their
        row numbers.
    n_init : int, default=1
        Run the search this many times from different seeds (derived from `random_state` as
        in memory) and keep the lowest loss.
    p : float or None, default=None
        The Minkowski exponent when ``metric="minkowski"``.
    random_state : int, numpy.random.Generator, RandomState or None, default=None
        Seeds the batch, the samples and the initial medoids, as in `banditpam_rs.KMedoids`.
    keep_block : bool or None, default=None
        Keep each chunk's block of distances to OneBatchPAM's batch (rows x batch size
        float32) on its worker for the search (True), or compute rows again when they are
        scored (False, about as much work again per pass, no memory). None: keep it when the
        blocks take at most a third of the workers' memory limits (dask starts spilling a
        worker's data to disk at 60% of its limit).

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
    build_loss_ : float
        The loss of the initial medoids.
    n_iter_ : int
        Swaps applied.
    converged_ : bool
        True if the search stopped because no swap lowered the loss.
    method_ : str
        The method that ran.
    n_features_in_ : int
        Number of columns of X.
    block_kept_ : bool
        Whether the chunks kept their blocks (see `keep_block`).
    n_rounds_ : int
        Rounds of tasks the driver sent to the chunks.
    fit_seconds_ : dict
        Wall time by step: "data" (chunks loaded, statistics), "build" (the initial
        medoids), "swap", "other", "total".

    Examples
    --------
    >>> import dask.array as da
    >>> from distributed import Client, LocalCluster
    >>> from banditpam_rs.dask import KMedoids
    >>> import logging
    >>> local = {"n_workers": 2, "threads_per_worker": 1, "processes": False, "silence_logs": logging.ERROR}
    >>> with LocalCluster(dashboard_address=":0", **local) as cluster, Client(cluster):
    ...     X = da.random.RandomState(0).normal(size=(10_000, 4), chunks=2_500)
    ...     model = KMedoids(n_clusters=3, random_state=0).fit(X)
    ...     labels = model.labels_.compute()
    >>> model.medoid_indices_.shape, labels.shape, model.method_
    ((3,), (10000,), 'nearswap')
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        metric: str = "euclidean",
        method: str = "auto",
        max_iter: int = 100,
        init: Any = None,
        n_init: int = 1,
        p: float | None = None,
        random_state: Any = None,
        keep_block: bool | None = None,
    ) -> None:
        super().__init__(
            n_clusters,
            metric=metric,
            method=method,
            max_iter=max_iter,
            init=init,
            n_init=n_init,
            p=p,
            random_state=random_state,
        )
        self.keep_block = keep_block

    def _parameters(self) -> dict[str, Any]:
        """The fit parameters, checked, as the core reads them."""
        if not isinstance(self.metric, str) or _core.metric_kind(self.metric, self.p) != "dense":
            raise ValueError(f"the dask estimator takes a built-in vector metric, got {self.metric!r}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {list(METHODS)} for dask arrays, got {self.method!r}")
        if isinstance(self.init, str) and self.init not in ("random", "onebatch", "sample"):
            raise ValueError(
                f'init must be "random", "onebatch", "sample", None or k row numbers for dask arrays, got {self.init!r}'
            )
        if self.keep_block not in (None, True, False):
            raise TypeError(f"keep_block must be None, True or False, got {self.keep_block!r}")
        params = self._core_params()
        _core.check_parameters(**params)
        return params

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
        params = self._parameters()
        began = time.perf_counter()
        # Each chunk C-contiguous on its worker (a transposed array or `da.ones` has strided chunks).
        X = _check_array(X)
        X = X.map_blocks(np.ascontiguousarray, dtype=X.dtype)
        n, d = X.shape
        client = _client()
        chunks = client.compute(list(X.to_delayed().ravel()))
        offsets = [0, *np.cumsum(X.chunks[0]).tolist()]
        executor = None
        try:
            # The kernels' statistics of the whole data, folded chunk by chunk in row order.
            stats = (0, np.zeros(d), 0.0)
            for chunk in chunks:
                stats = client.submit(_core.chunk_stats, chunk, stats, pure=False)
            stats = stats.result()
            wait(chunks)
            data_seconds = time.perf_counter() - began
            keep = self.keep_block
            if keep is None:
                keep = _core.kept_block_bytes(n, **params) <= _memory_limit(client) // 3
            executor = _ChunkExecutor(client, chunks, offsets, stats, self.metric, self.p)
            found = _core.fit_sharded(executor, list(X.chunks[0]), keep_block=bool(keep), **params)
            centers = _rows_of(client, chunks, offsets, found["medoids"])
        finally:
            if executor is not None:
                executor.close()
            for chunk in chunks:
                chunk.release()
        self.medoid_indices_ = np.asarray(found["medoids"], dtype=np.intp)
        self.cluster_centers_ = centers
        self.inertia_ = found["loss"]
        self.build_loss_ = found["build_loss"]
        self.n_iter_ = found["swaps"]
        self.converged_ = found["converged"]
        self.method_ = found["method"]
        self.n_features_in_ = d
        self.block_kept_ = bool(keep)
        self.n_rounds_ = executor.rounds
        self.fit_seconds_ = {"data": data_seconds, **found["seconds"], "total": time.perf_counter() - began}
        # The labels' chunks see the statistics of the fit: the kernel computes each distance as the fit did.
        sites = [_core.ChunkSite("labels", offset, stats, self.metric, self.p) for offset in offsets[:-1]]
        self.labels_ = X.map_blocks(_labels_block, centers, sites, dtype=np.intp, drop_axis=1, chunks=(X.chunks[0],))
        return self

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


def _memory_limit(client) -> int:
    """The sum of the workers' memory limits (0 for a worker without one counts as none)."""
    workers = client.scheduler_info().get("workers", {}).values()
    return int(sum(w.get("memory_limit") or 0 for w in workers))


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


class _ChunkExecutor:
    """Runs the core driver's serialized tasks on the chunks, each on the worker that holds
    it; a chunk's state between tasks stays in that worker's process (see
    `_core.run_chunk_task`)."""

    def __init__(self, client, chunks, offsets, stats, metric, p) -> None:
        self.client, self.chunks = client, chunks
        self.token = uuid.uuid4().hex
        self.sites = [
            _core.ChunkSite(f"{self.token}/{i}", offset, stats, metric, p) for i, offset in enumerate(offsets[:-1])
        ]
        holders = client.who_has(chunks)
        # Each chunk's tasks run on one worker holding it: its state lives there.
        self.holders = [min(holders.get(chunk.key, ()), default=None) for chunk in chunks]
        self.started: set[int] = set()
        self.rounds = 0

    def run(self, task: bytes, which: list[int]) -> list[bytes]:
        self.rounds += 1
        sent = self.client.scatter(task, broadcast=True) if len(task) > _SCATTER_BYTES else task
        futures = [
            self.client.submit(
                _core.run_chunk_task,
                self.chunks[i],
                self.sites[i],
                sent,
                create=i not in self.started,
                pure=False,
                workers=self.holders[i],
                allow_other_workers=False,
            )
            for i in which
        ]
        self.started.update(which)
        # A task pinned to a worker that is gone would wait for ever: check now and then.
        while True:
            try:
                wait(futures, timeout=_WORKER_CHECK_SECONDS)
                break
            except TimeoutError:
                alive = set(self.client.scheduler_info()["workers"])
                gone = sorted({self.holders[i] for i in which} - alive - {None})
                if gone:
                    self.client.cancel(futures)
                    raise RuntimeError(
                        f"the workers {gone} holding chunks of the data left the cluster during the fit: fit again"
                    ) from None
        return self.client.gather(futures)

    def close(self) -> None:
        """Drop the chunks' states from the workers."""
        self.client.run(_core.drop_chunk_states, self.token, on_error="ignore")


def _labels_block(chunk, centers, sites, block_info=None) -> np.ndarray:
    site = sites[block_info[0]["chunk-location"][0]]
    centers = np.ascontiguousarray(centers, dtype=np.float64)
    labels, _ = _core.chunk_nearest(np.ascontiguousarray(chunk), site, centers)
    return labels.astype(np.intp)


def _transform_block(chunk, centers, metric, p) -> np.ndarray:
    data = np.ascontiguousarray(chunk, dtype=centers.dtype)
    return _core.cross_distances(data, np.ascontiguousarray(centers), metric, p, None)
