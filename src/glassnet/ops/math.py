"""The everyday math ops: trigonometric and hyperbolic functions, exp/log variants, erf,
trunc/frac, and the binary lerp, remainder, fmod, fmax, fmin, atan2.

Each ``Function`` works on raw NumPy arrays; ``glassnet/ops/math_functions.py`` holds the
functional forms (``glassnet.sin``) that choose the dtype first, as PyTorch does, so these rules
only ever see floats. Backward rules return gradients at the broadcast shape; the engine sums
them back to each input's shape.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function

_erf_python = np.frompyfunc(math.erf, 1, 1)
_erfc_python = np.frompyfunc(math.erfc, 1, 1)


def erf_elementwise(x: np.ndarray) -> np.ndarray:
    """erf without SciPy: Python's ``math.erf`` on each element (correct to float64, slower)."""
    return np.asarray(_erf_python(x), dtype=x.dtype)


def erfc_elementwise(x: np.ndarray) -> np.ndarray:
    """erfc = 1 - erf without SciPy, accurate where erf is near 1 (``math.erfc`` per element)."""
    return np.asarray(_erfc_python(x), dtype=x.dtype)


try:  # SciPy's vectorised erf when it is installed; it is never required
    from scipy.special import erf as _erf
    from scipy.special import erfc as _erfc
except ImportError:
    _erf, _erfc = erf_elementwise, erfc_elementwise

TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ----- trigonometric ----------------------------------------------------------------------
class Sin(Function):
    """z = sin x; dz/dx = cos x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * np.cos(ctx.saved[0])


class Cos(Function):
    """z = cos x; dz/dx = -sin x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad * np.sin(ctx.saved[0])


class Tan(Function):
    """z = tan x; dz/dx = 1 + tan² x = 1 + z², so backward reuses the output."""

    @staticmethod
    def forward(ctx, x):
        out = np.tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * (1 + ctx.saved[0] ** 2)


class Asin(Function):
    """z = arcsin x, for -1 <= x <= 1; dz/dx = 1/√(1 - x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / np.sqrt(1 - ctx.saved[0] ** 2)


class Acos(Function):
    """z = arccos x, for -1 <= x <= 1; dz/dx = -1/√(1 - x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad / np.sqrt(1 - ctx.saved[0] ** 2)


class Atan(Function):
    """z = arctan x; dz/dx = 1/(1 + x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / (1 + ctx.saved[0] ** 2)


class Atan2(Function):
    """z = atan2(y, x), the angle of the point (x, y) in (-π, π]; with r² = x² + y²,
    dz/dy = x/r² and dz/dx = -y/r²."""

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved
        scale = grad / (x * x + y * y)
        need_y, need_x = ctx.needs_input_grad
        return (scale * x if need_y else None), (-scale * y if need_x else None)


# ----- hyperbolic -------------------------------------------------------------------------
class Sinh(Function):
    """z = sinh x; dz/dx = cosh x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * np.cosh(ctx.saved[0])


class Cosh(Function):
    """z = cosh x; dz/dx = sinh x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * np.sinh(ctx.saved[0])


class Asinh(Function):
    """z = arsinh x; dz/dx = 1/√(x² + 1)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / np.sqrt(ctx.saved[0] ** 2 + 1)


class Acosh(Function):
    """z = arcosh x, for x >= 1; dz/dx = 1/√(x² - 1)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccosh(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / np.sqrt(ctx.saved[0] ** 2 - 1)


class Atanh(Function):
    """z = artanh x, for -1 < x < 1; dz/dx = 1/(1 - x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctanh(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / (1 - ctx.saved[0] ** 2)


# ----- exponentials and logarithms --------------------------------------------------------
class Exp2(Function):
    """z = 2ˣ; dz/dx = ln 2 · 2ˣ = ln 2 · z."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp2(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * (math.log(2.0) * ctx.saved[0])


class Expm1(Function):
    """z = eˣ - 1, accurate for tiny x; dz/dx = eˣ = z + 1."""

    @staticmethod
    def forward(ctx, x):
        out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.saved[0] + 1)


class Log2(Function):
    """z = log₂ x; dz/dx = 1/(x ln 2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / (ctx.saved[0] * math.log(2.0))


class Log10(Function):
    """z = log₁₀ x; dz/dx = 1/(x ln 10)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / (ctx.saved[0] * math.log(10.0))


class Rsqrt(Function):
    """z = 1/√x; dz/dx = -½ x^(-3/2) = -½ z³."""

    @staticmethod
    def forward(ctx, x):
        out = 1 / np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * (-0.5 * ctx.saved[0] ** 3)


class Reciprocal(Function):
    """z = 1/x; dz/dx = -1/x² = -z²."""

    @staticmethod
    def forward(ctx, x):
        out = np.reciprocal(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return -grad * ctx.saved[0] ** 2


class Erf(Function):
    """z = erf x = (2/√π) ∫₀ˣ e^(-t²) dt, the Gauss error function; dz/dx = (2/√π) e^(-x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erf(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * (TWO_OVER_SQRT_PI * np.exp(-ctx.saved[0] ** 2))


class Erfc(Function):
    """z = erfc x = 1 - erf x; dz/dx = -(2/√π) e^(-x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erfc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * (-TWO_OVER_SQRT_PI * np.exp(-ctx.saved[0] ** 2))


# ----- rounding ---------------------------------------------------------------------------
class Trunc(Function):
    """z = x rounded toward zero; flat between integers, so its gradient is 0 (as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        return np.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Frac(Function):
    """z = x - trunc(x), the fractional part with x's sign; dz/dx = 1 (as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


# ----- two or three inputs ----------------------------------------------------------------
class Lerp(Function):
    """z = start + weight · (end - start), linear interpolation; dz/dstart = 1 - weight,
    dz/dend = weight and dz/dweight = end - start. ``weight`` may be a number or an array."""

    @staticmethod
    def forward(ctx, start, end, weight):
        # start and end are needed only for weight's gradient; a number weight has none
        weight_is_array = type(weight) is np.ndarray
        ctx.save_for_backward(*((start, end) if weight_is_array else (None, None)), weight)
        difference = end - start
        # PyTorch's two-sided form: exact at weight 0 and at weight 1
        near_start = np.abs(weight) < 0.5
        return np.where(near_start, start + weight * difference, end - difference * (1 - weight))

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved
        need_start, need_end, need_weight = ctx.needs_input_grad
        return (grad * (1 - weight) if need_start else None,
                grad * weight if need_end else None,
                grad * (end - start) if need_weight else None)


class Remainder(Function):
    """z = x - y · floor(x / y), the remainder with the divisor's sign (Python's %);
    dz/dx = 1 and dz/dy = -floor(x / y)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.remainder(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        if not need_y:
            return grad, None
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = np.floor_divide(x, y)
        return (grad if need_x else None), -grad * quotient


class Fmod(Function):
    """z = x - y · trunc(x / y), the remainder with the dividend's sign (C's fmod);
    dz/dx = 1 and dz/dy = -trunc(x / y)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.fmod(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        if not need_y:
            return grad, None
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = np.trunc(x / y)
        return (grad if need_x else None), -grad * quotient


class Fmax(Function):
    """z = max(x, y), except that a NaN loses to a number; the gradient goes to the input that
    was chosen (to x on ties, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.fmax(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        chose_x = (x >= y) | np.isnan(y)
        return np.where(chose_x, grad, 0), np.where(chose_x, 0, grad)


class Fmin(Function):
    """z = min(x, y), except that a NaN loses to a number; the gradient goes to the input that
    was chosen (to x on ties, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.fmin(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        chose_x = (x <= y) | np.isnan(y)
        return np.where(chose_x, grad, 0), np.where(chose_x, 0, grad)
