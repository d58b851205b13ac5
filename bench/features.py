"""What the user-facing features cost: block metrics against the built-in metric, the per-pair
Python callable's overhead, sparse against dense input, sample weights against none.

Run from the repository root with the test environment (scripts/python-env.sh makes it):

    .venv/bin/python bench/features.py            # writes bench/results/features.md

Medians of 3 runs, 2 threads unless a row says otherwise; every comparison is made in the same
run, so read the ratios.
"""

from __future__ import annotations

import gzip
import statistics
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.spatial.distance import cdist
from sklearn.base import clone
from sklearn.metrics import silhouette_score as sklearn_silhouette

from banditpam_rs import KMedoids, block_metric, select_k
from banditpam_rs.metrics import medoid_silhouette_score, silhouette_score

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3


def mnist(n: int) -> np.ndarray:
    raw = gzip.decompress((ROOT / "data" / "mnist-t10k-images-idx3-ubyte.gz").read_bytes())
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784)[:n].astype(np.float64) / 255.0


def timed(estimator, X, **fit):
    """(median seconds, last fitted model) over REPEATS fits of fresh clones of `estimator`."""
    seconds, model = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        model = clone(estimator).fit(X, **fit)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), model


def main() -> None:
    rows = ["| case | ours | seconds | reference | seconds | ratio | same medoids |", "|---|---|---|---|---|---|---|"]

    X = mnist(3000)
    cityblock = block_metric(lambda A, B: cdist(A, B, "cityblock"))
    for method in ["banditpam++", "fastpam1"]:
        t_block, block = timed(KMedoids(10, metric=cityblock, method=method, random_state=0, n_threads=2), X)
        t_builtin, builtin = timed(KMedoids(10, metric="manhattan", method=method, random_state=0, n_threads=2), X)
        same = np.array_equal(block.medoid_indices_, builtin.medoid_indices_)
        rows.append(
            f"| MNIST n=3,000 k=10 {method} | block_metric(cdist cityblock) | {t_block:.2f} | built-in manhattan | "
            f"{t_builtin:.2f} | {t_block / t_builtin:.2f}x | {same} |"
        )

    # The per-pair callable: microseconds per distance, a trivial function (overhead only) and
    # an L1 of 784-d rows (overhead plus numpy).
    values = [float(v) for v in np.random.default_rng(0).normal(size=400)]
    rows_784 = list(mnist(400))
    for label, data, function in [
        ("trivial |a - b| on floats", values, lambda a, b: abs(a - b)),
        ("numpy L1 of 784-d rows", rows_784, lambda a, b: float(np.abs(a - b).sum())),
    ]:
        per_call = {}
        for threads in (1, 2):
            seconds, model = timed(KMedoids(5, metric=function, random_state=0, n_threads=threads), data)
            per_call[threads] = seconds / model.distance_evaluations_["total"] * 1e6
        rows.append(
            f"| pair callable, {label}, n=400 k=5 | 2 threads | {per_call[2]:.2f} us/call | 1 thread | "
            f"{per_call[1]:.2f} us/call | {per_call[2] / per_call[1]:.2f}x | |"
        )

    # Sparse rows against the same matrix dense (1% nonzeros, 2,000 columns).
    rng = np.random.default_rng(1)
    dense = rng.random((4000, 2000)) * (rng.random((4000, 2000)) < 0.01)
    csr = sparse.csr_matrix(dense)
    for metric in ["euclidean", "manhattan", "cosine"]:
        t_sparse, s = timed(KMedoids(10, metric=metric, random_state=0, n_threads=2), csr)
        t_dense, d = timed(KMedoids(10, metric=metric, random_state=0, n_threads=2), dense)
        rows.append(
            f"| n=4,000 d=2,000 1% nonzero, {metric}, banditpam++ | CSR | {t_sparse:.2f} | dense | {t_dense:.2f} | "
            f"{t_sparse / t_dense:.2f}x | {np.array_equal(s.medoid_indices_, d.medoid_indices_)} |"
        )

    # Sample weights against none (unit weights) and against repeating rows.
    X = mnist(3000)
    weights = np.random.default_rng(2).integers(1, 4, size=len(X))
    for method in ["banditpam++", "fastpam1"]:
        t_weighted, w = timed(KMedoids(10, method=method, random_state=0, n_threads=2), X, sample_weight=weights)
        t_plain, _ = timed(KMedoids(10, method=method, random_state=0, n_threads=2), X)
        rows.append(
            f"| MNIST n=3,000 k=10 {method} | integer sample_weight | {t_weighted:.2f} | no weights | "
            f"{t_plain:.2f} | {t_weighted / t_plain:.2f}x | |"
        )
        t_repeated, r = timed(KMedoids(10, method=method, random_state=0, n_threads=2), np.repeat(X, weights, 0))
        origin = np.repeat(np.arange(len(X)), weights)
        same = sorted(w.medoid_indices_) == sorted(origin[r.medoid_indices_])
        rows.append(
            f"| MNIST n=3,000 k=10 {method} | integer sample_weight | {t_weighted:.2f} | rows repeated "
            f"({len(origin):,} rows) | {t_repeated:.2f} | {t_weighted / t_repeated:.2f}x | {same} |"
        )

    # Scores and choosing k against scikit-learn's silhouette and independent fits per k.
    X = mnist(5000)  # float64: scikit-learn rounds float32 input's distances to float32
    labels = KMedoids(10, random_state=0).fit(X).labels_
    ours, theirs = [], []
    for _ in range(REPEATS):
        start = time.perf_counter()
        value = silhouette_score(X, labels)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        reference = sklearn_silhouette(X, labels)
        theirs.append(time.perf_counter() - start)
    t_ours, t_theirs = statistics.median(ours), statistics.median(theirs)
    rows.append(
        f"| MNIST n=5,000 silhouette_score (equal to 1e-9: {abs(value - reference) < 1e-9}) | ours | {t_ours:.2f} | "
        f"sklearn.metrics.silhouette_score | {t_theirs:.2f} | {t_ours / t_theirs:.2f}x | |"
    )
    X = mnist(3000)
    start = time.perf_counter()
    found = select_k(X, range(2, 21), random_state=0)
    t_select = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(2, 21):
        model = KMedoids(k, random_state=0).fit(X)
        medoid_silhouette_score(X, model.medoid_indices_)
    t_loop = time.perf_counter() - start
    rows.append(
        f"| MNIST n=3,000 select_k k=2..20 (best k {found.best_k}) | shared start | {t_select:.2f} | "
        f"a fit per k | {t_loop:.2f} | {t_select / t_loop:.2f}x | |"
    )

    text = "\n".join(rows)
    print(text)
    out = ROOT / "bench" / "results" / "features.md"
    out.write_text(
        "# Feature costs\n\nGenerated by `.venv/bin/python bench/features.py` on "
        f"{time.strftime('%Y-%m-%d')}; medians of {REPEATS} runs.\n\n{text}\n"
    )


if __name__ == "__main__":
    main()
