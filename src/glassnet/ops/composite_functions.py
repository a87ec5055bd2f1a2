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


# ----- distances, grids, broadcasting, diagonals ---------------------------------------------
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """Every pairwise distance: out[..., i, j] = ‖x1[..., i, :] - x2[..., j, :]‖ₚ, for x1 of
    shape (..., P, M) and x2 of shape (..., R, M). The gradient where two rows coincide is 0,
    as in PyTorch."""
    a, b = _t(x1), _t(x2)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist: expected x1 (..., P, M) and x2 (..., R, M) with the same M, "
                         f"got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"cdist: {compute_mode!r} is not a valid compute_mode")
    if p < 0:
        raise ValueError(f"cdist: p must be >= 0, got p={p}")
    return methods._vector_norm(a.unsqueeze(-2) - b.unsqueeze(-3), p, -1, False, "cdist")


def broadcast_to(input, size) -> Tensor:  # noqa: A002
    """``input`` expanded to ``size`` (a view; the gradient is summed back), as NumPy's."""
    return _t(input).expand(*size)


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to their common broadcast shape."""
    parts = [_t(x) for x in tensors]
    shape = np.broadcast_shapes(*(tuple(x.shape) for x in parts))
    return tuple(x.expand(*shape) for x in parts)


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors: with indexing="ij" the i-th output varies along dim
    i; "xy" (NumPy's, and plotting's) swaps the first two dims. PyTorch's default is "ij"."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    parts = [_t(x) for x in tensors]
    for x in parts:
        if x.ndim > 1:
            raise ValueError(f"meshgrid: expected 0-D or 1-D tensors, got shape {tuple(x.shape)}")
    if len({x._data.dtype for x in parts}) > 1:
        raise RuntimeError(f"meshgrid expects all tensors to have the same dtype, got "
                           f"{[x.dtype.name for x in parts]}; convert them first: x.float()")
    parts = [x.reshape(-1) for x in parts]
    order = list(range(len(parts)))
    if indexing == "xy" and len(parts) >= 2:
        order[0], order[1] = 1, 0
    shape = [parts[i].shape[0] for i in order]
    grids = []
    for i, x in enumerate(parts):
        view = [1] * len(parts)
        view[order.index(i)] = x.shape[0]
        grids.append(x.reshape(*view).expand(*shape))
    return tuple(grids)


def diagonal(input, offset=0, dim1=0, dim2=1) -> Tensor:  # noqa: A002
    """The elements input[..., i, i + offset] of the matrices spanned by dim1 and dim2, as a
    last dim (the others keep their order)."""
    return _diagonal_of(_t(input), offset, dim1, dim2)


def _diagonal_of(x: Tensor, offset: int, dim1: int, dim2: int) -> Tensor:
    first, second = dim1 % x.ndim, dim2 % x.ndim
    if x.ndim < 2 or first == second:
        raise ValueError(f"diagonal: expected two different dims of a tensor of at least 2 "
                         f"dims, got dim1={dim1}, dim2={dim2} for shape {tuple(x.shape)}")
    moved = x.movedim((first, second), (-2, -1))
    rows, cols = moved.shape[-2], moved.shape[-1]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    count = max(0, min(rows - start_row, cols - start_col))
    index = np.arange(count)
    return moved[..., index + start_row, index + start_col]


def trace(input) -> Tensor:  # noqa: A002
    """The sum of a 2-D tensor's main diagonal."""
    x = _t(input)
    if x.ndim != 2:
        raise ValueError(f"trace: expected a matrix (2-D), got shape {tuple(x.shape)}")
    return _diagonal_of(x, 0, 0, 1).sum()


def diag(input, diagonal=0, *, out=None) -> Tensor:  # noqa: A002
    """From a vector, the square matrix with it on diagonal ``diagonal`` (0 elsewhere); from a
    matrix, that diagonal as a vector."""
    x = _t(input)
    if x.ndim == 2:
        return M.write_into(out, _diagonal_of(x, diagonal, 0, 1), "diag", (input,))
    if x.ndim != 1:
        raise ValueError(f"diag: expected a vector or a matrix, got shape {tuple(x.shape)}")
    n = x.shape[0] + abs(diagonal)
    index = np.arange(x.shape[0])
    result = Tensor._make(np.zeros((n, n), dtype=x._data.dtype))
    result[index + max(-diagonal, 0), index + max(diagonal, 0)] = x
    return M.write_into(out, result, "diag", (input,))
