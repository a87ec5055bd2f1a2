"""Layers for sequences of tokens: ``Embedding`` (a lookup table from integer ids to vectors)
and ``GlobalAveragePooling1D`` / ``GlobalMaxPooling1D`` (one vector per sequence), as the
functional API guide's text models use them.

Inputs are ``(batch, steps)`` integer ids for Embedding and ``(batch, steps, features)``
(channels_last) or ``(batch, features, steps)`` (channels_first) for the poolings.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops import nn_ops
from ..tensor import Tensor
from . import regularizers
from .base_layer import Layer, initialize
from .conv_layers import data_format_of


class Embedding(Layer):
    """output[..., :] = embeddings[i, :] for each integer id i of the input.

    The gradient of the loss with respect to row r of ``embeddings`` is the sum of the output
    gradients at every position holding id r; the ids themselves get none.

    Args:
        input_dim: the vocabulary size (ids run from 0 to input_dim - 1).
        output_dim: the length of each vector.
        embeddings_initializer: Keras' default, "uniform" (U(-0.05, 0.05)).

    Shape: (batch, steps) ids → (batch, steps, output_dim).

    Example:
        >>> layer = Embedding(1000, 8)
        >>> layer(np.array([[4, 2, 7]])).shape
        (1, 3, 8)
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, mask_zero: bool = False,
                 name: str | None = None, trainable: bool = True) -> None:
        super().__init__(name=name, trainable=trainable)
        for what, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if int(value) != value or int(value) <= 0:
                raise ValueError(f"Embedding: {what} must be a positive integer, got {value!r}")
        if mask_zero:
            raise NotImplementedError("Embedding: mask_zero=True needs Keras' masks, which "
                                      "glassnet does not propagate; drop the padding ids or "
                                      "pool them out yourself")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = ("random_uniform" if embeddings_initializer == "uniform"
                                       else embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.mask_zero = False

    def build(self, input_shape=None) -> None:
        self._add_named_weight("embeddings", initialize(
            self.embeddings_initializer, (self.input_dim, self.output_dim), self.input_dim,
            self.output_dim))
        self.built = True

    def call(self, inputs, training=False):
        ids = inputs.detach().numpy() if isinstance(inputs, Tensor) else np.asarray(inputs)
        if ids.size and not np.array_equal(ids, np.round(ids)):
            raise ValueError(f"{self.name}: expected integer token ids, got values such as "
                             f"{ids.reshape(-1)[0]!r}; pass the ids, not features")
        ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            raise IndexError(f"{self.name}: ids must lie in [0, {self.input_dim}), got "
                             f"{int(ids.min())}..{int(ids.max())}; raise input_dim to the "
                             f"vocabulary size")
        return nn_ops.Embedding.apply(self.embeddings, ids)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def regularization_losses(self):
        if self.embeddings_regularizer is None:
            return []
        return [self.embeddings_regularizer(self.embeddings)]

    def get_config(self):
        initializer = self.embeddings_initializer
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializer if isinstance(initializer, str)
                else "random_uniform",
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "mask_zero": self.mask_zero}


class _GlobalPooling1D(Layer):
    def __init__(self, data_format, keepdims, name, trainable) -> None:
        super().__init__(name=name, trainable=trainable)
        self.data_format = data_format_of(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)

    @property
    def _steps_axis(self) -> int:
        return 1 if self.data_format == "channels_last" else 2

    def _check(self, x: Tensor) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if x.ndim != 3:
            raise ShapeError(f"{self.name}: expected a 3-d input (batch, steps, features), "
                             f"got shape {tuple(x.shape)}; add a feature axis or use the 2-D "
                             f"pooling for images")
        return x

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            shape = list(input_shape)
            shape[self._steps_axis] = 1
            return tuple(shape)
        return (input_shape[0], input_shape[3 - self._steps_axis])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling1D):
    """output[n, c] = mean over the steps t of x[n, t, c]; the gradient is 1/steps at each
    step."""

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 name: str | None = None, trainable: bool = True) -> None:
        super().__init__(data_format, keepdims, name, trainable)

    def call(self, x, training=False):
        return self._check(x).mean(self._steps_axis, keepdim=self.keepdims)


class GlobalMaxPooling1D(_GlobalPooling1D):
    """output[n, c] = max over the steps t of x[n, t, c]; the gradient goes to the step that
    held the maximum."""

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 name: str | None = None, trainable: bool = True) -> None:
        super().__init__(data_format, keepdims, name, trainable)

    def call(self, x, training=False):
        return self._check(x).amax(self._steps_axis, keepdim=self.keepdims)
