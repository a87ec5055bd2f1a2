"""Selection ops: sort, topk, kthvalue, median, mode — values picked out of x along one dim.

Each returns the picked values and, where PyTorch does, their indices. The derivative of a
picked value with respect to the element it was picked from is 1 and 0 for every other element,
so backward scatters each gradient back to its index (``_Select``). The median of all elements
is the exception: as in PyTorch, its gradient is shared evenly among the elements equal to it.

Orders are stable (equal values keep their order; descending keeps it too), and NaN sorts as the
largest value, as in PyTorch. ``glassnet/ops/reduce_functions.py`` holds the functional forms.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .reduce import evenly_shared, normalize_dims


def one_axis(dim, ndim: int) -> int:
    """``dim`` (an int, negatives allowed) as an axis of a tensor with ``max(ndim, 1)`` dims."""
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"expected dim to be a single int, got {dim!r}; these ops select "
                        f"along one dim at a time")
    return normalize_dims(int(dim), max(ndim, 1))[0]


def stable_argsort(x: np.ndarray, axis: int, descending: bool = False) -> np.ndarray:
    """The indices that sort x along axis, equal values keeping their order, NaN the largest.

    Descending is the ascending order of x read backwards, reversed again: equal values then
    keep their original order too, and NaN comes first, as in PyTorch.
    """
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    backwards = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return x.shape[axis] - 1 - np.flip(backwards, axis)


def _ordering(x: np.ndarray, pivot: np.ndarray) -> tuple:
    """(before, equal): which elements a stable ascending sort puts before ``pivot`` (broadcast
    along the last axis) and which tie with it, NaN counting as the largest value."""
    if x.dtype.kind != "f":
        return x < pivot, x == pivot
    nan, pivot_nan = np.isnan(x), np.isnan(pivot)
    return (x < pivot) | (~nan & pivot_nan), (x == pivot) | (nan & pivot_nan)


def index_at_rank(x: np.ndarray, rank: int, axis: int) -> np.ndarray:
    """The index of the element that a stable ascending sort puts at ``rank`` along axis
    (the axis kept, size 1), found in O(n) by a partition instead of a sort.

    The partition gives the value; of the elements equal to it, the stable sort would place them
    in index order right after the smaller ones, so the one at ``rank`` is the
    (rank - smaller)-th of them.
    """
    x = np.moveaxis(x, axis, -1)
    pivot = np.partition(x, rank, axis=-1)[..., rank:rank + 1]
    before, equal = _ordering(x, pivot)
    ties_before = rank - before.sum(-1, keepdims=True)
    index = np.argmax(np.cumsum(equal, axis=-1) > ties_before, axis=-1)[..., None]
    return np.moveaxis(index, -1, axis)


def top_indices(x: np.ndarray, k: int, axis: int, largest: bool) -> np.ndarray:
    """The indices of the k largest (smallest) elements along axis, best first, the first of
    equal values winning: what a stable sort's first k would be, without sorting all n.

    A partition finds the k-th best value; every element better than it is taken, then the
    first few equal to it (in index order) up to k; only those k are sorted.
    """
    size = x.shape[axis]
    if k == 0 or 4 * k >= size:  # a full sort costs about as much
        return np.take(stable_argsort(x, axis, largest), np.arange(k), axis=axis)
    x = np.moveaxis(x, axis, -1)
    rank = size - k if largest else k - 1
    pivot = np.partition(x, rank, axis=-1)[..., rank:rank + 1]
    smaller, equal = _ordering(x, pivot)
    better = ~(smaller | equal) if largest else smaller
    wanted = k - better.sum(-1, keepdims=True)
    chosen = better | (equal & (np.cumsum(equal, axis=-1) <= wanted))
    candidates = np.argsort(~chosen, axis=-1, kind="stable")[..., :k]  # in index order
    order = stable_argsort(np.take_along_axis(x, candidates, -1), -1, largest)
    return np.moveaxis(np.take_along_axis(candidates, order, -1), -1, axis)


class _Select(Function):
    """Values picked from x along ``ctx.axis`` at the saved indices; dz/dx is 1 at each index."""

    @staticmethod
    def backward(ctx, grad):
        indices = ctx.saved[0]
        shape = ctx.input_shapes[0]
        out = np.zeros(shape or (1,), dtype=grad.dtype)
        # indices keep the reduced axis (size 1), so the gradient fits them after a reshape
        np.put_along_axis(out, indices, grad.reshape(indices.shape), axis=ctx.axis)
        return out.reshape(shape)


def _pick(ctx, work: np.ndarray, indices: np.ndarray, keepdim: bool, ndim: int):
    """(values, indices) at ``indices`` (size 1 along ctx.axis), squeezing it unless keepdim."""
    ctx.save_for_backward(indices)
    values = np.take_along_axis(work, indices, axis=ctx.axis)
    if keepdim and ndim:
        return values, indices
    return values.squeeze(ctx.axis), indices.squeeze(ctx.axis)


class Sort(_Select):
    """(values, indices) = x sorted along dim; each value's gradient goes back to its index."""

    @staticmethod
    def forward(ctx, x, dim=-1, descending=False):
        work, ctx.axis = x.reshape(x.shape or (1,)), one_axis(dim, x.ndim)
        indices = stable_argsort(work, ctx.axis, descending)
        ctx.save_for_backward(indices)
        values = np.take_along_axis(work, indices, axis=ctx.axis)
        return values.reshape(x.shape), indices.reshape(x.shape)



class Topk(_Select):
    """The k largest (or smallest) values along dim, largest first; gradient to their indices.

    Among equal values the first ones win, as a stable sort would take them (PyTorch leaves
    the choice among ties unspecified; its values always agree). ``sorted=False`` allows any
    order; here they come sorted.
    """

    @staticmethod
    def forward(ctx, x, k, dim=-1, largest=True):
        work, ctx.axis = x.reshape(x.shape or (1,)), one_axis(dim, x.ndim)
        indices = top_indices(work, k, ctx.axis, largest)
        ctx.save_for_backward(indices)
        values = np.take_along_axis(work, indices, axis=ctx.axis)
        shape = values.shape if x.ndim else ()
        return values.reshape(shape), indices.reshape(shape)



class Kthvalue(_Select):
    """The k-th smallest value along dim (k counts from 1) and its index; gradient to the index."""

    @staticmethod
    def forward(ctx, x, k, dim=-1, keepdim=False):
        work, ctx.axis = x.reshape(x.shape or (1,)), one_axis(dim, x.ndim)
        indices = index_at_rank(work, k - 1, ctx.axis)
        return _pick(ctx, work, indices, keepdim, x.ndim)



class MedianDim(_Select):
    """The lower median along dim, i.e. the ⌊(n-1)/2⌋-th smallest (counting from 0), and its index.

    A slice holding NaN has median NaN, at the first NaN's index (PyTorch's rule). The gradient
    goes to the index.
    """

    node_name = "MedianBackward1"

    @staticmethod
    def forward(ctx, x, dim=-1, keepdim=False):
        work, ctx.axis = x.reshape(x.shape or (1,)), one_axis(dim, x.ndim)
        indices = index_at_rank(work, (work.shape[ctx.axis] - 1) // 2, ctx.axis)
        if work.dtype.kind == "f":
            nan = np.isnan(work)
            first_nan = np.argmax(nan, axis=ctx.axis, keepdims=True)
            indices = np.where(nan.any(axis=ctx.axis, keepdims=True), first_nan, indices)
        return _pick(ctx, work, indices, keepdim, x.ndim)



class Mode(_Select):
    """The most frequent value along dim (the smallest of those tied, PyTorch's rule) and the
    index of its last occurrence; the gradient goes to that index. (PyTorch's index is some
    occurrence: the last one for short slices, unspecified for long ones.)

    Sorting makes equal values neighbours: a run's length is its count, the first longest run
    holds the smallest mode, and the run's last element (stable order) its last occurrence.
    """

    @staticmethod
    def forward(ctx, x, dim=-1, keepdim=False):
        work, ctx.axis = x.reshape(x.shape or (1,)), one_axis(dim, x.ndim)
        order = np.moveaxis(stable_argsort(work, ctx.axis), ctx.axis, -1)
        ordered = np.take_along_axis(np.moveaxis(work, ctx.axis, -1), order, axis=-1)
        size = ordered.shape[-1]
        position = np.arange(size)
        starts = np.ones(ordered.shape, dtype=bool)
        starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
        ends = np.ones(ordered.shape, dtype=bool)
        ends[..., :-1] = starts[..., 1:]
        run_start = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
        run_length = np.where(ends, position - run_start + 1, 0)
        best = np.argmax(run_length, axis=-1)[..., None]  # the first longest run
        indices = np.moveaxis(np.take_along_axis(order, best, axis=-1), -1, ctx.axis)
        return _pick(ctx, work, indices, keepdim, x.ndim)



class Median(Function):
    """The lower median of all elements; its gradient is shared evenly among the elements equal
    to it (among the NaNs when it is NaN), as PyTorch's MedianBackward0 does."""

    @staticmethod
    def forward(ctx, x):
        flat = x.reshape(-1)
        if flat.size == 0:
            out = np.asarray(np.nan, dtype=x.dtype if x.dtype.kind == "f" else np.float64)
        elif x.dtype.kind == "f" and np.isnan(flat).any():
            out = np.asarray(np.nan, dtype=x.dtype)
        else:
            out = np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2]
        out = np.asarray(out)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        return evenly_shared(grad, x, out, None, False)
