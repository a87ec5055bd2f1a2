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
