"""Sparse input: the same medoids as the dense matrix, without densifying it."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.metrics import pairwise_distances
from sklearn.metrics import silhouette_score as sklearn_silhouette

from banditpam_rs import KMedoids
from banditpam_rs.metrics import silhouette_score


def sparse_data(n=200, d=50, density=0.1, seed=0):
    rng = np.random.default_rng(seed)
    dense = rng.normal(size=(n, d)) * (rng.random((n, d)) < density)
    dense[: n // 2, : d // 2] += 2.0 * (rng.random((n // 2, d // 2)) < density)  # two loose groups
    return dense, sparse.csr_matrix(dense)


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "manhattan", "cosine"])
@pytest.mark.parametrize("method", ["banditpam++", "fastpam1", "onebatch"])
def test_sparse_gives_the_dense_medoids(metric, method):
    dense, csr = sparse_data()
    ours = KMedoids(4, metric=metric, method=method, random_state=1).fit(csr)
    reference = KMedoids(4, metric=metric, method=method, random_state=1).fit(dense)
    np.testing.assert_array_equal(ours.medoid_indices_, reference.medoid_indices_)
    assert ours.inertia_ == pytest.approx(reference.inertia_, rel=1e-9)
    assert sparse.issparse(ours.cluster_centers_)
    np.testing.assert_allclose(ours.cluster_centers_.toarray(), dense[ours.medoid_indices_])
    np.testing.assert_allclose(ours.transform(csr[:20]), reference.transform(dense[:20]), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(csr), ours.labels_)


def test_other_sparse_formats_and_messy_csr():
    dense, csr = sparse_data(seed=3)
    expected = KMedoids(3, random_state=0).fit(dense).medoid_indices_
    for matrix in [csr.tocsc(), csr.tocoo(), sparse.csr_array(dense), csr.astype(np.float32)]:
        np.testing.assert_array_equal(KMedoids(3, random_state=0).fit(matrix).medoid_indices_, expected)
    # Unsorted indices and duplicates (summed, as scipy means them): each entry as two halves,
    # each row's entries reversed.
    data, indices, indptr = [], [], [0]
    for i in range(csr.shape[0]):
        row = csr[i]
        for j, v in zip(row.indices[::-1], row.data[::-1]):
            data += [v / 2, v / 2]
            indices += [j, j]
        indptr.append(len(data))
    messy = sparse.csr_matrix((np.array(data), np.array(indices), np.array(indptr)), shape=csr.shape)
    assert not messy.has_canonical_format
    np.testing.assert_array_equal(KMedoids(3, random_state=0).fit(messy).medoid_indices_, expected)


def test_sparse_scores_and_errors():
    dense, csr = sparse_data(seed=5)
    labels = KMedoids(3, random_state=0).fit(csr).labels_
    for metric in ["euclidean", "manhattan", "cosine"]:
        assert silhouette_score(csr, labels, metric=metric) == pytest.approx(
            sklearn_silhouette(dense, labels, metric=metric), abs=1e-9
        )
    with pytest.raises(ValueError, match="sparse input"):
        KMedoids(3, metric="chebyshev").fit(csr)
    bad = csr.copy()
    bad.data[0] = np.nan
    with pytest.raises(ValueError):
        KMedoids(3).fit(bad)
    assert pairwise_distances(csr[:2], dense[:2]).shape == (2, 2)


def test_transform_of_every_input_kind_goes_through_the_core():
    """Sparse rows, dense rows against sparse medoids, and an unsupported sparse metric."""
    dense, csr = sparse_data(seed=5)
    fitted = KMedoids(3, metric="manhattan", random_state=0).fit(csr)
    expected = pairwise_distances(dense[:30], dense[fitted.medoid_indices_], metric="manhattan")
    np.testing.assert_allclose(fitted.transform(csr[:30]), expected, rtol=1e-12)
    np.testing.assert_allclose(fitted.transform(dense[:30]), expected, rtol=1e-12)
    # Fitted on dense rows, asked about sparse ones.
    on_dense = KMedoids(3, metric="cosine", random_state=0).fit(dense)
    cosine = pairwise_distances(dense[:30], dense[on_dense.medoid_indices_], metric="cosine")
    np.testing.assert_allclose(on_dense.transform(csr[:30]), cosine, rtol=1e-9, atol=1e-12)
    chebyshev = KMedoids(3, metric="chebyshev", random_state=0).fit(dense)
    with pytest.raises(ValueError, match="metric"):
        chebyshev.transform(csr[:5])
