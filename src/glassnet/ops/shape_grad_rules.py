"""Differentiable backward rules for ``shape.py`` and ``reduce.py`` (double backward).

Shape ops and sums are linear, so their rules only move or spread the gradient with Tensor ops
(their second derivative is 0; what matters is that the moves are recorded, so a gradient that
went through them can be differentiated with respect to the upstream gradient). Reductions
that are not linear (var, std, logsumexp) use their input joined to its graph (``operand``) and
their output (``result``); see ``glassnet/autograd/double_backward.py``.
"""

from __future__ import annotations

import numpy as np

from ..autograd.double_backward import constant, operand, result, rule
from ..autograd.function import Function
from . import reduce as R
from . import shape as S


def _need(ctx, i: int) -> bool:
    return ctx.needs_input_grad[i]


def _spread(grad, shape: tuple, axes, keepdim: bool):
    """The reduced gradient with the reduced dims back as size 1, ready to broadcast."""
    if axes is None:
        return grad.reshape((1,) * len(shape))
    if keepdim:
        return grad
    return grad.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))


class _IndexAdd(Function):
    """z = zeros(shape) with g added at ``index`` (repeated picks add up): the transpose of
    indexing, which is how x[index]'s gradient is made; dL/dg = the upstream gradient[index]."""

    @staticmethod
    def forward(ctx, grad, index, shape):
        ctx.index = index
        out = np.zeros(shape, dtype=grad.dtype)
        if S._is_basic(index):
            out[index] = grad
        else:
            np.add.at(out, index, grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.index]


@rule(_IndexAdd)
def index_add(ctx, grad):
    """dL/dg = (upstream gradient)[index]."""
    return S.Index.apply(grad, ctx.index)


# ----- shape ----------------------------------------------------------------------------------
@rule(S.Reshape, S.Squeeze, S.Unsqueeze)
def regroup(ctx, grad):
    """dL/dx = g reshaped back to x's shape."""
    return S.Reshape.apply(grad, ctx.input_shapes[0])


@rule(S.Transpose)
def transpose(ctx, grad):
    """dL/dx = g with the two dims swapped back."""
    return S.Transpose.apply(grad, *ctx.dims)


@rule(S.Permute)
def permute(ctx, grad):
    """dL/dx = g in the inverse order of dims."""
    return S.Permute.apply(grad, tuple(int(d) for d in np.argsort(ctx.dims)))


@rule(S.Expand)
def expand(ctx, grad):
    """dL/dx = g; the sweep sums it back over the expanded dims."""
    return grad


@rule(S.Index)
def index(ctx, grad):
    """dL/dx = g scattered back into x's shape, adding up elements picked repeatedly."""
    return _IndexAdd.apply(grad, ctx.index, ctx.input_shapes[0])


@rule(S.IndexPut)
def index_put(ctx, grad):
    """dL/dx = g with zeros at index; dL/dvalue = g[index]."""
    gx = gv = None
    if _need(ctx, 0):
        keep = np.ones(grad._data.shape, dtype=grad._data.dtype)
        keep[ctx.index] = 0
        gx = grad * keep
    if _need(ctx, 1):
        gv = S.Index.apply(grad, ctx.index)
    return gx, gv


@rule(S.Cat)
def cat(ctx, grad):
    """dL/dxᵢ = the slice of g that came from xᵢ."""
    dim = ctx.dim % grad._data.ndim
    bounds = [0, *(int(s) for s in ctx.splits), grad._data.shape[dim]]
    lead = (slice(None),) * dim
    return tuple(S.Index.apply(grad, (*lead, slice(a, b))) if need else None
                 for a, b, need in zip(bounds[:-1], bounds[1:], ctx.needs_input_grad))


@rule(S.Stack)
def stack(ctx, grad):
    """dL/dxᵢ = g at position i of the stacked dim."""
    lead = (slice(None),) * ctx.dim
    return tuple(S.Index.apply(grad, (*lead, i)) if need else None
                 for i, need in enumerate(ctx.needs_input_grad))


# ----- reductions -----------------------------------------------------------------------------
@rule(R.Sum)
def sum_(ctx, grad):
    """dL/dx = g copied to every summed element."""
    shape = ctx.input_shapes[0]
    return _spread(grad, shape, ctx.axes, ctx.keepdim).expand(*shape)


@rule(R.Mean)
def mean(ctx, grad):
    """dL/dx = g/N for every averaged element."""
    shape = ctx.input_shapes[0]
    count = R._count(shape, ctx.axes)
    return (_spread(grad, shape, ctx.axes, ctx.keepdim) / count).expand(*shape)


@rule(R.Var)
def var(ctx, grad):
    """dL/dx = g·2(x - mean)/(N - correction)."""
    x_array = ctx.saved[0]
    x = operand(ctx, 0, x_array)
    axes = ctx.axes
    centred = x - (x.mean(dim=axes, keepdim=True) if axes is not None else x.mean())
    denominator = R._count(x_array.shape, axes) - ctx.correction
    return _spread(grad, x_array.shape, axes, ctx.keepdim) * centred * (2.0 / denominator)


@rule(R.Std)
def std(ctx, grad):
    """dL/dx = g·(x - mean)/((N - correction)·z), z the output."""
    x_array, out_array = ctx.saved
    x = operand(ctx, 0, x_array)
    axes = ctx.axes
    centred = x - (x.mean(dim=axes, keepdim=True) if axes is not None else x.mean())
    count = R._count(x_array.shape, axes) - ctx.correction
    out = _spread(result(ctx, out_array), x_array.shape, axes, ctx.keepdim)
    return _spread(grad, x_array.shape, axes, ctx.keepdim) * centred / (out * count)


@rule(R.Max, R.Min, R.Amax, R.Amin)
def extreme(ctx, grad):
    """dL/dx = g shared evenly among the elements equal to the extreme (a constant share)."""
    x, out = ctx.saved
    ones = np.ones(np.shape(out), dtype=grad._data.dtype)
    share = R.evenly_shared(ones, x, out, ctx.axes, ctx.keepdim)
    return _spread(grad, x.shape, ctx.axes, ctx.keepdim) * constant(share, grad)


@rule(R.MaxDim, R.MinDim)
def extreme_dim(ctx, grad):
    """dL/dx = g at the index that was picked along the dim, 0 elsewhere."""
    shape = ctx.input_shapes[0]
    picked = np.zeros(shape, dtype=grad._data.dtype)
    np.put_along_axis(picked, ctx.indices, 1, axis=ctx.axis)
    if not ctx.keepdim and len(shape):
        grad = grad.unsqueeze(ctx.axis)
    return grad * picked


@rule(R.LogSumExp)
def logsumexp(ctx, grad):
    """dL/dx = g·exp(x - z), the softmax of x, z the output."""
    x_array, out_array = ctx.saved
    x = operand(ctx, 0, x_array)
    out = _spread(result(ctx, out_array), x_array.shape, ctx.axes, ctx.keepdim)
    softmax = (x - out).exp()
    return _spread(grad, x_array.shape, ctx.axes, ctx.keepdim) * softmax


@rule(R.Prod)
def prod(ctx, grad):
    """dL/dxᵢ = g·Π_{j≠i} xⱼ, built as the product of an exclusive cumulative product from each
    side, so zeros need no division (recorded, so the second derivative follows)."""
    x_array = ctx.saved[0]
    x = operand(ctx, 0, x_array)
    if ctx.axis is None:
        flat = x.reshape(-1)
        others = _products_of_others(flat, 0).reshape(x_array.shape)
        return grad.reshape((1,) * x_array.ndim) * others
    others = _products_of_others(x, ctx.axis)
    return _spread(grad, x_array.shape, (ctx.axis,), ctx.keepdim) * others


def _products_of_others(x, axis: int):
    """For each element, the product of the others along axis, with Tensor ops."""
    n = x.shape[axis]
    one = x.narrow(axis, 0, 1) * 0.0 + 1.0
    pieces = []
    for i in range(n):
        before = x.narrow(axis, 0, i).prod(dim=axis, keepdim=True) if i else one
        after = x.narrow(axis, i + 1, n - i - 1).prod(dim=axis, keepdim=True) if i < n - 1 \
            else one
        pieces.append(before * after)
    return S.Cat.apply(*pieces, dim=axis)


@rule(R.VectorNorm)
def vector_norm(ctx, grad):
    """dL/dx = g·sign(x)|x|^(p-1)/z^(p-1), 0 where z = 0; for p = ±inf the gradient is shared
    among the elements at the extreme; for p = 0 it is 0."""
    x_array, out_array = ctx.saved
    p, axes, keepdim = ctx.p, ctx.axes, ctx.keepdim
    g = _spread(grad, x_array.shape, axes, keepdim)
    if p == 0:
        return g * constant(np.zeros_like(x_array), grad)
    if np.isinf(p):
        ones = np.ones(out_array.shape, dtype=x_array.dtype)
        share = R.evenly_shared(ones, np.abs(x_array), out_array, axes, keepdim)
        return g * constant(share * np.sign(x_array), grad)
    sign = constant(np.sign(x_array), grad)
    if p == 1:
        return g * sign
    x = operand(ctx, 0, x_array)
    zero = constant(R._expand(out_array, x_array.shape, axes, keepdim) == 0, grad)
    z = _spread(result(ctx, out_array), x_array.shape, axes, keepdim)
    safe = z + zero  # 1 where the norm is 0 (then x is 0 there, and so is the gradient)
    if p == 2:
        return g * x / safe
    size = x * sign  # |x|, recorded
    return g * sign * size ** (p - 1) / safe ** (p - 1)


@rule(R.Dist)
def dist(ctx, grad):
    """With d = x - y: dL/dx = -dL/dy = g·sign(d)|d|^(p-1)/z^(p-1) (0 where z = 0); for
    p = ±inf the gradient is shared among the elements at the extreme; for p = 0 it is 0."""
    difference_array, out_array = ctx.saved
    p = ctx.p
    if p == 0 or (not np.isinf(p) and out_array == 0):
        by_difference = grad * constant(np.zeros_like(difference_array), grad)
    elif np.isinf(p):
        ones = np.ones((), dtype=grad._data.dtype)
        share = R.evenly_shared(ones, np.abs(difference_array), out_array, None, False)
        by_difference = grad * constant(share * np.sign(difference_array), grad)
    else:
        difference = (operand(ctx, 0, difference_array)
                      - operand(ctx, 1, np.zeros_like(difference_array)))
        out = result(ctx, out_array)
        sign = constant(np.sign(difference_array), grad)
        if p == 1:
            by_difference = grad * sign
        elif p == 2:
            by_difference = grad * difference / out
        else:
            size = difference * sign  # |d|, recorded
            by_difference = grad * sign * size ** (p - 1) / out ** (p - 1)
    return (by_difference if ctx.needs_input_grad[0] else None,
            -by_difference if ctx.needs_input_grad[1] else None)
