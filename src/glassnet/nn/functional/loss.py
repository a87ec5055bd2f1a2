"""Losses as functions. Each checks its inputs first: a mistake that PyTorch would turn into a
silently wrong number raises here, naming both shapes (or the bad values) and the fix."""

from __future__ import annotations

import numpy as np

from ...advice import Advice, check_logits
from ...errors import ShapeError
from ...ops import fused as N
from ...ops.methods import _t
from ...tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_same_shape(input: Tensor, target: Tensor, name: str) -> None:
    a, b = tuple(input.shape), tuple(target.shape)
    if a == b:
        return
    try:
        combined = np.broadcast_shapes(a, b)
        consequence = (f"they would broadcast to {combined} and silently compute the wrong "
                       f"loss")
    except ValueError:
        consequence = "they cannot be compared element by element"
    raise ShapeError(
        f"{name}: input shape {a} and target shape {b} differ; {consequence}. Make them the "
        f"same, e.g. target.view({', '.join(map(str, a))}) or input.squeeze()."
    )


def _pairwise(function, input, target, reduction, name, **extra):
    input, target = _t(input), _t(target)
    _check_reduction(reduction, name)
    _check_same_shape(input, target, name)
    if target._data.dtype != input._data.dtype and input._data.dtype.kind == "f":
        target = target.to(input.dtype)
    return function.apply(input, target, reduction=reduction, **extra)


def mse_loss(input, target, reduction: str = "mean"):
    """Mean squared error: mean of (input - target)²."""
    return _pairwise(N.MseLoss, input, target, reduction, "mse_loss")


def l1_loss(input, target, reduction: str = "mean"):
    """Mean absolute error: mean of |input - target|."""
    return _pairwise(N.L1Loss, input, target, reduction, "l1_loss")


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    """Squared error for small errors (|d| ≤ δ), linear beyond: robust to outliers."""
    return _pairwise(N.HuberLoss, input, target, reduction, "huber_loss", delta=delta)


def _array(x):
    return None if x is None else _t(x)._data


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean"):
    """-[y·ln p + (1-y)·ln(1-p)] for probabilities p (apply sigmoid first)."""
    input, target = _t(input), _t(target)
    _check_reduction(reduction, "binary_cross_entropy")
    _check_same_shape(input, target, "binary_cross_entropy")
    p = input._data
    if p.size and (p.min() < 0 or p.max() > 1 or np.isnan(p).any()):
        raise ValueError(
            f"binary_cross_entropy: input must hold probabilities in [0, 1], found values from "
            f"{np.nanmin(p):.4g} to {np.nanmax(p):.4g}. Apply sigmoid to the model's output "
            f"first, or use BCEWithLogitsLoss on the raw logits (more stable)."
        )
    return N.BinaryCrossEntropy.apply(input, target.to(input.dtype), weight=_array(weight),
                                      reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean",
                                     pos_weight=None):
    """Sigmoid and binary cross-entropy in one stable formula, on raw logits."""
    input, target = _t(input), _t(target)
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    return N.BinaryCrossEntropyWithLogits.apply(
        input, target.to(input.dtype), weight=_array(weight), pos_weight=_array(pos_weight),
        reduction=reduction)


def _classes_last(input: Tensor, target: Tensor):
    """(N, C, d1, ...) logits and targets → rows of C classes, as the fused kernels expect."""
    if input.ndim == 1:
        return input.unsqueeze(0), target.reshape(1, *target.shape), ()
    if input.ndim == 2:
        return input, target, None
    spatial = tuple(input.shape[2:])
    moved = input.permute(0, *range(2, input.ndim), 1).reshape(-1, input.shape[1])
    if target.ndim == input.ndim:  # probabilities, same layout as input
        target = target.permute(0, *range(2, input.ndim), 1).reshape(-1, input.shape[1])
    else:
        target = target.reshape(-1)
    return moved, target, (input.shape[0],) + spatial


def _check_class_targets(input: Tensor, target: Tensor, name: str, ignore_index: int) -> None:
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    expected = (input.shape[0],) + tuple(input.shape[2:]) if input.ndim > 1 else ()
    if target._data.dtype.kind == "f":
        if tuple(target.shape) == tuple(input.shape):
            return  # class probabilities
        raise TypeError(
            f"{name}: class-index targets must be integers, got {target.dtype} with shape "
            f"{tuple(target.shape)}. Use target.long(); or, for class probabilities, pass a "
            f"float target with the input's shape {tuple(input.shape)}."
        )
    if target._data.dtype.kind not in "iu":
        raise TypeError(f"{name}: targets must be int64 class indices, got {target.dtype}")
    if tuple(target.shape) != expected:
        raise ShapeError(
            f"{name}: input {tuple(input.shape)} needs class-index targets of shape "
            f"{expected}, got {tuple(target.shape)}"
        )
    labels = target._data[target._data != ignore_index]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels.max() if labels.max() >= classes else labels.min()
        raise IndexError(
            f"{name}: target labels must be in [0, {classes - 1}] for {classes} classes, found "
            f"{bad}. Check that the last layer has one output per class and that the labels "
            f"are 0-based."
        )


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0):
    """Cross-entropy of softmax(input) against class indices or class probabilities.

    In words: how surprised the model is by the true label, -log of the probability it gave
    the right class, averaged. Pass raw logits: softmax is applied inside, stably.
    Shape: input (N, C) or (C,) or (N, C, d1, ...); target (N,) int64, or probabilities shaped
    like the input.
    """
    input, target = _t(input), _t(target)
    _check_reduction(reduction, "cross_entropy")
    _check_class_targets(input, target, "cross_entropy", ignore_index)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    logits, rows, out_shape = _classes_last(input, target)
    if Advice.enabled:
        check_logits(logits._data)
    loss = N.CrossEntropy.apply(logits, rows._data, weight=_array(weight),
                                ignore_index=ignore_index, reduction=reduction,
                                label_smoothing=label_smoothing)
    if reduction == "none" and out_shape is not None:
        loss = loss.reshape(*out_shape)
    return loss


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean"):
    """Negative log-likelihood of class indices, for inputs that are already log-probabilities."""
    input, target = _t(input), _t(target)
    _check_reduction(reduction, "nll_loss")
    if target._data.dtype.kind == "f":
        raise TypeError(f"nll_loss: targets must be int64 class indices, got {target.dtype}; "
                        f"use target.long()")
    _check_class_targets(input, target, "nll_loss", ignore_index)
    log_probs, rows, out_shape = _classes_last(input, target)
    loss = N.NllLoss.apply(log_probs, rows._data, weight=_array(weight),
                           ignore_index=ignore_index, reduction=reduction)
    if reduction == "none" and out_shape is not None:
        loss = loss.reshape(*out_shape)
    return loss
