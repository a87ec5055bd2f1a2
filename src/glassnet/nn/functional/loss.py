"""Losses as functions. Each checks its inputs first: a mistake that PyTorch would turn into a
silently wrong number raises here, naming both shapes (or the bad values) and the fix."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ...advice import Advice, check_logits
from ...errors import ShapeError
from ...ops import fused as N
from ...ops.methods import _t, _vector_norm, minimum, where
from ...tensor import Tensor
from .activation import softplus

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


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """Mean squared error: mean of (input - target)²."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _pairwise(N.MseLoss, input, target, reduction, "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """Mean absolute error: mean of |input - target|."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _pairwise(N.L1Loss, input, target, reduction, "l1_loss")


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    """Squared error for small errors (|d| ≤ δ), linear beyond: robust to outliers."""
    return _pairwise(N.HuberLoss, input, target, reduction, "huber_loss", delta=delta)


def _array(x):
    return None if x is None else _t(x)._data


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean"):
    """-[y·ln p + (1-y)·ln(1-p)] for probabilities p (apply sigmoid first)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
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


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None):
    """Sigmoid and binary cross-entropy in one stable formula, on raw logits."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
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
    # the arrays' plain shape tuples: this runs every training step, and Tensor.shape builds
    # a Size each time it is read
    shape, target_shape = input._data.shape, target._data.shape
    classes = shape[1] if len(shape) > 1 else shape[0]
    expected = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    if target._data.dtype.kind == "f":
        if target_shape == shape:
            return  # class probabilities
        raise TypeError(
            f"{name}: class-index targets must be integers, got {target.dtype} with shape "
            f"{tuple(target.shape)}. Use target.long(); or, for class probabilities, pass a "
            f"float target with the input's shape {tuple(input.shape)}."
        )
    if target._data.dtype.kind not in "iu":
        raise TypeError(f"{name}: targets must be int64 class indices, got {target.dtype}")
    if target_shape != expected:
        raise ShapeError(
            f"{name}: input {tuple(input.shape)} needs class-index targets of shape "
            f"{expected}, got {tuple(target.shape)}"
        )
    labels = target._data
    if labels.size and 0 <= labels.min() and labels.max() < classes:
        return  # every label valid: no need to mask out ignore_index (the common case)
    labels = labels[labels != ignore_index]
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
    reduction = _legacy_reduction(size_average, reduce, reduction)
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
    reduction = _legacy_reduction(size_average, reduce, reduction)
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


# ----- losses on distances and margins --------------------------------------------------------
def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's old ``size_average`` / ``reduce`` flags, translated to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    new = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{new}' instead.", stacklevel=3)
    return new


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0):
    """½d²/β where |d| < β, else |d| - ½β (d = input - target): L1 with a smoothed kink."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}; beta=0 gives l1_loss")
    return _pairwise(N.SmoothL1Loss, input, target, reduction, "smooth_l1_loss", beta=beta)


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False):
    """KL(target ‖ model) = Σ t·(ln t - input) for ``input`` given as log-probabilities.

    ``reduction='batchmean'`` divides the sum by the batch size, which is the mathematical KL
    divergence per example; 'mean' divides by the element count, as PyTorch does.
    Shape: input and target alike; target holds probabilities (or log-probabilities with
    ``log_target=True``).
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got "
                         f"{reduction!r}")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    input, target = _t(input), _t(target)
    _check_same_shape(input, target, "kl_div")
    if target._data.dtype != input._data.dtype:
        target = target.to(input.dtype)
    denominator = None
    if reduction == "batchmean":
        reduction = "mean" if input.ndim else "sum"
        denominator = input.shape[0] if input.ndim else None
    return N.KlDiv.apply(input, target, reduction=reduction, log_target=log_target,
                         denominator=denominator)


def _same_ndim(name: str, **tensors) -> None:
    dims = {key: t.ndim for key, t in tensors.items()}
    if len(set(dims.values())) > 1:
        shapes = ", ".join(f"{key} {tuple(t.shape)}" for key, t in tensors.items())
        raise ShapeError(f"{name}: all inputs must have the same number of dimensions, got "
                         f"{shapes}; reshape them to match (e.g. target.view(-1))")


def margin_ranking_loss(input1, input2, target, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean"):
    """max(0, -y·(x1 - x2) + margin): y = 1 says x1 should rank higher, y = -1 that x2 should."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "margin_ranking_loss")
    input1, input2, target = _t(input1), _t(input2), _t(target)
    _same_ndim("margin_ranking_loss", input1=input1, input2=input2, target=target)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0, size_average=None,
                          reduce=None, reduction: str = "mean"):
    """1 - cos(x1, x2) where y = 1 (pull together), max(0, cos(x1, x2) - margin) where y = -1.

    Shape: input1, input2 (N, D) with target (N,), or (D,) with a 0-d target; y ∈ {1, -1}.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cosine_embedding_loss")
    input1, input2, target = _t(input1), _t(input2), _t(target)
    if target.ndim > 1 or input1.ndim != target.ndim + 1 or input2.ndim != target.ndim + 1:
        raise ShapeError(
            f"cosine_embedding_loss: expected inputs (N, D) with target (N,), or (D,) with a 0-d "
            f"target; got input1 {tuple(input1.shape)}, input2 {tuple(input2.shape)}, target "
            f"{tuple(target.shape)}")
    labels = target._data
    if not np.isin(labels, (1, -1)).all():
        raise ValueError(f"cosine_embedding_loss: target must hold 1 (similar) or -1 "
                         f"(dissimilar), found {np.unique(labels)[:5].tolist()}; map 0 to -1 "
                         f"with target * 2 - 1")
    dim = target.ndim
    # PyTorch's formula, so the numbers agree: cos = Σx1x2 / √((Σx1² + ε)(Σx2² + ε))
    epsilon = 1e-12
    products = (input1 * input2).sum(dim)
    squares1 = (input1 * input1).sum(dim) + epsilon
    squares2 = (input2 * input2).sum(dim) + epsilon
    cos = products / (squares1 * squares2).sqrt()
    loss = where(labels == 1, 1 - cos, (cos - margin).clamp(min=0))
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean"):
    """max(0, d(a, p) - d(a, n) + margin), d the p-norm distance: the anchor should be nearer
    the positive than the negative by ``margin``. ``swap`` uses min(d(a, n), d(p, n)).

    Shape: anchor, positive, negative (N, D) or (D,).
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "triplet_margin_loss")
    anchor, positive, negative = _t(anchor), _t(positive), _t(negative)
    _same_ndim("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    distance_positive = pairwise_distance(anchor, positive, p, eps)
    distance_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        distance_negative = minimum(distance_negative, pairwise_distance(positive, negative, p,
                                                                         eps))
    return _reduce((margin + distance_positive - distance_negative).clamp(min=0), reduction)


# ----- distances -------------------------------------------------------------------------------
def _norm(x: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """(Σ|x|ᵖ)^(1/p) along ``dim``: the one norm op (``VectorNorm``), whose gradient at an
    all-zero vector is 0, as PyTorch's."""
    if p <= 0:
        raise ValueError(f"p-norm: p must be positive or inf, got {p}; use p=2 (Euclidean) or "
                         f"p=1")
    return _vector_norm(x, p, dim, keepdim, "p-norm")


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """x / max(‖x‖_p, eps) along ``dim``: unit-length vectors (eps guards all-zero ones)."""
    input = _t(input)
    result = input / _norm(input, p, dim, True).clamp(min=eps)
    return result if out is None else out.copy_(result.detach())


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """‖x1 - x2 + eps‖_p along the last dimension (eps keeps the norm's gradient finite)."""
    x1, x2 = _t(x1), _t(x2)
    return _norm(x1 - x2 + eps, p, -1, keepdim)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """Σ (x1/max(‖x1‖, eps))·(x2/max(‖x2‖, eps)) along ``dim``: the cosine of the angle."""
    x1, x2 = _t(x1), _t(x2)
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    return ((x1 / _floored_norm(x1, dim, eps)) * (x2 / _floored_norm(x2, dim, eps))).sum(dim)


def _floored_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """‖x‖ raised to at least eps in value, with the gradient of the plain norm: PyTorch clamps
    in place without recording, and the two must agree."""
    norm = _norm(x, 2, dim, True)
    return norm + (norm.clamp(min=eps) - norm).detach()


# ----- more losses --------------------------------------------------------------------------
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """log(1 + e^(-y·x)) per element, y ∈ {1, -1}: a smooth hinge for two classes."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "soft_margin_loss")
    input, target = _t(input), _t(target)
    _check_same_shape(input, target, "soft_margin_loss")
    return _reduce(softplus(-target * input), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean"):
    """Per sample, the mean over the C labels of -(y·log σ(x) + (1 - y)·log σ(-x)) (each label
    times ``weight`` if given): one binary cross-entropy per label."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    input, target = _t(input), _t(target)
    _check_same_shape(input, target, "multilabel_soft_margin_loss")
    per_label = target * softplus(-input) + (1 - target) * softplus(input)
    if weight is not None:
        per_label = per_label * _t(weight)
    return _reduce(per_label.mean(-1), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean"):
    """x where y = 1, max(0, margin - x) where y = -1: distances that should be small or large."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "hinge_embedding_loss")
    input, target = _t(input), _t(target)
    loss = where(target._data == 1, input, 0.0) + where(
        target._data == -1, (margin - input).clamp(min=0), 0.0)
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean"):
    """The Poisson negative log-likelihood of counts y with rate λ: λ - y·log λ, given log λ
    (``log_input``) or λ itself (then log(λ + eps)); ``full`` adds Stirling's log y! term
    y·log y - y + ½·log(2πy) where y > 1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "poisson_nll_loss")
    input, target = _t(input), _t(target)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        y = target._data
        safe = np.where(y > 1, y, 1.0)
        stirling = np.where(y > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe),
                            0.0)
        loss = loss + Tensor._make(stirling.astype(input._data.dtype))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean"):
    """½·(log max(σ², eps) + (x - y)² / max(σ², eps)) (+ ½·log 2π with ``full``): the negative
    log-likelihood of y under N(x, σ²). ``var`` has the input's shape, or one fewer trailing
    dim, or 1 there (one variance for all features). The clamp to eps passes the gradient on
    unchanged, as PyTorch's does."""
    _check_reduction(reduction, "gaussian_nll_loss")
    input, target, var = _t(input), _t(target), _t(var)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var of shape {tuple(var.shape)} does not fit "
                             f"input {tuple(input.shape)}; give it the input's shape, or one "
                             f"fewer trailing dim, or 1 there")
    if (var._data < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    var = var + (var.clamp(min=eps) - var).detach()
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,
                      size_average=None, reduce=None, reduction: str = "mean"):
    """Per sample, Σ over the wrong classes i of max(0, margin - x[y] + x[i])ᵖ, divided by the
    number of classes (each term times weight[y] if given): the multi-class hinge of SVMs."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got {p}")
    input = _t(input)
    x = input if input.ndim == 2 else input.reshape(1, -1)
    labels = np.asarray(_t(target)._data, dtype=np.int64).reshape(-1)
    classes = x.shape[1]
    rows = np.arange(x.shape[0])
    correct = x[rows, labels].unsqueeze(1)
    hinge = (margin - correct + x).clamp(min=0) ** p
    others = np.ones(x.shape, dtype=x._data.dtype)
    others[rows, labels] = 0.0
    terms = hinge * Tensor._make(others)
    if weight is not None:
        terms = terms * _t(weight)[Tensor._make(labels)].unsqueeze(1)
    loss = terms.sum(1) / classes
    return _reduce(loss if input.ndim == 2 else loss.reshape(()), reduction)
