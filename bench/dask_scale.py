"""k-medoids past one machine: banditpam_rs.dask on a LocalCluster of worker processes with
memory limits, against the in-memory estimator on the same machine (issue: past one machine).

    bash bench/run.sh --setup-only && bench/.venv/bin/python bench/dask_scale.py
    bench/.venv/bin/python bench/dask_scale.py --cases 1e6x10,1e6x64,1e7x10,1e7x64 --memory 4

Blobs (20 Gaussian clusters, float32) are generated chunk by chunk on the workers, never in
this process. Each case runs on a fresh cluster of 2 worker processes (1 thread each) with the
given memory limit per worker, so the peak resident memory of each worker is that case's.
At 10^6 points the in-memory estimator fits the same rows in this process (2 threads): the
medoids must be equal, and the time ratio is the target's. At 10^7 points the in-memory block
(n x 100 ln(10 n) float32) does not fit this machine: both fit the first 10^6 rows' loss, the
in-memory estimator on those rows alone. Writes bench/results/dask.jsonl and the section of
BENCHMARKS.md after the k sweep's, with a paper estimate for 10^9 points on 100 workers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import sys
import time
from pathlib import Path

import dask
import dask.array as da
import distributed
import numpy as np

import banditpam_rs
from banditpam_rs import _core
from banditpam_rs.dask import KMedoids

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import DASK_MARK, RESULTS, ROOT, machine  # noqa: E402

ROWS_PER_CHUNK = 250_000
CENTRES = 20


def blob_chunk(index: int, rows: int, d: int, seed: int) -> np.ndarray:
    """Chunk `index` of the blobs: the same centres for every chunk, its own noise."""
    centres = np.random.default_rng(seed).normal(scale=4.0, size=(CENTRES, d))
    rng = np.random.default_rng([seed, index])
    return (centres[rng.integers(0, CENTRES, rows)] + rng.normal(size=(rows, d))).astype(np.float32)


def blobs(n: int, d: int, seed: int = 0) -> da.Array:
    """n x d blobs as a dask array whose chunks are generated where they are computed."""
    sizes = [min(ROWS_PER_CHUNK, n - start) for start in range(0, n, ROWS_PER_CHUNK)]
    parts = [
        da.from_delayed(dask.delayed(blob_chunk)(i, rows, d, seed), shape=(rows, d), dtype=np.float32)
        for i, rows in enumerate(sizes)
    ]
    return da.concatenate(parts, axis=0)


def peak_rss() -> int:
    """This process's peak resident memory, bytes (run on each worker)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def distributed_fit(n: int, d: int, k: int, method: str, memory_gib: float, keep: bool | None) -> dict:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit=f"{memory_gib}GiB",
        dashboard_address=":0",
    )
    with cluster, distributed.Client(cluster) as client:
        X = blobs(n, d)
        clock = time.perf_counter()
        model = KMedoids(n_clusters=k, method=method, random_state=0, keep_block=keep).fit(X)
        seconds = time.perf_counter() - clock
        peaks = sorted(client.run(peak_rss).values())
        sub = X[: min(n, 10**6)].compute()
    sub_loss = float(_core.cross_distances(sub, model.cluster_centers_, "euclidean", None, None).min(axis=1).mean())
    return {
        "n": n,
        "d": d,
        "k": k,
        "method": method,
        "where": "dask, 2 workers",
        "memory_limit_gib": memory_gib,
        "block_kept": model.block_kept_,
        "seconds": seconds,
        "fit_seconds": model.fit_seconds_,
        "rounds": model.n_rounds_,
        "swaps": model.n_iter_,
        "loss": model.inertia_ / n,
        "subsample_loss": sub_loss,
        "peak_worker_bytes": peaks,
        "medoids": model.medoid_indices_.tolist(),
    }


def in_memory_fit(X: np.ndarray, k: int, method: str) -> dict:
    clock = time.perf_counter()
    model = banditpam_rs.KMedoids(n_clusters=k, method=method, random_state=0, n_threads=2).fit(X)
    seconds = time.perf_counter() - clock
    n, d = X.shape
    return {
        "n": n,
        "d": d,
        "k": k,
        "method": method,
        "where": "in memory",
        "seconds": seconds,
        "swaps": model.n_iter_,
        "loss": model.inertia_ / n,
        "medoids": model.medoid_indices_.tolist(),
    }


def gib(b: float) -> str:
    return f"{b / 2**30:.2f} GiB"


def estimate(rows: list[dict]) -> list[str]:
    """10^9 points on 100 workers, from the measured per-chunk costs of the largest 10-d run."""
    run = max((r for r in rows if r["where"].startswith("dask") and r["d"] == 10), key=lambda r: r["n"], default=None)
    if run is None:
        return []
    n, k, d, workers = run["n"], run["k"], run["d"], 2
    m = min(n, max(k, int(100 * math.log(n * k))))
    block_rate = n * m / (run["fit_seconds"]["block"] * workers)  # distances per second per worker
    passes = run["fit_seconds"]["search"] / run["fit_seconds"]["block"]  # the search, in block passes
    big_n, big_workers, chunk_rows = 10**9, 100, 10**6
    big_m = int(100 * math.log(big_n * k))
    chunks = big_n // chunk_rows
    block_s = big_n * big_m / (block_rate * big_workers)
    search_s = passes * block_s
    per_round = 0.05  # seconds: a round of tasks through the scheduler, measured below 0.03 here
    rounds_s = run["rounds"] * 2 * per_round
    snapshot_bytes = big_m * 24 + k * 8
    moved = big_m * d * 4 * big_workers + chunks * (big_m * 8 + d * 8) + run["rounds"] * 2 * chunks * snapshot_bytes
    data_per_worker = big_n * d * 4 / big_workers
    return [
        "### A paper estimate: 10^9 points on 100 workers",
        "",
        f"From the {n:,}-point {d}-d run above (2 workers, rows computed again: the blocks do not fit): the block "
        f"pass computed {block_rate:.3g} distances per second per worker, and the search took {passes:.2f} times "
        f"as long as the block pass, in {run['rounds']} rounds. At n = 10^9, k = {k}, the batch is 100 ln(nk) = "
        f"{big_m:,} rows; in chunks of 10^6 rows ({chunks:,} chunks), on 100 such workers:",
        "",
        f"- data per worker: {gib(data_per_worker)} ({d}-d float32); the block would be "
        f"{gib(big_n * big_m * 4 / big_workers)} per worker, so rows are computed again, as here;",
        f"- the block pass: {block_s / 60:.1f} min; the search: {search_s / 60:.1f} min if it keeps the same "
        f"ratio to the block pass, plus about {rounds_s / 60:.1f} min of round trips (twice the rounds, "
        f"{per_round * 1000:.0f} ms each);",
        f"- bytes moved: at most {gib(moved)} (the batch to every worker, one vote vector per chunk, and a "
        f"{snapshot_bytes / 1e3:.0f} kB snapshot to every chunk in every round), against {gib(big_n * d * 4)} "
        "of data that never moves.",
        "",
        "What could break the estimate: the search's early windows are narrow (they follow the spacing of the "
        "swaps), so only the workers holding them compute while the others wait; here that is one of 2 workers, "
        "on 100 it would be a few of 100, so the search's share could grow up to the block pass times the "
        "rounds in narrow windows. Keeping the blocks (85.76 GiB per worker here) is what would remove the "
        "recomputation.",
        "",
    ]


def report(rows: list[dict], started: str, command: str) -> list[str]:
    dask_rows = [r for r in rows if r["where"].startswith("dask")]
    memory = {(r["n"], r["d"], r["k"], r["method"]): r for r in rows if r["where"] == "in memory"}
    lines = [
        DASK_MARK,
        "",
        "## Bigger than one machine: banditpam_rs.dask",
        "",
        f"Generated by `{command}` on {started}. Machine: {machine()}. Each distributed fit on a fresh "
        "`LocalCluster(n_workers=2, threads_per_worker=1, processes=True)` with the memory limit per worker "
        "shown; the blobs (20 Gaussian clusters, float32) generated chunk by chunk on the workers (chunks of "
        f"{ROWS_PER_CHUNK:,} rows); k = 10, seed 0, L2. The in-memory estimator runs in the driver with 2 "
        "threads. Peak memory: each worker's peak resident set (VmHWM). Raw rows: `bench/results/dask.jsonl`.",
        "",
        "| n | d | method | where | limit / worker | block kept | seconds | rounds | swaps | loss per point "
        "| loss on the first 10^6 rows | peak per worker | same medoids as in memory |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ref = memory.get((r["n"], r["d"], r["k"], r["method"]))
        in_memory = not r["where"].startswith("dask")
        same = "-" if in_memory or ref is None else ("yes" if r["medoids"] == ref["medoids"] else "no")
        if r["where"] == "in memory, first 10^6 rows":
            first_rows = f"{r['loss']:.5f}"
        elif r["n"] > 10**6:
            first_rows = f"{r['subsample_loss']:.5f}"
        else:
            first_rows = "-"
        peaks = ", ".join(gib(b) for b in r.get("peak_worker_bytes", [])) or "-"
        lines.append(
            f"| {r['n']:,} | {r['d']} | {r['method']} | {r['where']} | {r.get('memory_limit_gib', '-')} | "
            f"{r.get('block_kept', '-')} | {r['seconds']:.1f} | {r.get('rounds', '-')} | {r['swaps']} | "
            f"{r['loss']:.5f} | {first_rows} | {peaks} | {same} |"
        )
    lines += ["", "### Targets, measured in this run", "", "| target | measured | met |", "|---|---|---|"]
    for r in dask_rows:
        ref = memory.get((r["n"], r["d"], r["k"], r["method"]))
        if r["n"] == 10**6 and r["method"] == "onebatch" and ref is not None:
            ratio = r["seconds"] / ref["seconds"]
            lines.append(
                f"| 10^6 x {r['d']}-d onebatch (block kept: {r['block_kept']}) <= 3x the in-memory time | "
                f"{ratio:.2f}x ({r['seconds']:.1f} s vs {ref['seconds']:.1f} s) | {'yes' if ratio <= 3 else 'NO'} |"
            )
        if r["n"] >= 10**7 and r["d"] == 10:
            sub = next((x for x in rows if x["where"] == "in memory, first 10^6 rows" and x["d"] == r["d"]), None)
            if sub is not None:
                gap = r["subsample_loss"] / sub["loss"] - 1
                # Within 0.1% both ways is the target; lower is reported as such, not as a miss.
                met = "yes" if abs(gap) <= 1e-3 else ("lower, not within" if gap < 0 else "NO")
                lines.append(
                    f"| 10^7 x 10-d on 2 workers with {r['memory_limit_gib']} GiB each: completes, loss within 0.1% "
                    f"of in memory (on the first 10^6 rows) | completed in {r['seconds']:.0f} s, peak "
                    f"{', '.join(gib(b) for b in r['peak_worker_bytes'])}; loss of its medoids on the first 10^6 "
                    f"rows {r['subsample_loss']:.5f} vs {sub['loss']:.5f} for the in-memory fit of those rows "
                    f"({gap * 100:+.3f}%) | {met} |"
                )
    lines += ["", *estimate(rows)]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="1e6x10,1e6x64,1e7x10,1e7x64", help="n x d, comma-separated")
    parser.add_argument("--memory", type=float, default=4.0, help="memory limit per worker, GiB")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--swap", action="store_true", help="also onebatch+swap at 10^6 points")
    parser.add_argument("--no-report", action="store_true", help="print rows only; leave BENCHMARKS.md alone")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the section from bench/results/dask.jsonl, no fits"
    )
    args = parser.parse_args()
    started = datetime.datetime.now().strftime("%Y-%m-%d")
    python = Path(sys.executable)
    python = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python
    command = f"{python} bench/dask_scale.py " + " ".join(sys.argv[1:])
    rows: list[dict] = []
    if args.report_only:
        rows = [json.loads(line) for line in open(RESULTS / "dask.jsonl")]
        started = (RESULTS / "dask.jsonl").stat().st_mtime
        started = datetime.datetime.fromtimestamp(started).strftime("%Y-%m-%d")
        command = command.replace(" --report-only", "")
        write(rows, started, command, args.no_report)
        return

    def record(row: dict) -> None:
        rows.append(row)
        print(json.dumps({x: y for x, y in row.items() if x != "medoids"}), flush=True)
        write(rows, started, command, args.no_report)  # after every fit: a cut-off run still reports

    for case in args.cases.split(","):
        n_text, d_text = case.split("x")
        n, d = int(float(n_text)), int(d_text)
        if n <= 10**6:
            # Kept blocks, and rows computed again. A worker keeping half the blocks gets a limit
            # with room to spare: dask spills a worker's data to disk beyond 60% of its limit.
            m = max(args.k, int(100 * math.log(n * args.k)))
            room = float(math.ceil(n * m * 4 / 2 / 2**30 / 0.45) + 1)
            record(distributed_fit(n, d, args.k, "onebatch", room, True))
            record(distributed_fit(n, d, args.k, "onebatch", args.memory, False))
            if args.swap:
                record(distributed_fit(n, d, args.k, "onebatch+swap", room, True))
            X = blobs(n, d).compute(scheduler="threads")
            record(in_memory_fit(X, args.k, "onebatch"))
        else:
            record(distributed_fit(n, d, args.k, "onebatch", args.memory, None))
            X = blobs(n, d)[: 10**6].compute(scheduler="threads")
            sub = in_memory_fit(X, args.k, "onebatch")
            sub["where"] = "in memory, first 10^6 rows"
            record(sub)
        del X


def write(rows: list[dict], started: str, command: str, print_only: bool) -> None:
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / "dask.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    section = report(rows, started, command)
    if print_only:
        print("\n".join(section))
        return
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text()
    at = text.find(DASK_MARK)
    head = text[:at].rstrip("\n") if at >= 0 else text.rstrip("\n")
    path.write_text(head + "\n\n" + "\n".join(section) + "\n")


if __name__ == "__main__":
    main()
