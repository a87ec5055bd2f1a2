"""``keras.ops``' array building, reshaping and indexing on glassnet tensors.

Creation functions (``ones``, ``arange`` ...) make new leaf tensors, float32 unless told
(``arange`` of ints gives int32, as Keras). Shape and indexing functions are differentiable in
their data argument through glassnet's ops: the gradient of a reshape is the reshaped grad, of a
take the grad scattered back to the taken entries.
"""

from __future__ import annotations

import builtins

import numpy as np

import glassnet

from ...errors import ShapeError
from .core import FLOATX, axes, convert_to_tensor


def _shape(shape) -> tuple:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)


def _dtype(dtype, default=FLOATX):
    return glassnet.dtypes.to_dtype(default if dtype is None else dtype)


# --- creation ---------------------------------------------------------------------------
def ones(shape, dtype=None):
    """A tensor of ones (float32 unless ``dtype`` says otherwise)."""
    return glassnet.ones(*_shape(shape), dtype=_dtype(dtype))


def zeros(shape, dtype=None):
    """A tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    return glassnet.zeros(*_shape(shape), dtype=_dtype(dtype))


def full(shape, fill_value, dtype=None):
    """A tensor of ``fill_value`` (float32 unless ``dtype`` says otherwise)."""
    return glassnet.full(_shape(shape), fill_value, dtype=_dtype(dtype))


def ones_like(x, dtype=None):
    """Ones with x's shape, and x's dtype unless ``dtype`` is given."""
    x = convert_to_tensor(x)
    return glassnet.ones_like(x, dtype=_dtype(dtype, x.dtype))


def zeros_like(x, dtype=None):
    """Zeros with x's shape, and x's dtype unless ``dtype`` is given."""
    x = convert_to_tensor(x)
    return glassnet.zeros_like(x, dtype=_dtype(dtype, x.dtype))


def full_like(x, fill_value, dtype=None):
    """``fill_value`` with x's shape, and x's dtype unless ``dtype`` is given."""
    x = convert_to_tensor(x)
    return glassnet.full_like(x, fill_value, dtype=_dtype(dtype, x.dtype))


def eye(N, M=None, k: int = 0, dtype=None):
    """An N×M matrix with ones on diagonal ``k`` (0 the main one, > 0 above it)."""
    return convert_to_tensor(np.eye(N, M, k), dtype=_dtype(dtype))


def arange(start, stop=None, step=None, dtype=None):
    """start, start + step, ... below stop (``arange(n)`` is 0 .. n-1); int32 when every
    bound is an int, else float32, unless ``dtype`` is given."""
    step = 1 if step is None else step
    if dtype is None:
        whole = builtins.all(isinstance(v, (int, np.integer)) for v in (start, stop, step)
                             if v is not None)
        dtype = "int32" if whole else FLOATX
    values = np.arange(start, stop, step) if stop is not None else np.arange(0, start, step)
    return convert_to_tensor(values, dtype=dtype)


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype=None, axis: int = 0):
    """``num`` evenly spaced values from start to stop (stop included if ``endpoint``);
    with ``retstep`` also the spacing. A new leaf: start and stop get no gradient."""
    values, spacing = np.linspace(np.asarray(start), np.asarray(stop), num, endpoint=endpoint,
                                  retstep=True, axis=axis)
    out = convert_to_tensor(values, dtype=_dtype(dtype))
    return (out, convert_to_tensor(np.asarray(spacing), dtype=_dtype(dtype))) if retstep \
        else out


# --- shape ------------------------------------------------------------------------------
def reshape(x, newshape):
    """x's entries in a new shape (one entry may be -1: inferred); the gradient is the grad
    reshaped back."""
    x = convert_to_tensor(x)
    return x.reshape(*_shape(newshape))


def transpose(x, axes=None):
    """x with its axes permuted (reversed when ``axes`` is None); the gradient is permuted back."""
    x = convert_to_tensor(x)
    order = tuple(reversed(range(x.ndim))) if axes is None else tuple(axes)
    return x.permute(*order)


def expand_dims(x, axis):
    """x with new size-1 axes at ``axis`` (an int or a tuple, counted in the result)."""
    x = convert_to_tensor(x)
    new = axes(axis, x.ndim + (1 if isinstance(axis, int) else len(axis)))
    sizes = iter(x.shape)
    out_ndim = x.ndim + len(new)
    return x.reshape(*(1 if i in new else next(sizes) for i in range(out_ndim)))


def squeeze(x, axis=None):
    """x without its size-1 axes (only those in ``axis`` if given)."""
    x = convert_to_tensor(x)
    if axis is None:
        drop = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        drop = axes(axis, x.ndim)
        wrong = [a for a in drop if x.shape[a] != 1]
        if wrong:
            raise ShapeError(f"squeeze: axis {wrong[0]} has size {x.shape[wrong[0]]}, expected "
                             f"size 1 (x has shape {tuple(x.shape)}); squeeze only size-1 axes")
    return x.reshape(*(n for i, n in enumerate(x.shape) if i not in drop))


def concatenate(xs, axis: int = 0):
    """The tensors joined along an existing ``axis``; the gradient is split back."""
    return glassnet.cat([convert_to_tensor(x) for x in xs], dim=axis)


def stack(x, axis: int = 0):
    """The tensors joined along a new ``axis``; the gradient is unstacked back."""
    return glassnet.stack([convert_to_tensor(item) for item in x], dim=axis)


def tile(x, repeats):
    """x repeated ``repeats`` times along each axis (NumPy's ``tile``: a shorter ``repeats``
    is padded with leading 1s, a longer one adds leading axes); the gradient sums the copies."""
    x = convert_to_tensor(x)
    repeats = _shape(repeats)
    if len(repeats) > x.ndim:
        x = x.reshape(*((1,) * (len(repeats) - x.ndim) + tuple(x.shape)))
    repeats = (1,) * (x.ndim - len(repeats)) + repeats
    return x.repeat(*repeats)


def repeat(x, repeats, axis=None):
    """Each entry repeated ``repeats`` times along ``axis`` (of the flattened x when None);
    the gradient sums the copies."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if not isinstance(repeats, int):
        repeats = convert_to_tensor(repeats).to(glassnet.int64)
    return glassnet.repeat_interleave(x, repeats, dim=axis)


def split(x, indices_or_sections, axis: int = 0):
    """A list of pieces of x along ``axis``: an int n gives n equal pieces, a list of indices
    cuts before each index (NumPy's ``split``)."""
    x = convert_to_tensor(x)
    size = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if size % indices_or_sections:
            raise ShapeError(f"split: axis {axis} has size {size}, which {indices_or_sections} "
                             f"equal pieces cannot divide; pass a list of cut indices instead")
        sizes = [size // indices_or_sections] * indices_or_sections
    else:
        cuts = [0] + [builtins.min(builtins.max(int(i), 0), size) for i in indices_or_sections]
        cuts.append(size)
        sizes = [b - a for a, b in zip(cuts, cuts[1:])]
    return list(glassnet.split(x, sizes, dim=axis))


def flip(x, axis=None):
    """x reversed along ``axis`` (all axes when None); the gradient is flipped back."""
    x = convert_to_tensor(x)
    return glassnet.flip(x, axes(axis, x.ndim))


# --- indexing ---------------------------------------------------------------------------
def _indices(indices, size: int):
    """Integer indices as an int64 tensor, negative ones counted from the end (NumPy's rule)."""
    index = np.asarray(convert_to_tensor(indices).numpy(), dtype=np.int64)
    if index.size and (index.min() < -size or index.max() >= size):
        raise IndexError(f"take: an index is out of range for an axis of size {size} (got "
                         f"indices from {index.min()} to {index.max()}); use indices in "
                         f"[{-size}, {size - 1}]")
    return np.where(index < 0, index + size, index)


def take(x, indices, axis=None):
    """The entries of x at ``indices`` along ``axis`` (of the flattened x when None); the
    result's shape puts indices' shape in place of that axis. The gradient is scattered back
    (summed where an index repeats)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axes(axis, x.ndim)[0]
    index = _indices(indices, x.shape[axis])
    picked = glassnet.index_select(x, axis, glassnet.tensor(index.reshape(-1)))
    return picked.reshape(*x.shape[:axis], *index.shape, *x.shape[axis + 1:])


def take_along_axis(x, indices, axis=None):
    """x's entries at ``indices`` along ``axis`` (NumPy's ``take_along_axis``: indices has x's
    rank and broadcasts over the other axes); the gradient is scattered back."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
        indices = np.reshape(convert_to_tensor(indices).numpy(), -1)
    axis = axes(axis, x.ndim)[0]
    index = _indices(indices, x.shape[axis])
    if index.ndim != x.ndim:
        raise ShapeError(f"take_along_axis: indices must have x's rank {x.ndim}, got rank "
                         f"{index.ndim}; add size-1 axes with expand_dims")
    target = tuple(np.broadcast_shapes(tuple(x.shape[:axis]) + (1,) + tuple(x.shape[axis + 1:]),
                                       index.shape[:axis] + (1,) + index.shape[axis + 1:]))
    out_shape = target[:axis] + (index.shape[axis],) + target[axis + 1:]
    index = np.broadcast_to(index, out_shape)
    x = x.expand(*(target[:axis] + (x.shape[axis],) + target[axis + 1:]))
    return glassnet.gather(x, axis, glassnet.tensor(np.ascontiguousarray(index)))


# --- more arrays -------------------------------------------------------------------------
def ravel(x):
    """The entries as one flat tensor."""
    return convert_to_tensor(x).reshape(-1)


def size(x):
    """The number of entries, as a 0-d int64 tensor (as Keras gives it)."""
    return glassnet.tensor(int(convert_to_tensor(x).numel()))


def ndim(x) -> int:
    """The number of axes."""
    return convert_to_tensor(x).ndim


def swapaxes(x, axis1: int, axis2: int):
    return convert_to_tensor(x).transpose(axis1, axis2)


def moveaxis(x, source, destination):
    return glassnet.movedim(convert_to_tensor(x), source, destination)


def roll(x, shift, axis=None):
    """Entries shifted along ``axis`` (of the flattened x when None), wrapping around."""
    x = convert_to_tensor(x)
    if axis is None:
        return glassnet.roll(x.reshape(-1), shift, 0).reshape(*x.shape)
    return glassnet.roll(x, shift, axis)


def broadcast_to(x, shape):
    return glassnet.broadcast_to(convert_to_tensor(x), tuple(_shape(shape)))


def tril(x, k: int = 0):
    return glassnet.tril(convert_to_tensor(x), k)


def triu(x, k: int = 0):
    return glassnet.triu(convert_to_tensor(x), k)


def diag(x, k: int = 0):
    """A vector's square matrix with it on diagonal k, or a matrix's diagonal k."""
    return glassnet.diag(convert_to_tensor(x), k)


def diagonal(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    return glassnet.diagonal(convert_to_tensor(x), offset, axis1, axis2)


def trace(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The sum of diagonal ``offset`` of the matrices spanned by axis1 and axis2."""
    return glassnet.diagonal(convert_to_tensor(x), offset, axis1, axis2).sum(-1)


def vstack(xs):
    return glassnet.vstack([convert_to_tensor(x) for x in xs])


def hstack(xs):
    return glassnet.hstack([convert_to_tensor(x) for x in xs])


def unstack(x, num=None, axis: int = 0):
    """The slices along ``axis``, as a list."""
    return list(glassnet.unbind(convert_to_tensor(x), axis))


def meshgrid(*x, indexing: str = "xy"):
    """Coordinate grids; NumPy's (and Keras') default indexing is "xy"."""
    return list(glassnet.meshgrid(*[convert_to_tensor(v) for v in x], indexing=indexing))


def diff(a, n: int = 1, axis: int = -1):
    """The n-th difference along ``axis``: a[i + 1] - a[i], n times."""
    a = convert_to_tensor(a)
    for _ in range(n):
        length = a.shape[axis] - 1
        a = a.narrow(axis, 1, length) - a.narrow(axis, 0, length)
    return a


def nonzero(x):
    """The positions of the nonzero entries, one int32 index tensor per axis."""
    return tuple(i.to(glassnet.int32) for i in glassnet.nonzero(convert_to_tensor(x),
                                                                as_tuple=True))


def copy(x):
    return convert_to_tensor(x).clone()


def identity(n: int, dtype=None):
    return eye(n, dtype=dtype)


def tri(N: int, M=None, k: int = 0, dtype=None):
    """Ones on and below diagonal k, zeros above."""
    return glassnet.tensor(np.tri(N, M, k, dtype=_dtype(dtype).numpy))


def empty(shape, dtype=None):
    return zeros(shape, dtype)


def logspace(start, stop, num: int = 50, endpoint: bool = True, base: float = 10,
             dtype=None, axis: int = 0):
    return glassnet.tensor(np.logspace(start, stop, num, endpoint, base,
                                       dtype=_dtype(dtype).numpy))

