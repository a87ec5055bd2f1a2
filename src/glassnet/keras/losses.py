"""Keras losses by name or object, each with ``from_logits``.

For probability outputs Keras clips predictions into [ε, 1 - ε] (ε = 1e-7) before the log, so
the loss stays finite. When the model's last layer is a softmax (or sigmoid), the trainer goes
one better, as Keras' TensorFlow backend does: it hands the loss the logits before that
activation and uses the fused, exact cross-entropy.
"""

from __future__ import annotations

import numpy as np

from ..nn import functional as F
from ..tensor import Tensor

EPSILON = 1e-7


def _align(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """Keras squeezes or expands a trailing size-1 axis so (N,) targets meet (N, 1) outputs."""
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        return y_true.reshape(*y_pred.shape)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return y_true.reshape(*y_pred.shape)
    return y_true


class Loss:
    """A loss: ``loss(y_true, y_pred)`` → the mean over the batch."""

    name = "loss"
    wants_logits_of = None  # 'softmax' or 'sigmoid': the output activation it can fuse with

    def __init__(self, from_logits: bool = False, name: str | None = None, **kwargs) -> None:
        self.from_logits = from_logits
        self.name = name or self.name

    def __call__(self, y_true, y_pred):
        y_pred = y_pred if isinstance(y_pred, Tensor) else Tensor(y_pred)
        y_true = y_true if isinstance(y_true, Tensor) else Tensor(np.asarray(y_true))
        value = self.call(_align(y_true, y_pred), y_pred)
        # Keras' default reduction, 'sum_over_batch_size': a loss function (or a Loss
        # subclass's call) may return one value per sample; the mean over them is the loss
        return value.mean() if isinstance(value, Tensor) and value.ndim else value

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def from_logits_loss(self, y_true, logits):
        """The same loss on the pre-activation logits (fused and exact)."""
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"from_logits": self.from_logits}


class MeanSquaredError(Loss):
    name = "mean_squared_error"

    def call(self, y_true, y_pred):
        return F.mse_loss(y_pred, y_true.to(y_pred.dtype))


class MeanAbsoluteError(Loss):
    name = "mean_absolute_error"

    def call(self, y_true, y_pred):
        return F.l1_loss(y_pred, y_true.to(y_pred.dtype))


class BinaryCrossentropy(Loss):
    """-[y·log p + (1 - y)·log(1 - p)], averaged."""

    name = "binary_crossentropy"
    wants_logits_of = "sigmoid"

    def call(self, y_true, y_pred):
        y_true = y_true.to(y_pred.dtype)
        if self.from_logits:
            return F.binary_cross_entropy_with_logits(y_pred, y_true)
        p = y_pred.clamp(EPSILON, 1 - EPSILON)
        return -(y_true * p.log() + (1 - y_true) * (1 - p).log()).mean()

    def from_logits_loss(self, y_true, logits):
        return F.binary_cross_entropy_with_logits(logits, _align(y_true, logits).to(
            logits.dtype))


class CategoricalCrossentropy(Loss):
    """-Σ y·log p per example (one-hot or soft targets), averaged."""

    name = "categorical_crossentropy"
    wants_logits_of = "softmax"

    def call(self, y_true, y_pred):
        y_true = y_true.to(y_pred.dtype)
        if self.from_logits:
            return F.cross_entropy(y_pred, y_true)
        p = (y_pred / y_pred.sum(dim=-1, keepdim=True)).clamp(EPSILON, 1 - EPSILON)
        return -(y_true * p.log()).sum(dim=-1).mean()

    def from_logits_loss(self, y_true, logits):
        return F.cross_entropy(logits, y_true.to(logits.dtype))


class SparseCategoricalCrossentropy(Loss):
    """-log p[label] per example, for integer labels, averaged."""

    name = "sparse_categorical_crossentropy"
    wants_logits_of = "softmax"

    def _labels(self, y_true):
        labels = y_true._data.reshape(-1)
        if labels.dtype.kind == "f":
            if not np.all(labels == np.round(labels)):
                raise ValueError("sparse_categorical_crossentropy: labels must be whole "
                                 "numbers (class indices); for one-hot targets use "
                                 "categorical_crossentropy")
        return Tensor._make(labels.astype(np.int64))

    def call(self, y_true, y_pred):
        labels = self._labels(y_true)
        if self.from_logits:
            return F.cross_entropy(y_pred, labels)
        p = y_pred.clamp(EPSILON, 1 - EPSILON)
        return F.nll_loss(p.log(), labels)

    def from_logits_loss(self, y_true, logits):
        return F.cross_entropy(logits, self._labels(y_true))


ALIASES = {
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
CLASSES = {cls.__name__: cls for cls in set(ALIASES.values())}


def get(identifier) -> Loss:
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in ALIASES:
        loss = ALIASES[identifier]()
        loss.alias = identifier
        return loss
    if callable(identifier):
        fn = identifier
        wrapped = Loss(name=getattr(fn, "__name__", "loss"))
        wrapped.call = lambda y_true, y_pred: fn(y_true, y_pred)
        return wrapped
    raise ValueError(f"unknown loss {identifier!r}; use one of {', '.join(ALIASES)} or a "
                     f"keras.losses object")


def serialize(loss: Loss):
    if getattr(loss, "alias", None):
        return loss.alias
    if type(loss).__name__ in CLASSES:
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    return None


def deserialize(config) -> Loss:
    if isinstance(config, str):
        return get(config)
    return CLASSES[config["class_name"]](**config["config"])


def mean_squared_error(y_true, y_pred):
    return MeanSquaredError()(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    return SparseCategoricalCrossentropy(from_logits=from_logits)(y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    return CategoricalCrossentropy(from_logits=from_logits)(y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False):
    return BinaryCrossentropy(from_logits=from_logits)(y_true, y_pred)


mse, mae = mean_squared_error, MeanAbsoluteError()
