"""Keras' image layers that have no weights: ``Rescaling`` (pixels to [0, 1]), the noise and
dropout regularisers that act only while training (``GaussianNoise``, ``GaussianDropout``,
``SpatialDropout2D``), ``UpSampling2D`` and ``Cropping2D``. The augmentations and resizes are
in ``image_preprocessing.py``.

Images are channels_last (batch, height, width, channels) unless ``data_format`` says
otherwise. A random layer draws from ``seed`` as ``keras.random`` does (None: the global
generator that ``keras.utils.set_random_seed`` seeds); in inference it passes its input
through unchanged, as in Keras.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ..nn import functional as F
from ..random import rng
from ..tensor import Tensor
from .conv_layers import (
    check_4d,
    data_format_of,
    edge_pairs,
    from_nchw,
    image_axes,
    pair,
    to_nchw,
)
from .layers import Layer
from .random import _generator


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))


class Rescaling(Layer):
    """output = x·scale + offset: ``Rescaling(1/255)`` maps pixels to [0, 1],
    ``Rescaling(1/127.5, offset=-1)`` to [-1, 1]."""

    def __init__(self, scale, offset=0.0, name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.scale, self.offset = scale, offset

    def call(self, x, training=False):
        x = _tensor(x)
        if x._data.dtype.kind != "f":
            x = x.float()
        return x * self.scale + self.offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class _RandomLayer(Layer):
    """A layer that draws: from its own stream started at an int ``seed`` (or a
    ``SeedGenerator``), else from the global generator at each call."""

    def __init__(self, seed=None, name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.seed = seed
        self._stream = None if seed is None else _generator(seed)

    @property
    def _generator(self) -> np.random.Generator:
        return self._stream if self._stream is not None else rng()

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed if isinstance(self.seed, int)
                else None}


class GaussianNoise(_RandomLayer):
    """While training, add N(0, stddev²) noise to every input (a regulariser); in inference,
    nothing."""

    def __init__(self, stddev: float, seed=None, name: str | None = None, **kwargs) -> None:
        super().__init__(seed, name, **kwargs)
        if not stddev >= 0:
            raise ValueError(f"GaussianNoise: stddev must be >= 0, got {stddev!r}")
        self.stddev = float(stddev)

    def call(self, x, training=False):
        x = _tensor(x)
        if not training or self.stddev == 0:
            return x
        noise = self._generator.normal(0.0, self.stddev, tuple(x.shape))
        return x + Tensor(noise.astype(x._data.dtype))

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_RandomLayer):
    """While training, multiply every input by N(1, rate/(1 - rate)) noise (dropout's mean and
    variance, without zeros); in inference, nothing."""

    def __init__(self, rate: float, seed=None, name: str | None = None, **kwargs) -> None:
        super().__init__(seed, name, **kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"GaussianDropout: rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)

    def call(self, x, training=False):
        x = _tensor(x)
        if not training or self.rate == 0:
            return x
        spread = math.sqrt(self.rate / (1.0 - self.rate))
        noise = self._generator.normal(1.0, spread, tuple(x.shape))
        return x * Tensor(noise.astype(x._data.dtype))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class SpatialDropout2D(_RandomLayer):
    """While training, zero whole feature maps (each channel of each image with probability
    ``rate``) and scale the rest by 1/(1 - rate): neighbouring pixels are too alike for
    per-pixel dropout to regularise."""

    def __init__(self, rate: float, data_format: str | None = None, seed=None,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(seed, name, **kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"SpatialDropout2D: rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.data_format = data_format_of(data_format, "SpatialDropout2D")

    def call(self, x, training=False):
        x = _tensor(x)
        check_4d(x, self)
        if not training or self.rate == 0:
            return x
        shape = [x.shape[0], 1, 1, 1]
        shape[image_axes(self.data_format)[2]] = x.shape[image_axes(self.data_format)[2]]
        keep = self._generator.random(tuple(shape)) >= self.rate
        return x * Tensor((keep / (1.0 - self.rate)).astype(x._data.dtype))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "data_format": self.data_format}


class UpSampling2D(Layer):
    """Enlarge images by ``size`` = (rows, cols): each pixel repeated ("nearest") or
    interpolated ("bilinear", half-pixel centres, as TensorFlow's resize)."""

    def __init__(self, size=(2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.size = pair(size, "size", "UpSampling2D")
        self.data_format = data_format_of(data_format, "UpSampling2D")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: interpolation must be 'nearest' or 'bilinear', "
                             f"got {interpolation!r}")
        self.interpolation = interpolation

    def call(self, x, training=False):
        x = _tensor(x)
        check_4d(x, self)
        images = to_nchw(x, self.data_format)
        size = (images.shape[2] * self.size[0], images.shape[3] * self.size[1])
        if self.interpolation == "nearest":
            out = F.interpolate(images, size=size, mode="nearest")
        else:
            out = F.interpolate(images, size=size, mode="bilinear", align_corners=False)
        return from_nchw(out, self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis, _ = image_axes(self.data_format)
        for axis, factor in ((h_axis, self.size[0]), (w_axis, self.size[1])):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": list(self.size),
                "data_format": self.data_format, "interpolation": self.interpolation}


class Cropping2D(Layer):
    """Cut rows and columns off the edges: cropping=n, (rows, cols) or ((top, bottom), (left,
    right))."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format: str | None = None,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.data_format = data_format_of(data_format, "Cropping2D")
        self.cropping = edge_pairs(cropping, "cropping", "Cropping2D")
        if min(min(c) for c in self.cropping) < 0:
            raise ValueError(f"Cropping2D: cropping must not be negative, got {cropping!r}")

    def call(self, x, training=False):
        x = _tensor(x)
        check_4d(x, self)
        h_axis, w_axis, _ = image_axes(self.data_format)
        (top, bottom), (left, right) = self.cropping
        height, width = x.shape[h_axis], x.shape[w_axis]
        if top + bottom >= height or left + right >= width:
            raise ShapeError(f"{self.name}: cropping {self.cropping} leaves nothing of a "
                             f"{height}x{width} image; crop less")
        index = [slice(None)] * 4
        index[h_axis], index[w_axis] = slice(top, height - bottom), slice(left, width - right)
        return x[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis, _ = image_axes(self.data_format)
        for axis, (before, after) in zip((h_axis, w_axis), self.cropping):
            shape[axis] = None if shape[axis] is None else shape[axis] - before - after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "cropping": [list(c) for c in self.cropping],
                "data_format": self.data_format}


__all__ = ["Cropping2D", "GaussianDropout", "GaussianNoise", "Rescaling", "SpatialDropout2D",
           "UpSampling2D"]
