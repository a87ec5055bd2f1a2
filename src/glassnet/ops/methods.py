"""The functional forms of the ops, which are also Tensor's methods and operators.

``glassnet.exp(x)`` and ``x.exp()`` are the same function: each is written once here and
``install`` attaches it to ``Tensor``. Ops without gradients (comparisons, argmax, all/any) live
here too, as plain NumPy on ``._data``. The everyday math functions (sin ... atan2, erf, lerp,
remainder, fmod, floor_divide, fmax, fmin) are in ``math_functions.py``, with ``out=``; Tensor's
methods for them are defined on its mixin, ``glassnet/_tensor_math.py``.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..autograd.grad_mode import GradMode
from ..tensor import Tensor, as_array
from . import activation as A
from . import elementwise as E
from . import linalg as L
from . import linalg_functions as LF
from . import reduce as R
from . import shape as S

return_types = namedtuple("return_types", ["values", "indices"])


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _value(x):
    """A Python scalar stays as is (so float32 stays float32); anything else becomes a Tensor."""
    return x if isinstance(x, (Tensor, int, float, bool)) else Tensor(x)


def _shape_args(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


# ----- arithmetic ---------------------------------------------------------------------------
def add(x, y, alpha=1):
    return E.Add.apply(_t(x), _value(y) if alpha == 1 else _value(y) * alpha)


def sub(x, y, alpha=1):
    return E.Sub.apply(_t(x), _value(y) if alpha == 1 else _value(y) * alpha)


def mul(x, y):
    return E.Mul.apply(_t(x), _value(y))


def div(x, y):
    return E.Div.apply(_t(x), _value(y))


def pow(x, exponent):  # noqa: A001
    return E.Pow.apply(_value(x), _value(exponent))


def neg(x):
    return E.Neg.apply(_t(x))


def matmul(input, other, *, out=None):  # noqa: A002  (PyTorch's keyword names)
    result = L.Matmul.apply(_t(input), _t(other))
    return result if out is None else LF.write_result(out, result, "matmul", (input, other))


def square(x):
    return E.Mul.apply(_t(x), x)


# ----- unary --------------------------------------------------------------------------------
def exp(x):
    return E.Exp.apply(_t(x))


def log(x):
    return E.Log.apply(_t(x))


def log1p(x):
    return E.Log1p.apply(_t(x))


def sqrt(x):
    return E.Sqrt.apply(_t(x))


def abs(x):  # noqa: A001
    return E.Abs.apply(_t(x))


def clamp(x, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min= or max=")
    low = min.item() if isinstance(min, Tensor) else min
    high = max.item() if isinstance(max, Tensor) else max
    return E.Clamp.apply(_t(x), low=low, high=high)


def relu(x):
    return A.Relu.apply(_t(x))


def sigmoid(x):
    return A.Sigmoid.apply(_t(x))


def tanh(x):
    return A.Tanh.apply(_t(x))


def _softmax_dim(x: Tensor, dim):
    if dim is None:  # PyTorch's legacy implicit choice
        return 0 if x.ndim in (0, 1, 3) else 1
    return dim


def softmax(x, dim=None, dtype=None):
    x = _t(x) if dtype is None else _t(x).to(dtype)
    return A.Softmax.apply(x, dim=_softmax_dim(x, dim))


def log_softmax(x, dim=None, dtype=None):
    x = _t(x) if dtype is None else _t(x).to(dtype)
    return A.LogSoftmax.apply(x, dim=_softmax_dim(x, dim))


def heaviside(x, values=0.0):
    """The step function: 1 where x > 0, 0 where x < 0, ``values`` where x == 0."""
    values = values._data if isinstance(values, Tensor) else values
    return A.Heaviside.apply(_t(x), values)


def clone(x):
    return E.Clone.apply(_t(x))


# ----- two inputs, no arithmetic operator ------------------------------------------------------
def maximum(x, y):
    return E.Maximum.apply(_t(x), _t(y))


def minimum(x, y):
    return E.Minimum.apply(_t(x), _t(y))


def where(condition, x=None, y=None):
    """Elements of x where condition holds, else of y (either may be a Python number)."""
    if x is None and y is None:
        return tuple(Tensor._make(i) for i in np.nonzero(_t(condition)._data))
    condition = _t(condition)._data.astype(bool, copy=False)
    return E.Where.apply(condition, _value(x), _value(y))


# ----- reductions ---------------------------------------------------------------------------
def sum(x, dim=None, keepdim=False, dtype=None):  # noqa: A001
    x = _t(x) if dtype is None else _t(x).to(dtype)
    if x._data.dtype.kind == "b":
        x = x.long()
    return R.Sum.apply(x, dim=dim, keepdim=keepdim)


def mean(x, dim=None, keepdim=False, dtype=None):
    x = _t(x) if dtype is None else _t(x).to(dtype)
    if x._data.dtype.kind != "f":
        raise TypeError(
            f"mean: needs a floating-point tensor, got {x.dtype}; use x.float().mean()"
        )
    return R.Mean.apply(x, dim=dim, keepdim=keepdim)


def _correction(unbiased, correction) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance, unbiased (divides by N - 1) unless unbiased=False or correction=0."""
    return R.Var.apply(_t(x), dim=dim, keepdim=keepdim, correction=_correction(unbiased,
                                                                             correction))


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return R.Std.apply(_t(x), dim=dim, keepdim=keepdim, correction=_correction(unbiased,
                                                                             correction))


def _extreme(x, dim, keepdim, whole, along, pairwise):
    if isinstance(dim, Tensor):
        return pairwise(x, dim)
    x = _t(x)
    if dim is None:
        return whole.apply(x)
    values, indices = along.apply(x, dim, keepdim=keepdim)
    return return_types(values, indices)


def max(x, dim=None, keepdim=False):  # noqa: A001
    """The largest element; with ``dim``, (values, indices) along it; with a tensor, maximum."""
    return _extreme(x, dim, keepdim, R.Max, R.MaxDim, maximum)


def min(x, dim=None, keepdim=False):  # noqa: A001
    """The smallest element; with ``dim``, (values, indices) along it; with a tensor, minimum."""
    return _extreme(x, dim, keepdim, R.Min, R.MinDim, minimum)


def norm(x, p=2, dim=None, keepdim=False):
    """The p-norm (p=2 by default): (Σ|x|ᵖ)^(1/p)."""
    x = _t(x)
    if p == 2:
        return sqrt(sum(x * x, dim=dim, keepdim=keepdim))
    return sum(abs(x) ** p, dim=dim, keepdim=keepdim) ** (1.0 / p)


# ----- without gradients --------------------------------------------------------------------
def _plain(array) -> Tensor:
    return Tensor._make(np.asarray(array))


def argmax(x, dim=None, keepdim=False):
    data = _t(x)._data
    if dim is None:
        return _plain(np.argmax(data))
    return _plain(np.argmax(data, axis=dim, keepdims=keepdim))


def argmin(x, dim=None, keepdim=False):
    data = _t(x)._data
    if dim is None:
        return _plain(np.argmin(data))
    return _plain(np.argmin(data, axis=dim, keepdims=keepdim))


def all(x, dim=None, keepdim=False):  # noqa: A001
    return _plain(np.all(_t(x)._data, axis=dim, keepdims=keepdim))


def any(x, dim=None, keepdim=False):  # noqa: A001
    return _plain(np.any(_t(x)._data, axis=dim, keepdims=keepdim))


def _compare(ufunc):
    def compare(x, y):
        other = y._data if isinstance(y, Tensor) else y
        return _plain(ufunc(_t(x)._data, other))

    compare.__name__ = ufunc.__name__
    compare.__doc__ = f"Elementwise {ufunc.__name__} (a bool tensor, no gradient)."
    return compare


eq, ne = _compare(np.equal), _compare(np.not_equal)
lt, le = _compare(np.less), _compare(np.less_equal)
gt, ge = _compare(np.greater), _compare(np.greater_equal)
logical_and, logical_or = _compare(np.logical_and), _compare(np.logical_or)
logical_xor = _compare(np.logical_xor)


def logical_not(x):
    return _plain(np.logical_not(_t(x)._data))


def equal(x, y) -> bool:
    """True when both tensors have the same shape and elements."""
    return bool(np.array_equal(_t(x)._data, _t(y)._data))


def allclose(x, y, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(_t(x)._data, _t(y)._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isnan(x):
    return _plain(np.isnan(_t(x)._data))


def isinf(x):
    return _plain(np.isinf(_t(x)._data))


def isfinite(x):
    return _plain(np.isfinite(_t(x)._data))


def sign(x):
    return _plain(np.sign(_t(x)._data))


def round(x, decimals: int = 0):  # noqa: A001 - no gradient (it is 0 almost everywhere)
    return _plain(np.round(_t(x)._data, decimals))


def floor(x):
    return _plain(np.floor(_t(x)._data))


def ceil(x):
    return _plain(np.ceil(_t(x)._data))


# ----- shape --------------------------------------------------------------------------------
def reshape(x, *shape):
    shape = _shape_args(shape)
    x = _t(x)
    if shape == x._data.shape:
        return x
    return S.Reshape.apply(x, shape)


def flatten(x, start_dim=0, end_dim=-1):
    x = _t(x)
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = (_dim_index(d, x.ndim) for d in (start_dim, end_dim))
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a "
                         f"{x.ndim}-d tensor; swap them")
    shape = x._data.shape
    merged = int(np.prod(shape[start:end + 1]))  # explicit, so empty tensors flatten too
    return reshape(x, shape[:start] + (merged,) + shape[end + 1:])


def _dim_index(dim: int, ndim: int) -> int:
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    return dim % ndim


def transpose(x, dim0, dim1):
    return S.Transpose.apply(_t(x), dim0, dim1)


def permute(x, *dims):
    return S.Permute.apply(_t(x), _shape_args(dims))


def t(x):
    x = _t(x)
    if x.ndim > 2:
        raise ValueError(f"t(): expects a tensor with <= 2 dims, got {x.ndim}; use transpose()")
    return x if x.ndim < 2 else S.Transpose.apply(x, 0, 1)


def squeeze(x, dim=None):
    return S.Squeeze.apply(_t(x), dim)


def unsqueeze(x, dim):
    return S.Unsqueeze.apply(_t(x), dim)


def expand(x, *sizes):
    return S.Expand.apply(_t(x), _shape_args(sizes))


def cat(tensors, dim=0):
    """Join tensors along an existing dim."""
    return S.Cat.apply(*[_t(x) for x in tensors], dim=dim)


concatenate = concat = cat


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dim."""
    return S.Stack.apply(*[_t(x) for x in tensors], dim=dim)


def _index(index):
    """Turn tensors inside an index into arrays NumPy understands."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray([i.item() if isinstance(i, Tensor) else i for i in index])
    return index


def getitem(x, index):
    return S.Index.apply(x, index=_index(index))


def setitem(x, index, value) -> None:
    index = _index(index)
    recording = GradMode.enabled and (x.requires_grad or
                                      (isinstance(value, Tensor) and value.requires_grad))
    if recording:
        x._set_inplace("setitem", S.IndexPut.apply(x, _value(value), index=index))
        return
    x._check_inplace("setitem")
    x._data[index] = value._data if isinstance(value, Tensor) else as_array(value)
    x._version_box[0] += 1


# ----- attaching to Tensor ------------------------------------------------------------------
def _swap(function):
    """``2 * t`` → Mul(2, t): the number stays a number (forward rules accept either side)."""
    def reflected(x, y):
        return function.apply(_value(y), x)

    return reflected


def install(cls) -> None:
    """Attach the functions above to ``Tensor`` as methods and operators."""
    methods = dict(
        add=add, sub=sub, mul=mul, div=div, true_divide=div, pow=pow, neg=neg, matmul=matmul,
        square=square, exp=exp, log=log, log1p=log1p, sqrt=sqrt, abs=abs, clamp=clamp,
        clip=clamp, relu=relu, sigmoid=sigmoid, tanh=tanh, softmax=softmax,
        log_softmax=log_softmax, heaviside=heaviside, clone=clone, maximum=maximum,
        minimum=minimum, sum=sum,
        mean=mean, var=var, std=std, max=max, min=min, norm=norm,
        argmax=argmax, argmin=argmin, all=all, any=any, eq=eq, ne=ne, lt=lt, le=le, gt=gt,
        ge=ge, logical_not=logical_not, equal=equal, allclose=allclose, isnan=isnan,
        isinf=isinf, isfinite=isfinite, sign=sign, round=round, floor=floor, ceil=ceil,
        reshape=reshape, view=reshape,
        flatten=flatten, transpose=transpose, permute=permute, t=t, squeeze=squeeze,
        unsqueeze=unsqueeze, expand=expand,
        __add__=add, __radd__=_swap(E.Add), __sub__=sub, __rsub__=_swap(E.Sub), __mul__=mul,
        __rmul__=_swap(E.Mul), __truediv__=div, __rtruediv__=_swap(E.Div), __pow__=pow,
        __rpow__=_swap(E.Pow), __matmul__=matmul, __rmatmul__=_swap(L.Matmul), __neg__=neg,
        __abs__=abs, __eq__=eq, __ne__=ne, __lt__=lt, __le__=le, __gt__=gt, __ge__=ge,
        __and__=logical_and, __or__=logical_or, __xor__=logical_xor,
        __invert__=logical_not, __getitem__=getitem, __setitem__=setitem,
    )
    for name, fn in methods.items():
        setattr(cls, name, fn)
    cls.__pos__ = lambda self: self
    cls.T = property(lambda self: permute(self, tuple(range(self.ndim - 1, -1, -1))))
    cls.expand_as = lambda self, other: expand(self, other.shape)
    cls.view_as = cls.reshape_as = lambda self, other: reshape(self, other.shape)
    cls.__hash__ = object.__hash__
