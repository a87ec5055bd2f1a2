"""Keras 3's per-sample loss functions, written with ``keras.ops`` (so they train).

Each ``fn(y_true, y_pred)`` returns one value per sample: the mean (or sum) over the last axis.
``keras.losses`` wraps each in a Loss class that weights and reduces these values.
"""

from __future__ import annotations

from ..nn import functional as F
from ..tensor import Tensor
from . import ops

EPSILON = 1e-7


def _float(x) -> Tensor:
    """Keras' Loss.__call__ converts both sides to float32 (floatx) first."""
    x = ops.convert_to_tensor(x)
    return x if x.dtype.is_floating_point else ops.cast(x, "float32")


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Keras' rule: when the ranks differ by one and the longer one ends in a size-1 axis,
    squeeze that axis (or, for a rank-1 partner, expand the partner)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)²) over the last axis."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 · mean(|y_true - y_pred| / max(|y_true|, ε)) over the last axis."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), EPSILON))
    return 100.0 * ops.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(1 + max(y_pred, ε)) - log(1 + max(y_true, ε)))²) over the last axis."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    first = ops.log(ops.maximum(y_pred, EPSILON) + 1.0)
    second = ops.log(ops.maximum(y_true, EPSILON) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def _l2_normalize(x, axis):
    return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12))


def cosine_similarity(y_true, y_pred, axis=-1):
    """-Σ normalize(y_true) · normalize(y_pred): -1 when they point the same way."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    return -ops.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    """mean over the last axis of ½e² where |e| ≤ delta, else delta·|e| - ½delta²
    (e = y_pred - y_true)."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    error = y_pred - y_true
    size = ops.abs(error)
    return ops.mean(ops.where(size <= delta, 0.5 * ops.square(error),
                              delta * size - 0.5 * delta * delta), axis=-1)


def _softplus(x):
    """log(1 + eˣ), written so large |x| neither overflows nor loses precision."""
    return ops.maximum(x, 0.0) + ops.log1p(ops.exp(-ops.abs(x)))


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis, as x + softplus(-2x) - log 2."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    x = y_pred - y_true
    return ops.mean(x + _softplus(-2.0 * x) - 0.6931471805599453, axis=-1)


def _hinge_labels(y_true):
    """Keras maps {0, 1} labels to {-1, 1}; labels already in {-1, 1} stay."""
    values = ops.convert_to_numpy(y_true)
    is_binary = ((values == 0) | (values == 1)).all()
    return 2.0 * y_true - 1.0 if is_binary else y_true


def hinge(y_true, y_pred):
    """mean(max(1 - y_true·y_pred, 0)) over the last axis (labels in {-1, 1} or {0, 1})."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    return ops.mean(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true·y_pred, 0)²) over the last axis."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    return ops.mean(ops.square(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)),
                    axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(neg - pos + 1, 0) with pos = Σ y_true·y_pred and neg = max((1 - y_true)·y_pred)."""
    y_true, y_pred = _float(y_true), _float(y_pred)
    positive = ops.sum(y_true * y_pred, axis=-1)
    negative = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(negative - positive + 1.0, 0.0)


def kl_divergence(y_true, y_pred):
    """Σ y_true · log(y_true / y_pred) over the last axis, both clipped into [ε, 1]."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    y_true, y_pred = ops.clip(y_true, EPSILON, 1.0), ops.clip(y_pred, EPSILON, 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true · log(y_pred + ε)) over the last axis."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    return ops.mean(y_pred - y_true * ops.log(y_pred + EPSILON), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over ``axis`` of -[y·log p + (1 - y)·log(1 - p)], p clipped into [ε, 1 - ε]
    (or the exact, fused form on logits); label_smoothing moves y towards ½."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_float(y_true), _float(y_pred))
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        values = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        p = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
        values = -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
    return ops.mean(values, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-Σ y · log p over ``axis`` (one-hot or soft targets), p = y_pred / Σ y_pred clipped into
    [ε, 1 - ε], or log_softmax of the logits; label_smoothing spreads that much mass evenly."""
    y_true, y_pred = _float(y_true), _float(y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"categorical_crossentropy: y_true and y_pred must have the same "
                         f"shape, got {tuple(y_true.shape)} and {tuple(y_pred.shape)}; for "
                         f"integer labels use sparse_categorical_crossentropy")
    if label_smoothing:
        classes = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    if from_logits:
        log_p = ops.log_softmax(y_pred, axis=axis)
    else:
        p = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
        log_p = ops.log(ops.clip(p, EPSILON, 1.0 - EPSILON))
    return -ops.sum(y_true * log_p, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """-log p[label] per sample for integer labels (a trailing size-1 axis on the labels is
    dropped); samples whose label is ``ignore_class`` count 0."""
    y_true, y_pred = ops.convert_to_tensor(y_true), _float(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    labels = ops.convert_to_numpy(y_true)
    if labels.dtype.kind == "f" and not (labels == labels.round()).all():
        raise ValueError("sparse_categorical_crossentropy: labels must be whole numbers "
                         "(class indices); for one-hot targets use categorical_crossentropy")
    labels = labels.astype("int64")
    keep = None
    if ignore_class is not None:
        keep = labels != ignore_class
        labels = labels * keep
    if labels.size and (labels.min() < 0 or labels.max() >= y_pred.shape[axis]):
        raise ValueError(f"sparse_categorical_crossentropy: labels must be in [0, "
                         f"{y_pred.shape[axis] - 1}] for {y_pred.shape[axis]} classes, found "
                         f"{labels.min()}..{labels.max()}; check the last layer's units")
    if from_logits and y_pred.ndim == 2 and axis in (-1, 1):
        values = F.cross_entropy(y_pred, Tensor._make(labels), reduction="none")
    else:
        if from_logits:
            log_p = ops.log_softmax(y_pred, axis=axis)
        else:
            p = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
            log_p = ops.log(ops.clip(p, EPSILON, 1.0 - EPSILON))
        index = ops.expand_dims(Tensor._make(labels), axis)
        values = -ops.squeeze(ops.take_along_axis(log_p, index, axis=axis), axis)
    return values if keep is None else values * Tensor._make(keep.astype("float32"))


# ----- the classes ---------------------------------------------------------------------------
