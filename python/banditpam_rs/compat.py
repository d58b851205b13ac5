"""The upstream `banditpam` package's API over this package, for a two-line migration::

    # from banditpam import KMedoids
    from banditpam_rs.compat import KMedoids

    kmed = KMedoids(n_medoids=5, algorithm="BanditPAM")
    kmed.fit(X, "L2")
    kmed.medoids, kmed.labels, kmed.average_loss

Upstream's ``algorithm="BanditPAM"`` (its default, BanditPAM++ since version 4) runs
BanditPAM++ here, ``"BanditPAM_orig"`` runs BanditPAM, and ``"PAM"``, ``"FastPAM1"`` and
``"FasterPAM"`` the exact methods. Defaults are upstream's (``cache_width=1000``,
``build_confidence=10``, ...); ``cache_width=None`` sizes the cache to the memory instead (at
most 1 GiB). Before `fit`, the results read as upstream's do (empty medoid arrays, zero
counters). Module functions `get_max_threads` and `set_num_threads` set the threads of later
fits. Differences: the results do not depend on `parallelize` or the thread count, and with
``use_perm=False`` (a new reference order at each step) the cache is off, as it is indexed by
the fixed order.

The module can stand in for upstream's by name, e.g. in upstream's own tests::

    import sys, banditpam_rs.compat
    sys.modules["banditpam"] = banditpam_rs.compat
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from ._estimator import KMedoids as _KMedoids

__all__ = ["KMedoids", "get_max_threads", "set_num_threads"]

# Threads of later fits (None: all the cores this process may use), as upstream's OpenMP setting.
_num_threads: int | None = None


def get_max_threads() -> int:
    """The number of threads a fit with ``parallelize=True`` uses.

    Returns
    -------
    int
        The count set by `set_num_threads`, else the cores this process may run on.

    Examples
    --------
    >>> from banditpam_rs.compat import get_max_threads, set_num_threads
    >>> set_num_threads(1)
    >>> get_max_threads()
    1
    >>> set_num_threads(None)
    """
    if _num_threads is not None:
        return _num_threads
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def set_num_threads(num_threads: int | None) -> None:
    """Set the threads of later fits with ``parallelize=True`` (None: all cores again).

    Parameters
    ----------
    num_threads : int or None
        At least 1 (and at most 4 per core, checked when a fit runs).
    """
    global _num_threads
    if num_threads is not None:
        if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)):
            raise TypeError(f"num_threads must be an int, got {type(num_threads).__name__}")
        if num_threads < 1:
            raise ValueError(f"num_threads must be at least 1, got {num_threads}")
        num_threads = int(num_threads)
    _num_threads = num_threads


class _UpstreamEstimator(_KMedoids):
    """The estimator with upstream's switches that the scikit-learn API does not expose."""

    use_perm: bool | None = None
    use_cache: bool | None = None

    def _core_params(self) -> dict[str, Any]:
        return {**super()._core_params(), "use_perm": self.use_perm, "use_cache": self.use_cache}


# What the result properties read before any fit: upstream's empty arrays and zero counters.
def _empty() -> np.ndarray:
    return np.empty((1, 0), dtype=np.uint64)


_ALGORITHMS = {
    "banditpam": "banditpam++",
    "banditpam_orig": "banditpam",
    "pam": "pam",
    "naive": "pam",
    "fastpam1": "fastpam1",
    "fasterpam": "fasterpam",
}


def _metric(loss: str) -> tuple[str, float | None]:
    """Upstream's loss name as (metric, p) for the estimator."""
    if not isinstance(loss, str):
        raise TypeError(f"loss must be a str such as 'L2', got {type(loss).__name__}")
    name = loss.strip().lower()
    named = {"manhattan": "manhattan", "euclidean": "euclidean", "cos": "cosine", "cosine": "cosine"}
    if name in named:
        return named[name], None
    if name in ("inf", "linf", "l_inf"):
        return "chebyshev", None
    match = re.fullmatch(r"l(\d+(?:\.\d+)?)", name)
    if match:
        p = float(match.group(1))
        if p == 1:
            return "manhattan", None
        if p == 2:
            return "euclidean", None
        return "minkowski", p
    raise ValueError(f"unknown loss {loss!r}; expected 'L1', 'L2', 'L<p>', 'inf', 'manhattan', 'euclidean' or 'cos'")


class KMedoids:
    """Upstream BanditPAM's `KMedoids`, run by banditpam_rs.

    Parameters
    ----------
    n_medoids : int, default=5
        Number of medoids.
    algorithm : str, default="BanditPAM"
        "BanditPAM" (BanditPAM++), "BanditPAM_orig", "PAM", "FastPAM1" or "FasterPAM".
    max_iter : int, default=100
        Maximum swap iterations.
    build_confidence : float, default=10
        Confidence of BUILD (upstream's default).
    swap_confidence : float, default=5
        Confidence of SWAP.
    use_cache, use_perm : bool, default=True
        BanditPAM++'s cache and fixed reference permutation. With ``use_perm=False`` each step
        draws a new reference order, and the cache (indexed by the fixed order) is off.
    cache_width : int or None, default=1000
        Cache columns per point (None: as many as the memory allows, at most 1 GiB).
    parallelize : bool, default=True
        Use all cores (True) or one.
    seed : int, default=0
        Seed of the reference order.
    """

    def __init__(
        self,
        n_medoids: int = 5,
        algorithm: str = "BanditPAM",
        max_iter: int = 100,
        build_confidence: float = 10,
        swap_confidence: float = 5,
        use_cache: bool = True,
        use_perm: bool = True,
        cache_width: int | None = 1000,
        parallelize: bool = True,
        seed: int = 0,
    ) -> None:
        self.n_medoids = n_medoids
        self.algorithm = algorithm
        self.max_iter = max_iter
        self.build_confidence = build_confidence
        self.swap_confidence = swap_confidence
        self.use_cache = use_cache
        self.use_perm = use_perm
        self.cache_width = cache_width
        self.parallelize = parallelize
        self.seed = seed
        self._fit: _KMedoids | None = None

    def fit(self, X: Any, loss: str = "L2") -> KMedoids:
        """Cluster the rows of X under `loss` ("L1", "L2", "L<p>", "inf", "cos", ...)."""
        if not isinstance(self.algorithm, str):
            raise TypeError(f"algorithm must be a str, got {type(self.algorithm).__name__}")
        method = _ALGORITHMS.get(self.algorithm.lower())
        if method is None:
            raise ValueError(f"unknown algorithm {self.algorithm!r}; expected one of {sorted(_ALGORITHMS)}")
        metric, p = _metric(loss)
        model = _UpstreamEstimator(
            self.n_medoids,
            metric=metric,
            p=p,
            method=method,
            max_iter=self.max_iter,
            build_confidence=self.build_confidence,
            swap_confidence=self.swap_confidence,
            cache_width=self.cache_width if self.use_cache else 0,
            random_state=self.seed,
            n_threads=_num_threads if self.parallelize else 1,
        )
        if method == "banditpam++":  # upstream's switches apply to BanditPAM++ only
            model.use_perm = bool(self.use_perm)
            # The cache is indexed by the fixed reference order: off when each step draws a new one.
            model.use_cache = bool(self.use_cache and self.use_perm)
        self.loss_function = loss
        try:
            self._fit = model.fit(np.asarray(X))
        except (ValueError, TypeError) as error:
            # Name the parameters as this class does.
            message = str(error).replace("n_clusters", "n_medoids").replace("random_state", "seed")
            raise type(error)(message) from None
        return self

    # Before fit, each result reads as upstream's does: empty arrays of shape (1, 0), zeros.

    @property
    def medoids(self) -> np.ndarray:
        """Final medoid indices."""
        return _empty() if self._fit is None else self._fit.medoid_indices_

    @property
    def build_medoids(self) -> np.ndarray:
        """Medoid indices after BUILD."""
        return _empty() if self._fit is None else self._fit.build_medoid_indices_

    @property
    def labels(self) -> np.ndarray:
        """Position of each point's medoid in `medoids`."""
        return _empty() if self._fit is None else self._fit.labels_

    @property
    def average_loss(self) -> float:
        """Mean dissimilarity to the nearest medoid."""
        return 0.0 if self._fit is None else self._fit.average_loss_

    @property
    def build_loss(self) -> float:
        """Mean dissimilarity to the nearest BUILD medoid (upstream reports it averaged too)."""
        fit = self._fit
        return 0.0 if fit is None else fit.build_loss_ / len(fit.labels_)

    @property
    def steps(self) -> int:
        """Swap iterations run: the swaps applied, plus the last one that found none (as upstream)."""
        fit = self._fit
        return 0 if fit is None else fit.n_iter_ + int(fit.converged_)

    def _count(self, counters: str, phase: str) -> int:
        return 0 if self._fit is None else int(getattr(self._fit, counters)[phase])

    @property
    def build_distance_computations(self) -> int:
        """Distances computed in BUILD."""
        return self._count("distance_evaluations_", "build")

    @property
    def swap_distance_computations(self) -> int:
        """Distances computed in SWAP."""
        return self._count("distance_evaluations_", "swap")

    @property
    def misc_distance_computations(self) -> int:
        """Distances computed outside BUILD and SWAP."""
        return self._count("distance_evaluations_", "other")

    @property
    def cache_hits(self) -> int:
        """Distances read from the cache."""
        return self._count("cache_hits_", "total")

    @property
    def cache_writes(self) -> int:
        """Distances written into the cache (each entry once)."""
        return self._count("cache_writes_", "total")

    @property
    def cache_misses(self) -> int:
        """Distances computed while the cache was in use (upstream counts each as a miss)."""
        fit = self._fit
        if fit is None or not fit.cache_writes_["total"]:
            return 0
        return int(fit.distance_evaluations_["total"])

    @property
    def total_swap_time(self) -> float:
        """Seconds spent in SWAP."""
        return 0.0 if self._fit is None else self._fit.fit_seconds_["swap"]

    @property
    def time_per_swap(self) -> float:
        """Seconds per swap iteration."""
        fit = self._fit
        return 0.0 if fit is None else fit.fit_seconds_["swap"] / max(fit.n_iter_ + 1, 1)

    def getDistanceComputations(self, include_misc: bool = True) -> int:  # noqa: N802 (upstream's name)
        """Distances computed, with or without those outside BUILD and SWAP."""
        build_and_swap = self.build_distance_computations + self.swap_distance_computations
        return build_and_swap + self.misc_distance_computations if include_misc else build_and_swap
