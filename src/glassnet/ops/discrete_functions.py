"""Functions whose results are discrete, so no gradient flows through them: comparisons and
logic (bool tensors), tests (``isnan``, ``equal``), indices (``argmax``) and rounding (``round``,
``floor``, ``sign``: their derivative is 0 almost everywhere, as PyTorch defines it).

Each is plain NumPy on ``._data`` with PyTorch's signature (``input``, ``other``, ``out=``);
``glassnet.eq(x, y)`` is also ``x.eq(y)`` and ``x == y`` (``methods.install`` attaches them).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import math_functions as MF


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _out(out, result: Tensor, name: str) -> Tensor:
    return result if out is None else MF.write_into(out, result, name, ())


def _plain(array) -> Tensor:
    return Tensor._make(np.asarray(array))


def argmax(input, dim=None, keepdim=False):  # noqa: A002
    data = _t(input)._data
    if dim is None:
        return _plain(np.argmax(data))
    return _plain(np.argmax(data, axis=dim, keepdims=keepdim))


def argmin(input, dim=None, keepdim=False):  # noqa: A002
    data = _t(input)._data
    if dim is None:
        return _plain(np.argmin(data))
    return _plain(np.argmin(data, axis=dim, keepdims=keepdim))


def all(input, dim=None, keepdim=False, *, out=None):  # noqa: A001, A002
    return _out(out, _plain(np.all(_t(input)._data, axis=dim, keepdims=keepdim)), "all")


def any(input, dim=None, keepdim=False, *, out=None):  # noqa: A001, A002
    return _out(out, _plain(np.any(_t(input)._data, axis=dim, keepdims=keepdim)), "any")


def _compare(ufunc, name: str):
    def compare(input, other, *, out=None):  # noqa: A002
        other_data = other._data if isinstance(other, Tensor) else other
        return _out(out, _plain(ufunc(_t(input)._data, other_data)), name)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"Elementwise {ufunc.__name__} (a bool tensor, no gradient)."
    return compare


eq, ne = _compare(np.equal, "eq"), _compare(np.not_equal, "ne")
lt, le = _compare(np.less, "lt"), _compare(np.less_equal, "le")
gt, ge = _compare(np.greater, "gt"), _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")


def logical_not(input, *, out=None):  # noqa: A002
    return _out(out, _plain(np.logical_not(_t(input)._data)), "logical_not")


def equal(input, other) -> bool:  # noqa: A002
    """True when both tensors have the same shape and elements."""
    return bool(np.array_equal(_t(input)._data, _t(other)._data))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    return bool(np.allclose(_t(input)._data, _t(other)._data, rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def isnan(input):  # noqa: A002
    return _plain(np.isnan(_t(input)._data))


def isinf(input):  # noqa: A002
    return _plain(np.isinf(_t(input)._data))


def isfinite(input):  # noqa: A002
    return _plain(np.isfinite(_t(input)._data))


def sign(input, *, out=None):  # noqa: A002
    return _out(out, _plain(np.sign(_t(input)._data)), "sign")


def round(input, *, decimals: int = 0, out=None):  # noqa: A001, A002 - gradient 0 a.e.
    return _out(out, _plain(np.round(_t(input)._data, decimals)), "round")


def floor(input, *, out=None):  # noqa: A002
    return _out(out, _plain(np.floor(_t(input)._data)), "floor")


def ceil(input, *, out=None):  # noqa: A002
    return _out(out, _plain(np.ceil(_t(input)._data)), "ceil")
