"""One fit of one implementation, run in a subprocess of its own by `bench/suite.py`.

    python bench/runner.py METHOD DATA.npy K METRIC SEED THREADS

Prints one JSON object: seconds (fit, plus the distance matrix where the method needs one),
sorted medoids, distance evaluations where known, and this process's peak RSS. Thread limits
are set by the environment (OMP_NUM_THREADS, ...) before numpy is imported.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

# The metric names each library uses.
UPSTREAM_LOSS = {"euclidean": "L2", "manhattan": "L1", "cosine": "cos"}


def peak_rss_mib() -> float:
    """This process's own peak resident memory (VmHWM; getrusage keeps the parent's across exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def matrix(x: np.ndarray, metric: str, threads: int) -> tuple[np.ndarray, float]:
    """The full f64 distance matrix by scikit-learn, and the seconds it took."""
    from sklearn.metrics import pairwise_distances

    start = time.perf_counter()
    d = pairwise_distances(x.astype(np.float64), metric=metric, n_jobs=threads)
    return d, time.perf_counter() - start


def run(method: str, x: np.ndarray, k: int, metric: str, seed: int, threads: int) -> dict:
    n = len(x)
    out: dict = {"matrix_seconds": 0.0, "distance_evaluations": None}
    if method.startswith("banditpam-rs "):
        from banditpam_rs import KMedoids

        model = KMedoids(k, metric=metric, method=method.split(" ", 1)[1], random_state=seed, n_threads=threads)
        start = time.perf_counter()
        model.fit(x)
        out["fit_seconds"] = time.perf_counter() - start
        out["medoids"] = model.medoid_indices_.tolist()
        out["distance_evaluations"] = model.distance_evaluations_["total"]
        # What each swap step read, computed or from the cache; and the method auto ran.
        out["swap_reads"] = model.distance_evaluations_["swap"] + model.cache_hits_["swap"]
        out["swaps"] = int(model.n_iter_)
        out["ran"] = model.method_
    elif method == "banditpam 6.0.2":
        import banditpam

        model = banditpam.KMedoids(n_medoids=k, algorithm="BanditPAM")
        start = time.perf_counter()
        model.fit(x, UPSTREAM_LOSS[metric])
        out["fit_seconds"] = time.perf_counter() - start
        out["medoids"] = [int(m) for m in model.medoids]
        out["distance_evaluations"] = int(model.getDistanceComputations(True))
    elif method in ("kmedoids.fasterpam", "kmedoids.fastpam1 (PAM)"):
        import kmedoids

        d, out["matrix_seconds"] = matrix(x, metric, threads)
        start = time.perf_counter()
        if method == "kmedoids.fasterpam":
            fit = kmedoids.fasterpam(d, k, random_state=seed, n_cpu=threads)
        else:
            fit = kmedoids.fastpam1(d, k, init="build")
        out["fit_seconds"] = time.perf_counter() - start
        out["medoids"] = [int(m) for m in fit.medoids]
        out["distance_evaluations"] = n * n
    elif method == "onebatch":
        from onebatch import OneBatchPAM

        model = OneBatchPAM(n_medoids=k, distance=metric, random_state=seed, n_jobs=threads)
        start = time.perf_counter()
        model.fit(x)
        out["fit_seconds"] = time.perf_counter() - start
        out["medoids"] = [int(m) for m in model.medoid_indices_]
        batch = min(max(int(100.0 * np.log(max(2, n * max(1, k)))), k), n)
        out["distance_evaluations"] = n * batch
    else:
        raise SystemExit(f"unknown method {method!r}")
    out["seconds"] = out["fit_seconds"] + out["matrix_seconds"]
    out["medoids"] = sorted(out["medoids"])
    return out


def main() -> None:
    method, path, k, metric, seed, threads = sys.argv[1:7]
    x = np.load(path)
    result = run(method, x, int(k), metric, int(seed), int(threads))
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
