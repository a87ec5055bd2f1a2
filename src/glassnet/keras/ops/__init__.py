"""glassnet.keras.ops: Keras 3's ``keras.ops`` (NumPy-like) on glassnet tensors.

``from glassnet.keras import ops`` gives the names Keras code uses, with Keras' signatures
(``axis=``, ``keepdims=``, dtype strings like 'float32'). Inputs may be tensors, NumPy arrays or
Python numbers and lists. Every function is built from glassnet's differentiable ops, so a
custom loss or layer written with ``ops`` trains.

- ``core.py``: convert_to_tensor, convert_to_numpy, cast, shape (and the dtype rules)
- ``numpy.py``: arithmetic, comparisons, elementwise functions, reductions
- ``arrays.py``: creation, reshaping, joining and splitting, take / take_along_axis
- ``nn.py``: activations, one_hot, top_k and sorting, matmul / dot / einsum

Example::

    from glassnet.keras import ops
    ops.mean(ops.square(ops.subtract([1.0, 2.0], [0.0, 0.0])))   # tensor(2.5000)
"""

from .arrays import (
                     arange,
                     concatenate,
                     expand_dims,
                     eye,
                     flip,
                     full,
                     full_like,
                     linspace,
                     ones,
                     ones_like,
                     repeat,
                     reshape,
                     split,
                     squeeze,
                     stack,
                     take,
                     take_along_axis,
                     tile,
                     transpose,
                     zeros,
                     zeros_like,
)
from .core import cast, convert_to_numpy, convert_to_tensor, dtype, shape
from .nn import (
                     argsort,
                     dot,
                     einsum,
                     log_softmax,
                     matmul,
                     one_hot,
                     relu,
                     sigmoid,
                     softmax,
                     sort,
                     tanh,
                     top_k,
)
from .numpy import (
                     abs,
                     add,
                     argmax,
                     argmin,
                     ceil,
                     clip,
                     cos,
                     cumsum,
                     divide,
                     equal,
                     exp,
                     expm1,
                     floor,
                     greater,
                     greater_equal,
                     less,
                     less_equal,
                     log,
                     log1p,
                     logical_and,
                     logical_not,
                     logical_or,
                     max,
                     maximum,
                     mean,
                     min,
                     minimum,
                     multiply,
                     negative,
                     norm,
                     not_equal,
                     power,
                     prod,
                     round,
                     sign,
                     sin,
                     sqrt,
                     square,
                     std,
                     subtract,
                     sum,
                     true_divide,
                     var,
                     where,
)

__all__ = [
    "abs", "add", "arange", "argmax", "argmin", "argsort", "cast", "ceil", "clip",
    "concatenate", "convert_to_numpy", "convert_to_tensor", "cos", "cumsum", "divide", "dot",
    "dtype", "einsum", "equal", "exp", "expand_dims", "expm1", "eye", "flip", "floor", "full",
    "full_like", "greater", "greater_equal", "less", "less_equal", "linspace", "log", "log1p",
    "log_softmax", "logical_and", "logical_not", "logical_or", "matmul", "max", "maximum",
    "mean", "min", "minimum", "multiply", "negative", "norm", "not_equal", "one_hot", "ones",
    "ones_like", "power", "prod", "relu", "repeat", "reshape", "round", "shape", "sigmoid",
    "sign", "sin", "softmax", "sort", "split", "sqrt", "square", "squeeze", "stack", "std",
    "subtract", "sum", "take", "take_along_axis", "tanh", "tile", "top_k", "transpose",
    "true_divide", "var", "where", "zeros", "zeros_like",
]
