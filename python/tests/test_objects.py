"""Strings, series and trees: the built-in object metrics against the reference library of
each (rapidfuzz, dtaidistance, apted), through every surface that takes a metric."""

from __future__ import annotations

import numpy as np
import pytest

import banditpam_rs
from banditpam_rs import KMedoids, pairwise_distances, select_k, swap_gap
from banditpam_rs.metrics import medoid_silhouette_samples, silhouette_samples

rapidfuzz = pytest.importorskip("rapidfuzz.distance")
dtw_reference = pytest.importorskip("dtaidistance.dtw")
apted = pytest.importorskip("apted")

RNG = np.random.default_rng(7)
WORDS = ["".join(RNG.choice(list("acgtñü"), size=RNG.integers(0, 14))) for _ in range(45)]
EQUAL = ["".join(RNG.choice(list("ab€"), size=9)) for _ in range(30)]
SERIES = [RNG.normal(size=RNG.integers(1, 40)).cumsum() for _ in range(30)]


def random_tree(depth: int = 0) -> str:
    children = "".join(random_tree(depth + 1) for _ in range(RNG.integers(0, 3 if depth < 3 else 1)))
    return "{" + str(RNG.choice(list("abcd"))) + children + "}"


TREES = [random_tree() for _ in range(30)]

STRING_METRICS = {
    "levenshtein": rapidfuzz.Levenshtein,
    "damerau-levenshtein": rapidfuzz.DamerauLevenshtein,
    "osa": rapidfuzz.OSA,
    "indel": rapidfuzz.Indel,
    "jaro-winkler": rapidfuzz.JaroWinkler,
}


@pytest.mark.parametrize("metric", sorted(STRING_METRICS))
def test_string_metrics_equal_rapidfuzz(metric):
    reference = STRING_METRICS[metric]
    expected = np.array([[reference.distance(a, b) for b in WORDS] for a in WORDS])
    np.testing.assert_array_equal(pairwise_distances(WORDS, metric=metric), expected)
    hamming = np.array([[rapidfuzz.Hamming.distance(a, b) for b in EQUAL] for a in EQUAL])
    np.testing.assert_array_equal(pairwise_distances(EQUAL, metric="hamming"), hamming)


def test_hamming_on_unequal_lengths_and_aliases():
    with pytest.raises(ValueError, match="one length for hamming"):
        KMedoids(2, metric="hamming").fit(["abc", "abcd", "ab"])
    # The old spellings still work.
    for alias, name in [("damerau_levenshtein", "damerau-levenshtein"), ("jaro_winkler", "jaro-winkler")]:
        np.testing.assert_array_equal(
            pairwise_distances(WORDS[:8], metric=alias), pairwise_distances(WORDS[:8], metric=name)
        )


@pytest.mark.parametrize("window", [None, 1, 2, 5, 50])
def test_dtw_equals_dtaidistance(window):
    params = {} if window is None else {"window": window}
    expected = np.array([[dtw_reference.distance(a, b, **params) for b in SERIES] for a in SERIES])
    np.testing.assert_allclose(pairwise_distances(SERIES, metric="dtw", **params), expected, rtol=1e-12)


def test_tree_edit_equals_apted():
    trees = [apted.helpers.Tree.from_text(t) for t in TREES]
    expected = np.array([[apted.APTED(a, b).compute_edit_distance() for b in trees] for a in trees])
    np.testing.assert_array_equal(pairwise_distances(TREES, metric="tree-edit"), expected)
    with pytest.raises(ValueError, match="tree 1"):
        KMedoids(2, metric="tree-edit").fit(["{a}", "{a{b}", "{c}"])


@pytest.mark.parametrize(
    ("metric", "data", "params"),
    [("osa", WORDS, None), ("dtw", SERIES, {"window": 4}), ("tree-edit", TREES, None)],
)
@pytest.mark.parametrize("method", ["pam", "fastpam1", "banditpam++", "fasterpam", "onebatch", "nearswap"])
def test_every_method_fits_object_metrics_as_pam_on_their_matrix(metric, data, params, method):
    """Each method on the objects gives its answer on the precomputed matrix of the same values."""
    matrix = pairwise_distances(data, metric=metric, **(params or {}))
    on_objects = KMedoids(3, metric=metric, metric_params=params, method=method, random_state=1).fit(data)
    on_matrix = KMedoids(3, metric="precomputed", method=method, random_state=1).fit(matrix)
    np.testing.assert_array_equal(on_objects.medoid_indices_, on_matrix.medoid_indices_)
    assert on_objects.inertia_ == pytest.approx(on_matrix.inertia_, rel=1e-12)
    np.testing.assert_array_equal(on_objects.predict(data), on_objects.labels_)
    np.testing.assert_allclose(on_objects.transform(data[:5]), matrix[:5][:, on_objects.medoid_indices_])


def test_swap_gap_silhouettes_and_select_k_take_object_metrics():
    params = {"window": 3}
    matrix = pairwise_distances(SERIES, metric="dtw", **params)
    pam = KMedoids(3, metric="dtw", metric_params=params, method="pam").fit(SERIES)
    assert swap_gap(SERIES, pam.medoid_indices_, metric="dtw", metric_params=params).gap == 0.0
    np.testing.assert_allclose(
        silhouette_samples(SERIES, pam.labels_, metric="dtw", metric_params=params),
        silhouette_samples(matrix, pam.labels_, metric="precomputed"),
    )
    np.testing.assert_allclose(
        medoid_silhouette_samples(TREES, [0, 1], metric="tree-edit"),
        medoid_silhouette_samples(pairwise_distances(TREES, metric="tree-edit"), [0, 1], metric="precomputed"),
    )
    found = select_k(WORDS, range(2, 5), metric="indel", random_state=0)
    reference = select_k(pairwise_distances(WORDS, metric="indel"), range(2, 5), metric="precomputed", random_state=0)
    assert found.best_k == reference.best_k
    assert found.scores == pytest.approx(reference.scores)


def test_metric_params_are_checked():
    with pytest.raises(ValueError, match="window"):
        KMedoids(2, metric="euclidean", metric_params={"window": 3}).fit(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="window must be >= 1"):
        KMedoids(2, metric="dtw", metric_params={"window": 0}).fit(SERIES)
    with pytest.raises(TypeError, match="unknown metric parameter"):
        KMedoids(2, metric="dtw", metric_params={"band": 3}).fit(SERIES)
    with pytest.raises(TypeError, match="metric_params must be a dict"):
        KMedoids(2, metric="dtw", metric_params=3).fit(SERIES)
    with pytest.raises(ValueError, match="series 1"):
        KMedoids(2, metric="dtw").fit([[1.0, 2.0], [[1.0], [2.0]], [3.0]])
    with pytest.raises(ValueError, match="precomputed"):
        pairwise_distances(np.zeros((3, 3)), metric="precomputed")
    # p also comes through metric_params, as in scikit-learn.
    X = RNG.normal(size=(20, 3))
    np.testing.assert_allclose(
        pairwise_distances(X, metric="minkowski", p=3),
        pairwise_distances(X, metric="minkowski", p=3.0),
    )
    assert banditpam_rs.KMedoids(2, metric="minkowski", metric_params={"p": 3}).fit(X).inertia_ == pytest.approx(
        banditpam_rs.KMedoids(2, metric="minkowski", p=3).fit(X).inertia_
    )
