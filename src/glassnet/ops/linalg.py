"""Matrix multiplication (1-D, 2-D and batched), the workhorse of every layer."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..errors import ShapeError


class Matmul(Function):
    """z = x @ y; dL/dx = g @ yᵀ and dL/dy = xᵀ @ g (1-D operands are promoted, then restored).

    Batch dims broadcast; the engine sums the gradient over any batch dims an input lacked.
    """

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, x, y):
        if x.dtype != y.dtype and x.dtype.kind == "f" and y.dtype.kind == "f":
            raise TypeError(
                f"matmul: {x.dtype} @ {y.dtype}: both operands must have the same dtype; "
                f"convert one with .float() or .double()"
            )
        try:
            out = x @ y
        except ValueError:
            raise _shape_error(x.shape, y.shape) from None
        ctx.save_for_backward(x, y)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        if x.ndim == 1 and y.ndim == 1:
            return (grad * y if need_x else None), (grad * x if need_y else None)
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        g2 = grad
        if x.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if y.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        gx = gy = None
        if need_x:
            gx = g2 @ np.swapaxes(y2, -1, -2)
            if x.ndim == 1:
                gx = gx[..., 0, :]
        if need_y:
            gy = np.swapaxes(x2, -1, -2) @ g2
            if y.ndim == 1:
                gy = gy[..., 0]
        return gx, gy


def _shape_error(a: tuple, b: tuple) -> ShapeError:
    if not a or not b:
        return ShapeError(f"matmul: both operands need at least 1 dimension, got {a} @ {b}")
    inner_a = a[-1]
    inner_b = b[-2] if len(b) > 1 else b[0]
    if inner_a != inner_b:
        return ShapeError(
            f"matmul: {a} @ {b}: inner dimensions {inner_a} and {inner_b} differ; the last dim "
            f"of the left operand must equal the {'first' if len(b) == 1 else 'second-to-last'} "
            f"dim of the right (transpose one with .T, or check the layer sizes)"
        )
    return ShapeError(f"matmul: {a} @ {b}: batch dimensions {a[:-2]} and {b[:-2]} cannot "
                      f"be broadcast together")
