"""The scikit-learn estimator over the Rust core."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import ClassNamePrefixFeaturesOutMixin
from sklearn.utils.validation import check_array, check_is_fitted

from . import _core
from ._base import _BaseKMedoids

#: Held while a fit's attributes are copied onto its estimator (`KMedoids._publish`).
_PUBLISH = threading.Lock()

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn

    def _validate_data(estimator, X, *, reset=True, **kwargs):
        return estimator._validate_data(X, reset=reset, **kwargs)


#: The metric names sparse input supports (the core's sparse kernels).
_SPARSE_METRICS = {"euclidean", "l2", "sqeuclidean", "manhattan", "cityblock", "l1", "cosine", "cos"}

#: The method names the core accepts (besides aliases), from the core's one list.
METHODS: tuple[str, ...] = tuple(_core.METHODS)

#: The metric names the core accepts (besides "lp:<p>" and callables), from the core's one list.
METRICS: tuple[str, ...] = tuple(_core.METRICS)


class KMedoids(ClassNamePrefixFeaturesOutMixin, _BaseKMedoids):
    """k-medoids clustering: k cluster centres that are data points, for any dissimilarity.

    The default method, "auto", picks for the data's size, k and the memory budget the method
    that reaches PAM-level loss fastest, and `method_` names the one that ran. BanditPAM++
    ("banditpam++") returns PAM's medoids (the classic exact algorithm's answer) while
    computing far fewer than n^2 distances.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (medoids), between 1 and the number of samples.
    metric : str or callable, default="euclidean"
        "euclidean"/"l2", "sqeuclidean", "manhattan"/"l1"/"cityblock", "chebyshev"/"linf",
        "minkowski" (with `p`), "cosine", "correlation", "precomputed" (X is an n x n matrix of
        dissimilarities, ``X[i, j] = d(i, j)``, asymmetric allowed, medoid first); on a
        sequence of str: "levenshtein", "damerau-levenshtein", "osa", "indel", "hamming"
        (equal lengths) and "jaro-winkler" (1 - similarity), all counted in Unicode
        characters, with rapidfuzz's values; "dtw" on a sequence of 1-D arrays (lengths may
        differ; dtaidistance's values, optional ``metric_params={"window": w}``);
        "tree-edit" on a sequence of trees in bracket notation, ``"{a{b}{c}}"`` (unit-cost
        tree edit distance, apted's values); or a callable ``f(a, b) -> float`` called on
        rows of X (or on the items of any sequence X), or a block metric made by
        `block_metric`, ``f(A, B) -> ndarray of shape (len(A), len(B))``, called once per
        block of rows. A pair callable costs a Python call per distance (the GIL is taken in
        stretches of 256 pairs); a block metric one call per block, so a vectorised function
        runs at nearly its own speed. Built-in metrics run in Rust in parallel.
    method : str, default="auto"
        "auto": PAM's answer ("fastpam1" from BUILD on the matrix) where that is cheap (n <=
        2,000, or n <= 5,000 at k <= 10); else "onebatch+swap" at k <= 10 (n <= 30,000); else
        "fasterpam" started from OneBatchPAM's medoids when the n x n matrix fits
        `memory_budget` (up to n = 20,000); else "nearswap" (the rule
        and the measurements behind it are in the guide's "Choosing a method").
        "banditpam++" and "banditpam" find PAM's medoids by sampling; "pam" and "fastpam1"
        are exact (same answer, FastPAM1 much faster);
        "fasterpam" swaps eagerly and finds a local optimum, not always PAM's. "onebatch"
        (OneBatchPAM) judges swaps on one random batch of about 100 ln(n k) points: the
        fastest, with a loss close to PAM's. "onebatch+swap"
        continues from OneBatchPAM's answer with exactly verified BanditPAM++ swaps until no
        swap lowers the true loss. "nearswap" continues from OneBatchPAM's answer with swaps
        screened on the points near each candidate and verified exactly, without the matrix
        (memory O(n (k + m))): a loss close to FasterPAM's at any n. The exact methods first
        build the n x n matrix (float64, or float32 when only that fits `memory_budget`) when
        it fits; reported losses stay exact.
    max_iter : int, default=100
        Maximum number of swap iterations (0: return the initial medoids).
    init : {"build", "random", "k-medoids++", "onebatch", "sample"}, array-like of k ints, or None, default=None
        How the search starts: "build" is PAM's greedy BUILD (the default of PAM, FastPAM1 and
        the bandit methods, which run it as a best-arm search); "random" draws k distinct
        samples (the default of FasterPAM and OneBatchPAM); "k-medoids++" draws the first
        uniformly and each next one with probability proportional to its dissimilarity to the
        nearest medoid so far; "onebatch" starts from OneBatchPAM's answer (what "auto" gives
        FasterPAM); "sample" from nearswap's answer on a tenth of the samples, from 300,000
        samples on (nearswap's default; below that, OneBatchPAM's answer); an array gives the k
        initial medoid indices. None: the method's own default.
    n_init : int, default=1
        Run the search this many times from different seeds (derived from `random_state`) and
        keep the lowest loss. Useful with random starts; the first run is the single run's.
    build_confidence : float, default=3.0
        BanditPAM confidence in BUILD: the radius is ``sigma * sqrt((c + ln n) / T)``.
    swap_confidence : float, default=5.0
        The same in SWAP.
    batch_size : int, default=100
        Reference points sampled per bandit round.
    cache_width : int or None, default=None
        BanditPAM++ cache columns per point (None: as many as 1 GiB allows, up to n).
    p : float or None, default=None
        The Minkowski exponent (>= 1) when ``metric="minkowski"`` (default 2).
    metric_params : dict or None, default=None
        Parameters of a built-in metric: ``{"window": w}`` for "dtw" (the Sakoe-Chiba band's
        half-width, >= 1; default no band), ``{"p": p}`` for "minkowski".
    random_state : int, numpy.random.Generator, RandomState or None, default=None
        Seeds the reference order (bandit methods), the batch ("onebatch") and the initial
        medoids ("fasterpam", "onebatch").
    n_threads : int or None, default=None
        Worker threads (None: all cores, at most 4 per core; one thread for a pair callable
        metric, which holds the GIL). The result does not depend on it.
    memory_budget : int or None, default=None
        Bytes the fit's large buffers may take (an n x n matrix, the BanditPAM++ cache,
        OneBatchPAM's block); None: half the memory available to the process. A fit that
        cannot stay within it raises MemoryError naming the buffer.
    verbose : bool, default=False
        Print BUILD and SWAP progress to stderr.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Position in `medoid_indices_` of each sample's nearest medoid (ties: lower position).
    medoid_indices_ : ndarray of shape (n_clusters,)
        Indices of the medoids in the training data.
    cluster_centers_ : ndarray of shape (n_clusters, n_features) or None
        The medoid rows (None for "precomputed" and for non-array inputs).
    inertia_ : float
        Sum over samples of the dissimilarity to the nearest medoid, exact, in float64.
    average_loss_ : float
        ``inertia_ / n_samples``.
    build_medoid_indices_ : ndarray of shape (n_clusters,)
        The medoids after BUILD, in the order chosen.
    build_loss_ : float
        Total loss of the BUILD medoids.
    method_ : str
        The method that ran.
    matrix_ : str or None
        "float64" or "float32" when the search ran on an n x n matrix, else None.
    n_iter_ : int
        Swaps applied.
    converged_ : bool
        True if the search stopped because no swap improved the loss.
    n_features_in_ : int
        Number of features seen in fit (array inputs other than "precomputed").
    feature_names_in_ : ndarray of str
        Column names, when X was a DataFrame with string column names.
    distance_evaluations_ : dict
        Dissimilarities computed, by phase: "build", "swap", "other", "total".
    cache_hits_ : dict
        Distances read from the BanditPAM++ cache instead of computed, by phase.
    cache_writes_ : dict
        Distances written into the BanditPAM++ cache, by phase (each entry once).
    fit_seconds_ : dict
        Wall time of the fit by phase ("build", "swap", "other", "total").

    Examples
    --------
    >>> import numpy as np
    >>> from banditpam_rs import KMedoids
    >>> X = np.array([[0.0], [0.1], [0.2], [10.0], [10.1], [10.2]])
    >>> model = KMedoids(n_clusters=2, random_state=0).fit(X)
    >>> sorted(model.medoid_indices_.tolist())
    [1, 4]
    >>> model.predict([[0.3], [9.0]]).tolist() == [model.labels_[0], model.labels_[3]]
    True
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        metric: str | Callable[[Any, Any], float] = "euclidean",
        method: str = "auto",
        max_iter: int = 100,
        init: str | Sequence[int] | np.ndarray | None = None,
        n_init: int = 1,
        build_confidence: float = 3.0,
        swap_confidence: float = 5.0,
        batch_size: int = 100,
        cache_width: int | None = None,
        p: float | None = None,
        metric_params: dict[str, Any] | None = None,
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
        n_threads: int | None = None,
        memory_budget: int | None = None,
        verbose: bool = False,
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
        self.metric_params = metric_params
        self.build_confidence = build_confidence
        self.swap_confidence = swap_confidence
        self.batch_size = batch_size
        self.cache_width = cache_width
        self.n_threads = n_threads
        self.memory_budget = memory_budget
        self.verbose = verbose

    # -- parameters -----------------------------------------------------------------------

    def _metric_kind(self) -> str:
        """What X the metric reads: "dense", "precomputed", "strings", "series", "trees",
        "callable" or "block".

        The core parses the name and its parameters (ValueError for an unknown name, a bad `p`
        or `window`; TypeError for a metric that is neither a str nor a callable).
        """
        return _core.metric_kind(self.metric, self._metric_params())

    def _metric_params(self) -> dict[str, Any] | None:
        """`metric_params` with `p` (the Minkowski exponent may come either way)."""
        if self.metric_params is not None and not isinstance(self.metric_params, dict):
            raise TypeError(f"metric_params must be a dict or None, got {type(self.metric_params).__name__}")
        params = dict(self.metric_params or {})
        if self.p is not None:
            params["p"] = self.p
        return params or None

    def _core_params(self) -> dict[str, Any]:
        params = super()._core_params()
        if params.get("n_threads") is None and self._metric_kind() == "callable":
            # A pair function holds the GIL: more threads only queue for it (bench/features.py).
            params["n_threads"] = 1
        return params

    # -- fitting --------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> KMedoids:
        """Find the medoids of X.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_samples, n_features), or (n_samples,
            n_samples) for "precomputed", or a sequence of objects for a callable or
            string, series or tree metric
            Training data. float32 and float64 C-ordered arrays are used without a copy. Sparse
            matrices (CSR, CSC, ...; "euclidean", "sqeuclidean", "manhattan" and "cosine") are
            read as CSR, row by row, never densified.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Weight of each sample in the loss, ``sum_j w_j min_i d(i, j)``: finite, non-negative,
            with a positive sum. Integer weights give the answer of repeating each sample that
            many times; a sample of weight 0 adds nothing to the loss but may still be a medoid.

        Returns
        -------
        self : KMedoids
            The fitted estimator.
        """
        # The fit validates and sets its attributes on a copy, then publishes them in one step:
        # two threads fitting this estimator leave one fit's attributes, never a mix.
        fitted = copy.copy(self)
        kind, data, centers_from = fitted._training_data(X)
        params = fitted._core_params()
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=np.float64)
            if weights.ndim != 1:
                raise ValueError(f"sample_weight must be 1-D, got shape {weights.shape}")
            params["sample_weight"] = weights.tolist()
        result = _core.fit(
            data, metric=fitted.metric, metric_params=fitted._metric_params(), verbose=bool(fitted.verbose), **params
        )
        fitted._set_fitted(result, kind, data, centers_from)
        return self._publish(fitted)

    def _publish(self, fitted: KMedoids) -> KMedoids:
        """Replace this estimator's fitted attributes by `fitted`'s, under one lock."""
        parameters = self.get_params(deep=False)
        attributes = {name: value for name, value in vars(fitted).items() if name not in parameters}
        with _PUBLISH:
            for name in [name for name in vars(self) if name.endswith("_") and name not in attributes]:
                delattr(self, name)
            vars(self).update(attributes)
        return self

    def _training_data(self, X: Any) -> tuple[str, Any, np.ndarray | None]:
        """X as the core reads it for this metric: (kind, data, the array medoid rows come from).

        Sets `n_features_in_` (and `feature_names_in_`) for array inputs.
        """
        kind = self._metric_kind()
        centers_from: np.ndarray | None = None
        if kind == "callable":
            data, centers_from = self._items(X, reset=True)
        elif kind == "block":
            if _is_numeric_array_like(X):
                data = _validate_data(self, X, dtype=[np.float64, np.float32], order="C", ensure_min_samples=1)
                centers_from = data
            else:
                data, _ = self._items(X, reset=True)
        elif kind in ("strings", "trees"):
            data, _ = self._items(X, reset=True, strings=True)
        elif kind == "series":
            data = _series(X)
        elif kind == "precomputed":
            data = self._matrix(X, reset=True)
            if data.shape[0] != data.shape[1]:
                raise ValueError(f"a precomputed matrix must be square, got shape {data.shape}")
        elif sparse.issparse(X):
            # CSR in canonical form (sorted, no duplicates), read row by row without densifying.
            data = _validate_data(self, X, accept_sparse="csr", dtype=np.float64, ensure_min_samples=1)
            if not data.has_canonical_format:
                data = data.copy()
                data.sum_duplicates()
            centers_from = data
        else:
            try:
                data = _validate_data(self, X, dtype=[np.float64, np.float32], order="C", ensure_min_samples=1)
            except ValueError as error:
                if _holds_strings(X):
                    raise ValueError(
                        f'{error}: X holds strings; cluster them with metric="levenshtein" (edit distance) '
                        "or a callable metric"
                    ) from error
                raise
            centers_from = data
        return kind, data, centers_from

    def _set_fitted(self, result: Any, kind: str, data: Any, centers_from: np.ndarray | None) -> KMedoids:
        """Set the fitted attributes from the core's result on `data` (from `_training_data`)."""
        medoids = result.medoids
        self.medoid_indices_ = medoids
        self.labels_ = result.labels
        self.cluster_centers_ = None if centers_from is None else centers_from[medoids].copy()
        self._medoid_items = [data[i] for i in medoids] if kind in _OBJECT_KINDS else None
        self.inertia_ = result.loss
        self.average_loss_ = result.average_loss
        self.build_medoid_indices_ = result.build_medoids
        self.build_loss_ = result.build_loss
        self.n_iter_ = result.swaps
        self.converged_ = result.converged
        self.method_ = result.method
        self.matrix_ = result.matrix
        self.distance_evaluations_ = dict(result.distance_evaluations)
        self.cache_hits_ = dict(result.cache_hits)
        self.cache_writes_ = dict(result.cache_writes)
        self.fit_seconds_ = dict(result.seconds)
        self.n_train_samples_ = data.shape[0] if sparse.issparse(data) else len(data)
        return self

    def _items(self, X: Any, *, reset: bool, strings: bool = False) -> tuple[list, np.ndarray | None]:
        """The objects a callable (or a string or tree metric) compares, and the array they came from."""
        if strings or not _is_numeric_array_like(X):
            if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
                raise TypeError("X must be a sequence of objects for this metric")
            items = list(X)
            if not items:
                raise ValueError("X is empty: at least one sample is needed")
            if strings and not all(isinstance(s, str) for s in items):
                raise TypeError(f"the {self.metric} metric needs a sequence of str")
            return items, None
        array = _validate_data(self, X, dtype=[np.float64, np.float32], reset=reset)
        return list(array), array

    def _matrix(self, X: Any, *, reset: bool) -> np.ndarray:
        matrix = check_array(X, dtype=[np.float64, np.float32], order="C")
        if reset:
            self.n_features_in_ = matrix.shape[1]
        return matrix

    # -- using the fit --------------------------------------------------------------------

    def transform(self, X: Any) -> np.ndarray:
        """Dissimilarities from each row of X to each medoid.

        Parameters
        ----------
        X : array-like of shape (n_new, n_features), or (n_new, n_train) for "precomputed"
            (``X[i, j]`` = dissimilarity between training sample j and new sample i), or a
            sequence of objects for a callable, string, series or tree metric.

        Returns
        -------
        distances : ndarray of shape (n_new, n_clusters)
            ``distances[i, j] = d(medoid_j, X_i)``, float64.
        """
        check_is_fitted(self, "medoid_indices_")
        kind = self._metric_kind()
        if kind == "precomputed":
            matrix = check_array(X, dtype=[np.float64, np.float32])
            if matrix.shape[1] != self.n_train_samples_:
                raise ValueError(
                    f"X has {matrix.shape[1]} columns, but a precomputed X for predict needs one per "
                    f"training sample ({self.n_train_samples_})"
                )
            if np.any(matrix < 0):
                raise ValueError("a precomputed matrix holds negative dissimilarities")
            return np.asarray(matrix[:, self.medoid_indices_], dtype=np.float64)
        if kind in _OBJECT_KINDS:
            if kind == "series":
                return self._medoid_distances([*self._medoid_items, *_series(X)])
            if self.cluster_centers_ is not None and _is_numeric_array_like(X):
                new: Any = _validate_data(self, X, dtype=[np.float64, np.float32], order="C", reset=False)
                medoids: Any = self.cluster_centers_
                if kind == "block":  # a block metric is called on row subsets of one array
                    return self._medoid_distances(np.concatenate([medoids, new.astype(medoids.dtype)]))
                new = list(new)
            else:
                new, _ = self._items(X, reset=False, strings=kind in ("strings", "trees"))
            return self._medoid_distances([*self._medoid_items, *new])
        if sparse.issparse(X) or sparse.issparse(self.cluster_centers_):
            new = _validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
            both = sparse.vstack([sparse.csr_matrix(self.cluster_centers_), sparse.csr_matrix(new)], format="csr")
            both.sum_duplicates()
            return self._medoid_distances(both)
        data = _validate_data(self, X, dtype=[np.float64, np.float32], order="C", reset=False)
        centers = self.cluster_centers_
        data = np.ascontiguousarray(data, dtype=centers.dtype)
        threads = None if self.n_threads is None else int(self.n_threads)
        return _core.cross_distances(data, np.ascontiguousarray(centers), self.metric, self.p, threads)

    def _medoid_distances(self, both: Any) -> np.ndarray:
        """Distances from the objects of `both` after the medoids, which come first, to the
        medoids: the core's data dispatch, as in `fit`."""
        threads = None if self.n_threads is None else int(self.n_threads)
        if threads is None and self._metric_kind() == "callable":
            threads = 1  # a pair function holds the GIL, as in fit
        k = len(self.medoid_indices_)
        return _core.medoid_distances(
            both, k, metric=self.metric, metric_params=self._metric_params(), n_threads=threads
        )

    def predict(self, X: Any) -> np.ndarray:
        """Position of the nearest medoid for each row of X (ties: lower position).

        Parameters
        ----------
        X : array-like
            As for `transform`.

        Returns
        -------
        labels : ndarray of shape (n_new,)
        """
        return np.argmin(self.transform(X), axis=1)

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the total dissimilarity of X to its nearest medoids (higher is better).

        Parameters
        ----------
        X : array-like
            As for `transform`.
        y : Ignored

        Returns
        -------
        score : float
        """
        return -float(self.transform(X).min(axis=1).sum())

    def __sklearn_tags__(self):  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = self.metric == "precomputed"
        tags.input_tags.string = isinstance(self.metric, str) and self._metric_kind() in ("strings", "trees")
        tags.input_tags.sparse = isinstance(self.metric, str) and self.metric.lower() in _SPARSE_METRICS
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"pairwise": self.metric == "precomputed"}


#: The metric kinds whose data is a sequence of objects (medoids kept as objects, not rows).
_OBJECT_KINDS = ("callable", "block", "strings", "series", "trees")


def _series(X: Any) -> list[np.ndarray]:
    """X as the series "dtw" compares: a non-empty sequence of 1-D float64 arrays."""
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
        raise TypeError("the dtw metric needs a sequence of 1-D arrays of numbers")
    series = []
    for i, item in enumerate(X):
        try:
            values = np.asarray(item, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"series {i} is not a 1-D array of numbers: {error}") from None
        if values.ndim != 1:
            raise ValueError(f"series {i} has shape {values.shape}; each series must be 1-D")
        series.append(values)
    if not series:
        raise ValueError("X is empty: at least one sample is needed")
    return series


def _is_numeric_array_like(X: Any) -> bool:
    if hasattr(X, "dtype") or hasattr(X, "dtypes"):
        return True
    try:
        array = np.asarray(X)
    except (ValueError, TypeError):
        return False
    return array.dtype.kind in "biuf" and array.ndim == 2


def _holds_strings(X: Any) -> bool:
    """Whether X is a sequence whose first item is a str (or an array of them)."""
    if isinstance(X, np.ndarray):
        return X.dtype.kind in "USO" and X.size > 0 and isinstance(X.flat[0], str)
    try:
        return len(X) > 0 and isinstance(X[0], str)
    except (TypeError, KeyError, IndexError):
        return False
