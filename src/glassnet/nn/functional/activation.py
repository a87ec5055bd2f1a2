"""Activation functions as functions (their modules are in ``nn/activation.py``)."""

from __future__ import annotations

from ...autograd.grad_mode import GradMode
from ...errors import ShapeError
from ...ops import activation as A
from ...ops.methods import _t, log_softmax, sigmoid, softmax, tanh  # noqa: F401


def relu(input, inplace: bool = False):
    """max(0, x)."""
    return _apply(A.Relu, input, inplace=inplace, name="relu")


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """x for x > 0, else negative_slope·x."""
    return _apply(A.LeakyRelu, input, negative_slope, inplace=inplace, name="leaky_relu")


def elu(input, alpha: float = 1.0, inplace: bool = False):
    """x for x > 0, else α(eˣ - 1)."""
    return _apply(A.Elu, input, alpha, inplace=inplace, name="elu")


def gelu(input, approximate: str = "none"):
    """x·Φ(x), Φ the standard normal CDF (``approximate='tanh'`` for the fast form)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return A.Gelu.apply(_t(input), approximate)


def heaviside(input, values: float = 0.0):
    """The perceptron's step: 1 where x > 0, else 0 (``values`` at exactly 0)."""
    return A.Heaviside.apply(_t(input), values)



def _apply(function, input, *args, inplace: bool = False, name: str = ""):
    """Run ``function`` on ``input``; with ``inplace`` the result is written back into ``input``
    (its own memory when no graph is recorded, as PyTorch's in-place activations do)."""
    input = _t(input)
    if not inplace:
        return function.apply(input, *args)
    # when recording, the op works on a copy: the node keeps the old values for its backward
    # while ``input`` takes the new ones, so the saved-tensor version check stays truthful
    source = input.clone() if GradMode.enabled and input.requires_grad else input
    return input._set_inplace(name + "_", function.apply(source, *args))


def relu6(input, inplace: bool = False):
    """min(max(0, x), 6): ReLU capped at 6 (hardtanh(x, 0, 6))."""
    return _apply(A.Hardtanh, input, 0.0, 6.0, inplace=inplace, name="relu6")


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """clip(x, min_val, max_val); the gradient is 1 strictly inside, else 0."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val}); "
                         f"swap them")
    return _apply(A.Hardtanh, input, min_val, max_val, inplace=inplace, name="hardtanh")


def selu(input, inplace: bool = False):
    """scale·(x if x > 0 else α(eˣ - 1)), α ≈ 1.6733, scale ≈ 1.0507 (self-normalising)."""
    return _apply(A.Selu, input, inplace=inplace, name="selu")


def celu(input, alpha: float = 1.0, inplace: bool = False):
    """x for x > 0, else α(e^(x/α) - 1)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x); use e.g. alpha=1.0")
    return _apply(A.Celu, input, alpha, inplace=inplace, name="celu")


def silu(input, inplace: bool = False):
    """x·σ(x), also called swish."""
    return _apply(A.Silu, input, inplace=inplace, name="silu")


def mish(input, inplace: bool = False):
    """x·tanh(softplus(x))."""
    return _apply(A.Mish, input, inplace=inplace, name="mish")


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """ln(1 + e^(βx))/β, a smooth ReLU; x itself where βx > threshold."""
    return A.Softplus.apply(_t(input), beta, threshold)


def softsign(input):
    """x / (1 + |x|); composed from abs, add and div, as PyTorch does."""
    input = _t(input)
    return input / (input.abs() + 1)


def hardsigmoid(input, inplace: bool = False):
    """clip(x/6 + 1/2, 0, 1)."""
    return _apply(A.Hardsigmoid, input, inplace=inplace, name="hardsigmoid")


def hardswish(input, inplace: bool = False):
    """x·clip(x + 3, 0, 6)/6."""
    return _apply(A.Hardswish, input, inplace=inplace, name="hardswish")


def threshold(input, threshold: float, value: float, inplace: bool = False):
    """x where x > threshold, else value."""
    return _apply(A.Threshold, input, threshold, value, inplace=inplace, name="threshold")


def prelu(input, weight):
    """x for x > 0, else a·x, with ``weight`` a holding one slope or one per channel (dim 1)."""
    input, weight = _t(input), _t(weight)
    if input.ndim == 0:
        raise ShapeError("prelu: input must have at least one dimension, got a 0-d tensor; "
                         "use input.reshape(1)")
    if weight.ndim > 1:
        raise ShapeError(f"prelu: weight must be 1-D (one slope per channel) or 0-d, got shape "
                         f"{tuple(weight.shape)}; use weight.reshape(-1)")
    channels = input.shape[1] if input.ndim > 1 else 1
    if weight.numel() != 1 and weight.numel() != channels:
        raise ShapeError(
            f"prelu: weight has {weight.numel()} slopes but the input {tuple(input.shape)} has "
            f"{channels} channel(s) (dim 1); use PReLU(num_parameters={channels}) or a single "
            f"shared slope")
    return A.Prelu.apply(input, weight)


def logsigmoid(input):
    """log σ(x) = -softplus(-x), computed without overflow for large |x|."""
    return -softplus(-_t(input))


def softmin(input, dim=None, _stacklevel: int = 3, dtype=None):
    """softmax(-x) along ``dim``: the smallest entries get the largest weights."""
    return softmax(-_t(input), dim=dim, dtype=dtype)


def softshrink(input, lambd: float = 0.5):
    """x - λ above λ, x + λ below -λ, 0 in between (the proximal step of an L1 penalty)."""
    x = _t(input)
    return (x - lambd) * (x > lambd) + (x + lambd) * (x < -lambd)


def hardshrink(input, lambd: float = 0.5):
    """x where |x| > λ, else 0."""
    x = _t(input)
    return x * (x.abs() > lambd)


def tanhshrink(input):
    """x - tanh(x)."""
    x = _t(input)
    return x - tanh(x)


def glu(input, dim: int = -1):
    """The gated linear unit: split ``dim`` in halves a and b, return a·σ(b)."""
    x = _t(input)
    if x.shape[dim] % 2:
        raise ShapeError(f"glu: dim {dim} must have an even size to be halved, got shape "
                         f"{tuple(x.shape)}")
    a, b = x.chunk(2, dim)
    return a * sigmoid(b)
