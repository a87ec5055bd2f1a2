"""Differentiable backward rules for the fused losses and norms of ``fused.py`` and ``nn_ops.py``
(double backward; see ``glassnet/autograd/double_backward.py``).

Where a fused op did not keep an input, the rule joins a *proxy* to that input's graph: a value
with the same derivative. Softmax-cross-entropy keeps the probabilities p: log p differs from
the logits by a constant per row, which softmax does not see, so softmax(log p) has the logits'
Jacobian. The regression losses keep d = x - y: it is rebuilt as d - 0, each term joined to its
own input. The norms keep x̂ and 1/σ: x̂/σ⁻¹ = x - μ is a proxy for x (normalising ignores a
shift), and σ is recomputed from it with the constant ε' = σ² - var(x - μ), so both its value
and its derivative are the forward's.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..autograd.double_backward import constant, linear_map, operand, rule
from . import activation as A
from . import elementwise as E
from . import fused as F
from . import linalg as L
from . import nn_ops as N
from . import shape as S
from .shape_grad_rules import _IndexAdd


def _need(ctx, i: int) -> bool:
    return i < len(ctx.needs_input_grad) and ctx.needs_input_grad[i]


def _pad(ctx, *grads) -> tuple:
    """One gradient per input: None for those that get none (targets, weights, options)."""
    return grads + (None,) * (len(ctx.next_functions) - len(grads))


def _per_element(grad, shape: tuple, reduction: str, denominator=None):
    """The loss's upstream gradient spread over the per-element losses it was reduced from."""
    if reduction == "none":
        return grad
    n = int(np.prod(shape)) if denominator is None else denominator
    return grad / n if reduction == "mean" else grad


def _difference(ctx, diff_array):
    """x - y as a Tensor joined to both inputs (the value forward saved, minus 0)."""
    return operand(ctx, 0, diff_array) - operand(ctx, 1, np.zeros_like(diff_array))


# ----- classification -------------------------------------------------------------------------
@rule(F.CrossEntropy)
def cross_entropy(ctx, grad):
    """dL/dlogits = (softmax(z)·Σq - q)·g per row, softmax(z) recorded from a proxy of z."""
    probs, target = ctx.saved
    n = probs.shape[0]
    with np.errstate(divide="ignore"):
        logits = operand(ctx, 0, np.log(probs))
    softmax = A.Softmax.apply(logits, 1)
    if ctx.plain:
        q = np.zeros_like(probs)
        q[np.arange(n), target] = 1
        mass = 1.0
    else:
        q, mass = target, constant(target.sum(axis=1, keepdims=True), grad)
    scale = _per_element(grad, (n,), ctx.reduction, ctx.denominator)
    scale = scale.reshape(-1, 1) if ctx.reduction == "none" else scale
    return _pad(ctx, (softmax * mass - constant(q, grad)) * scale)


@rule(F.NllLoss)
def nll_loss(ctx, grad):
    """dL/dinput = -w_y·g at each row's target class, 0 elsewhere (linear in the input)."""
    safe, row_weight = ctx.saved
    n = ctx.shape[0]
    picked = np.zeros(ctx.shape, dtype=row_weight.dtype)
    picked[np.arange(n), safe] = -row_weight
    scale = _per_element(grad, (n,), ctx.reduction, ctx.denominator)
    scale = scale.reshape(-1, 1) if ctx.reduction == "none" else scale
    return _pad(ctx, scale * constant(picked, grad))


@rule(F.BinaryCrossEntropy)
def binary_cross_entropy(ctx, grad):
    """dL/dp = w(p - y)/max(p(1-p), 1e-12)·g, dL/dy = w(ln(1-p) - ln p)·g (logs clamped)."""
    p_array, y_array = ctx.saved
    p, y = operand(ctx, 0, p_array), operand(ctx, 1, y_array)
    shape = np.broadcast_shapes(np.shape(p_array), np.shape(y_array))
    spread = _per_element(grad, shape, ctx.reduction)
    if ctx.weight is not None:
        spread = spread * constant(ctx.weight, grad)
    gp = gy = None
    if _need(ctx, 0):
        gp = (p - y) / E.Clamp.apply(p * (1.0 - p), 1e-12, None) * spread
    if _need(ctx, 1):
        log_1mp = E.Clamp.apply(E.Log1p.apply(-p), -100.0, None)
        gy = (log_1mp - E.Clamp.apply(E.Log.apply(p), -100.0, None)) * spread
    return _pad(ctx, gp, gy)


@rule(F.BinaryCrossEntropyWithLogits)
def binary_cross_entropy_with_logits(ctx, grad):
    """dL/dx = (σ(x)(pw·y + 1 - y) - pw·y)·w·g (pw = pos_weight)."""
    x_array, y_array = ctx.saved
    x, y = operand(ctx, 0, x_array), operand(ctx, 1, y_array)
    pw = 1.0 if ctx.pos_weight is None else constant(ctx.pos_weight, grad)
    g = A.Sigmoid.apply(x) * (y * pw + 1.0 - y) - y * pw
    if ctx.weight is not None:
        g = g * constant(ctx.weight, grad)
    shape = np.broadcast_shapes(np.shape(x_array), np.shape(y_array))
    return _pad(ctx, g * _per_element(grad, shape, ctx.reduction), None)


@rule(F.KlDiv)
def kl_div(ctx, grad):
    """dL/dx = -t·g (or -eᵗ·g); dL/dt = (ln t + 1 - x)·g (or eᵗ(t - x + 1)·g)."""
    x_array, log_t_array, weight_array = ctx.saved
    x = operand(ctx, 0, x_array)
    spread = _per_element(grad, x_array.shape, ctx.reduction, ctx.denominator)
    if ctx.log_target:
        t = operand(ctx, 1, log_t_array)
        weight = E.Exp.apply(t)
    else:
        weight = t = operand(ctx, 1, weight_array)
    gx = -weight * spread if _need(ctx, 0) else None
    gt = None
    if _need(ctx, 1) and ctx.log_target:
        gt = weight * (t - x + 1.0) * spread
    elif _need(ctx, 1):
        positive = weight_array > 0
        log_t = E.Log.apply(E.Where.apply(positive, t, constant(1.0, grad)))
        gt = (E.Where.apply(positive, log_t + 1.0, constant(0.0, grad)) - x) * spread
    return _pad(ctx, gx, gt)


# ----- regression -----------------------------------------------------------------------------
def _symmetric(ctx, g) -> tuple:
    return _pad(ctx, g if _need(ctx, 0) else None, -g if _need(ctx, 1) else None)


@rule(F.MseLoss)
def mse_loss(ctx, grad):
    """dL/dx = 2(x - y)·g and dL/dy = -2(x - y)·g."""
    diff_array = ctx.saved[0]
    spread = _per_element(grad, diff_array.shape, ctx.reduction)
    return _symmetric(ctx, _difference(ctx, diff_array) * spread * 2.0)


@rule(F.L1Loss)
def l1_loss(ctx, grad):
    """dL/dx = sign(x - y)·g (sign constant away from 0)."""
    diff_array = ctx.saved[0]
    spread = _per_element(grad, diff_array.shape, ctx.reduction)
    return _symmetric(ctx, spread * constant(np.sign(diff_array), grad))


@rule(F.HuberLoss)
def huber_loss(ctx, grad):
    """dL/dx = clip(x - y, -δ, δ)·g."""
    diff_array = ctx.saved[0]
    slope = E.Clamp.apply(_difference(ctx, diff_array), -ctx.delta, ctx.delta)
    return _symmetric(ctx, slope * _per_element(grad, diff_array.shape, ctx.reduction))


@rule(F.SmoothL1Loss)
def smooth_l1_loss(ctx, grad):
    """dL/dx = clip((x - y)/β, -1, 1)·g, or sign(x - y)·g when β = 0."""
    diff_array = ctx.saved[0]
    if ctx.beta == 0:
        slope = constant(np.sign(diff_array), grad)
    else:
        slope = E.Clamp.apply(_difference(ctx, diff_array) / ctx.beta, -1.0, 1.0)
    return _symmetric(ctx, slope * _per_element(grad, diff_array.shape, ctx.reduction))


# ----- masks and lookups ----------------------------------------------------------------------
@rule(F.Dropout, N.AlphaDropout)
def dropout(ctx, grad):
    """dL/dx = g·mask, the forward's (scaled) mask: a constant."""
    return _pad(ctx, grad * constant(ctx.saved[0], grad))


@rule(N.Embedding)
def embedding(ctx, grad):
    """dL/dW[r] = Σ g over the positions holding index r (a linear map of g; its transpose
    reads each position's row back)."""
    frozen = SimpleNamespace(**vars(ctx))
    (indices,) = ctx.saved
    flat = indices.reshape(-1)
    scale = np.ones(flat.size)
    if ctx.scale_grad_by_freq:
        scale = 1.0 / np.bincount(flat, minlength=ctx.num_embeddings)[flat]
    if ctx.padding_idx is not None:
        scale = scale * (flat != ctx.padding_idx)

    def read_rows(v):
        rows = v[flat] * scale[:, None].astype(v.dtype)
        return rows.reshape(indices.shape + (v.shape[-1],))

    gw = linear_map(grad, lambda g: N.Embedding.backward(frozen, g)[0], read_rows)
    return _pad(ctx, gw)


@rule(N.EmbeddingBag)
def embedding_bag(ctx, grad):
    """dL/dW[i] += s_i·dL/dy[b] (/count for 'mean', /frequency with scale_grad_by_freq), or for
    'max' dL/dy[b, d] to the row that won dimension d; dL/ds_i = dL/dy[b]·W[i]."""
    indices, bag_of, counts, winners, samples_array, weight_array = ctx.saved
    keep = bag_of >= 0
    kept_indices, kept_bags = indices[keep], bag_of[keep]
    shape = (ctx.num_embeddings, grad.shape[1])
    grad_weight = grad_samples = None
    if _need(ctx, 0) and ctx.mode == "max":
        if winners is None:  # no row in any bag: the gradient is zero whatever g is
            grad_weight = grad.new_zeros(shape)
        else:
            columns = np.broadcast_to(np.arange(grad.shape[1]), winners.shape)
            grad_weight = _IndexAdd.apply(S.Index.apply(grad, counts > 0), (winners, columns),
                                          shape)
    elif _need(ctx, 0):
        rows = S.Index.apply(grad, kept_bags)
        scale = np.ones(len(kept_bags), dtype=grad._data.dtype)
        if ctx.mode == "mean":
            scale = scale / counts[kept_bags]
        if ctx.scale_grad_by_freq:
            scale = scale / np.bincount(indices, minlength=ctx.num_embeddings)[kept_indices]
        rows = rows * constant(scale[:, None], grad)
        if samples_array is not None:
            samples = operand(ctx, 3, samples_array)
            rows = rows * S.Index.apply(samples, keep).unsqueeze(1)
        grad_weight = _IndexAdd.apply(rows, kept_indices, shape)
    if _need(ctx, 3):
        weight = operand(ctx, 0, weight_array)
        picked = (S.Index.apply(grad, kept_bags) * S.Index.apply(weight, kept_indices)).sum(dim=1)
        grad_samples = _IndexAdd.apply(picked, keep, tuple(indices.shape))
    return _pad(ctx, grad_weight, None, None, grad_samples)


@rule(N.Bilinear)
def bilinear(ctx, grad):
    """dL/dx1 = Σ_k g_k A_k x2, dL/dx2 = Σ_k g_k A_kᵀ x1, dL/dA_k = Σ g_k x1 x2ᵀ, dL/db = Σ g."""
    flat1_array, flat2_array, weight_array = ctx.saved
    shape1, shape2 = ctx.input_shapes[:2]
    x1 = operand(ctx, 0, flat1_array.reshape(shape1)).reshape(flat1_array.shape)
    x2 = operand(ctx, 1, flat2_array.reshape(shape2)).reshape(flat2_array.shape)
    weight = operand(ctx, 2, weight_array)
    out_features, in1, in2 = weight_array.shape
    g = grad.reshape(-1, out_features)
    gx1 = gx2 = gw = gb = None
    if _need(ctx, 0):
        outer = (g.unsqueeze(2) * x2.unsqueeze(1)).reshape(-1, out_features * in2)
        matrix = weight.permute(0, 2, 1).reshape(out_features * in2, in1)
        gx1 = L.Matmul.apply(outer, matrix).reshape(tuple(shape1))
    if _need(ctx, 1) or _need(ctx, 2):
        outer = (g.unsqueeze(2) * x1.unsqueeze(1)).reshape(-1, out_features * in1)
        if _need(ctx, 1):
            matrix = weight.reshape(out_features * in1, in2)
            gx2 = L.Matmul.apply(outer, matrix).reshape(tuple(shape2))
        if _need(ctx, 2):
            gw = L.Matmul.apply(outer.transpose(0, 1), x2).reshape(tuple(weight_array.shape))
    if _need(ctx, 3):
        gb = g.sum(dim=0)
    return _pad(ctx, gx1, gx2, gw, gb)


# ----- normalisation --------------------------------------------------------------------------
def _normalised(ctx, xhat, inv_std, axes, grouped=None):
    """(x̂, 1/σ) as Tensors of x, from the proxy x - μ = x̂/σ⁻¹ (see the module docstring);
    ``grouped`` is the shape the statistics are taken in (group norm's (N, G, -1))."""
    if grouped is None:
        centred = operand(ctx, 0, xhat / inv_std)
    else:
        proxy = (xhat.reshape(grouped) / inv_std).reshape(xhat.shape)
        centred = operand(ctx, 0, proxy).reshape(grouped)
    centred = centred - centred.mean(dim=axes, keepdim=True)
    var = (centred * centred).mean(dim=axes, keepdim=True)
    offset = 1.0 / (inv_std * inv_std) - var._data  # ε, as the forward's 1/σ² holds it
    inv = (var + constant(offset, var)) ** -0.5
    return centred * inv, inv


def _norm_input_grad(grad_xhat, xhat, inv, axes, count):
    """dL/dx = (1/n)·σ⁻¹·(n·dx̂ - Σdx̂ - x̂·Σ(dx̂·x̂)), the sums over the normalised axes."""
    total = grad_xhat.sum(dim=axes, keepdim=True)
    dot = (grad_xhat * xhat).sum(dim=axes, keepdim=True)
    return inv * (grad_xhat * float(count) - total - xhat * dot) / float(count)


@rule(F.BatchNorm)
def batch_norm(ctx, grad):
    """Training: dL/dx by the formula of ``_norm_input_grad`` over the batch; evaluation:
    dL/dx = γ·g/σ. dL/dγ = Σ g·x̂, dL/dβ = Σ g."""
    xhat_array, inv_std, weight_array = ctx.saved
    axes, shape = ctx.axes, ctx.shape
    weight = None if weight_array is None else operand(ctx, 1, weight_array).reshape(shape)
    grad_xhat = grad if weight is None else grad * weight
    if ctx.training:
        xhat, inv = _normalised(ctx, xhat_array, inv_std, axes)
        count = grad._data.size // grad.shape[1]
        gx = _norm_input_grad(grad_xhat, xhat, inv, axes, count) if _need(ctx, 0) else None
    else:
        inv = constant(inv_std, grad)
        xhat = operand(ctx, 0, xhat_array / inv_std) * inv
        gx = grad_xhat * inv if _need(ctx, 0) else None
    gw = (grad * xhat).sum(dim=axes) if _need(ctx, 1) else None
    gb = grad.sum(dim=axes) if _need(ctx, 2) else None
    return _pad(ctx, gx, gw, gb)


@rule(F.LayerNorm)
def layer_norm(ctx, grad):
    """dL/dx by ``_norm_input_grad`` over each example's last dims; dL/dγ = Σ g·x̂, dL/dβ = Σ g
    over the batch dims."""
    xhat_array, inv_std, weight_array = ctx.saved
    axes = ctx.axes
    batch_axes = tuple(range(grad.ndim - len(axes)))
    xhat, inv = _normalised(ctx, xhat_array, inv_std, axes)
    weight = None if weight_array is None else operand(ctx, 1, weight_array)
    grad_xhat = grad if weight is None else grad * weight
    count = int(np.prod([grad.shape[a] for a in axes]))
    gx = _norm_input_grad(grad_xhat, xhat, inv, axes, count) if _need(ctx, 0) else None
    gw = (grad * xhat).sum(dim=batch_axes) if _need(ctx, 1) else None
    gb = grad.sum(dim=batch_axes) if _need(ctx, 2) else None
    return _pad(ctx, gx, gw, gb)


@rule(N.GroupNorm)
def group_norm(ctx, grad):
    """Batch norm's rule within each group of channels; dL/dγ = Σ g·x̂, dL/dβ = Σ g."""
    xhat_array, inv_std, weight_array = ctx.saved
    full = tuple(grad.shape)
    grouped = (full[0], ctx.num_groups, -1)
    shape = (1, -1) + (1,) * (len(full) - 2)
    axes = (0,) + tuple(range(2, len(full)))
    xhat_g, inv = _normalised(ctx, xhat_array, inv_std, (2,), grouped)
    xhat = xhat_g.reshape(full)
    weight = None if weight_array is None else operand(ctx, 1, weight_array).reshape(shape)
    grad_xhat = grad if weight is None else grad * weight
    count = grad._data.size // (full[0] * ctx.num_groups)
    gx = None
    if _need(ctx, 0):
        gx = _norm_input_grad(grad_xhat.reshape(grouped), xhat_g, inv, (2,), count).reshape(full)
    gw = (grad * xhat).sum(dim=axes) if _need(ctx, 1) else None
    gb = grad.sum(dim=axes) if _need(ctx, 2) else None
    return _pad(ctx, gx, gw, gb)

