"""k-medoids clustering in Rust: BanditPAM++, BanditPAM, PAM, FastPAM1 and FasterPAM.

`KMedoids` is a scikit-learn estimator; `select_k` chooses the number of clusters;
`banditpam_rs.metrics` scores clusterings (Silhouette, Medoid Silhouette) for any metric;
`banditpam_rs.compat.KMedoids` mirrors the upstream `banditpam` package's API for a two-line
migration.
"""

from . import compat, metrics
from ._block import BlockMetric, block_metric
from ._core import __version__, levenshtein
from ._estimator import METHODS, METRICS, KMedoids
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
    "select_k",
    "__version__",
]
