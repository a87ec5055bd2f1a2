"""glassnet: a neural-network framework you can see through.

PyTorch's names on NumPy: ``import glassnet as torch`` runs the usual code. Tensors record the
ops that made them (``grad_fn``), and ``backward()`` walks that graph in reverse to fill every
leaf's ``.grad``. Where things live:

- ``tensor.py``: Tensor; ``creation.py``: tensor(), zeros(), randn() ...; ``random.py``: seeds
- ``autograd/``: Function and Node, the backward engine, no_grad, gradcheck
- ``ops/``: every op, its forward beside its backward
- ``nn/``, ``optim/``, ``utils/data/``: layers and losses, optimizers, data loading
"""
# ruff: noqa: I001  (the order matters: Tensor first, then what builds on it)

from . import _allocator

_allocator.keep_freed_memory()
from . import _threads
from ._threads import get_num_threads, set_num_threads

_threads.take_over_blas()
from .tensor import Size, Tensor
from . import dtypes
from .dtypes import finfo, iinfo
from .dtypes import (double, dtype, float, float16, float32, float64, get_default_dtype, half,
                     int8, int16, int32, int64, long, set_default_dtype, short, uint8)
from .dtypes import bool_ as bool
from .dtypes import int as int
from .devices import device, get_default_device, set_default_device
from . import accelerator, amp, backends, cuda
from .amp import autocast
from .errors import GlassnetWarning, GraphError, ShapeError
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                     seed, set_rng_state)
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       linspace, logspace, ones, ones_like, rand, rand_like, randint, randn,
                       randn_like, randperm, tensor, zeros, zeros_like)
from .compiler import compile, get_float32_matmul_precision, set_float32_matmul_precision
from .random_functions import bernoulli, multinomial, normal, poisson, randint_like
from ._tensor_misc import is_floating_point, is_tensor, numel
from ._format import set_printoptions
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                                 set_grad_enabled)
from .ops.methods import (abs, add, all, allclose, any, argmax, argmin, cat, clamp,
                          ceil, clone, concat, concatenate, div, eq, equal, exp, flatten, floor,
                          ge, gt,
                          heaviside, isfinite, isinf, isnan, le, log, log1p, log_softmax,
                          logical_and, logical_not, logical_or, lt, matmul, max, maximum, mean,
                          min, minimum, mul, ne, neg, norm, permute, pow, relu, reshape, round,
                          sigmoid, sign, softmax, sqrt, square, squeeze, stack, std, sub, sum, t,
                          tanh, transpose, unsqueeze, var, where)
from .ops.linalg_functions import (addmm, addmv, baddbmm, bmm, cross, dot, einsum, ger,
                                   inner, mm, mv, outer, vdot)
from .ops.math_functions import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan,
                                 arctan2, arctanh, asin, asinh, atan, atan2, atanh, cos, cosh,
                                 erf, erfc, exp2, expm1, fix, floor_divide, fmax, fmin, fmod,
                                 frac, lerp, log2, log10, reciprocal, remainder, rsqrt, sin,
                                 sinh, tan, trunc)
from .ops.shape_functions import broadcast_shapes
from .ops.shape_functions import (atleast_1d, atleast_2d, atleast_3d, chunk, column_stack,
                                  dstack, flip, fliplr, flipud, hstack, moveaxis, movedim, narrow,
                                  repeat_interleave, roll, row_stack, split, swapaxes, swapdims,
                                  tril, triu, unbind, vstack)
from .ops.composite_functions import (absolute, addcdiv, addcmul, broadcast_tensors,
                                       broadcast_to, cdist, clamp_max, clamp_min, copysign,
                                       deg2rad, diag, diagonal, float_power, greater,
                                       greater_equal, hypot, less, less_equal, logical_xor, logit,
                                       meshgrid, nan_to_num, not_equal, rad2deg, sgn, sinc, trace,
                                       xlogy)
from .ops.index_functions import (argwhere, gather, index_select, masked_fill, masked_select,
                                  nonzero, scatter, scatter_add)
from .ops.reduce_functions import (amax, amin, argsort, count_nonzero, cumprod, cumsum, dist,
                                   isclose, kthvalue, logsumexp, median, mode, msort, prod,
                                   return_types, sort, std_mean, topk, unique, var_mean)
from . import autograd
from . import nn
from . import linalg
from .nn.functional.conv import conv1d, conv2d, conv_transpose2d

clip = clamp
true_divide = divide = div
multiply = mul
subtract = sub
negative = neg
__version__ = "0.1.0"
from . import optim  # noqa: E402
from . import utils  # noqa: E402
from . import app  # noqa: E402
from . import keras  # noqa: E402
from . import datasets  # noqa: E402
from . import viz  # noqa: E402
from . import doctor  # noqa: E402
from . import distributed  # noqa: E402
from . import distributions  # noqa: E402
from .serialization import load, save  # noqa: E402

from . import _numpy_aliases  # noqa: E402

_numpy_aliases.install(globals(), Tensor)  # axis= / keepdims= as PyTorch accepts them
