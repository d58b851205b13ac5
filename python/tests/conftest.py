"""Shared fixtures: the bundled data sets of the repository's data/ folder."""

import gzip
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def mnist_100() -> np.ndarray:
    return np.loadtxt(DATA / "mnist-100.csv", delimiter=",")


@pytest.fixture(scope="session")
def mnist() -> np.ndarray:
    """The 10,000 MNIST test digits, float32 in [0, 1]."""
    with gzip.open(DATA / "mnist-t10k-images-idx3-ubyte.gz") as f:
        pixels = np.frombuffer(f.read()[16:], dtype=np.uint8)
    return pixels.reshape(-1, 784).astype(np.float32) / 255.0
