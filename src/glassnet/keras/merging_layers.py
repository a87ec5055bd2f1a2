"""Keras' merging layers: combine a list of tensors into one (the functional API's joins).

``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum`` and ``Minimum`` work elementwise
with broadcasting; ``Concatenate`` joins along an axis; ``Dot`` takes per-sample dot products.
Each is built from glassnet's differentiable ops, so gradients flow to every input (the sum
passes its gradient to each input unchanged, the product multiplies it by the other inputs, the
maximum routes it to the larger input). The lower-case functions are Keras' one-line forms:
``keras.layers.concatenate([a, b])`` is ``Concatenate()([a, b])``.
"""

from __future__ import annotations

import glassnet

from ..errors import ShapeError
from ..tensor import Tensor
from .base_layer import Layer


def _broadcast(shape1: tuple, shape2: tuple) -> tuple:
    """NumPy's broadcasting of two shapes (None: unknown), or a ShapeError naming both."""
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    shape2 = (1,) * (len(shape1) - len(shape2)) + tuple(shape2)
    out = []
    for a, b in zip(shape1, shape2):
        if a is None or b is None:
            out.append(b if a == 1 else a if b == 1 else None)
        elif a == 1 or b == 1 or a == b:
            out.append(max(a, b) if 1 in (a, b) else a)
        else:
            raise ShapeError(f"Inputs have incompatible shapes. Received shapes {shape1} and "
                             f"{shape2}; merge tensors of the same shape (or broadcastable)")
    return tuple(out)


class _Merge(Layer):
    """A layer that reduces a list of tensors elementwise with ``_merge``."""

    def __init__(self, trainable: bool = True, name: str | None = None) -> None:
        super().__init__(trainable=trainable, name=name)

    def _check(self, input_shape) -> list:
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(
                input_shape[0], (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"input_shape={input_shape} (not a list of shapes); call "
                             f"{type(self).__name__}()([a, b])")
        return [tuple(shape) for shape in input_shape]

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        shapes = self._check(input_shape)
        out = shapes[0]
        for shape in shapes[1:]:
            out = _broadcast(out, shape)
        return out

    def call(self, inputs, training=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self.name}: a merge layer takes a list of tensors, got "
                             f"{type(inputs).__name__}; call {type(self).__name__}()([a, b])")
        inputs = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return self._finish(out, len(inputs))

    def _finish(self, out: Tensor, count: int) -> Tensor:
        return out


class Add(_Merge):
    """output = x1 + x2 + ... ; each input receives the output's gradient unchanged."""

    def _merge(self, a, b):
        return a + b


class Subtract(_Merge):
    """output = x1 - x2 (exactly two inputs); x2 receives the negated gradient."""

    def compute_output_shape(self, input_shape):
        shapes = self._check(input_shape)
        if len(shapes) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")
        return _broadcast(*shapes)

    def _merge(self, a, b):
        return a - b


class Multiply(_Merge):
    """output = x1 · x2 · ... elementwise; each input's gradient is the output's times the
    product of the other inputs."""

    def _merge(self, a, b):
        return a * b


class Average(_Merge):
    """output = (x1 + ... + xn) / n; each input receives 1/n of the gradient."""

    def _merge(self, a, b):
        return a + b

    def _finish(self, out, count):
        return out / count


class Maximum(_Merge):
    """output = max(x1, ..., xn) elementwise; the gradient goes to the largest input."""

    def _merge(self, a, b):
        return glassnet.maximum(a, b)


class Minimum(_Merge):
    """output = min(x1, ..., xn) elementwise; the gradient goes to the smallest input."""

    def _merge(self, a, b):
        return glassnet.minimum(a, b)


class Concatenate(_Merge):
    """Join the inputs along ``axis`` (default the last); the gradient is split back into each
    input's slice.

    Example:
        >>> import numpy as np
        >>> Concatenate()([np.ones((2, 3)), np.zeros((2, 4))]).shape
        glassnet.Size([2, 7])
    """

    def __init__(self, axis: int = -1, trainable: bool = True, name: str | None = None) -> None:
        super().__init__(trainable=trainable, name=name)
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        shapes = self._check(input_shape)
        rank = len(shapes[0])
        axis = self.axis % rank if -rank <= self.axis < rank else None
        if axis is None or any(len(s) != rank for s in shapes) or any(
                len({s[i] for s in shapes} - {None}) > 1 for i in range(rank) if i != axis):
            raise ValueError(f"A `Concatenate` layer requires inputs with matching shapes "
                             f"except for the concatenation axis. Received: input_shape="
                             f"{input_shape} (axis={self.axis})")
        sizes = [s[axis] for s in shapes]
        out = list(shapes[0])
        for i in range(rank):
            if i != axis:
                out[i] = next((s[i] for s in shapes if s[i] is not None), None)
        out[axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def call(self, inputs, training=None):
        inputs = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
        return glassnet.cat(inputs, dim=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """Per-sample dot products of two inputs over ``axes`` (Keras' batch_dot): for (batch, n)
    inputs, output[b] = Σ_i x1[b, i]·x2[b, i], shape (batch, 1). With ``normalize=True`` each
    input is first divided by its L2 norm along the axis (cosine similarity). The gradient of
    x1 is the output's gradient times x2, and the other way round."""

    def __init__(self, axes, normalize: bool = False, trainable: bool = True,
                 name: str | None = None) -> None:
        super().__init__(trainable=trainable, name=name)
        self.axes = tuple(axes) if isinstance(axes, (list, tuple)) else (int(axes), int(axes))
        self.normalize = bool(normalize)

    def _resolved(self, shapes) -> tuple[int, int]:
        axes = tuple(a % len(s) for a, s in zip(self.axes, shapes))
        if 0 in axes:
            raise ValueError(f"Dot: axes={self.axes} names the batch axis; dot over the "
                             f"features (axes >= 1)")
        return axes

    def compute_output_shape(self, input_shape):
        shapes = self._check(input_shape)
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")
        a1, a2 = self._resolved(shapes)
        s1, s2 = shapes
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ShapeError(f"Dot: dimension incompatibility: {s1[a1]} (axis {a1} of {s1}) "
                             f"!= {s2[a2]} (axis {a2} of {s2})")
        out = (s1[0], *[d for i, d in enumerate(s1) if i not in (0, a1)],
               *[d for i, d in enumerate(s2) if i not in (0, a2)])
        return out if len(out) > 1 else (s1[0], 1)

    def call(self, inputs, training=None):
        x1, x2 = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
        a1, a2 = self._resolved([tuple(x1.shape), tuple(x2.shape)])
        if self.normalize:
            x1 = x1 / (x1 * x1).sum(dim=a1, keepdim=True).clamp(min=1e-12).sqrt()
            x2 = x2 / (x2 * x2).sum(dim=a2, keepdim=True).clamp(min=1e-12).sqrt()
        batch = x1.shape[0]
        x1 = x1.movedim(a1, -1)
        x2 = x2.movedim(a2, 1)
        rest1, rest2 = tuple(x1.shape[1:-1]), tuple(x2.shape[2:])
        out = x1.reshape(batch, -1, x1.shape[-1]).matmul(x2.reshape(batch, x2.shape[1], -1))
        out = out.reshape(batch, *rest1, *rest2)
        return out.reshape(batch, 1) if out.ndim == 1 else out

    def get_config(self):
        return {**super().get_config(), "axes": list(self.axes), "normalize": self.normalize}


# ----- Keras' function forms --------------------------------------------------------------------
def add(inputs, name: str | None = None):
    """``Add()(inputs)``: the elementwise sum of a list of tensors."""
    return Add(name=name)(inputs)


def subtract(inputs, name: str | None = None):
    """``Subtract()(inputs)``: x1 - x2."""
    return Subtract(name=name)(inputs)


def multiply(inputs, name: str | None = None):
    """``Multiply()(inputs)``: the elementwise product."""
    return Multiply(name=name)(inputs)


def average(inputs, name: str | None = None):
    """``Average()(inputs)``: the elementwise mean."""
    return Average(name=name)(inputs)


def maximum(inputs, name: str | None = None):
    """``Maximum()(inputs)``: the elementwise maximum."""
    return Maximum(name=name)(inputs)


def minimum(inputs, name: str | None = None):
    """``Minimum()(inputs)``: the elementwise minimum."""
    return Minimum(name=name)(inputs)


def concatenate(inputs, axis: int = -1, name: str | None = None):
    """``Concatenate(axis)(inputs)``: join along ``axis``."""
    return Concatenate(axis=axis, name=name)(inputs)


def dot(inputs, axes, normalize: bool = False, name: str | None = None):
    """``Dot(axes, normalize)(inputs)``: per-sample dot products."""
    return Dot(axes=axes, normalize=normalize, name=name)(inputs)
