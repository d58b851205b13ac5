"""k-medoids clustering in Rust: BanditPAM++, BanditPAM, PAM, FastPAM1 and FasterPAM.

`KMedoids` is a scikit-learn estimator; `banditpam_rs.compat.KMedoids` mirrors the upstream
`banditpam` package's API for a two-line migration.
"""

from ._core import __version__, levenshtein
from ._estimator import METHODS, METRICS, KMedoids

__all__ = ["KMedoids", "METHODS", "METRICS", "levenshtein", "__version__"]
