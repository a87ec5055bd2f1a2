"""torchvision's image utilities: ``make_grid`` (a batch as one picture) and ``save_image``."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from ._image import pil_image_module

__all__ = ["make_grid", "save_image"]


def _as_batch(tensor) -> np.ndarray:
    """N x C x H x W values from a tensor (B x C x H x W, C x H x W or H x W) or a list of
    C x H x W tensors; one channel is repeated into three, as torchvision does."""
    if isinstance(tensor, (list, tuple)):
        array = np.stack([t._data if isinstance(t, Tensor) else np.asarray(t) for t in tensor])
    elif isinstance(tensor, Tensor):
        array = tensor._data
    else:
        raise TypeError(f"make_grid: expected a tensor or a list of tensors, got "
                        f"{type(tensor).__name__}")
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4:
        raise ShapeError(f"make_grid: expected images shaped (B, C, H, W), (C, H, W) or (H, W), "
                         f"got {array.shape}")
    if array.shape[1] == 1:
        array = np.repeat(array, 3, axis=1)
    return array


def _normalize(images: np.ndarray, value_range, scale_each: bool) -> np.ndarray:
    """Clamp to [low, high] (the given range, else each tensor's or image's min and max) and
    map that range onto [0, 1]."""
    if value_range is not None and not isinstance(value_range, tuple):
        raise TypeError(f"make_grid: value_range has to be a tuple (min, max), got "
                        f"{value_range!r}")
    images = images.astype(np.result_type(images.dtype, np.float32))

    def rescale(part):
        low, high = value_range if value_range is not None else (float(part.min()),
                                                                float(part.max()))
        np.clip(part, low, high, out=part)
        part -= low
        part /= max(high - low, 1e-5)

    for part in (images if scale_each else [images]):
        rescale(part)
    return images


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a batch of images into one C x H' x W' image, ``nrow`` images a row, with
    ``padding`` pixels of ``pad_value`` around each.

    Args:
        tensor: B x C x H x W (or C x H x W, H x W, or a list of C x H x W tensors).
        nrow: images per row.
        padding: pixels between images and around the border.
        normalize: map values to [0, 1] by ``value_range`` (default: the min and max).
        value_range: (min, max) for ``normalize``; values outside are clamped.
        scale_each: with ``normalize``, use each image's own min and max.
        pad_value: the value of the padding.

    Example:
        >>> import glassnet
        >>> from glassnet.vision.utils import make_grid
        >>> make_grid(glassnet.zeros(10, 1, 28, 28), nrow=5).shape
        glassnet.Size([3, 62, 152])
    """
    images = _as_batch(tensor)
    if normalize:
        images = _normalize(images, value_range, scale_each)
    if images.shape[0] == 1:
        return Tensor._make(images[0].copy())
    count, channels, height, width = images.shape
    columns = min(nrow, count)
    rows = int(math.ceil(count / columns))
    cell_h, cell_w = height + padding, width + padding
    grid = np.full((channels, cell_h * rows + padding, cell_w * columns + padding), pad_value,
                   dtype=images.dtype)
    for k in range(count):
        y, x = divmod(k, columns)
        top, left = y * cell_h + padding, x * cell_w + padding
        grid[:, top:top + height, left:left + width] = images[k]
    return Tensor._make(grid)


def save_image(tensor, fp, format: str | None = None, nrow: int = 8,  # noqa: A002
               padding: int = 2, normalize: bool = False,
               value_range: tuple[float, float] | None = None, scale_each: bool = False,
               pad_value: float = 0.0) -> None:
    """Save a tensor (or a batch, tiled by ``make_grid`` with the same options) as an image
    file; values in [0, 1] map to 0..255 (rounded, clamped). Needs Pillow.

    Args:
        tensor: what ``make_grid`` takes.
        fp: a file name or a binary file object.
        format: the image format (``'png'``...) when ``fp`` has no file extension.
    """
    image_module = pil_image_module()
    if image_module is None:
        raise ImportError("save_image needs Pillow to write image files; install it with "
                          "`pip install pillow` (or `pip install glassnet[viz]`)")
    grid = make_grid(tensor, nrow=nrow, padding=padding, normalize=normalize,
                     value_range=value_range, scale_each=scale_each, pad_value=pad_value)
    values = np.clip(grid._data * 255 + 0.5, 0, 255).astype(np.uint8)
    image_module.fromarray(np.ascontiguousarray(values.transpose(1, 2, 0))).save(fp,
                                                                                 format=format)
