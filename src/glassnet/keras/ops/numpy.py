"""``keras.ops``' NumPy-like math on glassnet tensors: arithmetic, comparisons, elementwise
functions and reductions with ``axis=`` / ``keepdims=``.

Each function converts its inputs (``core.convert_to_tensor``) and calls glassnet's own
differentiable ops, so the derivative of every function here is the one its glassnet op states:
``ops.square(x)`` back-propagates 2·x·grad because ``Tensor.square`` does. Integer inputs to
float-valued functions (``sqrt``, ``mean``, ``divide`` ...) give float32, as in Keras.
"""

from __future__ import annotations

import builtins

import numpy as np

import glassnet

from .core import axes, convert_to_tensor, like, pair, to_float


# --- arithmetic --------------------------------------------------------------------------
def add(x1, x2):
    """x1 + x2, with broadcasting; the gradient flows unchanged to both."""
    x1, x2 = pair(x1, x2)
    return x1 + x2


def subtract(x1, x2):
    """x1 - x2; the gradient is +grad for x1 and -grad for x2."""
    x1, x2 = pair(x1, x2)
    return x1 - x2


def multiply(x1, x2):
    """x1 · x2; the gradient is grad·x2 for x1 and grad·x1 for x2."""
    x1, x2 = pair(x1, x2)
    return x1 * x2


def divide(x1, x2):
    """x1 / x2, true division (integers give float32); d/dx1 = 1/x2, d/dx2 = -x1/x2²."""
    x1, x2 = pair(x1, x2)
    return x1 / x2


true_divide = divide


def power(x1, x2):
    """x1 ** x2; d/dx1 = x2·x1^(x2-1), d/dx2 = x1^x2·log x1."""
    x1, x2 = pair(x1, x2)
    if not isinstance(x1, glassnet.Tensor):
        x1 = like(x1, x2)
    return x1 ** x2


def negative(x):
    """-x; the gradient is -grad."""
    return -convert_to_tensor(x)


def maximum(x1, x2):
    """The elementwise larger of x1 and x2; the gradient goes to the larger one."""
    x1, x2 = _two_tensors(x1, x2)
    return glassnet.maximum(x1, x2)


def minimum(x1, x2):
    """The elementwise smaller of x1 and x2; the gradient goes to the smaller one."""
    x1, x2 = _two_tensors(x1, x2)
    return glassnet.minimum(x1, x2)


def _two_tensors(x1, x2):
    x1, x2 = pair(x1, x2)
    if not isinstance(x1, glassnet.Tensor):
        x1 = like(x1, x2)
    if not isinstance(x2, glassnet.Tensor):
        x2 = like(x2, x1)
    return x1, x2


# --- elementwise functions -------------------------------------------------------------
def abs(x):
    """|x|; the gradient is sign(x)·grad."""
    return convert_to_tensor(x).abs()


def square(x):
    """x²; the gradient is 2·x·grad."""
    return convert_to_tensor(x).square()


def sqrt(x):
    """√x; the gradient is grad / (2√x)."""
    return to_float(x).sqrt()


def exp(x):
    """eˣ; the gradient is eˣ·grad."""
    return to_float(x).exp()


def log(x):
    """ln x; the gradient is grad / x."""
    return to_float(x).log()


def log1p(x):
    """ln(1 + x), exact for small x; the gradient is grad / (1 + x)."""
    return to_float(x).log1p()


def expm1(x):
    """eˣ - 1, exact for small x; the gradient is eˣ·grad."""
    return to_float(x).expm1()


def sin(x):
    """sin x; the gradient is cos(x)·grad."""
    return to_float(x).sin()


def cos(x):
    """cos x; the gradient is -sin(x)·grad."""
    return to_float(x).cos()


def sign(x):
    """-1, 0 or 1 by the sign of x; the gradient is zero."""
    return convert_to_tensor(x).sign()


def floor(x):
    """The largest whole number ≤ x (float32 for integers); the gradient is zero."""
    return to_float(x).floor()


def ceil(x):
    """The smallest whole number ≥ x (float32 for integers); the gradient is zero."""
    return to_float(x).ceil()


def round(x, decimals: int = 0):
    """x rounded to ``decimals`` places, halves to even (NumPy's rule); gradient zero."""
    return glassnet.round(convert_to_tensor(x), decimals=decimals)


def clip(x, x_min, x_max):
    """x limited to [x_min, x_max]; the gradient passes where x is inside, else zero."""
    return glassnet.clamp(convert_to_tensor(x), min=x_min, max=x_max)


def where(condition, x1=None, x2=None):
    """x1 where ``condition`` holds, else x2 (the gradient follows the same choice); with
    neither x1 nor x2, the indices where ``condition`` holds, one int64 tensor per axis
    (NumPy's ``nonzero``; Keras' torch backend stacks the same rows into one tensor)."""
    condition = convert_to_tensor(condition)
    if x1 is None and x2 is None:
        return tuple(convert_to_tensor(i.astype(np.int64))
                     for i in np.nonzero(condition.numpy()))
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2, or neither (for the indices where "
                         "condition holds); got only one")
    x1, x2 = _two_tensors(x1, x2)
    return glassnet.where(condition.bool(), x1, x2)


# --- comparisons and logic (results are bool, no gradient) ------------------------------
def equal(x1, x2):
    """x1 == x2, elementwise, as bool."""
    x1, x2 = _two_tensors(x1, x2)
    return x1 == x2


def not_equal(x1, x2):
    """x1 != x2, elementwise, as bool."""
    x1, x2 = _two_tensors(x1, x2)
    return x1 != x2


def greater(x1, x2):
    """x1 > x2, elementwise, as bool."""
    x1, x2 = _two_tensors(x1, x2)
    return x1 > x2


def greater_equal(x1, x2):
    """x1 >= x2, elementwise, as bool."""
    x1, x2 = _two_tensors(x1, x2)
    return x1 >= x2


def less(x1, x2):
    """x1 < x2, elementwise, as bool."""
    x1, x2 = _two_tensors(x1, x2)
    return x1 < x2


def less_equal(x1, x2):
    """x1 <= x2, elementwise, as bool."""
    x1, x2 = _two_tensors(x1, x2)
    return x1 <= x2


def logical_and(x1, x2):
    """x1 and x2 (nonzero is true), elementwise, as bool."""
    x1, x2 = _two_tensors(x1, x2)
    return glassnet.logical_and(x1.bool(), x2.bool())


def logical_or(x1, x2):
    """x1 or x2 (nonzero is true), elementwise, as bool."""
    x1, x2 = _two_tensors(x1, x2)
    return glassnet.logical_or(x1.bool(), x2.bool())


def logical_not(x):
    """not x (nonzero is true), elementwise, as bool."""
    return glassnet.logical_not(convert_to_tensor(x).bool())


# --- reductions ---------------------------------------------------------------------------
def _dims(x, axis):
    """glassnet's ``dim`` for Keras' ``axis``: a tuple of axes (all of them for None)."""
    return axes(axis, x.ndim)


def _integers_kept(x):
    """x, with bool as int32: Keras' sums and products keep an integer dtype (PyTorch would
    widen it to int64), so the result is cast back to this tensor's dtype."""
    return x.to(glassnet.int32) if x.dtype == glassnet.bool else x


def _as(out, x):
    return out if out.dtype == x.dtype else out.to(x.dtype)


def sum(x, axis=None, keepdims: bool = False):
    """Σ over ``axis`` (all axes when None); the gradient is grad spread over the summed axes.
    Integers keep their dtype and bools give int32, as in Keras."""
    x = _integers_kept(convert_to_tensor(x))
    if x.ndim == 0:
        return x
    return _as(glassnet.sum(x, dim=_dims(x, axis), keepdim=keepdims), x)


def mean(x, axis=None, keepdims: bool = False):
    """The mean over ``axis`` (integers give float32); the gradient is grad / n for each of
    the n averaged entries."""
    x = to_float(x)
    if x.ndim == 0:
        return x
    return glassnet.mean(x, dim=_dims(x, axis), keepdim=keepdims)


def max(x, axis=None, keepdims: bool = False, initial=None):
    """The largest entry over ``axis``, at least ``initial`` if given; the gradient goes to
    the largest entries (shared equally between ties)."""
    x = convert_to_tensor(x)
    out = glassnet.amax(x, dim=_dims(x, axis), keepdim=keepdims) if x.ndim else x
    return out if initial is None else maximum(out, initial)


def min(x, axis=None, keepdims: bool = False, initial=None):
    """The smallest entry over ``axis``, at most ``initial`` if given; the gradient goes to
    the smallest entries (shared equally between ties)."""
    x = convert_to_tensor(x)
    out = glassnet.amin(x, dim=_dims(x, axis), keepdim=keepdims) if x.ndim else x
    return out if initial is None else minimum(out, initial)


def prod(x, axis=None, keepdims: bool = False, dtype=None):
    """Π over ``axis``; the gradient for each entry is grad times the product of the others.
    Integers keep their dtype and bools give int32, as in Keras."""
    x = _integers_kept(convert_to_tensor(x, dtype=dtype))
    out = x
    for a in sorted(_dims(x, axis), reverse=True):
        out = glassnet.prod(out, dim=a, keepdim=keepdims)
    return _as(out, x)


def var(x, axis=None, keepdims: bool = False):
    """The population variance mean((x - mean x)²) over ``axis`` (NumPy's ddof=0); the
    gradient is 2·(x - mean)·grad / n."""
    x = to_float(x)
    return glassnet.var(x, dim=_dims(x, axis), keepdim=keepdims, correction=0)


def std(x, axis=None, keepdims: bool = False):
    """√var(x) over ``axis`` (ddof=0); the gradient is (x - mean)·grad / (n·std)."""
    x = to_float(x)
    return glassnet.std(x, dim=_dims(x, axis), keepdim=keepdims, correction=0)


def norm(x, ord=None, axis=None, keepdims: bool = False):
    """A vector or matrix norm, NumPy's ``linalg.norm``.

    Vectors (an int ``axis``, or 1-D x, or any x with axis None and ord None): ord None or 2 is
    √Σx², 1 is Σ|x|, inf max|x|, -inf min|x|, 0 the count of nonzeros, any other p
    (Σ|x|ᵖ)^(1/p). Matrices (a 2-tuple ``axis``, or 2-D x with axis None): None or 'fro' is
    √Σx², 1 / -1 the largest / smallest column sum of |x|, inf / -inf the same over rows.
    The gradient is that of the formula, through glassnet's ops.
    """
    x = to_float(x)
    if axis is None and (ord is None or x.ndim == 1):
        dims = tuple(range(x.ndim))
        vector = True if ord is None else x.ndim == 1
    else:
        dims = _dims(x, axis if axis is not None else (0, 1))
        vector = len(dims) == 1
    if ord is None or ord == "fro" or (vector and ord == 2):
        if ord == "fro" and vector:
            raise ValueError("norm: ord='fro' is a matrix norm; give a 2-tuple axis, or use "
                             "ord=None or 2 for a vector")
        return glassnet.sum(x.square(), dim=dims, keepdim=keepdims).sqrt()
    if vector:
        magnitude = x.abs()
        if ord == np.inf:
            return glassnet.amax(magnitude, dim=dims, keepdim=keepdims)
        if ord == -np.inf:
            return glassnet.amin(magnitude, dim=dims, keepdim=keepdims)
        if ord == 0:
            return glassnet.sum((x != 0).to(x.dtype), dim=dims, keepdim=keepdims)
        if isinstance(ord, (int, float)):
            return glassnet.sum(magnitude ** ord, dim=dims, keepdim=keepdims) ** (1.0 / ord)
    elif ord in (1, -1, np.inf, -np.inf):
        rows, cols = dims
        summed, other = (rows, cols) if ord in (1, -1) else (cols, rows)
        totals = glassnet.sum(x.abs(), dim=summed, keepdim=True)
        pick = glassnet.amax if ord > 0 else glassnet.amin
        out = pick(totals, dim=other, keepdim=True)
        return out if keepdims else out.squeeze(builtins.max(rows, cols)).squeeze(
            builtins.min(rows, cols))
    raise NotImplementedError(
        f"norm: ord={ord!r} is not supported for a {'vector' if vector else 'matrix'} "
        f"(matrix ord 2, -2 and 'nuc' need singular values); use ord=None, 'fro', 1, -1, "
        f"inf or -inf")


def argmax(x, axis=None, keepdims: bool = False):
    """The index of the largest entry along ``axis`` (of the flattened x when None), int32."""
    return _arg(glassnet.argmax, x, axis, keepdims)


def argmin(x, axis=None, keepdims: bool = False):
    """The index of the smallest entry along ``axis`` (of the flattened x when None), int32."""
    return _arg(glassnet.argmin, x, axis, keepdims)


def _arg(find, x, axis, keepdims):
    x = convert_to_tensor(x)
    if axis is None:
        out = find(x.reshape(-1), dim=0)
        if keepdims:
            out = out.reshape(*([1] * x.ndim))
    else:
        out = find(x, dim=axis, keepdim=keepdims)
    return out.to(glassnet.int32)


def cumsum(x, axis=None, dtype=None):
    """Running sums along ``axis`` (over the flattened x when None); the gradient of entry i
    is the sum of grad over the entries at and after i. Integers keep their dtype (bool
    gives int32), as Keras; PyTorch would widen them to int64."""
    x = _integers_kept(convert_to_tensor(x, dtype=dtype))
    if axis is None:
        x, axis = x.reshape(-1), 0
    return _as(glassnet.cumsum(x, dim=axis), x)


# --- more elementwise functions ---------------------------------------------------------
def _unary(method: str, doc: str, floats: bool = True):
    def op(x):
        return getattr(to_float(x) if floats else convert_to_tensor(x), method)()
    op.__name__, op.__doc__ = method, doc
    return op


tan = _unary("tan", "tan x; the gradient is grad / cos² x.")
sinh = _unary("sinh", "sinh x; the gradient is cosh(x)·grad.")
cosh = _unary("cosh", "cosh x; the gradient is sinh(x)·grad.")
arcsin = _unary("arcsin", "arcsin x; the gradient is grad / √(1 - x²).")
arccos = _unary("arccos", "arccos x; the gradient is -grad / √(1 - x²).")
arctan = _unary("arctan", "arctan x; the gradient is grad / (1 + x²).")
arcsinh = _unary("arcsinh", "arsinh x; the gradient is grad / √(x² + 1).")
arccosh = _unary("arccosh", "arcosh x; the gradient is grad / √(x² - 1).")
arctanh = _unary("arctanh", "artanh x; the gradient is grad / (1 - x²).")
log2 = _unary("log2", "log₂ x; the gradient is grad / (x ln 2).")
log10 = _unary("log10", "log₁₀ x; the gradient is grad / (x ln 10).")
reciprocal = _unary("reciprocal", "1 / x; the gradient is -grad / x².")
erf = _unary("erf", "The error function; the gradient is 2/√π e^(-x²)·grad.")
trunc = _unary("trunc", "x rounded toward zero; the gradient is zero.", floats=False)
absolute = abs


def rsqrt(x):
    """1 / √x; the gradient is -grad / (2 x^(3/2))."""
    return to_float(x).rsqrt()


def arctan2(x1, x2):
    """The angle of the point (x2, x1); d/dx1 = x2 / r², d/dx2 = -x1 / r²."""
    x1, x2 = _two_tensors(to_float(x1), to_float(x2))
    return glassnet.atan2(x1, x2)


def hypot(x1, x2):
    """√(x1² + x2²)."""
    x1, x2 = _two_tensors(to_float(x1), to_float(x2))
    return glassnet.hypot(x1, x2)


def logaddexp(x1, x2):
    """ln(e^x1 + e^x2), without overflow."""
    x1, x2 = _two_tensors(to_float(x1), to_float(x2))
    top = glassnet.maximum(x1, x2)
    return top + ((x1 - top).exp() + (x2 - top).exp()).log()


def mod(x1, x2):
    """x1 mod x2 with the sign of x2 (NumPy's and Python's %)."""
    x1, x2 = _two_tensors(x1, x2)
    return glassnet.remainder(x1, x2)


def floor_divide(x1, x2):
    """⌊x1 / x2⌋; the gradient is zero."""
    x1, x2 = _two_tensors(x1, x2)
    return glassnet.floor_divide(x1, x2)


def logical_xor(x1, x2):
    """True where exactly one of x1 and x2 is true."""
    x1, x2 = pair(x1, x2)
    return glassnet.logical_xor(convert_to_tensor(x1), convert_to_tensor(x2))


def isnan(x):
    return convert_to_tensor(x).isnan()


def isinf(x):
    return convert_to_tensor(x).isinf()


def isfinite(x):
    return convert_to_tensor(x).isfinite()


def nan_to_num(x, nan: float = 0.0, posinf=None, neginf=None):
    """NaN → ``nan``, ±inf → ``posinf``/``neginf`` (the dtype's extremes when None)."""
    return glassnet.nan_to_num(convert_to_tensor(x), nan, posinf, neginf)


def isclose(x1, x2, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    x1, x2 = _two_tensors(x1, x2)
    return glassnet.isclose(x1, x2, rtol, atol, equal_nan)


# --- more reductions --------------------------------------------------------------------
def all(x, axis=None, keepdims: bool = False):  # noqa: A001 - Keras' name
    """True where every entry over ``axis`` is nonzero."""
    x = convert_to_tensor(x) != 0
    return glassnet.Tensor._make(np.all(x._data, axis=None if axis is None else _dims(x, axis),
                                        keepdims=keepdims))


def any(x, axis=None, keepdims: bool = False):  # noqa: A001 - Keras' name
    """True where some entry over ``axis`` is nonzero."""
    x = convert_to_tensor(x) != 0
    return glassnet.Tensor._make(np.any(x._data, axis=None if axis is None else _dims(x, axis),
                                        keepdims=keepdims))


def amax(x, axis=None, keepdims: bool = False):
    """``max`` without ``initial``."""
    return max(x, axis, keepdims)


def amin(x, axis=None, keepdims: bool = False):
    """``min`` without ``initial``."""
    return min(x, axis, keepdims)


def logsumexp(x, axis=None, keepdims: bool = False):
    """ln Σ eˣ over ``axis``, computed stably; the gradient is softmax(x)·grad."""
    x = to_float(x)
    return glassnet.logsumexp(x, dim=_dims(x, axis), keepdim=keepdims)


def average(x, axis=None, weights=None):
    """The mean over ``axis``, each entry weighted by ``weights`` (its shape, or 1-D along
    ``axis``) when given."""
    x = to_float(x)
    if weights is None:
        return mean(x, axis)
    w = like(weights, x) if not isinstance(weights, glassnet.Tensor) else weights
    w = to_float(w)
    if w.ndim == 1 and x.ndim > 1 and axis is not None:
        shape = [1] * x.ndim
        shape[axis % x.ndim] = w.shape[0]
        w = w.reshape(*shape)
    total = sum(x * w, axis)
    return total / sum(w * glassnet.ones_like(x), axis)


def count_nonzero(x, axis=None):
    """How many entries over ``axis`` are not zero (int32, as Keras)."""
    x = convert_to_tensor(x)
    counted = np.count_nonzero(x._data, axis=None if axis is None else _dims(x, axis))
    return glassnet.Tensor._make(np.asarray(counted, dtype=np.int32))


def cumprod(x, axis=None, dtype=None):
    """The running product along ``axis`` (of the flattened x when None)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return _as(glassnet.cumprod(_integers_kept(x), dim=axis), x)


def median(x, axis=None, keepdims: bool = False):
    """NumPy's median: the middle entry, or the mean of the two middle ones (float32)."""
    x = to_float(x)
    dims = _dims(x, axis)
    rest = [d for d in range(x.ndim) if d not in dims]
    moved = x.permute(*rest, *dims).reshape(*[x.shape[d] for d in rest], -1)
    ordered = moved.sort(dim=-1)[0]
    n = ordered.shape[-1]
    middle = (ordered.narrow(-1, (n - 1) // 2, 1) + ordered.narrow(-1, n // 2, 1)) / 2
    out = middle.squeeze(-1)
    if keepdims:
        out = out.reshape(*[1 if d in dims else x.shape[d] for d in range(x.ndim)])
    return out
