"""Regression and probabilistic metrics: running weighted means of the loss functions
(mean squared error, cross-entropies, ...) per sample, as Keras 3's regression_metrics and
probabilistic_metrics; RootMeanSquaredError is the root of the running mean squared error."""

from __future__ import annotations

import numpy as np

from . import loss_functions as L
from .metrics import Mean, MeanMetricWrapper, _numpy, _same_rank


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of mean((y_true - y_pred)²) per sample."""

    def __init__(self, name="mean_squared_error", dtype=None) -> None:
        super().__init__(L.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of mean(|y_true - y_pred|) per sample."""

    def __init__(self, name="mean_absolute_error", dtype=None) -> None:
        super().__init__(L.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Running mean of 100 · mean(|y_true - y_pred| / |y_true|) per sample."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None) -> None:
        super().__init__(L.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Running mean of mean((log(1 + y_pred) - log(1 + y_true))²) per sample."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None) -> None:
        super().__init__(L.mean_squared_logarithmic_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt(Σ w·(y_pred - y_true)² / Σ w): the root of the running mean squared error."""

    def __init__(self, name="root_mean_squared_error", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _same_rank(_numpy(y_true, np.float32), _numpy(y_pred, np.float32))
        super().update_state(np.square(y_pred - y_true), sample_weight)

    def result(self):
        return np.float32(np.sqrt(super().result()))


class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of the binary cross-entropy per sample."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0) -> None:
        super().__init__(L.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of the categorical cross-entropy per sample."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1) -> None:
        super().__init__(L.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of the sparse categorical cross-entropy per sample."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1) -> None:
        super().__init__(L.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)


class KLDivergence(MeanMetricWrapper):
    """Running mean of Σ y_true · log(y_true / y_pred) per sample."""

    def __init__(self, name="kl_divergence", dtype=None) -> None:
        super().__init__(L.kl_divergence, name=name, dtype=dtype)
