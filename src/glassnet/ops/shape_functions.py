"""The functional forms of splitting and rearranging, with PyTorch's signatures:
``split chunk unbind narrow tril triu roll flip movedim swapaxes repeat repeat_interleave
hstack vstack dstack column_stack`` (and ``atleast_1d/2d/3d``). The ops that take index tensors
or masks (gather, scatter, index_select, masked_fill ...) are in ``ops/index_functions.py``.

Each checks its arguments as PyTorch does (same conditions, messages that also say the fix)
before the op runs. New ops with their derivatives are in ``ops/indexing.py``; the rest are
exact compositions of ops that exist: split, chunk, unbind and narrow are basic-index views of
the input (``Index``; PyTorch's are views too), repeat_interleave is an advanced index (a copy),
movedim is ``Permute``, swapaxes ``Transpose``, the stacks are ``Cat``. Tensor's methods
(``x.split(2)``, ``x.tril_()``) are in ``glassnet/_tensor_shape.py``.

Example::

    >>> x = glassnet.arange(6.0).reshape(2, 3)
    >>> [p.shape for p in x.split([1, 2], dim=1)]
    [glassnet.Size([2, 1]), glassnet.Size([2, 2])]
    >>> glassnet.roll(x, 1, dims=1)
    tensor([[2., 0., 1.],
            [5., 3., 4.]])
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from ..dtypes import from_numpy_dtype
from ..tensor import Size, Tensor
from . import indexing, shape
from .math_functions import result_dtype, write_into


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _dim(dim, ndim: int) -> int:
    """``dim`` in [0, ndim), counting negative dims from the end; a 0-d tensor has one dim."""
    ndim = builtins.max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"argument 'dim' must be int, not {type(dim).__name__} ({dim!r})")
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    return int(dim) % ndim


def _dims(dims, ndim: int, name: str) -> tuple:
    """A dim or a sequence of them, each in range and none twice."""
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    found = tuple(_dim(d, ndim) for d in dims)
    for d in found:
        if found.count(d) > 1:
            raise RuntimeError(f"{name}: dim {d} appears multiple times in the list of dims; "
                               f"name each dim once")
    return found


def _slice_along(dim: int, piece) -> tuple:
    return (slice(None),) * dim + (piece,)


# ----- splitting: views of the input ---------------------------------------------------------
def split(tensor, split_size_or_sections, dim=0) -> tuple:
    """Cut ``tensor`` along ``dim`` into pieces of ``split_size`` (the last may be smaller) or
    of the given list of sizes; each piece is a view, and its gradient flows to its part."""
    x = _tensor(tensor)
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor; reshape it first: "
                           "x.reshape(1)")
    d = _dim(dim, x.ndim)
    size = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0 or (step == 0 and size > 0):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}; give a positive split_size")
        starts = range(0, size, step) if step else range(1)
        sizes = [builtins.min(step, size - start) for start in starts]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != size or builtins.any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}; make the sizes add up to {size}")
    pieces, start = [], 0
    for n in sizes:
        pieces.append(shape.Index.apply(x, index=_slice_along(d, slice(start, start + n))))
        start += n
    return tuple(pieces)


def chunk(input, chunks, dim=0) -> tuple:
    """Split into ``chunks`` pieces of ceil(size / chunks) elements along ``dim`` (fewer pieces
    when the size runs out first, exactly as PyTorch)."""
    x = _tensor(input)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _dim(dim, x.ndim)
    size = x.shape[d] if x.ndim else 1
    if size == 0:  # PyTorch gives `chunks` empty pieces
        return split(x, [0] * chunks, d)
    return split(x, math.ceil(size / chunks), d)


def unbind(input, dim=0) -> tuple:
    """The slices of ``input`` along ``dim``, that dim removed: ``x.unbind(0)`` is
    ``(x[0], x[1], ...)``, each a view."""
    x = _tensor(input)
    if x.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = _dim(dim, x.ndim)
    return tuple(shape.Index.apply(x, index=_slice_along(d, i)) for i in range(x.shape[d]))


def narrow(input, dim, start, length) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim`` (start may be negative
    or a 0-d tensor)."""
    x = _tensor(input)
    d = _dim(dim, x.ndim)
    start = int(start.item()) if isinstance(start, Tensor) else int(start)
    size = x.shape[d]
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    start = start % size if start < 0 else start
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return shape.Index.apply(x, index=_slice_along(d, slice(start, start + length)))


# ----- rearranging --------------------------------------------------------------------------
def _matrix_op(function, name, input, diagonal, out) -> Tensor:
    x = _tensor(input)
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got "
                           f"{x.ndim}; unsqueeze a vector to a row first")
    return write_into(out, function.apply(x, diagonal=int(diagonal)), name, (input,))


def tril(input, diagonal=0, *, out=None) -> Tensor:
    """The lower triangle of the last two dims: elements (i, j) with j - i <= diagonal; 0
    elsewhere."""
    return _matrix_op(indexing.Tril, "tril", input, diagonal, out)


def triu(input, diagonal=0, *, out=None) -> Tensor:
    """The upper triangle of the last two dims: elements (i, j) with j - i >= diagonal; 0
    elsewhere."""
    return _matrix_op(indexing.Triu, "triu", input, diagonal, out)


def roll(input, shifts, dims=None) -> Tensor:
    """Shift elements by ``shifts`` along ``dims``, wrapping around (over the flattened tensor,
    shape kept, when dims is None)."""
    x = _tensor(input)
    many = not isinstance(shifts, (int, np.integer))
    shifts = tuple(int(s) for s in shifts) if many else int(shifts)
    if dims is None:
        if many and len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0; "
                               f"with dims=None give one shift, or name a dim for each shift")
        return indexing.Roll.apply(x, shifts[0] if many else shifts, dims=None)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    shifts = shifts if many else (shifts,)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}; give one shift per dim")
    return indexing.Roll.apply(x, shifts, dims=tuple(_dim(d, x.ndim) for d in dims))


def flip(input, dims) -> Tensor:
    """A copy with the order of elements reversed along each of ``dims``."""
    x = _tensor(input)
    dims = _dims(dims, x.ndim, "flip") if x.ndim else ()  # a 0-d tensor has nothing to reverse
    return indexing.Flip.apply(x, dims=dims)


def fliplr(input) -> Tensor:
    """Reverse the columns (dim 1) of a tensor with at least 2 dims."""
    if _tensor(input).ndim < 2:
        raise RuntimeError("fliplr: Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input) -> Tensor:
    """Reverse the rows (dim 0) of a tensor with at least 1 dim."""
    if _tensor(input).ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return flip(input, (0,))


def movedim(input, source, destination) -> Tensor:
    """The view with dims ``source`` moved to positions ``destination``, the others keeping
    their order."""
    x = _tensor(input)
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    found = {}
    for what, dims in (("source", src), ("destination", dst)):
        found[what] = [_dim(d, x.ndim) for d in dims]
        if len(set(found[what])) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{what}` ({list(dims)})")
    if x.ndim == 0:
        return shape.Permute.apply(x, ())
    order = [d for d in range(x.ndim) if d not in found["source"]]
    for to, moved in sorted(zip(found["destination"], found["source"])):
        order.insert(to, moved)  # NumPy's moveaxis rule: the others keep their order
    return shape.Permute.apply(x, tuple(order))


moveaxis = movedim


def swapaxes(input, axis0, axis1) -> Tensor:
    """``transpose(input, axis0, axis1)`` under NumPy's name."""
    x = _tensor(input)
    return shape.Transpose.apply(x, _dim(axis0, x.ndim), _dim(axis1, x.ndim))


def swapdims(input, dim0, dim1) -> Tensor:
    """``transpose(input, dim0, dim1)``."""
    return swapaxes(input, dim0, dim1)


def repeat(input, *repeats) -> Tensor:
    """``input`` tiled ``repeats[d]`` times along each dim (Tensor.repeat; x.repeat(2, 1))."""
    x = _tensor(input)
    if len(repeats) == 1 and isinstance(repeats[0], (tuple, list, Tensor)):
        repeats = tuple(repeats[0].tolist() if isinstance(repeats[0], Tensor) else repeats[0])
    repeats = tuple(int(r) for r in repeats)
    if len(repeats) < x.ndim:
        raise RuntimeError(f"Number of dimensions of repeat dims can not be smaller than number "
                           f"of dimensions of tensor: got {len(repeats)} repeats for a "
                           f"{x.ndim}-d tensor; give one per dim")
    if builtins.any(r < 0 for r in repeats):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {list(repeats)}")
    return indexing.Repeat.apply(x, repeats)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element ``repeats`` times (a number, or one count per element) along
    ``dim`` (over the flattened input when dim is None). Given only a tensor of counts,
    ``repeat_interleave(counts)`` gives the index each count repeats, as PyTorch."""
    if repeats is None:
        counts = _tensor(input)
        return repeat_interleave(Tensor._make(np.arange(counts.numel())), counts)
    x = _tensor(input)
    if dim is None:
        x, dim = x.reshape(-1), 0
    d = _dim(dim, x.ndim)
    x = x.reshape(1) if x.ndim == 0 else x
    size = x.shape[d]
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.ndim > 1:
        raise RuntimeError(f"repeats must be 0-dim or 1-dim tensor, got shape "
                           f"{tuple(counts.shape)}; give one count, or one per element")
    if np.any(counts < 0):
        raise RuntimeError(f"repeat_interleave: repeats can not be negative, got "
                           f"{counts.tolist()}")
    counts = counts.reshape(-1)
    if counts.size == 1:
        counts = np.full(size, counts[0])
    if counts.size != size:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {counts.size} and input.size({d}) = {size}")
    if output_size is not None and output_size != int(counts.sum()):
        raise RuntimeError(f"repeat_interleave: output_size={output_size} but the repeats add "
                           f"up to {int(counts.sum())}; leave output_size out or fix it")
    if size and counts.min() == counts.max() > 1:
        # one count for all: a broadcast view reshaped (one copy), whose gradient is a plain
        # sum over the copies; per-element counts need an index and np.add.at to go back
        grown = tuple(x.shape[:d + 1]) + (int(counts[0]),) + tuple(x.shape[d + 1:])
        widened = shape.Expand.apply(shape.Unsqueeze.apply(x, d + 1), grown)
        merged = tuple(x.shape[:d]) + (size * int(counts[0]),) + tuple(x.shape[d + 1:])
        return shape.Reshape.apply(widened, merged)
    positions = np.repeat(np.arange(size), counts)
    return shape.Index.apply(x, index=_slice_along(d, positions))


# ----- stacking: compositions of cat ----------------------------------------------------------
def _atleast(tensors: tuple, ndim: int) -> tuple:
    """Each tensor given at least ``ndim`` dims, NumPy's way: new dims go in front, except that
    a 3-d view puts a vector in the middle, (1, n, 1), and a matrix in front, (m, n, 1)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    out = []
    for t in (_tensor(t) for t in tensors):
        if t.ndim >= ndim:
            out.append(t)
        elif ndim == 3 and t.ndim >= 1:
            out.append(t.reshape((1,) * (2 - t.ndim) + tuple(t.shape) + (1,)))
        else:
            out.append(t.reshape((1,) * (ndim - t.ndim) + tuple(t.shape)))
    return tuple(out)


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d tensor becomes shape (1,)); one or a tuple."""
    out = _atleast(tensors, 1)
    return out[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else out


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims (a vector of n becomes a row, shape (1, n))."""
    out = _atleast(tensors, 2)
    return out[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else out


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: (n,) becomes (1, n, 1) and (m, n) becomes (m, n, 1)."""
    out = _atleast(tensors, 3)
    return out[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else out


def _stack(name: str, tensors, ndim: int, dim, out) -> Tensor:
    tensors = tuple(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    parts = _atleast(tensors, ndim)
    dim = dim(parts) if callable(dim) else dim
    return write_into(out, _cat(parts, dim), name, tensors)


def _cat(parts: tuple, dim: int) -> Tensor:
    """Cat with PyTorch's promotion (int with float32 stays float32)."""
    dtype = result_dtype(*parts)
    parts = tuple(p if p._data.dtype == dtype else p.to(from_numpy_dtype(dtype)) for p in parts)
    return shape.Cat.apply(*parts, dim=dim)


def hstack(tensors, *, out=None) -> Tensor:
    """Join side by side: along dim 0 for vectors, dim 1 otherwise (0-d tensors become 1-d)."""
    return _stack("hstack", tensors, 1, lambda parts: 0 if parts[0].ndim == 1 else 1, out)


def vstack(tensors, *, out=None) -> Tensor:
    """Join as rows: vectors become rows (1, n), then everything is joined along dim 0."""
    return _stack("vstack", tensors, 2, 0, out)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """Join along the third dim after atleast_3d ((n,) → (1, n, 1), (m, n) → (m, n, 1))."""
    return _stack("dstack", tensors, 3, 2, out)


def column_stack(tensors, *, out=None) -> Tensor:
    """Join as columns: 0-d and 1-d tensors become columns (n, 1), then join along dim 1."""
    tensors = tuple(tensors)
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    parts = tuple(t.reshape(t.numel(), 1) if t.ndim <= 1 else t
                  for t in (_tensor(t) for t in tensors))
    return write_into(out, _cat(parts, 1), "column_stack", tensors)


def broadcast_shapes(*shapes):
    """The shape that tensors of these shapes broadcast to (NumPy's rules, as PyTorch's)."""
    try:
        return Size(np.broadcast_shapes(*(tuple(s) if isinstance(s, (tuple, list)) else (s,)
                                          for s in shapes)))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {list(shapes)} cannot be broadcast "
                           f"together: each dim must match or be 1") from None
