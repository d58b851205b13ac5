"""BanditPAM++ here against upstream BanditPAM (banditpam==6.0.2) and kmedoids.fasterpam.

Every fit runs in its own subprocess with the same thread count, so its peak RSS is its own.
The harness recomputes every loss in f64 from the returned medoids, and compares medoid sets
with exact PAM's (kmedoids.fastpam1 from BUILD on the f64 matrix, an independent
implementation). Prints one JSON object per fit, then a markdown summary.

    bash bench/bandit.sh                 # n = 3,000 and 10,000, scaling to 40,000
    bash bench/bandit.sh --quick         # n = 3,000 only, no upstream run at 10,000
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH_CORE = ROOT / "target" / "release" / "examples" / "bench_core"


def mnist(n: int, seed: int = 0) -> np.ndarray:
    """The MNIST test digits in [0, 1]; beyond 10,000, copies shifted by up to 2 pixels."""
    with gzip.open(ROOT / "data" / "mnist-t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 28, 28)
    images = images.astype(np.float32) / 255.0
    if n <= len(images):
        return np.ascontiguousarray(images[:n].reshape(n, 784))
    rng = np.random.default_rng(seed)
    out = np.empty((n, 28, 28), dtype=np.float32)
    out[: len(images)] = images
    for i in range(len(images), n):
        dx, dy = 0, 0
        while dx == 0 and dy == 0:
            dx, dy = rng.integers(-2, 3, size=2)
        out[i] = np.roll(images[i % len(images)], (dy, dx), axis=(0, 1))
    return out.reshape(n, 784)


def exact_loss(x: np.ndarray, medoids: list[int]) -> float:
    """Sum over points of the L2 distance to the nearest medoid, in f64, by chunks."""
    m = x[medoids].astype(np.float64)
    total = 0.0
    for start in range(0, len(x), 4096):
        chunk = x[start : start + 4096].astype(np.float64)
        d2 = (chunk**2).sum(1)[:, None] - 2 * chunk @ m.T + (m**2).sum(1)[None, :]
        total += np.sqrt(np.maximum(d2, 0)).min(1).sum()
    return total


PEAK_RSS = """
def peak_rss_mib():
    # VmHWM is this process's own peak; getrusage's ru_maxrss keeps the parent's across exec.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

UPSTREAM = (
    PEAK_RSS
    + """
import json, sys, time, numpy as np, banditpam
path, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
x = np.fromfile(path, dtype=np.float32).reshape(n, 784)
model = banditpam.KMedoids(n_medoids=k, algorithm="BanditPAM")
t = time.perf_counter()
model.fit(x, "L2")
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "medoids": sorted(int(m) for m in model.medoids),
                  "build_medoids": sorted(int(m) for m in model.build_medoids),
                  "distance_evaluations": int(model.getDistanceComputations(True)), "peak_rss_mib": peak_rss_mib()}))
"""
)

FASTERPAM = (
    PEAK_RSS
    + """
import json, sys, time, numpy as np, kmedoids
from sklearn.metrics import pairwise_distances
from threadpoolctl import threadpool_limits
path, (n, k, seed, threads), pam = sys.argv[1], map(int, sys.argv[2:6]), sys.argv[6] == "pam"
x = np.fromfile(path, dtype=np.float32).reshape(n, 784)
with threadpool_limits(threads):
    t = time.perf_counter()
    d = pairwise_distances(x.astype(np.float64), metric="euclidean", n_jobs=threads)
    matrix_seconds = time.perf_counter() - t
    t = time.perf_counter()
    if pam:
        fit = kmedoids.fastpam1(d, k, init="build")
    else:
        fit = kmedoids.fasterpam(d, k, random_state=seed, n_cpu=threads)
    fit_seconds = time.perf_counter() - t
print(json.dumps({"seconds": matrix_seconds + fit_seconds, "matrix_seconds": matrix_seconds,
                  "fit_seconds": fit_seconds, "medoids": sorted(int(m) for m in fit.medoids),
                  "peak_rss_mib": peak_rss_mib()}))
"""
)


def run(cmd: list[str], threads: int, timeout: float) -> dict:
    """Run `cmd` with a timeout; return its last JSON line (which reports its own peak RSS)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), RAYON_NUM_THREADS=str(threads))
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, text=True)
        deadline = start + timeout
        while True:
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return {"error": f"timeout after {timeout:.0f} s"}
            time.sleep(0.02)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            return {"error": err.read().strip()[-500:]}
        result = json.loads(out.read().strip().splitlines()[-1])
    result["wall_seconds"] = wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="n = 3,000 only")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=3, help="seeds of the randomized methods here")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bandit.jsonl")
    args = parser.parse_args()
    sizes = [3000] if args.quick else [3000, 10000]
    scaling = [] if args.quick else [10000, 20000, 40000]
    args.out.parent.mkdir(exist_ok=True)
    rows: list[dict] = []
    tmp = Path(tempfile.mkdtemp())

    def record(row: dict) -> None:
        rows.append(row)
        print(json.dumps(row), flush=True)
        with args.out.open("a") as f:
            f.write(json.dumps(row) + "\n")

    def dataset(n: int) -> tuple[np.ndarray, str]:
        x = mnist(n)
        path = tmp / f"mnist-{n}.f32"
        if not path.exists():
            x.tofile(path)
        return x, str(path)

    def ours(n: int, path: str, seed: int) -> dict:
        cmd = [str(BENCH_CORE), "fit", path, str(n), "784", "banditpam++", str(args.k), "l2", str(seed)]
        return run(cmd + [str(args.threads)], args.threads, args.timeout)

    def peer(script: str, *extra: object) -> dict:
        cmd = [sys.executable, "-c", script, *map(str, extra)]
        return run(cmd, args.threads, args.timeout)

    for n in sizes:
        x, path = dataset(n)
        pam = peer(FASTERPAM, path, n, args.k, 0, args.threads, "pam")
        pam_medoids = pam.get("medoids")
        pam_loss = exact_loss(x, pam_medoids)
        record({"n": n, "k": args.k, "method": "exact PAM (kmedoids.fastpam1 from BUILD)", **pam, "loss": pam_loss})

        runs = [("banditpam-rs BanditPAM++", seed, ours(n, path, seed)) for seed in range(args.seeds)]
        runs.append(("upstream banditpam 6.0.2", None, peer(UPSTREAM, path, n, args.k)))
        for seed in range(args.seeds):
            faster = peer(FASTERPAM, path, n, args.k, seed, args.threads, "faster")
            runs.append(("kmedoids.fasterpam (+ matrix)", seed, faster))
        for method, seed, result in runs:
            if "medoids" in result:
                result["loss"] = exact_loss(x, result["medoids"])
                result["loss_vs_pam"] = result["loss"] / pam_loss
                result["same_as_pam"] = result["medoids"] == pam_medoids
                if "distance_evaluations" in result:
                    result["evaluations_per_n2"] = result["distance_evaluations"] / n**2
            record({"n": n, "k": args.k, "method": method, "seed": seed, "threads": args.threads, **result})

    for n in scaling:
        _, path = dataset(n)
        for seed in range(args.seeds):
            result = ours(n, path, seed)
            if "distance_evaluations" in result:
                result["evaluations_per_n2"] = result["distance_evaluations"] / n**2
            record({"n": n, "k": args.k, "method": "banditpam-rs BanditPAM++ (scaling)", "seed": seed, **result})

    summarize(rows, scaling)


def median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def summarize(rows: list[dict], scaling: list[int]) -> None:
    def pick(n: int, prefix: str) -> list[dict]:
        return [r for r in rows if r["n"] == n and r["method"].startswith(prefix) and "error" not in r]

    print("\n| n | method | median time (s) | same medoids as PAM | loss / PAM | evaluations / n^2 | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|---|")
    for n in sorted({r["n"] for r in rows if "scaling" not in r["method"]}):
        for prefix in ["banditpam-rs BanditPAM++", "upstream", "kmedoids.fasterpam"]:
            runs = [r for r in pick(n, prefix) if "scaling" not in r["method"]]
            if not runs:
                print(f"| {n} | {prefix} | failed | | | | |")
                continue
            same = sum(r["same_as_pam"] for r in runs)
            evals = median([r["evaluations_per_n2"] for r in runs if "evaluations_per_n2" in r])
            print(
                f"| {n} | {runs[0]['method']} | {median([r['seconds'] for r in runs]):.3f} | {same}/{len(runs)} | "
                f"{median([r['loss_vs_pam'] for r in runs]):.6f} | {evals:.3f} | "
                f"{median([r['peak_rss_mib'] for r in runs]):.0f} |"
            )
        ours = median([r["seconds"] for r in pick(n, "banditpam-rs BanditPAM++") if "scaling" not in r["method"]])
        upstream = median([r["seconds"] for r in pick(n, "upstream")])
        faster = median([r["seconds"] for r in pick(n, "kmedoids.fasterpam")])
        print(
            f"\nn = {n}: upstream / ours = {upstream / ours:.1f}x; fasterpam (+ matrix) / ours = {faster / ours:.2f}x\n"
        )
    if scaling:
        times = {n: median([r["seconds"] for r in pick(n, "banditpam-rs BanditPAM++ (scaling)")]) for n in scaling}
        print("| n | median time (s) | evaluations / n^2 | peak RSS (MiB) |")
        print("|---|---|---|---|")
        for n in scaling:
            runs = pick(n, "banditpam-rs BanditPAM++ (scaling)")
            print(
                f"| {n} | {times[n]:.3f} | {median([r['evaluations_per_n2'] for r in runs]):.3f} | "
                f"{median([r['peak_rss_mib'] for r in runs]):.0f} |"
            )
        lo, hi = scaling[0], scaling[-1]
        print(f"\ntime exponent {lo} -> {hi}: {np.log(times[hi] / times[lo]) / np.log(hi / lo):.2f}")


if __name__ == "__main__":
    main()
