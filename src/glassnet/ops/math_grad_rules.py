"""Differentiable backward rules for ``math.py`` (double backward).

Each rule is the op's ``backward`` written with Tensor ops (see
``glassnet/autograd/double_backward.py``): the first derivative stated in the op's docstring,
now recorded so that its own derivative follows. ``x`` below is the input joined to its graph
(``operand``), ``z`` the op's output (``result``).
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.double_backward import constant, operand, result, rule
from . import elementwise as E
from . import math as M


def _x(ctx):
    return operand(ctx, 0, ctx.saved[0])


def _need(ctx, i: int) -> bool:
    return ctx.needs_input_grad[i]


@rule(M.Sin)
def sin(ctx, grad):
    """dL/dx = g·cos x."""
    return grad * M.Cos.apply(_x(ctx))


@rule(M.Cos)
def cos(ctx, grad):
    """dL/dx = -g·sin x."""
    return -grad * M.Sin.apply(_x(ctx))


@rule(M.Tan)
def tan(ctx, grad):
    """dL/dx = g·(1 + z²)."""
    out = result(ctx, ctx.saved[0])
    return grad * (out * out + 1.0)


@rule(M.Asin)
def asin(ctx, grad):
    """dL/dx = g/√(1 - x²)."""
    x = _x(ctx)
    return grad / E.Sqrt.apply(1.0 - x * x)


@rule(M.Acos)
def acos(ctx, grad):
    """dL/dx = -g/√(1 - x²)."""
    x = _x(ctx)
    return -grad / E.Sqrt.apply(1.0 - x * x)


@rule(M.Atan)
def atan(ctx, grad):
    """dL/dx = g/(1 + x²)."""
    x = _x(ctx)
    return grad / (x * x + 1.0)


@rule(M.Atan2)
def atan2(ctx, grad):
    """dL/dy = g·x/r², dL/dx = -g·y/r², r² = x² + y²."""
    y_array, x_array = ctx.saved
    y, x = operand(ctx, 0, y_array), operand(ctx, 1, x_array)
    scale = grad / (x * x + y * y)
    return (scale * x if _need(ctx, 0) else None), (-scale * y if _need(ctx, 1) else None)


@rule(M.Sinh)
def sinh(ctx, grad):
    """dL/dx = g·cosh x."""
    return grad * M.Cosh.apply(_x(ctx))


@rule(M.Cosh)
def cosh(ctx, grad):
    """dL/dx = g·sinh x."""
    return grad * M.Sinh.apply(_x(ctx))


@rule(M.Asinh)
def asinh(ctx, grad):
    """dL/dx = g/√(x² + 1)."""
    x = _x(ctx)
    return grad / E.Sqrt.apply(x * x + 1.0)


@rule(M.Acosh)
def acosh(ctx, grad):
    """dL/dx = g/√(x² - 1)."""
    x = _x(ctx)
    return grad / E.Sqrt.apply(x * x - 1.0)


@rule(M.Atanh)
def atanh(ctx, grad):
    """dL/dx = g/(1 - x²)."""
    x = _x(ctx)
    return grad / (1.0 - x * x)


@rule(M.Exp2)
def exp2(ctx, grad):
    """dL/dx = g·ln 2·z."""
    return grad * result(ctx, ctx.saved[0]) * math.log(2.0)


@rule(M.Expm1)
def expm1(ctx, grad):
    """dL/dx = g·(z + 1)."""
    return grad * (result(ctx, ctx.saved[0]) + 1.0)


@rule(M.Log2)
def log2(ctx, grad):
    """dL/dx = g/(x ln 2)."""
    return grad / (_x(ctx) * math.log(2.0))


@rule(M.Log10)
def log10(ctx, grad):
    """dL/dx = g/(x ln 10)."""
    return grad / (_x(ctx) * math.log(10.0))


@rule(M.Rsqrt)
def rsqrt(ctx, grad):
    """dL/dx = -½·g·z³."""
    out = result(ctx, ctx.saved[0])
    return grad * (out * out * out) * -0.5


@rule(M.Reciprocal)
def reciprocal(ctx, grad):
    """dL/dx = -g·z²."""
    out = result(ctx, ctx.saved[0])
    return -grad * (out * out)


@rule(M.Erf, M.Erfc)
def erf(ctx, grad):
    """dL/dx = ±g·(2/√π)·e^(-x²) (+ for erf, - for erfc)."""
    x = _x(ctx)
    sign = 1.0 if ctx.function is M.Erf else -1.0
    return grad * E.Exp.apply(-(x * x)) * (sign * M.TWO_OVER_SQRT_PI)


@rule(M.Trunc)
def trunc(ctx, grad):
    """dL/dx = 0."""
    return grad * 0.0


@rule(M.Frac)
def frac(ctx, grad):
    """dL/dx = g."""
    return grad


@rule(M.Lerp)
def lerp(ctx, grad):
    """dL/dstart = g·(1 - w), dL/dend = g·w, dL/dw = g·(end - start)."""
    start_array, end_array, weight_array = ctx.saved
    weight = operand(ctx, 2, weight_array)
    out = [grad * (1.0 - weight) if _need(ctx, 0) else None,
           grad * weight if _need(ctx, 1) else None, None]
    if _need(ctx, 2):
        out[2] = grad * (operand(ctx, 1, end_array) - operand(ctx, 0, start_array))
    return tuple(out)


def _quotient_rule(ctx, grad, quotient):
    """dL/dx = g and dL/dy = -g·q with q = floor(x/y) or trunc(x/y), constant between jumps."""
    need_x, need_y = ctx.needs_input_grad
    gx = grad if need_x else None
    gy = -grad * constant(quotient, grad) if need_y else None
    return gx, gy


@rule(M.Remainder)
def remainder(ctx, grad):
    """dL/dx = g, dL/dy = -g·floor(x/y)."""
    x, y = ctx.saved
    with np.errstate(divide="ignore", invalid="ignore"):
        return _quotient_rule(ctx, grad, np.floor_divide(x, y))


@rule(M.Fmod)
def fmod(ctx, grad):
    """dL/dx = g, dL/dy = -g·trunc(x/y)."""
    x, y = ctx.saved
    with np.errstate(divide="ignore", invalid="ignore"):
        return _quotient_rule(ctx, grad, np.trunc(np.divide(x, y)))


@rule(M.Fmax, M.Fmin)
def fmax(ctx, grad):
    """The gradient goes to the chosen input (x on ties; a NaN loses)."""
    x, y = ctx.saved
    better = (x >= y) if ctx.function is M.Fmax else (x <= y)
    chose_x = better | np.isnan(y)
    zero = constant(0.0, grad)
    return (E.Where.apply(chose_x, grad, zero) if _need(ctx, 0) else None,
            E.Where.apply(chose_x, zero, grad) if _need(ctx, 1) else None)
