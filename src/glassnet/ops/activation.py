"""Activation functions and the softmax family, each with its derivative beside it (§14.5-14.6)."""

from __future__ import annotations

import math

import numpy as np

from .. import _threads
from ..autograd.function import Function

_erf = np.frompyfunc(math.erf, 1, 1)


class Relu(Function):
    """z = max(0, x); the gradient passes where the unit is active (x > 0), else it is 0."""

    @staticmethod
    def forward(ctx, x):
        # save a bool mask, a quarter of the output's memory: backward's grad * mask is then
        # one pass (0.47 ms on 2.4 M floats, against 0.83 for grad * (out > 0)), and the
        # forward's comparison costs about what that saves
        if x.dtype.kind != "f" or not _threads.worth_splitting(x):
            ctx.save_for_backward(x > 0)
            return np.maximum(x, 0)
        active, out = np.empty(x.shape, dtype=bool), np.empty_like(x)

        def part(rows):
            np.greater(x[rows], 0, out=active[rows])
            np.maximum(x[rows], 0, out=out[rows])

        _threads.parallel_for(len(x), x[0].nbytes, part)
        ctx.save_for_backward(active)
        return out

    @staticmethod
    def backward(ctx, grad):
        active = ctx.saved[0]
        if grad.shape != active.shape or not _threads.worth_splitting(grad):
            return grad * active
        out = np.empty_like(grad)
        _threads.parallel_for(len(grad), grad[0].nbytes,
                              lambda rows: np.multiply(grad[rows], active[rows], out=out[rows]))
        return out


class Sigmoid(Function):
    """z = 1 / (1 + e⁻ˣ), computed as (1 + tanh(x/2)) / 2, which never overflows; z' = z(1 - z)."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x * 0.5)
        out += 1
        out *= 0.5
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved[0]
        return grad * out * (1 - out)


class Tanh(Function):
    """z = tanh x; z' = 1 - z²."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved[0]
        return grad * (1 - out * out)


class LeakyRelu(Function):
    """z = x for x > 0, else slope·x: a small slope keeps 'dead' units learning."""

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        ctx.save_for_backward(x)
        ctx.slope = negative_slope
        return np.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.saved[0] > 0, grad, grad * ctx.slope)


class Elu(Function):
    """z = x for x > 0, else α(eˣ - 1); below zero z' = z + α."""

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
        ctx.save_for_backward(x, out)
        ctx.alpha = alpha
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        return np.where(x > 0, grad, grad * (out + ctx.alpha))


class Gelu(Function):
    """z = x·Φ(x), Φ the standard normal CDF; z' = Φ(x) + x·φ(x).

    ``approximate='tanh'`` uses Φ(x) ≈ ½(1 + tanh(√(2/π)(x + 0.044715x³))), the fast form;
    the exact form evaluates erf element by element (accurate, slower on big arrays).
    """

    @staticmethod
    def forward(ctx, x, approximate="none"):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
            return 0.5 * x * (1 + np.tanh(inner))
        cdf = 0.5 * (1 + _erf(x / math.sqrt(2)).astype(x.dtype))
        return x * cdf

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved[0]
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = np.tanh(k * (x + 0.044715 * x**3))
            slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
            return grad * slope
        cdf = 0.5 * (1 + _erf(x / math.sqrt(2)).astype(x.dtype))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return grad * (cdf + x * pdf)


class Heaviside(Function):
    """The perceptron's step: z = 1 if x > 0, 0 if x < 0, ``values`` at 0; z' = 0 (almost
    everywhere), which is why the perceptron needs its own learning rule."""

    @staticmethod
    def forward(ctx, x, values=0.0):
        return np.heaviside(x, values).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Softmax(Function):
    """zᵢ = e^(xᵢ - max x) / Σⱼ e^(xⱼ - max x): shifting by the max keeps every exp finite.

    Backward: dL/dx = z ⊙ (g - Σ g⊙z), the Jacobian-vector product without the Jacobian.
    """

    @staticmethod
    def forward(ctx, x, dim=-1):
        e = np.exp(x - x.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(e)
        ctx.dim = dim
        return e

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved[0]
        return out * (grad - (grad * out).sum(axis=ctx.dim, keepdims=True))


class LogSoftmax(Function):
    """zᵢ = (xᵢ - m) - ln Σⱼ e^(xⱼ - m), m = max x; dL/dx = g - softmax(x)·Σ g."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        shifted = x - x.max(axis=dim, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved[0]
        return grad - np.exp(out) * grad.sum(axis=ctx.dim, keepdims=True)


def _sigmoid(x):
    """σ(x) = (1 + tanh(x/2)) / 2: the overflow-free form Sigmoid uses."""
    return 0.5 * (1 + np.tanh(0.5 * x))


def _softplus(x):
    """ln(1 + eˣ) = ln(1 + e^-|x|) + max(x, 0), never overflowing (np.logaddexp is the same
    but 30x slower on float32)."""
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


# The piecewise ops below pick their pieces with arithmetic on boolean masks (m·a + (1-m)·b,
# one of the two terms exactly 0) rather than np.where: where's per-element branch costs
# ~4 ms per million randomly signed floats, the arithmetic ~0.5 ms.


class Selu(Function):
    """SELU: z = s·x for x > 0, else s·α(eˣ - 1), with α ≈ 1.6733 and s ≈ 1.0507 chosen so
    activations keep zero mean and unit variance through deep stacks; z' = s above zero,
    z + s·α below. (A scaled ELU, so PyTorch labels its node EluBackward0 too.)"""

    node_name = "EluBackward0"
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return Selu.scale * (np.maximum(x, 0) + Selu.alpha * np.expm1(np.minimum(x, 0)))

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved[0]
        positive = x > 0
        below = (Selu.scale * Selu.alpha) * np.exp(np.minimum(x, 0))
        return grad * (np.asarray(Selu.scale, x.dtype) * positive + below * ~positive)


class Celu(Function):
    """CELU: z = x for x > 0, else α(e^(x/α) - 1), continuously differentiable for every α;
    below zero z' = e^(x/α) (taken from x: z/α + 1 would cancel digits where z ≈ -α)."""

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha)

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved[0]
        positive = x > 0
        return grad * (positive + np.exp(np.minimum(x, 0) / ctx.alpha) * ~positive)


class Silu(Function):
    """SiLU (swish): z = x·σ(x); z' = σ(x)·(1 + x·(1 - σ(x)))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * _sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved[0]
        s = _sigmoid(x)
        return grad * s * (1 + x * (1 - s))


class Mish(Function):
    """Mish: z = x·tanh(softplus(x)); z' = t + x·(1 - t²)·σ(x), t = tanh(softplus(x))
    (softplus' is σ)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.tanh(_softplus(x))

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved[0]
        t = np.tanh(_softplus(x))
        return grad * (t + x * (1 - t * t) * _sigmoid(x))


class Softplus(Function):
    """z = ln(1 + e^(βx))/β, a smooth ReLU, and z = x where βx > threshold (there the two
    agree to float precision); z' = σ(βx), or 1 in the linear part."""

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        scaled = x * beta
        ctx.save_for_backward(scaled)
        ctx.threshold, ctx.beta = threshold, beta  # beta for the double-backward rule
        out = _softplus(scaled) / beta
        np.copyto(out, x, where=scaled > threshold)  # a rare, predictable branch: fast
        return out

    @staticmethod
    def backward(ctx, grad):
        scaled = ctx.saved[0]
        slope = _sigmoid(scaled)
        np.copyto(slope, 1, where=scaled > ctx.threshold)
        return grad * slope


class Hardtanh(Function):
    """z = clip(x, min_val, max_val) (ReLU6 is clip(x, 0, 6)); z' = 1 strictly inside the
    interval, else 0."""

    @staticmethod
    def forward(ctx, x, min_val=-1.0, max_val=1.0):
        ctx.save_for_backward((x > min_val) & (x < max_val))
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0]


class Hardsigmoid(Function):
    """z = clip(x/6 + 1/2, 0, 1), a piecewise-linear sigmoid; z' = 1/6 for -3 < x < 3, else 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward((x > -3) & (x < 3))
        return np.clip(x / 6 + 0.5, 0, 1).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0] / 6


class Hardswish(Function):
    """z = x·clip(x + 3, 0, 6)/6, a piecewise SiLU; z' = 0 below -3, x/3 + 1/2 up to 3,
    1 above."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved[0]
        middle = (x >= -3) & (x <= 3)
        return grad * (middle * (x / 3 + 0.5) + (x > 3))


class Threshold(Function):
    """z = x where x > threshold, else value; z' = 1 where x > threshold, else 0."""

    @staticmethod
    def forward(ctx, x, threshold, value):
        above = x > threshold
        ctx.save_for_backward(above)
        return np.where(above, x, np.asarray(value, dtype=x.dtype))

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0]


class Prelu(Function):
    """PReLU: z = x for x > 0, else a·x, with a learned slope a per channel (dim 1) or one
    shared; dL/dx = g or a·g, dL/da = Σ g·x over the negative inputs of its channel."""

    node_name = "PreluKernelBackward0"

    @staticmethod
    def forward(ctx, x, weight):
        # one slope per channel (dim 1), or a single one shared by every element
        shared = weight.size == 1
        slope = weight.reshape(()) if shared else weight.reshape((1, -1) + (1,) * (x.ndim - 2))
        ctx.save_for_backward(x, slope)
        ctx.weight_shape = weight.shape
        positive = x > 0
        return x * (positive + slope * ~positive)

    @staticmethod
    def backward(ctx, grad):
        x, slope = ctx.saved
        need_x, need_w = ctx.needs_input_grad[:2]
        positive = x > 0
        gx = grad * (positive + slope * ~positive) if need_x else None
        gw = None
        if need_w:
            per_element = grad * x * ~positive
            if slope.ndim == 0:
                gw = per_element.sum().reshape(ctx.weight_shape)
            else:
                axes = tuple(a for a in range(x.ndim) if a != 1)
                gw = per_element.sum(axis=axes).reshape(ctx.weight_shape)
        return gx, gw
