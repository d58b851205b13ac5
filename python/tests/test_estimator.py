"""The scikit-learn estimator: reference answers, consistency with independent computations,
input handling, scikit-learn conventions."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import pairwise_distances

from banditpam_rs import KMedoids, levenshtein

# The reference cases of docs/ALGORITHMS.md: exact PAM on data/mnist-100.csv (sorted BUILD and final
# medoids, average loss).
REFERENCE = [
    ("euclidean", 5, [16, 24, 32, 70, 87], [23, 30, 49, 70, 99], 7.825097),
    (
        "euclidean",
        10,
        [16, 24, 32, 49, 70, 82, 87, 90, 94, 99],
        [16, 25, 31, 49, 63, 70, 82, 90, 94, 99],
        6.991107,
    ),
    ("manhattan", 5, [3, 49, 70, 87, 99], [3, 49, 70, 87, 99], 86.938471),
    ("cosine", 5, [53, 64, 73, 85, 97], [53, 73, 76, 85, 97], 0.341601),
]
METHODS_WITH_PAM_ANSWER = ["banditpam++", "banditpam", "pam", "fastpam1"]


@pytest.mark.parametrize("method", METHODS_WITH_PAM_ANSWER)
@pytest.mark.parametrize("metric,k,build,final,average_loss", REFERENCE)
def test_reference_table(mnist_100, method, metric, k, build, final, average_loss):
    model = KMedoids(k, metric=metric, method=method, random_state=0).fit(mnist_100)
    assert sorted(model.build_medoid_indices_.tolist()) == build
    assert sorted(model.medoid_indices_.tolist()) == final
    assert model.average_loss_ == pytest.approx(average_loss, abs=1e-6)
    assert model.inertia_ == pytest.approx(average_loss * 100, abs=1e-4)
    assert model.converged_


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "manhattan", "chebyshev", "cosine", "correlation"])
def test_transform_and_predict_agree_with_scikit_learn_distances(mnist, metric):
    X, new = mnist[:400].astype(np.float64), mnist[400:700].astype(np.float64)
    model = KMedoids(6, metric=metric, random_state=1).fit(X)
    expected = pairwise_distances(new, model.cluster_centers_, metric=metric)
    distances = model.transform(new)
    assert distances.shape == (300, 6) and distances.dtype == np.float64
    np.testing.assert_allclose(distances, expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(model.predict(new), expected.argmin(axis=1))
    assert model.score(new) == pytest.approx(-expected.min(axis=1).sum())
    # On the training data: labels_ are the predictions, and inertia_ the brute-force loss.
    train = pairwise_distances(X, model.cluster_centers_, metric=metric)
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    np.testing.assert_array_equal(model.labels_, train.argmin(axis=1))
    assert model.inertia_ == pytest.approx(train.min(axis=1).sum(), rel=1e-9)
    np.testing.assert_array_equal(model.cluster_centers_, X[model.medoid_indices_])


def test_minkowski_uses_p(mnist):
    X = mnist[:300].astype(np.float64)
    model = KMedoids(4, metric="minkowski", p=3, random_state=0).fit(X)
    expected = pairwise_distances(X, model.cluster_centers_, metric="minkowski", p=3)
    np.testing.assert_allclose(model.transform(X), expected, rtol=1e-9)
    assert model.inertia_ == pytest.approx(expected.min(axis=1).sum(), rel=1e-9)


def test_float32_transform_matches_float64_to_single_precision(mnist):
    model = KMedoids(5, random_state=0).fit(mnist[:500])
    assert model.cluster_centers_.dtype == np.float32
    expected = pairwise_distances(mnist[500:800].astype(np.float64), model.cluster_centers_.astype(np.float64))
    np.testing.assert_allclose(model.transform(mnist[500:800]), expected, rtol=2e-6)


@pytest.mark.parametrize("method", ["banditpam++", "banditpam", "fastpam1", "fasterpam", "onebatch", "onebatch+swap"])
def test_results_do_not_depend_on_threads(mnist, method):
    X = mnist[:1500]
    one = KMedoids(8, method=method, random_state=3, n_threads=1).fit(X)
    two = KMedoids(8, method=method, random_state=3, n_threads=2).fit(X)
    np.testing.assert_array_equal(one.medoid_indices_, two.medoid_indices_)
    np.testing.assert_array_equal(one.labels_, two.labels_)
    assert one.inertia_ == two.inertia_
    np.testing.assert_array_equal(one.predict(mnist[2000:2500]), two.predict(mnist[2000:2500]))


def test_callable_metric_matches_the_built_in_one(mnist):
    X = mnist[:120].astype(np.float64)
    builtin = KMedoids(4, metric="manhattan", random_state=0).fit(X)
    custom = KMedoids(4, metric=lambda a, b: float(np.abs(a - b).sum()), random_state=0).fit(X)
    np.testing.assert_array_equal(custom.medoid_indices_, builtin.medoid_indices_)
    np.testing.assert_array_equal(custom.labels_, builtin.labels_)
    assert custom.inertia_ == pytest.approx(builtin.inertia_, rel=1e-12)
    np.testing.assert_allclose(custom.transform(mnist[200:230]), builtin.transform(mnist[200:230]), rtol=1e-6)


def test_callable_on_strings_and_the_built_in_levenshtein():
    words = ["kitten", "sitting", "mitten", "bitten", "flaw", "lawn", "claw", "flown", "sitter", "kitchen"]
    pam = KMedoids(2, metric="levenshtein", method="pam").fit(words)
    ours = KMedoids(2, metric="levenshtein", random_state=0, batch_size=3).fit(words)
    custom = KMedoids(2, metric=levenshtein, random_state=0).fit(words)
    assert sorted(ours.medoid_indices_) == sorted(pam.medoid_indices_) == sorted(custom.medoid_indices_)
    # Brute force: the best pair of medoids by total edit distance.
    d = np.array([[levenshtein(a, b) for b in words] for a in words])
    best = min(
        ((i, j) for i in range(10) for j in range(i + 1, 10)),
        key=lambda p: d[list(p)].min(axis=0).sum(),
    )
    assert ours.inertia_ == d[list(best)].min(axis=0).sum()
    assert ours.cluster_centers_ is None
    np.testing.assert_array_equal(ours.predict(["mittens", "flawn"]), [ours.labels_[2], ours.labels_[4]])


def test_precomputed_matches_dense_and_predicts(mnist):
    X, new = mnist[:400].astype(np.float64), mnist[400:450].astype(np.float64)
    dense = KMedoids(5, metric="manhattan", random_state=2).fit(X)
    matrix = pairwise_distances(X, metric="manhattan")
    pre = KMedoids(5, metric="precomputed", random_state=2).fit(matrix)
    np.testing.assert_array_equal(pre.medoid_indices_, dense.medoid_indices_)
    np.testing.assert_array_equal(pre.labels_, dense.labels_)
    assert pre.cluster_centers_ is None
    assert pre.inertia_ == pytest.approx(dense.inertia_, rel=1e-9)
    np.testing.assert_array_equal(pre.predict(pairwise_distances(new, X, metric="manhattan")), dense.predict(new))


def test_asymmetric_precomputed_measures_from_the_medoid():
    rng = np.random.default_rng(0)
    d = rng.uniform(1, 10, size=(60, 60))
    np.fill_diagonal(d, 0)
    for method in ["banditpam++", "pam"]:
        model = KMedoids(3, metric="precomputed", method=method, random_state=0).fit(d)
        # The loss sums d[medoid, x]: rows are medoids.
        assert model.inertia_ == pytest.approx(d[model.medoid_indices_].min(axis=0).sum())
    assert sorted(KMedoids(3, metric="precomputed", method="pam").fit(d).medoid_indices_) == sorted(
        model.medoid_indices_
    )


def test_input_kinds_give_the_same_answer(mnist):
    X = mnist[:300]
    base = KMedoids(4, random_state=5).fit(X)
    variants = {
        "float64": X.astype(np.float64),
        "fortran": np.asfortranarray(X),
        "strided": np.repeat(X, 2, axis=0)[::2],
        "list": X.tolist(),
        "dataframe": pd.DataFrame(X, columns=[f"px{i}" for i in range(784)]),
        "int": (X * 255).astype(np.int64),
    }
    for name, data in variants.items():
        model = KMedoids(4, random_state=5).fit(data)
        assert sorted(model.medoid_indices_) == sorted(base.medoid_indices_), name
    frame = KMedoids(4, random_state=5).fit(variants["dataframe"])
    assert list(frame.feature_names_in_) == [f"px{i}" for i in range(784)]
    assert frame.n_features_in_ == 784


def test_random_state_kinds(mnist):
    X = mnist[:500]
    for state in [None, 7, np.random.default_rng(1), np.random.RandomState(2)]:
        model = KMedoids(5, method="fasterpam", random_state=state).fit(X)
        assert len(set(model.medoid_indices_.tolist())) == 5
    a = KMedoids(5, method="fasterpam", random_state=7).fit(X)
    b = KMedoids(5, method="fasterpam", random_state=7).fit(X)
    np.testing.assert_array_equal(a.medoid_indices_, b.medoid_indices_)


def test_attributes_and_counters(mnist):
    X = mnist[:2000]
    model = KMedoids(5, method="banditpam++", random_state=0).fit(X)
    assert model.labels_.shape == (2000,) and model.medoid_indices_.shape == (5,)
    assert model.build_loss_ >= model.inertia_ and model.average_loss_ == pytest.approx(model.inertia_ / 2000)
    evaluations = model.distance_evaluations_
    assert set(evaluations) == {"build", "swap", "other", "total"}
    assert evaluations["total"] == evaluations["build"] + evaluations["swap"] + evaluations["other"]
    assert 0 < evaluations["total"] < 2000**2
    assert model.cache_hits_["total"] > 0
    assert model.fit_seconds_["total"] > 0 and model.n_iter_ >= 0
    np.testing.assert_array_equal(model.fit_predict(X), model.labels_)
    np.testing.assert_allclose(model.fit_transform(X), model.transform(X))


def test_pickle_clone_and_params(mnist):
    X = mnist[:300]
    model = KMedoids(3, metric="cosine", random_state=0).fit(X)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(mnist[300:400]), model.predict(mnist[300:400]))
    assert restored.inertia_ == model.inertia_
    fresh = clone(model)
    assert fresh.get_params() == model.get_params() and not hasattr(fresh, "labels_")
    fresh.set_params(n_clusters=4, method="pam")
    assert fresh.fit(X).medoid_indices_.shape == (4,)


def test_verbose_reports_progress(mnist, capsys):
    KMedoids(3, method="banditpam++", verbose=True, random_state=0).fit(mnist[:300])
    err = capsys.readouterr().err
    assert "BUILD: medoid 1/3" in err and "BUILD: medoid 3/3" in err
    assert "banditpam++: iteration 1" in err and "loss " in err
    # Each phase is named: the start, then the method's swaps; on a matrix no distance count.
    KMedoids(12, method="nearswap", verbose=True, random_state=0).fit(mnist[:300])
    err = capsys.readouterr().err
    assert "OneBatchPAM start" in err and "nearswap: iteration" in err
    KMedoids(3, method="pam", verbose=True).fit(mnist[:300])
    err = capsys.readouterr().err
    assert "building the 300 x 300 dissimilarity matrix" in err and "pam: iteration 1" in err
    assert "on the matrix" in err and " 0 distances" not in err


def test_one_sample_and_k_equal_n():
    X = np.array([[1.0, 2.0]])
    model = KMedoids(1).fit(X)
    assert model.medoid_indices_.tolist() == [0] and model.inertia_ == 0
    X = np.arange(12, dtype=np.float64).reshape(6, 2)
    model = KMedoids(6, random_state=0).fit(X)
    assert sorted(model.medoid_indices_) == list(range(6)) and model.inertia_ == 0


def test_c_ordered_float_input_is_not_copied():
    import tracemalloc

    X = np.random.default_rng(0).normal(size=(20_000, 50)).astype(np.float32)  # 4 MB
    tracemalloc.start()
    KMedoids(5, random_state=0, max_iter=2).fit(X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # numpy reports its allocations to tracemalloc: a copy of X would show as 4 MB.
    assert peak < X.nbytes / 4, f"{peak} bytes allocated by Python for a {X.nbytes}-byte input"
    tracemalloc.start()
    KMedoids(5, random_state=0, max_iter=2).fit(np.asfortranarray(X))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak >= X.nbytes, "a Fortran-ordered input needs one C-ordered copy (the check can fail)"


def test_frugal_methods_compare_with_pam(mnist):
    X = mnist[:1500]
    pam = KMedoids(8, method="fastpam1").fit(X)
    for seed in range(3):
        one = KMedoids(8, method="onebatch", random_state=seed).fit(X)
        hybrid = KMedoids(8, method="onebatch+swap", random_state=seed).fit(X)
        assert one.inertia_ < pam.inertia_ * 1.03
        assert hybrid.inertia_ <= one.inertia_ and hybrid.inertia_ < pam.inertia_ * 1.005
        # The 1500 x m batch block (m = 100 ln(n k)), plus the initial and final medoids' rows.
        m = int(100 * np.log(1500 * 8))
        assert one.distance_evaluations_["total"] <= 1500 * (m + 16)
