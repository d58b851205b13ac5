"""The upstream `banditpam` package's API over this package, for a two-line migration::

    # from banditpam import KMedoids
    from banditpam_rs.compat import KMedoids

    kmed = KMedoids(n_medoids=5, algorithm="BanditPAM")
    kmed.fit(X, "L2")
    kmed.medoids, kmed.labels, kmed.average_loss

Upstream's ``algorithm="BanditPAM"`` (its default, BanditPAM++ since version 4) runs
BanditPAM++ here, ``"BanditPAM_orig"`` runs BanditPAM, and ``"PAM"``, ``"FastPAM1"`` and
``"FasterPAM"`` the exact methods. Differences: ``cache_width=None`` (the default here) sizes the
cache to 1 GiB instead of upstream's fixed 1,000 columns, and the results do not depend on
`parallelize`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._estimator import KMedoids as _KMedoids

__all__ = ["KMedoids"]

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
        BanditPAM++'s cache and fixed reference permutation (the cache needs the permutation).
    cache_width : int or None, default=None
        Cache columns per point (None: as many as 1 GiB allows).
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
        cache_width: int | None = None,
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
        if method == "banditpam++" and not self.use_perm and self.use_cache:
            raise ValueError("use_cache=True needs use_perm=True: the cache is indexed by the permutation")
        metric, p = _metric(loss)
        model = _KMedoids(
            self.n_medoids,
            metric=metric,
            p=p,
            method=method,
            max_iter=self.max_iter,
            build_confidence=self.build_confidence,
            swap_confidence=self.swap_confidence,
            cache_width=self.cache_width if self.use_cache else 0,
            random_state=self.seed,
            n_threads=None if self.parallelize else 1,
        )
        self.loss_function = loss
        try:
            self._fit = model.fit(np.asarray(X))
        except (ValueError, TypeError) as error:
            # Name the parameters as this class does.
            message = str(error).replace("n_clusters", "n_medoids").replace("random_state", "seed")
            raise type(error)(message) from None
        return self

    def _fitted(self) -> _KMedoids:
        if self._fit is None:
            raise AttributeError("this KMedoids is not fitted yet: call fit(X, loss) first")
        return self._fit

    @property
    def medoids(self) -> np.ndarray:
        """Final medoid indices."""
        return self._fitted().medoid_indices_

    @property
    def build_medoids(self) -> np.ndarray:
        """Medoid indices after BUILD."""
        return self._fitted().build_medoid_indices_

    @property
    def labels(self) -> np.ndarray:
        """Position of each point's medoid in `medoids`."""
        return self._fitted().labels_

    @property
    def average_loss(self) -> float:
        """Mean dissimilarity to the nearest medoid."""
        return self._fitted().average_loss_

    @property
    def build_loss(self) -> float:
        """Mean dissimilarity to the nearest BUILD medoid (upstream reports it averaged too)."""
        fit = self._fitted()
        return fit.build_loss_ / len(fit.labels_)

    @property
    def steps(self) -> int:
        """Swap iterations run: the swaps applied, plus the last one that found none (as upstream)."""
        fit = self._fitted()
        return fit.n_iter_ + int(fit.converged_)

    @property
    def build_distance_computations(self) -> int:
        """Distances computed in BUILD."""
        return self._fitted().distance_evaluations_["build"]

    @property
    def swap_distance_computations(self) -> int:
        """Distances computed in SWAP."""
        return self._fitted().distance_evaluations_["swap"]

    @property
    def misc_distance_computations(self) -> int:
        """Distances computed outside BUILD and SWAP."""
        return self._fitted().distance_evaluations_["other"]

    @property
    def cache_hits(self) -> int:
        """Distances read from the cache."""
        return self._fitted().cache_hits_["total"]

    @property
    def total_swap_time(self) -> float:
        """Seconds spent in SWAP."""
        return self._fitted().fit_seconds_["swap"]

    @property
    def time_per_swap(self) -> float:
        """Seconds per swap iteration."""
        fit = self._fitted()
        return fit.fit_seconds_["swap"] / max(fit.n_iter_ + 1, 1)

    def getDistanceComputations(self, include_misc: bool = True) -> int:  # noqa: N802 (upstream's name)
        """Distances computed, with or without those outside BUILD and SWAP."""
        counts = self._fitted().distance_evaluations_
        return counts["total"] if include_misc else counts["build"] + counts["swap"]
