"""glassnet.nn: modules, layers, activations, losses, initialisation (PyTorch's torch.nn).

- ``module.py``: Module and Parameter; ``containers.py``: Sequential, ModuleList, ModuleDict
- ``layers.py``: Linear, Identity, Flatten, Dropout; ``activation.py``: ReLU, Sigmoid, ...
- ``normalization.py``: BatchNorm1d, LayerNorm; ``loss.py``: MSELoss, CrossEntropyLoss, ...
- ``conv.py``: Conv1d, Conv2d, ConvTranspose2d
- ``rnn.py``: RNN, LSTM, GRU and RNNCell, LSTMCell, GRUCell
- ``functional/``: the same as functions (one file per kind)
- ``init.py``: initialisers; ``utils.py``: clipping
"""

from . import functional, init, parallel, utils
from .activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Heaviside,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Step,
    Tanh,
    Tanhshrink,
    Threshold,
)
from .attention import (
    MultiheadAttention,
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, Fold, Unfold
from .distance import CosineSimilarity, PairwiseDistance
from .embedding import Embedding, EmbeddingBag
from .layers import (
    AlphaDropout,
    Bilinear,
    Dropout,
    Dropout1d,
    Dropout2d,
    Flatten,
    Identity,
    LazyLinear,
    Linear,
    Unflatten,
)
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from .module import Module, Parameter
from .normalization import (
    BatchNorm1d,
    BatchNorm2d,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    LayerNorm,
    LocalResponseNorm,
    RMSNorm,
)
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
    MaxUnpool1d,
    MaxUnpool2d,
)
from .resample import (
    ConstantPad1d,
    ConstantPad2d,
    PixelShuffle,
    PixelUnshuffle,
    ReflectionPad1d,
    ReflectionPad2d,
    ReplicationPad1d,
    ReplicationPad2d,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
    ZeroPad1d,
    ZeroPad2d,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase

__all__ = [
    "Conv1d", "Conv2d", "ConvTranspose2d",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool1d", "AvgPool2d", "BatchNorm2d",
    "ConstantPad2d", "Dropout2d", "MaxPool1d", "MaxPool2d", "ReflectionPad2d",
    "ReplicationPad2d", "Upsample", "ZeroPad2d",
    "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "CrossEntropyLoss", "Dropout", "ELU",
    "Flatten", "GELU", "Heaviside", "HuberLoss", "Identity", "L1Loss", "LayerNorm", "LeakyReLU",
    "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleDict", "ModuleList", "NLLLoss",
    "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Step", "Tanh", "functional",
    "init", "utils",
    "CELU", "Hardsigmoid", "Hardswish", "Hardtanh", "Mish", "PReLU", "ReLU6", "SELU", "SiLU",
    "Softplus", "Softsign", "Threshold",
    "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase",
    "CosineEmbeddingLoss", "KLDivLoss", "MarginRankingLoss", "SmoothL1Loss", "TripletMarginLoss",
    "AlphaDropout", "Bilinear", "Dropout1d", "Embedding", "EmbeddingBag", "GroupNorm",
    "InstanceNorm2d", "ParameterDict", "ParameterList", "Unflatten",
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "ConstantPad1d", "Fold", "GLU", "Hardshrink",
    "LocalResponseNorm", "LogSigmoid", "MaxUnpool1d", "MaxUnpool2d", "PixelShuffle",
    "PixelUnshuffle", "ReflectionPad1d", "ReplicationPad1d", "Softmax2d", "Softmin",
    "Softshrink", "Tanhshrink", "Unfold", "UpsamplingBilinear2d", "UpsamplingNearest2d",
    "ZeroPad1d", "MultiheadAttention", "Transformer", "TransformerDecoder",
    "TransformerDecoderLayer", "TransformerEncoder", "TransformerEncoderLayer",
    "ConvTranspose1d", "CosineSimilarity", "GaussianNLLLoss", "HingeEmbeddingLoss",
    "InstanceNorm1d", "LazyLinear", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
    "PairwiseDistance", "PoissonNLLLoss", "RMSNorm", "SoftMarginLoss",
]
