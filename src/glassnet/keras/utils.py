"""keras.utils: seeds and one-hot labels."""

from __future__ import annotations

import random

import numpy as np

from ..random import manual_seed


def set_random_seed(seed: int) -> None:
    """Seed Python's, NumPy's and glassnet's random numbers at once (weights, dropout,
    shuffling)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    manual_seed(seed)


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """Integer labels → one-hot float32 rows: 2 → [0, 0, 1, ...]."""
    labels = np.asarray(x, dtype=np.int64)
    shape = labels.shape[:-1] if labels.ndim > 1 and labels.shape[-1] == 1 else labels.shape
    labels = labels.reshape(-1)
    classes = int(labels.max()) + 1 if num_classes is None else num_classes
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"to_categorical: labels must be in [0, {classes - 1}], found "
                         f"{labels.min()}..{labels.max()}")
    return np.eye(classes, dtype=np.float32)[labels].reshape(*shape, classes)
