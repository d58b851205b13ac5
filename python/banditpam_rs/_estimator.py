"""The scikit-learn estimator over the Rust core."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from . import _core

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn

    def _validate_data(estimator, X, *, reset=True, **kwargs):
        return estimator._validate_data(X, reset=reset, **kwargs)


METHODS = ("banditpam++", "banditpam", "pam", "fastpam1", "fasterpam", "onebatch", "onebatch+swap")

#: scikit-learn / SciPy metric names and the core's name for each.
METRICS = {
    "euclidean": "l2",
    "l2": "l2",
    "sqeuclidean": "sqeuclidean",
    "manhattan": "l1",
    "cityblock": "l1",
    "l1": "l1",
    "chebyshev": "linf",
    "linf": "linf",
    "minkowski": "minkowski",
    "cosine": "cosine",
    "correlation": "correlation",
    "precomputed": "precomputed",
    "levenshtein": "levenshtein",
}

#: The exact methods run on an n x n float32 matrix when it takes at most this many bytes.
MATRIX_BUDGET_BYTES = 1 << 30


class KMedoids(ClusterMixin, TransformerMixin, BaseEstimator):
    """k-medoids clustering: k cluster centres that are data points, for any dissimilarity.

    The default method, BanditPAM++, returns PAM's medoids (the classic exact algorithm's
    answer) while computing far fewer than n^2 distances, in O(n) memory.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (medoids), between 1 and the number of samples.
    metric : str or callable, default="euclidean"
        "euclidean"/"l2", "sqeuclidean", "manhattan"/"l1"/"cityblock", "chebyshev"/"linf",
        "minkowski" (with `p`), "cosine", "correlation", "precomputed" (X is an n x n matrix of
        dissimilarities, ``X[i, j] = d(i, j)``, asymmetric allowed, medoid first),
        "levenshtein" (X is a sequence of str), or a callable ``f(a, b) -> float`` called on
        rows of X (or on the items of any sequence X). A callable is called from Rust with the
        GIL taken for each call: expect about a microsecond of overhead per distance, and no
        parallelism; prefer a built-in metric or "precomputed" where possible.
    method : str, default="banditpam++"
        "banditpam++" and "banditpam" find PAM's medoids by sampling; "pam" and "fastpam1" are
        exact (same answer, FastPAM1 much faster); "fasterpam" swaps eagerly and finds a local
        optimum, not always PAM's. "onebatch" (OneBatchPAM) judges swaps on one random batch of
        about 100 ln(n k) points: the fastest, with a loss close to PAM's. "onebatch+swap"
        continues from OneBatchPAM's answer with exactly verified BanditPAM++ swaps until no
        swap lowers the true loss. The exact methods use an n x n float32 matrix when it fits
        in 1 GiB (reported losses stay exact).
    max_iter : int, default=100
        Maximum number of swap iterations.
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
    random_state : int, numpy.random.Generator, RandomState or None, default=None
        Seeds the reference order (bandit methods), the batch ("onebatch") and the initial
        medoids ("fasterpam", "onebatch").
    n_threads : int or None, default=None
        Worker threads (None: all cores). The result does not depend on it.
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
        method: str = "banditpam++",
        max_iter: int = 100,
        build_confidence: float = 3.0,
        swap_confidence: float = 5.0,
        batch_size: int = 100,
        cache_width: int | None = None,
        p: float | None = None,
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
        n_threads: int | None = None,
        verbose: bool = False,
    ) -> None:
        self.n_clusters = n_clusters
        self.metric = metric
        self.method = method
        self.max_iter = max_iter
        self.build_confidence = build_confidence
        self.swap_confidence = swap_confidence
        self.batch_size = batch_size
        self.cache_width = cache_width
        self.p = p
        self.random_state = random_state
        self.n_threads = n_threads
        self.verbose = verbose

    # -- parameters -----------------------------------------------------------------------

    def _core_metric(self) -> str:
        """The core's metric name, or "callable"; raises on a bad metric."""
        if callable(self.metric):
            return "callable"
        if not isinstance(self.metric, str):
            raise TypeError(f"metric must be a str or a callable, got {type(self.metric).__name__}")
        name = METRICS.get(self.metric.lower())
        if name is None:
            raise ValueError(f"unknown metric {self.metric!r}; expected one of {sorted(METRICS)} or a callable")
        if name == "minkowski":
            p = 2.0 if self.p is None else _number("p", self.p)
            if not (np.isfinite(p) and p >= 1):
                raise ValueError(f"p must be a finite number >= 1 for the minkowski metric, got {self.p!r}")
            return f"minkowski:{p!r}"
        return name

    def _core_params(self, n_samples: int) -> dict[str, Any]:
        """Checked keyword arguments for the core (ValueError/TypeError name the parameter)."""
        k = _integer("n_clusters", self.n_clusters, minimum=1)
        if k > n_samples:
            raise ValueError(f"n_clusters={k} must be at most the number of samples, n_samples={n_samples}")
        if not isinstance(self.method, str):
            raise TypeError(f"method must be a str, got {type(self.method).__name__}")
        method = self.method.lower()
        if method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; expected one of {list(METHODS)}")
        params: dict[str, Any] = {
            "method": method,
            "max_iter": _integer("max_iter", self.max_iter, minimum=0),
            "build_confidence": _confidence("build_confidence", self.build_confidence),
            "swap_confidence": _confidence("swap_confidence", self.swap_confidence),
            "batch_size": _integer("batch_size", self.batch_size, minimum=1),
            "cache_width": None if self.cache_width is None else _integer("cache_width", self.cache_width, minimum=0),
            "threads": None if self.n_threads is None else _integer("n_threads", self.n_threads, minimum=1),
            "seed": _seed(self.random_state),
            "sigma_sample": None,
            "use_cache": None,
            "use_perm": None,
            "precompute": None,
        }
        return {"k": k, **params}

    # -- fitting --------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None) -> KMedoids:
        """Find the medoids of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, n_samples) for
            "precomputed", or a sequence of objects for a callable or "levenshtein" metric
            Training data. float32 and float64 C-ordered arrays are used without a copy.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : KMedoids
            The fitted estimator.
        """
        metric = self._core_metric()
        kwargs: dict[str, Any] = {}
        centers_from: np.ndarray | None = None
        self._medoid_items = None
        if metric == "callable":
            items, centers_from = self._items(X, reset=True)
            kwargs["dissimilarity"] = self.metric
            data: Any = items
        elif metric == "levenshtein":
            data, _ = self._items(X, reset=True, strings=True)
        elif metric == "precomputed":
            data = self._matrix(X, reset=True)
            if data.shape[0] != data.shape[1]:
                raise ValueError(f"a precomputed matrix must be square, got shape {data.shape}")
        else:
            data = _validate_data(self, X, dtype=[np.float64, np.float32], order="C", ensure_min_samples=1)
            centers_from = data
        n_samples = len(data)
        params = self._core_params(n_samples)
        if params["method"] in ("pam", "fastpam1", "fasterpam") and n_samples**2 * 4 <= MATRIX_BUDGET_BYTES:
            params["precompute"] = "float32"
        core_metric = "euclidean" if metric == "callable" else metric
        result = _core.fit(data, params, metric=core_metric, verbose=bool(self.verbose), **kwargs)

        medoids = result["medoids"]
        self.medoid_indices_ = medoids
        self.labels_ = result["labels"]
        self.cluster_centers_ = None if centers_from is None else centers_from[medoids].copy()
        if metric in ("callable", "levenshtein"):
            self._medoid_items = [data[i] for i in medoids]
        self.inertia_ = float(result["loss"])
        self.average_loss_ = float(result["average_loss"])
        self.build_medoid_indices_ = result["build_medoids"]
        self.build_loss_ = float(result["build_loss"])
        self.n_iter_ = int(result["swaps"])
        self.converged_ = bool(result["converged"])
        self.distance_evaluations_ = dict(result["distance_evaluations"])
        self.cache_hits_ = dict(result["cache_hits"])
        self.fit_seconds_ = dict(result["seconds"])
        self.n_train_samples_ = n_samples
        return self

    def _items(self, X: Any, *, reset: bool, strings: bool = False) -> tuple[list, np.ndarray | None]:
        """The objects a callable (or "levenshtein") compares, and the array they came from."""
        if strings or not _is_numeric_array_like(X):
            if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
                raise TypeError("X must be a sequence of objects for this metric")
            items = list(X)
            if not items:
                raise ValueError("X is empty: at least one sample is needed")
            if strings and not all(isinstance(s, str) for s in items):
                raise TypeError("the levenshtein metric needs a sequence of str")
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
            sequence of objects for a callable or "levenshtein" metric.

        Returns
        -------
        distances : ndarray of shape (n_new, n_clusters)
            ``distances[i, j] = d(medoid_j, X_i)``, float64.
        """
        check_is_fitted(self, "medoid_indices_")
        metric = self._core_metric()
        if metric == "precomputed":
            matrix = check_array(X, dtype=[np.float64, np.float32])
            if matrix.shape[1] != self.n_train_samples_:
                raise ValueError(
                    f"X has {matrix.shape[1]} columns, but a precomputed X for predict needs one per "
                    f"training sample ({self.n_train_samples_})"
                )
            if np.any(matrix < 0):
                raise ValueError("a precomputed matrix holds negative dissimilarities")
            return np.asarray(matrix[:, self.medoid_indices_], dtype=np.float64)
        if metric in ("callable", "levenshtein"):
            if self.cluster_centers_ is not None:
                items = list(_validate_data(self, X, dtype=[np.float64, np.float32], reset=False))
            else:
                items, _ = self._items(X, reset=False, strings=metric == "levenshtein")
            measure = self.metric if metric == "callable" else _core.levenshtein
            return np.array([[float(measure(m, x)) for m in self._medoid_items] for x in items], dtype=np.float64)
        data = _validate_data(self, X, dtype=[np.float64, np.float32], order="C", reset=False)
        centers = self.cluster_centers_
        data = np.ascontiguousarray(data, dtype=centers.dtype)
        threads = None if self.n_threads is None else int(self.n_threads)
        return _core.cross_distances(data, np.ascontiguousarray(centers), metric, threads)

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
        tags.input_tags.string = self.metric == "levenshtein"
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"pairwise": self.metric == "precomputed"}


def _is_numeric_array_like(X: Any) -> bool:
    if hasattr(X, "dtype") or hasattr(X, "dtypes"):
        return True
    try:
        array = np.asarray(X)
    except (ValueError, TypeError):
        return False
    return array.dtype.kind in "biuf" and array.ndim == 2


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    return float(value)


def _integer(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _confidence(name: str, value: Any) -> float:
    number = _number(name, value)
    if not (np.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


def _seed(random_state: Any) -> int:
    """A 64-bit seed from None, an int, a RandomState or a Generator."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    try:
        state = check_random_state(random_state)
    except ValueError as error:
        raise TypeError(f"random_state must be None, an int or a numpy random generator: {error}") from None
    return int(state.randint(0, 2**63 - 1, dtype=np.int64))
