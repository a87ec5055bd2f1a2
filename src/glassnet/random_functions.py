"""Random draws shaped by tensors: ``normal``, ``bernoulli``, ``multinomial``, ``poisson``,
``randint_like``, and the in-place fills behind ``x.normal_()``, ``x.uniform_()`` and kin.

Every draw comes from a ``glassnet.Generator`` (``generator=``, or the default one), so
``glassnet.manual_seed`` makes it repeatable; the numbers are not PyTorch's. As in PyTorch, a
draw has derivative zero: ``normal(mean, std)`` sends no gradient to ``mean`` or ``std`` (for the
reparameterised gradient write ``mean + std * randn_like(std)``), and a tensor in the graph that
is refilled in place (``y.normal_()``) stops passing gradient to what made it.

Example::

    >>> _ = glassnet.manual_seed(0)
    >>> glassnet.normal(glassnet.zeros(3), 1.0).shape
    glassnet.Size([3])
    >>> glassnet.multinomial(glassnet.tensor([0.0, 1.0]), 2)  # without replacement
    tensor([1, 0])
"""

from __future__ import annotations

import numpy as np

from .autograd.function import Function
from .autograd.grad_mode import GradMode
from .devices import check_device
from .dtypes import get_default_dtype, to_dtype
from .ops.math_functions import write_into
from .random import Generator, rng
from .tensor import Tensor


def _draws(generator) -> np.random.Generator:
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"generator= must be a glassnet.Generator, got "
                        f"{type(generator).__name__}; make one with glassnet.Generator()")
    return rng(generator)


def _zero_grads(ctx, grad) -> tuple:
    """A draw's derivative: zero for every input that asked for a gradient."""
    return tuple(np.zeros_like(grad) if need else None for need in ctx.needs_input_grad)


def _require_float(tensor: Tensor, op: str) -> None:
    if tensor._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op} draws real numbers and needs a floating-point tensor, got {tensor.dtype}; "
            f"convert it first (x.float())")


# ----- the ops: a draw from its parameters, derivative zero ----------------------------------
class Normal(Function):
    """z = mean + std * e, e ~ N(0, 1) from the generator; dz/dmean = dz/dstd = 0 (PyTorch does
    not differentiate through a draw). This class is normal(Tensor, Tensor)."""

    node_name = "NormalBackward3"

    @staticmethod
    def forward(ctx, mean, std, generator, dtype):
        shape = np.broadcast_shapes(np.shape(mean), np.shape(std))
        noise = generator.standard_normal(shape).astype(dtype, copy=False)
        return np.asarray(mean + std * noise, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return _zero_grads(ctx, grad)


class NormalTensorFloat(Normal):
    """normal(Tensor mean, float std): z = mean + std * e; dz/dmean = 0."""

    node_name = "NormalBackward1"


class NormalFloatTensor(Normal):
    """normal(float mean, Tensor std): z = mean + std * e; dz/dstd = 0."""

    node_name = "NormalBackward2"


class Bernoulli(Function):
    """z = 1 where u < p else 0, u ~ U(0, 1) from the generator; dz/dp = 0 (z is a step)."""

    @staticmethod
    def forward(ctx, p, generator):
        return (generator.random(p.shape) < p).astype(p.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _zero_grads(ctx, grad)


class Poisson(Function):
    """z ~ Poisson(rate), elementwise, from the generator; dz/drate = 0 (z is an integer)."""

    @staticmethod
    def forward(ctx, rate, generator):
        return generator.poisson(rate).astype(rate.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _zero_grads(ctx, grad)


class Refill(Function):
    """z = values written over x in place (``y.normal_()`` or ``y.fill_(0)`` on a tensor in the
    graph); dz/dx = 0: the old values no longer matter."""

    @staticmethod
    def forward(ctx, x, values):
        return values

    @staticmethod
    def backward(ctx, grad):
        return _zero_grads(ctx, grad)


# ----- the functions -------------------------------------------------------------------------
def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Draws from N(mean, std²): one per element of the broadcast ``mean`` and ``std``.

    PyTorch's four forms: ``normal(mean_tensor, std_tensor)``, ``normal(mean_tensor, std=1.0)``,
    ``normal(mean=0.0, std=std_tensor)``, and ``normal(mean, std, size)`` with numbers, which
    alone takes ``dtype=``, ``device=`` and ``requires_grad=``. The derivative with respect to
    ``mean`` and ``std`` is zero, as in PyTorch.

    Example::

        >>> glassnet.normal(2.0, 3.0, size=(1, 4)).shape
        glassnet.Size([1, 4])
    """
    mean_is_tensor, std_is_tensor = isinstance(mean, Tensor), isinstance(std, Tensor)
    draws = _draws(generator)
    if not (mean_is_tensor or std_is_tensor):
        if size is None:
            raise TypeError("normal(): with a number for both mean and std, give the shape too: "
                            "normal(mean, std, size); or pass a tensor of means or of stds")
        _check_std(std)
        check_device(device)
        numpy_dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        shape = tuple(size) if isinstance(size, (tuple, list)) else (int(size),)
        values = (mean + std * draws.standard_normal(shape)).astype(numpy_dtype)
        result = Tensor._make(values)
        if requires_grad:
            result.requires_grad_()
        return write_into(out, result, "normal", ())
    if size is not None or dtype is not None or requires_grad or device is not None:
        raise TypeError("normal(): size=, dtype=, device= and requires_grad= go with a number "
                        "for both mean and std; with a tensor, the result takes its shape and "
                        "dtype (use .to(dtype) or .requires_grad_() on the result)")
    # as PyTorch, the result takes mean's dtype when mean is a tensor (std is cast to it)
    decides = mean if mean_is_tensor else std
    _require_float(decides, "normal")
    _check_std(std)
    numpy_dtype = decides._data.dtype
    function = (Normal if mean_is_tensor and std_is_tensor
                else NormalTensorFloat if mean_is_tensor else NormalFloatTensor)
    mean, std = (_cast(x, numpy_dtype) for x in (mean, std))
    result = function.apply(mean, std, draws, numpy_dtype)
    return write_into(out, result, "normal", (mean, std))


def _check_std(std) -> None:
    if isinstance(std, Tensor):
        if np.any(std._data < 0):
            raise RuntimeError(f"normal expects all elements of std >= 0.0, got a smallest of "
                               f"{std._data.min()}; a standard deviation cannot be negative")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}; a standard "
                           f"deviation cannot be negative")


def _cast(x, numpy_dtype):
    if isinstance(x, Tensor):
        return x if x._data.dtype == numpy_dtype else x.to(to_dtype(numpy_dtype))
    return float(x)


def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:
    """1 with probability ``input`` (or ``p``, for every element), else 0, in input's dtype.

    Every probability must lie in [0, 1]. The derivative with respect to ``input`` is zero.

    Example::

        >>> glassnet.bernoulli(glassnet.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    _require_float(input, "bernoulli")
    draws = _draws(generator)
    if p is not None:
        probabilities = _probabilities(p, input, "bernoulli")
        values = (draws.random(input.shape) < probabilities).astype(input._data.dtype)
        return write_into(out, Tensor._make(values), "bernoulli", (input,))
    _probabilities(input, input, "bernoulli")
    return write_into(out, Bernoulli.apply(input, draws), "bernoulli", (input,))


def _probabilities(p, target: Tensor, op: str) -> np.ndarray | float:
    """p as an array (or number) checked to lie in [0, 1]."""
    values = p._data if isinstance(p, Tensor) else p
    if isinstance(p, Tensor) or isinstance(p, np.ndarray):
        if values.size and not (np.all(values >= 0) and np.all(values <= 1)):
            raise RuntimeError(f"{op} expects every probability in [0, 1], got values from "
                               f"{np.nanmin(values)} to {np.nanmax(values)} (or nan); clamp them "
                               f"first: p.clamp(0, 1)")
        return values
    if not 0 <= p <= 1:
        raise RuntimeError(f"{op} expects p to be in [0, 1], but got p={p}")
    return p


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator=None, out=None) -> Tensor:
    """Indices drawn from the categories of each row of ``input``, weighted by its values.

    ``input`` holds non-negative weights (1-D, or 2-D for one distribution per row); they need
    not sum to 1. Without replacement an index comes at most once, so ``num_samples`` can be
    at most the number of categories (once the weighted ones are used up, the zero-weight ones
    follow, as in PyTorch). Returns int64 indices of shape ``(num_samples,)`` or
    ``(rows, num_samples)``.

    Example::

        >>> glassnet.multinomial(glassnet.tensor([0.0, 0.0, 1.0]), 2, replacement=True)
        tensor([2, 2])
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got "
                           f"{input.dtype}; convert the weights first (weights.float())")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape "
                           f"{tuple(input.shape)}; flatten the weights or give one row per "
                           f"distribution")
    num_samples = int(num_samples)
    weights = np.atleast_2d(input._data).astype(np.float64)
    categories = weights.shape[1]
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got "
                           f"num_samples={num_samples})")
    if not replacement and num_samples > categories:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement ({num_samples} from {categories} categories); "
                           f"pass replacement=True or ask for fewer")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    totals = weights.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities "
                           "<= 0); every row needs at least one positive weight")
    draws = _draws(generator)
    if replacement:
        # inverse CDF: the first category whose running total passes a uniform draw
        cumulative = np.cumsum(weights / totals, axis=1)
        u = draws.random((weights.shape[0], num_samples))
        picks = np.stack([np.searchsorted(row, point, side="right")
                          for row, point in zip(cumulative, u)])
        picks = np.minimum(picks, categories - 1)
    else:
        # Gumbel top-k: log w + Gumbel noise, the k largest are a draw without replacement
        with np.errstate(divide="ignore"):
            keys = np.log(weights) + draws.gumbel(size=weights.shape)
        picks = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    picks = picks.astype(np.int64)
    result = Tensor._make(picks[0] if input.ndim == 1 else picks)
    return write_into(out, result, "multinomial", ())


def poisson(input: Tensor, generator=None) -> Tensor:
    """Draws from Poisson(rate) for each rate in ``input`` (same shape and dtype).

    Rates must be non-negative; the derivative with respect to them is zero, as in PyTorch.
    """
    _require_float(input, "poisson")
    if np.any(input._data < 0) or np.any(np.isnan(input._data)):
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative "
                           "(got a negative or nan rate)")
    return Poisson.apply(input, _draws(generator))


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator=None,
                 dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high), shaped (and by default typed) like ``input``.

    As ``randint``: ``randint_like(x, 10)`` draws from [0, 10).
    """
    check_device(device)
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    numpy_dtype = input._data.dtype if dtype is None else to_dtype(dtype).numpy
    values = _draws(generator).integers(low, high, size=input.shape).astype(numpy_dtype)
    result = Tensor._make(values)
    return result.requires_grad_() if requires_grad else result


# ----- in-place fills (Tensor.normal_ and kin, in glassnet/_tensor_misc.py) -----------------
def fill_with(tensor: Tensor, op: str, values) -> Tensor:
    """Write drawn ``values`` into ``tensor`` in place: its version goes up; a leaf that requires
    grad is refused while the graph is recorded; a tensor in the graph stops passing gradient."""
    tensor._check_inplace(op)
    values = np.asarray(values)
    if tensor.requires_grad and GradMode.enabled:
        cast = values.astype(tensor._data.dtype, copy=False)
        return tensor._set_inplace(op, Refill.apply(tensor, np.broadcast_to(
            cast, tensor.shape).copy()))
    data = tensor._data
    if data.flags.writeable:  # 0-d too: .data shares this very array with its parameter
        np.copyto(data, values, casting="unsafe")
    else:
        tensor._data = np.array(np.broadcast_to(values, data.shape), dtype=data.dtype)
    tensor._version_box[0] += 1
    return tensor


def fill_(tensor: Tensor, value) -> Tensor:
    """Tensor.fill_: ``value`` (a number or a 0-d tensor) everywhere, cast to tensor's dtype."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions; pass one number (value.item()), or "
                               f"use copy_ to write a whole tensor")
        value = value._data
    return fill_with(tensor, "fill_", value)


def _float_draw(tensor: Tensor, op: str, generator) -> np.random.Generator:
    _require_float(tensor, op)
    return _draws(generator)


def _draw_in_place(tensor: Tensor, op: str, draw, scale: float, shift: float) -> bool:
    """Draw a standard variate straight into the tensor's memory, then scale and shift it:
    no temporary array (on a float32 1000x1000 weight: normal_ 12 -> 8 ms, uniform_ 4.2 ->
    1.3 ms, against drawing in float64 and copying).
    Only for a float32/float64, writeable, row-major tensor that is not being recorded;
    returns False when the caller must take the general path."""
    data = tensor._data
    if (tensor.requires_grad and GradMode.enabled) or data.ndim == 0 or \
            data.dtype not in (np.float32, np.float64) or not data.flags.c_contiguous or \
            not data.flags.writeable:
        return False
    draw(out=data, dtype=data.dtype)
    if scale != 1:
        data *= scale
    if shift != 0:
        data += shift
    tensor._version_box[0] += 1
    return True


def normal_(tensor: Tensor, mean: float, std: float, generator) -> Tensor:
    draws = _float_draw(tensor, "normal_", generator)
    _check_std(std)
    if _draw_in_place(tensor, "normal_", draws.standard_normal, std, mean):
        return tensor
    return fill_with(tensor, "normal_", draws.normal(mean, std, tensor.shape))


def uniform_(tensor: Tensor, low: float, high: float, generator) -> Tensor:
    draws = _float_draw(tensor, "uniform_", generator)
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} "
                           f"> to={high}; swap the bounds")
    if _draw_in_place(tensor, "uniform_", draws.random, high - low, low):
        return tensor
    return fill_with(tensor, "uniform_", draws.uniform(low, high, tensor.shape))


def exponential_(tensor: Tensor, lambd: float, generator) -> Tensor:
    draws = _float_draw(tensor, "exponential_", generator)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    if _draw_in_place(tensor, "exponential_", draws.standard_exponential, 1.0 / lambd, 0.0):
        return tensor
    return fill_with(tensor, "exponential_", draws.exponential(1.0 / lambd, tensor.shape))


def cauchy_(tensor: Tensor, median: float, sigma: float, generator) -> Tensor:
    draws = _float_draw(tensor, "cauchy_", generator)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return fill_with(tensor, "cauchy_", median + sigma * draws.standard_cauchy(tensor.shape))


def log_normal_(tensor: Tensor, mean: float, std: float, generator) -> Tensor:
    draws = _float_draw(tensor, "log_normal_", generator)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return fill_with(tensor, "log_normal_", draws.lognormal(mean, std, tensor.shape))


def geometric_(tensor: Tensor, p: float, generator) -> Tensor:
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return fill_with(tensor, "geometric_", _draws(generator).geometric(p, tensor.shape))


def bernoulli_(tensor: Tensor, p, generator) -> Tensor:
    probabilities = _probabilities(p, tensor, "bernoulli_")
    values = _draws(generator).random(tensor.shape) < probabilities
    return fill_with(tensor, "bernoulli_", values)


def _full_range(numpy_dtype: np.dtype) -> tuple[int, int]:
    """random_()'s range without bounds: every integer the dtype holds exactly, [low, high]."""
    if numpy_dtype.kind == "f":
        return 0, 2 ** (np.finfo(numpy_dtype).nmant + 1)
    if numpy_dtype.kind == "b":
        return 0, 1
    return 0, int(np.iinfo(numpy_dtype).max)


def random_(tensor: Tensor, low, high, generator) -> Tensor:
    if high is None and low is not None:
        low, high = 0, low
    if high is None:
        low, high = _full_range(tensor._data.dtype)
    elif low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    else:
        high -= 1
    values = _draws(generator).integers(low, high, size=tensor.shape, dtype=np.int64,
                                        endpoint=True)
    return fill_with(tensor, "random_", values)
