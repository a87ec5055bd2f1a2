"""``keras.ops``' neural-network and linear-algebra functions on glassnet tensors: activations,
``one_hot``, ``top_k``, sorting, ``matmul`` / ``dot`` / ``einsum``."""

from __future__ import annotations

import numpy as np

import glassnet
from glassnet.nn import functional as F

from .core import FLOATX, convert_to_tensor, to_float


# --- activations --------------------------------------------------------------------------
def relu(x):
    """max(x, 0); the gradient passes where x > 0."""
    return F.relu(convert_to_tensor(x))


def sigmoid(x):
    """1 / (1 + e⁻ˣ); the gradient is σ(x)·(1 - σ(x))·grad."""
    return F.sigmoid(to_float(x))


def tanh(x):
    """tanh x; the gradient is (1 - tanh²x)·grad."""
    return F.tanh(to_float(x))


def softmax(x, axis: int = -1):
    """e^xᵢ / Σⱼ e^xⱼ along ``axis``; the gradient is s·(grad - Σ grad·s)."""
    return F.softmax(to_float(x), dim=axis)


def log_softmax(x, axis: int = -1):
    """xᵢ - log Σⱼ e^xⱼ along ``axis``, computed stably; the gradient is grad - softmax·Σ grad."""
    return F.log_softmax(to_float(x), dim=axis)


def one_hot(x, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False):
    """Integer labels as one-hot vectors of length ``num_classes`` along a new ``axis``
    (float32 unless told); labels outside [0, num_classes) give all-zero vectors, as Keras."""
    if sparse:
        raise ValueError("one_hot: glassnet has no sparse tensors; got sparse=True, use "
                         "sparse=False")
    labels = np.asarray(convert_to_tensor(x).numpy())
    if labels.dtype.kind not in "iub":
        raise TypeError(f"one_hot: x must hold integer labels, got dtype {labels.dtype}; "
                        f"cast them with ops.cast(x, 'int32')")
    hot = labels[..., None] == np.arange(num_classes)
    hot = np.moveaxis(hot, -1, axis)
    return convert_to_tensor(hot, dtype=FLOATX if dtype is None else dtype)


# --- sorting ------------------------------------------------------------------------------
def top_k(x, k: int, sorted: bool = True):
    """(values, indices) of the k largest entries along the last axis, largest first; the
    gradient of the values goes back to the entries they came from."""
    result = glassnet.topk(convert_to_tensor(x), k, dim=-1, largest=True, sorted=sorted)
    return result.values, result.indices


def sort(x, axis: int = -1):
    """x sorted ascending along ``axis``; the gradient is un-sorted back."""
    return glassnet.sort(convert_to_tensor(x), dim=axis).values


def argsort(x, axis: int = -1):
    """The indices (int32) that sort x ascending along ``axis`` (None: the flattened x)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return glassnet.argsort(x, dim=axis, stable=True).to(glassnet.int32)


# --- linear algebra -----------------------------------------------------------------------
def matmul(x1, x2):
    """The matrix product (batched over leading axes, NumPy's ``matmul``); the gradients are
    grad·x2ᵀ and x1ᵀ·grad."""
    return glassnet.matmul(convert_to_tensor(x1), convert_to_tensor(x2))


def dot(x1, x2):
    """NumPy's ``dot`` for rank ≤ 2 (a scalar scales, vectors give their inner product,
    matrices multiply); higher ranks use ``matmul``, as Keras' torch backend does."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    return glassnet.matmul(x1, x2)


def einsum(subscripts: str, *operands):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)`` is a @ b; each operand's
    gradient is the einsum of grad with the other operands."""
    return glassnet.einsum(subscripts, *(convert_to_tensor(x) for x in operands))


# --- more activations -----------------------------------------------------------------------
def softplus(x):
    return F.softplus(to_float(x))


def softsign(x):
    return F.softsign(to_float(x))


def silu(x):
    """x·σ(x) (also called swish)."""
    return F.silu(to_float(x))


swish = silu


def gelu(x, approximate: bool = True):
    """x·Φ(x); Keras' default is the tanh approximation."""
    return F.gelu(to_float(x), approximate="tanh" if approximate else "none")


def elu(x, alpha: float = 1.0):
    return F.elu(to_float(x), alpha)


def selu(x):
    return F.selu(to_float(x))


def leaky_relu(x, negative_slope: float = 0.2):
    return F.leaky_relu(to_float(x), negative_slope)


def relu6(x):
    return F.relu6(to_float(x))


def hard_sigmoid(x):
    """clip(x/6 + 1/2, 0, 1)."""
    return F.hardsigmoid(to_float(x))


def hard_silu(x):
    """x·hard_sigmoid(x)."""
    return F.hardswish(to_float(x))


hard_swish = hard_silu


def log_sigmoid(x):
    return F.logsigmoid(to_float(x))


# --- losses per sample, statistics ----------------------------------------------------------
def binary_crossentropy(target, output, from_logits: bool = False):
    """-(t log p + (1 - t) log(1 - p)) per entry; p is clipped to [ε, 1 - ε] (ε = 1e-7) unless
    ``from_logits``, as Keras does."""
    target, output = to_float(target), to_float(output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    p = output.clamp(1e-7, 1 - 1e-7)
    return -(target * p.log() + (1 - target) * (1 - p).log())


def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    """-Σ t log p over ``axis``, p the (renormalised, clipped) probabilities or the softmax of
    the logits."""
    target, output = to_float(target), to_float(output)
    if from_logits:
        return -(target * F.log_softmax(output, axis)).sum(axis)
    p = (output / output.sum(axis, keepdim=True)).clamp(1e-7, 1 - 1e-7)
    return -(target * p.log()).sum(axis)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    """categorical_crossentropy with integer class labels."""
    output = to_float(output)
    labels = convert_to_tensor(target).long()
    hot = F.one_hot(labels, output.shape[axis]).to(output.dtype)
    if axis not in (-1, output.ndim - 1):
        hot = hot.movedim(-1, axis)
    return categorical_crossentropy(hot, output, from_logits, axis)


def moments(x, axes, keepdims: bool = False, synchronized: bool = False):
    """(mean, variance) over ``axes``, the variance with divisor n."""
    x = to_float(x)
    dims = tuple(axes) if isinstance(axes, (tuple, list)) else (axes,)
    mean = x.mean(dim=dims, keepdim=True)
    variance = ((x - mean) ** 2).mean(dim=dims, keepdim=keepdims)
    return (mean if keepdims else mean.squeeze(dims)), variance


def normalize(x, axis: int = -1, order: int = 2, epsilon=None):
    """x / max(‖x‖, ε) along ``axis`` (ε = 1e-12 when not given)."""
    x = to_float(x)
    norm = x.norm(p=order, dim=axis, keepdim=True)
    return x / norm.clamp(min=1e-12 if epsilon is None else epsilon)
