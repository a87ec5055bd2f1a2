"""Keras' image preprocessing layers: the augmentations that run only while training
(``RandomFlip``, ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``, ``RandomCrop``,
``RandomContrast``, ``RandomBrightness``) and ``Resizing`` / ``CenterCrop``.

As in Keras 3, an augmentation called on its own (no ``training=``) augments; inside a model
it follows the model (``fit`` augments, ``predict`` does not). Each draws from ``seed`` as
``keras.random`` does. The geometric ones share one affine resampler with Keras' matrices,
bilinear or nearest sampling and its four fill modes; the resizes are Keras' torch backend's
(half-pixel bilinear, or the nearest pixel centre).
"""

from __future__ import annotations

import numpy as np

from ..nn import functional as F
from ..tensor import Tensor
from .conv_layers import check_4d, data_format_of, from_nchw, image_axes, to_nchw
from .image_layers import _RandomLayer, _tensor
from .layers import Layer
from .random import _generator


class _Augmentation(_RandomLayer):
    """An image augmentation: called on its own without ``training=`` it augments, as Keras
    3's preprocessing layers do (their ``training`` defaults to True); inside a model it follows
    the model (``fit`` augments, ``predict`` does not)."""

    def _default_training(self) -> bool:
        return True


class RandomFlip(_Augmentation):
    """While training, flip each image left-right and/or top-bottom, each with probability 1/2
    (mode "horizontal", "vertical" or "horizontal_and_vertical"); in inference, nothing."""

    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode: str = "horizontal_and_vertical", seed=None,
                 data_format: str | None = None, name: str | None = None, **kwargs) -> None:
        super().__init__(seed, name, **kwargs)
        if mode not in self.MODES:
            raise ValueError(f"RandomFlip: mode must be one of {self.MODES}, got {mode!r}")
        self.mode = mode
        self.data_format = data_format_of(data_format, "RandomFlip")

    def call(self, x, training=False):
        x = _tensor(x)
        if not training:
            return x
        batched = x.ndim == 4
        if not batched:
            x = x.unsqueeze(0)
        check_4d(x, self)
        h_axis, w_axis, _ = image_axes(self.data_format)
        for axis, wanted in ((w_axis, "horizontal"), (h_axis, "vertical")):
            if wanted in self.mode:
                flip = self._generator.random(x.shape[0]) < 0.5
                mask = Tensor(flip.reshape(-1, 1, 1, 1).astype(x._data.dtype))
                x = x.flip(axis) * mask + x * (1 - mask)
        return x if batched else x.squeeze(0)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "data_format": self.data_format}


# ----- geometric augmentation: one affine resampler --------------------------------------
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _fill_index(index: np.ndarray, size: int, mode: str):
    """Integer positions outside 0..size-1 mapped back in by ``mode`` (reflect: d c b a | a b
    c d | d c b a; wrap: a b c d | a b c d; nearest: a a | a b c d | d d), and where
    ``constant`` has no pixel (False there)."""
    inside = (index >= 0) & (index < size)
    if mode == "constant":
        return np.clip(index, 0, size - 1), inside
    if mode == "nearest":
        return np.clip(index, 0, size - 1), np.ones_like(inside)
    if mode == "wrap":
        return np.mod(index, size), np.ones_like(inside)
    period = np.mod(index, 2 * size)
    return np.where(period < size, period, 2 * size - 1 - period), np.ones_like(inside)


def affine_resample(images: np.ndarray, matrices: np.ndarray, interpolation: str,
                    fill_mode: str, fill_value: float) -> np.ndarray:
    """Each NHWC image sampled at x_in = a0·x + a1·y + a2, y_in = b0·x + b1·y + b2 for every
    output pixel (x, y) (columns and rows, pixel centres at whole numbers), ``matrices`` (N, 6)
    = (a0, a1, a2, b0, b1, b2); bilinear or nearest, each neighbour taken through
    ``fill_mode``."""
    n, height, width, _ = images.shape
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    a0, a1, a2, b0, b1, b2 = (matrices[:, i, None, None] for i in range(6))
    x_in = a0 * cols + a1 * rows + a2
    y_in = b0 * cols + b1 * rows + b2
    batch = np.arange(n)[:, None, None]

    def pixels(y_index, x_index):
        ys, y_ok = _fill_index(y_index, height, fill_mode)
        xs, x_ok = _fill_index(x_index, width, fill_mode)
        values = images[batch, ys, xs]
        return np.where((y_ok & x_ok)[..., None], values, fill_value)

    if interpolation == "nearest":
        return pixels(np.round(y_in).astype(np.int64), np.round(x_in).astype(np.int64))
    top, left = np.floor(y_in), np.floor(x_in)
    # the weights in the images' dtype, so a float32 batch is blended in float32
    dy = (y_in - top)[..., None].astype(images.dtype)
    dx = (x_in - left)[..., None].astype(images.dtype)
    top, left = top.astype(np.int64), left.astype(np.int64)
    return ((1 - dy) * ((1 - dx) * pixels(top, left) + dx * pixels(top, left + 1))
            + dy * ((1 - dx) * pixels(top + 1, left) + dx * pixels(top + 1, left + 1)))


def _factor_range(factor, what: str, layer: str) -> tuple[float, float]:
    """A float f means (-f, f); a pair is (lower, upper)."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"{layer}: {what} must be a float or a pair, got {factor!r}")
        lower, upper = sorted(float(f) for f in factor)
    else:
        lower, upper = -abs(float(factor)), abs(float(factor))
    return lower, upper


class _AffineLayer(_Augmentation):
    """A random geometric transform while training (one per image); nothing in inference."""

    def __init__(self, fill_mode, interpolation, seed, fill_value, data_format, name,
                 **kwargs) -> None:
        super().__init__(seed, name, **kwargs)
        layer = type(self).__name__
        if fill_mode not in FILL_MODES:
            raise NotImplementedError(f"{layer}: unknown fill_mode {fill_mode!r}; expected one "
                                      f"of {FILL_MODES}")
        if interpolation not in ("bilinear", "nearest"):
            raise NotImplementedError(f"{layer}: unknown interpolation {interpolation!r}; "
                                      f"expected 'bilinear' or 'nearest'")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = float(fill_value)
        self.data_format = data_format_of(data_format, layer)

    def _matrices(self, n: int, height: int, width: int) -> np.ndarray:
        raise NotImplementedError

    def _uniform(self, bounds, n: int) -> np.ndarray:
        lower, upper = bounds
        return self._generator.uniform(lower, upper, n) if upper > lower else np.full(n, lower)

    def call(self, x, training=False):
        x = _tensor(x)
        if not training:
            return x
        batched = x.ndim == 4
        images = x if batched else x.unsqueeze(0)
        check_4d(images, self)
        array = images.detach().numpy()
        if array.dtype.kind != "f":  # integer pixels are blended as float32, as Keras does
            array = array.astype(np.float32)
        if self.data_format != "channels_last":
            array = array.transpose(0, 2, 3, 1)
        n, height, width, _ = array.shape
        out = affine_resample(array, self._matrices(n, height, width),
                              self.interpolation, self.fill_mode, self.fill_value)
        if self.data_format != "channels_last":
            out = out.transpose(0, 3, 1, 2)
        out = Tensor(out.astype(array.dtype, copy=False))
        return out if batched else out.squeeze(0)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value,
                "data_format": self.data_format}


class RandomRotation(_AffineLayer):
    """While training, rotate each image about its centre by an angle drawn from
    ``factor``·2π (a float f: [-f, f]; a pair: [lower, upper]); positive turns
    counter-clockwise. Pixels that come from outside the image follow ``fill_mode``."""

    def __init__(self, factor, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed=None, fill_value: float = 0.0, data_format: str | None = None,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, name,
                         **kwargs)
        self.factor = _factor_range(factor, "factor", "RandomRotation")

    def _matrices(self, n, height, width):
        angle = np.deg2rad(self._uniform((self.factor[0] * 360, self.factor[1] * 360), n))
        cos, sin = np.cos(angle), np.sin(angle)
        cx, cy = (width - 1) / 2, (height - 1) / 2
        return np.stack([cos, -sin, cx - cx * cos + cy * sin,
                         sin, cos, cy - cx * sin - cy * cos], axis=1)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


class RandomZoom(_AffineLayer):
    """While training, zoom each image about its centre by 1 + a factor drawn from
    ``height_factor`` (and ``width_factor``, else the same draw): positive zooms out,
    negative in."""

    def __init__(self, height_factor, width_factor=None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed=None, fill_value: float = 0.0,
                 data_format: str | None = None, name: str | None = None, **kwargs) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, name,
                         **kwargs)
        self.height_factor = _factor_range(height_factor, "height_factor", "RandomZoom")
        self.width_factor = None if width_factor is None else _factor_range(
            width_factor, "width_factor", "RandomZoom")

    def _matrices(self, n, height, width):
        zoom_y = 1 + self._uniform(self.height_factor, n)
        zoom_x = zoom_y if self.width_factor is None else 1 + self._uniform(self.width_factor, n)
        zero = np.zeros(n)
        return np.stack([zoom_x, zero, (width - 1) / 2 * (1 - zoom_x),
                         zero, zoom_y, (height - 1) / 2 * (1 - zoom_y)], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": list(self.height_factor),
                "width_factor": None if self.width_factor is None else list(self.width_factor)}


class RandomTranslation(_AffineLayer):
    """While training, shift each image by a fraction of its height and width drawn from
    ``height_factor`` and ``width_factor`` (positive moves it down / right)."""

    def __init__(self, height_factor, width_factor, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed=None, fill_value: float = 0.0,
                 data_format: str | None = None, name: str | None = None, **kwargs) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, name,
                         **kwargs)
        self.height_factor = _factor_range(height_factor, "height_factor", "RandomTranslation")
        self.width_factor = _factor_range(width_factor, "width_factor", "RandomTranslation")

    def _matrices(self, n, height, width):
        dy = self._uniform(self.height_factor, n) * height
        dx = self._uniform(self.width_factor, n) * width
        one, zero = np.ones(n), np.zeros(n)
        return np.stack([one, zero, -dx, zero, one, -dy], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": list(self.height_factor),
                "width_factor": list(self.width_factor)}




# ----- resizing, cropping, and the colour augmentations ----------------------------------
def _aspect_crop(size: int, other: int, target: int, target_other: int) -> tuple[int, int]:
    """(start, length) along one axis of the centred window with the target's aspect ratio."""
    length = max(min(size, int(float(other * target) / target_other)), 1)
    return int(float(size - length) / 2), length


def resize(images: Tensor, height: int, width: int, interpolation: str, data_format: str,
           crop_to_aspect_ratio: bool = False) -> Tensor:
    """Images (batched or not) resized to (height, width) as Keras' torch backend does:
    bilinear with half-pixel centres, or the nearest pixel centre ("nearest"); first cropped to
    the target's aspect ratio, centred, when asked."""
    batched = images.ndim == 4
    x = to_nchw(images if batched else images.unsqueeze(0), data_format)
    if crop_to_aspect_ratio:
        top, rows = _aspect_crop(x.shape[2], x.shape[3], height, width)
        left, cols = _aspect_crop(x.shape[3], x.shape[2], width, height)
        x = x[:, :, top:top + rows, left:left + cols]
    if interpolation == "bilinear":
        x = F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False)
    else:
        x = F.interpolate(x, size=(height, width), mode="nearest-exact")
    out = from_nchw(x, data_format)
    return out if batched else out.squeeze(0)


class _SizedLayer(Layer):
    """A layer whose output images are height × width."""

    def __init__(self, height: int, width: int, data_format, name, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.height, self.width = int(height), int(width)
        self.data_format = data_format_of(data_format, type(self).__name__)

    def _axes(self, ndim: int) -> tuple[int, int]:
        h_axis, w_axis, _ = image_axes(self.data_format)
        return (h_axis, w_axis) if ndim == 4 else (h_axis - 1, w_axis - 1)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis = self._axes(len(shape))
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "data_format": self.data_format}


class Resizing(_SizedLayer):
    """Resize images to (height, width): "bilinear" (half-pixel centres, no antialiasing) or
    "nearest"; ``crop_to_aspect_ratio`` first crops the centred window of the target's aspect
    ratio, so nothing is stretched."""

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format: str | None = None, name: str | None = None, **kwargs) -> None:
        super().__init__(height, width, data_format, name, **kwargs)
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resizing: interpolation must be 'bilinear' or 'nearest' here, "
                             f"got {interpolation!r}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: pass only one of crop_to_aspect_ratio and "
                             "pad_to_aspect_ratio")
        if fill_mode != "constant" or antialias:
            raise ValueError(f"Resizing: only fill_mode='constant' and antialias=False are "
                             f"supported, got fill_mode={fill_mode!r}, antialias={antialias!r}")
        self.interpolation, self.crop_to_aspect_ratio = interpolation, bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio, self.fill_value = bool(pad_to_aspect_ratio), float(fill_value)

    def call(self, x, training=False):
        x = _tensor(x)
        if self.pad_to_aspect_ratio:
            x = self._padded(x)
        return resize(x, self.height, self.width, self.interpolation, self.data_format,
                      self.crop_to_aspect_ratio)

    def _padded(self, x: Tensor) -> Tensor:
        """``fill_value`` on both sides (the same amount) up to the target's aspect ratio."""
        h_axis, w_axis = self._axes(x.ndim)
        height, width = x.shape[h_axis], x.shape[w_axis]
        rows = int(float(max(height, int(float(width * self.height) / self.width)) - height) / 2)
        cols = int(float(max(width, int(float(height * self.width) / self.height)) - width) / 2)
        widths = [0] * (2 * x.ndim)
        for axis, extra in ((h_axis, rows), (w_axis, cols)):
            widths[2 * (x.ndim - 1 - axis)] = widths[2 * (x.ndim - 1 - axis) + 1] = extra
        return F.pad(x, tuple(widths), value=self.fill_value) if rows or cols else x

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": "constant",
                "fill_value": self.fill_value, "antialias": False}


class CenterCrop(_SizedLayer):
    """The centred height × width window of each image; an image smaller than that is cropped
    to the target's aspect ratio and resized instead (Keras' smart resize)."""

    def __init__(self, height: int, width: int, data_format: str | None = None,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(height, width, data_format, name, **kwargs)

    def call(self, x, training=False):
        x = _tensor(x)
        h_axis, w_axis = self._axes(x.ndim)
        height, width = x.shape[h_axis], x.shape[w_axis]
        if height < self.height or width < self.width:
            return resize(x, self.height, self.width, "bilinear", self.data_format, True)
        index = [slice(None)] * x.ndim
        top, left = (height - self.height) // 2, (width - self.width) // 2
        index[h_axis] = slice(top, top + self.height)
        index[w_axis] = slice(left, left + self.width)
        return x[tuple(index)]


class RandomCrop(_SizedLayer, _Augmentation):
    """While training, one random height × width window of the batch (the same offset for
    every image, as Keras); in inference, or for images smaller than that, the centred window
    of the target's aspect ratio resized to height × width, as Keras documents it (Keras 3.15
    itself returns the input unchanged in inference, so a model's predict then sees another
    image size than its fit did)."""

    def __init__(self, height: int, width: int, seed=None, data_format: str | None = None,
                 name: str | None = None, **kwargs) -> None:
        _SizedLayer.__init__(self, height, width, data_format, name, **kwargs)
        self.seed = seed
        self._stream = None if seed is None else _generator(seed)

    def call(self, x, training=False):
        x = _tensor(x)
        h_axis, w_axis = self._axes(x.ndim)
        height, width = x.shape[h_axis], x.shape[w_axis]
        if not (training and height > self.height and width > self.width):
            return resize(x, self.height, self.width, "bilinear", self.data_format, True)
        top = int(self._generator.integers(0, height - self.height + 1))
        left = int(self._generator.integers(0, width - self.width + 1))
        index = [slice(None)] * x.ndim
        index[h_axis] = slice(top, top + self.height)
        index[w_axis] = slice(left, left + self.width)
        return x[tuple(index)]

    def get_config(self):
        return {**_SizedLayer.get_config(self), "seed": self.seed if isinstance(self.seed, int)
                else None}


class RandomContrast(_Augmentation):
    """While training, scale each image's deviations from its own mean (per channel) by a
    factor drawn from [1 - lower, 1 + upper], then clip to ``value_range``. As in Keras 3 a
    float f gives (lower, upper) = (0, f), so the contrast only grows; (-a, a) fixes it at
    1 + a."""

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format: str | None = None,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(seed, name, **kwargs)
        self.factor = _bounded_factor(factor, (0.0, 1.0), "RandomContrast")
        self.value_range = tuple(value_range)
        self.data_format = data_format_of(data_format, "RandomContrast")

    def call(self, x, training=False):
        x = _tensor(x)
        if not training:
            return x
        shape = (x.shape[0], 1, 1, 1) if x.ndim == 4 else (1, 1, 1)
        factor = self._generator.uniform(1 - self.factor[0], 1 + self.factor[1], shape)
        image_dims = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        mean = x.mean(dim=image_dims, keepdim=True)
        out = (x - mean) * Tensor(factor.astype(x._data.dtype)) + mean
        return out.clamp(*self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range), "data_format": self.data_format}


class RandomBrightness(_Augmentation):
    """While training, add to each image one offset drawn from ``factor`` (a float f: [-f,
    f]) times the width of ``value_range``, then clip to it."""

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format: str | None = None,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(seed, name, **kwargs)
        self.factor = _bounded_factor(factor, (-1.0, 1.0), "RandomBrightness")
        self.value_range = tuple(value_range)
        self.data_format = data_format_of(data_format, "RandomBrightness")

    def call(self, x, training=False):
        x = _tensor(x)
        if not training:
            return x
        shape = (x.shape[0], 1, 1, 1) if x.ndim == 4 else (1, 1, 1)
        span = self.value_range[1] - self.value_range[0]
        delta = self._generator.uniform(self.factor[0], self.factor[1], shape) * span
        return (x + Tensor(delta.astype(x._data.dtype))).clamp(*self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range), "data_format": self.data_format}


def _bounded_factor(factor, bounds: tuple[float, float], layer: str) -> tuple[float, float]:
    """Keras' factor rule: a pair is sorted; a number f is (max(-|f|, low), |f|)."""
    message = (f"{layer}: factor must be a number or a pair of numbers in [{bounds[0]}, "
               f"{bounds[1]}], got {factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        lower, upper = sorted(float(f) for f in factor)
        return lower, upper
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not (
            bounds[0] <= factor <= bounds[1]):
        raise ValueError(message)
    return max(-abs(float(factor)), bounds[0]), abs(float(factor))


__all__ = ["CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip",
           "RandomRotation", "RandomTranslation", "RandomZoom", "Resizing"]
