"""Ops that pick, place or rearrange elements by position: gather, scatter, scatter_add,
tril/triu, roll, flip and repeat.

None of them changes a value, so every backward moves the gradient back to where each value came
from. ``gather`` and ``scatter_add`` are adjoints of each other: gathering reads ``x`` at the
positions an index names, so its gradient is scattered back, adding up positions read more than
once (``np.add.at``); scatter_add adds ``src`` into those positions, so ``src``'s gradient is
the output gradient gathered from them. The functional forms, with PyTorch's signatures and
checks, are in ``glassnet/ops/shape_functions.py``; split, chunk, narrow, index_select and
masked_select are compositions of the existing ``Index`` op (``ops/shape.py``).
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function


def along(index: np.ndarray, dim: int) -> tuple:
    """The NumPy index that, at each position p of ``index``, names the element whose
    coordinates are p except along ``dim``, where the coordinate is ``index[p]``.

    For a 2-d index and dim=1 that is ``out[i][j] = x[i][index[i][j]]``, PyTorch's gather rule.
    """
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def leading(shape: tuple) -> tuple:
    """The slices that cut an array down to ``shape`` from its first element (src may be larger
    than index in PyTorch's scatter; only its leading block is read)."""
    return tuple(slice(0, n) for n in shape)


def _gathered(grad: np.ndarray, index: np.ndarray, dim: int, shape: tuple) -> np.ndarray:
    """grad read at the index's positions, placed in the leading block of a zero array of
    ``shape`` (the gradient of a src that may be larger than the index)."""
    picked = grad[along(index, dim)]
    if picked.shape == tuple(shape):
        return picked
    out = np.zeros(shape, dtype=grad.dtype)
    out[leading(index.shape)] = picked
    return out


class Gather(Function):
    """z[p] = x[p with coordinate ``dim`` replaced by index[p]], e.g. z[i][j] = x[i][index[i][j]].

    dz/dx: each gradient element goes back to the position it was read from, and positions read
    several times add up (a scatter_add of the gradient into zeros).
    """

    @staticmethod
    def forward(ctx, x, index, dim=0):
        ctx.dim = dim
        ctx.save_for_backward(index)
        return x[along(index, dim)]

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved
        out = np.zeros(ctx.input_shapes[0], dtype=grad.dtype)
        np.add.at(out, along(index, ctx.dim), grad)
        return out, None


class ScatterAdd(Function):
    """z = x, then z[p with coordinate ``dim`` replaced by index[p]] += src[p] for every p of
    index (repeated positions add up).

    dz/dx = 1 everywhere; dz/dsrc[p] is the gradient at the position src[p] was added to (a
    gather of the gradient).
    """

    @staticmethod
    def forward(ctx, x, src, index, dim=0):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = x.copy()
        np.add.at(out, along(index, dim), src[leading(index.shape)])
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved
        need_x, need_src = ctx.needs_input_grad[:2]
        gsrc = _gathered(grad, index, ctx.dim, ctx.input_shapes[1]) if need_src else None
        return (grad if need_x else None), gsrc, None


class Scatter(Function):
    """z = x, then z[p with coordinate ``dim`` replaced by index[p]] = src[p] (or one number)
    for every p of index; where index repeats a position, the last write wins.

    dz/dx is 1 where x survives and 0 where it was overwritten; dz/dsrc[p] is the gradient at
    the position src[p] was written to. (Where several src elements write to one position, only
    the one that is kept should get the gradient; PyTorch, too, gives it to each of them.)
    """

    @staticmethod
    def forward(ctx, x, src, index, dim=0):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = x.copy()
        out[along(index, dim)] = src[leading(index.shape)] if isinstance(src, np.ndarray) else src
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved
        need_x, need_src = ctx.needs_input_grad[:2]
        gx = gsrc = None
        if need_x:
            gx = grad.copy()
            gx[along(index, ctx.dim)] = 0
        if need_src:
            gsrc = _gathered(grad, index, ctx.dim, ctx.input_shapes[1])
        return gx, gsrc, None


class Tril(Function):
    """z = x below and on the ``diagonal``-th diagonal of its last two dims, 0 above it; the
    gradient is kept by the same mask: dz/dx = tril(1)."""

    @staticmethod
    def forward(ctx, x, diagonal=0):
        ctx.diagonal = diagonal
        return np.tril(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return np.tril(grad, ctx.diagonal)


class Triu(Function):
    """z = x above and on the ``diagonal``-th diagonal of its last two dims, 0 below it; the
    gradient is kept by the same mask: dz/dx = triu(1)."""

    @staticmethod
    def forward(ctx, x, diagonal=0):
        ctx.diagonal = diagonal
        return np.triu(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return np.triu(grad, ctx.diagonal)


class Roll(Function):
    """z = x shifted by ``shifts`` along ``dims``, elements leaving one end re-entering at the
    other (over the flattened tensor when dims is None); the gradient rolls back by -shifts."""

    @staticmethod
    def forward(ctx, x, shifts, dims=None):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return np.roll(grad, back, axis=ctx.dims)


class Flip(Function):
    """z = x with the order of its elements reversed along ``dims`` (a copy, as PyTorch's);
    the gradient is flipped back."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return np.flip(grad, ctx.dims)


class Repeat(Function):
    """z = x tiled ``repeats[d]`` times along each dim d (x gets leading size-1 dims when
    repeats is longer); each element of x appears prod(repeats) times, so its gradient is the
    sum of the gradient over all its copies."""

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.repeats = repeats
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.input_shapes[0]
        sizes = (1,) * (len(ctx.repeats) - len(shape)) + tuple(shape)
        # z's dim d holds repeats[d] blocks of size sizes[d]: split each dim in two, sum blocks
        split = [n for pair in zip(ctx.repeats, sizes) for n in pair]
        summed = grad.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return summed.reshape(shape)
