"""Cluster quality for any dissimilarity: the Silhouette and the Medoid Silhouette.

Computed in Rust, block by block (O(n) memory, in parallel), for every metric the estimator
accepts: the built-in vector metrics, "precomputed", the string, series and tree metrics,
callables, block metrics
and sparse input. The values equal scikit-learn's `silhouette_score` (to 1e-9 on float64 data;
scores are computed in float64 even for float32 input, where scikit-learn rounds its distances
to float32 and the two agree to about 1e-8) and kmedoids' `medoid_silhouette`.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.utils import check_random_state

from . import _core
from ._estimator import KMedoids

__all__ = ["medoid_silhouette_samples", "medoid_silhouette_score", "silhouette_samples", "silhouette_score"]


def _data(X: Any, metric: Any, p: float | None, metric_params: dict | None) -> tuple[Any, dict | None]:
    """X as the core reads it for `metric`, validated as the estimator validates it (float32
    arrays in float64, so that the scores match scikit-learn's, which computes in float64),
    and the metric's parameters as the core takes them."""
    model = KMedoids(metric=metric, p=p, metric_params=metric_params)
    data = model._training_data(X)[1]
    if isinstance(data, np.ndarray) and data.dtype == np.float32:
        data = data.astype(np.float64)
    return data, model._metric_params()


def _medoid_list(medoid_indices: Any) -> list[int]:
    """Medoid indices as a list of ints; TypeError for anything but a 1-D sequence of ints."""
    medoids = np.asarray(medoid_indices)
    if medoids.ndim != 1 or (medoids.size and medoids.dtype.kind not in "iu"):
        raise TypeError("medoid_indices must be a 1-D sequence of ints")
    return medoids.tolist()


def _count(data: Any) -> int:
    return data.shape[0] if sparse.issparse(data) else len(data)


def _labels(labels: Any, n: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"labels must have one entry per sample: shape {labels.shape} for {n} samples")
    if labels.dtype.kind not in "iub":
        _, labels = np.unique(labels, return_inverse=True)  # strings or floats as cluster names
    return labels.astype(np.int64)


def silhouette_samples(
    X: Any,
    labels: Any,
    *,
    metric: Any = "euclidean",
    p: float | None = None,
    metric_params: dict | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """The Silhouette coefficient of each sample.

    ``(b - a) / max(a, b)``, with ``a`` the mean dissimilarity to the other members of the
    sample's cluster and ``b`` the least mean dissimilarity to another cluster's members (0
    for a cluster of one). Exact: every pair is computed, in blocks of a few rows at a time.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), (n_samples, n_samples) for
        "precomputed", or a sequence of objects for "levenshtein" or a callable
        The data, as `KMedoids.fit` takes it.
    labels : array-like of shape (n_samples,)
        Cluster of each sample (any labels); between 2 and n_samples - 1 clusters.
    metric : str or callable, default="euclidean"
        Any metric of `KMedoids`.
    p : float or None, default=None
        The Minkowski exponent for ``metric="minkowski"``.
    metric_params : dict or None, default=None
        The metric's parameters, as for `KMedoids` (``{"window": w}`` for "dtw").
    n_threads : int or None, default=None
        Worker threads (None: all cores); the values do not depend on it.

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from banditpam_rs.metrics import silhouette_samples
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> silhouette_samples(X, [0, 0, 1, 1]).round(3).tolist()
    [0.905, 0.895, 0.895, 0.905]
    """
    data, params = _data(X, metric, p, metric_params)
    codes = _labels(labels, _count(data))
    return _core.silhouette_samples(data, codes.tolist(), metric=metric, metric_params=params, n_threads=n_threads)


def silhouette_score(
    X: Any,
    labels: Any,
    *,
    metric: Any = "euclidean",
    p: float | None = None,
    metric_params: dict | None = None,
    sample_size: int | None = None,
    random_state: Any = None,
    n_threads: int | None = None,
) -> float:
    """The mean Silhouette coefficient, as `sklearn.metrics.silhouette_score` computes it.

    Parameters
    ----------
    X, labels, metric, p, metric_params, n_threads
        As for `silhouette_samples`.
    sample_size : int or None, default=None
        Score a random subset of this many samples (drawn as scikit-learn draws it, so the
        same `random_state` picks the same subset).
    random_state : int, RandomState or None, default=None
        Seeds the subset when `sample_size` is given.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from banditpam_rs.metrics import silhouette_score
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> round(silhouette_score(X, [0, 0, 1, 1]), 4)
    0.8997
    """
    data, params = _data(X, metric, p, metric_params)
    codes = _labels(labels, _count(data))
    if sample_size is not None:
        if isinstance(sample_size, bool) or not isinstance(sample_size, numbers.Integral) or sample_size < 2:
            raise ValueError(f"sample_size must be an int >= 2 or None, got {sample_size!r}")
        indices = check_random_state(random_state).permutation(_count(data))[:sample_size]
        codes = codes[indices]
        if sparse.issparse(data):
            data = data[indices]
        elif isinstance(data, np.ndarray):
            data = data[np.ix_(indices, indices)] if _is_precomputed(metric) else data[indices]
            data = np.ascontiguousarray(data)
        else:
            data = [data[i] for i in indices]
    samples = _core.silhouette_samples(data, codes.tolist(), metric=metric, metric_params=params, n_threads=n_threads)
    return float(np.mean(samples))


def medoid_silhouette_samples(
    X: Any,
    medoid_indices: Any,
    *,
    metric: Any = "euclidean",
    p: float | None = None,
    metric_params: dict | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """The Medoid Silhouette of each sample: ``1 - a / b``.

    ``a`` and ``b`` are the dissimilarities to the nearest and the second-nearest medoid (1
    when ``a`` is 0, and 1 for a single medoid). Needs only the distances to the medoids.

    Parameters
    ----------
    X : array-like or sequence
        The data, as `KMedoids.fit` takes it.
    medoid_indices : array-like of int
        Indices of the medoids in X, e.g. a fitted `KMedoids`' ``medoid_indices_``.
    metric, p, n_threads
        As for `silhouette_samples`.

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from banditpam_rs.metrics import medoid_silhouette_samples
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> medoid_silhouette_samples(X, [0, 2]).round(3).tolist()
    [1.0, 0.889, 1.0, 0.909]
    """
    data, params = _data(X, metric, p, metric_params)
    medoids = _medoid_list(medoid_indices)
    n = _count(data)
    if len(medoids) == n and n > 1 and len(set(medoids)) < n:
        raise ValueError(
            f"medoid_indices holds {n} entries with repeats for {n} samples: it looks like cluster labels. "
            "Pass the medoids' row indices (e.g. a fitted KMedoids' medoid_indices_), or score labels with "
            "silhouette_score(X, labels)"
        )
    return _core.medoid_silhouette_samples(data, medoids, metric=metric, metric_params=params, n_threads=n_threads)


def medoid_silhouette_score(
    X: Any,
    medoid_indices: Any,
    *,
    metric: Any = "euclidean",
    p: float | None = None,
    metric_params: dict | None = None,
    n_threads: int | None = None,
) -> float:
    """The mean Medoid Silhouette, as kmedoids' `medoid_silhouette` computes it.

    Parameters
    ----------
    X, medoid_indices, metric, p, metric_params, n_threads
        As for `medoid_silhouette_samples`.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from banditpam_rs.metrics import medoid_silhouette_score
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> round(medoid_silhouette_score(X, [0, 2]), 4)
    0.9495
    """
    samples = medoid_silhouette_samples(
        X, medoid_indices, metric=metric, p=p, metric_params=metric_params, n_threads=n_threads
    )
    return float(np.mean(samples))


def _is_precomputed(metric: Any) -> bool:
    return isinstance(metric, str) and _core.metric_kind(metric) == "precomputed"
