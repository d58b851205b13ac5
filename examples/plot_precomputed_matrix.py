"""
A dissimilarity matrix from another tool
========================================

Any non-negative matrix of dissimilarities can be clustered with ``metric="precomputed"``: it
need not be symmetric nor obey the triangle inequality. Here the data are sets (the items in
shopping baskets, as boolean vectors) and the dissimilarity is the Jaccard distance computed
by scikit-learn's ``pairwise_distances``, which banditpam-rs does not implement itself.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import pairwise_distances

from banditpam_rs import KMedoids

rng = np.random.default_rng(0)
N_ITEMS, PER_GROUP = 40, 40
# Four kinds of basket, each drawing mostly from its own ten items.
baskets, truth = [], []
for group in range(4):
    preferred = np.zeros(N_ITEMS)
    preferred[group * 10 : group * 10 + 10] = 1.0
    probability = 0.05 + 0.5 * preferred
    for _ in range(PER_GROUP):
        baskets.append(rng.random(N_ITEMS) < probability)
        truth.append(group)
baskets, truth = np.array(baskets), np.array(truth)
order = rng.permutation(len(baskets))  # shuffled, so the matrix shows no blocks by itself
baskets, truth = baskets[order], truth[order]

D = pairwise_distances(baskets, metric="jaccard")
model = KMedoids(n_clusters=4, metric="precomputed", random_state=0).fit(D)
print("medoids:", model.medoid_indices_.tolist(), f"inertia {model.inertia_:.2f}")
agreement = sum(np.bincount(truth[model.labels_ == c]).max() for c in range(4)) / len(truth)
print(f"baskets in the cluster of their kind: {agreement:.0%}")

# %%
# The matrix before and after ordering the baskets by cluster: the clusters appear as blocks
# of small distances on the diagonal.

by_cluster = np.argsort(model.labels_, kind="stable")
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
axes[0].imshow(D, cmap="viridis")
axes[0].set_title("Jaccard distances, as given")
axes[1].imshow(D[np.ix_(by_cluster, by_cluster)], cmap="viridis")
axes[1].set_title("ordered by k-medoids cluster")
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
plt.show()
