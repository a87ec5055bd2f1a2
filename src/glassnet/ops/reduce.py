"""Reductions: sum, mean, var, std, max, min — over all elements, one dim, or several.

Backward spreads each reduced gradient back over the elements it summarised: ``_expand`` puts
back the reduced dimensions (when ``keepdim=False`` dropped them) so broadcasting can do the rest.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function


def normalize_dims(dim, ndim: int):
    """``dim`` (None, an int, or a sequence, negatives allowed) as a sorted tuple of axes."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None
    axes = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(
                f"dimension {d} is out of range for a tensor with {ndim} dimensions "
                f"(expected one in [{-max(ndim, 1)}, {max(ndim, 1) - 1}])"
            )
        axes.append(d % ndim if ndim else 0)
    return tuple(sorted(axes)) if ndim else None


def _expand(grad, shape, axes, keepdim):
    """Reinsert the reduced axes as size 1, so grad broadcasts against the input."""
    if axes is None:
        return grad.reshape((1,) * len(shape))
    return grad if keepdim else np.expand_dims(grad, axes)


def _count(shape, axes) -> int:
    if axes is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


class Sum(Function):
    """z = Σ x over the dims; every summed element gets the same gradient."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim = normalize_dims(dim, x.ndim), keepdim
        return x.sum(axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.input_shapes[0]
        return np.broadcast_to(_expand(grad, shape, ctx.axes, ctx.keepdim), shape)


class Mean(Function):
    """z = (1/N) Σ x; each element's gradient is 1/N of the upstream gradient."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim = normalize_dims(dim, x.ndim), keepdim
        return x.mean(axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.input_shapes[0]
        scaled = _expand(grad, shape, ctx.axes, ctx.keepdim) / _count(shape, ctx.axes)
        return np.broadcast_to(scaled, shape)


class Var(Function):
    """z = Σ (x - mean)² / (N - correction); dz/dx = 2(x - mean) / (N - correction).

    correction=1 (the default, as PyTorch) is the unbiased estimate.
    """

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False, correction=1):
        ctx.axes, ctx.keepdim, ctx.correction = normalize_dims(dim, x.ndim), keepdim, correction
        ctx.save_for_backward(x)
        return x.var(axis=ctx.axes, ddof=correction, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved[0]
        centred = x - x.mean(axis=ctx.axes, keepdims=True)
        denominator = _count(x.shape, ctx.axes) - ctx.correction
        return _expand(grad, x.shape, ctx.axes, ctx.keepdim) * (2 / denominator) * centred


class Std(Function):
    """z = √var(x); dz/dx = (x - mean) / ((N - correction)·z)."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False, correction=1):
        ctx.axes, ctx.keepdim, ctx.correction = normalize_dims(dim, x.ndim), keepdim, correction
        out = x.std(axis=ctx.axes, ddof=correction, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        centred = x - x.mean(axis=ctx.axes, keepdims=True)
        denominator = (_count(x.shape, ctx.axes) - ctx.correction) * _expand(
            out, x.shape, ctx.axes, ctx.keepdim)
        return _expand(grad, x.shape, ctx.axes, ctx.keepdim) * centred / denominator


class _Extreme(Function):
    """Max or min of all elements; the gradient is shared evenly among tied extremes."""

    reduce = None

    @classmethod
    def forward(cls, ctx, x):
        out = cls.reduce(x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        hits = x == out
        return grad * hits / hits.sum()


class Max(_Extreme):
    reduce = staticmethod(np.max)


class Min(_Extreme):
    reduce = staticmethod(np.min)


class _ExtremeDim(Function):
    """Max or min along one dim: returns (values, indices); the gradient goes to the index."""

    pick = None

    @classmethod
    def forward(cls, ctx, x, dim, keepdim=False):
        axis = normalize_dims(dim, x.ndim)
        axis = 0 if axis is None else axis[0]
        indices = cls.pick(x, axis=axis, keepdims=True)
        values = np.take_along_axis(x, indices, axis=axis)
        ctx.indices, ctx.axis, ctx.keepdim = indices, axis, keepdim
        if not keepdim and x.ndim:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        return values, indices

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.input_shapes[0]
        if not ctx.keepdim and len(shape):
            grad = np.expand_dims(grad, ctx.axis)
        out = np.zeros(shape, dtype=grad.dtype)
        np.put_along_axis(out, ctx.indices, grad, axis=ctx.axis)
        return out


class MaxDim(_ExtremeDim):
    node_name = "MaxBackward0"
    pick = staticmethod(np.argmax)


class MinDim(_ExtremeDim):
    node_name = "MinBackward0"
    pick = staticmethod(np.argmin)
