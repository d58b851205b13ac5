"""Block metrics: a Python dissimilarity called once per block of pairs instead of per pair."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class BlockMetric:
    """A dissimilarity computed for whole blocks: ``f(A, B) -> ndarray of shape (len(A), len(B))``.

    Made by `block_metric`; pass it as ``metric=``. Calling it calls the function.
    """

    #: Read by the compiled core: call the function once per block, not per pair.
    __banditpam_block__ = True

    def __init__(self, function: Callable[[Any, Any], Any]) -> None:
        if not callable(function):
            raise TypeError(f"block_metric needs a callable, got {type(function).__name__}")
        self.function = function
        self.__name__ = getattr(function, "__name__", type(function).__name__)
        self.__doc__ = getattr(function, "__doc__", None)

    def __call__(self, A: Any, B: Any) -> np.ndarray:
        return np.asarray(self.function(A, B), dtype=np.float64)

    def __repr__(self) -> str:
        return f"block_metric({self.function!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BlockMetric) and other.function == self.function

    def __hash__(self) -> int:
        return hash(self.function)


def block_metric(function: Callable[[Any, Any], Any]) -> BlockMetric:
    """Mark `function` as a block metric: ``function(A, B)`` returns all ``len(A) x len(B)``
    dissimilarities at once.

    For an array X, ``A`` and ``B`` are subsets of its rows (2-D arrays); for any other
    sequence, lists of its items. The fit calls the function once per block of candidates x
    references (a few rows by up to n), taking the GIL once per call, so a vectorised function
    (scipy's ``cdist``, a numpy expression, a GPU kernel) runs at nearly its own speed. A plain
    callable ``f(a, b)`` costs a Python call per pair instead.

    Parameters
    ----------
    function : callable
        ``function(A, B) -> array-like of shape (len(A), len(B))``, non-negative and finite.

    Returns
    -------
    BlockMetric
        Pass it as ``KMedoids(metric=...)`` or to the functions of `banditpam_rs.metrics`.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.spatial.distance import cdist
    >>> from banditpam_rs import KMedoids, block_metric
    >>> cityblock = block_metric(lambda A, B: cdist(A, B, "cityblock"))
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 9.0], [9.0, 8.0]])
    >>> sorted(KMedoids(2, metric=cityblock, method="pam").fit(X).medoid_indices_.tolist())
    [1, 2]
    """
    return function if isinstance(function, BlockMetric) else BlockMetric(function)
