"""The functional forms of the ops, which are also Tensor's methods and operators.

``glassnet.exp(x)`` and ``x.exp()`` are the same function: each is written once here and
``install`` attaches it to ``Tensor``. Each takes PyTorch's signature (``input``, ``other``,
keyword-only ``out=``); the operators (``x + y``) go straight to the op. Functions without
gradients (comparisons, argmax, all/any, rounding) are in ``discrete_functions.py`` and installed
from here. The everyday math functions (sin ... atan2, erf, lerp, remainder, fmod, floor_divide,
fmax, fmin) are in ``math_functions.py``; Tensor's methods for them are defined on its mixin,
``glassnet/_tensor_math.py``.
"""
# ruff: noqa: I001  (the re-export of discrete_functions below stays on three lines)

from __future__ import annotations

import math

from collections import namedtuple

import numpy as np

from ..autograd.grad_mode import GradMode
from ..tensor import Tensor, as_array
from . import activation as A
from . import elementwise as E
from . import linalg as L
from . import linalg_functions as LF
from . import math_functions as MF
from . import reduce as R
from . import reduce_functions as RF
from . import shape as S
from .discrete_functions import (  # noqa: F401, A004 - re-exported
    all, allclose, any, argmax, argmin, ceil, eq, equal, floor, ge, gt, isfinite, isinf,
    isnan, le, logical_and, logical_not, logical_or, logical_xor, lt, ne, round, sign)

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
# PyTorch's signatures: ``input``/``other``, keyword-only ``alpha=``/``out=``. The operators
# (``x + y``) skip them: ``install`` gives ``__add__`` and kin one call straight to the op.
def _out(out, result: Tensor, name: str, inputs: tuple) -> Tensor:
    return result if out is None else MF.write_into(out, result, name, inputs)


def add(input, other, *, alpha=1, out=None):  # noqa: A002
    """input + alpha * other, elementwise with broadcasting; gradients g and alpha * g."""
    result = E.Add.apply(_t(input), _value(other) if alpha == 1 else _value(other) * alpha)
    return result if out is None else MF.write_into(out, result, "add", (input, other))


def sub(input, other, *, alpha=1, out=None):  # noqa: A002
    """input - alpha * other, elementwise with broadcasting; gradients g and -alpha * g."""
    result = E.Sub.apply(_t(input), _value(other) if alpha == 1 else _value(other) * alpha)
    return result if out is None else MF.write_into(out, result, "sub", (input, other))


def mul(input, other, *, out=None):  # noqa: A002
    """input * other, elementwise with broadcasting; gradients g * other and g * input."""
    result = E.Mul.apply(_t(input), _value(other))
    return result if out is None else MF.write_into(out, result, "mul", (input, other))


_ROUNDING_MODES = (None, "trunc", "floor")


def div(input, other, *, rounding_mode=None, out=None):  # noqa: A002
    """input / other (true division: integers give floats); gradients g / other and
    -g * input / other². ``rounding_mode="trunc"`` rounds the quotient toward zero, ``"floor"``
    down (Python's //); both keep integer dtypes and have zero gradient."""
    if rounding_mode is None:
        result = E.Div.apply(_t(input), _value(other))
    elif rounding_mode == "floor":
        result = MF.floor_divide(input, other)
    elif rounding_mode == "trunc":
        result = _trunc_divide(input, other)
    else:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found {rounding_mode!r}; pass one of those")
    return result if out is None else MF.write_into(out, result, "div", (input, other))


def _trunc_divide(input, other) -> Tensor:
    dtype = MF.result_dtype(*(x if isinstance(x, (bool, int, float)) else _t(x)
                              for x in (input, other)))
    if dtype.kind == "f":
        return MF.trunc(E.Div.apply(_t(input), _value(other)))
    divisor = other._data if isinstance(other, Tensor) else np.asarray(other)
    if np.any(divisor == 0):
        raise RuntimeError("ZeroDivisionError: div(rounding_mode='trunc') of integers by zero; "
                           "divide floats (x.float()) to get inf or nan instead")
    quotient = np.trunc(np.true_divide(_t(input)._data, divisor))  # exact below 2**53
    return Tensor._make(quotient.astype(dtype))


def pow(input, exponent, *, out=None):  # noqa: A001, A002
    """input ** exponent; gradients g * exponent * input^(exponent-1) and g * ln(input) * out."""
    result = E.Pow.apply(_value(input), _value(exponent))
    return result if out is None else MF.write_into(out, result, "pow", (input, exponent))


def neg(input, *, out=None):  # noqa: A002
    return _out(out, E.Neg.apply(_t(input)), "neg", (input,))


def matmul(input, other, *, out=None):  # noqa: A002  (PyTorch's keyword names)
    result = L.Matmul.apply(_t(input), _t(other))
    return result if out is None else LF.write_result(out, result, "matmul", (input, other))


def square(input, *, out=None):  # noqa: A002
    return _out(out, E.Mul.apply(_t(input), input), "square", (input,))


# ----- unary --------------------------------------------------------------------------------
def exp(input, *, out=None):  # noqa: A002
    return _out(out, E.Exp.apply(_t(input)), "exp", (input,))


def log(input, *, out=None):  # noqa: A002
    return _out(out, E.Log.apply(_t(input)), "log", (input,))


def log1p(input, *, out=None):  # noqa: A002
    return _out(out, E.Log1p.apply(_t(input)), "log1p", (input,))


def sqrt(input, *, out=None):  # noqa: A002
    return _out(out, E.Sqrt.apply(_t(input)), "sqrt", (input,))


def abs(input, *, out=None):  # noqa: A001, A002
    return _out(out, E.Abs.apply(_t(input)), "abs", (input,))


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min= or max=")
    low = min.item() if isinstance(min, Tensor) else min
    high = max.item() if isinstance(max, Tensor) else max
    return _out(out, E.Clamp.apply(_t(input), low=low, high=high), "clamp", (input,))


def relu(input):  # noqa: A002
    return A.Relu.apply(_t(input))


def sigmoid(input, *, out=None):  # noqa: A002
    return _out(out, A.Sigmoid.apply(_t(input)), "sigmoid", (input,))


def tanh(input, *, out=None):  # noqa: A002
    return _out(out, A.Tanh.apply(_t(input)), "tanh", (input,))


def _softmax_dim(x: Tensor, dim):
    if dim is None:  # PyTorch's legacy implicit choice
        return 0 if x.ndim in (0, 1, 3) else 1
    return dim


def softmax(input, dim=None, *, dtype=None):  # noqa: A002
    x = _t(input) if dtype is None else _t(input).to(dtype)
    return A.Softmax.apply(x, dim=_softmax_dim(x, dim))


def log_softmax(input, dim=None, *, dtype=None):  # noqa: A002
    x = _t(input) if dtype is None else _t(input).to(dtype)
    return A.LogSoftmax.apply(x, dim=_softmax_dim(x, dim))


def heaviside(input, values, *, out=None):  # noqa: A002
    """The step function: 1 where input > 0, 0 where input < 0, ``values`` where input == 0."""
    step = A.Heaviside.apply(_t(input), values._data if isinstance(values, Tensor) else values)
    return _out(out, step, "heaviside", (input,))


def clone(input):  # noqa: A002
    return E.Clone.apply(_t(input))


# ----- two inputs, no arithmetic operator ------------------------------------------------------
def maximum(input, other, *, out=None):  # noqa: A002
    return _out(out, E.Maximum.apply(_t(input), _t(other)), "maximum", (input, other))


def minimum(input, other, *, out=None):  # noqa: A002
    return _out(out, E.Minimum.apply(_t(input), _t(other)), "minimum", (input, other))


def where(condition, input=None, other=None, *, out=None):  # noqa: A002
    """Elements of input where condition holds, else of other (either may be a Python number);
    with the condition alone, the indices where it holds (``nonzero(as_tuple=True)``)."""
    if input is None and other is None:
        return tuple(Tensor._make(i) for i in np.nonzero(_t(condition)._data))
    mask = _t(condition)._data.astype(bool, copy=False)
    return _out(out, E.Where.apply(mask, _value(input), _value(other)), "where", (input, other))


# ----- reductions ---------------------------------------------------------------------------
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001, A002
    """The sum of all elements, or along ``dim`` (an int or a tuple); the gradient spreads g
    back to every element. Bool and integer tensors sum as int64, as in PyTorch."""
    x = _t(input) if dtype is None else _t(input).to(dtype)
    if x._data.dtype.kind == "b":
        x = x.long()
    return R.Sum.apply(x, dim=dim, keepdim=keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The mean of all elements, or along ``dim``; each element's gradient is g / N."""
    x = _t(input) if dtype is None else _t(input).to(dtype)
    if x._data.dtype.kind != "f":
        raise TypeError(
            f"mean: needs a floating-point tensor, got {x.dtype}; use x.float().mean()"
        )
    return _out(out, R.Mean.apply(x, dim=dim, keepdim=keepdim), "mean", (input,))


def _correction(unbiased, correction) -> int:
    """N - correction is the divisor: 1 (Bessel's) unless unbiased=False or a correction."""
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _unbiased_overload(dim, unbiased):
    """PyTorch's older form ``x.var(False)``: a bool in dim's place is ``unbiased``."""
    return (None, dim) if isinstance(dim, bool) else (dim, unbiased)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None,  # noqa: A002
        out=None):
    """Variance, unbiased (divides by N - 1) unless unbiased=False or correction=0."""
    dim, unbiased = _unbiased_overload(dim, unbiased)
    result = R.Var.apply(_t(input), dim=dim, keepdim=keepdim,
                         correction=_correction(unbiased, correction))
    return _out(out, result, "var", (input,))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None,  # noqa: A002
        out=None):
    dim, unbiased = _unbiased_overload(dim, unbiased)
    result = R.Std.apply(_t(input), dim=dim, keepdim=keepdim,
                         correction=_correction(unbiased, correction))
    return _out(out, result, "std", (input,))


def _extreme(x, dim, keepdim, out, whole, along, pairwise, name: str):
    if isinstance(dim, Tensor):
        return pairwise(x, dim, out=out)
    x = _t(x)
    if dim is None:
        return _out(out, whole.apply(x), name, (x,))
    values, indices = along.apply(x, dim, keepdim=keepdim)
    return RF._write_pair(out, return_types(values, indices), name, x)  # out=(values, indices)


def max(input, dim=None, keepdim=False, *, out=None):  # noqa: A001, A002
    """The largest element; with ``dim``, (values, indices) along it; with a tensor, maximum."""
    return _extreme(input, dim, keepdim, out, R.Max, R.MaxDim, maximum, "max")


def min(input, dim=None, keepdim=False, *, out=None):  # noqa: A001, A002
    """The smallest element; with ``dim``, (values, indices) along it; with a tensor, minimum."""
    return _extreme(input, dim, keepdim, out, R.Min, R.MinDim, minimum, "min")


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):  # noqa: A002
    """The vector p-norm (Σ|x|ᵖ)^(1/p) of the elements over ``dim`` (all of them when None), as
    ``torch.norm``: p = "fro" (the default) is p = 2, p may be inf, -inf or 0. The gradient at
    a zero vector is 0, as in PyTorch. Matrix norms: ``glassnet.linalg.matrix_norm``."""
    x = _t(input) if dtype is None else _t(input).to(dtype)
    if p in ("fro", None):
        p = 2
    elif isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported; use p='fro', a number, or "
                         f"glassnet.linalg.matrix_norm for the 1, -1, inf and -inf matrix norms")
    return _out(out, _vector_norm(x, p, dim, keepdim, "norm"), "norm", (input,))


def _vector_norm(x: Tensor, p, dim, keepdim: bool, who: str) -> Tensor:
    """(Σ|x|ᵖ)^(1/p) over ``dim``: the one norm op (``R.VectorNorm``) behind torch.norm,
    linalg.vector_norm, linalg.norm and cdist."""
    if x._data.dtype.kind != "f":
        raise TypeError(f"{who}: expected a floating-point tensor, got {x.dtype.name}; convert "
                        f"first: x.float()")
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"{who}: expected the order to be a number (or inf, -inf, 0), got {p!r}")
    return R.VectorNorm.apply(x, p=float(p), dim=dim, keepdim=keepdim)


# ----- shape --------------------------------------------------------------------------------
def reshape(input, shape):  # noqa: A002
    """``input``'s elements in ``shape`` (one -1 is inferred); the gradient is g reshaped back.
    Tensor's method takes the sizes one by one too: ``x.reshape(2, 3)``."""
    shape = _shape_args((shape,))
    x = _t(input)
    if shape == x._data.shape:
        return x
    return S.Reshape.apply(x, shape)


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    x = _t(input)
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = _dim_index(start_dim, x.ndim), _dim_index(end_dim, x.ndim)
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a "
                         f"{x.ndim}-d tensor; swap them")
    shape = x._data.shape
    merged = math.prod(shape[start:end + 1])  # explicit, so empty tensors flatten too
    return reshape(x, shape[:start] + (merged,) + shape[end + 1:])


def _dim_index(dim: int, ndim: int) -> int:
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    return dim % ndim


def transpose(input, dim0, dim1):  # noqa: A002
    return S.Transpose.apply(_t(input), dim0, dim1)


def permute(input, dims):  # noqa: A002
    """``input`` with its dims reordered; Tensor's method also takes them one by one."""
    return S.Permute.apply(_t(input), _shape_args((dims,)))


def _reshape_method(self, *shape):
    shape = _shape_args(shape)
    return self if shape == self._data.shape else S.Reshape.apply(self, shape)


def _permute_method(self, *dims):
    return S.Permute.apply(self, _shape_args(dims))


def t(input):  # noqa: A002
    x = _t(input)
    if x.ndim > 2:
        raise ValueError(f"t(): expects a tensor with <= 2 dims, got {x.ndim}; use transpose()")
    return x if x.ndim < 2 else S.Transpose.apply(x, 0, 1)


def squeeze(input, dim=None):  # noqa: A002
    return S.Squeeze.apply(_t(input), dim)


def unsqueeze(input, dim):  # noqa: A002
    return S.Unsqueeze.apply(_t(input), dim)


def expand(input, *sizes):  # noqa: A002
    return S.Expand.apply(_t(input), _shape_args(sizes))


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim; the gradient is g split back into their pieces."""
    result = S.Cat.apply(*[_t(x) for x in tensors], dim=dim)
    return result if out is None else MF.write_into(out, result, "cat", tuple(tensors))


concat = cat


def concatenate(tensors, axis=0, out=None):
    """NumPy's name and keyword for ``cat`` (PyTorch's alias takes ``axis``)."""
    return cat(tensors, axis, out=out)


def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dim; the gradient is g's slices along it."""
    result = S.Stack.apply(*[_t(x) for x in tensors], dim=dim)
    return result if out is None else MF.write_into(out, result, "stack", tuple(tensors))


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


def _operator(function):
    """``x + y`` → Add(x, y): x is a Tensor already, and operators take no alpha= or out=."""
    def operator(x, y):
        return function.apply(x, _value(y))

    return operator


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
        reshape=_reshape_method, view=_reshape_method,
        flatten=flatten, transpose=transpose, permute=_permute_method, t=t, squeeze=squeeze,
        unsqueeze=unsqueeze, expand=expand,
        __add__=_operator(E.Add), __radd__=_swap(E.Add), __sub__=_operator(E.Sub),
        __rsub__=_swap(E.Sub), __mul__=_operator(E.Mul), __rmul__=_swap(E.Mul),
        __truediv__=_operator(E.Div), __rtruediv__=_swap(E.Div), __pow__=_operator(E.Pow),
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
