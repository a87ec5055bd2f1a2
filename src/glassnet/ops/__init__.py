"""Every differentiable op, one ``Function`` each, grouped by kind.

- ``elementwise``: + - * / ** neg exp log log1p sqrt abs clamp maximum minimum where casts
- ``activation``: relu sigmoid tanh leaky_relu elu gelu heaviside softmax log_softmax, and
  selu celu silu mish softplus hardtanh (relu6) hardsigmoid hardswish threshold prelu
- ``reduce``: sum mean var std max min amax amin prod logsumexp dist
- ``scan``: cumsum cumprod; ``sort``: sort topk kthvalue median mode
  (``reduce_functions``: their functional forms, and argsort unique count_nonzero isclose ...)
- ``shape``: reshape transpose permute squeeze unsqueeze expand indexing cat stack
- ``indexing``: gather scatter scatter_add tril triu roll flip repeat
  (their functional forms: ``index_functions`` gather scatter index_select masked_fill...,
  ``shape_functions`` split chunk narrow tril roll flip movedim repeat hstack...)
- ``linalg``: matmul mm bmm mv dot outer addmm baddbmm addmv cross einsum
- ``conv``: conv1d conv2d conv_transpose2d unfold fold (im2col + one BLAS product)
  (``im2col``: the copies it is made of, not ops themselves)
- ``fused``: the fused layer and loss kernels (linear, cross-entropy, ...)
- ``rnn``: rnn lstm gru, one node per layer and direction with the time loop inside
- ``nn_ops``: embedding embedding_bag group_norm bilinear alpha_dropout
- ``methods``: the functional forms, which are also Tensor's methods
"""

# the random draws (derivative zero) live beside the functions that make them
# (glassnet/random_functions.py)
from ..random_functions import (
    Bernoulli,
    Normal,
    NormalFloatTensor,
    NormalTensorFloat,
    Poisson,
    Refill,
)
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
from .indexing import Flip, Gather, Repeat, Roll, Scatter, ScatterAdd, Tril, Triu
from .linalg import Addmm, Addmv, Baddbmm, Bmm, Cross, Dot, Einsum, Matmul, Mm, Mv, Outer
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
from .nn_ops import AlphaDropout, Bilinear, Embedding, EmbeddingBag, GroupNorm
from .pool import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .reduce import (
    Amax,
    Amin,
    Dist,
    LogSumExp,
    Max,
    MaxDim,
    Mean,
    Min,
    MinDim,
    Prod,
    Std,
    Sum,
    Var,
)
from .resample import BorderPad, ConstantPad, UpsampleLinear, UpsampleNearest
from .rnn import GRU, LSTM, RNN
from .scan import Cumprod, Cumsum
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
from .sort import Kthvalue, Median, MedianDim, Mode, Sort, Topk

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
    "Addmm", "Addmv", "Baddbmm", "Bmm", "Cross", "Dot", "Einsum", "Mm", "Mv", "Outer",
    "Amax", "Amin", "Cumprod", "Cumsum", "Dist", "Kthvalue", "LogSumExp", "Median", "MedianDim",
    "Mode", "Prod", "Sort", "Topk",
    "GRU", "LSTM", "RNN",
    "Flip", "Gather", "Repeat", "Roll", "Scatter", "ScatterAdd", "Tril", "Triu",
    "Bernoulli", "Normal", "NormalFloatTensor", "NormalTensorFloat", "Poisson", "Refill",
    "AlphaDropout", "Bilinear", "Embedding", "EmbeddingBag", "GroupNorm",
]
