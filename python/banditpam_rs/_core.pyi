"""Type stubs of the compiled module (see src/lib.rs)."""

from collections.abc import Callable, Sequence
from typing import Any, Final, Literal, Protocol

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
def swap_gap(
    x: Any,
    medoids: Sequence[int],
    *,
    metric: Any,
    p: float | None = None,
    n_threads: int | None = None,
    memory_budget: int | None = None,
    verbose: bool = False,
) -> tuple[float, float, float, tuple[int, int] | None, int]: ...

# The sharded driver and its chunk side, for banditpam_rs.dask (see banditpam::sharded in the
# Rust reference).
Stats = tuple[int, npt.NDArray[np.float64], float]
Rows = npt.NDArray[np.float32] | npt.NDArray[np.float64]

class ChunkExecutor(Protocol):
    def run(self, task: bytes, which: list[int], /) -> Sequence[bytes]: ...

def chunk_stats(chunk: Rows, stats: Stats) -> Stats: ...
def run_chunk_task(
    key: str,
    create: bool,
    chunk: Rows,
    offset: int,
    stats: Stats,
    task: bytes,
    *,
    metric: str,
    p: float | None = None,
) -> bytes: ...
def drop_chunk_states(fit: str) -> int: ...
def chunk_nearest(
    chunk: Rows,
    offset: int,
    centers: npt.NDArray[np.float64],
    stats: Stats,
    *,
    metric: str,
    p: float | None = None,
) -> tuple[npt.NDArray[np.uintp], npt.NDArray[np.float64]]: ...
def kept_block_bytes(n: int, **params: Any) -> int: ...
def fit_sharded(
    executor: ChunkExecutor, chunk_lens: Sequence[int], *, keep_block: bool = True, **params: Any
) -> dict[str, Any]: ...
