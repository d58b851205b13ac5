"""Type stubs of the compiled module (see src/lib.rs)."""

from collections.abc import Callable, Sequence
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

__version__: str

class FitParams(TypedDict):
    k: int
    method: str
    max_iter: int
    build_confidence: float
    swap_confidence: float
    batch_size: int
    sigma_sample: int | None
    use_cache: bool | None
    use_perm: bool | None
    cache_width: int | None
    seed: int
    threads: int | None
    precompute: str | None

def fit(
    x: npt.NDArray[np.float32] | npt.NDArray[np.float64] | Sequence[Any],
    params: FitParams,
    *,
    metric: str = "euclidean",
    dissimilarity: Callable[[Any, Any], float] | None = None,
    verbose: bool = False,
) -> dict[str, Any]: ...
def cross_distances(
    x: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    centers: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    metric: str,
    threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def levenshtein(a: str, b: str) -> float: ...
