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
    """Integer labels → one-hot rows, as Keras 3 makes them: 2 → [0., 0., 1., ...].

    A trailing axis of size 1 is replaced by the classes ((N, 1) → (N, num_classes), as
    ``cifar10.load_data()`` labels need); ``num_classes`` defaults to max(label) + 1. The rows
    are float64 like Keras' (``fit`` uses them as float32).
    """
    labels = np.array(x, dtype="int64")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    classes = int(labels.max()) + 1 if not num_classes and labels.size else int(num_classes or 0)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"to_categorical: labels must be in [0, {classes - 1}] for "
                         f"num_classes={classes}, found {labels.min()}..{labels.max()}; pass "
                         f"the right num_classes or shift the labels to start at 0")
    categorical = np.zeros((labels.size, classes))
    categorical[np.arange(labels.size), labels] = 1
    return categorical.reshape(shape + (classes,))
