"""Block metrics (one Python call per block of pairs) against the built-in metrics."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.metrics import silhouette_score as sklearn_silhouette

from banditpam_rs import BlockMetric, KMedoids, block_metric, levenshtein
from banditpam_rs.metrics import silhouette_score

cityblock = block_metric(lambda A, B: cdist(A, B, "cityblock"))


@pytest.mark.parametrize("method", ["banditpam++", "fastpam1", "fasterpam", "onebatch"])
def test_a_block_metric_gives_the_builtin_answer(mnist, method):
    X = mnist[:400].astype(np.float64)
    builtin = KMedoids(6, metric="manhattan", method=method, random_state=2).fit(X)
    block = KMedoids(6, metric=cityblock, method=method, random_state=2).fit(X)
    np.testing.assert_array_equal(block.medoid_indices_, builtin.medoid_indices_)
    assert block.inertia_ == pytest.approx(builtin.inertia_, rel=1e-12)
    np.testing.assert_allclose(block.transform(X[:50]), builtin.transform(X[:50]), rtol=1e-12)
    np.testing.assert_array_equal(block.predict(X[:50]), builtin.predict(X[:50]))
    np.testing.assert_array_equal(block.cluster_centers_, X[block.medoid_indices_])


def test_block_metrics_on_objects_and_in_scores():
    words = ["color", "colour", "colr", "kolor", "banana", "bananna", "banan", "bnana", "cherry", "chery"] * 3
    edits = block_metric(lambda A, B: [[levenshtein(a, b) for b in B] for a in A])
    builtin = KMedoids(3, metric="levenshtein", random_state=0).fit(words)
    block = KMedoids(3, metric=edits, random_state=0).fit(words)
    np.testing.assert_array_equal(block.medoid_indices_, builtin.medoid_indices_)
    assert block.cluster_centers_ is None
    np.testing.assert_array_equal(block.predict(["collor", "banana"]), builtin.predict(["collor", "banana"]))
    X = np.random.default_rng(0).normal(size=(90, 4))
    labels = np.repeat([0, 1, 2], 30)
    assert silhouette_score(X, labels, metric=cityblock) == pytest.approx(
        sklearn_silhouette(X, labels, metric="cityblock"), abs=1e-12
    )
    assert isinstance(cityblock, BlockMetric) and block_metric(cityblock) is cityblock
    with pytest.raises(TypeError, match="callable"):
        block_metric(3)


def test_block_metric_failures_are_clear_errors():
    X = np.random.default_rng(1).normal(size=(40, 3))

    def wrong_shape(A, B):
        return np.zeros((len(A), len(B) + 1))

    def raises(A, B):
        raise KeyError("from the metric")

    def nan(A, B):
        return np.full((len(A), len(B)), np.nan)

    with pytest.raises(ValueError, match=r"shape \(len\(A\), len\(B\)\)"):
        KMedoids(3, metric=block_metric(wrong_shape)).fit(X)
    with pytest.raises(KeyError, match="from the metric"):
        KMedoids(3, metric=block_metric(raises)).fit(X)
    with pytest.raises(ValueError):
        KMedoids(3, metric=block_metric(nan)).fit(X)
    with pytest.raises(ValueError, match="2-D array"):
        KMedoids(3, metric=block_metric(lambda A, B: 1.0)).fit(X)


def test_pair_callables_share_the_gil_in_stretches(mnist):
    # Two threads must give the same answer as one, and the GIL stays usable by other threads.
    X = mnist[:150].astype(np.float64)

    def l1(a, b):
        return float(np.abs(a - b).sum())

    one = KMedoids(4, metric=l1, random_state=0, n_threads=1).fit(X)
    two = KMedoids(4, metric=l1, random_state=0, n_threads=2).fit(X)
    np.testing.assert_array_equal(one.medoid_indices_, two.medoid_indices_)
    builtin = KMedoids(4, metric="manhattan", random_state=0).fit(X)
    np.testing.assert_array_equal(one.medoid_indices_, builtin.medoid_indices_)


def test_transform_of_objects_under_a_pair_function_and_strings_is_the_pairwise_values():
    words = ["color", "colour", "banana", "bandana", "flavor", "flavour", "cabana"]
    new = ["colr", "bananas", "", "flavours"]
    fitted = KMedoids(2, metric="levenshtein", random_state=0).fit(words)
    medoids = [words[i] for i in fitted.medoid_indices_]
    expected = [[levenshtein(m, w) for m in medoids] for w in new]
    np.testing.assert_array_equal(fitted.transform(new), expected)

    def length_gap(a, b):
        return abs(len(a) - len(b)) + 0.5 * (a[:1] != b[:1])

    by_function = KMedoids(2, metric=length_gap, random_state=0).fit(words)
    medoids = [words[i] for i in by_function.medoid_indices_]
    expected = [[length_gap(m, w) for m in medoids] for w in new]
    np.testing.assert_array_equal(by_function.transform(new), expected)
    np.testing.assert_array_equal(by_function.predict(words), by_function.labels_)
