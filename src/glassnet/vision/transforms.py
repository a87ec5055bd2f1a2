"""Image transforms, torchvision's: ``Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])``.

An image comes in one of three forms and leaves in the same form (except ``ToTensor`` and
``PILToTensor``, which make a tensor):

- a PIL image (what the datasets give when Pillow is installed); PIL does the work where
  torchvision lets PIL do it (resizing, grey conversion);
- a NumPy array, H x W or H x W x C (what the datasets give without Pillow);
- a glassnet tensor, C x H x W (or N x C x H x W), after ``ToTensor``.

Transforms work on the raw values, outside autograd, as a data pipeline does. Random ones draw
from glassnet's global generator, so ``glassnet.manual_seed`` repeats them. ``ToTensor`` and
``Normalize`` also have a ``batch`` form the datasets use to convert a whole batch at once, with
results identical to converting item by item.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from enum import Enum

import numpy as np

from ..errors import ShapeError
from ..random import rng
from ..tensor import Tensor
from . import _image as image_ops

__all__ = ["CenterCrop", "Compose", "Grayscale", "InterpolationMode", "Lambda", "Normalize",
           "PILToTensor", "RandomCrop", "RandomHorizontalFlip", "Resize", "ToTensor"]


class InterpolationMode(Enum):
    """How ``Resize`` computes new pixels (bilinear is the one glassnet implements)."""

    BILINEAR = "bilinear"


class Compose:
    """Apply transforms one after another: ``Compose([t1, t2])(img) == t2(t1(img))``."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img):
        for transform in self.transforms:
            img = transform(img)
        return img

    def batch(self, images: np.ndarray) -> Tensor | None:
        """All transforms over a stacked uint8 batch (N, H, W[, C]) at once, or None when some
        transform is random or has no batch form (then the caller goes item by item)."""
        if not self.transforms or not all(hasattr(t, "batch") for t in self.transforms):
            return None
        result = images
        for transform in self.transforms:
            result = transform.batch(result)
            if result is None:
                return None
        return result if isinstance(result, Tensor) else None

    def __repr__(self) -> str:
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class ToTensor:
    """PIL image or H x W x C array → C x H x W float32 tensor; uint8 values are divided by
    255 (into [0, 1]), other dtypes are kept as they are. An H x W array becomes 1 x H x W."""

    def __call__(self, pic) -> Tensor:
        array = image_ops.to_array(pic, "ToTensor")
        if array.ndim == 2:
            array = array[:, :, None]
        chw = array.transpose(2, 0, 1)
        if array.dtype == np.uint8:
            return Tensor._make(np.divide(chw, np.float32(255), dtype=np.float32))
        return Tensor._make(np.ascontiguousarray(chw))

    def batch(self, images: np.ndarray) -> Tensor | None:
        if images.dtype != np.uint8:
            return None
        nhwc = images[..., None] if images.ndim == 3 else images
        return Tensor._make(np.divide(nhwc.transpose(0, 3, 1, 2), np.float32(255),
                                      dtype=np.float32))

    def __repr__(self) -> str:
        return "ToTensor()"


class PILToTensor:
    """PIL image or H x W x C array → C x H x W tensor of the same dtype (no scaling)."""

    def __call__(self, pic) -> Tensor:
        array = image_ops.to_array(pic, "PILToTensor")
        if array.ndim == 2:
            array = array[:, :, None]
        return Tensor._make(array.transpose(2, 0, 1).copy())  # PIL's buffer is read-only

    def __repr__(self) -> str:
        return "PILToTensor()"


class Normalize:
    """(x - mean) / std for each channel of a float tensor (C x H x W or N x C x H x W).

    Args:
        mean, std: one number per channel (or one for all).
        inplace: change the tensor's values instead of making a new tensor.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
        self.mean, self.std, self.inplace = mean, std, inplace
        self._cache: dict = {}

    def _statistics(self, dtype, channels: int):
        key = (dtype, channels, tuple(np.ravel(self.mean)), tuple(np.ravel(self.std)))
        if key not in self._cache:  # checked and converted once per dtype, not once per image
            self._cache = {key: self._convert(dtype, channels)}
        return self._cache[key]

    def _convert(self, dtype, channels: int):
        mean = np.asarray(self.mean, dtype=dtype).reshape(-1)
        std = np.asarray(self.std, dtype=dtype).reshape(-1)
        if np.any(std == 0):
            raise ValueError(f"Normalize: std {self.std} has a zero, which would divide by "
                             f"zero; pass std values > 0")
        for name, values in (("mean", mean), ("std", std)):
            if values.size not in (1, channels):
                raise ShapeError(f"Normalize: {name} has {values.size} values but the image has "
                                 f"{channels} channels; pass one value per channel")
        return mean[:, None, None], std[:, None, None]

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Normalize: expected a tensor image (C x H x W), got "
                            f"{type(tensor).__name__}; put ToTensor() before Normalize")
        data = tensor._data
        if data.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float tensor, got {tensor.dtype}; use "
                            f"ToTensor() (or .float()) first")
        if data.ndim < 3:
            raise ShapeError(f"Normalize: expected a C x H x W tensor, got shape "
                             f"{tuple(data.shape)}")
        mean, std = self._statistics(data.dtype, data.shape[-3])
        if self.inplace:
            data -= mean
            data /= std
            return tensor
        return Tensor._make((data - mean) / std)

    def batch(self, images: Tensor) -> Tensor | None:
        if not isinstance(images, Tensor) or images._data.dtype.kind != "f":
            return None
        data = images._data
        mean, std = self._statistics(data.dtype, data.shape[-3])
        data -= mean  # the batch is a fresh tensor from ToTensor.batch: safe to reuse
        data /= std
        return images

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


def _pair(size, name: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"{name}: size should be an int or a sequence (h, w), got {size!r}")


class RandomCrop:
    """Cut a random ``size`` window out of the image, after optional padding.

    Args:
        size: int (square) or (h, w).
        padding: int (all sides), (left/right, top/bottom) or (left, top, right, bottom).
        pad_if_needed: pad images smaller than ``size`` instead of raising.
        fill: the value of constant padding.
        padding_mode: 'constant', 'edge', 'reflect' or 'symmetric'.
    """

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant") -> None:
        if padding_mode not in image_ops.PADDING_MODES:
            raise ValueError(f"RandomCrop: padding_mode should be one of "
                             f"{', '.join(image_ops.PADDING_MODES)}, got {padding_mode!r}")
        self.size = _pair(size, "RandomCrop")
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    def __call__(self, img):
        if self.padding is not None:
            img = image_ops.pad(img, image_ops.padding_sides(self.padding), self.fill,
                                self.padding_mode)
        height, width = image_ops.size(img)
        crop_h, crop_w = self.size
        if self.pad_if_needed and (height < crop_h or width < crop_w):
            extra_w, extra_h = max(crop_w - width, 0), max(crop_h - height, 0)
            img = image_ops.pad(img, (extra_w, extra_h, extra_w, extra_h), self.fill,
                                self.padding_mode)
            height, width = image_ops.size(img)
        if height < crop_h or width < crop_w:
            raise ShapeError(f"RandomCrop: crop size {(crop_h, crop_w)} is larger than the "
                             f"image {(height, width)}; pass padding= or pad_if_needed=True")
        top = int(rng().integers(0, height - crop_h + 1))
        left = int(rng().integers(0, width - crop_w + 1))
        return image_ops.crop(img, top, left, crop_h, crop_w)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img):
        if rng().random() < self.p:
            return image_ops.hflip(img)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class CenterCrop:
    """Cut the central ``size`` window (padding with zeros first if the image is smaller)."""

    def __init__(self, size) -> None:
        self.size = _pair(size, "CenterCrop")

    def __call__(self, img):
        height, width = image_ops.size(img)
        crop_h, crop_w = self.size
        if crop_h > height or crop_w > width:
            sides = ((crop_w - width) // 2 if crop_w > width else 0,
                     (crop_h - height) // 2 if crop_h > height else 0,
                     (crop_w - width + 1) // 2 if crop_w > width else 0,
                     (crop_h - height + 1) // 2 if crop_h > height else 0)
            img = image_ops.pad(img, sides, 0, "constant")
            height, width = image_ops.size(img)
        top = int(round((height - crop_h) / 2.0))
        left = int(round((width - crop_w) / 2.0))
        return image_ops.crop(img, top, left, crop_h, crop_w)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class Resize:
    """Resize with bilinear interpolation: an int makes the shorter side that long (keeping the
    aspect ratio), (h, w) sets both. Downsizing averages over the covered pixels
    (``antialias=True``, as PIL and torchvision do).

    Args:
        size: int or (h, w).
        interpolation: ``InterpolationMode.BILINEAR`` (or 'bilinear').
        max_size: with an int ``size``, the longest the longer side may become.
        antialias: average over the covered pixels when shrinking (PIL always does).
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias: bool = True) -> None:
        try:
            self.interpolation = InterpolationMode(getattr(interpolation, "value",
                                                           interpolation))
        except ValueError:
            raise ValueError(f"Resize: interpolation {interpolation!r} is not implemented; "
                             f"glassnet resizes with InterpolationMode.BILINEAR") from None
        if not isinstance(size, (numbers.Number, Sequence)) or \
                isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError(f"Resize: size should be an int or a sequence (h, w), got {size!r}")
        if max_size is not None and not (isinstance(size, numbers.Number) or len(size) == 1):
            raise ValueError(f"Resize: max_size is only allowed with a single size (the shorter "
                             f"side), got size={size!r}")
        self.size, self.max_size, self.antialias = size, max_size, antialias

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        if isinstance(self.size, Sequence) and len(self.size) == 2:
            return int(self.size[0]), int(self.size[1])
        short_target = int(self.size if isinstance(self.size, numbers.Number) else self.size[0])
        short, long = min(height, width), max(height, width)
        new_short, new_long = short_target, int(short_target * long / short)
        if self.max_size is not None and new_long > self.max_size:
            new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_short, new_long) if height <= width else (new_long, new_short)

    def __call__(self, img):
        height, width = image_ops.size(img)
        return image_ops.resize(img, self.output_size(height, width), self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, interpolation="
                f"{self.interpolation.value}, max_size={self.max_size}, "
                f"antialias={self.antialias})")


class Grayscale:
    """Colour → grey by ITU-R 601-2 luma, L = 0.299 R + 0.587 G + 0.114 B (as PIL's
    ``convert('L')``); ``num_output_channels=3`` repeats it into three equal channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels should be 1 or 3, got "
                             f"{num_output_channels}")
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return image_ops.grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


class Lambda:
    """Any function as a transform: ``Lambda(lambda x: x.flatten())``."""

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: expected a callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
