"""Functional forms of layers, activations and losses (PyTorch's torch.nn.functional).

The modules in ``glassnet.nn`` hold parameters and call these. One file per kind:
``activation.py``, ``layers.py`` (linear, dropout, normalisation), ``loss.py``.
"""

from .activation import (
    celu,
    elu,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    heaviside,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanh,
    tanhshrink,
    threshold,
)
from .attention import scaled_dot_product_attention
from .conv import conv1d, conv2d, conv_transpose2d, fold, unfold
from .layers import (
    alpha_dropout,
    batch_norm,
    bilinear,
    dropout,
    dropout1d,
    dropout2d,
    group_norm,
    instance_norm,
    layer_norm,
    linear,
    local_response_norm,
    one_hot,
)
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cosine_similarity,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    nll_loss,
    normalize,
    pairwise_distance,
    smooth_l1_loss,
    triplet_margin_loss,
)
from .pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
    max_unpool1d,
    max_unpool2d,
)
from .resample import (
    interpolate,
    pad,
    pixel_shuffle,
    pixel_unshuffle,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from .sparse import embedding, embedding_bag

__all__ = [
    "conv1d", "conv2d", "conv_transpose2d", "fold", "unfold",
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool1d", "avg_pool2d", "dropout2d",
    "interpolate", "max_pool1d", "max_pool2d", "pad",
    "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "dropout", "elu", "gelu", "heaviside", "huber_loss", "l1_loss", "layer_norm", "leaky_relu",
    "linear", "log_softmax", "mse_loss", "nll_loss", "one_hot", "relu", "sigmoid", "softmax",
    "tanh",
    "celu", "hardsigmoid", "hardswish", "hardtanh", "mish", "prelu", "relu6", "selu", "silu",
    "softplus", "softsign", "threshold",
    "cosine_embedding_loss", "cosine_similarity", "kl_div", "margin_ranking_loss", "normalize",
    "pairwise_distance", "smooth_l1_loss", "triplet_margin_loss",
    "alpha_dropout", "bilinear", "dropout1d", "embedding", "embedding_bag", "group_norm",
    "instance_norm",
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "glu", "hardshrink", "local_response_norm",
    "logsigmoid", "max_unpool1d", "max_unpool2d", "pixel_shuffle", "pixel_unshuffle",
    "softmin", "softshrink", "tanhshrink", "upsample", "upsample_bilinear", "upsample_nearest",
    "scaled_dot_product_attention",
]
