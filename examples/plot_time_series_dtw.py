"""
Time series under dynamic time warping
======================================

Two recordings of the same motion rarely line up in time: Euclidean distance punishes a
shift, dynamic time warping (DTW) forgives it by aligning the series before comparing them.
DTW has no vector form, so k-means cannot use it; k-medoids can.

We generate three shapes (sine, square wave, sawtooth) with random phase shifts and noise,
write DTW as a block metric, a function vectorised over pairs,
``dtw_block(A, B) -> ndarray of shape (len(A), len(B))``, and pass it as
``metric=block_metric(dtw_block)``: the search calls it once per block of rows it needs.
Euclidean distance on the same series mixes the shapes up.
"""

import matplotlib.pyplot as plt
import numpy as np

from banditpam_rs import KMedoids, block_metric

rng = np.random.default_rng(0)
LENGTH, PER_SHAPE = 60, 30
t = np.linspace(0, 2 * np.pi, LENGTH)
shapes = {
    "sine": lambda s: np.sin(t + s),
    "square": lambda s: np.sign(np.sin(t + s)),
    "sawtooth": lambda s: ((t + s) % (2 * np.pi)) / np.pi - 1.0,
}
series, truth = [], []
for label, shape in enumerate(shapes.values()):
    for _ in range(PER_SHAPE):
        series.append(shape(rng.uniform(0, 2.0)) + rng.normal(0, 0.1, LENGTH))
        truth.append(label)
X, truth = np.array(series), np.array(truth)


def dtw_block(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """DTW distances between every row of A and every row of B, vectorised over the pairs.

    The classic recurrence ``D[i, j] = |a_i - b_j| + min(D[i-1, j], D[i, j-1], D[i-1, j-1])``,
    one cell at a time for many pairs at once (ten rows of A at a time, to bound the memory).
    """
    return np.vstack([_dtw_rows(A[start : start + 10], B) for start in range(0, len(A), 10)])


def _dtw_rows(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    cost = np.abs(A.T[:, None, :, None] - B.T[None, :, None, :])  # (i, j, a, b)
    acc = np.full((LENGTH + 1, LENGTH + 1, len(A), len(B)), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, LENGTH + 1):
        for j in range(1, LENGTH + 1):
            acc[i, j] = cost[i - 1, j - 1] + np.minimum(np.minimum(acc[i - 1, j], acc[i, j - 1]), acc[i - 1, j - 1])
    return acc[LENGTH, LENGTH]


dtw = KMedoids(n_clusters=3, metric=block_metric(dtw_block), random_state=0).fit(X)
euclidean = KMedoids(n_clusters=3, metric="euclidean", random_state=0).fit(X)


def purity(labels: np.ndarray) -> float:
    """Share of the series in the cluster where their shape is the majority."""
    return sum(np.bincount(truth[labels == c]).max() for c in np.unique(labels)) / len(truth)


print(f"DTW:       {purity(dtw.labels_):.0%} of the series with their shape")
print(f"Euclidean: {purity(euclidean.labels_):.0%} of the series with their shape")

# %%
# Each DTW cluster: its members in grey, its medoid in colour.

fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharey=True)
for position, (ax, medoid) in enumerate(zip(axes, dtw.medoid_indices_)):
    for member in np.flatnonzero(dtw.labels_ == position):
        ax.plot(t, X[member], color="0.8", lw=0.6)
    ax.plot(t, X[medoid], lw=2)
    ax.set_title(f"cluster {position}: {np.sum(dtw.labels_ == position)} series")
fig.suptitle("k-medoids under DTW: medoids are real series")
fig.tight_layout()
plt.show()
