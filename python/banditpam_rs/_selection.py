"""Choosing k: `select_k` fits a range of k, scores each clustering and keeps the best."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sklearn.base import clone

from . import _core
from ._estimator import KMedoids


@dataclass(frozen=True)
class KSelection:
    """What `select_k` found.

    Attributes
    ----------
    best_k : int
        The k with the highest score (the smallest such k on ties).
    scores : dict of int to float
        The score of every k tried.
    models : dict of int to KMedoids
        The fitted estimator for every k.
    score : str
        The score used: "medoid_silhouette" or "silhouette".
    """

    best_k: int
    scores: dict[int, float]
    models: dict[int, KMedoids] = field(repr=False)
    score: str = "medoid_silhouette"

    @property
    def best_model(self) -> KMedoids:
        """The fitted estimator for `best_k`."""
        return self.models[self.best_k]


def select_k(
    X: Any,
    k_range: Iterable[int],
    *,
    metric: Any = "euclidean",
    method: str = "auto",
    score: str = "medoid_silhouette",
    random_state: Any = None,
    **params: Any,
) -> KSelection:
    """Fit k-medoids for every k in `k_range` and pick the k with the best silhouette.

    With a named method the fits share their start: one initialisation for the largest k
    (PAM's greedy BUILD for the bandit and exact methods) gives every smaller k its first
    medoids, then each k runs its own swaps; with "auto" each k runs the method chosen for it.
    Each clustering is scored in Rust: by the mean Medoid Silhouette (the default; k n
    distances per k) or the mean Silhouette (exact; n^2 distances per k).

    Parameters
    ----------
    X : array-like or sequence
        The data, as `KMedoids.fit` takes it.
    k_range : iterable of int
        The numbers of clusters to try, each at least 2.
    metric : str or callable, default="euclidean"
        Any metric of `KMedoids`.
    method : str, default="auto"
        Any method of `KMedoids`.
    score : {"medoid_silhouette", "silhouette"}, default="medoid_silhouette"
        The criterion, higher is better.
    random_state : int, Generator, RandomState or None, default=None
        As for `KMedoids`.
    **params
        Other `KMedoids` parameters (``max_iter``, ``n_threads``, ``memory_budget``, ...).

    Returns
    -------
    KSelection
        ``best_k``, the ``scores`` and the fitted ``models`` by k.

    Examples
    --------
    >>> import numpy as np
    >>> from banditpam_rs import select_k
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(c, 0.2, size=(30, 2)) for c in [(0, 0), (5, 0), (0, 5)]])
    >>> found = select_k(X, range(2, 7), random_state=0)
    >>> found.best_k
    3
    >>> sorted(found.scores)
    [2, 3, 4, 5, 6]
    """
    ks = [int(k) for k in k_range]
    if not ks:
        raise ValueError("k_range must hold at least one k")
    template = KMedoids(n_clusters=max(ks), metric=metric, method=method, random_state=random_state, **params)
    kind, data, centers_from = template._training_data(X)
    core_params = template._core_params()
    del core_params["n_clusters"]
    best_k, scores, fits = _core.select_k(
        data,
        ks,
        metric=metric,
        metric_params=template._metric_params(),
        score=score,
        verbose=bool(template.verbose),
        **core_params,
    )
    models = {}
    for (k, _), result in zip(scores, fits):
        model = clone(template).set_params(n_clusters=k)
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(template, name):
                setattr(model, name, getattr(template, name))
        models[k] = model._set_fitted(result, kind, data, centers_from)
    return KSelection(best_k=best_k, scores=dict(scores), models=models, score=score)
