"""Silhouettes against scikit-learn's and kmedoids' functions, choosing k, initialisation and
restarts, and scikit-learn's output conventions."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import pairwise_distances
from sklearn.metrics import silhouette_score as sklearn_silhouette
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from banditpam_rs import KMedoids, KSelection, levenshtein, select_k
from banditpam_rs.metrics import (
    medoid_silhouette_samples,
    medoid_silhouette_score,
    silhouette_samples,
    silhouette_score,
)


def blobs(centres, per_centre=40, spread=0.5, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(c, spread, size=(per_centre, len(c))) for c in centres])
    labels = np.repeat(np.arange(len(centres)), per_centre)
    return X, labels


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine", "chebyshev", "sqeuclidean"])
def test_silhouette_equals_scikit_learns(metric):
    X, _ = blobs([(0, 0, 0), (3, 1, 0), (0, 4, 2), (5, 5, 5)], per_centre=50)
    labels = np.random.default_rng(1).integers(0, 6, size=len(X))  # arbitrary, not only good ones
    for these in (labels, KMedoids(4, metric=metric, random_state=0).fit(X).labels_):
        expected = sklearn_silhouette(X, these, metric=metric)
        assert silhouette_score(X, these, metric=metric) == pytest.approx(expected, abs=1e-9)
    sampled = sklearn_silhouette(X, labels, metric=metric, sample_size=70, random_state=3)
    assert silhouette_score(X, labels, metric=metric, sample_size=70, random_state=3) == pytest.approx(
        sampled, abs=1e-9
    )


def test_silhouette_for_matrices_strings_and_callables():
    X, _ = blobs([(0, 0), (4, 0), (0, 4)], per_centre=30)
    labels = KMedoids(3, random_state=0).fit(X).labels_
    D = pairwise_distances(X, metric="manhattan")
    expected = sklearn_silhouette(D, labels, metric="precomputed")
    assert silhouette_score(D, labels, metric="precomputed") == pytest.approx(expected, abs=1e-9)
    assert silhouette_score(X, labels, metric=lambda a, b: float(np.abs(a - b).sum())) == pytest.approx(
        expected, abs=1e-9
    )
    words = ["color", "colour", "colr", "kolor", "banana", "bananna", "banan", "bnana", "cherry", "chery"]
    word_labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    W = np.array([[levenshtein(a, b) for b in words] for a in words])
    expected = sklearn_silhouette(W, word_labels, metric="precomputed")
    assert silhouette_score(words, word_labels, metric="levenshtein") == pytest.approx(expected, abs=1e-12)
    # The samples' mean is the score, threads do not change it, labels may be any values.
    samples = silhouette_samples(X, labels, n_threads=1)
    assert samples.mean() == pytest.approx(silhouette_score(X, labels), abs=1e-12)
    renamed = np.array(["abc"[label] for label in labels])
    np.testing.assert_array_equal(silhouette_samples(X, renamed, n_threads=2), samples)


def test_silhouette_errors_name_the_problem():
    X = np.arange(10.0).reshape(5, 2)
    with pytest.raises(ValueError, match="2 to n - 1"):
        silhouette_score(X, [0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="one entry per sample"):
        silhouette_score(X, [0, 1])
    with pytest.raises(ValueError, match="unknown metric"):
        silhouette_score(X, [0, 0, 1, 1, 1], metric="jaccard")
    for bad in (-1, 0, 1, 2.5, True):
        with pytest.raises(ValueError, match="sample_size must be an int >= 2"):
            silhouette_score(X, [0, 0, 1, 1, 1], sample_size=bad)
    with pytest.raises(ValueError):
        silhouette_score(np.array([[np.nan, 1.0], [1.0, 2.0], [3.0, 4.0]]), [0, 1, 1])


def test_medoid_silhouette_equals_kmedoids():
    kmedoids = pytest.importorskip("kmedoids")
    X, _ = blobs([(0, 0), (4, 0), (0, 4), (4, 4)], per_centre=30)
    D = pairwise_distances(X)
    for medoids in ([0, 40, 80], [5, 35, 65, 95], [7], [3, 4]):
        expected, samples = kmedoids.medoid_silhouette(D, np.array(medoids), samples=True)
        np.testing.assert_allclose(medoid_silhouette_samples(X, medoids), samples, atol=1e-12)
        assert medoid_silhouette_score(X, medoids) == pytest.approx(expected, abs=1e-12)
        assert medoid_silhouette_score(D, medoids, metric="precomputed") == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match="appears twice"):
        medoid_silhouette_score(X, [1, 1])
    with pytest.raises(ValueError, match="out of range"):
        medoid_silhouette_score(X, [1, 999])


@pytest.mark.parametrize("score", ["medoid_silhouette", "silhouette"])
def test_select_k_finds_five_blobs(score):
    X, _ = blobs([(0, 0), (10, 0), (0, 10), (10, 10), (5, 20)], per_centre=40)
    found = select_k(X, range(2, 9), score=score, random_state=0)
    assert isinstance(found, KSelection)
    assert found.best_k == 5, found.scores
    assert sorted(found.scores) == list(range(2, 9))
    for k, model in found.models.items():
        assert model.n_clusters == k and len(model.medoid_indices_) == k
        # Each score is the score of its model, recomputed independently.
        if score == "silhouette":
            expected = sklearn_silhouette(X, model.labels_)
        else:
            expected = medoid_silhouette_score(X, model.medoid_indices_)
        assert found.scores[k] == pytest.approx(expected, abs=1e-9)
        np.testing.assert_array_equal(model.predict(X), model.labels_)
    assert found.best_model is found.models[5]
    for method in ["fasterpam", "onebatch"]:
        assert select_k(X, [3, 5, 7], method=method, random_state=1).best_k == 5
    with pytest.raises(ValueError, match="k_range"):
        select_k(X, [1, 2])
    with pytest.raises(ValueError, match="score"):
        select_k(X, [2, 3], score="dunn")


def test_given_init_with_no_swaps_returns_exactly_those_medoids():
    X, _ = blobs([(0, 0), (4, 0), (0, 4)], per_centre=20)
    for method in ["banditpam++", "banditpam", "pam", "fastpam1", "fasterpam", "onebatch", "onebatch+swap"]:
        model = KMedoids(3, method=method, init=[17, 2, 44], max_iter=0).fit(X)
        assert model.medoid_indices_.tolist() == [17, 2, 44], method
        assert model.n_iter_ == 0
        np.testing.assert_allclose(model.inertia_, pairwise_distances(X, X[[17, 2, 44]]).min(axis=1).sum())
    model = KMedoids(3, init=np.array([5, 25, 45]), max_iter=0).fit(X)
    assert model.medoid_indices_.tolist() == [5, 25, 45]
    for bad, error, match in [
        ([1, 2], ValueError, "2 medoids given for k = 3"),
        ([1, 1, 2], ValueError, "twice"),
        ([1, 2, 999], ValueError, "out of range"),
        ([1, -2, 3], ValueError, "negative"),
        ("heuristic", ValueError, "build, random, k-medoids++"),
        (2.5, TypeError, "init must be one of"),
    ]:
        with pytest.raises(error, match=match):
            KMedoids(3, init=bad).fit(X)


def test_kmedoids_plus_plus_and_restarts():
    X, _ = blobs([(0, 0), (1000, 0), (0, 1000), (1000, 1000)], per_centre=25, spread=1.0)
    for seed in range(5):
        model = KMedoids(4, init="k-medoids++", max_iter=0, random_state=seed).fit(X)
        assert sorted(m // 25 for m in model.medoid_indices_) == [0, 1, 2, 3], seed
    Y, _ = blobs([(i * 3.0, 0) for i in range(8)], per_centre=20, spread=1.0, seed=2)
    once = KMedoids(8, method="fasterpam", init="random", random_state=4).fit(Y)
    best = KMedoids(8, method="fasterpam", init="random", n_init=8, random_state=4).fit(Y)
    assert best.inertia_ <= once.inertia_
    same = KMedoids(8, method="fasterpam", init="random", n_init=8, random_state=4, n_threads=1).fit(Y)
    np.testing.assert_array_equal(same.medoid_indices_, best.medoid_indices_)
    with pytest.raises(ValueError, match="n_init"):
        KMedoids(2, n_init=0).fit(Y)


def test_pandas_output_and_feature_names():
    X, _ = blobs([(0, 0, 0), (4, 0, 1)], per_centre=20)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = KMedoids(3, random_state=0).set_output(transform="pandas").fit(frame)
    out = model.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["kmedoids0", "kmedoids1", "kmedoids2"]
    assert list(model.get_feature_names_out()) == list(out.columns)
    np.testing.assert_allclose(out.to_numpy(), pairwise_distances(X, X[model.medoid_indices_]), atol=1e-7)
    pipe = make_pipeline(StandardScaler(), KMedoids(2, random_state=0)).set_output(transform="pandas")
    transformed = pipe.fit_transform(frame)
    assert list(transformed.columns) == ["kmedoids0", "kmedoids1"]
    assert list(pipe.get_feature_names_out()) == ["kmedoids0", "kmedoids1"]


@pytest.mark.parametrize("method", ["pam", "fastpam1", "banditpam++"])
def test_integer_weights_equal_repeated_rows(method):
    rng = np.random.default_rng(4)
    X, _ = blobs([(0, 0), (5, 1), (1, 6)], per_centre=30, seed=4)
    weights = rng.integers(1, 5, size=len(X))
    repeated = np.repeat(X, weights, axis=0)
    origin = np.repeat(np.arange(len(X)), weights)
    weighted = KMedoids(3, method=method, random_state=0).fit(X, sample_weight=weights)
    plain = KMedoids(3, method=method, random_state=0).fit(repeated)
    assert sorted(weighted.medoid_indices_) == sorted(origin[plain.medoid_indices_])
    assert weighted.inertia_ == pytest.approx(plain.inertia_, rel=1e-9)
    expected = (weights * pairwise_distances(X, X[weighted.medoid_indices_]).min(axis=1)).sum()
    assert weighted.inertia_ == pytest.approx(expected, rel=1e-9)
    assert weighted.average_loss_ == pytest.approx(expected / weights.sum(), rel=1e-9)


def test_sample_weight_errors_and_pipelines():
    X, _ = blobs([(0, 0), (5, 1)], per_centre=20)
    for bad, error, match in [
        (np.ones(5), ValueError, "one weight per object"),
        (-np.ones(len(X)), ValueError, "non-negative"),
        (np.full(len(X), np.nan), ValueError, "finite"),
        (np.zeros(len(X)), ValueError, "not all zero"),
        (np.ones((len(X), 2)), ValueError, "1-D"),
    ]:
        with pytest.raises(error, match=match):
            KMedoids(2).fit(X, sample_weight=bad)
    weights = np.linspace(0.5, 3.0, len(X))
    pipe = make_pipeline(StandardScaler(), KMedoids(2, random_state=0))
    pipe.fit(X, kmedoids__sample_weight=weights)
    direct = KMedoids(2, random_state=0).fit(StandardScaler().fit_transform(X), sample_weight=weights)
    np.testing.assert_array_equal(pipe[-1].medoid_indices_, direct.medoid_indices_)
    assert pipe[-1].inertia_ == pytest.approx(direct.inertia_)
    # With metadata routing, the weight is requested like any scikit-learn estimator's.
    import sklearn

    with sklearn.config_context(enable_metadata_routing=True):
        scaler = StandardScaler().set_fit_request(sample_weight=False)
        routed = make_pipeline(scaler, KMedoids(2, random_state=0).set_fit_request(sample_weight=True))
        routed.fit(X, sample_weight=weights)
    np.testing.assert_array_equal(routed[-1].medoid_indices_, direct.medoid_indices_)


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "digits"])
def test_the_default_gives_pam_s_answer_on_small_data(name):
    import kmedoids
    from sklearn import datasets

    X = getattr(datasets, f"load_{name}")().data
    D = pairwise_distances(X)
    for k in range(2, 11):
        # PAM as the kmedoids package implements it: BUILD, then the best swap while one helps.
        pam = kmedoids.pam(D, k, init="build")
        for seed in (0, 1, 2):
            model = KMedoids(k, random_state=seed).fit(X)
            assert model.method_ == "fastpam1", (name, k)
            assert model.inertia_ == pytest.approx(pam.loss, rel=1e-9), (name, k, seed)


@pytest.mark.parametrize(("n", "k"), [(300, 3), (1000, 25), (2000, 8), (2000, 20)])
def test_the_default_gives_pam_s_answer_on_random_sets(n, k):
    import kmedoids

    X = np.random.default_rng(n + k).normal(size=(n, 4)) * [1.0, 2.0, 0.5, 3.0]
    pam = kmedoids.pam(pairwise_distances(X), k, init="build")
    model = KMedoids(k, random_state=k).fit(X)
    assert model.inertia_ == pytest.approx(pam.loss, rel=1e-9)
