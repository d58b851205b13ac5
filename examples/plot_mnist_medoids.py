"""
MNIST digits: medoids are real images
=====================================

k-means centres of handwritten digits are blurred averages; k-medoids centres are digits
someone actually wrote. We cluster 2,000 of the bundled MNIST test digits into 10 clusters
with BanditPAM++ (PAM's answer) and draw each medoid with its cluster's
size and how many of its members carry the medoid's label.
"""

import gzip
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from banditpam_rs import KMedoids

# The bundled data, run from the repository root or from examples/ (as the docs build does).
DATA = Path("data") if Path("data").is_dir() else Path("../data")


def read_idx(path: Path) -> np.ndarray:
    """An MNIST IDX file (gzip) as an array: the header gives the number of dimensions."""
    raw = gzip.decompress(path.read_bytes())
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


images = read_idx(DATA / "mnist-t10k-images-idx3-ubyte.gz")[:2000]
digits = read_idx(DATA / "mnist-t10k-labels-idx1-ubyte.gz")[:2000]
X = images.reshape(len(images), -1).astype(np.float32) / 255.0

model = KMedoids(n_clusters=10, metric="euclidean", method="banditpam++", random_state=0).fit(X)
print(f"method {model.method_}: {model.n_iter_} swaps, mean distance {model.average_loss_:.3f}")
print(f"distances computed: {model.distance_evaluations_['total']:,} of n^2 = {len(X) ** 2:,}")

# %%
# Each medoid, with the size of its cluster and the share of members whose label matches.

fig, axes = plt.subplots(2, 5, figsize=(9, 4.4))
for position, (ax, medoid) in enumerate(zip(axes.flat, model.medoid_indices_)):
    members = model.labels_ == position
    agree = np.mean(digits[members] == digits[medoid])
    ax.imshow(images[medoid], cmap="gray_r")
    ax.set_title(f"n={members.sum()}, {agree:.0%} '{digits[medoid]}'", fontsize=9)
    ax.axis("off")
fig.suptitle("The 10 medoids of 2,000 MNIST digits (BanditPAM++)")
fig.tight_layout()
plt.show()
