"""k-medoids clustering in Rust: BanditPAM++, BanditPAM, PAM, FastPAM1, FasterPAM, OneBatchPAM
and nearswap, with `auto` choosing among them.

`KMedoids` is a scikit-learn estimator; `banditpam_rs.dask.KMedoids` runs on a dask array
(installed with dask and distributed); `select_k` chooses the number of clusters;
`banditpam_rs.metrics` scores clusterings (Silhouette, Medoid Silhouette) for any metric, and
`swap_gap` certifies how close medoids are to a swap-local optimum; `pairwise_distances`
computes any built-in metric (vectors, strings, series, trees) between two sets;
`banditpam_rs.compat.KMedoids` mirrors the upstream `banditpam` package's API for a two-line
migration.
"""

from . import compat, metrics
from ._block import BlockMetric, block_metric
from ._core import __version__, levenshtein
from ._estimator import METHODS, METRICS, KMedoids
from ._gap import SwapGap, swap_gap
from ._pairwise import pairwise_distances
from ._selection import KSelection, select_k

__all__ = [
    "BlockMetric",
    "KMedoids",
    "KSelection",
    "METHODS",
    "METRICS",
    "block_metric",
    "compat",
    "levenshtein",
    "metrics",
    "pairwise_distances",
    "select_k",
    "swap_gap",
    "SwapGap",
    "__version__",
]
