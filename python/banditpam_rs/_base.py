"""What the in-memory and the Dask estimators share: the parameters both take, how they become
the core's keyword arguments, and the seed."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state

from . import _core

#: The core's parameter table by Python keyword: ``(keyword, core name, CLI flag, kind,
#: default, help)``, the one list the estimators' defaults and docs are checked against.
PARAMETERS: dict[str, tuple[str, str, str | None, str, Any, str, str]] = {row[0]: row for row in _core.PARAMETERS}


class _BaseKMedoids(ClusterMixin, TransformerMixin, BaseEstimator):
    """The parameters both estimators take (each documented by the subclass) and their mapping
    onto the core's: every keyword in `_core.FIT_PARAMETERS` goes to the core as it is,
    `random_state` becomes the core's 64-bit `seed`."""

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        metric: str | Callable[[Any, Any], float] = "euclidean",
        method: str = "auto",
        max_iter: int = 100,
        init: str | Sequence[int] | np.ndarray | None = None,
        n_init: int = 1,
        p: float | None = None,
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.metric = metric
        self.method = method
        self.max_iter = max_iter
        self.init = init
        self.n_init = n_init
        self.p = p
        self.random_state = random_state

    def _core_params(self) -> dict[str, Any]:
        """The keyword arguments of the core's fit: this estimator's parameters that the core's
        table names, and the seed; the core checks every value."""
        params = {name: value for name, value in self.get_params().items() if name in _core.FIT_PARAMETERS}
        params["seed"] = _seed(self.random_state)
        return params

    @property
    def _n_features_out(self) -> int:
        """Columns of `transform`'s output, one per medoid (named kmedoids0, kmedoids1, ...)."""
        return len(self.medoid_indices_)


def _seed(random_state: Any) -> int:
    """A 64-bit seed from None, an int, a RandomState or a Generator."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if not 0 <= random_state < 2**64:
            raise ValueError(f"random_state must be an integer from 0 to {2**64 - 1}, got {random_state}")
        return int(random_state)
    try:
        state = check_random_state(random_state)
    except ValueError as error:
        raise TypeError(f"random_state must be None, an int or a numpy random generator: {error}") from None
    return int(state.randint(0, 2**63 - 1, dtype=np.int64))
