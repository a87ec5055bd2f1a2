"""keras.losses: Keras 3's loss functions and classes, written with ``keras.ops``.

A loss *function* ``fn(y_true, y_pred)`` returns one value per sample (the mean or sum over the
last axis). A loss *class* (``keras.losses.Loss``) calls ``call(y_true, y_pred)`` for those values,
multiplies them by ``sample_weight`` and reduces them with ``reduction``:
``"sum_over_batch_size"`` (the default; also ``"mean"``) sums and divides by the number of
values, *not* by the weights' sum (that is ``"mean_with_sample_weight"``); ``"sum"`` sums;
``None``/``"none"`` keeps one value per sample.

For probability outputs Keras clips predictions into [ε, 1 - ε] (ε = 1e-7) before the log, so
the loss stays finite. When the model's last layer is a softmax (or sigmoid), the trainer goes
one better, as Keras' TensorFlow backend does: it hands the loss the logits before that
activation (``loss.on_logits``) and uses the fused, exact cross-entropy.

Example::

    keras.losses.MeanSquaredError()([[0.0], [1.0]], [[0.5], [0.5]])   # tensor(0.2500)
"""

from __future__ import annotations

import inspect

import numpy as np

from ..nn import functional as F
from ..tensor import Tensor
from . import ops
from .layers import _snake, unique_name
from .loss_functions import (
    _float,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
    squeeze_or_expand_to_same_rank,
)

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def reduce_weighted_values(values, sample_weight=None, reduction="sum_over_batch_size",
                           mask=None):
    """values · sample_weight, then summed (``sum``), summed and divided by the number of values
    (``sum_over_batch_size``/``mean``) or by the weights' sum (``mean_with_sample_weight``), or
    left as they are (``None``/``"none"``, and 0-d values). A boolean ``mask`` drops entries;
    for the means it rescales the kept ones so the mean is over them alone, as in Keras."""
    _check_reduction(reduction)
    values = ops.convert_to_tensor(values)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if reduction in ("mean", "sum_over_batch_size"):
            kept = mask.sum()
            mask = np.where(mask, mask.size / kept if kept else 0.0, 0.0)
        mask = ops.convert_to_tensor(mask.astype(np.float32))
        if sample_weight is None:
            sample_weight = mask
        else:
            sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), "float32")
            mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
            sample_weight = sample_weight * mask
    if sample_weight is not None:
        sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    if reduction in (None, "none") or values.ndim == 0 or tuple(values.shape) == (0,):
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = float(ops.convert_to_numpy(sample_weight).sum())
    else:
        divisor = float(values.numel())
    return total / divisor if divisor else total * 0.0


def _check_reduction(reduction) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(map(repr, REDUCTIONS))}; got "
                         f"{reduction!r}. 'sum_over_batch_size' is Keras' default")


class Loss:
    """Base class of Keras losses: subclass it and write ``call(y_true, y_pred)`` returning
    one value per sample; ``loss(y_true, y_pred, sample_weight=None)`` weights and reduces them.

    Args:
        name: shown in logs; defaults to the class name in snake_case.
        reduction: "sum_over_batch_size" (default), "sum", "mean", "mean_with_sample_weight",
            "none" or None.
        dtype: accepted for Keras' signature; glassnet computes losses in float32.
    """

    wants_logits_of = None  # 'softmax' or 'sigmoid': the output activation it can fuse with

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None) -> None:
        _check_reduction(reduction)
        self.name = name or unique_name(_snake(type(self).__name__))
        self.reduction = reduction
        self.dtype = dtype or "float32"

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(_float(y_true), _float(y_pred))
        return reduce_weighted_values(values, sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__}: a Loss subclass must define "
                                  f"call(self, y_true, y_pred) returning per-sample values")

    def on_logits(self, y_true, logits, sample_weight=None):
        """The same loss computed from the logits before the final activation, fused and
        exact; only for losses whose ``wants_logits_of`` names that activation."""
        raise NotImplementedError(f"{type(self).__name__} cannot take logits")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def check_options(owner: str, fn, options: dict) -> None:
    """The keyword options a wrapper will pass to ``fn(y_true, y_pred, **options)`` must be
    arguments of ``fn``: checked when the wrapper is made, so a typo raises there."""
    try:
        inspect.signature(fn).bind(None, None, **options)
    except TypeError as error:
        raise TypeError(f"{owner}: {error}; the options must be arguments of "
                        f"{getattr(fn, '__name__', fn)}") from None
    except ValueError:  # a builtin without a signature: let the call check
        pass


class LossFunctionWrapper(Loss):
    """A Loss around a per-sample function ``fn(y_true, y_pred, **options)``; ``options`` are
    checked against ``fn``'s signature when the wrapper is made, so a typo raises there."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None,
                 **options) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        check_options(self.name, fn, options)
        self.fn, self._fn_kwargs = fn, options

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn.__name__}, kwargs={self._fn_kwargs})>"


class _Crossentropy(LossFunctionWrapper):
    """A cross-entropy class: it can also be computed from the logits before the final
    softmax/sigmoid (``on_logits``), which the trainer uses when the model ends in one."""

    def on_logits(self, y_true, logits, sample_weight=None):
        options = {**self._fn_kwargs, "from_logits": True}
        y_true, y_pred = self._match(_float(y_true), logits)
        return reduce_weighted_values(self.fn(y_true, y_pred, **options), sample_weight,
                                      self.reduction)

    def _match(self, y_true, y_pred):
        return squeeze_or_expand_to_same_rank(y_true, y_pred)

    def call(self, y_true, y_pred):
        y_true, y_pred = self._match(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)


class MeanSquaredError(LossFunctionWrapper):
    """Keras' ``mean_squared_error`` as a Loss: see the function for the formula."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Keras' ``mean_absolute_error`` as a Loss: see the function for the formula."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Keras' ``mean_absolute_percentage_error`` as a Loss: see the function for the formula."""

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name,
                         dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Keras' ``mean_squared_logarithmic_error`` as a Loss: see the function for the formula."""

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name,
                         dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Keras' ``cosine_similarity`` as a Loss: see the function for the formula."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype,
                         axis=axis)


class Huber(LossFunctionWrapper):
    """Keras' ``huber`` as a Loss: see the function for the formula."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Keras' ``log_cosh`` as a Loss: see the function for the formula."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class Hinge(LossFunctionWrapper):
    """Keras' ``hinge`` as a Loss: see the function for the formula."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Keras' ``squared_hinge`` as a Loss: see the function for the formula."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Keras' ``categorical_hinge`` as a Loss: see the function for the formula."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)


class KLDivergence(LossFunctionWrapper):
    """Keras' ``kl_divergence`` as a Loss: see the function for the formula."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Keras' ``poisson`` as a Loss: see the function for the formula."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(_Crossentropy):
    """Keras' ``binary_crossentropy`` as a Loss: see the function for the formula."""
    wants_logits_of = "sigmoid"

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class CategoricalCrossentropy(_Crossentropy):
    """Keras' ``categorical_crossentropy`` as a Loss: see the function for the formula."""
    wants_logits_of = "softmax"

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class SparseCategoricalCrossentropy(_Crossentropy):
    """Keras' ``sparse_categorical_crossentropy`` as a Loss: see the function for the formula."""
    wants_logits_of = "softmax"

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits = from_logits

    def _match(self, y_true, y_pred):  # (N,) labels meet (N, C) outputs as they are
        return y_true, y_pred

    def _mask(self, y_true, y_pred):
        """Where the label is not ``ignore_class`` (None when nothing is ignored)."""
        ignore = self._fn_kwargs["ignore_class"]
        if ignore is None:
            return None
        labels = ops.convert_to_numpy(y_true)
        if labels.ndim == len(y_pred.shape) and labels.shape[-1] == 1:
            labels = labels[..., 0]
        return labels != ignore

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(_float(y_true), _float(y_pred))
        return reduce_weighted_values(values, sample_weight, self.reduction,
                                      self._mask(y_true, y_pred))

    def on_logits(self, y_true, logits, sample_weight=None):
        plain = (sample_weight is None and self._fn_kwargs["ignore_class"] is None and
                 self.reduction in ("sum_over_batch_size", "mean") and logits.ndim == 2 and
                 self._fn_kwargs["axis"] in (-1, 1))
        if plain:  # the common case in one fused op: mean over the batch of -log p[label]
            labels = ops.convert_to_numpy(y_true).reshape(-1)
            if labels.dtype.kind in "iu" and labels.size == logits.shape[0] > 0 and \
                    0 <= labels.min() and labels.max() < logits.shape[1]:
                return F.cross_entropy(logits, Tensor._make(labels.astype(np.int64)))
        values = self.fn(_float(y_true), logits, **{**self._fn_kwargs, "from_logits": True})
        return reduce_weighted_values(values, sample_weight, self.reduction,
                                      self._mask(y_true, logits))


CLASSES = {cls.__name__: cls for cls in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy)}
FUNCTIONS = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, hinge, squared_hinge,
    categorical_hinge, kl_divergence, poisson, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy)}
ALIASES = {"bce": binary_crossentropy, "kld": kl_divergence, "mae": mean_absolute_error,
           "mse": mean_squared_error, "mape": mean_absolute_percentage_error,
           "msle": mean_squared_logarithmic_error}
ALL_OBJECTS = {**CLASSES, **FUNCTIONS, **ALIASES, **{k.upper(): v for k, v in ALIASES.items()}}


def get(identifier):
    """What Keras' ``keras.losses.get`` returns: a loss function for a function name or alias
    (``"mse"`` → mean_squared_error), a new instance for a class name (``"Huber"``), the
    object itself for a Loss or a callable, None for None."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    obj = ALL_OBJECTS.get(identifier) if isinstance(identifier, str) else identifier
    if isinstance(obj, type):
        return obj()
    if callable(obj):
        return obj
    names = ", ".join(sorted(n for n in ALL_OBJECTS if n[0].islower()))
    raise ValueError(f"unknown loss {identifier!r}; use one of {names}, a keras.losses "
                     f"class, or a function loss(y_true, y_pred)")


def as_loss(identifier) -> Loss:
    """A Loss object for compile: functions are wrapped (named after the string given, as
    Keras names them); Loss objects are used as they are."""
    loss = get(identifier)
    if isinstance(loss, Loss):
        return loss
    name = identifier if isinstance(identifier, str) else getattr(loss, "__name__", None)
    fn_name = getattr(loss, "__name__", None)
    if fn_name in FUNCTIONS and FUNCTIONS[fn_name] is loss:
        cls = {"binary_crossentropy": BinaryCrossentropy,
               "categorical_crossentropy": CategoricalCrossentropy,
               "sparse_categorical_crossentropy": SparseCategoricalCrossentropy}.get(fn_name)
        if cls is not None:  # the class, so the trainer can fuse it with a final softmax
            wrapped = cls(name=name)
            wrapped.alias = identifier if isinstance(identifier, str) else fn_name
            return wrapped
    wrapped = LossFunctionWrapper(loss, name=name)
    if fn_name in FUNCTIONS:
        wrapped.alias = identifier if isinstance(identifier, str) else fn_name
    return wrapped


def serialize(loss):
    """A string (for losses given by name) or Keras' {module, class_name, config} dict;
    None for custom losses glassnet cannot name."""
    if getattr(loss, "alias", None):
        return loss.alias
    if isinstance(loss, str):
        return loss
    if getattr(loss, "__name__", None) in FUNCTIONS:
        return loss.__name__
    if type(loss).__name__ in CLASSES and type(loss) is not LossFunctionWrapper:
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    return None


def deserialize(name, custom_objects=None):
    """The inverse of ``serialize``: a name, or a {class_name, config} dict of a built-in;
    ``custom_objects`` maps other class or function names to them."""
    config = name
    if custom_objects and isinstance(config, (str, dict)):
        key = config if isinstance(config, str) else config.get("class_name")
        if key in custom_objects:
            found = custom_objects[key]
            if isinstance(config, dict) and isinstance(found, type):
                return found.from_config(config.get("config", {})) if hasattr(
                    found, "from_config") else found(**config.get("config", {}))
            return found() if isinstance(found, type) else found
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name")
    if name not in CLASSES or name in ("Loss", "LossFunctionWrapper"):
        raise ValueError(f"deserialize: unknown loss class {name!r}; glassnet rebuilds only "
                         f"its built-in losses ({', '.join(sorted(CLASSES))})")
    return CLASSES[name].from_config(config.get("config", {}))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
logcosh = log_cosh

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "CategoricalHinge",
           "CosineSimilarity", "Hinge", "Huber", "KLDivergence", "LogCosh", "Loss",
           "LossFunctionWrapper", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson",
           "SparseCategoricalCrossentropy", "SquaredHinge", "binary_crossentropy",
           "categorical_crossentropy", "categorical_hinge", "cosine_similarity",
           "deserialize", "get", "hinge", "huber", "kl_divergence", "log_cosh",
           "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
           "mean_squared_logarithmic_error", "poisson", "serialize",
           "sparse_categorical_crossentropy", "squared_hinge"]
