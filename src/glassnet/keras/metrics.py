"""Metrics as running means over the epoch's batches (weighted by batch size), on NumPy.

``'accuracy'`` is resolved as Keras does: binary accuracy for one output unit or binary
crossentropy, sparse categorical accuracy for integer labels, categorical accuracy for one-hot
targets.
"""

from __future__ import annotations

import numpy as np


class Mean:
    """A running, sample-weighted mean."""

    def __init__(self, name: str) -> None:
        self.name, self.total, self.count = name, 0.0, 0

    def update(self, value: float, weight: int) -> None:
        self.total += float(value) * weight
        self.count += weight

    def result(self) -> float:
        return self.total / max(self.count, 1)

    def reset(self) -> None:
        self.total, self.count = 0.0, 0


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> np.ndarray:
    y_true = y_true.reshape(y_pred.shape) if y_true.size == y_pred.size else y_true
    return ((y_pred > threshold) == (y_true > 0.5)).mean(axis=-1)


def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    return (y_pred.argmax(axis=-1) == y_true.reshape(-1).astype(np.int64)).astype(np.float32)


def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    return (y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)).astype(np.float32)


def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    return np.abs(y_pred - y_true.reshape(y_pred.shape)).mean(axis=-1)


def mean_squared_error(y_true, y_pred) -> np.ndarray:
    return ((y_pred - y_true.reshape(y_pred.shape)) ** 2).mean(axis=-1)


FUNCTIONS = {"binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
             "sparse_categorical_accuracy": sparse_categorical_accuracy,
             "mae": mean_absolute_error, "mean_absolute_error": mean_absolute_error,
             "mse": mean_squared_error, "mean_squared_error": mean_squared_error}


def resolve(name: str, loss_name: str, y_true: np.ndarray, y_pred: np.ndarray):
    """The function behind a metric name; 'accuracy' depends on the loss and shapes."""
    if name in ("accuracy", "acc"):
        if loss_name == "binary_crossentropy" or y_pred.shape[-1] == 1:
            return binary_accuracy
        if loss_name == "sparse_categorical_crossentropy" or y_true.ndim < y_pred.ndim or \
                (y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1):
            return sparse_categorical_accuracy
        return categorical_accuracy
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    raise ValueError(f"unknown metric {name!r}; use accuracy, mae or mse")
