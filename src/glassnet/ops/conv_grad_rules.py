"""Differentiable backward rules for ``conv.py``, ``pool.py`` and ``resample.py`` (double
backward; see ``glassnet/autograd/double_backward.py``).

A convolution's gradients are themselves convolutions: as matrices, with cols = im2col(x),
y = W @ cols, so dL/dW = g @ colsᵀ and dL/dx = col2im(Wᵀ @ g). The rule writes exactly that
with the Unfold (im2col) and Fold (col2im) ops, which are each other's adjoint, so recording
it gives the mixed second derivatives (dL/dx depends on W, dL/dW on x).

Pooling, padding and resampling are linear in the gradient, with the pattern fixed by the
forward (max pooling routes each window's gradient to its argmax): their rules are linear maps
recorded with their transposes (``linear_map``), and their second derivative in x is 0.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..autograd.double_backward import constant, linear_map, operand, rule
from . import conv as V
from . import linalg as L
from . import pool as P
from . import resample as RS
from . import shape as S
from .shape_grad_rules import _IndexAdd


def _frozen(ctx):
    """A copy of the node's attributes (saved arrays too) for a linear map's later calls."""
    return SimpleNamespace(**vars(ctx))


def _need(ctx, i: int) -> bool:
    return i < len(ctx.needs_input_grad) and ctx.needs_input_grad[i]


# ----- convolution ----------------------------------------------------------------------------
def _conv_grads(ctx, grad, x, weight, padding, stride, dilation, groups):
    """Conv2d's (dL/dx, dL/dW, dL/db) on Tensors, through Unfold and Fold, group by group."""
    (top, bottom), (left, right) = padding
    n, c, h, w = x.shape
    out_channels, _, kh, kw = weight.shape
    padded = x
    if top or bottom or left or right:
        padded = RS.ConstantPad.apply(x, (left, right, top, bottom), 0.0)
    cols = V.Unfold.apply(padded, (kh, kw), dilation, (0, 0), stride)  # (N, C·kh·kw, L)
    g = grad.reshape(n, out_channels, -1)
    per_out, per_in = out_channels // groups, (c // groups) * kh * kw
    weight_grads, col_grads = [], []
    for k in range(groups):
        g_k = S.Index.apply(g, (slice(None), slice(k * per_out, (k + 1) * per_out)))
        if _need(ctx, 1):
            cols_k = S.Index.apply(cols, (slice(None), slice(k * per_in, (k + 1) * per_in)))
            weight_grads.append(L.Matmul.apply(g_k, S.Transpose.apply(cols_k, 1, 2)).sum(dim=0))
        if _need(ctx, 0):
            w_k = S.Index.apply(weight, slice(k * per_out, (k + 1) * per_out))
            w_k = w_k.reshape(per_out, per_in)
            col_grads.append(L.Matmul.apply(S.Transpose.apply(w_k, 0, 1), g_k))
    gx = gw = gb = None
    if _need(ctx, 0):
        gcols = col_grads[0] if groups == 1 else S.Cat.apply(*col_grads, dim=1)
        size = (h + top + bottom, w + left + right)
        image = V.Fold.apply(gcols, size, (kh, kw), dilation, (0, 0), stride)
        gx = S.Index.apply(image, (slice(None), slice(None), slice(top, top + h),
                                   slice(left, left + w)))
    if _need(ctx, 1):
        gw = weight_grads[0] if groups == 1 else S.Cat.apply(*weight_grads, dim=0)
        gw = gw.reshape(tuple(weight.shape))
    if _need(ctx, 2):
        gb = grad.sum(dim=(0, 2, 3))
    return gx, gw, gb


@rule(V.Conv2d)
def conv2d(ctx, grad):
    """dL/dx = col2im(Wᵀ @ g), dL/dW = g @ im2col(x)ᵀ, dL/db = Σ g over batch and pixels."""
    x_array, weight_array = ctx.saved
    x, weight = operand(ctx, 0, x_array), operand(ctx, 1, weight_array)
    grads = _conv_grads(ctx, grad, x, weight, ctx.padding, ctx.stride, ctx.dilation, ctx.groups)
    return (*grads, *(None,) * (len(ctx.next_functions) - 3))


@rule(V.Conv1d)
def conv1d(ctx, grad):
    """Conv2d's rule on the signal seen as an image of height 1."""
    x_array, weight_array = ctx.saved
    x = operand(ctx, 0, x_array).unsqueeze(2)
    weight = operand(ctx, 1, weight_array).unsqueeze(2)
    gx, gw, gb = _conv_grads(ctx, grad.unsqueeze(2), x, weight, ctx.padding, ctx.stride,
                             ctx.dilation, ctx.groups)
    gx = None if gx is None else gx.squeeze(2)
    gw = None if gw is None else gw.squeeze(2)
    return (gx, gw, gb, *(None,) * (len(ctx.next_functions) - 3))


@rule(V.Unfold)
def unfold(ctx, grad):
    """dL/dx = col2im(g) (Fold), Unfold's adjoint."""
    (top, _), (left, _) = ctx.padding
    size = tuple(ctx.input_shape[2:])
    return V.Fold.apply(grad, size, ctx.kernel_size, ctx.dilation, (top, left), ctx.stride)


@rule(V.Fold)
def fold(ctx, grad):
    """dL/dcols = im2col(g) (Unfold), Fold's adjoint."""
    (top, _), (left, _) = ctx.padding
    return V.Unfold.apply(grad, ctx.kernel_size, ctx.dilation, (top, left), ctx.stride)


# ----- pooling --------------------------------------------------------------------------------
def _picker(indices: np.ndarray, shape: tuple):
    """v ↦ v at each window's argmax (flat indices into each H·W plane): max pooling's JVP."""
    def pick(v):
        v4 = v.reshape((-1,) + tuple(shape[-3:]))
        planes = v4.reshape(v4.shape[0], v4.shape[1], -1)
        flat = indices.reshape(planes.shape[0], planes.shape[1], -1)
        picked = np.take_along_axis(planes, flat, axis=2)
        return picked.reshape(indices.shape if len(shape) == 4 else indices.shape[1:])

    return pick


def _max_pool_indices(ctx) -> np.ndarray:
    """The flat argmax of each window (the first maximum in row-major order, as backward)."""
    shape4 = (1,) * (4 - len(ctx.shape)) + tuple(ctx.shape)
    if len(ctx.saved) == 1:
        offset = ctx.saved[0]
    else:
        framed, out = ctx.saved
        offset = np.zeros(out.shape, dtype=np.int64)
        found = np.zeros(out.shape, dtype=bool)
        windows = P._windows(framed, out.shape[2:], ctx.kernel, ctx.stride, ctx.dilation)
        for index, view in enumerate(windows):
            hit = (view == out) | (np.isnan(view) & np.isnan(out))
            offset[hit & ~found] = index
            found |= hit
    return P._flat_indices(offset, shape4, ctx.kernel, ctx.stride, ctx.padding, ctx.dilation)


@rule(P.MaxPool2d)
def max_pool2d(ctx, grad):
    """dL/dx = each window's g at its argmax; the transpose picks v at the argmaxes."""
    frozen = _frozen(ctx)
    pick = _picker(_max_pool_indices(ctx), ctx.shape)
    gx = linear_map(grad, lambda g: P.MaxPool2d.backward(frozen, g), pick)
    return (gx, *(None,) * (len(ctx.next_functions) - 1))


@rule(P.AdaptiveMaxPool2d)
def adaptive_max_pool2d(ctx, grad):
    """dL/dx = each bin's g at its argmax; the transpose picks v at the argmaxes."""
    frozen = _frozen(ctx)
    pick = _picker(ctx.saved[0], ctx.shape)
    gx = linear_map(grad, lambda g: P.AdaptiveMaxPool2d.backward(frozen, g), pick)
    return (gx, *(None,) * (len(ctx.next_functions) - 1))


@rule(P.AvgPool2d)
def avg_pool2d(ctx, grad):
    """dL/dx = g/divisor spread over each window; the transpose is the average pool itself."""
    frozen = _frozen(ctx)
    (divisor,) = ctx.saved
    out_size = tuple(grad.shape[-2:])
    top, left = ctx.padding
    height, width = ctx.shape[-2:]

    def pool(v):
        v4 = P._as_batch(v)
        framed = np.zeros(v4.shape[:2] + tuple(ctx.framed_shape[2:]), dtype=v.dtype)
        framed[:, :, top:top + height, left:left + width] = v4
        out = sum(view for view in P._windows(framed, out_size, ctx.kernel, ctx.stride, (1, 1)))
        out = out / divisor
        return out if v.ndim == 4 else out[0]

    gx = linear_map(grad, lambda g: P.AvgPool2d.backward(frozen, g), pool)
    return (gx, *(None,) * (len(ctx.next_functions) - 1))


@rule(P.AdaptiveAvgPool2d)
def adaptive_avg_pool2d(ctx, grad):
    """dL/dx = A_hᵀ · g · A_w with the bin-averaging matrices."""
    rows, cols = ctx.saved
    if tuple(grad.shape[-2:]) == (1, 1):
        gx = (grad / (rows.shape[1] * cols.shape[1])).expand(*ctx.shape)
    else:
        gx = L.Matmul.apply(constant(rows.T, grad), L.Matmul.apply(grad, constant(cols, grad)))
    return (gx, *(None,) * (len(ctx.next_functions) - 1))


# ----- padding and resampling -----------------------------------------------------------------
@rule(RS.ConstantPad)
def constant_pad(ctx, grad):
    """dL/dx = g cut back to x's region."""
    inside = S.Index.apply(grad, ctx.target)
    return (_IndexAdd.apply(inside, ctx.source, tuple(ctx.shape)),
            *(None,) * (len(ctx.next_functions) - 1))


@rule(RS.BorderPad)
def border_pad(ctx, grad):
    """dL/dx = g with each border position's gradient added onto its source; the transpose is
    the padding itself."""
    frozen = _frozen(ctx)
    widths = [(0, 0)] * grad.ndim
    for axis, before, after in ctx.spans:
        widths[axis] = (before, after)

    def pad(v):
        return np.pad(v, widths, mode=RS._NUMPY_MODE[ctx.mode])

    gx = linear_map(grad, lambda g: RS.BorderPad.backward(frozen, g), pad)
    return (gx, *(None,) * (len(ctx.next_functions) - 1))


@rule(RS.UpsampleNearest, RS.UpsampleLinear)
def upsample(ctx, grad):
    """dL/dx = M_hᵀ · g · M_w with the (one-hot or blending) resampling matrices."""
    matrices = ctx.saved
    gx = L.Matmul.apply(grad, constant(matrices[-1], grad))
    if len(matrices) == 2:
        gx = L.Matmul.apply(constant(matrices[0].T, grad), gx)
    return (gx, *(None,) * (len(ctx.next_functions) - 1))


@rule(V.ConvTranspose2d)
def conv_transpose2d(ctx, grad):
    """With cols = im2col(g padded back to the full size): dL/dx = W @ cols and
    dL/dW = x @ colsᵀ, group by group; dL/db = Σ g over batch and pixels."""
    x_array, weight_array = ctx.saved
    x, weight = operand(ctx, 0, x_array), operand(ctx, 1, weight_array)
    n, c_in, h, w = x_array.shape
    _, per_out, kh, kw = weight_array.shape
    groups = ctx.groups
    (top, left), full = ctx.padding, ctx.full
    pad = (left, full[1] - left - grad.shape[3], top, full[0] - top - grad.shape[2])
    padded = RS.ConstantPad.apply(grad, pad, 0.0) if any(pad) else grad
    cols = V.Unfold.apply(padded, (kh, kw), ctx.dilation, (0, 0), ctx.stride)  # (N, ·, h·w)
    per_in, rows = c_in // groups, per_out * kh * kw
    x_flat = x.reshape(n, c_in, h * w)
    input_grads, weight_grads = [], []
    for k in range(groups):
        cols_k = S.Index.apply(cols, (slice(None), slice(k * rows, (k + 1) * rows)))
        if _need(ctx, 0):
            w_k = S.Index.apply(weight, slice(k * per_in, (k + 1) * per_in)).reshape(per_in, rows)
            input_grads.append(L.Matmul.apply(w_k, cols_k))
        if _need(ctx, 1):
            x_k = S.Index.apply(x_flat, (slice(None), slice(k * per_in, (k + 1) * per_in)))
            weight_grads.append(
                L.Matmul.apply(x_k, S.Transpose.apply(cols_k, 1, 2)).sum(dim=0))
    gx = gw = gb = None
    if _need(ctx, 0):
        gx = input_grads[0] if groups == 1 else S.Cat.apply(*input_grads, dim=1)
        gx = gx.reshape(n, c_in, h, w)
    if _need(ctx, 1):
        gw = weight_grads[0] if groups == 1 else S.Cat.apply(*weight_grads, dim=0)
        gw = gw.reshape(tuple(weight_array.shape))
    if _need(ctx, 2):
        gb = grad.sum(dim=(0, 2, 3))
    return (gx, gw, gb, *(None,) * (len(ctx.next_functions) - 3))
