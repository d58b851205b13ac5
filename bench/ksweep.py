"""Time and loss against k: every method of ours and the peers on MNIST (issue: many clusters).

    bash bench/run.sh --setup-only && bench/.venv/bin/python bench/ksweep.py
    bench/.venv/bin/python bench/ksweep.py --ks 5,10,20,50,100,200 --metrics euclidean,manhattan \\
        --seeds 0,1,2 --large
    bench/.venv/bin/python bench/ksweep.py --update --methods "banditpam-rs auto"   # refresh one method

MNIST 10,000 test digits, each k and metric: our auto, banditpam++, fasterpam, onebatch and
onebatch+swap, kmedoids.fasterpam (scikit-learn's matrix + fit) and onebatch's OneBatchPAM; upstream
BanditPAM at k <= 10 only (it takes minutes beyond). auto and both FasterPAMs run every seed of
--seeds (mean loss, median time), the rest the first seed. --large adds the shifted 100,000-point
MNIST at k = 10 and 100 (our frugal methods and auto only: no n x n matrix fits). Every fit runs
in its own subprocess (bench/runner.py) with the same thread count; losses are recomputed in
float64 from the medoids. Writes bench/results/ksweep.jsonl, ksweep.png and the "Many clusters"
section at the end of BENCHMARKS.md (which bench/run.sh keeps when it rewrites the rest).
`--methods` runs only the methods named; with `--update`, the rows of the other (case, method)
pairs stay in ksweep.jsonl and in the report, so a change to one method can be measured again
without the hour the whole sweep takes. Each row records the date and the commit it ran at.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import (
    DASK_MARK,
    FASTERPAM,
    KSWEEP_MARK,
    ONEBATCH,
    RESULTS,
    ROOT,
    SCALE_MARK,
    UPSTREAM,
    Case,
    commit,
    exact_loss,
    machine,
    mnist,
    run,
)  # noqa: E402

OURS = ["auto", "banditpam++", "fasterpam", "onebatch", "onebatch+swap"]
EVERY_SEED = {"banditpam-rs auto", "banditpam-rs fasterpam", FASTERPAM}


def methods_for(n: int, k: int) -> list[str]:
    methods = [f"banditpam-rs {m}" for m in OURS]
    if n > 10_000:
        return [m for m in methods if m.split()[-1] in ("auto", "onebatch", "onebatch+swap")]
    methods += [FASTERPAM, ONEBATCH]
    if k <= 10:
        methods.append(UPSTREAM)
    return methods


def pair(row: dict) -> tuple:
    return (row["data"], row["n"], row["k"], row["metric"], row["method"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ks", default="5,10,20,50,100,200")
    parser.add_argument("--metrics", default="euclidean,manhattan")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--large", action="store_true", help="add the shifted 100,000-point MNIST at k = 10, 100")
    parser.add_argument("--methods", default="", help="run only these methods (comma-separated full names)")
    parser.add_argument("--update", action="store_true", help="keep ksweep.jsonl's rows of what is not run now")
    args = parser.parse_args()
    chosen = [m for m in args.methods.split(",") if m]
    seeds = [int(s) for s in args.seeds.split(",")]
    cases = [Case("mnist", 10_000, int(k), m) for m in args.metrics.split(",") for k in args.ks.split(",") if k]
    if args.large:
        cases += [Case("mnist-shifted", 100_000, k, "euclidean") for k in (10, 100)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / "ksweep.jsonl"
    plan = [
        (case, method) for case in cases for method in methods_for(case.n, case.k) if not chosen or method in chosen
    ]
    rerun = {(case.data, case.n, case.k, case.metric, method) for case, method in plan}
    kept = [json.loads(line) for line in raw.open()] if args.update and raw.exists() else []
    rows = [row for row in kept if pair(row) not in rerun]
    measured_at = {"date": str(datetime.date.today()), "commit": commit()}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, raw.open("w") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
        for case in cases:
            methods = [method for planned, method in plan if planned == case]
            if not methods:
                continue
            x = mnist(case.n)
            path = Path(tmp) / f"{case.data}-{case.n}.npy"
            if not path.exists():
                np.save(path, x)
            for method in methods:
                for seed in seeds if method in EVERY_SEED else seeds[:1]:
                    result = run(method, path, case, seed, args.threads, args.timeout)
                    row = {"data": case.data, "n": case.n, "k": case.k, "metric": case.metric}
                    row |= {"method": method, "seed": seed, **measured_at, **result}
                    if "medoids" in result:
                        row["loss"] = exact_loss(x, result["medoids"], case.metric) / case.n
                        row["seconds"] = result["fit_seconds"] + result["matrix_seconds"]
                    row.pop("medoids", None)
                    rows.append(row)
                    out.write(json.dumps(row) + "\n")
                    out.flush()
                    print(
                        json.dumps(
                            {k: row.get(k) for k in ("n", "k", "metric", "method", "seed", "seconds", "loss", "error")}
                        ),
                        flush=True,
                    )
    # Rows from before dates and commits were recorded come from the first run, on 2026-11-25.
    runs = sorted({(row.get("date", "2026-11-25"), row.get("commit", "an unrecorded commit")) for row in rows})
    meta = (
        f"Generated by `bench/.venv/bin/python bench/ksweep.py` (last: `{' '.join(sys.argv[1:])}`, "
        f"{(time.perf_counter() - started) / 60:.0f} minutes); rows measured on "
        f"{', '.join(f'{date} at {rev}' for date, rev in runs)}. Machine: {machine()}. "
        f"{args.threads} threads for everyone, each fit in its own subprocess (timeout {args.timeout:.0f} s); "
        "auto and both FasterPAMs over every seed (median time, mean loss), the other methods one seed. Times "
        "include the distance matrix where a method builds one (scikit-learn's float64 matrix for kmedoids). "
        "Losses per point, recomputed in float64 from the medoids. Raw rows: `bench/results/ksweep.jsonl`."
    )
    write_report(rows, ROOT / "BENCHMARKS.md", meta)
    plot(rows, RESULTS / "ksweep.png")


def summary(rows: list[dict]) -> dict:
    """(data, n, metric, k, method) -> (median seconds, mean loss, runs)."""
    groups: dict = {}
    for row in rows:
        if "loss" in row:
            groups.setdefault((row["data"], row["n"], row["metric"], row["k"], row["method"]), []).append(row)
    return {
        key: (statistics.median(r["seconds"] for r in runs), statistics.fmean(r["loss"] for r in runs), len(runs))
        for key, runs in groups.items()
    }


def write_report(rows: list[dict], path: Path, meta: str) -> None:
    stats = summary(rows)
    lines = [
        "| data | metric | k | method | seconds (median) | mean loss per point | runs "
        "| time / fastest FasterPAM | loss / our FasterPAM |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (data, n, metric, k, method), (seconds, loss, runs) in sorted(stats.items()):
        peers = [stats.get((data, n, metric, k, m)) for m in ("banditpam-rs fasterpam", FASTERPAM)]
        fastest = min((p[0] for p in peers if p), default=None)
        ours = stats.get((data, n, metric, k, "banditpam-rs fasterpam"))
        time_ratio = f"{seconds / fastest:.2f}" if fastest else "-"
        loss_ratio = f"{loss / ours[1]:.4f}" if ours else "-"
        cells = [f"{data} {n}", metric, k, method, f"{seconds:.2f}", f"{loss:.4f}", runs, time_ratio, loss_ratio]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    for r in rows:
        if "error" in r:
            lines.append(f"\nFailed: {r['method']} {r['data']} {r['n']} k = {r['k']} {r['metric']}: {r['error']}")
    section = [
        KSWEEP_MARK,
        "",
        "## Many clusters: time and loss against k",
        "",
        meta,
        "",
        "### Targets, measured in this run",
        "",
        *targets(rows, stats),
        "",
        "### All results",
        "",
        *lines,
        "",
        "Plot: `bench/results/ksweep.png` (seconds, and mean loss relative to our FasterPAM's, against k).",
        "",
    ]
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    at = text.find(KSWEEP_MARK)
    head = text[:at].rstrip("\n") if at >= 0 else text.rstrip("\n")
    # bench/scale.py's and bench/dask_scale.py's sections follow, kept as they are.
    after = min((i for i in (text.find(SCALE_MARK), text.find(DASK_MARK)) if i >= 0), default=-1)
    tail = "\n" + text[after:] if after >= 0 else ""
    path.write_text(head + "\n\n" + "\n".join(section) + tail)
    print("\n".join(section))


def targets(rows: list[dict], stats: dict) -> list[str]:
    """The issue's targets, each met or missed in this run."""
    out = ["| case | measured | target | met |", "|---|---|---|---|"]

    def get(data, n, metric, k, method):
        return stats.get((data, n, metric, k, method))

    cases = sorted({key[:4] for key in stats})
    for data, n, metric, k in cases:
        auto = get(data, n, metric, k, "banditpam-rs auto")
        ours = get(data, n, metric, k, "banditpam-rs fasterpam")
        theirs = get(data, n, metric, k, FASTERPAM)
        if auto and ours and theirs:
            fastest = min(ours[0], theirs[0])
            ratio, loss = auto[0] / fastest, auto[1] / ours[1]
            ok = ratio <= 1 and loss <= 1.001
            measured = f"time {ratio:.2f}x the faster FasterPAM, mean loss {loss:.5f}x ours"
            out.append(
                f"| auto, {data} {n:,} {metric} k={k} | {measured} | <= 1x, <= 1.001x | {'yes' if ok else 'NO'} |"
            )
        hybrid = get(data, n, metric, k, "banditpam-rs onebatch+swap")
        onebatch = get(data, n, metric, k, "banditpam-rs onebatch")
        if hybrid and onebatch and ours:
            ratio, loss = hybrid[0] / onebatch[0], hybrid[1] / ours[1]
            ok = ratio <= 3 and loss <= 1
            measured = f"time {ratio:.2f}x onebatch, loss {loss:.5f}x our FasterPAM's mean"
            out.append(
                f"| onebatch+swap, {data} {n:,} {metric} k={k} | {measured} | <= 3x, <= 1x | {'yes' if ok else 'NO'} |"
            )
        plus = get(data, n, metric, k, "banditpam-rs banditpam++")
        if k == 100 and n == 10_000 and plus and ours:
            run = next(
                r
                for r in rows
                if r["method"] == "banditpam-rs banditpam++"
                and r["k"] == k
                and r["metric"] == metric
                and "swap_reads" in r
            )
            per_step = run["swap_reads"] / (run["swaps"] + 1) / n**2
            ok = plus[0] / ours[0] <= 2 and per_step <= 0.2
            measured = f"time {plus[0] / ours[0]:.2f}x our FasterPAM, {per_step:.3f} n^2 reads per swap step"
            verdict = "yes" if ok else "NO"
            out.append(f"| banditpam++, {data} {n:,} {metric} k={k} | {measured} | <= 2x, <= 0.2 n^2 | {verdict} |")
        if n == 100_000 and k == 100 and auto:
            run = next(
                r for r in rows if r["method"] == "banditpam-rs auto" and r["n"] == n and r["k"] == k and "loss" in r
            )
            gib = run["peak_rss_mib"] / 1024
            ok = auto[0] < 120 and gib < 4
            measured = f"{auto[0]:.1f} s, peak {gib:.2f} GiB ({run.get('ran')})"
            out.append(
                f"| auto, {data} {n:,} {metric} k={k} | {measured} | < 120 s, < 4 GiB | {'yes' if ok else 'NO'} |"
            )
    return out


def plot(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stats = summary(rows)
    metrics = sorted({key[2] for key in stats if key[1] == 10_000})
    fig, axes = plt.subplots(2, max(len(metrics), 1), figsize=(6 * max(len(metrics), 1), 8), squeeze=False)
    for col, metric in enumerate(metrics):
        methods = sorted({key[4] for key in stats if key[2] == metric and key[1] == 10_000})
        for method in methods:
            points = sorted(
                (key[3], value)
                for key, value in stats.items()
                if key[2] == metric and key[4] == method and key[1] == 10_000
            )
            ks = [p[0] for p in points]
            reference = {
                key[3]: value[1]
                for key, value in stats.items()
                if key[2] == metric and key[4] == "banditpam-rs fasterpam"
            }
            axes[0][col].plot(ks, [p[1][0] for p in points], marker="o", label=method)
            axes[1][col].plot(
                ks,
                [p[1][1] / reference[k] for k, p in zip(ks, points) if k in reference][: len(ks)],
                marker="o",
                label=method,
            )
        axes[0][col].set(xscale="log", yscale="log", xlabel="k", ylabel="seconds", title=f"MNIST 10,000, {metric}")
        axes[1][col].set(xscale="log", xlabel="k", ylabel="mean loss / our FasterPAM's")
        axes[0][col].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
