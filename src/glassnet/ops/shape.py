"""Shape ops: reshape/view, transpose, permute, squeeze, unsqueeze, expand, indexing, cat, stack.

They move values without changing them, so each backward moves the gradient back the same way.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..errors import ShapeError


class _Regroup(Function):
    """An op that only regroups elements: the gradient is reshaped back to the input's shape."""

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shapes[0])


class Reshape(_Regroup):
    """z = x with a new shape holding the same elements in the same order."""

    node_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"reshape: cannot view shape {x.shape} ({x.size} elements) as {tuple(shape)}; "
                f"the element counts must match (use -1 for one inferred size)"
            ) from None


class Squeeze(_Regroup):
    """z = x without size-1 dims (or only the given ones)."""

    @staticmethod
    def forward(ctx, x, dim=None):
        if dim is None:
            return x.squeeze()
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        keep = tuple(d % x.ndim for d in dims if x.shape[d] == 1) if x.ndim else ()
        return x.squeeze(keep) if keep else x


class Unsqueeze(_Regroup):
    """z = x with a new size-1 dim at ``dim``."""

    @staticmethod
    def forward(ctx, x, dim):
        return np.expand_dims(x, dim)


class Transpose(Function):
    """z = x with two dims swapped; the gradient swaps them back."""

    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dims = (dim0, dim1)
        return np.swapaxes(x, dim0, dim1)

    @staticmethod
    def backward(ctx, grad):
        return np.swapaxes(grad, *ctx.dims)


class Permute(Function):
    """z = x with its dims reordered; the gradient takes the inverse order."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = tuple(dims)
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, np.argsort(ctx.dims))


class Expand(Function):
    """z = x repeated along size-1 dims (a view); the engine sums the gradient back."""

    @staticmethod
    def forward(ctx, x, shape):
        lead = len(shape) - x.ndim
        target = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        try:
            return np.broadcast_to(x, target)
        except ValueError:
            raise ShapeError(
                f"expand: cannot expand shape {x.shape} to {tuple(shape)}; only size-1 dims "
                f"can grow (new dims go in front)"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return grad


def _is_basic(index) -> bool:
    """True for indexes that pick each element at most once (slices, ints, masks)."""
    items = index if isinstance(index, tuple) else (index,)
    for item in items:
        if isinstance(item, np.ndarray) and item.dtype != np.bool_:
            return False
        if isinstance(item, list):
            return False
    return True


class Index(Function):
    """z = x[index]; the gradient is scattered back, adding up elements picked repeatedly."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.input_shapes[0], dtype=grad.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)
        return out


class IndexPut(Function):
    """z = x with z[index] = value; x's gradient is zero there, value's is the gradient there."""

    node_name = "CopySlices"

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index = index
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_value = ctx.needs_input_grad
        gx = gv = None
        if need_x:
            gx = grad.copy()
            gx[ctx.index] = 0
        if need_value:
            gv = grad[ctx.index]
        return gx, gv


class Cat(Function):
    """z = the inputs joined along ``dim``; the gradient is cut back into their pieces."""

    @staticmethod
    def forward(ctx, *xs, dim=0):
        try:
            out = np.concatenate(xs, axis=dim)
        except ValueError:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ShapeError(
                f"cat: shapes {shapes} cannot be joined along dim {dim}; every other dim must "
                f"match"
            ) from None
        ctx.dim = dim
        ctx.splits = np.cumsum([x.shape[dim] for x in xs])[:-1]
        return out

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.splits, axis=ctx.dim))


class Stack(Function):
    """z = the inputs stacked along a new dim; the gradient is unstacked."""

    @staticmethod
    def forward(ctx, *xs, dim=0):
        try:
            out = np.stack(xs, axis=dim)
        except ValueError:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ShapeError(f"stack: all shapes must be equal, got {shapes}") from None
        ctx.dim = dim % out.ndim
        return out

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.moveaxis(grad, ctx.dim, 0))
