"""Keras' convolution layers on glassnet's NCHW ops (pooling is in ``pooling_layers.py``).

Keras keeps images channels_last, (batch, height, width, channels), and a Conv2D kernel as
(kernel_h, kernel_w, in_channels, filters); glassnet's ops (like PyTorch's) take (N, C, H, W) and
(filters, in_channels, kh, kw). Each layer permutes its input to NCHW and its output back: both
are NumPy views (no copy), and two layers in a row cancel, so the conv op sees NCHW memory.

Keras' ``padding='same'`` is TensorFlow's rule: the output has ceil(size / stride) positions and
the total padding max((out - 1)·stride + kernel - size, 0) is split with the extra pixel at the
bottom/right. PyTorch's padding is symmetric, so the uneven case is padded explicitly first.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..nn import functional as F
from ..tensor import Tensor
from . import activations, regularizers
from .layers import Layer, _name, initialize

CHANNELS_LAST, CHANNELS_FIRST = "channels_last", "channels_first"


# ----- arguments ---------------------------------------------------------------------------
def pair(value, what: str, layer: str) -> tuple[int, int]:
    """2 → (2, 2); (2, 3) stays; anything else says what it expected."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    values = tuple(value) if isinstance(value, (tuple, list)) else ()
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"{layer}: {what} must be an int or a tuple of 2 ints, got {value!r}")
    return int(values[0]), int(values[1])


def padding_mode(value, layer: str) -> str:
    padding = str(value).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {value!r}")
    return padding


def edge_pairs(value, what: str, layer: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) from Keras' three spellings: n, (rows, cols), or the
    pairs themselves (ZeroPadding2D's padding, Cropping2D's cropping)."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (tuple, list)) for v in value):
        return pair(value[0], what, layer), pair(value[1], what, layer)
    rows, cols = pair(value, what, layer)
    return (rows, rows), (cols, cols)


def data_format_of(value, layer: str) -> str:
    data_format = CHANNELS_LAST if value is None else str(value).lower()
    if data_format not in (CHANNELS_LAST, CHANNELS_FIRST):
        raise ValueError(f"{layer}: data_format must be 'channels_last' or 'channels_first', "
                         f"got {value!r}")
    return data_format


def output_length(size, kernel: int, padding: str, stride: int, dilation: int = 1):
    """Keras' output size along one axis: ceil(size / stride) for 'same', else
    floor((size - dilated kernel) / stride) + 1; None (unknown) stays None."""
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    return (size - (kernel - 1) * dilation - 1) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """(before, after) padding of TensorFlow's 'same': total = max((ceil(size/stride) - 1)·stride
    + dilated kernel - size, 0), the odd pixel after."""
    total = max((output_length(size, kernel, "same", stride) - 1) * stride
                + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def image_axes(data_format: str) -> tuple[int, int, int]:
    """(height axis, width axis, channel axis) of a 4-D input."""
    return (1, 2, 3) if data_format == CHANNELS_LAST else (2, 3, 1)


def spatial_shape(input_shape, kernel, strides, padding, dilation, data_format, channels):
    h_axis, w_axis, c_axis = image_axes(data_format)
    shape = list(input_shape)
    shape[h_axis] = output_length(input_shape[h_axis], kernel[0], padding, strides[0],
                                  dilation[0])
    shape[w_axis] = output_length(input_shape[w_axis], kernel[1], padding, strides[1],
                                  dilation[1])
    shape[c_axis] = channels
    return tuple(shape)


_LAYOUTS = {CHANNELS_LAST: "(batch, height, width, channels)",
            CHANNELS_FIRST: "(batch, channels, height, width)"}
_GRAY_FIX = "for gray images add the channel axis with np.expand_dims(x, -1)"


def check_4d(x: Tensor, layer: Layer) -> None:
    if x.ndim != 4:
        raise ShapeError(f"{layer.name}: expected a 4-D input {_LAYOUTS[layer.data_format]}, "
                         f"got shape {tuple(x.shape)}; {_GRAY_FIX}")


def to_nchw(x: Tensor, data_format: str) -> Tensor:
    return x.permute(0, 3, 1, 2) if data_format == CHANNELS_LAST else x


def from_nchw(x: Tensor, data_format: str) -> Tensor:
    return x.permute(0, 2, 3, 1) if data_format == CHANNELS_LAST else x


def pad_same(x: Tensor, kernel, strides, dilation, value: float = 0.0):
    """NCHW ``x`` and the symmetric padding left for the op: an uneven 'same' padding is
    applied here with ``F.pad`` (PyTorch's ops only pad both sides alike)."""
    top, bottom = same_padding(x.shape[2], kernel[0], strides[0], dilation[0])
    left, right = same_padding(x.shape[3], kernel[1], strides[1], dilation[1])
    if top == bottom and left == right:
        return x, (top, left)
    return F.pad(x, (left, right, top, bottom), value=value), (0, 0)


# ----- convolutions ------------------------------------------------------------------------
class _Conv(Layer):
    """What Conv2D and Conv2DTranspose share: arguments, bias, activation, regularisers."""

    def __init__(self, filters, kernel_size, strides, padding, data_format, dilation_rate,
                 activation, use_bias, kernel_initializer, bias_initializer,
                 kernel_regularizer, bias_regularizer, name, trainable) -> None:
        super().__init__(name=name, trainable=trainable)
        layer = type(self).__name__
        if int(filters) <= 0:
            raise ValueError(f"{layer}: filters must be a positive integer, got {filters}")
        self.filters = int(filters)
        self.kernel_size = pair(kernel_size, "kernel_size", layer)
        self.strides = pair(strides, "strides", layer)
        self.padding = padding_mode(padding, layer)
        self.data_format = data_format_of(data_format, layer)
        self.dilation_rate = pair(dilation_rate, "dilation_rate", layer)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{layer}: strides > 1 together with dilation_rate > 1 is not "
                             f"supported (as in Keras), got strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}; set one of them to 1")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def _input_channels(self, input_shape) -> int:
        if len(input_shape) != 4:
            raise ShapeError(f"{self.name}: expected a 4-D input {_LAYOUTS[self.data_format]}, "
                             f"got shape {tuple(input_shape)}; {_GRAY_FIX}")
        channels = input_shape[image_axes(self.data_format)[2]]
        if channels is None:
            raise ValueError(f"{self.name}: the channel axis of the input must be known, got "
                             f"shape {tuple(input_shape)}")
        return int(channels)

    def _make_weights(self, kernel_shape, fan_in: int, fan_out: int) -> None:
        self._add_named_weight("kernel", initialize(self.kernel_initializer, kernel_shape,
                                                    fan_in, fan_out))
        if self.use_bias:
            self._add_named_weight("bias", initialize(self.bias_initializer, (self.filters,),
                                                      fan_in, fan_out))

    def _check_channels(self, x: Tensor, expected: int) -> None:
        check_4d(x, self)
        got = x.shape[image_axes(self.data_format)[2]]
        if got != expected:
            raise ShapeError(f"{self.name}: expected inputs with {expected} channels "
                             f"({self.data_format}), got shape {tuple(x.shape)}; the layer was "
                             f"built for {expected}-channel images")

    def regularization_losses(self):
        losses = []
        if self.kernel_regularizer is not None:
            losses.append(self.kernel_regularizer(self.kernel))
        if self.bias_regularizer is not None and self.use_bias:
            losses.append(self.bias_regularizer(self.bias))
        return losses

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate),
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": _name(self.kernel_initializer),
                "bias_initializer": _name(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer)}


class Conv2D(_Conv):
    """2-D convolution: output[n, i, j, f] = activation(bias[f] + Σ kernel[a, b, c, f] ·
    x[n, i·sh + a·dh, j·sw + b·dw, c]), the sum over the window and the input channels of the
    filter's group. Kernel (kh, kw, in_channels / groups, filters), bias (filters,).

    Example:
        >>> layer = Conv2D(32, 3, activation="relu")
        >>> layer(np.zeros((1, 28, 28, 1), np.float32)).shape
        glassnet.Size([1, 26, 26, 32])
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate=(1, 1), groups: int = 1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 name: str | None = None, trainable: bool = True) -> None:
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, name, trainable)
        if int(groups) <= 0 or self.filters % int(groups):
            raise ValueError(f"Conv2D: filters ({self.filters}) must be divisible by groups "
                             f"({groups}); choose groups that divide both channel counts")
        self.groups = int(groups)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ShapeError(f"{self.name}: the input's {channels} channels are not divisible "
                             f"by groups={self.groups}; choose groups that divide both the "
                             f"input channels and filters")
        kh, kw = self.kernel_size
        per_group = channels // self.groups
        # Keras' fans for a (kh, kw, in, out) kernel: the receptive field times in / out
        self._make_weights((kh, kw, per_group, self.filters), kh * kw * per_group,
                           kh * kw * self.filters)
        self.built = True

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        self._check_channels(x, self.kernel.shape[2] * self.groups)
        x = to_nchw(x, self.data_format)
        padding = 0
        if self.padding == "same":
            x, padding = pad_same(x, self.kernel_size, self.strides, self.dilation_rate)
        weight = self.kernel.permute(3, 2, 0, 1)  # (kh, kw, in, out) → (out, in, kh, kw)
        out = F.conv2d(x, weight, self.bias if self.use_bias else None, stride=self.strides,
                       padding=padding, dilation=self.dilation_rate, groups=self.groups)
        return self.activation(from_nchw(out, self.data_format))

    def compute_output_shape(self, input_shape):
        return spatial_shape(input_shape, self.kernel_size, self.strides, self.padding,
                              self.dilation_rate, self.data_format, self.filters)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}


class Conv2DTranspose(_Conv):
    """Transposed 2-D convolution (the gradient of Conv2D with respect to its input, used to
    upsample): each input pixel adds kernel[:, :, f, c] · x[n, i, j, c] into the output window
    at (i·sh, j·sw). Kernel (kh, kw, filters, in_channels), Keras' layout.

    The output size per axis is Keras': size·stride for 'same', size·stride + max(kernel -
    stride, 0) for 'valid', or (size - 1)·stride + kernel - 2·pad + output_padding when
    ``output_padding`` is given (pad = kernel // 2 for 'same', 0 for 'valid'). Where the full
    transposed result is longer, the crop is TensorFlow's (the extra pixel is dropped at the
    bottom/right), so 'same' is exactly the adjoint of Conv2D's 'same'.
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 output_padding=None, data_format: str | None = None, dilation_rate=(1, 1),
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 name: str | None = None, trainable: bool = True) -> None:
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, name, trainable)
        self.output_padding = None if output_padding is None else pair(
            output_padding, "output_padding", "Conv2DTranspose")
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"Conv2DTranspose: output_padding {self.output_padding} must be "
                             f"smaller than strides {self.strides}")

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        kh, kw = self.kernel_size
        # Keras computes the fans from the kernel's last two axes: (filters, in_channels)
        self._make_weights((kh, kw, self.filters, channels), kh * kw * self.filters,
                           kh * kw * channels)
        self.built = True

    def _length(self, size: int, axis: int) -> int:
        kernel = (self.kernel_size[axis] - 1) * self.dilation_rate[axis] + 1
        stride = self.strides[axis]
        if self.output_padding is None:
            if self.padding == "valid":
                return size * stride + max(kernel - stride, 0)
            return size * stride
        pad = kernel // 2 if self.padding == "same" else 0
        return (size - 1) * stride + kernel - 2 * pad + self.output_padding[axis]

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        self._check_channels(x, self.kernel.shape[3])
        x = to_nchw(x, self.data_format)
        crops, extra, symmetric = [], [], True
        for axis, size in enumerate(x.shape[2:]):
            kernel = (self.kernel_size[axis] - 1) * self.dilation_rate[axis] + 1
            full = (size - 1) * self.strides[axis] + kernel
            length = self._length(size, axis)
            # TensorFlow's crop of what the full result has too much: the odd pixel at the end
            before = max(full - length, 0) // 2 if self.padding == "same" else 0
            grow = max(before + length - full, 0)
            crops.append((before, length))
            extra.append(grow)
            symmetric = symmetric and grow == 0 and 2 * before + length == full
        weight = self.kernel.permute(3, 2, 0, 1)  # (kh, kw, out, in) → (in, out, kh, kw)
        bias = self.bias if self.use_bias else None
        if symmetric:  # the same crop on both sides is exactly PyTorch's padding
            out = F.conv_transpose2d(x, weight, bias, stride=self.strides,
                                     padding=(crops[0][0], crops[1][0]),
                                     dilation=self.dilation_rate)
        else:
            out = F.conv_transpose2d(x, weight, bias, stride=self.strides, padding=0,
                                     output_padding=tuple(extra), dilation=self.dilation_rate)
            (top, height), (left, width) = crops
            out = out[:, :, top:top + height, left:left + width]
        return self.activation(from_nchw(out, self.data_format))

    def compute_output_shape(self, input_shape):
        h_axis, w_axis, c_axis = image_axes(self.data_format)
        shape = list(input_shape)
        for axis, image_axis in enumerate((h_axis, w_axis)):
            size = input_shape[image_axis]
            shape[image_axis] = None if size is None else self._length(size, axis)
        shape[c_axis] = self.filters
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "output_padding": None if self.output_padding is None
                else list(self.output_padding)}



# ----- 1-D, depthwise and separable convolutions -----------------------------------------
class Conv1D(_Conv):
    """1-D convolution over sequences (batch, steps, channels): output[n, t, f] =
    activation(bias[f] + Σ kernel[a, c, f] · x[n, t·s + a·d, c]). Kernel (k, in / groups,
    filters). ``padding='causal'`` pads (k - 1)·d zeros at the start only, so output t sees no
    input after t (WaveNet's convolution).

    Example:
        >>> Conv1D(4, 3, padding="causal")(np.zeros((2, 10, 3), np.float32)).shape
        glassnet.Size([2, 10, 4])
    """

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate=1, groups: int = 1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 name: str | None = None, trainable: bool = True) -> None:
        causal = str(padding).lower() == "causal"
        super().__init__(filters, (_one(kernel_size, "kernel_size"), 1),
                         (_one(strides, "strides"), 1), "valid" if causal else padding,
                         data_format, (_one(dilation_rate, "dilation_rate"), 1), activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, name, trainable)
        if causal:
            self.padding = "causal"
        if int(groups) <= 0 or self.filters % int(groups):
            raise ValueError(f"Conv1D: filters ({self.filters}) must be divisible by groups "
                             f"({groups})")
        self.groups = int(groups)

    def _channel_axis(self) -> int:
        return 2 if self.data_format == CHANNELS_LAST else 1

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[self._channel_axis()] is None:
            raise ShapeError(f"{self.name}: expected a 3-D input (batch, steps, channels) with "
                             f"known channels, got shape {tuple(input_shape)}")
        channels = int(input_shape[self._channel_axis()])
        if channels % self.groups:
            raise ShapeError(f"{self.name}: the input's {channels} channels are not divisible "
                             f"by groups={self.groups}")
        k, per_group = self.kernel_size[0], channels // self.groups
        self._make_weights((k, per_group, self.filters), k * per_group, k * self.filters)
        self.built = True

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if x.ndim != 3 or x.shape[self._channel_axis()] != self.kernel.shape[1] * self.groups:
            raise ShapeError(f"{self.name}: expected inputs (batch, steps, "
                             f"{self.kernel.shape[1] * self.groups}) ({self.data_format}), got "
                             f"shape {tuple(x.shape)}")
        x = x.permute(0, 2, 1) if self.data_format == CHANNELS_LAST else x
        k, stride, dilation = self.kernel_size[0], self.strides[0], self.dilation_rate[0]
        if self.padding == "causal":
            x = F.pad(x, ((k - 1) * dilation, 0))
        elif self.padding == "same":
            x = F.pad(x, same_padding(x.shape[2], k, stride, dilation))
        weight = self.kernel.permute(2, 1, 0)  # (k, in, out) → (out, in, k)
        out = F.conv1d(x, weight, self.bias if self.use_bias else None, stride=stride,
                       dilation=dilation, groups=self.groups)
        out = out.permute(0, 2, 1) if self.data_format == CHANNELS_LAST else out
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        shape, axis = list(input_shape), 1 if self.data_format == CHANNELS_LAST else 2
        padding = "same" if self.padding == "causal" else self.padding
        shape[axis] = output_length(shape[axis], self.kernel_size[0], padding, self.strides[0],
                                    self.dilation_rate[0])
        shape[self._channel_axis()] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        for key in ("kernel_size", "strides", "dilation_rate"):
            config[key] = config[key][:1]
        return {**config, "groups": self.groups}


def _one(value, what: str) -> int:
    values = (value,) if isinstance(value, int) else tuple(value)
    if len(values) != 1 or int(values[0]) <= 0:
        raise ValueError(f"{what} must be a positive int or a 1-tuple, got {value!r}")
    return int(values[0])


class DepthwiseConv2D(_Conv):
    """One kh×kw filter (or ``depth_multiplier`` of them) per input channel, channels never
    mixed: output channel c·m + j = kernel[:, :, c, j] ⋆ x[..., c]. Kernel (kh, kw, in,
    depth_multiplier), bias (in·depth_multiplier,)."""

    def __init__(self, kernel_size, strides=(1, 1), padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None,
                 dilation_rate=(1, 1), activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, name: str | None = None,
                 trainable: bool = True) -> None:
        if int(depth_multiplier) <= 0:
            raise ValueError(f"DepthwiseConv2D: depth_multiplier must be a positive integer, "
                             f"got {depth_multiplier}")
        super().__init__(1, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, depthwise_initializer, bias_initializer,
                         depthwise_regularizer, bias_regularizer, name, trainable)
        self.depth_multiplier = int(depth_multiplier)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        kh, kw = self.kernel_size
        self.filters = channels * self.depth_multiplier
        self._make_weights((kh, kw, channels, self.depth_multiplier), kh * kw * channels,
                           kh * kw * self.depth_multiplier)
        self.built = True

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        self._check_channels(x, self.kernel.shape[2])
        out = depthwise(to_nchw(x, self.data_format), self.kernel, self)
        if self.use_bias:
            out = out + self.bias.reshape(1, -1, 1, 1)
        return self.activation(from_nchw(out, self.data_format))

    def compute_output_shape(self, input_shape):
        channels = input_shape[image_axes(self.data_format)[2]]
        return spatial_shape(input_shape, self.kernel_size, self.strides, self.padding,
                             self.dilation_rate, self.data_format,
                             None if channels is None else channels * self.depth_multiplier)

    def get_config(self):
        config = super().get_config()
        for old, new in (("kernel_initializer", "depthwise_initializer"),
                         ("kernel_regularizer", "depthwise_regularizer")):
            config[new] = config.pop(old)
        config.pop("filters")
        return {**config, "depth_multiplier": self.depth_multiplier}


def depthwise(x: Tensor, kernel: Tensor, layer: _Conv) -> Tensor:
    """NCHW ``x`` convolved channel by channel with a Keras depthwise kernel (kh, kw, in, m):
    a grouped convolution with one group per input channel, weight (in·m, 1, kh, kw)."""
    kh, kw, channels, multiplier = kernel.shape
    padding = 0
    if layer.padding == "same":
        x, padding = pad_same(x, layer.kernel_size, layer.strides, layer.dilation_rate)
    weight = kernel.permute(2, 3, 0, 1).reshape(channels * multiplier, 1, kh, kw)
    return F.conv2d(x, weight, None, stride=layer.strides, padding=padding,
                    dilation=layer.dilation_rate, groups=channels)


class SeparableConv2D(_Conv):
    """A depthwise convolution (one kh×kw filter per input channel, ``depth_multiplier`` each)
    followed by a 1×1 convolution that mixes the channels into ``filters``: far fewer weights
    than Conv2D (Xception, MobileNet). Weights depthwise_kernel (kh, kw, in, m),
    pointwise_kernel (1, 1, in·m, filters), bias (filters,)."""

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate=(1, 1),
                 depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, name: str | None = None,
                 trainable: bool = True) -> None:
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, depthwise_initializer, bias_initializer,
                         depthwise_regularizer, bias_regularizer, name, trainable)
        if int(depth_multiplier) <= 0:
            raise ValueError(f"SeparableConv2D: depth_multiplier must be a positive integer, "
                             f"got {depth_multiplier}")
        self.depth_multiplier = int(depth_multiplier)
        self.pointwise_initializer = pointwise_initializer
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        kh, kw, m = *self.kernel_size, self.depth_multiplier
        self._add_named_weight("depthwise_kernel", initialize(
            self.kernel_initializer, (kh, kw, channels, m), kh * kw * channels, kh * kw * m))
        self._add_named_weight("pointwise_kernel", initialize(
            self.pointwise_initializer, (1, 1, channels * m, self.filters), channels * m,
            self.filters))
        if self.use_bias:
            self._add_named_weight("bias", initialize(self.bias_initializer, (self.filters,),
                                                      channels * m, self.filters))
        self.built = True

    def call(self, x, training=False):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        self._check_channels(x, self.depthwise_kernel.shape[2])
        spread = depthwise(to_nchw(x, self.data_format), self.depthwise_kernel, self)
        mix = self.pointwise_kernel.permute(3, 2, 0, 1)  # (1, 1, in·m, f) → (f, in·m, 1, 1)
        out = F.conv2d(spread, mix, self.bias if self.use_bias else None)
        return self.activation(from_nchw(out, self.data_format))

    def regularization_losses(self):
        losses = []
        if self.kernel_regularizer is not None:
            losses.append(self.kernel_regularizer(self.depthwise_kernel))
        if self.pointwise_regularizer is not None:
            losses.append(self.pointwise_regularizer(self.pointwise_kernel))
        if self.bias_regularizer is not None and self.use_bias:
            losses.append(self.bias_regularizer(self.bias))
        return losses

    def compute_output_shape(self, input_shape):
        return spatial_shape(input_shape, self.kernel_size, self.strides, self.padding,
                             self.dilation_rate, self.data_format, self.filters)

    def get_config(self):
        config = super().get_config()
        for old, new in (("kernel_initializer", "depthwise_initializer"),
                         ("kernel_regularizer", "depthwise_regularizer")):
            config[new] = config.pop(old)
        return {**config, "depth_multiplier": self.depth_multiplier,
                "pointwise_initializer": _name(self.pointwise_initializer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer)}
