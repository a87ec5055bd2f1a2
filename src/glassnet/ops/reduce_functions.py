"""The functional forms of the reductions, scans and sorting ops, with PyTorch's signatures.

``glassnet.prod``, ``cumsum``, ``cumprod``, ``sort``, ``argsort``, ``msort``, ``topk``,
``kthvalue``, ``median``, ``mode``, ``unique``, ``logsumexp``, ``amax``, ``amin``, ``dist``,
``count_nonzero``, ``var_mean``, ``std_mean`` and ``isclose``. Ops that return values and
indices return a named tuple (``result.values``, ``result.indices``), as PyTorch's
``torch.return_types``; ``out=`` takes a tensor, or a ``(values, indices)`` pair for those.
The ops with their derivatives are in ``reduce.py``, ``scan.py`` and ``sort.py``; Tensor's
methods (``x.sort()``) in ``glassnet/_tensor_reduce.py``.

Example::

    >>> x = glassnet.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    >>> glassnet.sort(x, dim=1, descending=True).values
    tensor([[3., 2., 1.],
            [5., 4., 0.]])
    >>> x.prod(dim=1)
    tensor([6., 0.])
    >>> glassnet.topk(x.flatten(), 2).indices
    tensor([4, 5])
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..dtypes import get_default_dtype
from ..errors import ShapeError
from ..tensor import Tensor
from . import reduce as R
from . import scan as C
from . import sort as S
from .math_functions import write_into


def _return_type(name: str) -> type:
    """A (values, indices) named tuple that prints as PyTorch's ``torch.return_types`` do."""
    cls = namedtuple(name, ["values", "indices"])
    cls.__module__ = "glassnet.return_types"
    cls.__repr__ = lambda self: (f"glassnet.return_types.{name}(\nvalues={self.values!r},"
                                 f"\nindices={self.indices!r})")
    return cls


class return_types:  # noqa: N801 - PyTorch's name for the namespace
    """The named tuples that ``sort``, ``topk``, ``kthvalue``, ``median`` and ``mode`` return."""

    sort = _return_type("sort")
    topk = _return_type("topk")
    kthvalue = _return_type("kthvalue")
    median = _return_type("median")
    mode = _return_type("mode")


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _exact(x: Tensor, dtype) -> Tensor:
    """Integers and bools sum and multiply as int64 (PyTorch's rule), unless dtype= says."""
    if dtype is not None:
        return x.to(dtype)
    if x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        return x.long()
    return x


def _floating(x: Tensor) -> Tensor:
    if x._data.dtype.kind == "f":
        return x
    return Tensor._make(x._data.astype(get_default_dtype().numpy))


def _write_pair(out, result, name: str, input) -> tuple:
    """``out=(values, indices)``: write both and return them as the same named tuple."""
    if out is None:
        return result
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{name}(): out= must be a (values, indices) pair of tensors, got "
                        f"{type(out).__name__}")
    values = write_into(out[0], result.values, name, (input,))
    return type(result)(values, write_into(out[1], result.indices, name, (input,)))


def _size_along(x: Tensor, dim) -> int:
    return x._data.shape[S.one_axis(dim, x.ndim)] if x.ndim else 1


# ----- products and sums --------------------------------------------------------------------
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor:
    """The product of all elements, or along one dim; integers and bools give int64.

    Its gradient is exact with zeros (no division): see ``ops/reduce.py: Prod``.
    """
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod(): dim must be one int, got {dim!r} (as in PyTorch); reduce one "
                        f"dim at a time: x.prod(0).prod(0)")
    x = _exact(_tensor(input), dtype)
    return write_into(out, R.Prod.apply(x, dim=dim, keepdim=keepdim), "prod", (input,))


def cumsum(input, dim, *, dtype=None, out=None) -> Tensor:
    """The running sum along dim: out[j] = input[0] + ... + input[j]; integers give int64."""
    x = _exact(_tensor(input), dtype)
    return write_into(out, C.Cumsum.apply(x, dim), "cumsum", (input,))


def cumprod(input, dim, *, dtype=None, out=None) -> Tensor:
    """The running product along dim: out[j] = input[0] · ... · input[j] (exact with zeros)."""
    x = _exact(_tensor(input), dtype)
    return write_into(out, C.Cumprod.apply(x, dim), "cumprod", (input,))


def logsumexp(input, dim, keepdim=False, *, out=None) -> Tensor:
    """log Σ exp(input) over dim (an int or a tuple), without overflow; integers give floats."""
    x = _floating(_tensor(input))
    return write_into(out, R.LogSumExp.apply(x, dim=dim, keepdim=keepdim), "logsumexp",
                      (input,))


def _extreme(function, input, dim, keepdim, out, name: str) -> Tensor:
    x = _tensor(input)
    dims = R.normalize_dims(dim, x.ndim)
    if x.numel() == 0 and (dims is None or any(x.shape[d] == 0 for d in dims)):
        raise ShapeError(f"{name}(): cannot reduce over a dim of size 0 (input of shape "
                         f"{tuple(x.shape)}, dim={dim!r}): an empty slice has no extreme; "
                         f"pick a dim whose size is not 0")
    return write_into(out, function.apply(x, dim=dim, keepdim=keepdim), name, (input,))


def amax(input, dim=(), keepdim=False, *, out=None) -> Tensor:
    """The maximum over dim (an int or a tuple; all dims when empty); ties share the gradient."""
    return _extreme(R.Amax, input, dim, keepdim, out, "amax")


def amin(input, dim=(), keepdim=False, *, out=None) -> Tensor:
    """The minimum over dim (an int or a tuple; all dims when empty); ties share the gradient."""
    return _extreme(R.Amin, input, dim, keepdim, out, "amin")


# ----- sorting and selecting ----------------------------------------------------------------
def sort(input, dim=-1, descending=False, *, stable=False, out=None):
    """(values, indices) sorted along dim. The sort is always stable; NaN sorts as largest."""
    x = _tensor(input)
    values, indices = S.Sort.apply(x, dim, descending=descending)
    return _write_pair(out, return_types.sort(values, indices), "sort", input)


def argsort(input, dim=-1, descending=False, *, stable=False) -> Tensor:
    """The indices that sort input along dim (stable: equal values keep their order)."""
    x = _tensor(input)
    axis = S.one_axis(dim, x.ndim)
    indices = S.stable_argsort(x._data.reshape(x.shape or (1,)), axis, descending)
    return Tensor._make(indices.reshape(x.shape))


def msort(input, *, out=None) -> Tensor:
    """input sorted along its first dim: ``sort(input, dim=0).values``."""
    return write_into(out, sort(input, dim=0).values, "msort", (input,))


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):  # noqa: A002
    """The k largest (smallest if largest=False) values along dim and their indices, in order.

    ``sorted=False`` lets PyTorch return them in any order; glassnet returns them sorted.
    Among equal values the first ones are taken (PyTorch's choice among ties is unspecified).
    """
    x = _tensor(input)
    dim = -1 if dim is None else dim
    size = _size_along(x, dim)
    if not 0 <= k <= size:
        raise ShapeError(f"topk(): selected index k out of range: k={k} but dim {dim} has size "
                         f"{size}; pass 0 <= k <= {size}")
    values, indices = S.Topk.apply(x, int(k), dim, largest=largest)
    return _write_pair(out, return_types.topk(values, indices), "topk", input)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The k-th smallest value along dim (k = 1 is the minimum) and its index."""
    x = _tensor(input)
    dim = -1 if dim is None else dim
    size = _size_along(x, dim)
    if not 1 <= k <= size:
        raise ShapeError(f"kthvalue(): selected number k out of range: k={k} but dim {dim} has "
                         f"size {size}; k counts from 1, so pass 1 <= k <= {size}")
    values, indices = S.Kthvalue.apply(x, int(k), dim, keepdim=keepdim)
    return _write_pair(out, return_types.kthvalue(values, indices), "kthvalue", input)


def _nonempty_along(x: Tensor, dim, name: str) -> None:
    if _size_along(x, dim) == 0:
        raise IndexError(f"{name}(): expected reduction dim {dim} to have non-zero size (input "
                         f"of shape {tuple(x.shape)}); pick a dim whose size is not 0")


def median(input, dim=None, keepdim=False, *, out=None):
    """The lower median: of all elements (a tensor), or along dim ((values, indices)).

    For an even count it is the lower of the two middle values, not their mean (PyTorch's rule;
    NumPy's median averages them). NaN anywhere in a slice makes its median NaN.
    """
    x = _tensor(input)
    if dim is None:
        return write_into(out, S.Median.apply(x), "median", (input,))
    _nonempty_along(x, dim, "median")
    values, indices = S.MedianDim.apply(x, dim, keepdim=keepdim)
    return _write_pair(out, return_types.median(values, indices), "median", input)


def mode(input, dim=-1, keepdim=False, *, out=None):
    """The most frequent value along dim and the index of its last occurrence; among values
    equally frequent, the smallest (PyTorch's rule). PyTorch returns some occurrence's index
    (the last for short slices), so with repeated values only the value is portable."""
    x = _tensor(input)
    dim = -1 if dim is None else dim
    _nonempty_along(x, dim, "mode")
    values, indices = S.Mode.apply(x, dim, keepdim=keepdim)
    return _write_pair(out, return_types.mode(values, indices), "mode", input)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct elements (or, with dim, the distinct slices along dim), in ascending order.

    With ``return_inverse`` also where each element (slice) went in the output, with
    ``return_counts`` how often each occurs; both int64. NaNs are all distinct, as in PyTorch.
    ``sorted=False`` allows any order; glassnet (as PyTorch on CPU) returns them sorted.
    Not differentiable, as in PyTorch.
    """
    x = _tensor(input)
    data = x._data
    if dim is None:
        found = np.unique(data.reshape(-1), return_inverse=True, return_counts=True,
                          equal_nan=False)
        inverse_shape = data.shape
    else:
        axis = S.one_axis(dim, x.ndim)
        found = np.unique(data.reshape(data.shape or (1,)), return_inverse=True,
                          return_counts=True, axis=axis, equal_nan=False)
        inverse_shape = (data.shape or (1,))[axis]
    values, inverse, counts = found
    result = [Tensor._make(values)]
    if return_inverse:
        result.append(Tensor._make(inverse.reshape(inverse_shape).astype(np.int64)))
    if return_counts:
        result.append(Tensor._make(counts.astype(np.int64)))
    return result[0] if len(result) == 1 else tuple(result)


# ----- statistics and comparisons -----------------------------------------------------------
def dist(input, other, p=2) -> Tensor:
    """The p-norm of input - other (broadcast): (Σ |input - other|ᵖ)^(1/p); p may be inf."""
    x, y = _tensor(input), _tensor(other)
    for tensor in (x, y):
        if tensor._data.dtype.kind != "f":
            raise TypeError(f"dist(): expected floating-point tensors, got {tensor.dtype.name}; "
                            f"convert first: x.float()")
    if x._data.dtype != y._data.dtype:
        raise TypeError(f"dist(): expected both inputs to have the same dtype, got "
                        f"{x.dtype.name} and {y.dtype.name}; convert one: y.to(x.dtype)")
    return R.Dist.apply(x, y, p=float(p))


def count_nonzero(input, dim=None) -> Tensor:
    """How many elements are not zero, over all elements or over dim (an int or a tuple)."""
    x = _tensor(input)
    axes = R.normalize_dims(dim, x.ndim)
    return Tensor._make(np.asarray(np.count_nonzero(x._data, axis=axes), dtype=np.int64))


def _correction(unbiased, correction) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _moments(input, dim, unbiased, keepdim, correction, spread, name: str) -> tuple:
    if isinstance(dim, bool):  # PyTorch's var_mean(input, unbiased) overload
        dim, unbiased = None, dim
    x = _tensor(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"{name}(): needs a floating-point tensor, got {x.dtype.name}; "
                        f"convert it first: x.float()")
    correction = _correction(unbiased, correction)
    return (spread.apply(x, dim=dim, keepdim=keepdim, correction=correction),
            R.Mean.apply(x, dim=dim, keepdim=keepdim))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> tuple:
    """(variance, mean) over dim in one call; the variance divides by N - correction (1 by
    default, the unbiased estimate; ``unbiased=False`` means correction=0)."""
    return _moments(input, dim, unbiased, keepdim, correction, R.Var, "var_mean")


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> tuple:
    """(standard deviation, mean) over dim; the same correction rule as ``var_mean``."""
    return _moments(input, dim, unbiased, keepdim, correction, R.Std, "std_mean")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """Elementwise |input - other| <= atol + rtol · |other| (broadcast), as a bool tensor.

    Infinities are close only to themselves; NaN is close to NaN only with ``equal_nan=True``.
    Both tensors must have the same dtype, as in PyTorch.
    """
    if not isinstance(other, Tensor):
        raise TypeError(f"isclose(): argument 'other' must be a Tensor, not "
                        f"{type(other).__name__}; wrap it: glassnet.tensor(other)")
    x = _tensor(input)
    if x._data.dtype != other._data.dtype:
        raise TypeError(f"isclose(): expected both inputs to have the same dtype, got "
                        f"{x.dtype.name} and {other.dtype.name}; convert one: "
                        f"other.to(input.dtype)")
    a, b = x._data, other._data
    if a.dtype.kind == "b":
        return Tensor._make(np.asarray(a == b))
    return Tensor._make(np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))
