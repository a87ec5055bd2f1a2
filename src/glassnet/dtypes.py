"""Data types: glassnet.float32, float64, int64, bool, ... each a thin name over a NumPy dtype.

float32 is the default for floating-point data, as in PyTorch; Python ints become int64.
"""

from __future__ import annotations

import builtins

import numpy as np


class dtype:  # noqa: N801 - PyTorch's spelling
    """A tensor element type; ``glassnet.float32.numpy`` is the NumPy dtype behind it."""

    __slots__ = ("name", "numpy", "is_floating_point", "itemsize")

    def __init__(self, name: str, numpy_dtype) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"glassnet.{self.name}"

    def __reduce__(self):
        return (to_dtype, (self.name,))


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
bool_ = dtype("bool", np.bool_)

half, float, double = float16, float32, float64  # noqa: A001 - PyTorch aliases
short, int, long = int16, int32, int64  # noqa: A001

ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool_)
_BY_NUMPY = {d.numpy: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32, long=int64)

_default_float = [float32]


def get_default_dtype() -> dtype:
    """The dtype that Python floats and creation functions like ``rand`` use (float32)."""
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    """Make ``d`` (float32 or float64) the default floating-point dtype."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: expected a floating-point dtype, got {d}")
    _default_float[0] = d


def from_numpy_dtype(np_dtype) -> dtype:
    """The glassnet dtype for a NumPy dtype, or a clear error for one glassnet does not support."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        names = ", ".join(d.name for d in ALL)
        raise TypeError(
            f"NumPy dtype {np.dtype(np_dtype)} is not supported; supported: {names}. "
            f"Convert first, e.g. array.astype(np.float32)."
        ) from None


def to_dtype(d) -> dtype:
    """Accept a glassnet dtype, a NumPy dtype or type, or a name like 'float32'."""
    if isinstance(d, dtype):
        return d
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    if d is builtins.float:
        return get_default_dtype()
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool_
    try:
        return from_numpy_dtype(np.dtype(d))
    except TypeError:
        raise TypeError(
            f"unknown dtype {d!r}: use glassnet.float32, float64, int64, bool, ... "
            f"or a NumPy dtype"
        ) from None


class finfo:  # noqa: N801 - PyTorch's spelling
    """Facts about a floating-point dtype (the default one when none is given), as Python
    numbers: ``eps`` (the gap between 1 and the next number), ``max``, ``min``, ``tiny`` (=
    ``smallest_normal``), ``resolution`` and ``bits``. ``glassnet.finfo(glassnet.float32).eps``
    is the usual guard against dividing by zero."""

    def __init__(self, type=None) -> None:  # noqa: A002 - PyTorch's keyword
        d = get_default_dtype() if type is None else to_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"finfo: expected a floating-point dtype, got {d}; use "
                            f"glassnet.iinfo for integer dtypes")
        info = np.finfo(d.numpy)
        self.bits, self.dtype = builtins.int(info.bits), d.name
        self.eps, self.max, self.min = builtins.float(info.eps), builtins.float(info.max), \
            builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -builtins.int(info.precision)  # 1e-06 for float32

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's spelling
    """Facts about an integer dtype: ``bits``, ``min`` and ``max`` (Python ints)."""

    def __init__(self, type) -> None:  # noqa: A002 - PyTorch's keyword
        d = to_dtype(type)
        if d.is_floating_point or d is bool_:
            raise TypeError(f"iinfo: expected an integer dtype, got {d}; use glassnet.finfo for "
                            f"floating-point dtypes")
        info = np.iinfo(d.numpy)
        self.bits = builtins.int(info.bits)
        self.min, self.max = builtins.int(info.min), builtins.int(info.max)
        self.dtype = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
