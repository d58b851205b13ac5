"""The core engine against its peers, same data, same run (issue: core engine performance).

Measures on the bundled MNIST test digits (f32, d = 784):
1. one 1,000 x 100 distance block, one thread: our kernel vs numpy's BLAS product (same shapes);
2. the full n x n L2 matrix, 2 threads: ours vs sklearn.metrics.pairwise_distances;
3. FastPAM1 (BUILD + SWAP) on the same prebuilt f32 matrix: ours vs kmedoids.fastpam1.

Run with `bash bench/core.sh` (sets up bench/.venv). Prints a markdown report.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "target" / "release" / "examples" / "bench_core"


def mnist(n: int) -> np.ndarray:
    raw = gzip.open(ROOT / "data" / "mnist-t10k-images-idx3-ubyte.gz").read()
    return np.frombuffer(raw, np.uint8, offset=16).reshape(10000, 784)[:n].astype(np.float32) / 255


def median_time(job, reps: int) -> float:
    job()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def probe(*args: object) -> dict:
    out = subprocess.run([str(PROBE), *map(str, args)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=21, help="repetitions of the block timings")
    parser.add_argument("--matrix-n", type=int, default=10000)
    parser.add_argument("--pam-n", type=int, default=5000)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()

    import kmedoids
    import sklearn
    from sklearn.metrics import pairwise_distances

    x = mnist(max(args.matrix_n, args.pam_n, 1100))
    lines = [
        f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, kmedoids {version('kmedoids')}; "
        f"{time.strftime('%Y-%m-%d')}. Medians.",
        "",
        "| 1,000 x 100 block, d = 784, 1 thread | seconds | GFLOP/s | share of numpy's product |",
        "|---|---|---|---|",
    ]
    a, b = x[:1000], x[1000:1100]
    numpy_rate = {}
    for dtype in ("f32", "f64"):
        aa, bb = a.astype(dtype.replace("f", "float")), b.astype(dtype.replace("f", "float"))
        with threadpool_limits(1):
            sec = median_time(lambda aa=aa, bb=bb: aa @ bb.T, args.reps)
        numpy_rate[dtype] = 2 * 1000 * 100 * 784 / sec / 1e9
        lines.append(f"| numpy `a @ b.T` {dtype} | {sec:.5f} | {numpy_rate[dtype]:.1f} | 100% |")
    for metric in ("l2", "sqeuclidean", "cosine", "correlation", "l1", "linf"):
        for dtype in ("f32", "f64"):
            r = probe("kernel", metric, dtype, args.reps)
            share = r["gflops"] / numpy_rate[dtype]
            lines.append(f"| banditpam {metric} {dtype} | {r['seconds']:.5f} | {r['gflops']:.1f} | {share:.0%} |")

    n = args.matrix_n
    sk = median_time(lambda: pairwise_distances(x[:n]), 3)
    ours = probe("matrix", n, 2, 3)["seconds"]
    lines += [
        "",
        f"| full {n} x {n} L2 matrix, f32, 2 threads | seconds | ratio |",
        "|---|---|---|",
        f"| sklearn pairwise_distances | {sk:.3f} | 1.00 |",
        f"| banditpam DistanceMatrix::build | {ours:.3f} | {ours / sk:.2f} |",
    ]

    n = args.pam_n
    d = pairwise_distances(x[:n]).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "matrix.f32"
        d.tofile(path)
        result = {}
        km = median_time(lambda: result.setdefault("r", kmedoids.fastpam1(d, args.k, max_iter=100, init="build")), 3)
        ref = kmedoids.fastpam1(d, args.k, max_iter=100, init="build")
        rows = []
        for threads in (1, 2):
            r = probe("fastpam1", path, n, args.k, threads, 3)
            same = r["medoids"] == sorted(ref.medoids.tolist())
            rows.append(
                f"| banditpam FastPAM1, {threads} thread(s) | {r['seconds']:.3f} | {r['seconds'] / km:.2f} | {same} |"
            )
    lines += [
        "",
        f"| FastPAM1 (BUILD + SWAP), MNIST n = {n}, k = {args.k}, prebuilt f32 matrix "
        "| seconds | ratio | same medoids |",
        "|---|---|---|---|",
        f"| kmedoids.fastpam1 (init='build') | {km:.3f} | 1.00 | True |",
        *rows,
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
