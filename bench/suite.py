"""banditpam-rs against the k-medoids libraries users would otherwise pick, in one run.

    bash bench/run.sh            # full mode: MNIST 1,000-10,000 x k 5/10 x L2/L1/cosine, and
                                 # 20,000-100,000 points (about 30 minutes on 2 cores)
    bash bench/run.sh --quick    # a few minutes: MNIST 1,000 and 3,000, L2

Every fit runs in its own subprocess (`bench/runner.py`) with a timeout and the same thread
count. The harness recomputes every loss in float64 from the returned medoids, the same way for
everyone, and compares medoid sets with exact PAM (kmedoids.fastpam1 from BUILD on the float64
matrix) where that fits. Writes bench/results/latest.jsonl (raw), BENCHMARKS.md (tables and
ratios) and two plots in bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
OURS = ["banditpam-rs banditpam++", "banditpam-rs onebatch", "banditpam-rs onebatch+swap", "banditpam-rs fasterpam"]
UPSTREAM = "banditpam 6.0.2"
FASTERPAM = "kmedoids.fasterpam"
ONEBATCH = "onebatch"
PAM = "kmedoids.fastpam1 (PAM)"
RANDOMIZED = {*OURS, FASTERPAM, ONEBATCH}
#: Largest n for the methods that hold an n x n float64 matrix (3.2 GB at 20,000).
MATRIX_LIMIT = 20_000
#: Largest n for upstream BanditPAM (beyond it one fit takes many minutes).
UPSTREAM_LIMIT = 10_000


@dataclass
class Case:
    data: str
    n: int
    k: int
    metric: str


def mnist(n: int, seed: int = 0) -> np.ndarray:
    """MNIST test digits in [0, 1] (float32); beyond 10,000, copies shifted by up to 2 pixels."""
    with gzip.open(ROOT / "data" / "mnist-t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 28, 28).astype(np.float32) / 255
    if n <= len(images):
        return np.ascontiguousarray(images[:n].reshape(n, 784))
    rng = np.random.default_rng(seed)
    out = np.empty((n, 28, 28), dtype=np.float32)
    out[: len(images)] = images
    shifts = rng.integers(-2, 3, size=(n, 2))
    for i in range(len(images), n):
        dy, dx = shifts[i] if shifts[i].any() else (1, 0)
        out[i] = np.roll(images[i % len(images)], (dy, dx), axis=(0, 1))
    return out.reshape(n, 784)


def blobs(n: int, d: int = 10, seed: int = 0) -> np.ndarray:
    from sklearn.datasets import make_blobs

    x, _ = make_blobs(n_samples=n, n_features=d, centers=10, cluster_std=2.0, random_state=seed)
    return x.astype(np.float32)


def exact_loss(x: np.ndarray, medoids: list[int], metric: str) -> float:
    """Sum over points of the distance to the nearest medoid, in float64."""
    from sklearn.metrics import pairwise_distances

    d = pairwise_distances(x.astype(np.float64), x[medoids].astype(np.float64), metric=metric)
    return float(d.min(axis=1).sum())


def run(method: str, path: Path, case: Case, seed: int, threads: int, timeout: float) -> dict:
    env = dict(os.environ)
    for var in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"]:
        env[var] = str(threads)
    cmd = [sys.executable, str(ROOT / "bench" / "runner.py"), method, str(path), str(case.k), case.metric]
    cmd += [str(seed), str(threads)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:300]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def plan(quick: bool) -> tuple[list[Case], list[Case]]:
    """(cases with a PAM reference, large cases without one)."""
    if quick:
        small = [Case("mnist", 1000, k, "euclidean") for k in (5, 10)] + [Case("mnist", 3000, 10, "euclidean")]
        return small, []
    small = [
        Case("mnist", n, k, metric)
        for metric in ("euclidean", "manhattan", "cosine")
        for n in (1000, 3000, 10000)
        for k in (5, 10)
    ]
    large = [Case("mnist-shifted", n, 10, "euclidean") for n in (20000, 40000, 100000)]
    large.append(Case("blobs-10d", 100000, 10, "euclidean"))
    return small, large


def methods_for(case: Case) -> list[str]:
    methods = list(OURS) + [ONEBATCH]
    if case.n <= MATRIX_LIMIT:
        methods.append(FASTERPAM)
    if case.n <= UPSTREAM_LIMIT:
        methods.append(UPSTREAM)
    return methods


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few minutes: MNIST 1,000 and 3,000, L2")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=3, help="seeds of each randomized method")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per fit")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report and plots from the raw results")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    raw = RESULTS / ("quick.jsonl" if args.quick else "latest.jsonl")
    meta_path = raw.with_suffix(".meta.json")
    report = ROOT / ("bench/results/QUICK.md" if args.quick else "BENCHMARKS.md")
    if args.report_only:
        rows = [json.loads(line) for line in raw.read_text().splitlines() if line]
        meta = json.loads(meta_path.read_text())
        write_report(rows, report, meta)
        plot(rows, RESULTS)
        return
    raw.write_text("")
    small, large = plan(args.quick)
    tmp = Path(tempfile.mkdtemp())
    rows: list[dict] = []
    started = time.time()

    for case in small + large:
        x = mnist(case.n) if case.data.startswith("mnist") else blobs(case.n)
        path = tmp / f"{case.data}-{case.n}.npy"
        np.save(path, x)
        label = {"data": case.data, "n": case.n, "d": x.shape[1], "k": case.k, "metric": case.metric}
        pam_medoids, pam_loss = None, None
        if case.n <= 10000:
            pam = run(PAM, path, case, 0, args.threads, args.timeout)
            if "medoids" in pam:
                pam_medoids, pam_loss = pam["medoids"], exact_loss(x, pam["medoids"], case.metric)
                pam["loss"] = pam_loss
            rows.append({**label, "method": PAM, "seed": 0, "threads": args.threads, **pam})
            emit(raw, rows[-1])
        for method in methods_for(case):
            seeds = range(args.seeds) if method in RANDOMIZED else [0]
            if case.n > MATRIX_LIMIT and method == "banditpam-rs fasterpam":
                continue  # no matrix here, so n^2 distances per pass: 146 s a seed at 40,000.
            for seed in seeds:
                result = run(method, path, case, seed, args.threads, args.timeout)
                if "medoids" in result:
                    result["loss"] = exact_loss(x, result["medoids"], case.metric)
                    if pam_loss:
                        result["loss_vs_pam"] = result["loss"] / pam_loss
                        result["same_as_pam"] = result["medoids"] == pam_medoids
                rows.append({**label, "method": method, "seed": seed, "threads": args.threads, **result})
                emit(raw, rows[-1])
    print(f"\nall fits done in {time.time() - started:.0f} s", flush=True)
    meta = {
        "quick": args.quick,
        "threads": args.threads,
        "seeds": args.seeds,
        "seconds": time.time() - started,
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
    }
    meta_path.write_text(json.dumps(meta) + "\n")
    write_report(rows, report, meta)
    # Quick runs keep their own pictures, so they never replace the full run's.
    plot(rows, RESULTS, prefix="quick-" if args.quick else "")
    print(f"wrote {report.relative_to(ROOT)}, {raw.relative_to(ROOT)} and plots in bench/results/")


def emit(raw: Path, row: dict) -> None:
    with raw.open("a") as f:
        f.write(json.dumps(row) + "\n")
    brief = {k: row.get(k) for k in ("data", "n", "k", "metric", "method", "seed", "seconds", "loss_vs_pam", "error")}
    print(json.dumps(brief), flush=True)


def median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def commit() -> str:
    """The checked-out commit (short), with "+" if the work tree differs from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "crates", "python"], cwd=ROOT)
    return head.stdout.strip() + ("+" if dirty.returncode else "")


def machine() -> str:
    memory = "?"
    try:
        with open("/proc/meminfo") as f:
            memory = f"{int(f.readline().split()[1]) / 2**20:.0f} GiB"
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        model = platform.processor()
    return f"{os.cpu_count()} cores ({model}), {memory} RAM, Python {platform.python_version()}"


def summarize(rows: list[dict]) -> dict:
    """Median figures per (case, method)."""
    table: dict = {}
    for row in rows:
        if "error" in row:
            key = (row["data"], row["n"], row["k"], row["metric"], row["method"])
            table.setdefault(key, {"error": row["error"]})
            continue
        key = (row["data"], row["n"], row["k"], row["metric"], row["method"])
        table.setdefault(key, {"runs": []})["runs"].append(row)
    out = {}
    for key, entry in table.items():
        runs = entry.get("runs")
        if not runs:
            out[key] = entry
            continue
        evaluations = [r["distance_evaluations"] for r in runs if r.get("distance_evaluations")]
        out[key] = {
            "seconds": median([r["seconds"] for r in runs]),
            "matrix_seconds": median([r["matrix_seconds"] for r in runs]),
            "loss": median([r["loss"] for r in runs]),
            "mean_loss": float(np.mean([r["loss"] for r in runs])),
            "loss_vs_pam": median([r["loss_vs_pam"] for r in runs if "loss_vs_pam" in r]),
            "same": sum(bool(r.get("same_as_pam")) for r in runs),
            "runs": len(runs),
            "evaluations": median(evaluations) if evaluations else None,
            "rss": median([r["peak_rss_mib"] for r in runs]),
        }
    return out


def write_report(rows: list[dict], path: Path, meta: dict) -> None:
    stats = summarize(rows)
    quick = meta["quick"]
    raw_name = "quick.jsonl" if quick else "latest.jsonl"
    cases = sorted({key[:4] for key in stats}, key=lambda c: (c[0] != "mnist", c[3], c[1], c[2]))
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `bash bench/run.sh{' --quick' if quick else ''}` ({'quick' if quick else 'full'} mode) "
        f"on {meta['date']}, in {meta['seconds'] / 60:.0f} minutes.",
        f"Machine: {meta['machine']}. Every implementation ran with {meta['threads']} threads, each fit in its "
        f"own subprocess; randomized methods over {meta['seeds']} seeds (medians). Times are wall-clock seconds "
        "of the fit, plus the float64 distance matrix for the methods that need one (kmedoids). Losses are "
        "recomputed by the harness in float64 from the returned medoids. PAM = kmedoids.fastpam1 from "
        "BUILD on the float64 matrix (n <= 10,000); where it did not run, losses are relative to the lowest "
        f"loss any method found (marked *). Raw results: `bench/results/{raw_name}`.",
        "",
    ]
    lines += targets(stats, cases)
    lines += ["", "## All results", ""]
    columns = ["data", "n", "k", "metric", "method", "median s", "matrix s", "loss / PAM (* best)", "same as PAM"]
    header = "| " + " | ".join([*columns, "distances / n^2", "peak MiB"]) + " |"
    lines += [header, "|" + "---|" * 11]
    for case in cases:
        best = min((s["loss"] for key, s in stats.items() if key[:4] == case and "loss" in s), default=None)
        for method in [PAM, *OURS, UPSTREAM, FASTERPAM, ONEBATCH]:
            s = stats.get((*case, method))
            if s is None:
                continue
            head = f"| {case[0]} | {case[1]:,} | {case[2]} | {case[3]} | {method} |"
            if "error" in s:
                lines.append(f"{head} {s['error']} | | | | | |")
                continue
            ev = f"{s['evaluations'] / case[1] ** 2:.3f}" if s["evaluations"] else ""
            has_pam = s["loss_vs_pam"] == s["loss_vs_pam"]
            vs = f"{s['loss_vs_pam']:.5f}" if has_pam else (f"{s['loss'] / best:.5f}*" if best else "")
            same = f"{s['same']}/{s['runs']}" if has_pam else ""
            lines.append(
                f"{head} {s['seconds']:.3f} | {s['matrix_seconds']:.3f} | {vs} | {same} | {ev} | {s['rss']:.0f} |"
            )
    prefix = "quick-" if quick else ""
    lines += [
        "",
        f"Plots: `bench/results/{prefix}time-vs-n.png` (log-log), `bench/results/{prefix}loss-time-front.png`.",
        "",
    ]
    # The k sweep (bench/ksweep.py) keeps its own section, written by its own run.
    kept = kept_section(path.read_text()) if path.exists() and not quick else ""
    path.write_text("\n".join(lines) + kept)


#: Where bench/ksweep.py's section of BENCHMARKS.md starts; it runs to the end of the file.
KSWEEP_MARK = "<!-- bench/ksweep.py writes from here to the end -->"
#: Where bench/scale.py's section starts, after the k sweep's; it runs to bench/dask_scale.py's.
SCALE_MARK = "<!-- bench/scale.py writes from here to the Dask section -->"
#: bench/dask_scale.py's section, the last (ksweep.py and scale.py keep it).
DASK_MARK = "<!-- bench/dask_scale.py writes from here to the end -->"


def kept_section(text: str) -> str:
    """The k sweep's section of an existing BENCHMARKS.md (empty if it has none)."""
    at = text.find(KSWEEP_MARK)
    return "\n" + text[at:] if at >= 0 else ""


def targets(stats: dict, cases: list[tuple]) -> list[str]:
    """The published comparisons, each with its target and whether this run met it."""

    def get(case, method, field="seconds"):
        s = stats.get((*case, method))
        return None if s is None or "error" in s else s[field]

    lines = ["## Targets, measured in this run", ""]
    lines += [
        "| case | comparison | ratio | target | met |",
        "|---|---|---|---|---|",
    ]
    for case in cases:
        name = f"{case[0]} n={case[1]:,} k={case[2]} {case[3]}"
        ours = get(case, "banditpam-rs banditpam++")
        up = get(case, UPSTREAM)
        if ours and up and case[1] in (3000, 10000):
            same = stats[(*case, "banditpam-rs banditpam++")]["same"]
            runs = stats[(*case, "banditpam-rs banditpam++")]["runs"]
            ok = up / ours >= 50 and same == runs
            lines.append(
                f"| {name} | upstream BanditPAM / our BanditPAM++ time (same medoids as PAM: {same}/{runs}) "
                f"| {up / ours:.1f}x | >= 50x, same medoids | {'yes' if ok else 'NO'} |"
            )
        fp = get(case, FASTERPAM)
        if ours and fp and case[1] >= 10000:
            lines.append(
                f"| {name} | FasterPAM (with matrix) / our BanditPAM++ time | {fp / ours:.2f}x "
                f"| >= 1 | {'yes' if fp >= ours else 'NO'} |"
            )
        ob, pkg = get(case, "banditpam-rs onebatch"), get(case, ONEBATCH)
        if ob and pkg:
            lo, lp = get(case, "banditpam-rs onebatch", "mean_loss"), get(case, ONEBATCH, "mean_loss")
            ok = ob <= pkg and lo <= lp * 1.005
            lines.append(
                f"| {name} | onebatch package / our onebatch time (mean loss ratio {lo / lp:.4f}) "
                f"| {pkg / ob:.2f}x | >= 1, same loss within noise | {'yes' if ok else 'NO'} |"
            )
        hy = get(case, "banditpam-rs onebatch+swap")
        if hy and pkg:
            hl = get(case, "banditpam-rs onebatch+swap", "mean_loss")
            # The reference loss: FasterPAM's where it ran, else PAM's, else BanditPAM++'s (PAM's
            # answer with high probability, where exact PAM is out of reach).
            references = [
                ("FasterPAM", get(case, FASTERPAM, "mean_loss")),
                ("PAM", get(case, PAM, "loss")),
                ("BanditPAM++ (~PAM)", get(case, "banditpam-rs banditpam++", "mean_loss")),
            ]
            ref_name, ref = next(((name, value) for name, value in references if value), (None, None))
            loss_ok = ref is None or hl <= ref
            ok = hy <= 3 * pkg and loss_ok
            loss_text = f"mean loss / {ref_name} {hl / ref:.4f}" if ref else "no reference loss"
            lines.append(
                f"| {name} | our onebatch+swap time / onebatch package ({loss_text}) "
                f"| {hy / pkg:.2f}x | <= 3x, loss <= {ref_name or 'a reference'} | {'yes' if ok else 'NO'} |"
            )
        rss = get(case, "banditpam-rs banditpam++", "rss")
        if rss and case[1] >= 100000:
            lines.append(f"| {name} | our BanditPAM++ peak memory | {rss:.0f} MiB | (reported) | |")
    return lines


def plot(rows: list[dict], out: Path, prefix: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stats = summarize(rows)
    methods = [*OURS, UPSTREAM, FASTERPAM, ONEBATCH]
    fig, ax = plt.subplots(figsize=(8, 5))
    for method in methods:
        points = sorted(
            (key[1], s["seconds"])
            for key, s in stats.items()
            if key[4] == method
            and key[3] == "euclidean"
            and key[2] == 10
            and key[0].startswith("mnist")
            and "error" not in s
        )
        if points:
            ax.plot(*zip(*points), marker="o", label=method)
    ax.set(xscale="log", yscale="log", xlabel="n (MNIST digits, shifted copies beyond 10,000)", ylabel="seconds")
    ax.set_title("Time against n, L2, k = 10")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / f"{prefix}time-vs-n.png", dpi=120)
    plt.close(fig)

    fronts = [
        key[:4] for key in stats if key[4] == PAM and key[2] == 10 and key[1] >= 3000 and "error" not in stats[key]
    ]
    if not fronts:
        return
    columns = min(3, len(fronts))
    rows_of_plots = -(-len(fronts) // columns)
    fig, axes = plt.subplots(rows_of_plots, columns, figsize=(5 * columns, 4 * rows_of_plots), squeeze=False)
    for ax in axes.flat[len(fronts) :]:
        ax.set_visible(False)
    for ax, case in zip(axes.flat, fronts):
        for method in [*OURS, UPSTREAM, FASTERPAM, ONEBATCH]:
            runs = [
                r
                for r in rows
                if (r["data"], r["n"], r["k"], r["metric"], r["method"]) == (*case, method) and "loss_vs_pam" in r
            ]
            if runs:
                ax.scatter([r["seconds"] for r in runs], [r["loss_vs_pam"] for r in runs], label=method, s=18)
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set(xscale="log", xlabel="seconds", ylabel="loss / PAM's", title=f"{case[0]} n={case[1]:,} {case[3]}")
        ax.grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / f"{prefix}loss-time-front.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
