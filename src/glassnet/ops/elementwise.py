"""Elementwise ops: arithmetic, exp/log family, clamp, maximum/minimum, where, casts.

Each backward returns one gradient per input at the *broadcast* shape; the engine sums it back
to the input's own shape. ``ctx.needs_input_grad`` skips work for inputs that need no gradient.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function


class Add(Function):
    """z = x + y."""

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """z = x - y."""

    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """z = x * y; each input's gradient is the upstream gradient times the other input."""

    @staticmethod
    def forward(ctx, x, y):
        # a Python-number factor needs no gradient, so the other input need not be kept
        ctx.save_for_backward(x if type(y) is np.ndarray else None, y)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (grad * y if need_x else None), (grad * x if need_y else None)


class Div(Function):
    """z = x / y; dz/dx = 1/y and dz/dy = -x/y² = -z/y."""

    @staticmethod
    def forward(ctx, x, y):
        out = x / y
        ctx.save_for_backward(y, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        y, out = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (grad / y if need_x else None), (-grad * out / y if need_y else None)


class Pow(Function):
    """z = x ** y; dz/dx = y·x^(y-1) and dz/dy = z·ln x (taken as 0 where x = 0)."""

    @staticmethod
    def forward(ctx, x, y):
        out = np.power(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved[:2]
        out = ctx.saved[2]
        need_x, need_y = ctx.needs_input_grad
        gx = gy = None
        if need_x:
            constant_zero = np.isscalar(y) and y == 0
            gx = np.zeros_like(grad) if constant_zero else grad * (y * np.power(x, y - 1))
        if need_y:
            with np.errstate(divide="ignore", invalid="ignore"):
                gy = grad * np.where(x > 0, out * np.log(np.where(x > 0, x, 1)), 0)
        return gx, gy


class Neg(Function):
    """z = -x."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    """z = eˣ; its derivative is itself, so backward reuses the output."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0]


class Log(Function):
    """z = ln x; dz/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.saved[0]


class Log1p(Function):
    """z = ln(1 + x), accurate for tiny x; dz/dx = 1/(1 + x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / (1 + ctx.saved[0])


class Sqrt(Function):
    """z = √x; dz/dx = 1/(2√x)."""

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad / (2 * ctx.saved[0])


class Abs(Function):
    """z = |x|; dz/dx = sign(x) (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * np.sign(ctx.saved[0])


class Clamp(Function):
    """z = min(max(x, low), high); the gradient passes only where low <= x <= high."""

    @staticmethod
    def forward(ctx, x, low=None, high=None):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved[0]
        inside = np.ones(x.shape, dtype=bool)
        if ctx.low is not None:
            inside &= x >= ctx.low
        if ctx.high is not None:
            inside &= x <= ctx.high
        return np.where(inside, grad, 0)


class Maximum(Function):
    """z = max(x, y) elementwise; the gradient goes to the larger input (split on ties)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.maximum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        share = (x > y) + 0.5 * (x == y)
        return grad * share, grad * (1 - share)


class Minimum(Function):
    """z = min(x, y) elementwise; the gradient goes to the smaller input (split on ties)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.minimum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        share = (x < y) + 0.5 * (x == y)
        return grad * share, grad * (1 - share)


class Where(Function):
    """z = x where condition holds, else y; each gradient flows through its own positions."""

    @staticmethod
    def forward(ctx, condition, x, y):
        ctx.condition = condition
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx, grad):
        keep = ctx.condition
        _, need_x, need_y = ctx.needs_input_grad
        return (None, np.where(keep, grad, 0) if need_x else None,
                np.where(keep, 0, grad) if need_y else None)


class Cast(Function):
    """z = x converted to another dtype; the gradient is converted back."""

    node_name = "ToCopyBackward0"
    chooses_dtype = True

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)


class Clone(Function):
    """z = a copy of x."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad
