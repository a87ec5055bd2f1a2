"""Activation modules (§14.5): the nonlinearity between layers, each a thin call to functional."""

from __future__ import annotations

import warnings

from .. import creation
from ..autograd.grad_mode import no_grad
from . import functional as F
from .module import Module, Parameter


def _inplace_repr(inplace: bool, first: bool = False) -> str:
    """PyTorch's repr of an ``inplace`` flag: shown only when True."""
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class ReLU(Module):
    """max(0, x): passes positives, zeroes negatives; the default hidden activation."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, first=True)


class LeakyReLU(Module):
    """x for x > 0, else negative_slope·x: a small slope keeps units from dying."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_repr(self.inplace)}"


class ELU(Module):
    """x for x > 0, else α(eˣ - 1): smooth below zero."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_repr(self.inplace)}"


class GELU(Module):
    """x·Φ(x): a smooth ReLU, standard in Transformers."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1/(1 + e⁻ˣ): squashes to (0, 1); for a probability output."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh x: squashes to (-1, 1), zero-centred."""

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """Logits → probabilities along ``dim`` (they sum to 1)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log softmax along ``dim``, computed stably; pair with NLLLoss."""

    def forward(self, input):
        return F.log_softmax(input, self.dim)


class Heaviside(Module):
    """The perceptron's step unit: 1 if x > 0 else 0 (gradient 0, so gradient descent cannot
    train through it; the perceptron rule can)."""

    def __init__(self, values: float = 0.0) -> None:
        super().__init__()
        self.values = values

    def forward(self, input):
        return F.heaviside(input, self.values)


Step = Heaviside


class Hardtanh(Module):
    """clip(x, min_val, max_val): linear inside the interval, flat outside."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        if min_value is not None or max_value is not None:
            warnings.warn("keyword argument `min_value` / `max_value` is deprecated and will be "
                          "removed, use `min_val` / `max_val` instead", stacklevel=2)
            min_val = min_val if min_value is None else min_value
            max_val = max_val if max_value is None else max_value
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                             f"({min_val}); swap them")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_repr(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(0, x), 6): ReLU capped at 6, robust in low precision (MobileNet).

    Example: ``nn.ReLU6()(glassnet.tensor([-1.0, 3.0, 8.0])).tolist() == [0.0, 3.0, 6.0]``
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def forward(self, input):
        return F.relu6(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, first=True)


class PReLU(Module):
    """x for x > 0, else a·x with a learned slope a (one shared, or one per channel, dim 1).

    Args: num_parameters: 1 or the number of input channels; init: the slopes' first value.
    Weight decay should not be used on a (it pulls the unit back toward a ReLU).
    Shape: input (N, C, *) or (N,), output alike; weight (num_parameters,).
    Example: ``nn.PReLU()(glassnet.tensor([-2.0, 3.0])).tolist() == [-0.5, 3.0]``
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with no_grad():
            self.weight.fill_(self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class SELU(Module):
    """scale·ELU(x, α) with PyTorch's fixed α ≈ 1.6733, scale ≈ 1.0507 (self-normalising)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, first=True)


class CELU(Module):
    """x for x > 0, else α(e^(x/α) - 1): an ELU whose derivative is continuous for any α."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_repr(self.inplace)}"


class SiLU(SELU):
    """x·σ(x) (swish): smooth, non-monotonic just below zero."""

    def forward(self, input):
        return F.silu(input, self.inplace)


class Mish(SELU):
    """x·tanh(softplus(x))."""

    def forward(self, input):
        return F.mish(input, self.inplace)


class Hardsigmoid(Module):
    """clip(x/6 + 1/2, 0, 1): a cheap sigmoid (MobileNetV3)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)


class Hardswish(Hardsigmoid):
    """x·clip(x + 3, 0, 6)/6: a cheap SiLU (MobileNetV3)."""

    def forward(self, input):
        return F.hardswish(input, self.inplace)


class Softplus(Module):
    """ln(1 + e^(βx))/β, a smooth ReLU; linear where βx > threshold.

    Example: ``nn.Softplus()(glassnet.zeros(1)).item() == pytest.approx(math.log(2))``
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """x / (1 + |x|): like tanh, but approaching ±1 polynomially."""

    def forward(self, input):
        return F.softsign(input)


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_repr(self.inplace)}"


class LogSigmoid(Module):
    """log σ(x) = -softplus(-x)."""

    def forward(self, input):
        return F.logsigmoid(input)


class Softmin(Softmax):
    """softmax(-x) along ``dim``: the smallest entries get the largest weights."""

    def forward(self, input):
        return F.softmin(input, self.dim)


class Softmax2d(Module):
    """Softmax over the channels at every pixel: (N, C, H, W) or (C, H, W), along dim -3."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-d or 4-d input (C, H, W) or (N, C, H, W), "
                             f"got shape {tuple(input.shape)}")
        return F.softmax(input, -3)


class Softshrink(Module):
    """x - λ above λ, x + λ below -λ, else 0."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x where |x| > λ, else 0."""

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, input):
        return F.tanhshrink(input)


class GLU(Module):
    """The gated linear unit: halves a and b of ``dim``, a·σ(b)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
