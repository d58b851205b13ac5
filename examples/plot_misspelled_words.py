"""
Misspelled words, clustered by edit distance
============================================

Strings have no coordinates, but the Levenshtein distance (the number of single-character
insertions, deletions and substitutions between two strings) is a fine dissimilarity. We
misspell twelve words a few dozen times each, cluster the misspellings with
``metric="levenshtein"``, and check that each cluster's medoid is a recognisable form of one
word. The medoid of a cluster is the spelling with the least total edit distance to the
others: usually the correct one.
"""

import matplotlib.pyplot as plt
import numpy as np

from banditpam_rs import KMedoids, levenshtein

WORDS = [
    "necessary",
    "separate",
    "definitely",
    "occasion",
    "accommodate",
    "rhythm",
    "conscience",
    "embarrass",
    "millennium",
    "questionnaire",
    "recommend",
    "tomorrow",
]
rng = np.random.default_rng(0)
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def misspell(word: str) -> str:
    """One to two random edits: drop, double, swap neighbours or replace a letter."""
    letters = list(word)
    for _ in range(rng.integers(1, 3)):
        i = int(rng.integers(0, len(letters) - 1))
        edit = rng.integers(0, 4)
        if edit == 0:
            del letters[i]
        elif edit == 1:
            letters.insert(i, letters[i])
        elif edit == 2:
            letters[i], letters[i + 1] = letters[i + 1], letters[i]
        else:
            letters[i] = LETTERS[rng.integers(0, 26)]
    return "".join(letters)


spellings = [word for word in WORDS for _ in range(3)]  # a few correct spellings of each
spellings += [misspell(word) for word in WORDS for _ in range(25)]
truth = [WORDS.index(word) for word in WORDS for _ in range(3)]
truth += [i for i in range(len(WORDS)) for _ in range(25)]

model = KMedoids(n_clusters=len(WORDS), metric="levenshtein", random_state=0).fit(spellings)
for position, medoid in enumerate(model.medoid_indices_):
    members = [s for s, label in zip(spellings, model.labels_) if label == position]
    print(f"{spellings[medoid]:>14}  {len(members):3d} spellings, e.g. {', '.join(members[:4])}")

purity = sum(np.bincount(np.asarray(truth)[model.labels_ == c]).max() for c in range(len(WORDS))) / len(spellings)
print(f"share of spellings in the cluster of their word: {purity:.1%}")

# %%
# A map of the spellings: classical multidimensional scaling of the edit distances (the two
# leading eigenvectors of the double-centred squared distances), each spelling coloured by its
# cluster, the medoids named.

D = np.array([[levenshtein(a, b) for b in spellings] for a in spellings])
n = len(D)
centring = np.eye(n) - 1.0 / n
values, vectors = np.linalg.eigh(-0.5 * centring @ (D**2) @ centring)
xy = vectors[:, -2:] * np.sqrt(np.maximum(values[-2:], 0.0))
fig, ax = plt.subplots(figsize=(8, 6))
ax.scatter(xy[:, 0], xy[:, 1], c=model.labels_, cmap="tab20", s=12)
for medoid in model.medoid_indices_:
    ax.annotate(spellings[medoid], xy[medoid], fontsize=9, weight="bold")
ax.set_title("Misspellings by edit distance; medoids named")
ax.set_xticks([])
ax.set_yticks([])
plt.show()
