"""Type stubs of the compiled module (see src/lib.rs)."""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str

def fit(
    x: npt.NDArray[np.float32] | npt.NDArray[np.float64] | Sequence[Any],
    k: int,
    *,
    metric: str = "euclidean",
    dissimilarity: Callable[[Any, Any], float] | None = None,
    method: str = "banditpam++",
    max_iter: int = 100,
    build_confidence: float = 3.0,
    swap_confidence: float = 5.0,
    batch_size: int = 100,
    sigma_sample: int | None = None,
    use_cache: bool | None = None,
    use_perm: bool | None = None,
    cache_width: int | None = None,
    seed: int = 0,
    threads: int | None = None,
    precompute: str | None = None,
    verbose: bool = False,
) -> dict[str, Any]: ...
def cross_distances(
    x: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    centers: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    metric: str,
    threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def levenshtein(a: str, b: str) -> float: ...
