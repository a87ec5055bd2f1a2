"""Fused kernels for layers and losses: one node each, forward beside backward.

Fusing pays where a composition would make several big temporaries (linear = matmul + bias,
softmax + cross-entropy, batch/layer norm) and where a single formula is more stable
(log-softmax inside cross-entropy, log-sigmoid inside BCE-with-logits).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _threads
from ..autograd.function import Function


class Linear(Function):
    """y = x Wᵀ + b; dL/dx = g W, dL/dW = gᵀ x, dL/db = Σ_batch g."""

    node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        if x.ndim == 2:
            out = _threads.matmul(x, weight.T)
        else:
            out = x @ weight.T
        if bias is not None:
            out += bias
        ctx.save_for_backward(x, weight)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        need_x, need_w, need_b = (ctx.needs_input_grad + (False,))[:3]
        g2 = grad.reshape(-1, grad.shape[-1])
        gx = None
        if need_x:
            gx = _threads.matmul(grad, weight) if grad.ndim == 2 else grad @ weight
        gw = _threads.matmul(g2.T, x.reshape(-1, x.shape[-1])) if need_w else None
        gb = g2.sum(axis=0) if need_b else None
        return gx, gw, gb


class Dense(Function):
    """y = x K + b with Keras' kernel layout K (in_features, out_features): Linear with
    W = Kᵀ, so dL/dK = (dL/dW)ᵀ."""

    @staticmethod
    def forward(ctx, x, kernel, bias=None):
        return Linear.forward(ctx, x, kernel.T, bias)

    @staticmethod
    def backward(ctx, grad):
        gx, gw, gb = Linear.backward(ctx, grad)
        return gx, (None if gw is None else gw.T), gb


class Dropout(Function):
    """y = x·m/(1-p), m ~ Bernoulli(1-p) per element: survivors are scaled up so the mean
    activation is unchanged (inverted dropout); the gradient flows through the same mask.
    With ``mask_shape`` (e.g. (N, C, 1, 1) for dropout2d) one draw is broadcast over the
    remaining dims, so whole channels are dropped together."""

    @staticmethod
    def forward(ctx, x, p, rng, mask_shape=None):
        keep = rng.random(x.shape if mask_shape is None else mask_shape, dtype=np.float32) >= p
        scale = np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
        mask = keep * scale
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0]


def _norm_backward(grad_xhat, xhat, inv_std, axes, count):
    """dL/dx for x̂ = (x - mean)/std with batch statistics, given dL/dx̂:
    (1/n)·inv_std·(n·dx̂ - Σdx̂ - x̂·Σ(dx̂·x̂)), sums over the normalised axes."""
    total = grad_xhat.sum(axis=axes, keepdims=True)
    dot = (grad_xhat * xhat).sum(axis=axes, keepdims=True)
    return (inv_std / count) * (count * grad_xhat - total - xhat * dot)


class BatchNorm(Function):
    """y = γ·(x - μ)/√(σ² + ε) + β, with μ, σ² per feature over the batch (training) or the
    running estimates (evaluation). Input (N, C) or (N, C, L); γ, β, running stats have size C.

    In training, the running estimates (when given) move toward the batch's in place:
    r ← (1 - momentum)·r + momentum·batch, with the unbiased batch variance (PyTorch) or the
    biased one (Keras, ``unbiased=False``).
    """

    node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, eps, training, momentum=0.1,
                unbiased=True):
        axes = (0,) if x.ndim == 2 else (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if training:
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True)
            if running_mean is not None:
                _move_toward(running_mean, running_var, mean, var, momentum,
                             x.size // x.shape[1], unbiased)
        else:
            mean, var = running_mean.reshape(shape), running_var.reshape(shape)
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = (x - mean) * inv_std
        ctx.save_for_backward(xhat, inv_std, weight)
        ctx.axes, ctx.shape, ctx.training = axes, shape, training
        out = xhat if weight is None else xhat * weight.reshape(shape)
        return out if bias is None else out + bias.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        xhat, inv_std, weight = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        axes, shape = ctx.axes, ctx.shape
        grad_xhat = grad if weight is None else grad * weight.reshape(shape)
        gx = None
        if need_x:
            if ctx.training:
                count = grad.size // grad.shape[1]
                gx = _norm_backward(grad_xhat, xhat, inv_std, axes, count)
            else:
                gx = grad_xhat * inv_std
        gw = (grad * xhat).sum(axis=axes) if need_w else None
        gb = grad.sum(axis=axes) if need_b else None
        return gx, gw, gb


def _move_toward(running_mean, running_var, mean, var, momentum, count, unbiased) -> None:
    running_mean *= 1 - momentum
    running_mean += momentum * mean.reshape(-1)
    if unbiased:
        var = var * (count / (count - 1)) if count > 1 else var * 0
    running_var *= 1 - momentum
    running_var += momentum * var.reshape(-1)


class LayerNorm(Function):
    """y = γ·(x - μ)/√(σ² + ε) + β with μ, σ² over the last dims of each example (biased σ²)."""

    node_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, normalized_ndim, eps):
        axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = (x - mean) * inv_std
        ctx.save_for_backward(xhat, inv_std, weight)
        ctx.axes = axes
        out = xhat if weight is None else xhat * weight
        return out if bias is None else out + bias

    @staticmethod
    def backward(ctx, grad):
        xhat, inv_std, weight = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        axes = ctx.axes
        batch_axes = tuple(range(grad.ndim - len(axes)))
        grad_xhat = grad if weight is None else grad * weight
        count = int(np.prod([grad.shape[a] for a in axes]))
        gx = _norm_backward(grad_xhat, xhat, inv_std, axes, count) if need_x else None
        gw = (grad * xhat).sum(axis=batch_axes) if need_w else None
        gb = grad.sum(axis=batch_axes) if need_b else None
        return gx, gw, gb


def _reduce(loss, reduction, denominator=None):
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    return total / (loss.size if denominator is None else denominator)


def _reduce_grad(grad, shape, reduction, denominator=None):
    """The upstream gradient spread over the per-element losses it was reduced from."""
    if reduction == "none":
        return grad
    n = math.prod(shape) if denominator is None else denominator
    return np.broadcast_to(grad / n if reduction == "mean" else grad, shape)


class CrossEntropy(Function):
    """Softmax and cross-entropy in one: loss = -Σ_c q_c·log softmax(z)_c, per row.

    q is the one-hot target (class indices) or the given probabilities, with class weights
    and label smoothing folded in. Because log-softmax is computed as (z - max) - log Σ e^(z -
    max), logits of any size stay finite. The gradient is softmax(z)·Σq - q: for a plain
    one-hot target that is the famous "prediction minus truth", ŷ - y.
    """

    node_name = "CrossEntropyLossBackward0"

    @staticmethod
    def forward(ctx, logits, target, weight=None, ignore_index=-100, reduction="mean",
                label_smoothing=0.0):
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sums = exp.sum(axis=1, keepdims=True)
        log_probs = shifted - np.log(sums)
        probs = exp / sums
        ctx.reduction = reduction
        # the plain case saves the class indices, the others the target matrix q
        ctx.plain = (target.ndim == 1 and weight is None and label_smoothing == 0.0
                     and not np.any(target == ignore_index))
        if ctx.plain:
            rows = np.arange(len(target))
            loss = -log_probs[rows, target]
            ctx.save_for_backward(probs, target)
            ctx.denominator = None
            return _reduce(loss, reduction)
        q, denominator = _target_weights(target, logits.shape[1], weight, ignore_index,
                                         label_smoothing, logits.dtype)
        ctx.save_for_backward(probs, q)
        ctx.denominator = denominator
        return _reduce(-(q * log_probs).sum(axis=1), reduction, denominator)

    @staticmethod
    def backward(ctx, grad):
        probs, target = ctx.saved
        n = probs.shape[0]
        if ctx.reduction == "none":
            scale = grad
        else:  # one number for every row: the upstream gradient, divided by n for the mean
            denominator = n if ctx.denominator is None else ctx.denominator
            scale = grad / denominator if ctx.reduction == "mean" else grad
        if ctx.plain:
            out = probs.copy()
            out[np.arange(n), target] -= 1
        else:
            out = probs * target.sum(axis=1, keepdims=True) - target
        out *= np.asarray(scale, dtype=probs.dtype)[:, None] if np.ndim(scale) else scale
        return out


def _target_weights(target, classes, weight, ignore_index, smoothing, dtype):
    """The matrix q of CrossEntropy's docstring, and the 'mean' reduction's denominator."""
    w = np.ones(classes, dtype=dtype) if weight is None else weight.astype(dtype)
    if target.ndim == 2:  # class probabilities
        q = target.astype(dtype) * (1 - smoothing) + smoothing / classes
        return q * w, target.shape[0]
    n = target.shape[0]
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    q = np.zeros((n, classes), dtype=dtype)
    q[np.arange(n), safe] = (1 - smoothing) * w[safe]
    if smoothing:
        q += (smoothing / classes) * w
    q[~keep] = 0
    return q, float(w[safe][keep].sum())


class NllLoss(Function):
    """loss = -w_y·input[y] per row, for inputs that already are log-probabilities."""

    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
        n, classes = log_probs.shape
        w = np.ones(classes, dtype=log_probs.dtype) if weight is None else weight
        keep = target != ignore_index
        safe = np.where(keep, target, 0)
        row_weight = np.where(keep, w[safe], 0).astype(log_probs.dtype)
        ctx.save_for_backward(safe, row_weight)
        ctx.reduction = reduction
        ctx.denominator = float(row_weight.sum())
        ctx.shape = log_probs.shape
        loss = -row_weight * log_probs[np.arange(n), safe]
        return _reduce(loss, reduction, ctx.denominator)

    @staticmethod
    def backward(ctx, grad):
        safe, row_weight = ctx.saved
        n = ctx.shape[0]
        scale = _reduce_grad(grad, (n,), ctx.reduction, ctx.denominator)
        out = np.zeros(ctx.shape, dtype=row_weight.dtype)
        out[np.arange(n), safe] = -row_weight * scale
        return out


class MseLoss(Function):
    """loss = (x - y)²; d/dx = 2(x - y)."""

    @staticmethod
    def forward(ctx, x, y, reduction="mean"):
        diff = x - y
        ctx.save_for_backward(diff)
        ctx.reduction = reduction
        return _reduce(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        diff = ctx.saved[0]
        g = 2 * diff * _reduce_grad(grad, diff.shape, ctx.reduction)
        return g, -g


class L1Loss(Function):
    """loss = |x - y|; d/dx = sign(x - y)."""

    node_name = "L1LossBackward0"

    @staticmethod
    def forward(ctx, x, y, reduction="mean"):
        diff = x - y
        ctx.save_for_backward(diff)
        ctx.reduction = reduction
        return _reduce(np.abs(diff), reduction)

    @staticmethod
    def backward(ctx, grad):
        diff = ctx.saved[0]
        g = np.sign(diff) * _reduce_grad(grad, diff.shape, ctx.reduction)
        return g, -g


class HuberLoss(Function):
    """loss = ½d² where |d| ≤ δ, else δ(|d| - ½δ), d = x - y; d/dx = clip(d, -δ, δ)."""

    @staticmethod
    def forward(ctx, x, y, reduction="mean", delta=1.0):
        diff = x - y
        absolute = np.abs(diff)
        loss = np.where(absolute <= delta, 0.5 * diff * diff, delta * (absolute - 0.5 * delta))
        ctx.save_for_backward(diff)
        ctx.reduction, ctx.delta = reduction, delta
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        diff = ctx.saved[0]
        g = np.clip(diff, -ctx.delta, ctx.delta) * _reduce_grad(grad, diff.shape, ctx.reduction)
        return g, -g


class BinaryCrossEntropy(Function):
    """loss = -w[y·ln p + (1-y)·ln(1-p)], each log clamped at -100 as PyTorch does;
    d/dp = w(p - y) / max(p(1-p), 1e-12)."""

    node_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, p, y, weight=None, reduction="mean"):
        log_p = np.maximum(np.log(p), -100)
        log_1mp = np.maximum(np.log1p(-p), -100)
        loss = -(y * log_p + (1 - y) * log_1mp)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(p, y)
        ctx.weight, ctx.reduction = weight, reduction
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        p, y = ctx.saved
        g = (p - y) / np.maximum(p * (1 - p), 1e-12)
        if ctx.weight is not None:
            g = g * ctx.weight
        spread = _reduce_grad(grad, np.broadcast_shapes(p.shape, y.shape), ctx.reduction)
        gy = None
        if ctx.needs_input_grad[1]:  # d/dy = ln(1-p) - ln p
            gy = (np.maximum(np.log1p(-p), -100) - np.maximum(np.log(p), -100)) * spread
            if ctx.weight is not None:
                gy = gy * ctx.weight
        return g * spread, gy


class BinaryCrossEntropyWithLogits(Function):
    """BCE on logits x with σ folded in: loss = (1-y)x + (1 + (pw-1)y)·(ln(1 + e^-|x|) +
    max(-x, 0)), never overflowing; d/dx = σ(x)(pw·y + 1 - y) - pw·y (pw = pos_weight, 1 by
    default, so d/dx = σ(x) - y)."""

    node_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(ctx, x, y, weight=None, pos_weight=None, reduction="mean"):
        log_sigmoid_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # = -ln σ(x)
        if pos_weight is None:
            loss = (1 - y) * x + log_sigmoid_neg
        else:
            loss = (1 - y) * x + (1 + (pos_weight - 1) * y) * log_sigmoid_neg
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, y)
        ctx.weight, ctx.pos_weight, ctx.reduction = weight, pos_weight, reduction
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        sig = 0.5 * (1 + np.tanh(0.5 * x))
        pw = 1 if ctx.pos_weight is None else ctx.pos_weight
        g = sig * (pw * y + 1 - y) - pw * y
        if ctx.weight is not None:
            g = g * ctx.weight
        g = g * _reduce_grad(grad, np.broadcast_shapes(x.shape, y.shape), ctx.reduction)
        return g, None


class SmoothL1Loss(Function):
    """loss = ½d²/β where |d| < β, else |d| - ½β, d = x - y (Huber's loss divided by β; plain
    |d| when β = 0); d/dx = clip(d/β, -1, 1), or sign(d) when β = 0."""

    @staticmethod
    def forward(ctx, x, y, reduction="mean", beta=1.0):
        diff = x - y
        absolute = np.abs(diff)
        loss = absolute if beta == 0 else np.where(absolute < beta, 0.5 * diff * diff / beta,
                                                   absolute - 0.5 * beta)
        ctx.save_for_backward(diff)
        ctx.reduction, ctx.beta = reduction, beta
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        diff = ctx.saved[0]
        slope = np.sign(diff) if ctx.beta == 0 else np.clip(diff / ctx.beta, -1, 1)
        g = slope * _reduce_grad(grad, diff.shape, ctx.reduction)
        return g, -g


class KlDiv(Function):
    """Kullback-Leibler divergence of the target distribution t from the model's, given as
    log-probabilities x: loss = t·(ln t - x) (0 where t = 0); with ``log_target`` t comes as
    ln t and loss = eᵗ·(t - x). d/dx = -t (or -eᵗ); d/dt = ln t + 1 - x (or eᵗ·(t - x + 1)).
    ``denominator`` divides the sum for 'mean' (the element count) and 'batchmean' (the batch)."""

    node_name = "KlDivBackward0"

    @staticmethod
    def forward(ctx, x, t, reduction="mean", log_target=False, denominator=None):
        # ln t only where t > 0: elsewhere t·ln t is 0 by its limit (xlogy in PyTorch)
        log_t = t if log_target else np.log(np.where(t > 0, t, 1))
        weight = np.exp(t) if log_target else t
        ctx.save_for_backward(x, log_t, weight)
        ctx.reduction, ctx.log_target, ctx.denominator = reduction, log_target, denominator
        return _reduce(weight * (log_t - x), reduction, denominator)

    @staticmethod
    def backward(ctx, grad):
        x, log_t, weight = ctx.saved
        spread = _reduce_grad(grad, x.shape, ctx.reduction, ctx.denominator)
        gx = -weight * spread if ctx.needs_input_grad[0] else None
        gt = None
        if ctx.needs_input_grad[1] and ctx.log_target:
            gt = weight * (log_t - x + 1) * spread
        elif ctx.needs_input_grad[1]:
            gt = (np.where(weight > 0, log_t + 1, 0) - x) * spread
        return gx, gt
