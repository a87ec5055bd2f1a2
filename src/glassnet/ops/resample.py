"""Padding and resampling over the trailing (spatial) dims: pad, nearest and linear upsampling.

Resampling is separable: along each spatial dim an output index reads one input index
(nearest) or blends two (linear), which is a small (out, in) matrix M. The whole op is
y = M_h · x · M_wᵀ, so its gradient is dL/dx = M_hᵀ · g · M_w: two BLAS products each way.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function


def _spans(shape: tuple, pad: tuple) -> list[tuple[int, int, int]]:
    """PyTorch's pad tuple (last dim first: left, right, then top, bottom, ...) as one
    (axis, before, after) per padded dim."""
    return [(len(shape) - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


class ConstantPad(Function):
    """y = x surrounded by ``value`` (a negative width crops instead). Each y element that came
    from x has derivative 1 with respect to it, the fill has none: dL/dx = g cut back to x's
    region."""

    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pad, value=0.0):
        shape = list(x.shape)
        source, target = [slice(None)] * x.ndim, [slice(None)] * x.ndim
        for axis, before, after in _spans(x.shape, pad):
            size = x.shape[axis]
            shape[axis] = size + before + after
            source[axis] = slice(max(-before, 0), size - max(-after, 0))
            target[axis] = slice(max(before, 0), max(before, 0) + source[axis].stop
                                 - source[axis].start)
        out = np.full(shape, value, dtype=x.dtype)
        out[tuple(target)] = x[tuple(source)]
        ctx.source, ctx.target, ctx.shape = tuple(source), tuple(target), x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        result = np.zeros(ctx.shape, dtype=grad.dtype)
        result[ctx.source] = grad[ctx.target]
        return result


def border_indices(size: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each padded position along one dim, the input index it copies: mirrored without
    repeating the edge ('reflect'), the edge repeated ('replicate') or wrapped ('circular')."""
    index = np.arange(-before, size + after)
    if mode == "reflect":
        period = 2 * (size - 1)
        index = np.abs(index) % period if period else np.zeros_like(index)
        return np.where(index >= size, period - index, index)
    if mode == "replicate":
        return np.clip(index, 0, size - 1)
    return index % size


_NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class BorderPad(Function):
    """y = x extended by copies of its own border: 'reflect', 'replicate' or 'circular'.

    An input element copied to several places gets the sum of their gradients: along each
    padded dim, dL/dx[i] = Σ g[j] over the positions j whose source index is i.
    """

    @staticmethod
    def forward(ctx, x, pad, mode):
        spans = _spans(x.shape, pad)
        widths = [(0, 0)] * x.ndim
        for axis, before, after in spans:
            widths[axis] = (before, after)
        ctx.spans, ctx.mode = spans, mode
        return np.pad(x, widths, mode=_NUMPY_MODE[mode])

    @staticmethod
    def backward(ctx, grad):
        for axis, before, after in ctx.spans:
            moved = np.moveaxis(grad, axis, 0)
            size = moved.shape[0] - before - after
            index = border_indices(size, before, after, ctx.mode)
            folded = moved[before:before + size].copy()
            border = np.r_[0:before, before + size:moved.shape[0]]
            np.add.at(folded, index[border], moved[border])
            grad = np.moveaxis(folded, 0, axis)
        return grad


def _along(x: np.ndarray, matrices: tuple) -> np.ndarray:
    """Apply one (out, in) matrix along each of x's trailing dims (the last matrix, last dim)."""
    out = x @ matrices[-1].T
    if len(matrices) == 2:
        out = np.matmul(matrices[0], out)
    return out


def _along_transposed(grad: np.ndarray, matrices: tuple) -> np.ndarray:
    """The adjoint of ``_along``: each matrix transposed."""
    out = grad @ matrices[-1]
    if len(matrices) == 2:
        out = np.matmul(matrices[0].T, out)
    return out


def nearest_indices(size: int, out: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's nearest source index for each output index, in its float32 arithmetic:
    ⌊i·s⌋ ('nearest') or ⌊(i + ½)·s⌋ ('nearest-exact'), s = 1/scale_factor or size/out."""
    s = np.float32(1.0 / scale if scale else size / out)
    i = np.arange(out)
    if exact:
        index = np.floor(((i + 0.5) * np.float64(s)).astype(np.float32))
    elif out == size:
        return i
    elif out == 2 * size:
        return i >> 1
    else:
        index = np.floor(i.astype(np.float32) * s)
    return np.minimum(index.astype(np.int64), size - 1)


def _one_hot(index: np.ndarray, size: int, dtype) -> np.ndarray:
    return (index[:, None] == np.arange(size)).astype(dtype)


class UpsampleNearest(Function):
    """y[..., i, j] = x[..., r(i), c(j)] with r, c the nearest source indices (see
    ``nearest_indices``). Each y element is a copy, so dL/dx[r, c] = Σ g[i, j] over the
    outputs that copied it (a one-hot matrix product per dim)."""

    @staticmethod
    def forward(ctx, x, indices):
        sizes = x.shape[x.ndim - len(indices):]
        ctx.save_for_backward(*(_one_hot(i, n, x.dtype) for i, n in zip(indices, sizes)))
        return x[(Ellipsis,) + np.ix_(*indices)]

    @staticmethod
    def backward(ctx, grad):
        return _along_transposed(grad, ctx.saved)


def linear_weights(size: int, out: int, scale: float | None, align_corners: bool,
                   dtype) -> np.ndarray:
    """The (out, size) matrix of PyTorch's linear interpolation along one dim.

    Output i reads the source coordinate x = i·(size-1)/(out-1) (align_corners) or
    max((i + ½)/s - ½, 0), s = scale_factor or out/size; it blends x₀ = ⌊x⌋ with weight 1 - λ
    and x₀ + 1 (clamped to the edge) with weight λ = x - x₀.
    """
    if out == size:
        return np.eye(size, dtype=dtype)
    i = np.arange(out).astype(dtype)
    if align_corners:
        ratio = dtype.type((size - 1) / (out - 1) if out > 1 else 0)
        source = ratio * i
    else:
        ratio = dtype.type(1.0 / scale if scale else size / out)
        source = np.maximum(ratio * (i + dtype.type(0.5)) - dtype.type(0.5), 0)
    first = np.minimum(np.floor(source).astype(np.int64), size - 1)
    weight = np.clip(source - first, 0, 1).astype(dtype)
    second = np.where(first < size - 1, first + 1, first)
    matrix = np.zeros((out, size), dtype=dtype)
    rows = np.arange(out)
    matrix[rows, first] += 1 - weight
    matrix[rows, second] += weight
    return matrix


class UpsampleLinear(Function):
    """y = M_h · x · M_wᵀ (bilinear) or x · Mᵀ (linear), with M from ``linear_weights``: each
    output blends its two nearest inputs along each dim. Linear in x, so dL/dx = M_hᵀ · g · M_w.
    """

    @staticmethod
    def forward(ctx, x, matrices):
        ctx.save_for_backward(*matrices)
        return _along(x, matrices)

    @staticmethod
    def backward(ctx, grad):
        return _along_transposed(grad, ctx.saved)
