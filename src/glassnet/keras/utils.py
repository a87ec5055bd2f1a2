"""keras.utils: seeds, one-hot labels and PyDataset (batches by index, for fit)."""

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


class PyDataset:
    """Keras 3's base for a dataset of *batches*: subclass it with ``__len__`` (the number of
    batches) and ``__getitem__(index)`` returning ``(x, y)`` or ``(x, y, sample_weight)`` (or
    ``x`` alone for predict); ``fit``/``evaluate``/``predict`` take it as ``x``, and ``fit``
    calls ``on_epoch_begin``/``on_epoch_end`` around every epoch (shuffle there if you wish).

    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are Keras' arguments, kept so
    Keras code runs; glassnet loads the batches one after another in the training process (for
    parallel loading, use a glassnet DataLoader with ``num_workers``).

    Example::

        class Squares(keras.utils.PyDataset):
            def __len__(self): return 4
            def __getitem__(self, i):
                x = np.full((8, 1), i, "float32")
                return x, x ** 2
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self) -> int:
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self) -> bool:
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self) -> int:
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}: a PyDataset must define "
                                  f"__getitem__(self, index) returning one batch")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__}: a PyDataset must define "
                                  f"__len__(self), the number of batches")

    @property
    def num_batches(self):
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called before every epoch of fit."""

    def on_epoch_end(self) -> None:
        """Called after every epoch of fit."""


Sequence = PyDataset  # Keras 3 keeps the old name as an alias
