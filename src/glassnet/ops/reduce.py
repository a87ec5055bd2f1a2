"""Reductions: sum, mean, var, std, max, min, amax, amin, prod, logsumexp, dist.

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


def evenly_shared(grad, x, value, axes, keepdim):
    """The gradient of a max, min or median: shared evenly among the elements equal to the value
    (among the NaNs when the value is NaN), as PyTorch's ``evenly_distribute_backward``."""
    value = _expand(value, x.shape, axes, keepdim)
    hits = x == value
    if x.dtype.kind == "f":
        hits = np.where(np.isnan(value), np.isnan(x), hits)
    count = hits.sum(axis=axes, keepdims=True)
    return _expand(grad, x.shape, axes, keepdim) * hits / np.maximum(count, 1)


class _Extreme(Function):
    """Max or min of all elements, or over some dims; the gradient is shared evenly among the
    elements equal to the extreme (tied extremes each get an equal part)."""

    reduce = None

    @classmethod
    def forward(cls, ctx, x, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim = normalize_dims(dim, x.ndim), keepdim
        out = np.asarray(cls.reduce(x, axis=ctx.axes, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        return evenly_shared(grad, x, out, ctx.axes, ctx.keepdim)


class Max(_Extreme):
    node_name = "MaxBackward1"
    reduce = staticmethod(np.max)


class Min(_Extreme):
    node_name = "MinBackward1"
    reduce = staticmethod(np.min)


class Amax(_Extreme):
    """z = max of x over the dims (all when none); ties share the gradient evenly."""

    reduce = staticmethod(np.max)


class Amin(_Extreme):
    """z = min of x over the dims (all when none); ties share the gradient evenly."""

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


def products_of_others(x: np.ndarray, axis: int) -> np.ndarray:
    """For each element, the product of the other elements along axis, without any division.

    It is (product of those before it) · (product of those after it): two exclusive cumulative
    products, one from each side. Dividing the full product by the element would fail on zeros.
    """
    x = np.moveaxis(x, axis, -1)
    before = np.ones_like(x)
    np.cumprod(x[..., :-1], axis=-1, out=before[..., 1:])
    after = np.ones_like(x)
    after[..., :-1] = np.flip(np.cumprod(np.flip(x[..., 1:], -1), axis=-1), -1)
    return np.moveaxis(before * after, -1, axis)


class Prod(Function):
    """z = Π x, over all elements or along one dim; dz/dxᵢ = the product of the other elements.

    Exact with zeros: one zero gets the product of the rest, every other element 0; two zeros
    give 0 everywhere (see ``products_of_others``).
    """

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        axes = normalize_dims(dim, x.ndim)
        ctx.axis, ctx.keepdim = (None if axes is None else axes[0]), keepdim
        ctx.save_for_backward(x)
        return x.prod(axis=ctx.axis, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved[0]
        if ctx.axis is None:
            others = products_of_others(x.reshape(-1), 0).reshape(x.shape)
            return grad.reshape((1,) * x.ndim) * others
        axes = (ctx.axis,)
        return _expand(grad, x.shape, axes, ctx.keepdim) * products_of_others(x, ctx.axis)


class LogSumExp(Function):
    """z = log Σ exp(x) over the dims, computed as m + log Σ exp(x - m) with m the max, so no
    exp overflows; dz/dx = exp(x - z), the softmax of x."""

    node_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim = normalize_dims(dim, x.ndim), keepdim
        shift = np.max(x, axis=ctx.axes, keepdims=True, initial=-np.inf)
        shift = np.where(np.isfinite(shift), shift, 0)  # all -inf (or +inf) gives -inf (inf)
        with np.errstate(divide="ignore"):
            total = np.log(np.sum(np.exp(x - shift), axis=ctx.axes, keepdims=True)) + shift
        out = total if keepdim else total.reshape(_reduced_shape(x.shape, ctx.axes))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        softmax = np.exp(x - _expand(out, x.shape, ctx.axes, ctx.keepdim))
        return _expand(grad, x.shape, ctx.axes, ctx.keepdim) * softmax


def _reduced_shape(shape, axes) -> tuple:
    if axes is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axes)


class VectorNorm(Function):
    """z = ‖x‖ₚ = (Σ |x|ᵖ)^(1/p) over ``dim`` (all elements when None);
    dz/dx = sign(x) |x|^(p-1) / z^(p-1), and 0 where z = 0 (PyTorch's subgradient: the norm
    of a zero vector has gradient 0, not NaN).

    p = inf is max |x| and p = -inf min |x| (the gradient shared by the elements at it);
    p = 0 counts the nonzero elements (gradient 0).
    """

    @staticmethod
    def forward(ctx, x, p=2.0, dim=None, keepdim=False):
        axes = normalize_dims(dim, x.ndim)
        size = np.abs(x)
        if p == 0:
            out = np.count_nonzero(x, axis=axes, keepdims=keepdim)
        elif np.isinf(p):
            reduce = np.max if p > 0 else np.min
            out = reduce(size, axis=axes, keepdims=keepdim,
                         initial=0.0 if p > 0 else np.inf)
        elif p == 2:
            out = np.sqrt(np.sum(size * size, axis=axes, keepdims=keepdim))
        elif p == 1:
            out = np.sum(size, axis=axes, keepdims=keepdim)
        else:
            out = np.sum(size**p, axis=axes, keepdims=keepdim) ** (1.0 / p)
        out = np.asarray(out, dtype=x.dtype)
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        p, axes, keepdim = ctx.p, ctx.axes, ctx.keepdim
        if p == 0:
            return np.zeros_like(x)
        if np.isinf(p):
            return evenly_shared(grad, np.abs(x), out, axes, keepdim) * np.sign(x)
        g, z = _expand(grad, x.shape, axes, keepdim), _expand(out, x.shape, axes, keepdim)
        if p == 1:
            return g * np.sign(x)
        safe = np.where(z == 0, 1, z)  # where z = 0 every x is 0, and so is the gradient
        if p == 2:
            return g * x / safe
        return g * np.sign(x) * np.abs(x) ** (p - 1) / safe ** (p - 1)


class Dist(Function):
    """z = ‖x - y‖ₚ = (Σ |x - y|ᵖ)^(1/p), broadcasting x against y; with d = x - y,
    dz/dd = sign(d) |d|^(p-1) / z^(p-1) (0 where z = 0), dz/dx = dz/dd and dz/dy = -dz/dd.

    p = inf is max |d| and p = -inf min |d| (the gradient shared by the elements at it);
    p = 0 counts the nonzero differences (gradient 0).
    """

    @staticmethod
    def forward(ctx, x, y, p=2.0):
        difference = x - y
        size = np.abs(difference)
        if p == 0:
            out = np.count_nonzero(difference)
        elif np.isinf(p):
            out = size.max(initial=0.0) if p > 0 else size.min(initial=np.inf)
        elif p == 2:
            out = np.sqrt(np.sum(size * size))
        else:
            out = np.sum(size**p) ** (1.0 / p)
        ctx.p = p
        out = np.asarray(out, dtype=difference.dtype)
        ctx.save_for_backward(difference, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        difference, out = ctx.saved
        p = ctx.p
        if p == 0:
            by_difference = np.zeros_like(difference)
        elif np.isinf(p):
            by_difference = evenly_shared(grad, np.abs(difference), out, None, False) * np.sign(
                difference)
        elif out == 0:
            by_difference = np.zeros_like(difference)
        elif p == 1:
            by_difference = grad * np.sign(difference)
        else:
            size = np.abs(difference)
            by_difference = grad * np.sign(difference) * size ** (p - 1) / out ** (p - 1)
        need_x, need_y = ctx.needs_input_grad
        return (by_difference if need_x else None), (-by_difference if need_y else None)
