"""Differentiable backward rules for ``indexing.py``, ``scan.py`` and ``sort.py`` (double
backward; see ``glassnet/autograd/double_backward.py``).

These ops move or select values, so each gradient is a linear map of the upstream gradient,
with the pattern (an index, a mask, a shift) fixed by the forward; recorded with the adjoint op
(gather ↔ scatter_add, roll by s ↔ roll by -s), it can be differentiated again. Their second
derivative with respect to x is 0 (cumprod's is not: its rule keeps x in the graph).
"""

from __future__ import annotations

import numpy as np

from ..autograd.double_backward import constant, operand, result, rule
from . import elementwise as E
from . import indexing as I
from . import scan as C
from . import shape as S
from . import sort as Q
from .reduce import evenly_shared


def _need(ctx, i: int) -> bool:
    return i < len(ctx.needs_input_grad) and ctx.needs_input_grad[i]


def _zeros(shape, like):
    return like.new_zeros(tuple(shape))


def _into_block(picked, index_shape, shape):
    """``picked`` (shaped like the index) in the leading block of zeros of ``shape``."""
    if tuple(picked.shape) == tuple(shape):
        return picked
    from .shape_grad_rules import _IndexAdd

    return _IndexAdd.apply(picked, I.leading(index_shape), tuple(shape))


@rule(I.Gather)
def gather(ctx, grad):
    """dL/dx = scatter_add of g into zeros at the gathered positions."""
    (index,) = ctx.saved
    return I.ScatterAdd.apply(_zeros(ctx.input_shapes[0], grad), grad, index, ctx.dim), None


@rule(I.ScatterAdd)
def scatter_add(ctx, grad):
    """dL/dx = g; dL/dsrc = g gathered at the positions src was added to."""
    (index,) = ctx.saved
    gsrc = None
    if _need(ctx, 1):
        gsrc = _into_block(I.Gather.apply(grad, index, ctx.dim), index.shape,
                           ctx.input_shapes[1])
    return (grad if _need(ctx, 0) else None), gsrc, None


@rule(I.Scatter)
def scatter(ctx, grad):
    """dL/dx = g where x survived (0 where overwritten); dL/dsrc = g at the written positions."""
    (index,) = ctx.saved
    gx = gsrc = None
    if _need(ctx, 0):
        survived = np.ones(grad.shape, dtype=grad._data.dtype)
        survived[I.along(index, ctx.dim)] = 0
        gx = grad * survived
    if _need(ctx, 1) and ctx.input_shapes[1] is not None:
        gsrc = _into_block(I.Gather.apply(grad, index, ctx.dim), index.shape,
                           ctx.input_shapes[1])
    return gx, gsrc, None


@rule(I.Tril)
def tril(ctx, grad):
    """dL/dx = tril(g)."""
    return I.Tril.apply(grad, ctx.diagonal)


@rule(I.Triu)
def triu(ctx, grad):
    """dL/dx = triu(g)."""
    return I.Triu.apply(grad, ctx.diagonal)


@rule(I.Roll)
def roll(ctx, grad):
    """dL/dx = g rolled back by -shifts."""
    back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
    return I.Roll.apply(grad, back, ctx.dims)


@rule(I.Flip)
def flip(ctx, grad):
    """dL/dx = g flipped back."""
    return I.Flip.apply(grad, ctx.dims)


@rule(I.Repeat)
def repeat(ctx, grad):
    """dL/dx = Σ of g over every copy of each element."""
    shape = tuple(ctx.input_shapes[0])
    sizes = (1,) * (len(ctx.repeats) - len(shape)) + shape
    split = tuple(n for pair in zip(ctx.repeats, sizes) for n in pair)
    summed = grad.reshape(split).sum(dim=tuple(range(0, len(split), 2)))
    return summed.reshape(shape)


def _reversed_cumsum(t, axis: int):
    return I.Flip.apply(C.Cumsum.apply(I.Flip.apply(t, (axis,)), axis), (axis,))


@rule(C.Cumsum)
def cumsum(ctx, grad):
    """dL/dxᵢ = Σ_{j ≥ i} gⱼ, a cumsum from the end."""
    shape = tuple(ctx.input_shapes[0])
    return _reversed_cumsum(grad.reshape(shape or (1,)), ctx.axis).reshape(shape)


@rule(C.Cumprod)
def cumprod(ctx, grad):
    """dL/dxᵢ = Σ_{j ≥ i} gⱼ Π_{k ≤ j, k ≠ i} xₖ: (Σ_{j ≥ i} gⱼ zⱼ)/xᵢ when x holds no zero
    (z the output); with a zero, each i's products are a cumprod of x with xᵢ set to 1 (n
    cumprods, exact at zeros)."""
    x_array, out_array = ctx.saved
    shape = x_array.shape or (1,)
    x = operand(ctx, 0, x_array).reshape(shape)
    g = grad.reshape(shape)
    if np.all(x_array):
        out = result(ctx, out_array).reshape(shape)
        return (_reversed_cumsum(g * out, ctx.axis) / x).reshape(x_array.shape)
    n, axis = shape[ctx.axis], ctx.axis
    position = np.arange(n).reshape([n if a == axis else 1 for a in range(len(shape))])
    pieces = []
    for i in range(n):
        others = E.Where.apply(position == i, constant(1.0, grad), x)
        later = constant(position >= i, grad)
        pieces.append((g * C.Cumprod.apply(others, axis) * later).sum(dim=axis, keepdim=True))
    return S.Cat.apply(*pieces, dim=axis).reshape(x_array.shape)


@rule(Q.Sort, Q.Topk, Q.Kthvalue, Q.MedianDim, Q.Mode)
def select(ctx, grad):
    """dL/dx = g put back at the indices the values were picked from, 0 elsewhere."""
    (indices,) = ctx.saved
    shape = tuple(ctx.input_shapes[0])
    zeros = _zeros(shape or (1,), grad)
    placed = I.ScatterAdd.apply(zeros, grad.reshape(indices.shape), indices, ctx.axis)
    return placed.reshape(shape)


@rule(Q.Median)
def median(ctx, grad):
    """dL/dx = g shared evenly among the elements equal to the median (a constant share)."""
    x, out = ctx.saved
    share = evenly_shared(np.ones((), dtype=grad._data.dtype), x, out, None, False)
    return grad.reshape((1,) * x.ndim) * constant(share, grad)
