"""Differentiable backward rules for ``elementwise.py`` and ``activation.py`` (double backward).

Each rule is its op's ``backward`` written with Tensor ops, so that ``create_graph=True`` records
it (see ``glassnet/autograd/double_backward.py``): ``operand(ctx, i, a)`` is input i joined to
its graph, ``result(ctx, out)`` the op's own output; masks stay constant arrays, because a
piecewise function's pieces are chosen by the input but do not vary with it (so ReLU's second
derivative is 0 almost everywhere, as in PyTorch).
"""

from __future__ import annotations

import math

import numpy as np

from .. import random_functions as RF
from ..autograd.double_backward import constant, operand, result, rule
from . import activation as A
from . import elementwise as E
from .math import Erf


def _need(ctx, i: int) -> bool:
    return i < len(ctx.needs_input_grad) and ctx.needs_input_grad[i]


def _where(mask, a, b):
    """a where mask holds, else b: the selection is constant, each side is differentiable."""
    return E.Where.apply(mask, a, b)


def _below_zero(x):
    """min(x, 0): keeps exp() of an unused branch finite, so 0·∞ never poisons a gradient."""
    return E.Clamp.apply(x, None, 0.0)


# ----- arithmetic ----------------------------------------------------------------------------
@rule(E.Add)
def add(ctx, grad):
    """dL/dx = dL/dy = g (linear: the second derivative is 0)."""
    return (grad if _need(ctx, 0) else None), (grad if _need(ctx, 1) else None)


@rule(E.Sub)
def sub(ctx, grad):
    """dL/dx = g, dL/dy = -g."""
    return (grad if _need(ctx, 0) else None), (-grad if _need(ctx, 1) else None)


@rule(E.Neg)
def neg(ctx, grad):
    """dL/dx = -g."""
    return -grad


@rule(E.Clone)
def clone(ctx, grad):
    """dL/dx = g."""
    return grad


@rule(E.Cast)
def cast(ctx, grad):
    """dL/dx = g converted back to x's dtype."""
    return E.Cast.apply(grad, ctx.dtype)


@rule(E.Mul)
def mul(ctx, grad):
    """dL/dx = g·y and dL/dy = g·x; recorded, they give d²z/dxdy = 1."""
    x, y = ctx.saved
    return (grad * operand(ctx, 1, y) if _need(ctx, 0) else None,
            grad * operand(ctx, 0, x) if _need(ctx, 1) else None)


@rule(E.Div)
def div(ctx, grad):
    """dL/dx = g/y and dL/dy = -g·z/y, z = x/y the output (itself a function of x and y)."""
    y, out = ctx.saved
    y = operand(ctx, 1, y)
    gx = grad / y if _need(ctx, 0) else None
    gy = -grad * result(ctx, out) / y if _need(ctx, 1) else None
    return gx, gy


@rule(E.Pow)
def pow_(ctx, grad):
    """dL/dx = g·y·x^(y-1), dL/dy = g·z·ln x where x > 0 (0 elsewhere), z = x^y."""
    x_array, y_array, out = ctx.saved
    x, y = operand(ctx, 0, x_array), operand(ctx, 1, y_array)
    gx = gy = None
    if _need(ctx, 0):
        if np.isscalar(y_array) and y_array == 0:
            gx = grad * 0.0
        else:
            gx = grad * (y * x ** (y - 1))
    if _need(ctx, 1):
        positive = np.asarray(x_array) > 0
        if isinstance(x, (int, float)):
            gy = grad * result(ctx, out) * math.log(x) if x > 0 else grad * 0.0
        else:
            safe = _where(positive, x, constant(1.0, x))
            gy = grad * _where(positive, result(ctx, out) * E.Log.apply(safe),
                               constant(0.0, grad))
    return gx, gy


# ----- exp / log family ------------------------------------------------------------------------
@rule(E.Exp)
def exp(ctx, grad):
    """dL/dx = g·eˣ, the output itself."""
    return grad * result(ctx, ctx.saved[0])


@rule(E.Log)
def log(ctx, grad):
    """dL/dx = g/x."""
    return grad / operand(ctx, 0, ctx.saved[0])


@rule(E.Log1p)
def log1p(ctx, grad):
    """dL/dx = g/(1 + x)."""
    return grad / (operand(ctx, 0, ctx.saved[0]) + 1.0)


@rule(E.Sqrt)
def sqrt(ctx, grad):
    """dL/dx = g/(2√x), √x the output."""
    return grad / (result(ctx, ctx.saved[0]) * 2.0)


# ----- piecewise ------------------------------------------------------------------------------
@rule(E.Abs)
def abs_(ctx, grad):
    """dL/dx = g·sign(x); sign is constant away from 0."""
    return grad * constant(np.sign(ctx.saved[0]), grad)


@rule(E.Clamp)
def clamp(ctx, grad):
    """dL/dx = g where low <= x <= high, else 0."""
    x = ctx.saved[0]
    inside = np.ones(x.shape, dtype=bool)
    if ctx.low is not None:
        inside &= x >= ctx.low
    if ctx.high is not None:
        inside &= x <= ctx.high
    return (grad * constant(inside, grad),) + (None,) * (len(ctx.next_functions) - 1)


@rule(E.Maximum, E.Minimum)
def maximum(ctx, grad):
    """The gradient goes to the larger (smaller) input, split evenly on ties."""
    x, y = ctx.saved
    pick = (x > y) if ctx.function is E.Maximum else (x < y)
    share = constant(pick + 0.5 * (x == y), grad)
    return (grad * share if _need(ctx, 0) else None,
            grad * (1 - share) if _need(ctx, 1) else None)


@rule(E.Where)
def where(ctx, grad):
    """Each of x and y gets the gradient at its own positions."""
    keep = ctx.condition
    zero = constant(0.0, grad)
    return (None, _where(keep, grad, zero) if _need(ctx, 1) else None,
            _where(keep, zero, grad) if _need(ctx, 2) else None)


# ----- activations ----------------------------------------------------------------------------
@rule(A.Relu, A.Hardtanh, A.Threshold)
def relu(ctx, grad):
    """dL/dx = g·[x in the linear part]: a constant mask, so the second derivative is 0."""
    return grad * constant(ctx.saved[0], grad)


@rule(A.Hardsigmoid)
def hardsigmoid(ctx, grad):
    """dL/dx = g/6 for -3 < x < 3, else 0."""
    return grad * constant(ctx.saved[0] / 6, grad)


@rule(A.Heaviside)
def heaviside(ctx, grad):
    """dL/dx = 0 everywhere (almost)."""
    return grad * 0.0


@rule(A.LeakyRelu)
def leaky_relu(ctx, grad):
    """dL/dx = g for x > 0, else slope·g."""
    return grad * constant(np.where(ctx.saved[0] > 0, 1.0, ctx.slope), grad)


@rule(A.Sigmoid)
def sigmoid(ctx, grad):
    """dL/dx = g·z(1 - z), z = σ(x) the output."""
    out = result(ctx, ctx.saved[0])
    return grad * out * (1.0 - out)


@rule(A.Tanh)
def tanh(ctx, grad):
    """dL/dx = g·(1 - z²), z = tanh x the output."""
    out = result(ctx, ctx.saved[0])
    return grad * (1.0 - out * out)


@rule(A.Elu)
def elu(ctx, grad):
    """dL/dx = g for x > 0, else g·(z + α), z = α(eˣ - 1) the output."""
    x, out = ctx.saved
    return _where(x > 0, grad, grad * (result(ctx, out) + ctx.alpha))


@rule(A.Selu)
def selu(ctx, grad):
    """dL/dx = g·s for x > 0, else g·s·α·eˣ."""
    x_array = ctx.saved[0]
    x = operand(ctx, 0, x_array)
    s, alpha = A.Selu.scale, A.Selu.alpha
    return _where(x_array > 0, grad * s, grad * (s * alpha) * E.Exp.apply(_below_zero(x)))


@rule(A.Celu)
def celu(ctx, grad):
    """dL/dx = g for x > 0, else g·e^(x/α)."""
    x_array = ctx.saved[0]
    x = operand(ctx, 0, x_array)
    return _where(x_array > 0, grad, grad * E.Exp.apply(_below_zero(x) / ctx.alpha))


@rule(A.Gelu)
def gelu(ctx, grad):
    """dL/dx = g·(Φ(x) + x·φ(x)), or the derivative of the tanh form when approximate='tanh'."""
    x = operand(ctx, 0, ctx.saved[0])
    if ctx.approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        t = A.Tanh.apply((x + x * x * x * 0.044715) * k)
        slope = (t + 1.0) * 0.5 + x * (1.0 - t * t) * (x * x * (3 * 0.044715) + 1.0) * (0.5 * k)
        return grad * slope
    cdf = (Erf.apply(x / math.sqrt(2)) + 1.0) * 0.5
    pdf = E.Exp.apply(x * x * -0.5) / math.sqrt(2 * math.pi)
    return grad * (cdf + x * pdf)


@rule(A.Silu)
def silu(ctx, grad):
    """dL/dx = g·σ(x)·(1 + x·(1 - σ(x)))."""
    x = operand(ctx, 0, ctx.saved[0])
    s = A.Sigmoid.apply(x)
    return grad * s * (x * (1.0 - s) + 1.0)


@rule(A.Mish)
def mish(ctx, grad):
    """dL/dx = g·(t + x·(1 - t²)·σ(x)), t = tanh(softplus(x))."""
    x = operand(ctx, 0, ctx.saved[0])
    t = A.Tanh.apply(A.Softplus.apply(x))
    return grad * (t + x * (1.0 - t * t) * A.Sigmoid.apply(x))


@rule(A.Softplus)
def softplus(ctx, grad):
    """dL/dx = g·σ(βx), or g in the linear part (βx > threshold)."""
    scaled_array = ctx.saved[0]
    beta = getattr(ctx, "beta", 1.0)
    # the input as a Tensor: its value is βx/β, its graph is x's
    x = operand(ctx, 0, scaled_array / beta)
    slope = A.Sigmoid.apply(x * beta)
    linear = scaled_array > ctx.threshold
    return _where(linear, grad, grad * slope)


@rule(A.Hardswish)
def hardswish(ctx, grad):
    """dL/dx = 0 below -3, g·(x/3 + 1/2) up to 3, g above."""
    x_array = ctx.saved[0]
    x = operand(ctx, 0, x_array)
    middle = constant((x_array >= -3) & (x_array <= 3), grad)
    above = constant(x_array > 3, grad)
    return grad * (middle * (x / 3.0 + 0.5) + above)


@rule(A.Prelu)
def prelu(ctx, grad):
    """dL/dx = g or a·g; dL/da = Σ g·x over the negative inputs of a's channel."""
    x_array, slope_array = ctx.saved
    positive = x_array > 0
    weight = operand(ctx, 1, slope_array.reshape(ctx.weight_shape))
    slope = weight.reshape(slope_array.shape)
    gx = _where(positive, grad, grad * slope) if _need(ctx, 0) else None
    gw = None
    if _need(ctx, 1):
        per_element = grad * operand(ctx, 0, x_array) * constant(~positive, grad)
        if slope_array.ndim == 0:
            gw = per_element.sum().reshape(ctx.weight_shape)
        else:
            axes = tuple(a for a in range(x_array.ndim) if a != 1)
            gw = per_element.sum(dim=axes).reshape(ctx.weight_shape)
    return gx, gw


@rule(A.Softmax)
def softmax(ctx, grad):
    """dL/dx = z ⊙ (g - Σ g⊙z), z the output."""
    out = result(ctx, ctx.saved[0])
    return out * (grad - (grad * out).sum(dim=ctx.dim, keepdim=True))


@rule(A.LogSoftmax)
def log_softmax(ctx, grad):
    """dL/dx = g - softmax(x)·Σ g, softmax(x) = e^z with z the output."""
    out = result(ctx, ctx.saved[0])
    return grad - E.Exp.apply(out) * grad.sum(dim=ctx.dim, keepdim=True)


# ----- random draws ---------------------------------------------------------------------------
@rule(RF.Normal, RF.NormalTensorFloat, RF.NormalFloatTensor, RF.Bernoulli, RF.Poisson,
      RF.Refill)
def draw(ctx, grad):
    """A draw's derivative is 0 for every input (PyTorch does not differentiate a sample)."""
    return tuple(grad * 0.0 if need else None for need in ctx.needs_input_grad)
