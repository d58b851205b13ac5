"""The swap gap: how far medoids are from a swap-local optimum, measured exactly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _core
from ._estimator import KMedoids
from .metrics import _medoid_list

__all__ = ["SwapGap", "swap_gap"]


@dataclass(frozen=True)
class SwapGap:
    """What `swap_gap` found.

    Attributes
    ----------
    gap : float
        The relative decrease of the loss the best single swap brings, ``-delta / loss``; 0
        when no swap lowers the loss: the medoids are a swap-local optimum.
    loss : float
        The loss of the medoids given.
    delta : float
        The change of loss of the best swap (negative), or 0.
    swap : tuple of (int, int) or None
        The best swap, ``(position, sample)``: the medoid at that position of
        ``medoid_indices`` replaced by that sample; None when no swap lowers the loss.
    distance_evaluations : int
        Dissimilarities computed (about n squared).
    """

    gap: float
    loss: float
    delta: float
    swap: tuple[int, int] | None
    distance_evaluations: int


def swap_gap(
    X: Any,
    medoid_indices: Any,
    *,
    metric: Any = "euclidean",
    p: float | None = None,
    metric_params: dict | None = None,
    n_threads: int | None = None,
    memory_budget: int | None = None,
    verbose: bool = False,
) -> SwapGap:
    """How far medoids are from a swap-local optimum: the best single swap, scored exactly.

    Scores every swap of one medoid for one other sample with FastPAM1's decomposition (all
    positions of a candidate in one pass over the samples), streaming the candidates' rows of
    dissimilarities: about n squared dissimilarities, O(n k) memory, no n x n matrix. A gap of
    0 certifies that no single swap lowers the loss, whatever method found the medoids; a gap
    of 1e-3 means the best swap would lower it by 0.1%. Ctrl-C stops it; ``verbose=True``
    prints its progress to stderr.

    Parameters
    ----------
    X : array-like or sequence
        The data, as `KMedoids.fit` takes it.
    medoid_indices : array-like of int
        Indices of the medoids in X, e.g. a fitted `KMedoids`' ``medoid_indices_``.
    metric, p, metric_params
        As for `KMedoids`.
    n_threads : int or None, default=None
        Threads (None: one per core); the answer does not depend on it.
    memory_budget : int or None, default=None
        Bytes it may hold (None: half the available memory); MemoryError when even the k x n
        distances to the medoids do not fit.
    verbose : bool, default=False
        Print progress to stderr.

    Returns
    -------
    SwapGap

    Examples
    --------
    >>> import numpy as np
    >>> from banditpam_rs import KMedoids, swap_gap
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> pam = KMedoids(3, method="pam").fit(X)
    >>> swap_gap(X, pam.medoid_indices_).gap   # PAM stops where no swap helps
    0.0
    >>> found = swap_gap(X, [0, 1, 2])
    >>> found.gap > 0, found.swap is not None
    (True, True)
    """
    model = KMedoids(metric=metric, p=p, metric_params=metric_params)
    data = model._training_data(X)[1]
    found = _core.swap_gap(
        data,
        _medoid_list(medoid_indices),
        metric=metric,
        metric_params=model._metric_params(),
        n_threads=n_threads,
        memory_budget=memory_budget,
        verbose=verbose,
    )
    return SwapGap(*found)
