"""Making tensors: from data (``tensor``), filled (``zeros``, ``full``...), ranges, random draws.

Every function takes ``dtype=`` and ``requires_grad=`` as in PyTorch; floating results default
to float32.
"""

from __future__ import annotations

import numpy as np

from . import dtypes
from .devices import check_device
from .dtypes import get_default_dtype, to_dtype
from .random import rng
from .tensor import Tensor, as_array


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)


def _float_dtype(dtype):
    return (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy


def _finish(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(array)
    return t.requires_grad_() if requires_grad else t


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or a tensor)."""
    check_device(device)
    array = as_array(data, dtype)
    if isinstance(data, (np.ndarray, Tensor)) and array is (data._data if isinstance(
            data, Tensor) else data):
        array = array.copy()
    return _finish(array, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    check_device(device)
    if isinstance(data, Tensor) and dtype is None:
        return data
    return Tensor._make(as_array(data, dtype))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device)
    return _finish(np.zeros(_size(size), dtype=_float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device)
    return _finish(np.ones(_size(size), dtype=_float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device)
    return _finish(np.empty(_size(size), dtype=_float_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device)
    if dtype is None:
        kind = np.asarray(fill_value).dtype.kind
        dtype = dtypes.bool_ if kind == "b" else dtypes.int64 if kind in "iu" else None
    return _finish(np.full(_size((size,)), fill_value, dtype=_float_dtype(dtype)),
                   requires_grad)


def _like(t, dtype):
    return to_dtype(dtype).numpy if dtype is not None else t._data.dtype


def zeros_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device)
    return _finish(np.zeros(t.shape, dtype=_like(t, dtype)), requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device)
    return _finish(np.ones(t.shape, dtype=_like(t, dtype)), requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device)
    return _finish(np.empty(t.shape, dtype=_like(t, dtype)), requires_grad)


def full_like(t, fill_value, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    check_device(device)
    return _finish(np.full(t.shape, fill_value, dtype=_like(t, dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """start, start+step, ... up to but not including end (ints give int64, floats float32)."""
    check_device(device)
    if end is None:
        start, end = 0, start
    values = (start, end, step)
    if dtype is None:
        is_float = any(isinstance(v, float) for v in values)
        dtype = get_default_dtype() if is_float else dtypes.int64
    return _finish(np.arange(start, end, step, dtype=to_dtype(dtype).numpy), requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    check_device(device)
    return _finish(np.linspace(start, end, int(steps), dtype=_float_dtype(dtype)),
                   requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` numbers from base^start to base^end, evenly spaced in the exponent."""
    check_device(device)
    return _finish(np.logspace(start, end, int(steps), base=base, dtype=_float_dtype(dtype)),
                   requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    check_device(device)
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1)."""
    check_device(device)
    dtype = _float_dtype(dtype)
    values = rng(generator).random(_size(size), dtype=np.float64 if dtype == np.float64
                                   else np.float32)
    return _finish(values.astype(dtype, copy=False), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples from the standard normal distribution N(0, 1)."""
    check_device(device)
    dtype = _float_dtype(dtype)
    values = rng(generator).standard_normal(_size(size), dtype=np.float64 if dtype == np.float64
                                            else np.float32)
    return _finish(values.astype(dtype, copy=False), requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=None, device=None) -> Tensor:
    """Integers drawn uniformly from [low, high)."""
    check_device(device)
    if high is None:
        low, high = 0, low
    dtype = dtypes.int64 if dtype is None else to_dtype(dtype)
    return Tensor._make(rng(generator).integers(low, high, size=tuple(size)).astype(dtype.numpy))


def randperm(n: int, generator=None, dtype=None, device=None) -> Tensor:
    """A random ordering of 0 .. n-1."""
    check_device(device)
    dtype = dtypes.int64 if dtype is None else to_dtype(dtype)
    return Tensor._make(rng(generator).permutation(int(n)).astype(dtype.numpy))


def rand_like(t, dtype=None, device=None) -> Tensor:
    check_device(device)
    return rand(*t.shape, dtype=dtype or t.dtype)


def randn_like(t, dtype=None, device=None) -> Tensor:
    check_device(device)
    return randn(*t.shape, dtype=dtype or t.dtype)
