"""The image operations behind the transforms, for each form an image can take.

A PIL image, an H x W (x C) NumPy array, or a (..., C, H, W) glassnet tensor: each function
returns the same form it was given. PIL images use PIL's own methods where torchvision does;
arrays and tensors share one NumPy implementation (spatial axes 0, 1 for arrays, -2, -1 for
tensors).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor

PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def pil_image_module():
    """``PIL.Image``, or None when Pillow is not installed (it is optional)."""
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def is_pil(img) -> bool:
    image = pil_image_module()
    return image is not None and isinstance(img, image.Image)


def to_array(pic, who: str) -> np.ndarray:
    """A PIL image or an array as an H x W or H x W x C array (no copy when possible)."""
    if is_pil(pic):
        array = np.asarray(pic)
        return array.astype(np.uint8) * 255 if pic.mode == "1" else array
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ShapeError(f"{who}: expected an H x W or H x W x C array, got shape "
                             f"{pic.shape}")
        return pic
    raise TypeError(f"{who}: expected a PIL image or a NumPy array (H x W x C), got "
                    f"{type(pic).__name__}" + ("; it is already a tensor, so drop " + who
                                              if isinstance(pic, Tensor) else ""))


def _check_kind(img, who: str) -> None:
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ShapeError(f"{who}: expected a (C x) H x W tensor image, got shape "
                             f"{tuple(img.shape)}")
    elif not (isinstance(img, np.ndarray) or is_pil(img)):
        raise TypeError(f"{who}: expected a PIL image, a NumPy array or a tensor, got "
                        f"{type(img).__name__}")


def _spatial(img) -> tuple[np.ndarray, int]:
    """The values and the index of the height axis (width follows it)."""
    if isinstance(img, Tensor):
        return img._data, img._data.ndim - 2
    return (np.asarray(img), 0)


def _rebuild(img, array: np.ndarray):
    if isinstance(img, Tensor):
        return Tensor._make(array)
    if is_pil(img):
        return pil_image_module().fromarray(np.ascontiguousarray(array))
    return array


def size(img) -> tuple[int, int]:
    """(height, width)."""
    _check_kind(img, "transform")
    if is_pil(img):
        return img.height, img.width
    array, axis = _spatial(img)
    return array.shape[axis], array.shape[axis + 1]


def padding_sides(padding) -> tuple[int, int, int, int]:
    """torchvision's padding forms as (left, top, right, bottom)."""
    if isinstance(padding, int):
        return padding, padding, padding, padding
    padding = tuple(int(p) for p in padding)
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return padding
    raise ValueError(f"padding should be an int or a sequence of 1, 2 or 4 ints, got {padding}")


def pad(img, sides: tuple[int, int, int, int], fill, mode: str):
    """Pad (left, top, right, bottom) pixels; ``fill`` is a number or one per channel."""
    left, top, right, bottom = sides
    array, axis = _spatial(img)
    widths = [(0, 0)] * array.ndim
    widths[axis], widths[axis + 1] = (top, bottom), (left, right)
    if mode != "constant":
        return _rebuild(img, np.pad(array, widths, mode=mode))
    shape = list(array.shape)
    shape[axis] += top + bottom
    shape[axis + 1] += left + right
    out = np.empty(shape, dtype=array.dtype)
    fill = np.asarray(fill, dtype=array.dtype)
    if fill.ndim and axis == array.ndim - 2:  # tensor: one value per channel, channels first
        fill = fill.reshape(-1, 1, 1)
    out[...] = fill
    window = [slice(None)] * array.ndim
    window[axis] = slice(top, top + array.shape[axis])
    window[axis + 1] = slice(left, left + array.shape[axis + 1])
    out[tuple(window)] = array
    return _rebuild(img, out)


def crop(img, top: int, left: int, height: int, width: int):
    if is_pil(img):
        return img.crop((left, top, left + width, top + height))
    array, axis = _spatial(img)
    window = [slice(None)] * array.ndim
    window[axis], window[axis + 1] = slice(top, top + height), slice(left, left + width)
    return _rebuild(img, np.ascontiguousarray(array[tuple(window)]))


def hflip(img):
    if is_pil(img):
        return img.transpose(pil_image_module().Transpose.FLIP_LEFT_RIGHT)
    array, axis = _spatial(img)
    return _rebuild(img, np.flip(array, axis + 1).copy())


def bilinear_weights(size_in: int, size_out: int, antialias: bool) -> np.ndarray:
    """The (size_out, size_in) matrix of PIL's bilinear resampling along one axis.

    Output pixel i is centred at c = (i + ½)·s in input coordinates (s = size_in/size_out);
    input pixel j gets the triangle weight max(0, 1 - |j + ½ - c|/f), normalised to sum to 1,
    where f = max(s, 1) when shrinking with antialiasing (every covered pixel counts) and 1
    otherwise (plain bilinear, align_corners=False, edges clamped).
    """
    scale = size_in / size_out
    support = max(scale, 1.0) if antialias else 1.0
    centers = (np.arange(size_out) + 0.5) * scale
    distance = (np.arange(size_in)[None, :] + 0.5 - centers[:, None]) / support
    weights = np.clip(1.0 - np.abs(distance), 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def resize(img, output: tuple[int, int], antialias: bool):
    """Bilinear resize to (height, width)."""
    height, width = output
    if is_pil(img):
        image = pil_image_module()
        return img.resize((width, height), image.Resampling.BILINEAR)
    array, axis = _spatial(img)
    compute = array.dtype if array.dtype.kind == "f" else np.float32
    rows = bilinear_weights(array.shape[axis], height, antialias).astype(compute)
    cols = bilinear_weights(array.shape[axis + 1], width, antialias).astype(compute)
    planes = array if axis == array.ndim - 2 else np.moveaxis(array, (0, 1), (-2, -1))
    out = rows @ planes.astype(compute, copy=False) @ cols.T
    if axis != array.ndim - 2:
        out = np.moveaxis(out, (-2, -1), (0, 1))
    if array.dtype.kind != "f":
        info = np.iinfo(array.dtype)
        out = np.clip(np.floor(out + 0.5), info.min, info.max)
    return _rebuild(img, np.ascontiguousarray(out.astype(array.dtype, copy=False)))


def grayscale(img, channels: int):
    """ITU-R 601-2 luma. PIL images and uint8 arrays use PIL's integer rule,
    L = (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16; float arrays and tensors use torchvision's
    0.2989 R + 0.587 G + 0.114 B."""
    if is_pil(img):
        grey = img.convert("L")
        if channels == 3:
            return pil_image_module().merge("RGB", (grey, grey, grey))
        return grey
    array, axis = _spatial(img)
    channel_axis = axis - 1 if isinstance(img, Tensor) else 2
    count = array.shape[channel_axis] if array.ndim > 2 else 1
    if count not in (1, 3):
        raise ShapeError(f"Grayscale: expected an image with 1 or 3 channels, got {count} "
                         f"(shape {array.shape})")
    if array.ndim == 2:
        array, channel_axis = array[:, :, None], 2
    if count == 1:
        grey = array.copy()
    else:
        r, g, b = (np.take(array, [k], axis=channel_axis) for k in range(3))
        if array.dtype == np.uint8 and not isinstance(img, Tensor):
            wide = [c.astype(np.uint32) for c in (r, g, b)]
            grey = ((wide[0] * 19595 + wide[1] * 38470 + wide[2] * 7471 + 0x8000) >> 16)
        else:
            grey = 0.2989 * r + 0.587 * g + 0.114 * b
        grey = grey.astype(array.dtype)
    if channels == 3:
        grey = np.repeat(grey, 3, axis=channel_axis)
    elif not isinstance(img, Tensor):
        grey = grey[:, :, 0]  # H x W, as PIL's 'L' images read back
    return _rebuild(img, grey)
