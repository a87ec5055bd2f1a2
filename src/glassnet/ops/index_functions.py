"""The functional forms of the ops that take index tensors or masks, with PyTorch's
signatures: ``gather scatter scatter_add index_select masked_select masked_fill``.

Each checks its index as PyTorch does (int32/int64, the input's number of dims, no larger than
the input apart from ``dim``, every entry in [0, size)) before the op runs, and says the fix.
gather, scatter and scatter_add are the ops in ``ops/indexing.py``; index_select and
masked_select are advanced indexes (``Index``, copies); masked_fill is ``Where``. Tensor's
methods (``x.gather(1, index)``, ``x.scatter_(...)``) are in ``glassnet/_tensor_shape.py``.

Example::

    >>> x = glassnet.arange(6.0).reshape(2, 3)
    >>> glassnet.gather(x, 1, glassnet.tensor([[2, 0], [1, 1]]))
    tensor([[2., 0.],
            [4., 4.]])
    >>> x.scatter_add(0, glassnet.tensor([[1, 1, 0]]), glassnet.ones(1, 3))
    tensor([[0., 1., 3.],
            [4., 5., 5.]])
"""

from __future__ import annotations

import builtins

import numpy as np

from ..autograd.grad_mode import GradMode
from ..errors import ShapeError
from ..tensor import Tensor
from . import elementwise, indexing, shape
from .math_functions import write_into
from .shape_functions import _dim, _slice_along, _tensor


def _index_array(index, name: str) -> np.ndarray:
    index = index._data if isinstance(index, Tensor) else np.asarray(index)
    if index.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index, got "
                           f"{index.dtype.name}; convert it: index.long()")
    return index


def _check_bounds(index: np.ndarray, size: int, dim: int) -> None:
    bad = index[(index < 0) | (index >= size)]
    if bad.size:
        raise RuntimeError(f"index {bad.flat[0]} is out of bounds for dimension {dim} with size "
                           f"{size}; indexes must be in [0, {size - 1}] (negative ones are not "
                           f"counted from the end here)")


def _check_index_shape(name: str, x: Tensor, index: np.ndarray, dim: int, src=None) -> None:
    """PyTorch's rule: index has x's number of dims, is no larger than x except along ``dim``,
    and (for scatter) no larger than src anywhere."""
    if index.ndim != builtins.max(x.ndim, 1) and not (index.ndim == 0 and x.ndim <= 1):
        raise ShapeError(f"{name}(): Index tensor must have the same number of dimensions as "
                         f"input tensor: index has {index.ndim}, input {x.ndim}; unsqueeze or "
                         f"reshape the index")
    if index.ndim == 0:
        return
    xs, ids = tuple(x.shape) or (1,), tuple(index.shape)
    too_big_x = builtins.any(i > s for k, (i, s) in enumerate(zip(ids, xs)) if k != dim)
    too_big_src = src is not None and builtins.any(i > s for i, s in zip(ids, src.shape))
    if too_big_x or too_big_src:
        than_src = f" and to be no larger size than src {list(src.shape)}" if src is not None \
            else ""
        raise ShapeError(f"{name}(): Expected index {list(ids)} to be no larger than self "
                         f"{list(xs)} apart from dimension {dim}{than_src}; cut the index down")


def _as_1d(x: Tensor, index: np.ndarray) -> tuple:
    """0-d tensors are gathered and scattered as 1-element vectors (dim 0), as in PyTorch."""
    return (x.reshape(1) if x.ndim == 0 else x), (index.reshape(1) if index.ndim == 0 else index)


def _saved_index(given, ids: np.ndarray) -> Tensor:
    """The index as the op will save it: the caller's own tensor when its array is used as is,
    so changing that tensor in place before backward is caught, as in PyTorch."""
    if isinstance(given, Tensor) and given._data is ids:
        return given
    return Tensor._make(ids)


def gather(input, dim, index, *, sparse_grad=False, out=None) -> Tensor:
    """out[p] = input[p with coordinate ``dim`` replaced by index[p]]; for a 2-d input and
    dim=1, ``out[i][j] = input[i][index[i][j]]``. The result has the index's shape.

    ``sparse_grad`` is accepted for PyTorch's signature; the gradient is always dense (glassnet
    has no sparse tensors), with the same values."""
    x, ids = _tensor(input), _index_array(index, "gather")
    d = _dim(dim, x.ndim)
    _check_index_shape("gather", x, ids, d)
    _check_bounds(ids, x.shape[d] if x.ndim else 1, d)
    x1, ids1 = _as_1d(x, ids)
    result = indexing.Gather.apply(x1, _saved_index(index, ids1), dim=d)
    if ids.ndim == 0:
        result = result.reshape(())
    return write_into(out, result, "gather", (input,))


def _scatter_checks(name, x: Tensor, dim, index, src):
    ids = _index_array(index, name)
    d = _dim(dim, x.ndim)
    if isinstance(src, Tensor) and src._data.dtype != x._data.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype, got "
                           f"{x.dtype.name} and {src.dtype.name}; convert src: src.to(x.dtype)")
    if isinstance(src, Tensor) and src.ndim != ids.ndim:
        raise ShapeError(f"{name}(): Index tensor must have the same number of dimensions as "
                         f"src tensor: index has {ids.ndim}, src {src.ndim}")
    _check_index_shape(name, x, ids, d, src if isinstance(src, Tensor) else None)
    _check_bounds(ids, x.shape[d] if x.ndim else 1, d)
    return ids, d


def _scatter_run(function, name, input, dim, index, src) -> Tensor:
    x = _tensor(input)
    ids, d = _scatter_checks(name, x, dim, index, src)
    x1, ids1 = _as_1d(x, ids)
    if isinstance(src, Tensor) and src.ndim == 0:
        src = src.reshape(1)
    result = function.apply(x1, src, _saved_index(index, ids1), dim=d)
    return result.reshape(()) if x.ndim == 0 else result


def _scatter_reduce(x: Tensor, dim, index, src, reduce: str) -> Tensor:
    """scatter(..., reduce='add' | 'multiply'): no derivative, as in PyTorch."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce!r}")
    if GradMode.enabled and (x.requires_grad or (isinstance(src, Tensor) and src.requires_grad)):
        raise RuntimeError("scatter(..., reduce=) has no derivative (nor has PyTorch's); use "
                           "scatter_add for a differentiable sum, or wrap in glassnet.no_grad()")
    ids, d = _scatter_checks("scatter", x, dim, index, src)
    x1, ids1 = _as_1d(x, ids)
    values = src._data[indexing.leading(ids1.shape)] if isinstance(src, Tensor) else src
    out = x1._data.copy()
    (np.add if reduce == "add" else np.multiply).at(out, indexing.along(ids1, d), values)
    return Tensor._make(out.reshape(x.shape))


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None) -> Tensor:
    """A copy of ``input`` with ``out[p with coordinate dim replaced by index[p]] = src[p]`` (or
    ``value``) for every position p of index; ``reduce='add'``/``'multiply'`` combines instead
    of overwriting (without a gradient, as in PyTorch)."""
    if (src is None) == (value is None):
        raise TypeError("scatter(): give exactly one of src (a tensor) or value (a number)")
    x = _tensor(input)
    if value is not None:  # a number, or a 0-d tensor standing for one (PyTorch's Scalar)
        src = value.item() if isinstance(value, Tensor) and value.ndim == 0 else value
    if not isinstance(src, Tensor):
        src = np.asarray(src).astype(x._data.dtype).item()
    if reduce is not None:
        return write_into(out, _scatter_reduce(x, dim, index, src, reduce), "scatter", (input,))
    result = _scatter_run(indexing.Scatter, "scatter", x, dim, index, src)
    return write_into(out, result, "scatter", (input, src))


def scatter_add(input, dim, index, src, *, out=None) -> Tensor:
    """A copy of ``input`` with src[p] added at ``[p with coordinate dim replaced by index[p]]``
    for every position p of index; repeated positions add up (the adjoint of gather)."""
    src = _tensor(src)
    result = _scatter_run(indexing.ScatterAdd, "scatter_add", input, dim, index, src)
    return write_into(out, result, "scatter_add", (input, src))


def index_select(input, dim, index, *, out=None) -> Tensor:
    """The entries of ``input`` at the positions ``index`` (a vector) along ``dim``, in that
    order and with repeats; the gradient adds up at repeated positions."""
    x = _tensor(input)
    ids = _index_array(index, "index_select")
    if ids.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got shape "
                         f"{tuple(ids.shape)}; flatten it: index.flatten()")
    d = _dim(dim, x.ndim)
    _check_bounds(ids, x.shape[d] if x.ndim else 1, d)
    ids = ids.reshape(-1)
    if x.ndim == 0:
        return write_into(out, shape.Index.apply(x.reshape(1), index=ids).reshape(()),
                          "index_select", (input,))
    return write_into(out, shape.Index.apply(x, index=_slice_along(d, ids)), "index_select",
                      (input,))


def _mask_array(mask, name: str) -> np.ndarray:
    mask = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if mask.dtype != np.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.name}; compare to get one (e.g. mask != 0)")
    return mask


def masked_select(input, mask, *, out=None) -> Tensor:
    """A 1-d tensor of the elements of ``input`` where ``mask`` (broadcast with it) is True."""
    x = _tensor(input)
    mask = _mask_array(mask, "masked_select:")
    try:
        target = np.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise ShapeError(f"masked_select: mask of shape {tuple(mask.shape)} cannot be broadcast "
                         f"with input of shape {tuple(x.shape)}; make their dims line up from "
                         f"the right") from None
    if tuple(x.shape) != target:
        x = shape.Expand.apply(x, target)
    return write_into(out, shape.Index.apply(x, index=np.broadcast_to(mask, target)),
                      "masked_select", (input,))


def masked_fill(input, mask, value) -> Tensor:
    """A copy of ``input`` holding ``value`` where ``mask`` is True (mask broadcasts; value is a
    number or a 0-d tensor, converted to input's dtype; its gradient is the sum over the mask)."""
    x = _tensor(input)
    mask = _mask_array(mask, "masked_fill_")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s); pass value.item() or "
                               f"a 0-d tensor")
        if value._data.dtype != x._data.dtype:
            value = Tensor._make(value._data.astype(x._data.dtype)) if not value.requires_grad \
                else value.to(x.dtype)
    else:
        value = np.asarray(value).astype(x._data.dtype)
    try:
        return elementwise.Where.apply(mask, value, x)
    except ShapeError:
        raise ShapeError(f"masked_fill: mask of shape {tuple(mask.shape)} cannot be broadcast "
                         f"with input of shape {tuple(x.shape)}; make their dims line up from "
                         f"the right") from None


def nonzero(input, *, out=None, as_tuple=False):  # noqa: A002
    """Where ``input`` is not zero: an int64 tensor with one row of indices per such element (in
    C order), or with ``as_tuple=True`` one index tensor per dim (what ``x[...]`` takes). Not
    differentiable: the result is positions."""
    x = _tensor(input)
    if as_tuple:
        return tuple(Tensor._make(index.astype(np.int64))
                     for index in np.nonzero(np.atleast_1d(x._data)))
    result = Tensor._make(np.argwhere(x._data).astype(np.int64))
    return result if out is None else write_into(out, result, "nonzero", (input,))


def argwhere(input):  # noqa: A002
    """``nonzero(input)``: one row of indices per element that is not zero."""
    return nonzero(input)
