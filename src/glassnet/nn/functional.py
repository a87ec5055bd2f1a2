"""Functional forms of layers, activations and losses (PyTorch's torch.nn.functional).

The modules in ``glassnet.nn`` hold parameters and call these. Losses check their inputs first:
a mistake that PyTorch would turn into a silently wrong number raises here, naming both shapes
(or the bad values) and the fix.
"""

from __future__ import annotations

import numpy as np

from ..advice import Advice, check_logits
from ..errors import ShapeError
from ..ops import activation as A
from ..ops import nn as N
from ..ops.methods import _t, log_softmax, relu, sigmoid, softmax, tanh
from ..random import rng
from ..tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


# ----- activations ----------------------------------------------------------------------------
def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """x for x > 0, else negative_slope·x."""
    return A.LeakyRelu.apply(_t(input), negative_slope)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    """x for x > 0, else α(eˣ - 1)."""
    return A.Elu.apply(_t(input), alpha)


def gelu(input, approximate: str = "none"):
    """x·Φ(x), Φ the standard normal CDF (``approximate='tanh'`` for the fast form)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return A.Gelu.apply(_t(input), approximate)


def heaviside(input, values: float = 0.0):
    """The perceptron's step: 1 where x > 0, else 0 (``values`` at exactly 0)."""
    return A.Heaviside.apply(_t(input), values)


# ----- layers ---------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """y = x Wᵀ + b, one fused node (weight has shape (out_features, in_features))."""
    x = _t(input)
    if x._data.shape[-1] != weight._data.shape[-1]:
        raise ShapeError(
            f"linear: input has {x._data.shape[-1]} features (shape {tuple(x.shape)}) but the "
            f"layer expects {weight._data.shape[-1]} (weight {tuple(weight.shape)}); flatten "
            f"the input or fix in_features"
        )
    if bias is None:
        return N.Linear.apply(x, weight)
    return N.Linear.apply(x, weight, bias)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator=None):
    """Zero each element with probability p and scale the rest by 1/(1-p); identity when not
    training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    return N.Dropout.apply(_t(input), p, rng(generator))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each feature over the batch (training) or with the running statistics.

    In training, the running statistics move toward the batch's: r ← (1 - momentum)·r +
    momentum·batch, with the unbiased batch variance, as PyTorch does.
    """
    x = _t(input)
    if training and x._data.size // x._data.shape[1] <= 1:
        raise ValueError(
            f"batch_norm: training needs more than one value per feature, got input of shape "
            f"{tuple(x.shape)}; use a batch larger than 1, or call model.eval() for inference"
        )
    rm = None if running_mean is None else running_mean._data
    rv = None if running_var is None else running_var._data
    return N.BatchNorm.apply(x, weight, bias, rm, rv, eps, training or rm is None, momentum)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise each example over its last ``len(normalized_shape)`` dims."""
    x = _t(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(x.shape[-len(shape):]) != shape:
        raise ShapeError(
            f"layer_norm: normalized_shape {shape} must match the input's last dims, got input "
            f"{tuple(x.shape)}"
        )
    return N.LayerNorm.apply(x, weight, bias, len(shape), eps)


def one_hot(tensor, num_classes: int = -1):
    """Class indices (N,) → a (N, num_classes) int64 matrix with a 1 in each row."""
    labels = _t(tensor)._data
    classes = int(labels.max()) + 1 if num_classes < 0 else num_classes
    return Tensor._make(np.eye(classes, dtype=np.int64)[labels])


# ----- losses -----------------------------------------------------------------------------
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


__all__ = [
    "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "dropout", "elu", "gelu", "heaviside", "huber_loss", "l1_loss", "layer_norm", "leaky_relu",
    "linear", "log_softmax", "mse_loss", "nll_loss", "one_hot", "relu", "sigmoid", "softmax",
    "tanh",
]
