"""keras.metrics: stateful metrics, as Keras 3 has them.

A metric keeps variables (``add_variable``) that ``update_state(y_true, y_pred,
sample_weight=None)`` accumulates batch after batch; ``result()`` reads the value so far and
``reset_state()`` starts again (fit resets them every epoch). Most built-ins are a running,
weighted mean of a per-sample function: Σ w·f(y_true, y_pred) / Σ w (``MeanMetricWrapper``).
Metrics need no gradients, so they compute on NumPy; a custom metric may use ``keras.ops``.

Names resolve as in Keras' ``compile``: ``"accuracy"``/``"acc"`` become binary, sparse
categorical or categorical accuracy from the shapes of y_true and y_pred (``get_metric``);
``"mse"``, ``"mae"``, ``"auc"``, class names and their snake_case names name the classes.

Example::

    m = keras.metrics.Mean()
    m.update_state([1.0, 3.0], sample_weight=[1.0, 3.0])
    m.result()   # 2.5
"""

from __future__ import annotations

import numpy as np

from . import loss_functions as L
from .layers import _snake, unique_name
from .losses import check_options


def _numpy(x, dtype=None) -> np.ndarray:
    """Tensors, variables, lists and arrays as a NumPy array (float32 for Python floats)."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        x = x.detach().numpy()
    array = np.asarray(x)
    if dtype is not None:
        return array.astype(dtype)
    return array.astype(np.float32) if array.dtype == np.float64 else array


def _same_rank(x1: np.ndarray, x2: np.ndarray, expand_rank_1: bool = True):
    """Keras' squeeze_or_expand_to_same_rank on arrays."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


class Variable:
    """A metric's state: a NumPy array changed in place by ``assign``/``assign_add``/
    ``assign_sub``; reads like an array (``np.asarray(v)``, ``float(v)``, ``v + 1``)."""

    def __init__(self, value, dtype="float32", name: str | None = None) -> None:
        self._value = np.array(value, dtype=dtype)
        self.name = name

    @property
    def value(self) -> np.ndarray:
        return self._value

    @property
    def shape(self) -> tuple:
        return self._value.shape

    @property
    def dtype(self):
        return self._value.dtype

    def numpy(self) -> np.ndarray:
        return self._value.copy()

    def assign(self, value) -> Variable:
        self._value[...] = _numpy(value)
        return self

    def assign_add(self, value) -> Variable:
        self._value += _numpy(value).astype(self._value.dtype)
        return self

    def assign_sub(self, value) -> Variable:
        self._value -= _numpy(value).astype(self._value.dtype)
        return self

    def __array__(self, dtype=None, copy=None):
        return self._value.astype(dtype) if dtype is not None else self._value

    def __float__(self) -> float:
        return float(self._value)

    def __getitem__(self, index):
        return self._value[index]

    def __add__(self, other): return self._value + _numpy(other)
    def __radd__(self, other): return _numpy(other) + self._value
    def __sub__(self, other): return self._value - _numpy(other)
    def __rsub__(self, other): return _numpy(other) - self._value
    def __mul__(self, other): return self._value * _numpy(other)
    def __rmul__(self, other): return _numpy(other) * self._value
    def __truediv__(self, other): return self._value / _numpy(other)
    def __rtruediv__(self, other): return _numpy(other) / self._value
    def __neg__(self): return -self._value

    def __repr__(self) -> str:
        return f"<Variable name={self.name}, value={self._value}>"


def _initial(initializer, shape, dtype) -> np.ndarray:
    if initializer is None or initializer in ("zeros", "Zeros"):
        return np.zeros(shape, dtype)
    if initializer in ("ones", "Ones"):
        return np.ones(shape, dtype)
    if isinstance(initializer, (int, float)):
        return np.full(shape, initializer, dtype)
    if callable(initializer):
        return _numpy(initializer(shape, dtype=dtype), dtype)
    raise ValueError(f"add_variable: initializer must be 'zeros', 'ones', a number or a "
                     f"callable (shape, dtype) -> array; got {initializer!r}")


class Metric:
    """Base class: define ``update_state`` and ``result``, keep state in ``add_variable``.

    ``reset_state`` (called by fit at each epoch's start) sets every variable to zeros unless
    overridden. ``metric(y_true, y_pred)`` updates and returns the result.
    """

    def __init__(self, dtype=None, name=None) -> None:
        self.name = name or unique_name(_snake(type(self).__name__))
        self.dtype = dtype or "float32"
        self._variables: list[Variable] = []

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A new state variable of ``shape`` filled by ``initializer``."""
        if aggregation not in ("none", "mean", "sum", "only_first_replica"):
            raise ValueError(f"add_variable: aggregation must be 'none', 'mean', 'sum' or "
                             f"'only_first_replica', got {aggregation!r}")
        shape = tuple(shape)
        dtype = dtype or self.dtype
        variable = Variable(_initial(initializer, shape, dtype), dtype, name)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list:
        return list(self._variables)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: a Metric subclass must define "
                                  f"update_state(self, y_true, y_pred, sample_weight=None)")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__}: a Metric subclass must define "
                                  f"result(self)")

    def reset_state(self) -> None:
        for variable in self._variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _samplewise(values: np.ndarray, sample_weight, reduce=np.mean):
    """Keras' reduce_to_samplewise_values: values and weights brought to one value per
    sample (``reduce``, the mean or the sum, over the trailing axes), the weights multiplied
    in."""
    if sample_weight is not None:
        sample_weight = _numpy(sample_weight, np.float32)
        values, sample_weight = _same_rank(values, sample_weight)
        if values.ndim > sample_weight.ndim:
            values = reduce(values, axis=tuple(range(sample_weight.ndim, values.ndim)))
        sample_weight = np.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if sample_weight.ndim > 1:
            sample_weight = reduce(sample_weight, axis=tuple(range(1, sample_weight.ndim)))
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The running (weighted) sum: total += Σ values · sample_weight."""

    def __init__(self, name="sum", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None) -> None:
        values, _ = _samplewise(_numpy(values, np.float32), sample_weight, np.sum)
        self.total.assign_add(values.sum())

    def result(self):
        return self.total.numpy()


class Mean(Metric):
    """The running weighted mean: Σ values · w / Σ w (w = 1 per sample by default)."""

    def __init__(self, name="mean", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None) -> None:
        values, sample_weight = _samplewise(_numpy(values, np.float32), sample_weight)
        self.total.assign_add(values.sum())
        if sample_weight is None:
            self.count.assign_add(values.shape[0] if values.ndim else 1)
        else:
            self.count.assign_add(sample_weight.sum())

    def result(self):
        count = float(self.count)
        return np.float32(float(self.total) / count if count else 0.0)


class MeanMetricWrapper(Mean):
    """The running weighted mean of ``fn(y_true, y_pred, **options)``, one value per sample."""

    def __init__(self, fn, name=None, dtype=None, **options) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"),
                         dtype=dtype)
        check_options(self.name, fn, options)
        self._fn, self._fn_kwargs = fn, options

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        values = _numpy(self._fn(y_true, y_pred, **self._fn_kwargs), np.float32)
        ignore = self._fn_kwargs.get("ignore_class")
        if ignore is not None and sample_weight is not None:
            # as Keras: ignored labels add 0 to the sum; they leave the count only when
            # weights are given (unweighted, Keras divides by all the samples)
            keep = (_numpy(y_true).reshape(values.shape) != ignore).astype(np.float32)
            sample_weight = keep * _numpy(sample_weight, np.float32).reshape(values.shape)
        super().update_state(values, sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}


# ----- accuracy functions: 1.0 where the prediction is right, per sample ---------------------
def accuracy(y_true, y_pred) -> np.ndarray:
    """y_true == y_pred, elementwise."""
    y_pred = _numpy(y_pred)
    y_true, y_pred = _same_rank(_numpy(y_true).astype(y_pred.dtype), y_pred)
    return (y_true == y_pred).astype(np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5) -> np.ndarray:
    """y_true == (y_pred > threshold), elementwise."""
    y_true, y_pred = _same_rank(_numpy(y_true), _numpy(y_pred))
    return (y_true == (y_pred > threshold).astype(y_true.dtype)).astype(np.float32)


def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """argmax(y_true) == argmax(y_pred), per sample (one-hot targets)."""
    return (_numpy(y_true).argmax(-1) == _numpy(y_pred).argmax(-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """label == argmax(y_pred), per sample (integer labels; a trailing size-1 axis dropped)."""
    y_true, y_pred = _numpy(y_true), _numpy(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    matches = (y_true == y_pred.argmax(-1).astype(y_true.dtype)).astype(np.float32)
    return matches[..., 0] if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _in_top_k(labels: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """Whether each label's score is at least the k-th largest (ties count, as in Keras)."""
    y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    labels = labels.reshape(-1).astype(np.int64)
    kth = -np.sort(-y_pred, axis=-1)[:, min(k, y_pred.shape[-1]) - 1]
    return (y_pred[np.arange(len(labels)), labels] >= kth).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5) -> np.ndarray:
    """Whether argmax(y_true) is among the k highest predictions, per sample."""
    y_true = _numpy(y_true).argmax(-1)
    return _in_top_k(y_true, _numpy(y_pred), k).reshape(y_true.shape)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Whether the integer label is among the k highest predictions, per sample (with
    ``from_sorted_ids``, y_pred already holds each row's class ids, best first)."""
    y_true, y_pred = _numpy(y_true), _numpy(y_pred)
    if from_sorted_ids:
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        found = (ids == y_true.reshape(-1, 1).astype(ids.dtype)).any(-1)
        return found.astype(np.float32).reshape(y_true.shape)
    return _in_top_k(y_true, y_pred, k).reshape(y_true.shape)


class Accuracy(MeanMetricWrapper):
    """How often y_pred equals y_true (exactly)."""

    def __init__(self, name="accuracy", dtype=None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) equals y_true."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5) -> None:
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) equals argmax(y_true) (one-hot targets)."""

    def __init__(self, name="categorical_accuracy", dtype=None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) equals the integer label."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the k highest predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None) -> None:
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the k highest predictions."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False) -> None:
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k, self.from_sorted_ids = k, from_sorted_ids


from .metrics_confusion import AUC, Precision, Recall  # noqa: E402  (they subclass Metric)
from .metrics_regression import (  # noqa: E402
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
    SparseCategoricalCrossentropy,
)


def _all_classes() -> dict:
    classes = [Accuracy, AUC, BinaryAccuracy, BinaryCrossentropy, CategoricalAccuracy,
               CategoricalCrossentropy, KLDivergence, Mean, MeanAbsoluteError,
               MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError,
               Precision, Recall, RootMeanSquaredError, SparseCategoricalAccuracy,
               SparseCategoricalCrossentropy, SparseTopKCategoricalAccuracy, Sum,
               TopKCategoricalAccuracy]
    names = {cls.__name__: cls for cls in classes}
    names.update({_snake(cls.__name__): cls for cls in classes})
    for alias, cls in (("bce", BinaryCrossentropy), ("mse", MeanSquaredError),
                       ("mae", MeanAbsoluteError), ("mape", MeanAbsolutePercentageError),
                       ("msle", MeanSquaredLogarithmicError)):
        names[alias] = names[alias.upper()] = cls
    return names


def get(identifier):
    """Keras' ``keras.metrics.get``: a new metric for a class name, its snake_case or an alias
    ("mse", "mae", "auc", "Precision"), the object itself for a Metric or a function.
    ("accuracy" depends on the data: compile resolves it, see ``compile_utils``.)"""
    if isinstance(identifier, Metric) or (callable(identifier) and
                                          not isinstance(identifier, type)):
        return identifier
    classes = _all_classes()
    if isinstance(identifier, str) and identifier in classes:
        return classes[identifier]()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    names = ", ".join(sorted(n for n in classes if n[0].islower()))
    raise ValueError(f"unknown metric {identifier!r}; use 'accuracy', one of {names}, a "
                     f"keras.metrics object or a function metric(y_true, y_pred)")

mse = mean_squared_error = L.mean_squared_error
mae = mean_absolute_error = L.mean_absolute_error
binary_crossentropy = L.binary_crossentropy
categorical_crossentropy = L.categorical_crossentropy
sparse_categorical_crossentropy = L.sparse_categorical_crossentropy

__all__ = ["AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
           "CategoricalCrossentropy", "KLDivergence", "Mean", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanMetricWrapper", "MeanSquaredError",
           "MeanSquaredLogarithmicError", "Metric", "Precision", "Recall",
           "RootMeanSquaredError", "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
           "SparseTopKCategoricalAccuracy", "Sum", "TopKCategoricalAccuracy", "Variable",
           "accuracy", "binary_accuracy", "categorical_accuracy", "get",
           "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
           "top_k_categorical_accuracy"]
