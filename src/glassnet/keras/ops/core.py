"""Conversion and dtype rules shared by every ``keras.ops`` function.

Keras' inputs may be glassnet tensors, NumPy arrays, Python numbers or nested lists. They become
glassnet tensors here, with Keras' dtype rules: Python floats become float32 (``floatx``),
Python ints become int32, NumPy arrays keep their dtype. Tensors pass through untouched, so the
autograd graph that made them is kept and every op after them is differentiable.
"""

from __future__ import annotations

import builtins

import numpy as np

from ... import creation
from ...dtypes import to_dtype
from ...tensor import Tensor

FLOATX = "float32"


def _is_python(x) -> bool:
    """A Python number or (nested) list/tuple, whose dtype Keras chooses, not NumPy."""
    return isinstance(x, (bool, int, float, list, tuple))


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None) -> Tensor:
    """A glassnet tensor holding ``x`` (a tensor is returned as is, keeping its graph).

    Python floats become float32 and Python ints int32, as in Keras; NumPy arrays keep their
    dtype. ``dtype`` ('float32', 'int32', a glassnet or NumPy dtype) casts the result.

    Example: ``convert_to_tensor([1.0, 2.0]).dtype`` is ``glassnet.float32``.
    """
    if sparse or ragged:
        raise ValueError(f"convert_to_tensor: glassnet has no sparse or ragged tensors; got "
                         f"sparse={sparse!r}, ragged={ragged!r}; pass dense data and leave "
                         f"both None")
    if isinstance(x, Tensor):
        return x if dtype is None else cast(x, dtype)
    if _is_python(x):
        x = [convert_to_numpy(item) if isinstance(item, Tensor) else item for item in x] \
            if isinstance(x, (list, tuple)) else x
        array = np.asarray(x)
        if array.dtype == np.float64:
            array = array.astype(FLOATX)
        elif array.dtype == np.int64:
            array = array.astype(np.int32)
    else:
        array = np.asarray(x)
    if dtype is not None:
        array = array.astype(to_dtype(dtype).numpy)
    return creation.tensor(array)


def convert_to_numpy(x) -> np.ndarray:
    """A NumPy array with ``x``'s values (detached from the graph)."""
    if isinstance(x, Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def cast(x, dtype) -> Tensor:
    """``x`` as ``dtype``; float to float casts stay differentiable (the gradient is cast
    back), casts to integers or bool cut the graph, as in every framework."""
    x = convert_to_tensor(x)
    target = to_dtype(dtype)
    return x if x.dtype == target else x.to(target)


def shape(x) -> tuple:
    """The shape as a tuple of ints (Keras' ``ops.shape``)."""
    if isinstance(x, Tensor):
        return tuple(int(n) for n in x.shape)
    return tuple(np.shape(x))


def dtype(x) -> str:
    """The dtype's name, as Keras' ``standardize_dtype`` gives it: 'float32', 'int32', ..."""
    return convert_to_tensor(x).dtype.name


def to_float(x) -> Tensor:
    """``x`` as a tensor; integers and bools become float32, as Keras' float-valued ops do."""
    x = convert_to_tensor(x)
    return x if x.is_floating_point() else x.to(to_dtype(FLOATX))


def pair(x1, x2):
    """Two operands for a binary op: tensors, but a Python number beside a tensor stays a
    number so it takes the tensor's dtype (``int32 tensor * 2.0`` is float32, as in Keras)."""
    if isinstance(x1, (bool, int, float)) and not isinstance(x2, (bool, int, float)):
        return x1, convert_to_tensor(x2)
    if isinstance(x2, (bool, int, float)) and not isinstance(x1, (bool, int, float)):
        return convert_to_tensor(x1), x2
    return convert_to_tensor(x1), convert_to_tensor(x2)


def like(value, other: Tensor) -> Tensor:
    """A tensor for ``value``; a Python number takes ``other``'s dtype, except that a float
    beside an integer tensor is float32 (``maximum(int_tensor, 0.5)`` keeps the 0.5)."""
    if isinstance(value, (bool, int, float)):
        keeps = not isinstance(value, float) or other.is_floating_point()
        return creation.tensor(np.asarray(value, dtype=other.dtype.numpy if keeps else FLOATX))
    return convert_to_tensor(value)


def axes(axis, ndim: int) -> tuple:
    """``axis`` (None, an int or a tuple) as a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    items = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in items:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}; use an "
                             f"axis in [{-ndim}, {ndim - 1}]")
        out.append(a % ndim if ndim else 0)
    return tuple(out)


# --- control and updates ------------------------------------------------------------------
def stop_gradient(variable) -> Tensor:
    """The same values, cut from the graph: no gradient flows back through it."""
    return convert_to_tensor(variable).detach()


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()`` (glassnet runs eagerly: one branch)."""
    return true_fn() if bool(convert_to_tensor(pred)) else false_fn()


def fori_loop(lower: int, upper: int, body_fun, init_val):
    """``val = body_fun(i, val)`` for i in lower..upper-1; returns val."""
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most
    ``maximum_iterations`` times); a single non-tuple loop variable is passed as itself."""
    single = not isinstance(loop_vars, (tuple, list))
    values = (loop_vars,) if single else tuple(loop_vars)
    done = 0
    while bool(convert_to_tensor(cond(*values))) and (maximum_iterations is None
                                                       or done < maximum_iterations):
        values = body(*values)
        values = (values,) if single else tuple(values)
        done += 1
    return values[0] if single else values


def slice(inputs, start_indices, shape) -> Tensor:  # noqa: A001 - Keras' name
    """The block of ``shape`` starting at ``start_indices``."""
    x = convert_to_tensor(inputs)
    index = tuple(builtins.slice(int(s), int(s) + int(n))
                  for s, n in zip(np.asarray(start_indices).tolist(), shape))
    return x[index]


def slice_update(inputs, start_indices, updates) -> Tensor:
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    x = convert_to_tensor(inputs) * 1
    new = convert_to_tensor(updates)
    index = tuple(builtins.slice(int(s), int(s) + n)
                  for s, n in zip(np.asarray(start_indices).tolist(), new.shape))
    x[index] = new
    return x


def scatter(indices, values, shape) -> Tensor:
    """Zeros of ``shape`` with ``values`` added at ``indices`` (rows of coordinates); repeated
    coordinates add up."""
    values = convert_to_tensor(values)
    where = np.asarray(convert_to_numpy(indices), dtype=np.int64).reshape(-1, len(shape))
    flat = np.ravel_multi_index(tuple(where.T), tuple(shape))
    out = creation.zeros(int(np.prod(shape)), dtype=values.dtype)
    return out.scatter_add(0, creation.tensor(flat), values.reshape(-1)).reshape(*shape)


def scatter_update(inputs, indices, updates) -> Tensor:
    """``inputs`` with the entries at ``indices`` (rows of coordinates) set to ``updates``."""
    x = convert_to_tensor(inputs) * 1
    where = np.asarray(convert_to_numpy(indices), dtype=np.int64)
    x[tuple(where[..., i] for i in range(where.shape[-1]))] = convert_to_tensor(updates)
    return x
