"""PyTorch functions that are short formulas over ops glassnet already has.

Each is written with differentiable Tensor ops, so its gradient (and, where those ops have one,
its second derivative) comes from theirs: no new ``Function`` is needed. ``addcmul`` and
``addcdiv`` are the building blocks of hand-written optimizers (Adam's update is an addcdiv).
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from . import math_functions as M
from . import methods


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def addcmul(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:  # noqa: A002
    """input + value · tensor1 · tensor2 (element-wise, broadcasting)."""
    return M.write_into(out, _t(input) + value * (tensor1 * tensor2), "addcmul", (input,))


def addcdiv(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:  # noqa: A002
    """input + value · tensor1 / tensor2 (element-wise, broadcasting)."""
    return M.write_into(out, _t(input) + value * (tensor1 / tensor2), "addcdiv", (input,))


def clamp_min(input, min) -> Tensor:  # noqa: A002
    """max(input, min): the gradient passes where input > min."""
    return methods.clamp(input, min=min)


def clamp_max(input, max) -> Tensor:  # noqa: A002
    """min(input, max): the gradient passes where input < max."""
    return methods.clamp(input, max=max)


def logit(input, eps=None, *, out=None) -> Tensor:  # noqa: A002
    """log(p / (1 - p)), the inverse of the sigmoid; with ``eps``, p is first clamped to
    [eps, 1 - eps] so that 0 and 1 give finite values."""
    p = _t(input) if eps is None else methods.clamp(input, eps, 1 - eps)
    return M.write_into(out, methods.log(p / (1 - p)), "logit", (input,))


def xlogy(input, other, *, out=None) -> Tensor:  # noqa: A002
    """input · log(other), and 0 wherever input is 0 (even if other is 0 too)."""
    x, y = _t(input), _t(other)
    safe = methods.where(x == 0, y * 0 + 1, y)
    result = methods.where(x == 0, x * 0, x * methods.log(safe))
    return M.write_into(out, result, "xlogy", (input,))


def hypot(input, other, *, out=None) -> Tensor:  # noqa: A002
    """√(input² + other²), the length of the hypotenuse."""
    return M.write_into(out, methods.sqrt(_t(input) ** 2 + _t(other) ** 2), "hypot", (input,))


def deg2rad(input, *, out=None) -> Tensor:  # noqa: A002
    """input · π / 180."""
    return M.write_into(out, _t(input) * (math.pi / 180), "deg2rad", (input,))


def rad2deg(input, *, out=None) -> Tensor:  # noqa: A002
    """input · 180 / π."""
    return M.write_into(out, _t(input) * (180 / math.pi), "rad2deg", (input,))


def sgn(input, *, out=None) -> Tensor:  # noqa: A002
    """The sign (-1, 0 or 1) of a real tensor: the same as ``sign``."""
    return M.write_into(out, methods.sign(input), "sgn", (input,))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None) -> Tensor:  # noqa: A002
    """NaN → ``nan``, +inf → ``posinf`` (default: the dtype's largest finite value), -inf →
    ``neginf`` (default: the most negative); the gradient passes where the value was finite."""
    x = _t(input)
    if x._data.dtype.kind != "f":
        return M.write_into(out, methods.clone(x), "nan_to_num", (input,))
    info = np.finfo(x._data.dtype)
    posinf = float(info.max) if posinf is None else posinf
    neginf = float(info.min) if neginf is None else neginf
    data = x._data
    replacement = np.where(np.isnan(data), nan, np.where(data > 0, posinf, neginf))
    filled = Tensor._make(replacement.astype(data.dtype))
    result = methods.where(Tensor._make(np.isfinite(data)), x, filled)
    return M.write_into(out, result, "nan_to_num", (input,))


def logical_xor(input, other, *, out=None) -> Tensor:  # noqa: A002
    """True where exactly one of input and other is non-zero."""
    result = Tensor._make(np.logical_xor(_t(input)._data, _t(other)._data))
    return M.write_into(out, result, "logical_xor", (input,))


def float_power(input, exponent, *, out=None) -> Tensor:  # noqa: A002
    """input ** exponent computed in float64, as PyTorch's float_power."""
    base = _t(input).double()
    power = exponent.double() if isinstance(exponent, Tensor) else exponent
    return M.write_into(out, base ** power, "float_power", (input,))


def copysign(input, other, *, out=None) -> Tensor:  # noqa: A002
    """|input| with the sign of other (the gradient is ±1 times input's sign accordingly)."""
    x = _t(input)
    sign = Tensor._make(np.copysign(np.ones_like(x._data, dtype=np.result_type(x._data, 1.0)),
                                    _t(other)._data))
    return M.write_into(out, methods.abs(x) * sign, "copysign", (input,))


def sinc(input, *, out=None) -> Tensor:  # noqa: A002
    """sin(πx) / (πx), and 1 at x = 0."""
    x = _t(input)
    zero = x == 0
    safe = methods.where(zero, x * 0 + 1, x) * math.pi
    result = methods.where(zero, x * 0 + 1, M.sin(safe) / safe)
    return M.write_into(out, result, "sinc", (input,))


greater, greater_equal, less, less_equal = methods.gt, methods.ge, methods.lt, methods.le
not_equal, absolute = methods.ne, methods.abs
