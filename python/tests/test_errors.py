"""Every bad input (docs/ALGORITHMS.md, "The contract") raises ValueError or TypeError naming
the problem; Ctrl-C stops a fit; scikit-learn's own estimator checks pass."""

import os
import signal
import threading
import time

import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

from banditpam_rs import KMedoids

X = np.random.default_rng(0).normal(size=(30, 3))


@pytest.mark.parametrize(
    "params,error,match",
    [
        ({"n_clusters": 0}, ValueError, "n_clusters must be an integer from 1 to 18446744073709551615, got 0"),
        ({"n_clusters": -1}, ValueError, "n_clusters must be an integer from 1 to"),
        ({"n_clusters": 31}, ValueError, "n_samples=30"),
        ({"n_clusters": 2.5}, TypeError, "n_clusters must be an int"),
        ({"n_clusters": "3"}, TypeError, "n_clusters must be an int"),
        ({"metric": "jaccard"}, ValueError, "unknown metric 'jaccard'"),
        ({"metric": 3}, TypeError, "metric must be a str or a callable"),
        ({"method": "kmeans"}, ValueError, "unknown method 'kmeans'"),
        ({"method": None}, TypeError, "method must be a str"),
        ({"max_iter": -1}, ValueError, "max_iter must be an integer from 0 to"),
        ({"max_iter": 10**30}, ValueError, "max_iter must be an integer from 0 to 18446744073709551615, got 10{30}"),
        ({"batch_size": 0}, ValueError, "batch_size must be an integer from 1 to"),
        ({"build_confidence": -1.0}, ValueError, "build_confidence must be a finite number >= 0"),
        ({"swap_confidence": float("nan")}, ValueError, "swap_confidence must be a finite number >= 0"),
        ({"swap_confidence": "high"}, TypeError, "swap_confidence must be a number"),
        ({"n_threads": 0}, ValueError, "n_threads must be an integer from 1 to"),
        ({"cache_width": -5}, ValueError, "cache_width must be an integer from 0 to"),
        ({"metric": "minkowski", "p": 0.5}, ValueError, "p must be a finite number >= 1"),
        ({"metric": "minkowski", "p": "two"}, TypeError, "p must be a number, got str"),
        ({"memory_budget": -1}, ValueError, "memory_budget must be an integer from 1 to"),
        ({"memory_budget": 10**30}, ValueError, "memory_budget must be an integer from 1 to"),
        ({"memory_budget": 0}, ValueError, "memory_budget must be an integer from 1 to 18446744073709551615, got 0"),
        ({"random_state": -1}, ValueError, "random_state must be an integer from 0 to"),
        ({"random_state": 2**64}, ValueError, "random_state must be an integer from 0 to 18446744073709551615"),
        ({"random_state": "seed"}, TypeError, "random_state"),
    ],
)
def test_bad_parameters(params, error, match):
    with pytest.raises(error, match=match):
        KMedoids(**{"n_clusters": 3, **params}).fit(X)


@pytest.mark.parametrize(
    "data,match",
    [
        (np.empty((0, 3)), "0 sample"),
        (np.empty((5, 0)), "0 feature"),
        (np.array([[1.0, np.nan], [0.0, 1.0], [2.0, 2.0]]), "NaN"),
        (np.array([[1.0, np.inf], [0.0, 1.0], [2.0, 2.0]]), "infinity"),
        (np.array([1.0, 2.0, 3.0]), "2D array"),
        (np.ones((2, 2, 2)), "dim 3"),
        ([[1.0, 2.0], [3.0]], "inhomogeneous|sequence"),
        (np.array([["a", "b"], ["c", "d"]]), "convert|could not|string"),
    ],
)
def test_bad_data(data, match):
    with pytest.raises(ValueError, match=match):
        KMedoids(1).fit(data)


def test_bad_precomputed_matrices():
    with pytest.raises(ValueError, match="square"):
        KMedoids(2, metric="precomputed").fit(np.zeros((3, 4)))
    negative = np.array([[0.0, -1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="negative"):
        KMedoids(1, metric="precomputed").fit(negative)
    with pytest.raises(ValueError, match="NaN"):
        KMedoids(1, metric="precomputed").fit(np.array([[0.0, np.nan], [1.0, 0.0]]))
    model = KMedoids(1, metric="precomputed").fit(np.array([[0.0, 1.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="one per training sample"):
        model.predict(np.zeros((3, 5)))


def test_bad_callables():
    def broken(a, b):
        raise ZeroDivisionError("inside the user's metric")

    with pytest.raises(ZeroDivisionError, match="inside the user's metric"):
        KMedoids(2, metric=broken).fit(X)
    with pytest.raises(ValueError, match="not finite"):
        KMedoids(2, metric=lambda a, b: float("nan")).fit(X)
    with pytest.raises(ValueError, match="negative"):
        KMedoids(2, metric=lambda a, b: -1.0).fit(X)
    with pytest.raises(TypeError):
        KMedoids(2, metric=lambda a, b: "far").fit(X)
    with pytest.raises(TypeError, match="sequence of str"):
        KMedoids(2, metric="levenshtein").fit(["ab", 3, "cd"])


def test_predict_checks_its_input():
    model = KMedoids(3, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        model.predict(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.full((1, 3), np.nan))
    with pytest.raises(Exception, match="not fitted"):
        KMedoids(3).predict(X)


def _interrupt_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_stops_a_long_fit_quickly():
    # BanditPAM with the cache off on 60,000 points: tens of seconds if not stopped.
    data = np.random.default_rng(1).normal(size=(60_000, 50)).astype(np.float32)
    _interrupt_after(0.5)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        KMedoids(10, method="banditpam", max_iter=1000, random_state=0).fit(data)
    assert time.perf_counter() - start < 1.5


def test_ctrl_c_stops_a_fit_with_a_python_metric():
    # The fit holds the GIL while it calls the metric, so the timer thread itself may send the
    # signal late: measure from the moment it is sent, which is what a user's Ctrl-C sees.
    data = np.random.default_rng(2).normal(size=(3000, 2))
    sent = []

    def interrupt():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Timer(0.3, interrupt).start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        KMedoids(5, metric=lambda a, b: float(np.abs(a - b).sum())).fit(data)
    stopped = time.perf_counter()
    assert stopped - sent[0] < 1.0
    assert sent[0] - start < 1.5, "other Python threads get the GIL between stretches of calls"


def test_scikit_learn_estimator_checks():
    # BanditPAM++ passes every check; "auto" (the default) too, but for one: its methods start
    # from random medoids drawn among n objects, so repeating rows (n changes) is another draw,
    # and the weighted fit need not land on the same local optimum as the repeated one.
    check_estimator(KMedoids(method="banditpam++", random_state=0))
    reason = "auto's random start depends on n: repeated rows are another draw"
    check_estimator(
        KMedoids(random_state=0),
        expected_failed_checks={
            "check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason,
        },
    )


def test_messages_point_at_the_likely_fix():
    from banditpam_rs.metrics import medoid_silhouette_score

    with pytest.raises(ValueError, match='metric="levenshtein"'):
        KMedoids(2).fit(["apple", "apples", "banana", "bananas"])
    with pytest.raises(ValueError, match='metric="levenshtein"'):
        KMedoids(2).fit(np.array(["apple", "apples", "banana"]))
    X = np.random.default_rng(0).normal(size=(30, 2))
    labels = KMedoids(3, random_state=0).fit(X).labels_
    with pytest.raises(ValueError, match="looks like cluster labels.*medoid_indices_"):
        medoid_silhouette_score(X, labels)
