"""banditpam_rs.swap_gap against brute force: every swap's loss computed with numpy."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances

from banditpam_rs import KMedoids, SwapGap, swap_gap


def brute_best(D: np.ndarray, medoids: list[int]) -> tuple[float, int, int]:
    """(delta, position, object) of the best swap, ties to the lower object, then position."""
    loss = D[medoids].min(axis=0).sum()
    best = (np.inf, -1, -1)
    for obj in range(len(D)):
        if obj in medoids:
            continue
        for position in range(len(medoids)):
            swapped = list(medoids)
            swapped[position] = obj
            delta = D[swapped].min(axis=0).sum() - loss
            if delta < best[0] - 1e-9 * loss:
                best = (delta, position, obj)
    return best


@pytest.mark.parametrize(("metric", "k"), [("euclidean", 3), ("manhattan", 5), ("cosine", 2)])
def test_the_best_swap_is_brute_force_s(metric, k):
    X = np.random.default_rng(k).normal(size=(80, 3))
    medoids = [int(i) for i in np.random.default_rng(k + 1).choice(80, k, replace=False)]
    found = swap_gap(X, medoids, metric=metric)
    D = pairwise_distances(X, metric=metric)
    delta, position, obj = brute_best(D, medoids)
    loss = D[medoids].min(axis=0).sum()
    assert isinstance(found, SwapGap)
    assert found.loss == pytest.approx(loss, rel=1e-9)
    assert found.delta == pytest.approx(delta, rel=1e-9)
    assert found.swap == (position, obj)
    assert found.gap == pytest.approx(-delta / loss, rel=1e-9)
    assert 0 < found.distance_evaluations <= 80 * 80


def test_pam_has_no_gap_and_faster_answers_are_measured(mnist):
    X = mnist[:1000]
    pam = KMedoids(10, method="fastpam1").fit(X)
    certified = swap_gap(X, pam.medoid_indices_)
    assert (certified.gap, certified.swap) == (0.0, None)
    assert certified.loss == pytest.approx(pam.inertia_, rel=1e-9)
    onebatch = KMedoids(10, method="onebatch", random_state=0).fit(X)
    assert swap_gap(X, onebatch.medoid_indices_).gap < 0.05
    start = KMedoids(10, init="random", max_iter=0, random_state=0).fit(X)
    found = swap_gap(X, start.medoid_indices_, n_threads=1)
    assert found.gap > 0 and found == swap_gap(X, start.medoid_indices_, n_threads=2)
    position, obj = found.swap
    swapped = start.medoid_indices_.copy()
    swapped[position] = obj
    after = KMedoids(10, init=swapped, max_iter=0).fit(X).inertia_
    assert after == pytest.approx(found.loss + found.delta, rel=1e-6)


def test_strings_and_matrices_too():
    words = ["apple", "apples", "aple", "banana", "bananas", "banan", "cherry", "chery", "cherri"]
    found = swap_gap(words, [0, 1, 2], metric="levenshtein")
    assert found.gap > 0 and found.swap[1] >= 3  # a medoid moves to another word family
    D = pairwise_distances(np.arange(20.0).reshape(-1, 1))
    assert swap_gap(D, [2, 17], metric="precomputed").swap is not None


def test_bad_input_is_a_clear_error():
    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match="twice"):
        swap_gap(X, [1, 1])
    with pytest.raises(ValueError, match="out of range"):
        swap_gap(X, [1, 50])
    with pytest.raises(ValueError, match="no medoids"):
        swap_gap(X, np.array([], dtype=int))
    with pytest.raises(TypeError, match="medoid_indices"):
        swap_gap(X, [1.5, 2.0])
    with pytest.raises(MemoryError, match="memory budget"):
        swap_gap(X, [1, 2], memory_budget=100)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN|not finite"):
        swap_gap(bad, [1, 2])
