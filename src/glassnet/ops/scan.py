"""Scans: cumsum and cumprod, the running sum and product along one dim.

Backward of a scan is a scan the other way: each input element feeds every output from its
own position onward, so its gradient sums the gradients of those outputs (a reversed cumsum).
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .sort import one_axis


def reversed_cumsum(x: np.ndarray, axis: int) -> np.ndarray:
    """out_i = Σ_{j ≥ i} x_j along axis: the cumulative sum taken from the end."""
    return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)


class Cumsum(Function):
    """zⱼ = Σ_{i ≤ j} xᵢ along dim; dL/dxᵢ = Σ_{j ≥ i} dL/dzⱼ, a cumsum from the end."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.axis = one_axis(dim, x.ndim)
        return np.cumsum(x.reshape(x.shape or (1,)), axis=ctx.axis).reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.input_shapes[0]
        return reversed_cumsum(grad.reshape(shape or (1,)), ctx.axis).reshape(shape)


class Cumprod(Function):
    """zⱼ = Π_{i ≤ j} xᵢ along dim; dL/dxᵢ = Σ_{j ≥ i} dL/dzⱼ · Π_{k ≤ j, k ≠ i} xₖ.

    Before a slice's first zero that is (Σ_{j ≥ i} dL/dzⱼ zⱼ) / xᵢ, dividing only by nonzero
    elements. At the first zero, at index f, it is z_{f-1} · Σ_{j ≥ f} dL/dzⱼ Π_{f < k ≤ j} xₖ,
    computed without division. Past it every product holds that zero: the gradient is 0.
    This is PyTorch's rule, so zeros are handled exactly.
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.axis = one_axis(dim, x.ndim)
        out = np.cumprod(x.reshape(x.shape or (1,)), axis=ctx.axis).reshape(x.shape)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        shape = x.shape or (1,)
        x, out, grad = (np.moveaxis(a.reshape(shape), ctx.axis, -1) for a in (x, out, grad))
        zeros_so_far = np.cumsum(x == 0, axis=-1)
        before_zero = zeros_so_far == 0
        result = np.zeros_like(grad)
        np.divide(reversed_cumsum(grad * out, -1), x, out=result, where=before_zero)
        first_zero = (x == 0) & (zeros_so_far == 1)
        if first_zero.any():
            product_before = np.ones_like(x)  # Π_{k < i} x_k, nonzero up to the first zero
            product_before[..., 1:] = out[..., :-1]
            # Π_{f < k ≤ j} x_k for j ≥ f: a cumprod with the factors up to f set to 1
            product_after = np.cumprod(np.where(before_zero | first_zero, 1, x), axis=-1)
            at_zero = np.sum(np.where(before_zero, 0, grad * product_after), -1, keepdims=True)
            result = np.where(first_zero, product_before * at_zero, result)
        return np.moveaxis(result, -1, ctx.axis).reshape(ctx.input_shapes[0])
