"""`pairwise_distances`: every built-in metric, between two sets of objects, in Rust."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from . import _core
from ._estimator import KMedoids


def pairwise_distances(
    X: Any, Y: Any = None, *, metric: Any = "euclidean", n_threads: int | None = None, **params: Any
) -> np.ndarray:
    """Dissimilarities between the objects of X and those of Y, with any metric of `KMedoids`.

    Runs the same Rust code as the fits (the same values, in parallel, interruptible with
    Ctrl-C), for dense rows, sparse rows, strings, series and trees.

    Parameters
    ----------
    X : array-like, sparse matrix or sequence of objects
        As `KMedoids.fit` takes it for `metric` ("precomputed" aside).
    Y : same kind as X, or None, default=None
        None: X itself.
    metric : str or callable, default="euclidean"
        Any metric of `KMedoids` but "precomputed".
    n_threads : int or None, default=None
        Worker threads (None: all cores); the values do not depend on it.
    **params
        The metric's parameters: ``window`` for "dtw", ``p`` for "minkowski".

    Returns
    -------
    ndarray of shape (len(X), len(Y)), float64
        ``D[i, j] = d(X[i], Y[j])``.

    Examples
    --------
    >>> from banditpam_rs import pairwise_distances
    >>> pairwise_distances(["kitten", "mitten"], ["sitting"], metric="levenshtein").tolist()
    [[3.0], [3.0]]
    >>> pairwise_distances([[0.0, 1.0, 2.0], [5.0]], metric="dtw", window=2).round(3).tolist()
    [[0.0, 7.071], [7.071, 0.0]]
    """
    model = KMedoids(metric=metric, metric_params=params or None, n_threads=n_threads)
    kind = model._metric_kind()
    if kind == "precomputed":
        raise ValueError('metric="precomputed" has no pairwise distances to compute: X already holds them')
    _, xs, _ = model._training_data(X)
    ys = xs if Y is None else model._training_data(Y)[1]
    threads = None if n_threads is None else int(n_threads)
    if kind == "dense" and not sparse.issparse(xs) and not sparse.issparse(ys):
        # The vector kernels directly: d(X[i], Y[j]) for every pair.
        dtype = np.result_type(xs.dtype, ys.dtype)
        a, b = (np.ascontiguousarray(v, dtype=dtype) for v in (xs, ys))
        return _core.cross_distances(a, b, metric, params.get("p"), threads)
    if kind == "dense":
        both: Any = sparse.vstack([sparse.csr_matrix(xs), sparse.csr_matrix(ys)], format="csr")
        both.sum_duplicates()
    elif kind == "block" and isinstance(xs, np.ndarray):
        both = np.concatenate([xs, np.asarray(ys, dtype=xs.dtype)])
    else:
        both = [*xs, *ys]
    # X's objects come first, as the medoids: the core gives d(X[i], Y[j]) as a len(Y) x len(X) array.
    count = xs.shape[0] if sparse.issparse(xs) else len(xs)
    out = _core.medoid_distances(both, count, metric=metric, metric_params=model._metric_params(), n_threads=threads)
    return np.ascontiguousarray(out.T)
