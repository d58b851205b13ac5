"""Type stubs of the compiled module (see src/lib.rs)."""

from collections.abc import Callable, Sequence
from typing import Any, Final, Literal, Protocol, TypedDict, final

import numpy as np
import numpy.typing as npt
from typing_extensions import Unpack

__version__: str

#: The keyword arguments `fit` maps onto the core's builder (its one parameter table).
FIT_PARAMETERS: Final[list[str]]
#: The core's parameter table: (keyword, core name, CLI flag, kind, default, help) per parameter.
PARAMETERS: Final[list[tuple[str, str, str | None, str, Any, str, str]]]

# BEGIN generated from _core.PARAMETERS by scripts/stubs.py: do not edit
__all__ = [
    "ChunkSite",
    "FIT_PARAMETERS",
    "FitResult",
    "METHODS",
    "METRICS",
    "PARAMETERS",
    "__version__",
    "check_parameters",
    "chunk_nearest",
    "chunk_stats",
    "cross_distances",
    "drop_chunk_states",
    "fit",
    "fit_sharded",
    "kept_block_bytes",
    "levenshtein",
    "medoid_distances",
    "medoid_silhouette_samples",
    "metric_kind",
    "run_chunk_task",
    "select_k",
    "silhouette_samples",
    "swap_gap",
]

class _FitParameters(TypedDict, total=False):
    """The keyword arguments of `fit`, `select_k` and `check_parameters`."""

    n_clusters: int
    method: str
    max_iter: int
    init: str | Sequence[int] | npt.NDArray[np.integer[Any]] | None
    n_init: int
    sample_weight: Sequence[float] | npt.NDArray[np.floating[Any]] | None
    seed: int
    n_threads: int | None
    memory_budget: int | None
    build_confidence: float
    swap_confidence: float
    batch_size: int
    sigma_sample: int | None
    use_cache: bool | None
    use_perm: bool | None
    cache_width: int | None
    onebatch_size: int | None

# END generated
#: Every method name (aliases aside).
METHODS: Final[list[str]]
#: Every metric name (besides "lp:<p>").
METRICS: Final[list[str]]

@final
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
    metric_params: dict[str, Any] | None = None,
    verbose: bool = False,
    **params: Unpack[_FitParameters],
) -> FitResult: ...
def metric_kind(
    metric: str | Callable[[Any, Any], float], metric_params: dict[str, Any] | None = None
) -> Literal["dense", "precomputed", "strings", "series", "trees", "callable", "block"]: ...
def silhouette_samples(
    x: Any,
    labels: Sequence[int],
    *,
    metric: Any,
    metric_params: dict[str, Any] | None = None,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def medoid_silhouette_samples(
    x: Any,
    medoids: Sequence[int],
    *,
    metric: Any,
    metric_params: dict[str, Any] | None = None,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def select_k(
    x: Any,
    ks: Sequence[int],
    *,
    metric: Any,
    metric_params: dict[str, Any] | None = None,
    score: str = "medoid_silhouette",
    verbose: bool = False,
    **params: Unpack[_FitParameters],
) -> tuple[int, list[tuple[int, float]], list[FitResult]]: ...
def cross_distances(
    x: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    centers: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    metric: str,
    p: float | None = None,
    threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def medoid_distances(
    x: Any, k: int, *, metric: Any, metric_params: dict[str, Any] | None = None, n_threads: int | None = None
) -> npt.NDArray[np.float64]: ...
def levenshtein(a: str, b: str) -> float: ...
def check_parameters(**params: Unpack[_FitParameters]) -> None: ...
def swap_gap(
    x: Any,
    medoids: Sequence[int],
    *,
    metric: Any,
    metric_params: dict[str, Any] | None = None,
    n_threads: int | None = None,
    memory_budget: int | None = None,
    verbose: bool = False,
) -> tuple[float, float, float, tuple[int, int] | None, int]: ...

# The sharded driver and its chunk side, for banditpam_rs.dask (see banditpam::sharded in the
# Rust reference).
_Stats = tuple[int, npt.NDArray[np.float64], float]
_Rows = npt.NDArray[np.float32] | npt.NDArray[np.float64]

class _ChunkExecutor(Protocol):
    def run(self, task: bytes, which: list[int], /) -> Sequence[bytes]: ...

@final
class ChunkSite:
    """Where a chunk sits in a fit: its state's key, first row, the data's statistics, the metric."""

    def __new__(cls, key: str, offset: int, stats: _Stats, metric: str, p: float | None = None) -> ChunkSite: ...
    @property
    def key(self) -> str: ...
    @property
    def offset(self) -> int: ...
    @property
    def stats(self) -> _Stats: ...
    @property
    def metric(self) -> str: ...
    @property
    def p(self) -> float | None: ...
    def __reduce__(self) -> tuple[Any, tuple[str, int, _Stats, str, float | None]]: ...

def chunk_stats(chunk: _Rows, stats: _Stats) -> _Stats: ...
def run_chunk_task(chunk: _Rows, site: ChunkSite, task: bytes, *, create: bool = False) -> bytes: ...
def drop_chunk_states(fit: str) -> int: ...
def chunk_nearest(
    chunk: _Rows, site: ChunkSite, centers: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.uintp], npt.NDArray[np.float64]]: ...
def kept_block_bytes(n: int, **params: Unpack[_FitParameters]) -> int: ...
def fit_sharded(
    executor: _ChunkExecutor, chunk_lens: Sequence[int], *, keep_block: bool = True, **params: Unpack[_FitParameters]
) -> dict[str, Any]: ...
