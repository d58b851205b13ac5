"""Inputs at the edges: memory limits (under setrlimit, in a subprocess so the limit cannot
reach the test run), values whose distances overflow, thread caps, data changed during a fit."""

import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from banditpam_rs import METHODS, KMedoids, levenshtein

TWO_GROUPS = [[1.0], [1.1], [1.2], [5.0], [5.1], [5.2]]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("metric", ["l1", "euclidean", "chebyshev", "cosine"])
def test_huge_values_keep_their_answer(method, metric):
    X = np.array(TWO_GROUPS) * 1e200
    model = KMedoids(2, metric=metric, method=method, random_state=0).fit(X)
    assert np.isfinite(model.inertia_)
    if metric != "cosine":  # in 1-D every positive point has cosine distance 0 to every other
        assert model.inertia_ == pytest.approx(0.4e200, rel=1e-9)
        if method in ("pam", "fastpam1", "banditpam++", "banditpam"):
            assert sorted(model.medoid_indices_.tolist()) == [1, 4]


def test_exact_methods_no_longer_round_to_float32():
    # The reproduction of the report: an f32 matrix turned these distances into inf.
    model = KMedoids(2, metric="l1", method="pam").fit(np.array(TWO_GROUPS) * 1e200)
    assert sorted(model.medoid_indices_.tolist()) == [1, 4]
    assert model.matrix_ == "float64"


def test_large_minkowski_exponents_are_stable():
    X = np.random.default_rng(0).random((60, 30)) * 255
    for p in (130, 1e6):
        model = KMedoids(3, metric="minkowski", p=p, method="pam").fit(X)
        chebyshev = KMedoids(3, metric="chebyshev", method="pam").fit(X)
        # Lp tends to L-infinity as p grows: never 0, never infinite.
        assert chebyshev.inertia_ <= model.inertia_ <= chebyshev.inertia_ * 1.2


def test_distances_beyond_float64_are_a_clear_error():
    with pytest.raises(ValueError, match="rescale"):
        KMedoids(2, metric="sqeuclidean", method="pam").fit(np.array(TWO_GROUPS) * 1e200)


def test_thread_counts_are_capped():
    with pytest.raises(ValueError, match="at most"):
        KMedoids(2, n_threads=100_000).fit(np.array(TWO_GROUPS))


def test_messages_name_every_method():
    with pytest.raises(ValueError, match=r"unknown method 'kmeans'.*onebatch\+swap"):
        KMedoids(2, method="kmeans").fit(np.array(TWO_GROUPS))


def test_the_result_names_the_method_and_the_matrix():
    X = np.random.default_rng(1).normal(size=(50, 3))
    assert KMedoids(3, method="fastpam1").fit(X).matrix_ == "float64"
    assert KMedoids(3, method="banditpam++").fit(X).matrix_ is None
    # The default, auto, names the method it ran (its rule: PAM on small data where the matrix
    # fits, onebatch+swap at k <= 10, FasterPAM on the matrix above, nearswap without a matrix).
    model = KMedoids(3).fit(X)
    assert (model.method_, model.matrix_) == ("fastpam1", "float64")
    X = np.random.default_rng(1).normal(size=(3000, 3))
    assert KMedoids(12).fit(X).method_ == "fasterpam"
    assert KMedoids(5).fit(X).method_ == "fastpam1"
    model = KMedoids(5, memory_budget=3000 * 3000 * 4 - 1).fit(X)
    assert (model.method_, model.matrix_) == ("onebatch+swap", None)
    model = KMedoids(12, memory_budget=3000 * 3000 * 4 - 1).fit(X)
    assert (model.method_, model.matrix_) == ("nearswap", None)


def test_memory_budget_gives_memory_error_naming_the_buffer():
    X = np.random.default_rng(2).normal(size=(3000, 4))
    with pytest.raises(MemoryError, match="OneBatchPAM.s block.*memory budget"):
        KMedoids(5, method="onebatch", memory_budget=1 << 16).fit(X)
    with pytest.raises(TypeError, match="memory_budget must be an int"):
        KMedoids(5, memory_budget="1G").fit(X)
    # Only what saves work shrinks: the exact method runs without its matrix.
    small = KMedoids(5, method="fastpam1", memory_budget=1 << 16).fit(X)
    assert small.matrix_ is None
    assert sorted(small.medoid_indices_) == sorted(KMedoids(5, method="fastpam1").fit(X).medoid_indices_)


LIMITED = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    from banditpam_rs import KMedoids
    n, method = int(sys.argv[1]), sys.argv[2]
    X = np.random.default_rng(0).random((n, 10), dtype=np.float32)
    with open("/proc/self/status") as status:
        used = next(int(line.split()[1]) for line in status if line.startswith("VmSize:")) << 10
    limit = used + (int(sys.argv[3]) << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        model = KMedoids(10, method=method, random_state=0).fit(X)
        print("fitted", sum(model.cache_hits_.values()) > 0)
    except MemoryError as error:
        print("MemoryError:", error)
    """
)


def _limited(n: int, method: str, room_mib: int) -> str:
    run = subprocess.run(
        [sys.executable, "-c", LIMITED, str(n), method, str(room_mib)], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, f"exit {run.returncode}: {run.stderr[-2000:]}"
    return run.stdout.strip()


def test_an_address_space_limit_gives_memory_error_not_an_abort():
    # OneBatchPAM's block (300,000 x 1,490 float32, 1.7 GiB) cannot fit 1 GiB more.
    out = _limited(300_000, "onebatch", 1024)
    assert out.startswith("MemoryError:") and "OneBatchPAM's block" in out, out


def test_the_cache_shrinks_to_an_address_space_limit():
    # The default cache (1 GiB at n = 60,000) does not fit 700 MiB more: it shrinks, and the fit
    # completes with the cache still used.
    assert _limited(60_000, "banditpam++", 700) == "fitted True"


def test_data_changed_during_a_fit_cannot_crash():
    """X is read without a copy: another thread changing it gives some result or an error
    (documented: X must not change during a fit), never a crash."""
    X = np.random.default_rng(3).random((4000, 20)).astype(np.float32)
    stop = threading.Event()

    def scribble():
        rng = np.random.default_rng(4)
        while not stop.is_set():
            rows = rng.integers(0, len(X), size=50)
            X[rows] = rng.choice([np.nan, np.inf, 1e30, -3.0], size=(50, 1)).astype(np.float32)

    writer = threading.Thread(target=scribble)
    writer.start()
    try:
        for method in ("banditpam++", "fasterpam", "onebatch"):
            try:
                model = KMedoids(5, method=method, random_state=0).fit(X)
                assert len(model.labels_) == len(X) and len(set(model.medoid_indices_)) == 5
            except ValueError as error:
                assert any(word in str(error) for word in ("finite", "NaN", "infinity")), error
    finally:
        stop.set()
        writer.join()


def test_levenshtein_lets_other_threads_run():
    """The GIL is released during one long pair: a Python loop in another thread keeps going."""
    rng = np.random.default_rng(0)
    a, b = ("".join(rng.choice(list("ACGT"), size=60_000)) for _ in range(2))
    done = threading.Event()
    worker = threading.Thread(target=lambda: (levenshtein(a, b), done.set()))
    turns = 0
    worker.start()
    while not done.is_set():
        turns += 1
    worker.join()
    # Held, the GIL would allow a few switch intervals of 5 ms (some 10^4 turns) in 0.2 s or so.
    assert turns > 500_000, turns


@pytest.mark.parametrize(
    "method", ["banditpam++", "banditpam", "pam", "fasterpam", "onebatch", "onebatch+swap", "auto"]
)
def test_weights_whose_loss_overflows_are_refused_not_infinite(method):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3)) * 1e10
    with pytest.raises(ValueError, match="sample_weight must be small enough for the weighted loss to fit float64"):
        KMedoids(3, method=method, random_state=0).fit(X, sample_weight=np.full(80, 1e300))
    # A power of two times the weights: the same medoids, the loss times that power.
    weights = rng.integers(1, 5, size=80).astype(float)
    plain = KMedoids(3, method=method, random_state=0).fit(X, sample_weight=weights)
    scaled = KMedoids(3, method=method, random_state=0).fit(X, sample_weight=weights * 2.0**900)
    np.testing.assert_array_equal(scaled.medoid_indices_, plain.medoid_indices_)
    assert scaled.inertia_ == plain.inertia_ * 2.0**900
