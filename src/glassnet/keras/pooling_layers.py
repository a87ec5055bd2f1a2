"""Keras' pooling and padding layers (channels_last by default) on glassnet's NCHW ops.

Like the convolutions (``conv_layers.py``, which holds the shared helpers), each layer permutes
its input to NCHW and its output back, both views. 'same' follows TensorFlow: ceil(size / stride)
outputs, the odd padding pixel at the bottom/right, and padding that never counts (max pooling
pads with -inf, average pooling divides by the number of real pixels in each window).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ..nn import functional as F
from ..tensor import Tensor
from .conv_layers import (
    CHANNELS_LAST,
    check_4d,
    data_format_of,
    edge_pairs,
    from_nchw,
    image_axes,
    output_length,
    pad_same,
    padding_mode,
    pair,
    same_padding,
    spatial_shape,
    to_nchw,
)
from .layers import Layer


# ----- pooling -----------------------------------------------------------------------------
class _Pooling2D(Layer):
    def __init__(self, pool_size, strides, padding, data_format, name, trainable) -> None:
        super().__init__(name=name, trainable=trainable)
        layer = type(self).__name__
        self.pool_size = pair(pool_size, "pool_size", layer)
        self.strides = self.pool_size if strides is None else pair(strides, "strides", layer)
        self.padding = padding_mode(padding, layer)
        self.data_format = data_format_of(data_format, layer)

    def compute_output_shape(self, input_shape):
        channels = input_shape[image_axes(self.data_format)[2]]
        return spatial_shape(input_shape, self.pool_size, self.strides, self.padding, (1, 1),
                              self.data_format, channels)

    def _check_size(self, x: Tensor) -> None:
        """``x`` in NCHW: a 'valid' window must fit in the image."""
        if self.padding == "valid" and (x.shape[2] < self.pool_size[0]
                                        or x.shape[3] < self.pool_size[1]):
            raise ShapeError(f"{self.name}: the {x.shape[2]}x{x.shape[3]} input is smaller "
                             f"than pool_size {self.pool_size}; use padding='same' or a "
                             f"smaller pool_size")

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding,
                "data_format": self.data_format}


class MaxPooling2D(_Pooling2D):
    """output[n, i, j, c] = max of x over the pool_size window at (i·sh, j·sw); the gradient goes
    to the maximum of each window. 'same' ignores the padding (it never wins)."""

    def __init__(self, pool_size=(2, 2), strides=None, padding: str = "valid",
                 data_format: str | None = None, name: str | None = None,
                 trainable: bool = True) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, trainable)

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        check_4d(x, self)
        x = to_nchw(x, self.data_format)
        self._check_size(x)
        padding = 0
        if self.padding == "same":
            # an even split is at most kernel // 2 per side, which max_pool2d's padding allows
            x, padding = pad_same(x, self.pool_size, self.strides, (1, 1), value=-math.inf)
        out = F.max_pool2d(x, self.pool_size, self.strides, padding)
        return from_nchw(out, self.data_format)


class AveragePooling2D(_Pooling2D):
    """output[n, i, j, c] = mean of x over the pool_size window at (i·sh, j·sw); the gradient
    spreads evenly over the window. 'same' averages only the real pixels (padding not counted),
    as Keras does."""

    def __init__(self, pool_size=(2, 2), strides=None, padding: str = "valid",
                 data_format: str | None = None, name: str | None = None,
                 trainable: bool = True) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, trainable)

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        check_4d(x, self)
        x = to_nchw(x, self.data_format)
        self._check_size(x)
        if self.padding == "valid":
            out = F.avg_pool2d(x, self.pool_size, self.strides)
        else:
            height, width = x.shape[2], x.shape[3]
            padded, padding = pad_same(x, self.pool_size, self.strides, (1, 1))
            if padded is x:
                out = F.avg_pool2d(x, self.pool_size, self.strides, padding,
                                   count_include_pad=False)
            else:
                # the zeros were counted in the mean: rescale by window area / real pixels
                out = F.avg_pool2d(padded, self.pool_size, self.strides)
                out = out * Tensor(self._area_over_count(height, width, x._data.dtype))
        return from_nchw(out, self.data_format)

    def _area_over_count(self, height: int, width: int, dtype) -> np.ndarray:
        """(1, 1, out_h, out_w): pool area / number of real pixels in each 'same' window."""
        counts = []
        for size, kernel, stride in zip((height, width), self.pool_size, self.strides):
            before, _ = same_padding(size, kernel, stride)
            starts = np.arange(output_length(size, kernel, "same", stride)) * stride - before
            counts.append(np.minimum(starts + kernel, size) - np.maximum(starts, 0))
        area = self.pool_size[0] * self.pool_size[1]
        return (area / np.outer(counts[0], counts[1]))[None, None].astype(dtype)


class _GlobalPooling2D(Layer):
    def __init__(self, data_format, keepdims, name, trainable) -> None:
        super().__init__(name=name, trainable=trainable)
        self.data_format = data_format_of(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        h_axis, w_axis, c_axis = image_axes(self.data_format)
        if self.keepdims:
            shape = list(input_shape)
            shape[h_axis] = shape[w_axis] = 1
            return tuple(shape)
        return (input_shape[0], input_shape[c_axis])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling2D):
    """output[n, c] = mean of x[n, :, :, c] over the whole image (keepdims keeps (n, 1, 1, c));
    the gradient is 1/(h·w) at every pixel."""

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 name: str | None = None, trainable: bool = True) -> None:
        super().__init__(data_format, keepdims, name, trainable)

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        check_4d(x, self)
        h_axis, w_axis, _ = image_axes(self.data_format)
        return x.mean((h_axis, w_axis), keepdim=self.keepdims)


class GlobalMaxPooling2D(_GlobalPooling2D):
    """output[n, c] = max of x[n, :, :, c] over the whole image; the gradient goes to the
    maximum."""

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 name: str | None = None, trainable: bool = True) -> None:
        super().__init__(data_format, keepdims, name, trainable)

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        check_4d(x, self)
        x = to_nchw(x, self.data_format)
        out = x.flatten(2).amax(2)  # (N, C)
        if self.keepdims:
            out = out.reshape(out.shape[0], 1, 1, out.shape[1]) \
                if self.data_format == CHANNELS_LAST else out.reshape(*out.shape, 1, 1)
        return out


class ZeroPadding2D(Layer):
    """Zeros around the image: padding=1, (pad_h, pad_w) or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format: str | None = None,
                 name: str | None = None, trainable: bool = True) -> None:
        super().__init__(name=name, trainable=trainable)
        self.data_format = data_format_of(data_format, "ZeroPadding2D")
        self.padding = edge_pairs(padding, "padding", "ZeroPadding2D")

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        check_4d(x, self)
        (top, bottom), (left, right) = self.padding
        out = F.pad(to_nchw(x, self.data_format), (left, right, top, bottom))
        return from_nchw(out, self.data_format)

    def compute_output_shape(self, input_shape):
        h_axis, w_axis, _ = image_axes(self.data_format)
        shape = list(input_shape)
        for axis, (before, after) in zip((h_axis, w_axis), self.padding):
            shape[axis] = None if shape[axis] is None else shape[axis] + before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding],
                "data_format": self.data_format}



# ----- 1-D pooling: the 2-D layers on (batch, steps, 1, channels) ---------------------------
class _Pooling1D:
    """Pooling over sequences (batch, steps, channels): the 2-D layer with a (k, 1) window on
    the sequence seen as an image one pixel wide."""

    def __init__(self, pool_size=2, strides=None, padding: str = "valid",
                 data_format: str | None = None, name: str | None = None,
                 trainable: bool = True) -> None:
        k = _one_int(pool_size, "pool_size")
        s = k if strides is None else _one_int(strides, "strides")
        super().__init__((k, 1), (s, 1), padding, data_format, name, trainable)

    def _image_axis(self) -> int:
        return 2 if self.data_format == CHANNELS_LAST else 3

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if x.ndim != 3:
            raise ShapeError(f"{self.name}: expected a 3-D input (batch, steps, channels), got "
                             f"shape {tuple(x.shape)}")
        axis = self._image_axis()
        return super().call(x.unsqueeze(axis), training).squeeze(axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape.insert(self._image_axis(), 1)
        out = list(super().compute_output_shape(tuple(shape)))
        del out[self._image_axis()]
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        return {**config, "pool_size": config["pool_size"][:1], "strides": config["strides"][:1]}


def _one_int(value, what: str) -> int:
    values = (value,) if isinstance(value, int) else tuple(value)
    if len(values) != 1:
        raise ValueError(f"{what} must be an int or a 1-tuple, got {value!r}")
    return int(values[0])


class MaxPooling1D(_Pooling1D, MaxPooling2D):
    """output[n, t, c] = max of x over the pool_size steps at t·stride."""


class AveragePooling1D(_Pooling1D, AveragePooling2D):
    """output[n, t, c] = mean of x over the pool_size steps at t·stride ('same' averages only
    the real steps)."""
