"""The edges of float64 on every metric x method, through the Python surface.

Each fit on data of extreme magnitude (1e-310 to 1e308, mixed magnitudes, f32 and f64, dense and
sparse, weights from 1e-300 to 1e300) is compared with the fit of the same data scaled into
[0, 1) by a power of two (`np.ldexp`: exact, so both hold the same information): the medoids are
equal, or the loss of the medoids found, on the scaled copy, is within 1e-9 of the scaled fit's.
Otherwise the fit must raise a ValueError that names the problem. The same sweep runs in Rust
(crates/banditpam/tests/suite/adversarial.rs); this one checks that the binding keeps it.
"""

import json
import re
import subprocess
import sys
import threading

import numpy as np
import pytest
from scipy import sparse

from banditpam_rs import METHODS, KMedoids, pairwise_distances

DENSE_METRICS = ["euclidean", "sqeuclidean", "manhattan", "chebyshev", "minkowski", "cosine", "correlation"]
SPARSE_METRICS = ["euclidean", "sqeuclidean", "manhattan", "cosine"]
#: Where a fit may refuse: squared distances below float64's normal range, sums beyond it.
RANGE_ERROR = r"rescale|overflow|float64"
MAGNITUDES = [1e-310, 1e-300, 1e154, 1e200, 1e308, "mixed"]


def base(n=30, d=3, seed=0):
    return np.random.default_rng(seed).random((n, d)) - 0.4


def at(magnitude, X):
    if magnitude == "mixed":
        scaled = X.copy()
        scaled[::2] *= 1e-300
        scaled[1::2] *= 1e300
        return scaled
    return X * magnitude


def unit_copy(X, metric):
    """X in [0, 1) by powers of two: one for the whole set, or one per row for the metrics
    that do not see a row's scale (cosine, correlation)."""
    X = np.asarray(X, dtype=np.float64)
    if metric in ("cosine", "correlation"):
        largest = np.abs(X).max(axis=1, keepdims=True)
    else:
        largest = np.abs(X).max(keepdims=True)
    exponent = -np.floor(np.log2(np.where(largest > 0, largest, 1.0))).astype(int) - 1
    # Two steps, so that the power itself never leaves float64's range.
    return np.ldexp(np.ldexp(X, exponent // 2), exponent - exponent // 2)


def loss_on(X, medoids, metric):
    return pairwise_distances(X, X[list(medoids)], metric=metric).min(axis=1).sum()


def agree(model_args, data, unit, metric, case):
    """Fit both; True when `data` fitted (as the unit copy did), False when it raised clearly."""
    reference = KMedoids(**model_args).fit(unit)
    try:
        fitted = KMedoids(**model_args).fit(data)
    except ValueError as error:
        assert re.search(RANGE_ERROR, str(error)), f"{case}: {error}"
        return False
    assert np.isfinite(fitted.inertia_) and fitted.inertia_ >= 0, f"{case}: {fitted.inertia_}"
    if sorted(fitted.medoid_indices_) != sorted(reference.medoid_indices_):
        dense_unit = unit.toarray() if sparse.issparse(unit) else unit
        found, best = (
            loss_on(dense_unit, fitted.medoid_indices_, metric),
            loss_on(dense_unit, reference.medoid_indices_, metric),
        )
        assert abs(found - best) <= 1e-9 * best, f"{case}: {found} on the unit copy, not {best}"
    return True


@pytest.mark.parametrize("metric", DENSE_METRICS)
@pytest.mark.parametrize("magnitude", MAGNITUDES)
def test_dense_extremes_fit_as_their_unit_copy_or_refuse(metric, magnitude):
    X = at(magnitude, base(seed=1))
    unit = unit_copy(X, metric)
    fitted = sum(
        agree(dict(n_clusters=3, metric=metric, method=method, random_state=0), X, unit, metric, f"{method}")
        for method in METHODS
    )
    # Refusals are for squared L2 of tiny values and for sums near 1e308 only.
    if metric != "sqeuclidean" and magnitude != 1e308:
        assert fitted == len(METHODS)


@pytest.mark.parametrize("metric", DENSE_METRICS)
@pytest.mark.parametrize("magnitude", [1e-44, 1e-30, 1e37, "mixed32"])
def test_float32_extremes_fit_as_their_unit_copy_or_refuse(metric, magnitude):
    X = base(seed=2)
    if magnitude == "mixed32":
        X[::2] *= 1e-30
        X[1::2] *= 1e30
    else:
        X = X * magnitude
    X = X.astype(np.float32)
    unit = unit_copy(X, metric)
    for method in ("pam", "fasterpam", "onebatch", "nearswap", "banditpam++"):
        agree(dict(n_clusters=3, metric=metric, method=method, random_state=0), X, unit, metric, method)


@pytest.mark.parametrize("metric", SPARSE_METRICS)
@pytest.mark.parametrize("magnitude", MAGNITUDES)
def test_sparse_extremes_fit_as_their_unit_copy_or_refuse(metric, magnitude):
    X = at(magnitude, base(seed=3))
    X[:, 1] = 0.0  # a column of zeros, so that the rows are really sparse
    unit = unit_copy(X, metric)
    for method in ("pam", "fasterpam", "nearswap", "banditpam++"):
        args = dict(n_clusters=3, metric=metric, method=method, random_state=0)
        fitted = agree(args, sparse.csr_matrix(X), sparse.csr_matrix(unit), metric, f"sparse {method}")
        if fitted:
            # Sparse input gives dense input's answer.
            dense = KMedoids(**args).fit(X)
            assert sorted(dense.medoid_indices_) == sorted(KMedoids(**args).fit(sparse.csr_matrix(X)).medoid_indices_)


@pytest.mark.parametrize("magnitude", [1e-300, 1e-100, 1e100, 1e300])
@pytest.mark.parametrize("method", METHODS)
def test_weights_of_any_magnitude_fit_as_unit_weights_or_refuse(magnitude, method):
    X = base(seed=4)
    weights = (0.25 + np.random.default_rng(5).random(len(X))) * magnitude
    unit_weights = unit_copy(weights[None, :], "euclidean")[0]
    args = dict(n_clusters=3, method=method, random_state=0)
    reference = KMedoids(**args).fit(X, sample_weight=unit_weights)
    try:
        fitted = KMedoids(**args).fit(X, sample_weight=weights)
    except ValueError as error:
        assert "sample_weight" in str(error)
        return
    assert np.isfinite(fitted.inertia_)
    assert sorted(fitted.medoid_indices_) == sorted(reference.medoid_indices_)


def test_rows_of_wildly_different_scale_keep_their_directions():
    # Cosine and correlation do not see a row's length: rows of 1e-300 beside rows of 1e300
    # are clustered as the rows themselves, not as zero rows.
    X = base(seed=6)
    mixed = at("mixed", X)
    for metric in ("cosine", "correlation"):
        for method in ("pam", "nearswap"):
            a = KMedoids(3, metric=metric, method=method, random_state=0).fit(mixed)
            b = KMedoids(3, metric=metric, method=method, random_state=0).fit(X)
            assert sorted(a.medoid_indices_) == sorted(b.medoid_indices_), (metric, method)
            assert a.inertia_ == pytest.approx(b.inertia_, rel=1e-9)
            # predict and transform agree with the fit on the same rows.
            assert np.array_equal(a.predict(mixed), a.labels_)
            assert a.transform(mixed).min(axis=1).sum() == pytest.approx(a.inertia_, rel=1e-9)


def test_sums_beyond_float64_are_a_value_error():
    X = base(seed=7) * 1.5e308
    for method in METHODS:
        with pytest.raises(ValueError, match="overflow"):
            KMedoids(3, metric="chebyshev", method=method).fit(X)


def test_cli_on_tiny_values_agrees_with_its_unit_copy(tmp_path):
    # The CLI surface, on subnormal data and its rescaled copy.
    cli = built_cli()
    X = base(seed=8) * 1e-310
    np.save(tmp_path / "tiny.npy", X)
    np.save(tmp_path / "unit.npy", unit_copy(X, "manhattan"))
    for metric in ("l1", "euclidean", "cosine"):
        out = []
        for name in ("tiny", "unit"):
            run = subprocess.run(
                [cli, "fit", str(tmp_path / f"{name}.npy"), "-k", "3", "--metric", metric, "--quiet"],
                capture_output=True,
                text=True,
            )
            assert run.returncode == 0, run.stderr
            out.append(json.loads(run.stdout))
        assert sorted(out[0]["medoids"]) == sorted(out[1]["medoids"]), metric
        assert np.isfinite(out[0]["loss"])
    run = subprocess.run(
        [cli, "fit", str(tmp_path / "tiny.npy"), "-k", "3", "--metric", "sqeuclidean"], capture_output=True, text=True
    )
    assert run.returncode == 2 and "rescale" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def built_cli():
    """The CLI of this checkout (the test command builds it before the Python tests)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    path = root / "target" / "release" / "banditpam"
    if not path.exists():
        pytest.skip("the CLI is not built (cargo build --release -p banditpam-cli)")
    return str(path)


def test_two_threads_fitting_one_estimator_leave_one_fit():
    # Each fit publishes all its attributes at once: never labels from one and features from
    # the other.
    small, wide = base(n=40, d=2, seed=9), base(n=60, d=5, seed=10)
    model = KMedoids(3, random_state=0)
    for _ in range(5):
        threads = [threading.Thread(target=model.fit, args=(X,)) for X in (small, wide)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        X = small if model.n_features_in_ == 2 else wide
        assert len(model.labels_) == len(X)
        assert model.cluster_centers_.shape[1] == model.n_features_in_
        assert np.array_equal(model.cluster_centers_, X[model.medoid_indices_])


def test_a_failed_fit_leaves_the_last_fit_as_it_was():
    X = base(seed=11)
    model = KMedoids(3, random_state=0).fit(X)
    labels = model.labels_.copy()
    with pytest.raises(ValueError):
        model.fit(X[:, :2] * np.nan)
    assert np.array_equal(model.labels_, labels) and model.n_features_in_ == 3


def test_a_slow_pair_function_stops_soon_after_ctrl_c():
    # 20 ms a pair: the fit used to run on for seconds (a stretch of 256 pairs) after Ctrl-C.
    script = """
import os, signal, threading, time
import numpy as np
from banditpam_rs import KMedoids
def slow(a, b):
    time.sleep(0.02)
    return abs(float(a[0]) - float(b[0]))
sent = []
def interrupt():
    time.sleep(0.5)
    sent.append(time.perf_counter())
    os.kill(os.getpid(), signal.SIGINT)
threading.Thread(target=interrupt).start()
try:
    KMedoids(3, metric=slow, method="pam", n_threads=2).fit(np.arange(300.0)[:, None])
except KeyboardInterrupt:
    print(time.perf_counter() - sent[0])
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert float(run.stdout) < 1.0


@pytest.mark.parametrize("method", ["pam", "fastpam1", "fasterpam"])
def test_a_matrix_method_without_room_for_its_matrix_is_a_memory_error(method):
    X = np.arange(12_000, dtype=np.float64)[:, None]
    with pytest.raises(MemoryError, match="nearswap"):
        KMedoids(3, method=method, memory_budget=100 << 20).fit(X)
