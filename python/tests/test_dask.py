"""banditpam_rs.dask.KMedoids on a LocalCluster of two worker processes, against the in-memory
estimator on the same rows: the same medoids for any chunking, the same errors."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import banditpam_rs  # noqa: E402
from banditpam_rs.dask import KMedoids  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def blobs(n: int, d: int, seed: int, dtype=np.float64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(7, d))
    return (centres[rng.integers(0, 7, n)] + rng.normal(size=(n, d))).astype(dtype)


def in_memory(X: np.ndarray, method: str = "nearswap", **params) -> banditpam_rs.KMedoids:
    """The in-memory fit the dask estimator must match (its "auto" runs nearswap)."""
    return banditpam_rs.KMedoids(method=method, **params).fit(X)


def assert_same_fit(model: KMedoids, reference: banditpam_rs.KMedoids) -> None:
    np.testing.assert_array_equal(model.medoid_indices_, reference.medoid_indices_)
    assert (model.n_iter_, model.converged_) == (reference.n_iter_, reference.converged_)
    np.testing.assert_array_equal(model.cluster_centers_, reference.cluster_centers_)
    np.testing.assert_array_equal(model.labels_.compute(), reference.labels_)
    assert model.inertia_ == pytest.approx(reference.inertia_, rel=1e-6)


@pytest.mark.parametrize(
    ("metric", "dtype", "chunks", "k"),
    [
        ("euclidean", np.float32, (600, 600, 600, 200), 5),  # even chunks
        ("euclidean", np.float64, (137, 1, 900, 64, 898), 9),  # ragged, one row alone
        ("manhattan", np.float32, (3, 1500, 5, 492), 12),  # chunks smaller than k
        ("cosine", np.float64, (2000,), 4),  # one chunk
        ("correlation", np.float32, (700, 1300), 6),
        ("chebyshev", np.float64, (1000, 999, 1), 3),
    ],
)
def test_same_medoids_as_the_in_memory_fit_for_any_chunking(client, metric, dtype, chunks, k):
    X = blobs(2000, 5, seed=k, dtype=dtype)
    dX = da.from_array(X, chunks=(chunks, 5))
    model = KMedoids(n_clusters=k, metric=metric, random_state=k).fit(dX)
    assert_same_fit(model, in_memory(X, n_clusters=k, metric=metric, random_state=k))
    assert model.method_ == "nearswap"
    onebatch = KMedoids(n_clusters=k, metric=metric, method="onebatch", random_state=k).fit(dX)
    assert_same_fit(onebatch, in_memory(X, "onebatch", n_clusters=k, metric=metric, random_state=k))
    assert onebatch.method_ == "onebatch"
    # The labels (equal to the in-memory ones, above) are a lazy dask array chunked like X.
    assert isinstance(model.labels_, da.Array) and model.labels_.chunks[0] == tuple(chunks)


def test_kept_and_recomputed_blocks_and_the_worker_count_give_one_answer(client):
    X = blobs(3000, 4, seed=1, dtype=np.float32)
    dX = da.from_array(X, chunks=(450, 4))
    kept = KMedoids(n_clusters=8, random_state=3, keep_block=True).fit(dX)
    recomputed = KMedoids(n_clusters=8, random_state=3, keep_block=False).fit(dX)
    np.testing.assert_array_equal(kept.medoid_indices_, recomputed.medoid_indices_)
    reference = in_memory(X, n_clusters=8, random_state=3)
    assert_same_fit(kept, reference)
    # One worker instead of two: the same answer.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as one:
        with distributed.Client(one):
            alone = KMedoids(n_clusters=8, random_state=3).fit(da.from_array(X, chunks=(1000, 4)))
    np.testing.assert_array_equal(alone.medoid_indices_, reference.medoid_indices_)


def test_given_initial_medoids(client):
    X = blobs(1000, 3, seed=8)
    start = [5, 500, 999, 250]
    model = KMedoids(n_clusters=4, init=start, random_state=2).fit(da.from_array(X, chunks=300))
    assert_same_fit(model, in_memory(X, n_clusters=4, init=start, random_state=2))
    for init in ([5, 1000, 3, 4], [5, 5, 3, 4], [1, 2], "k-medoids++"):
        ours = errors_of(lambda init=init: KMedoids(n_clusters=4, init=init).fit(da.from_array(X, chunks=300)))
        assert ours[0] is ValueError
        if init != "k-medoids++":  # the in-memory estimator runs k-medoids++; dask arrays do not
            assert ours == errors_of(lambda init=init: in_memory(X, n_clusters=4, init=init))


@pytest.mark.parametrize("init", ["onebatch", "sample", "random"])
def test_named_starts_give_the_in_memory_medoids(client, init):
    # "sample" (nearswap's default) searches a sample from 300,000 rows on; below, it is
    # OneBatchPAM's answer in both estimators.
    X = blobs(1200, 3, seed=4)
    model = KMedoids(n_clusters=5, init=init, random_state=1).fit(da.from_array(X, chunks=250))
    assert_same_fit(model, in_memory(X, n_clusters=5, init=init, random_state=1))


def test_restarts_keep_the_in_memory_choice(client):
    X = blobs(1500, 4, seed=9, dtype=np.float32)
    model = KMedoids(n_clusters=6, n_init=3, random_state=5).fit(da.from_array(X, chunks=400))
    assert_same_fit(model, in_memory(X, n_clusters=6, n_init=3, random_state=5))
    ours = errors_of(lambda: KMedoids(n_init=0).fit(da.from_array(X, chunks=400)))
    assert ours == errors_of(lambda: in_memory(X, n_init=0)) and ours[0] is ValueError


def test_predict_and_transform_match_the_in_memory_estimator(client):
    X = blobs(1500, 3, seed=4)
    new = blobs(400, 3, seed=5)
    model = KMedoids(n_clusters=6, random_state=0).fit(da.from_array(X, chunks=300))
    reference = in_memory(X, n_clusters=6, random_state=0)
    dnew = da.from_array(new, chunks=150)
    assert isinstance(model.transform(dnew), da.Array)
    np.testing.assert_allclose(model.transform(dnew).compute(), reference.transform(new), rtol=1e-12)
    np.testing.assert_array_equal(model.predict(dnew).compute(), reference.predict(new))
    np.testing.assert_array_equal(model.fit_predict(da.from_array(X, chunks=500)).compute(), reference.labels_)


def test_data_generated_on_the_workers(client):
    # Generated blockwise on the cluster: the client never holds the rows.
    X = da.random.RandomState(7).normal(size=(20_000, 6), chunks=(3_000, 6))
    model = KMedoids(n_clusters=10, random_state=1).fit(X)
    reference = in_memory(X.compute(), n_clusters=10, random_state=1)
    np.testing.assert_array_equal(model.medoid_indices_, reference.medoid_indices_)


def errors_of(fit) -> tuple[type, str]:
    with pytest.raises(Exception) as caught:
        fit()
    return caught.type, str(caught.value)


def test_bad_input_gives_the_in_memory_errors(client):
    X = blobs(300, 3, seed=2)
    bad = X.copy()
    bad[250, 1] = np.nan
    kind, message = errors_of(lambda: KMedoids(n_clusters=3).fit(da.from_array(bad, chunks=100)))
    assert kind is ValueError and "row 250" in message and "not finite" in message
    assert errors_of(lambda: banditpam_rs.KMedoids(n_clusters=3).fit(bad))[0] is ValueError

    too_many = errors_of(lambda: KMedoids(n_clusters=301).fit(da.from_array(X, chunks=100)))
    assert too_many == errors_of(lambda: in_memory(X, n_clusters=301))
    assert too_many[0] is ValueError

    kind, message = errors_of(lambda: KMedoids(n_clusters=2).fit(da.from_array(X[:, 0], chunks=100)))
    assert kind is ValueError and "Expected 2D array" in message
    assert errors_of(lambda: in_memory(X[:, 0], n_clusters=2))[0] is ValueError

    unknown = da.from_array(X, chunks=100)
    unknown = unknown[unknown[:, 0] > -1e9]  # boolean indexing: chunk sizes unknown
    kind, message = errors_of(lambda: KMedoids(n_clusters=2).fit(unknown))
    assert kind is ValueError and "unknown chunk sizes" in message

    for params in ({"n_clusters": 0}, {"max_iter": -1}):
        ours = errors_of(lambda params=params: KMedoids(**params).fit(da.from_array(X, chunks=100)))
        assert ours == errors_of(lambda params=params: banditpam_rs.KMedoids(**params).fit(X))
    assert errors_of(lambda: KMedoids(metric="precomputed").fit(da.from_array(X, chunks=100)))[0] is ValueError
    assert errors_of(lambda: KMedoids(method="pam").fit(da.from_array(X, chunks=100)))[0] is ValueError
    assert errors_of(lambda: KMedoids().fit(X))[0] is TypeError


def test_a_worker_restarted_mid_fit_gives_the_right_answer_or_an_error():
    X = blobs(60_000, 8, seed=6, dtype=np.float32)
    reference = in_memory(X, n_clusters=10, random_state=2)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as c,
    ):
        outcome: dict = {}

        def fit():
            try:
                dX = da.from_array(X, chunks=(4000, 8))
                outcome["model"] = KMedoids(n_clusters=10, random_state=2, keep_block=False).fit(dX)
            except Exception as error:  # the test inspects what the fit raised
                outcome["error"] = error

        worker = threading.Thread(target=fit)
        worker.start()
        time.sleep(1.5)
        assert worker.is_alive(), "the fit ended before the worker could be restarted"
        victim = sorted(c.scheduler_info()["workers"])[0]
        c.restart_workers([victim])
        worker.join(timeout=300)
        assert not worker.is_alive(), "the fit hangs after a worker restart"
    print("after the restart:", {key: repr(value)[:200] for key, value in outcome.items()})
    if "model" in outcome:
        np.testing.assert_array_equal(outcome["model"].medoid_indices_, reference.medoid_indices_)
    else:
        assert str(outcome["error"]), "an error without a message"


@pytest.mark.parametrize(("metric", "k"), [("euclidean", 5), ("manhattan", 12)])
def test_nearswap_reaches_the_exact_local_search_whatever_the_chunking(client, metric, k):
    X = blobs(3000, 6, seed=k, dtype=np.float32)
    fits = [
        KMedoids(n_clusters=k, metric=metric, random_state=1).fit(da.from_array(X, chunks=c))
        for c in ((1000, 6), ((137, 2000, 863), 6))
    ]
    np.testing.assert_array_equal(fits[0].medoid_indices_, fits[1].medoid_indices_)
    nearswap = fits[0]
    onebatch = KMedoids(n_clusters=k, metric=metric, method="onebatch", random_state=1).fit(
        da.from_array(X, chunks=1000)
    )
    assert nearswap.converged_ and nearswap.inertia_ <= onebatch.inertia_ * (1 + 1e-12)
    assert nearswap.build_loss_ == pytest.approx(onebatch.inertia_, rel=1e-9)  # it starts from OneBatchPAM
    # Against the exact local search: FasterPAM in memory.
    fasterpam = banditpam_rs.KMedoids(n_clusters=k, metric=metric, method="fasterpam", random_state=1).fit(X)
    assert nearswap.inertia_ <= 1.005 * fasterpam.inertia_
    # The exact loss of the medoids it reports.
    distances = banditpam_rs.KMedoids(n_clusters=k, metric=metric, init=nearswap.medoid_indices_, max_iter=0)
    assert distances.fit(X).inertia_ == pytest.approx(nearswap.inertia_, rel=1e-6)


def test_strided_chunks_are_made_contiguous_on_the_workers(client):
    """A transposed array and a Fortran-ordered one have column-major chunks; the fit reads each
    one C-ordered."""
    X = blobs(1200, 4, seed=3)
    for strided in (
        da.from_array(np.ascontiguousarray(X.T), chunks=(4, 300)).T,
        da.from_array(np.asfortranarray(X), chunks=(300, 4)),
    ):
        model = KMedoids(n_clusters=4, random_state=2).fit(strided)
        assert_same_fit(model, in_memory(X, n_clusters=4, random_state=2))
    model = KMedoids(n_clusters=4, random_state=2).fit(strided)
    assert_same_fit(model, in_memory(X, n_clusters=4, random_state=2))
