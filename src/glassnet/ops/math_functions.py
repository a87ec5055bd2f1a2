"""The functional forms of the everyday math ops: ``glassnet.sin(input, *, out=None)`` and kin.

Each takes PyTorch's keyword names and picks the result dtype as PyTorch does before the op in
``ops/math.py`` runs: integer and bool inputs of a float function (``sin``, ``atan2``, ...) become
the default float (float32), and two operands promote by PyTorch's rule (tensors with dims
decide, then 0-d tensors, then Python numbers; a float32 tensor and an int64 tensor give
float32, where NumPy would give float64). ``out=`` writes the result into a given tensor.
Tensor's methods (``x.sin()``, ``x.sin_()``) are in ``glassnet/_tensor_math.py``.

Example::

    >>> x = glassnet.tensor([0.0, 1.0])
    >>> glassnet.sin(x)                      # the same as x.sin()
    tensor([0.0000, 0.8415])
    >>> glassnet.sin(glassnet.tensor([1, 2]))  # integers give the default float
    tensor([0.8415, 0.9093])
    >>> glassnet.tensor([7, -7]) % 3          # remainder keeps the divisor's sign
    tensor([1, 2])
"""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd.grad_mode import GradMode
from ..dtypes import from_numpy_dtype, get_default_dtype
from ..errors import ShapeError
from ..tensor import Tensor
from . import math as M

_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2}


def _quiet() -> np.errstate:
    """Outside a function's domain (log2 of 0, asin of 2, x % 0.0) PyTorch answers inf or nan
    silently, where NumPy would also warn."""
    return np.errstate(divide="ignore", invalid="ignore")


# ----- dtypes and out= ----------------------------------------------------------------------
def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _is_number(x) -> bool:
    return isinstance(x, (bool, int, float))


def _python_number(x):
    """A NumPy scalar as a Python number, which NumPy treats as weak (float32 stays float32)."""
    return x.item() if isinstance(x, np.generic) else x


def result_dtype(*operands) -> np.dtype:
    """PyTorch's type promotion for tensors and Python numbers.

    Tensors with dims decide; a 0-d tensor counts only if it is of a higher kind (bool < int <
    float); a Python number only if it is of a higher kind still, and then it brings that kind's
    default (float32 for floats, int64 for ints). Within a tier the highest kind wins:
    int64 with float32 gives float32.
    """
    result = None
    for tier in ([x._data.dtype for x in operands if isinstance(x, Tensor) and x.ndim],
                 [x._data.dtype for x in operands if isinstance(x, Tensor) and not x.ndim]):
        if not tier:
            continue
        top = max(_KIND_ORDER[d.kind] for d in tier)
        promoted = np.result_type(*[d for d in tier if _KIND_ORDER[d.kind] == top])
        if result is None or _KIND_ORDER[promoted.kind] > _KIND_ORDER[result.kind]:
            result = promoted
    for number in (x for x in operands if _is_number(x)):
        kind = "b" if isinstance(number, bool) else "i" if isinstance(number, int) else "f"
        if result is None or _KIND_ORDER[kind] > _KIND_ORDER[result.kind]:
            result = {"b": np.dtype(np.bool_), "i": np.dtype(np.int64),
                      "f": get_default_dtype().numpy}[kind]
    return result


def _as(x, dtype: np.dtype):
    """x in ``dtype``: a Python number stays a number (NumPy then keeps the array's dtype)."""
    if _is_number(x):
        return x
    x = _tensor(x)
    return x if x._data.dtype == dtype else x.to(from_numpy_dtype(dtype))


def _floating(x: Tensor) -> Tensor:
    """Integer and bool tensors become the default float, as PyTorch's float functions do."""
    if x._data.dtype.kind == "f":
        return x
    return Tensor._make(x._data.astype(get_default_dtype().numpy))


def check_cast(result: Tensor, target: Tensor, name: str) -> None:
    """Refuse to write a result into a tensor of a lower kind (float into int), as PyTorch."""
    if not np.can_cast(result._data.dtype, target._data.dtype, casting="same_kind"):
        raise RuntimeError(
            f"{name}: result type {result.dtype.name} can't be cast to the desired output type "
            f"{target.dtype.name}; write into a {result.dtype.name} tensor, or convert the input "
            f"first (e.g. x.float())"
        )


def write_into(out: Tensor | None, result: Tensor, name: str, inputs: tuple) -> Tensor:
    """Return ``result``, or, with ``out=``, copy it into ``out`` and return ``out``.

    As in PyTorch, ``out=`` is refused while recording a graph through it; an ``out`` of another
    shape is resized (with a warning unless it was empty).
    """
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): out= must be a Tensor, got {type(out).__name__}")
    if GradMode.enabled and (out.requires_grad or any(
            isinstance(x, Tensor) and x.requires_grad for x in inputs)):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            f"differentiation, but one of the arguments requires grad. Drop out= and use the "
            f"returned tensor, or call it inside `with glassnet.no_grad():`."
        )
    check_cast(result, out, f"{name}()")
    if out.shape != result.shape:
        if out.numel():
            warnings.warn(
                f"{name}(): an output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}; pass an empty tensor or one of the right shape",
                UserWarning, stacklevel=3)
        out._data = np.empty(result._data.shape, dtype=out._data.dtype)
    return out.copy_(result)


def _unary(function, input, out, name: str) -> Tensor:
    x = _floating(_tensor(input))
    with _quiet():
        result = function.apply(x)
    return write_into(out, result, name, (input,))


def _binary(function, input, other, out, name: str, floating: bool = False) -> Tensor:
    input, other = _python_number(input), _python_number(other)
    dtype = result_dtype(*(x if _is_number(x) else _tensor(x) for x in (input, other)))
    if floating and dtype.kind != "f":
        dtype = get_default_dtype().numpy
    x, y = _as(input, dtype), _as(other, dtype)
    if dtype.kind in "iu" and function is not M.Atan2:
        _check_integer_divisor(y, name)
    with _quiet():
        result = function.apply(x, y)
    return write_into(out, result, name, (input, other))


def _check_integer_divisor(y, name: str) -> None:
    divisor = y._data if isinstance(y, Tensor) else y
    if np.any(np.asarray(divisor) == 0):
        raise RuntimeError(f"ZeroDivisionError: {name}() of integers by zero; divide floats "
                           f"(x.float()) to get inf or nan instead")


# ----- trigonometric and hyperbolic -------------------------------------------------------
def sin(input, *, out=None) -> Tensor:
    """The sine of each element (in radians); d/dx sin x = cos x."""
    return _unary(M.Sin, input, out, "sin")


def cos(input, *, out=None) -> Tensor:
    """The cosine of each element; d/dx cos x = -sin x."""
    return _unary(M.Cos, input, out, "cos")


def tan(input, *, out=None) -> Tensor:
    """The tangent of each element; d/dx tan x = 1 + tan² x."""
    return _unary(M.Tan, input, out, "tan")


def asin(input, *, out=None) -> Tensor:
    """The arcsine of each element (nan outside [-1, 1]); d/dx = 1/√(1 - x²)."""
    return _unary(M.Asin, input, out, "asin")


def acos(input, *, out=None) -> Tensor:
    """The arccosine of each element (nan outside [-1, 1]); d/dx = -1/√(1 - x²)."""
    return _unary(M.Acos, input, out, "acos")


def atan(input, *, out=None) -> Tensor:
    """The arctangent of each element; d/dx = 1/(1 + x²)."""
    return _unary(M.Atan, input, out, "atan")


def atan2(input, other, *, out=None) -> Tensor:
    """The angle of the point (other, input), i.e. arctan(input/other) in the right quadrant."""
    return _binary(M.Atan2, input, other, out, "atan2", floating=True)


def sinh(input, *, out=None) -> Tensor:
    """The hyperbolic sine of each element; d/dx = cosh x."""
    return _unary(M.Sinh, input, out, "sinh")


def cosh(input, *, out=None) -> Tensor:
    """The hyperbolic cosine of each element; d/dx = sinh x."""
    return _unary(M.Cosh, input, out, "cosh")


def asinh(input, *, out=None) -> Tensor:
    """The inverse hyperbolic sine of each element; d/dx = 1/√(x² + 1)."""
    return _unary(M.Asinh, input, out, "asinh")


def acosh(input, *, out=None) -> Tensor:
    """The inverse hyperbolic cosine (nan below 1); d/dx = 1/√(x² - 1)."""
    return _unary(M.Acosh, input, out, "acosh")


def atanh(input, *, out=None) -> Tensor:
    """The inverse hyperbolic tangent (nan outside [-1, 1]); d/dx = 1/(1 - x²)."""
    return _unary(M.Atanh, input, out, "atanh")


# ----- exponentials, logarithms, powers ---------------------------------------------------
def exp2(input, *, out=None) -> Tensor:
    """2 to the power of each element; d/dx 2ˣ = ln 2 · 2ˣ."""
    return _unary(M.Exp2, input, out, "exp2")


def expm1(input, *, out=None) -> Tensor:
    """eˣ - 1, accurate for tiny x; d/dx = eˣ."""
    return _unary(M.Expm1, input, out, "expm1")


def log2(input, *, out=None) -> Tensor:
    """The base-2 logarithm of each element; d/dx = 1/(x ln 2)."""
    return _unary(M.Log2, input, out, "log2")


def log10(input, *, out=None) -> Tensor:
    """The base-10 logarithm of each element; d/dx = 1/(x ln 10)."""
    return _unary(M.Log10, input, out, "log10")


def rsqrt(input, *, out=None) -> Tensor:
    """1/√x for each element; d/dx = -½ x^(-3/2)."""
    return _unary(M.Rsqrt, input, out, "rsqrt")


def reciprocal(input, *, out=None) -> Tensor:
    """1/x for each element (integers give floats); d/dx = -1/x²."""
    return _unary(M.Reciprocal, input, out, "reciprocal")


def erf(input, *, out=None) -> Tensor:
    """The Gauss error function (2/√π) ∫₀ˣ e^(-t²) dt; d/dx = (2/√π) e^(-x²)."""
    return _unary(M.Erf, input, out, "erf")


def erfc(input, *, out=None) -> Tensor:
    """1 - erf x, accurate where erf x is near 1; d/dx = -(2/√π) e^(-x²)."""
    return _unary(M.Erfc, input, out, "erfc")


# ----- rounding ---------------------------------------------------------------------------
def _needs_float(x: Tensor, name: str) -> None:
    if x._data.dtype.kind != "f":
        raise TypeError(f"{name}(): needs a floating-point tensor, got {x.dtype.name}; "
                        f"convert it first: x.float()")


def trunc(input, *, out=None) -> Tensor:
    """Each element rounded toward zero; integers come back unchanged. Gradient 0 (PyTorch's)."""
    x = _tensor(input)
    if x._data.dtype.kind in "iu":
        return write_into(out, Tensor._make(x._data.copy()), "trunc", (input,))
    _needs_float(x, "trunc")
    return write_into(out, M.Trunc.apply(x), "trunc", (input,))


def frac(input, *, out=None) -> Tensor:
    """x - trunc(x), the fractional part with x's sign; gradient 1 (PyTorch's)."""
    x = _tensor(input)
    _needs_float(x, "frac")
    return write_into(out, M.Frac.apply(x), "frac", (input,))


# ----- two or three inputs ----------------------------------------------------------------
def lerp(input, end, weight, *, out=None) -> Tensor:
    """input + weight · (end - input); weight is a number or a tensor (all broadcast together).

    As in PyTorch, ``input``, ``end`` and a tensor ``weight`` must share one floating dtype.
    """
    start, end, weight = _tensor(input), _tensor(end), _python_number(weight)
    _needs_float(start, "lerp")
    others = [("end", end)] + ([("weight", weight)] if isinstance(weight, Tensor) else [])
    for what, tensor in others:
        if tensor.dtype is not start.dtype:
            raise RuntimeError(f"lerp(): expected dtype {start.dtype.name} for `{what}` but got "
                               f"dtype {tensor.dtype.name}; convert it: {what}.to(input.dtype)")
    if not isinstance(weight, Tensor) and not _is_number(weight):
        weight = Tensor(weight, dtype=start.dtype)
    with _quiet():
        result = M.Lerp.apply(start, end, weight)
    return write_into(out, result, "lerp", (input, end, weight))


def remainder(input, other, *, out=None) -> Tensor:
    """input - other · floor(input / other): Python's %, with the divisor's sign."""
    return _binary(M.Remainder, input, other, out, "remainder")


def fmod(input, other, *, out=None) -> Tensor:
    """input - other · trunc(input / other): C's fmod, with the dividend's sign."""
    return _binary(M.Fmod, input, other, out, "fmod")


def fmax(input, other, *, out=None) -> Tensor:
    """The elementwise maximum, where a NaN loses to a number (``maximum`` would give NaN)."""
    return _binary(M.Fmax, input, _tensor(other), out, "fmax")


def fmin(input, other, *, out=None) -> Tensor:
    """The elementwise minimum, where a NaN loses to a number (``minimum`` would give NaN)."""
    return _binary(M.Fmin, input, _tensor(other), out, "fmin")


def floor_divide(input, other, *, out=None) -> Tensor:
    """floor(input / other), elementwise (Python's //). Not differentiable: no gradient flows."""
    input, other = _python_number(input), _python_number(other)
    dtype = result_dtype(*(x if _is_number(x) else _tensor(x) for x in (input, other)))
    x, y = _as(input, dtype), _as(other, dtype)
    if dtype.kind in "iu":
        _check_integer_divisor(y, "floor_divide")
    arrays = [v._data if isinstance(v, Tensor) else v for v in (x, y)]
    with _quiet():  # x // 0.0 is ±inf or nan
        quotient = np.asarray(np.floor_divide(*arrays), dtype=dtype)
    return write_into(out, Tensor._make(quotient), "floor_divide", ())


# ----- PyTorch's other names --------------------------------------------------------------
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh
fix = trunc


def inplace(tensor: Tensor, name: str, function, *args) -> Tensor:
    """Make ``tensor`` hold ``function(tensor, *args)`` (``sin_`` and kin), keeping its dtype.

    While recording, the op reads ``tensor`` through an alias with its own version counter: the
    op's node keeps the values from before the change (``_set_inplace`` gives ``tensor`` a new
    array rather than overwriting the old one), so the change must not flag that node, only the
    nodes recorded earlier, exactly as PyTorch flags them.
    """
    tensor._check_inplace(name)
    source = Tensor._make(tensor._data, tensor.grad_fn) if GradMode.enabled else tensor
    result = function(source, *args)
    check_cast(result, tensor, name)
    if result.shape != tensor.shape:
        raise ShapeError(f"{name}: the result has shape {tuple(result.shape)} but this tensor "
                         f"has shape {tuple(tensor.shape)}; an in-place op cannot change a "
                         f"tensor's shape, so use the out-of-place form")
    if result._data.dtype != tensor._data.dtype:
        result = result.to(tensor.dtype)
    return tensor._set_inplace(name, result)
