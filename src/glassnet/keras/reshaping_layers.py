"""``Reshape`` (each sample to a new shape) and ``LeakyReLU`` (a small slope below zero), as
the customizing-fit guide's GAN generator and discriminator use them."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..nn.functional import leaky_relu
from ..tensor import Tensor
from .base_layer import Layer


class Reshape(Layer):
    """output[n] = x[n] laid out in ``target_shape`` (the batch axis is kept; one entry may be
    -1, meaning "whatever is left"); the gradient is reshaped back.

    Example:
        >>> Reshape((3, 2))(np.zeros((4, 6))).shape
        (4, 3, 2)
    """

    def __init__(self, target_shape, name: str | None = None, trainable: bool = True) -> None:
        super().__init__(name=name, trainable=trainable)
        self.target_shape = tuple(int(s) for s in target_shape)
        if sum(s == -1 for s in self.target_shape) > 1 or any(
                s == 0 or s < -1 for s in self.target_shape):
            raise ValueError(f"Reshape: target_shape must hold positive sizes and at most one "
                             f"-1, got {target_shape!r}")

    def _resolved(self, input_shape) -> tuple:
        size = int(np.prod([s for s in input_shape[1:]]))
        known = int(np.prod([s for s in self.target_shape if s != -1]))
        if -1 in self.target_shape:
            if size % known:
                raise ShapeError(f"{self.name}: cannot reshape {size} values per sample into "
                                 f"{self.target_shape}; the known sizes must divide {size}")
            return tuple(size // known if s == -1 else s for s in self.target_shape)
        if size != known:
            raise ShapeError(f"{self.name}: cannot reshape inputs of shape "
                             f"{tuple(input_shape[1:])} ({size} values per sample) into "
                             f"{self.target_shape} ({known}); pick a target_shape of {size}")
        return self.target_shape

    def compute_output_shape(self, input_shape):
        if any(s is None for s in input_shape[1:]):
            return (input_shape[0], *self.target_shape)
        return (input_shape[0], *self._resolved(input_shape))

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        return x.reshape(x.shape[0], *self._resolved(tuple(x.shape)))

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class LeakyReLU(Layer):
    """output = x where x ≥ 0, negative_slope·x below; the gradient is 1 or negative_slope."""

    def __init__(self, negative_slope: float = 0.3, name: str | None = None,
                 trainable: bool = True) -> None:
        super().__init__(name=name, trainable=trainable)
        if not negative_slope >= 0:
            raise ValueError(f"LeakyReLU: negative_slope must be a number >= 0, got "
                             f"{negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        return leaky_relu(x, self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
