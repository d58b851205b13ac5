"""Time and loss against k: every method of ours and the peers on MNIST (issue: many clusters).

    bash bench/run.sh --setup-only && bench/.venv/bin/python bench/ksweep.py
    bench/.venv/bin/python bench/ksweep.py --ks 5,10,20,50,100,200 --metrics euclidean,manhattan \\
        --seeds 0,1,2 --large

MNIST 10,000 test digits, each k and metric: our auto, banditpam++, fasterpam, onebatch and
onebatch+swap, kmedoids.fasterpam (scikit-learn's matrix + fit) and onebatch's OneBatchPAM; upstream
BanditPAM at k <= 10 only (it takes minutes beyond). auto and both FasterPAMs run every seed of
--seeds (mean loss, median time), the rest the first seed. --large adds the shifted 100,000-point
MNIST at k = 10 and 100 (our frugal methods and auto only: no n x n matrix fits). Every fit runs
in its own subprocess (bench/runner.py) with the same thread count; losses are recomputed in
float64 from the medoids. Writes bench/results/ksweep.jsonl, ksweep.md and ksweep.png.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import FASTERPAM, ONEBATCH, RESULTS, UPSTREAM, Case, exact_loss, mnist, run  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ks", default="5,10,20,50,100,200")
    parser.add_argument("--metrics", default="euclidean,manhattan")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--large", action="store_true", help="add the shifted 100,000-point MNIST at k = 10, 100")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    cases = [Case("mnist", 10_000, int(k), m) for m in args.metrics.split(",") for k in args.ks.split(",")]
    if args.large:
        cases += [Case("mnist-shifted", 100_000, k, "euclidean") for k in (10, 100)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / "ksweep.jsonl"
    rows = []
    with tempfile.TemporaryDirectory() as tmp, raw.open("w") as out:
        for case in cases:
            x = mnist(case.n)
            path = Path(tmp) / f"{case.data}-{case.n}.npy"
            if not path.exists():
                np.save(path, x)
            for method in methods_for(case.n, case.k):
                for seed in seeds if method in EVERY_SEED else seeds[:1]:
                    result = run(method, path, case, seed, args.threads, args.timeout)
                    row = {"data": case.data, "n": case.n, "k": case.k, "metric": case.metric}
                    row |= {"method": method, "seed": seed, **result}
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
    write_report(rows, RESULTS / "ksweep.md")
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


def write_report(rows: list[dict], path: Path) -> None:
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
    failures = [r for r in rows if "error" in r]
    for r in failures:
        lines.append(f"\nFailed: {r['method']} {r['data']} {r['n']} k = {r['k']} {r['metric']}: {r['error']}")
    path.write_text("\n".join(lines) + "\n")
    print(path.read_text())


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
