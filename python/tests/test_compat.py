"""`banditpam_rs.compat.KMedoids` against the upstream package it mirrors."""

import time

import numpy as np
import pytest

from banditpam_rs.compat import KMedoids


def test_loss_names_map_to_metrics(mnist_100):
    from sklearn.metrics import pairwise_distances

    for loss, metric, p in [
        ("L2", "euclidean", None),
        ("euclidean", "euclidean", None),
        ("L1", "manhattan", None),
        ("manhattan", "manhattan", None),
        ("L3", "minkowski", 3),
        ("inf", "chebyshev", None),
        ("cos", "cosine", None),
    ]:
        model = KMedoids(n_medoids=3, algorithm="PAM").fit(mnist_100, loss)
        kwargs = {"p": p} if p else {}
        d = pairwise_distances(mnist_100, mnist_100[model.medoids], metric=metric, **kwargs)
        assert model.average_loss == pytest.approx(d.min(axis=1).mean(), rel=1e-9), loss
        np.testing.assert_array_equal(model.labels, d.argmin(axis=1))


def test_bad_names_and_unfitted_use():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="unknown loss 'L_two'"):
        KMedoids(n_medoids=2).fit(X, "L_two")
    with pytest.raises(ValueError, match="unknown algorithm 'CLARA'"):
        KMedoids(n_medoids=2, algorithm="CLARA").fit(X, "L2")
    with pytest.raises(ValueError):
        KMedoids().fit(np.array([]), "L2")
    # Errors name this class's parameters, not the estimator's.
    with pytest.raises(ValueError, match="n_medoids must be an integer from 1 to"):
        KMedoids(n_medoids=0).fit(X, "L2")
    with pytest.raises(ValueError, match="n_medoids=21 must be at most"):
        KMedoids(n_medoids=21).fit(X, "L2")


def test_algorithms_agree_with_each_other(mnist):
    X = mnist[:600]
    answers = {}
    for algorithm in ["BanditPAM", "BanditPAM_orig", "PAM", "FastPAM1"]:
        model = KMedoids(n_medoids=5, algorithm=algorithm).fit(X, "L2")
        answers[algorithm] = sorted(model.medoids.tolist())
        # The exact methods build a matrix first: its distances count as "misc".
        assert model.getDistanceComputations(True) >= model.getDistanceComputations(False) >= 0
        assert model.getDistanceComputations(True) > 0
    assert len({tuple(v) for v in answers.values()}) == 1, answers


@pytest.mark.parametrize("n,k,loss", [(500, 5, "L2"), (1000, 5, "L1"), (1000, 10, "L2")])
def test_reproduces_upstream_banditpam(mnist, n, k, loss):
    upstream = pytest.importorskip("banditpam", reason="banditpam==6.0.2 could not be installed from PyPI")
    X = mnist[:n]
    theirs = upstream.KMedoids(n_medoids=k, algorithm="BanditPAM")
    start = time.perf_counter()
    theirs.fit(X, loss)
    their_seconds = time.perf_counter() - start
    ours = KMedoids(n_medoids=k, algorithm="BanditPAM")
    start = time.perf_counter()
    ours.fit(X, loss)
    our_seconds = time.perf_counter() - start
    print(f"n = {n}, k = {k}, {loss}: upstream {their_seconds:.2f} s, compat {our_seconds:.3f} s")
    assert sorted(ours.medoids.tolist()) == sorted(int(m) for m in theirs.medoids)
    assert sorted(ours.build_medoids.tolist()) == sorted(int(m) for m in theirs.build_medoids)
    assert ours.average_loss == pytest.approx(theirs.average_loss, rel=1e-5)
    assert ours.steps == theirs.steps


UPSTREAM_PARAMETERS = [
    "n_medoids",
    "algorithm",
    "max_iter",
    "build_confidence",
    "swap_confidence",
    "use_cache",
    "use_perm",
    "cache_width",
    "parallelize",
    "seed",
]
UPSTREAM_RESULTS = ["medoids", "build_medoids", "labels"]
UPSTREAM_COUNTERS = [
    "average_loss",
    "steps",
    "build_distance_computations",
    "swap_distance_computations",
    "misc_distance_computations",
    "cache_hits",
    "cache_misses",
    "cache_writes",
]


def test_defaults_and_unfitted_results_are_upstreams():
    upstream = pytest.importorskip("banditpam", reason="banditpam==6.0.2 could not be installed from PyPI")
    theirs, ours = upstream.KMedoids(), KMedoids()
    for name in UPSTREAM_PARAMETERS:
        assert getattr(ours, name) == getattr(theirs, name), name
    for name in UPSTREAM_RESULTS:
        mine, their = getattr(ours, name), getattr(theirs, name)
        assert (mine.shape, mine.dtype, mine[0].tolist()) == (their.shape, their.dtype, their[0].tolist()), name
    for name in UPSTREAM_COUNTERS:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.getDistanceComputations(True) == theirs.getDistanceComputations(True) == 0


def test_the_module_stands_in_for_upstreams():
    import banditpam_rs

    assert banditpam_rs.compat.KMedoids is KMedoids
    from banditpam_rs.compat import get_max_threads, set_num_threads

    assert get_max_threads() >= 1
    X = np.random.default_rng(2).normal(size=(300, 4))
    everywhere = KMedoids(n_medoids=4).fit(X, "L2")
    try:
        set_num_threads(1)
        assert get_max_threads() == 1
        one = KMedoids(n_medoids=4).fit(X, "L2")
    finally:
        set_num_threads(None)
    assert one.medoids.tolist() == everywhere.medoids.tolist()
    for bad, error in [(0, ValueError), (True, TypeError), (1.5, TypeError)]:
        with pytest.raises(error, match="num_threads"):
            set_num_threads(bad)


def test_use_perm_and_the_cache_counters(mnist):
    X = mnist[:600]
    pam = sorted(KMedoids(n_medoids=5, algorithm="FastPAM1").fit(X, "L2").medoids.tolist())
    cached = KMedoids(n_medoids=5).fit(X, "L2")
    assert cached.cache_writes > 0 and cached.cache_hits > 0
    # Every distance read went through the cache: computed (a miss) or read back (a hit).
    assert cached.cache_misses == cached.getDistanceComputations(True) >= cached.cache_writes
    # Upstream's default width, 1,000 columns, holds every reference at n = 600: each entry
    # is written once and no distance is computed twice.
    assert cached.cache_writes <= 600 * 600

    fixed = KMedoids(n_medoids=5, use_cache=False).fit(X, "L2")
    shuffled = KMedoids(n_medoids=5, use_perm=False).fit(X, "L2")
    for model in (fixed, shuffled):
        assert sorted(model.medoids.tolist()) == pam
        assert model.cache_hits == model.cache_writes == model.cache_misses == 0
    # A new reference order at each step samples other references than the fixed order does.
    assert shuffled.swap_distance_computations != fixed.swap_distance_computations
