"""Beyond the matrix: time, memory and loss at n = 30,000 to 10^6 (issue: PAM's quality at any n).

    bash bench/run.sh --setup-only && bench/.venv/bin/python bench/scale.py
    bench/.venv/bin/python bench/scale.py --cases mnist-shifted:30000:10,mnist-shifted:100000:100 \\
        --gap-max-n 30000
    bench/.venv/bin/python bench/scale.py --resume --cases gauss64:1000000:10   # add to the last run
    bench/.venv/bin/python bench/scale.py --resume --seeds 3 --methods "banditpam-rs auto,onebatch" \\
        --cases mnist-shifted:100000:100,mnist-shifted:1000000:100   # the margin over seeds 0-2

Data: shifted MNIST (784-d float32, `suite.mnist`) and a 64-d Gaussian mixture (100 centres,
float32). Methods: our auto, nearswap and onebatch, the onebatch package's OneBatchPAM, and
kmedoids' FasterPAM where its float64 matrix fits (n <= --matrix-max-n). Every fit runs in its
own subprocess (bench/runner.py) with the same thread count and a timeout. Records seconds,
peak memory, distance evaluations, the loss recomputed in float64 from the medoids (relative to
the lowest of the case), and, for n <= --gap-max-n, `banditpam_rs.swap_gap` of each answer
(the best single swap's relative gain: 0 at a swap-local optimum). Writes
bench/results/scale.jsonl, scale.png, and the "Beyond the matrix" section of BENCHMARKS.md.

The whole default run takes several hours. `--resume` keeps the rows already in scale.jsonl,
runs only the (case, method) pairs it lacks, and reports on all of them, so the run can be
made in parts; each row records the date and the commit it was measured at. The main table shows
seed 0; with `--seeds N`, the methods run with seeds 0 to N-1 as well, a second table gives each
method's median over its seeds, and the targets compare medians, since one seed of a randomized
peer moves its loss by a few tenths of a percent.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import DASK_MARK, FASTERPAM, ONEBATCH, RESULTS, ROOT, SCALE_MARK, Case, commit, machine, mnist, run  # noqa: E402

DEFAULT_CASES = ",".join(
    f"{data}:{n}:{k}"
    for data, ns in (("mnist-shifted", (30_000, 100_000, 300_000, 1_000_000)), ("gauss64", (1_000_000,)))
    for n in ns
    for k in (10, 100, 300)
)
OURS = ["banditpam-rs auto", "banditpam-rs nearswap", "banditpam-rs onebatch"]


def gauss64(n: int, seed: int = 0) -> np.ndarray:
    """n points of a mixture of 100 Gaussians in 64 dimensions (float32), made in blocks."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(100, 64)).astype(np.float32)
    out = np.empty((n, 64), dtype=np.float32)
    for start in range(0, n, 100_000):
        end = min(n, start + 100_000)
        out[start:end] = centres[rng.integers(0, 100, end - start)] + rng.normal(size=(end - start, 64))
    return out


def data(name: str, n: int) -> np.ndarray:
    return mnist(n) if name == "mnist-shifted" else gauss64(n)


def exact_loss(x: np.ndarray, medoids: list[int]) -> float:
    """Sum over points of the L2 distance to the nearest medoid, in float64, in row blocks."""
    from sklearn.metrics import pairwise_distances

    centres = x[medoids].astype(np.float64)
    total = 0.0
    for start in range(0, len(x), 20_000):
        block = x[start : start + 20_000].astype(np.float64)
        total += float(pairwise_distances(block, centres).min(axis=1).sum())
    return total


def gap_of(path: Path, medoids: list[int], threads: int) -> float:
    from banditpam_rs import swap_gap

    return swap_gap(np.load(path, mmap_mode="r"), medoids, n_threads=threads).gap


def ran_by_auto(row: dict, n: int) -> str | None:
    """The method `auto` ran: from its result, or, when it timed out, nearswap beyond n = 30,000
    (auto's rule there, docs/ALGORITHMS.md), whose own row would repeat the same run."""
    if "timeout" in row.get("error", "") and n > 30_000:
        return "nearswap"
    return row.get("ran")


def auto_ran_nearswap(done: dict, case: Case, seed: int) -> bool:
    """Whether auto's row of this seed is nearswap's run, which a nearswap row would repeat."""
    auto_row = done.get((case.data, case.n, case.k, "banditpam-rs auto", seed), {})
    return ran_by_auto(auto_row, case.n) == "nearswap"


def seed_of(row: dict) -> int:
    """The row's seed; rows from before seeds were recorded all ran with seed 0."""
    return row.get("seed", 0)


def case_order(rows: list[dict]) -> list[dict]:
    """Rows by data, n, k, the order the methods run in, and seed."""
    names = OURS + [ONEBATCH, FASTERPAM]
    return sorted(rows, key=lambda r: (r["data"], r["n"], r["k"], names.index(r["method"]), seed_of(r)))


def by_method(rows: list[dict]) -> dict:
    """(data, n, k, method) -> its rows with a loss, over all seeds."""
    out: dict = {}
    for row in rows:
        if "loss" in row:
            out.setdefault((row["data"], row["n"], row["k"], row["method"]), []).append(row)
    return out


def median_of(rows: list[dict]) -> dict:
    """One row standing for several seeds: median seconds and loss, the largest peak memory and
    swap_gap, and how many seeds it stands for."""
    merged = dict(rows[0])
    for key in ("seconds", "loss"):
        merged[key] = float(np.median([row[key] for row in rows]))
    merged["peak_rss_mib"] = max(row["peak_rss_mib"] for row in rows)
    gaps = [row["swap_gap"] for row in rows if "swap_gap" in row]
    if gaps:
        merged["swap_gap"] = max(gaps)
    merged["seeds"] = len(rows)
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=DEFAULT_CASES, help="data:n:k,... (data: mnist-shifted or gauss64)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--matrix-max-n", type=int, default=40_000, help="largest n for kmedoids' matrix")
    parser.add_argument("--gap-max-n", type=int, default=100_000, help="largest n for swap_gap")
    parser.add_argument("--resume", action="store_true", help="keep scale.jsonl's rows and run only what it lacks")
    parser.add_argument("--seeds", type=int, default=1, help="run seeds 0 to N-1 of each method")
    parser.add_argument("--methods", default=",".join(OURS + [ONEBATCH, FASTERPAM]), help="the methods to run")
    args = parser.parse_args()
    wanted = args.methods.split(",")
    unknown = [m for m in wanted if m not in OURS + [ONEBATCH, FASTERPAM]]
    if unknown:
        parser.error(f"unknown methods: {', '.join(unknown)}")
    cases = []
    for spec in args.cases.split(","):
        name, n, k = spec.split(":")
        cases.append(Case(name, int(n), int(k), "euclidean"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / "scale.jsonl"
    rows = [json.loads(line) for line in raw.open()] if args.resume and raw.exists() else []
    done = {(row["data"], row["n"], row["k"], row["method"], seed_of(row)): row for row in rows}
    measured_at = {"date": str(datetime.date.today()), "commit": commit()}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, raw.open("a" if args.resume else "w") as out:
        for case in cases:
            methods = OURS + [ONEBATCH] + ([FASTERPAM] if case.n <= args.matrix_max_n else [])
            todo = [
                (m, seed)
                for seed in range(args.seeds)
                for m in methods
                if m in wanted
                and (case.data, case.n, case.k, m, seed) not in done
                and not (m == "banditpam-rs nearswap" and auto_ran_nearswap(done, case, seed))
            ]
            if not todo:
                continue
            x = data(case.data, case.n)
            path = Path(tmp) / f"{case.data}-{case.n}.npy"
            if not path.exists():
                np.save(path, x)
            for method, seed in todo:
                if method == "banditpam-rs nearswap" and auto_ran_nearswap(done, case, seed):
                    continue  # the auto row of this seed is this method's run
                result = run(method, path, case, seed, args.threads, args.timeout)
                row = {"data": case.data, "n": case.n, "k": case.k, "method": method, "seed": seed}
                row.update(measured_at, **result)
                if "medoids" in result:
                    row["loss"] = exact_loss(x, result["medoids"]) / case.n
                    if case.n <= args.gap_max_n:
                        row["swap_gap"] = gap_of(path, result["medoids"], args.threads)
                row.pop("medoids", None)
                rows.append(row)
                done[(case.data, case.n, case.k, method, seed)] = row
                out.write(json.dumps(row) + "\n")
                out.flush()
                keys = ("data", "n", "k", "method", "seed", "ran", "seconds", "peak_rss_mib", "loss", "swap_gap")
                print(json.dumps({key: row.get(key) for key in keys + ("error",)}), flush=True)
            del x
    rows = case_order(rows)
    runs = sorted({(row.get("date", "?"), row.get("commit", "?")) for row in rows})
    meta = (
        f"Generated by `bench/.venv/bin/python bench/scale.py` (last: `{' '.join(sys.argv[1:])}`, "
        f"{(time.perf_counter() - started) / 60:.0f} minutes); rows measured on "
        f"{', '.join(f'{date} at {rev}' for date, rev in runs)}. Machine: {machine()}. "
        f"{args.threads} threads for everyone, each fit in its own subprocess (timeout {args.timeout:.0f} s); "
        "seed 0 in the main table. "
        "Times include kmedoids' float64 matrix (scikit-learn). Losses per point, recomputed in float64 from "
        "the medoids; `vs best` is the loss over the lowest of the case. Raw rows: `bench/results/scale.jsonl`."
    )
    write_report(rows, ROOT / "BENCHMARKS.md", meta)
    plot(rows, RESULTS / "scale.png")


def lowest_losses(rows: list[dict]) -> dict:
    """(data, n, k) -> the lowest loss any method found for the case."""
    best: dict = {}
    for row in rows:
        if "loss" in row:
            key = (row["data"], row["n"], row["k"])
            best[key] = min(best.get(key, np.inf), row["loss"])
    return best


def target_lines(rows: list[dict]) -> list[str]:
    """The issue's targets for `auto` on shifted MNIST, from the rows there are."""
    found = {key: median_of(seeded) for key, seeded in by_method(rows).items()}

    def get(n: int, k: int, method: str) -> dict | None:
        return found.get(("mnist-shifted", n, k, method))

    def seeds(*cases: tuple) -> str:
        counts = sorted({row["seeds"] for case in cases if (row := get(*case))})
        return "" if counts == [1] else " (medians over " + "/".join(map(str, counts)) + " seeds)"

    def margin(n: int, k: int) -> float | None:
        ours, theirs = get(n, k, "banditpam-rs auto"), get(n, k, ONEBATCH)
        return 1 - ours["loss"] / theirs["loss"] if ours and theirs else None

    out = ["| case | measured | target | met |", "|---|---|---|---|"]
    for n, k, seconds, gib in ((100_000, 100, 60, 4), (100_000, 10, 30, None)):
        auto = get(n, k, "banditpam-rs auto")
        if not auto:
            continue
        gap, below = auto.get("swap_gap", np.inf), margin(n, k)
        wanted = f"<= {seconds} s" + (f", <= {gib} GiB" if gib else "") + ", swap_gap <= 1e-3"
        met = auto["seconds"] <= seconds and gap <= 1e-3 and (not gib or auto["peak_rss_mib"] <= gib * 1024)
        if k == 100:
            wanted += ", >= 1.5% below the onebatch package"
            met = met and below is not None and below >= 0.015
        text = f"{auto['seconds']:.1f} s, {auto['peak_rss_mib'] / 1024:.2f} GiB, swap_gap {gap:.1e}"
        text += f", {below:.2%} below the onebatch package" if below is not None else ""
        text += seeds((n, k, "banditpam-rs auto"), (n, k, ONEBATCH))
        out.append(f"| auto, shifted MNIST {n:,}, k = {k} | {text} | {wanted} | {'yes' if met else 'NO'} |")
    big, reference = get(1_000_000, 100, "banditpam-rs auto"), margin(100_000, 100)
    if big and reference is not None and margin(1_000_000, 100) is not None:
        below = margin(1_000_000, 100)
        met = big["seconds"] <= 600 and big["peak_rss_mib"] <= 8 * 1024 and below >= reference
        text = f"{big['seconds']:.0f} s, {big['peak_rss_mib'] / 1024:.2f} GiB, {below:.2%} below the onebatch package"
        text += seeds(*((n, 100, method) for n in (100_000, 1_000_000) for method in ("banditpam-rs auto", ONEBATCH)))
        wanted = f"<= 600 s, <= 8 GiB, below it by at least the margin at 100,000 ({reference:.2%})"
        out.append(f"| auto, shifted MNIST 1,000,000, k = 100 | {text} | {wanted} | {'yes' if met else 'NO'} |")
    for k in (10, 100, 300):
        ours, matrix = (
            get(30_000, k, "banditpam-rs nearswap") or get(30_000, k, "banditpam-rs auto"),
            get(30_000, k, FASTERPAM),
        )
        if ours and matrix and ours.get("ran", "nearswap") == "nearswap":
            ratio = ours["loss"] / matrix["loss"]
            met = ours["seconds"] <= matrix["seconds"] and ratio <= 1.001
            text = f"{ours['seconds']:.1f} s vs {matrix['seconds']:.1f} s, loss x {ratio:.5f}"
            wanted = "<= kmedoids.fasterpam's time (matrix included), loss <= its x 1.001"
            out.append(f"| nearswap, shifted MNIST 30,000, k = {k} | {text} | {wanted} | {'yes' if met else 'NO'} |")
    return out + [""] if len(out) > 2 else []


def seed_lines(rows: list[dict]) -> list[str]:
    """A table of the methods measured with more than one seed: the spread of their losses."""
    lines = []
    for (name, n, k, method), seeded in by_method(rows).items():
        if len(seeded) < 2:
            continue
        losses = sorted(row["loss"] for row in seeded)
        times = [row["seconds"] for row in seeded]
        numbers = ", ".join(str(seed_of(row)) for row in sorted(seeded, key=seed_of))
        cells = [name, f"{n:,}", k, method, numbers, f"{np.median(times):.1f}", f"{np.median(losses):.5f}"]
        cells.append(f"{losses[0]:.5f} to {losses[-1]:.5f}")
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    if not lines:
        return []
    head = [
        "Over seeds (the targets above use these medians):",
        "",
        "| data | n | k | method | seeds | median seconds | median loss | losses |",
        "|---|---|---|---|---|---|---|---|",
    ]
    return head + lines + [""]


def write_report(rows: list[dict], path: Path, meta: str) -> None:
    best = lowest_losses(rows)
    lines = [
        "| data | n | k | method (ran) | seconds | peak GiB | distances | loss per point | vs best | swap_gap |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if seed_of(row) != 0:
            continue
        name = row["method"] + (f" ({row['ran']})" if row.get("ran") and row["method"].endswith("auto") else "")
        if "error" in row:
            cells = [row["data"], f"{row['n']:,}", row["k"], name, row["error"], "", "", "", "", ""]
        else:
            gap = f"{row['swap_gap']:.2e}" if "swap_gap" in row else "-"
            evaluations = row.get("distance_evaluations")
            cells = [
                row["data"],
                f"{row['n']:,}",
                row["k"],
                name,
                f"{row['seconds']:.1f}",
                f"{row['peak_rss_mib'] / 1024:.2f}",
                f"{evaluations:.2e}" if evaluations else "-",
                f"{row['loss']:.5f}",
                f"{row['loss'] / best[(row['data'], row['n'], row['k'])]:.4f}",
                gap,
            ]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    targets = target_lines(rows)
    seeded = seed_lines(rows)
    measured = {f"{row['data']}:{row['n']}:{row['k']}" for row in rows}
    missing = [case for case in DEFAULT_CASES.split(",") if case not in measured]
    pending = [f"Not measured yet (`--resume` adds them): {', '.join(missing)}.", ""] if missing else []
    section = [
        SCALE_MARK,
        "",
        "## Beyond the matrix: time, memory and loss at scale",
        "",
        meta,
        "",
        *targets,
        *lines,
        "",
        *seeded,
        *pending,
        "Plot: `bench/results/scale.png` (seconds and loss relative to the best, against n).",
        "",
    ]
    # The section sits between bench/ksweep.py's and bench/dask_scale.py's, which keep it.
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    at = text.find(SCALE_MARK)
    if at < 0:
        at = text.find(DASK_MARK)
        at = len(text) if at < 0 else at
        end = at
    else:
        end = text.find(DASK_MARK, at)
        end = len(text) if end < 0 else end
    path.write_text(text[:at].rstrip("\n") + "\n\n" + "\n".join(section) + "\n" + text[end:])
    print("\n".join(section))


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    best = lowest_losses(rows)
    series: dict = {}
    for row in rows:
        if "loss" in row and seed_of(row) == 0:
            label = f"{row['method']} k={row['k']} {row['data']}"
            relative = row["loss"] / best[(row["data"], row["n"], row["k"])]
            series.setdefault(label, []).append((row["n"], row["seconds"], relative))
    for label, points in sorted(series.items()):
        points.sort()
        ns, seconds, relative = zip(*points)
        left.plot(ns, seconds, marker="o", label=label)
        right.plot(ns, relative, marker="o", label=label)
    left.set(xscale="log", yscale="log", xlabel="n", ylabel="seconds")
    right.set(xscale="log", xlabel="n", ylabel="loss / lowest loss of the case")
    right.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
