"""The object metrics against the reference library of each, in the same run: strings against
rapidfuzz, DTW against dtaidistance, tree edit distance against apted, on one thread; the ratio
is per pair (dtaidistance computes each unordered pair once, we and the others every ordered
pair), and a whole fit. Sweeps the object size.

Run from the repository root with the test environment (scripts/python-env.sh makes it):

    .venv/bin/python bench/objects.py            # writes bench/results/objects.md

Medians of 3 runs; read the ratios, measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from banditpam_rs import KMedoids, pairwise_distances

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3


def median_seconds(run, *args, **kwargs) -> float:
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        run(*args, **kwargs)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def reads(count: int, length: int, seed: int) -> list[str]:
    """DNA-like reads: mutated copies of a few templates."""
    rng = np.random.default_rng(seed)
    templates = ["".join(rng.choice(list("ACGT"), size=length)) for _ in range(5)]
    out = []
    for i in range(count):
        read = list(templates[i % 5])
        for at in rng.choice(length, size=length // 10, replace=False):
            read[at] = str(rng.choice(list("ACGT")))
        out.append("".join(read))
    return out


def strings(rows: list[str]) -> None:
    from rapidfuzz import process
    from rapidfuzz.distance import OSA, Levenshtein

    for count, length in [(300, 20), (300, 400), (60, 4000), (3, 40_000)]:
        words = reads(count, length, seed=length)
        for name, scorer in [("levenshtein", Levenshtein.distance), ("osa", OSA.distance)]:
            ours = median_seconds(pairwise_distances, words, metric=name, n_threads=1)
            # A copy as the choices: the full matrix, as we compute it (cdist halves the work when
            # it is handed one list twice).
            theirs = median_seconds(process.cdist, words, list(words), scorer=scorer, workers=1)
            ratio = ours / theirs
            rows.append(f"| {name} | {count} x {length} chars | {ours:.3f} | rapidfuzz {theirs:.3f} | {ratio:.2f} |")
    words = reads(300, 400, seed=1)
    fit = median_seconds(KMedoids(5, metric="levenshtein", method="fastpam1", n_threads=1).fit, words)
    rows.append(f"| levenshtein fit | 300 x 400 chars, k = 5, fastpam1, 1 thread | {fit:.3f} | (was 35.7 s) | |")
    long = reads(3, 40_000, seed=2)
    fit = median_seconds(KMedoids(2, metric="levenshtein", method="pam", n_threads=1).fit, long)
    rows.append(f"| levenshtein fit | 3 x 40,000 chars, k = 2, pam, 1 thread | {fit:.3f} | (was 28.3 s) | |")


def series(rows: list[str]) -> None:
    from dtaidistance import dtw

    rng = np.random.default_rng(0)
    for count, length, window in [(200, 50, None), (100, 500, None), (200, 500, 20), (50, 5000, 50)]:
        data = [rng.normal(size=length).cumsum() for _ in range(count)]
        params = {} if window is None else {"window": window}
        ours = median_seconds(pairwise_distances, data, metric="dtw", n_threads=1, **params)
        theirs = median_seconds(dtw.distance_matrix_fast, data, parallel=False, **params)
        per_pair = (ours / count**2) / (theirs / (count * (count - 1) / 2))
        rows.append(
            f"| dtw | {count} x {length} points, window {window} | {ours:.3f} | dtaidistance (C, half the "
            f"pairs) {theirs:.3f} | {per_pair:.2f} |"
        )


def trees(rows: list[str]) -> None:
    from apted import APTED, helpers

    rng = np.random.default_rng(0)

    def tree(size: int) -> str:
        # A random tree of `size` nodes: each new node under a random earlier one.
        parent = [None] + [int(rng.integers(0, i)) for i in range(1, size)]
        children: list[list[int]] = [[] for _ in range(size)]
        for node, up in enumerate(parent[1:], start=1):
            children[up].append(node)

        def text(node: int) -> str:
            return "{" + "abcd"[node % 4] + "".join(text(c) for c in children[node]) + "}"

        return text(0)

    for count, size in [(30, 10), (20, 50), (10, 200)]:
        data = [tree(size) for _ in range(count)]
        ours = median_seconds(pairwise_distances, data, metric="tree-edit", n_threads=1)
        parsed = [helpers.Tree.from_text(t) for t in data]

        def apted_all(parsed=parsed):
            return [[APTED(a, b).compute_edit_distance() for b in parsed] for a in parsed]

        theirs = median_seconds(apted_all)
        rows.append(
            f"| tree-edit | {count} trees of {size} nodes | {ours:.3f} | apted (Python) {theirs:.3f} | "
            f"{ours / theirs:.3f} |"
        )


def main() -> None:
    rows = [
        "| metric | data (all pairs unless a fit) | ours (s) | peer (s) | ours / peer, per pair |",
        "|---|---|---|---|---|",
    ]
    strings(rows)
    series(rows)
    trees(rows)
    text = "\n".join(rows) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / "objects.md"
    out.write_text(text)


if __name__ == "__main__":
    main()
