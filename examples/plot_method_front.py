"""
Choosing a method on the time-loss front
========================================

Every method minimises the same loss; they trade time against how close they come to PAM's
answer. This example measures the trade on your machine: 3,000 MNIST digits, k = 10, each
method timed (median of 3 runs) and its loss divided by PAM's (``"fastpam1"`` gives PAM's
answer exactly). Swap in your own data to choose for it.
"""

import gzip
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from banditpam_rs import KMedoids

# The bundled data, run from the repository root or from examples/ (as the docs build does).
DATA = Path("data") if Path("data").is_dir() else Path("../data")
raw = gzip.decompress((DATA / "mnist-t10k-images-idx3-ubyte.gz").read_bytes())
X = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784)[:3000].astype(np.float32) / 255.0

METHODS = ["auto", "fastpam1", "banditpam++", "banditpam", "fasterpam", "onebatch", "onebatch+swap", "nearswap"]
results = {}
for method in METHODS:
    times, losses = [], []
    for seed in range(3):
        start = time.perf_counter()
        model = KMedoids(n_clusters=10, method=method, random_state=seed).fit(X)
        times.append(time.perf_counter() - start)
        losses.append(model.inertia_)
    results[method] = (float(np.median(times)), float(np.mean(losses)))

pam_loss = results["fastpam1"][1]
print(f"{'method':>14} {'seconds':>8} {'loss / PAM':>11}")
for method, (seconds, loss) in sorted(results.items(), key=lambda item: item[1][0]):
    print(f"{method:>14} {seconds:8.3f} {loss / pam_loss:11.5f}")

# %%
# The front: lower is better loss, left is faster.

fig, ax = plt.subplots(figsize=(7, 4.5))
# Labels take turns at three heights, so that neighbouring points' labels do not collide.
for i, (method, (seconds, loss)) in enumerate(sorted(results.items(), key=lambda item: item[1][0])):
    ax.scatter(seconds, loss / pam_loss, s=40)
    ax.annotate(method, (seconds, loss / pam_loss), textcoords="offset points", xytext=(5, (6, -13, 19)[i % 3]))
ax.set_xscale("log")
# Labels at 1, 2 and 5 times each power of ten only: the default minor labels of a narrow log
# range run into each other.
ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
ax.xaxis.set_minor_formatter(NullFormatter())
ax.set_xlabel("seconds (median of 3, log scale)")
ax.set_ylabel("loss / PAM's loss")
ax.set_title("MNIST n = 3,000, k = 10, L2")
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
