"""Type stubs of the compiled module (see src/lib.rs)."""

from collections.abc import Callable, Sequence
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

__version__: str

#: The keyword arguments `fit` maps onto the core's builder (its one parameter schema).
FIT_PARAMETERS: Final[list[str]]
#: Every method name (aliases aside).
METHODS: Final[list[str]]
#: Every metric name (besides "lp:<p>").
METRICS: Final[list[str]]

class FitResult:
    """The result of a fit."""

    @property
    def method(self) -> str: ...
    @property
    def matrix(self) -> Literal["float32", "float64"] | None: ...
    @property
    def medoids(self) -> npt.NDArray[np.int64]: ...
    @property
    def build_medoids(self) -> npt.NDArray[np.int64]: ...
    @property
    def labels(self) -> npt.NDArray[np.int64]: ...
    @property
    def loss(self) -> float: ...
    @property
    def average_loss(self) -> float: ...
    @property
    def build_loss(self) -> float: ...
    @property
    def swaps(self) -> int: ...
    @property
    def converged(self) -> bool: ...
    @property
    def distance_evaluations(self) -> dict[str, int]: ...
    @property
    def cache_hits(self) -> dict[str, int]: ...
    @property
    def cache_writes(self) -> dict[str, int]: ...
    @property
    def seconds(self) -> dict[str, float]: ...

def fit(
    x: npt.NDArray[np.float32] | npt.NDArray[np.float64] | Sequence[Any],
    *,
    metric: str | Callable[[Any, Any], float],
    p: float | None = None,
    verbose: bool = False,
    **params: Any,
) -> FitResult: ...
def metric_kind(
    metric: str | Callable[[Any, Any], float], p: float | None = None
) -> Literal["dense", "precomputed", "levenshtein", "callable", "block"]: ...
def silhouette_samples(
    x: Any, labels: Sequence[int], *, metric: Any, p: float | None = None, n_threads: int | None = None
) -> npt.NDArray[np.float64]: ...
def medoid_silhouette_samples(
    x: Any, medoids: Sequence[int], *, metric: Any, p: float | None = None, n_threads: int | None = None
) -> npt.NDArray[np.float64]: ...
def select_k(
    x: Any,
    ks: Sequence[int],
    *,
    metric: Any,
    p: float | None = None,
    score: str = "medoid_silhouette",
    verbose: bool = False,
    **params: Any,
) -> tuple[int, list[tuple[int, float]], list[FitResult]]: ...
def cross_distances(
    x: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    centers: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    metric: str,
    p: float | None = None,
    threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def levenshtein(a: str, b: str) -> float: ...
def check_parameters(**params: Any) -> None: ...

# The chunk tasks of banditpam_rs.dask (see banditpam::sharded in the Rust reference).
ROW_ALIGNMENT: int
Stats = tuple[int, npt.NDArray[np.float64], float]
Snapshot = tuple[list[int], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64], int | None, float]
Rows = npt.NDArray[np.float32] | npt.NDArray[np.float64]

def shard_stats(chunk: Rows, stats: Stats) -> Stats: ...
def onebatch_plan(
    n: int,
    k: int,
    seed: int,
    batch_size: int | None = None,
    initial: Sequence[int] | None = None,
    restart: int = 0,
) -> tuple[list[int], list[int]]: ...
def shard_batch(
    chunk: Rows,
    offset: int,
    batch: Rows,
    stats: Stats,
    *,
    metric: str,
    p: float | None = None,
    scale: float = 1.0,
    keep: bool = True,
) -> tuple[npt.NDArray[np.float32] | None, npt.NDArray[np.float64], float, float]: ...
def shard_scan(
    chunk: Rows,
    offset: int,
    batch: Rows,
    stats: Stats,
    block: npt.NDArray[np.float32] | None,
    n: int,
    snapshot: Snapshot,
    weights: npt.NDArray[np.float32],
    start: int,
    end: int,
    *,
    metric: str,
    p: float | None = None,
    scale: float = 1.0,
) -> tuple[int, int, int | None, npt.NDArray[np.float32]] | None: ...
def shard_best_swaps(
    chunk: Rows,
    offset: int,
    batch: Rows,
    stats: Stats,
    block: npt.NDArray[np.float32] | None,
    snapshot: Snapshot,
    weights: npt.NDArray[np.float32],
    count: int,
    *,
    metric: str,
    p: float | None = None,
    scale: float = 1.0,
) -> list[tuple[float, int, int]]: ...
def shard_rows(
    chunk: Rows,
    offset: int,
    batch: Rows,
    stats: Stats,
    rows: Sequence[int],
    *,
    metric: str,
    p: float | None = None,
    scale: float = 1.0,
) -> npt.NDArray[np.float32]: ...
def shard_nearest(
    chunk: Rows, offset: int, centers: Rows, stats: Stats, *, metric: str, p: float | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
def onebatch_rescale(largest: float, smallest: float) -> float | None: ...

class OneBatchSearch:
    def __init__(self, n: int, batch: Sequence[int], votes: npt.NDArray[np.float64], max_passes: int) -> None: ...
    def add_medoid(self, medoid: int, row: npt.NDArray[np.float32]) -> None: ...
    def weights(self) -> npt.NDArray[np.float32]: ...
    def window(self, length: int) -> tuple[int, int] | None: ...
    def snapshot(self) -> Snapshot: ...
    def advance(
        self, start: int, end: int, found: tuple[int, int, int | None, npt.NDArray[np.float32]] | None = None
    ) -> None: ...
    def apply_swap(self, position: int, candidate: int, row: npt.NDArray[np.float32]) -> None: ...
    def medoids(self) -> list[int]: ...
    def finish(self) -> tuple[list[int], int, bool]: ...
