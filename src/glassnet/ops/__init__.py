"""Every differentiable op, one ``Function`` each, grouped by kind.

- ``elementwise``: + - * / ** neg exp log log1p sqrt abs clamp maximum minimum where casts
- ``activation``: relu sigmoid tanh leaky_relu elu gelu heaviside softmax log_softmax, and
  selu celu silu mish softplus hardtanh (relu6) hardsigmoid hardswish threshold prelu
- ``reduce``: sum mean var std max min
- ``shape``: reshape transpose permute squeeze unsqueeze expand indexing cat stack
- ``linalg``: matmul
- ``conv``: conv1d conv2d conv_transpose2d unfold fold (im2col + one BLAS product)
  (``im2col``: the copies it is made of, not ops themselves)
- ``fused``: the fused layer and loss kernels (linear, cross-entropy, ...)
- ``methods``: the functional forms, which are also Tensor's methods
"""

from .activation import (
    Celu,
    Elu,
    Gelu,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Heaviside,
    LeakyRelu,
    LogSoftmax,
    Mish,
    Prelu,
    Relu,
    Selu,
    Sigmoid,
    Silu,
    Softmax,
    Softplus,
    Tanh,
    Threshold,
)
from .conv import Conv1d, Conv2d, ConvTranspose2d, Fold, Unfold
from .elementwise import (
                          Abs,
                          Add,
                          Cast,
                          Clamp,
                          Clone,
                          Div,
                          Exp,
                          Log,
                          Log1p,
                          Maximum,
                          Minimum,
                          Mul,
                          Neg,
                          Pow,
                          Sqrt,
                          Sub,
                          Where,
)
from .linalg import Matmul
from .math import (
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atan2,
    Atanh,
    Cos,
    Cosh,
    Erf,
    Erfc,
    Exp2,
    Expm1,
    Fmax,
    Fmin,
    Fmod,
    Frac,
    Lerp,
    Log2,
    Log10,
    Reciprocal,
    Remainder,
    Rsqrt,
    Sin,
    Sinh,
    Tan,
    Trunc,
)
from .pool import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .reduce import Max, MaxDim, Mean, Min, MinDim, Std, Sum, Var
from .resample import BorderPad, ConstantPad, UpsampleLinear, UpsampleNearest
from .shape import (
                          Cat,
                          Expand,
                          Index,
                          IndexPut,
                          Permute,
                          Reshape,
                          Squeeze,
                          Stack,
                          Transpose,
                          Unsqueeze,
)

__all__ = [
    "Conv1d", "Conv2d", "ConvTranspose2d", "Fold", "Unfold",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "MaxPool2d",
    "BorderPad", "ConstantPad", "UpsampleLinear", "UpsampleNearest",
    "Abs", "Add", "Cast", "Cat", "Clamp", "Clone", "Div", "Elu", "Exp", "Expand", "Gelu",
    "Heaviside", "Index", "IndexPut", "LeakyRelu", "Log", "Log1p", "LogSoftmax", "Matmul", "Max",
    "MaxDim", "Maximum", "Mean", "Min", "MinDim", "Minimum", "Mul", "Neg", "Permute", "Pow",
    "Relu", "Reshape", "Sigmoid", "Softmax", "Sqrt", "Squeeze", "Stack", "Std", "Sub", "Sum",
    "Tanh", "Transpose", "Unsqueeze", "Var", "Where",
    "Celu", "Hardsigmoid", "Hardswish", "Hardtanh", "Mish", "Prelu", "Selu", "Silu", "Softplus",
    "Threshold",
    "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atan2", "Atanh", "Cos", "Cosh", "Erf", "Erfc",
    "Exp2", "Expm1", "Fmax", "Fmin", "Fmod", "Frac", "Lerp", "Log2", "Log10", "Reciprocal",
    "Remainder", "Rsqrt", "Sin", "Sinh", "Tan", "Trunc",
]
