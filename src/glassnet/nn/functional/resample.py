"""Padding and resizing as functions (PyTorch's F.pad and F.interpolate)."""

from __future__ import annotations

import math

import numpy as np

from ...errors import ShapeError
from ...ops import resample as R
from ...ops.methods import _t
from .pooling import adaptive_avg_pool2d

PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode: str = "constant", value: float | None = None):
    """Pad the last dims: ``pad`` lists (left, right) for the last dim, then (top, bottom) for
    the one before, and so on, as in PyTorch.

    Modes: 'constant' (fill with ``value``, default 0; negative widths crop), 'reflect' (mirror
    without repeating the edge), 'replicate' (repeat the edge), 'circular' (wrap around).
    Example: ``F.pad(glassnet.ones(1, 1, 2, 2), (1, 1, 1, 1)).shape == (1, 1, 4, 4)``
    """
    x = _t(input)
    widths = tuple(int(p) for p in pad)
    if len(widths) % 2 or len(widths) > 2 * x.ndim:
        raise ValueError(
            f"pad: expected an even number of widths, two per padded dim and at most "
            f"{2 * x.ndim} for a {x.ndim}-d input, got {tuple(pad)}; write (left, right, top, "
            f"bottom, ...) starting from the last dim"
        )
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode must be one of {PAD_MODES}, got {mode!r}")
    if mode == "constant":
        sizes = [n + a + b for n, a, b in _pairs(x.shape, widths)]
        if min(sizes, default=1) < 1:
            raise ShapeError(f"pad: widths {widths} would leave input {tuple(x.shape)} with a "
                             f"non-positive size {tuple(sizes)}; crop less")
        return R.ConstantPad.apply(x, widths, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise ValueError(f"pad: mode {mode!r} does not take a fill value, got value={value}; "
                         f"use mode='constant' to fill")
    _check_border_pad(x, widths, mode)
    return R.BorderPad.apply(x, widths, mode)


def _pairs(shape, widths):
    return [(shape[len(shape) - 1 - i], widths[2 * i], widths[2 * i + 1])
            for i in range(len(widths) // 2)]


def _check_border_pad(x, widths, mode):
    dims = len(widths) // 2
    if x.ndim not in (dims + 1, dims + 2):
        raise ShapeError(
            f"pad: mode {mode!r} with {len(widths)} widths pads {dims} dims and expects a "
            f"{dims + 1}-d (unbatched) or {dims + 2}-d (batched) input, got shape "
            f"{tuple(x.shape)}"
        )
    for size, before, after in _pairs(x.shape, widths):
        if min(before, after) < 0:
            raise ValueError(f"pad: mode {mode!r} needs non-negative widths, got {widths}")
        limit = size - 1 if mode == "reflect" else size
        if mode != "replicate" and max(before, after) > limit:
            raise ShapeError(
                f"pad: mode {mode!r} can pad a dim of size {size} by at most {limit} per side, "
                f"got widths {widths} for input {tuple(x.shape)}; pad less or use 'replicate'"
            )


INTERPOLATE_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "area")


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False):
    """Resize the spatial dims of (N, C, L) or (N, C, H, W) to ``size`` or by ``scale_factor``.

    Modes: 'nearest' (copy the input at ⌊i / scale⌋), 'nearest-exact' (⌊(i + ½) / scale⌋),
    'linear' (3-d input) and 'bilinear' (4-d) blending the two nearest inputs per dim, with
    align_corners choosing whether the corner pixels' centres (True) or edges (False, the
    default) line up; 'area' (adaptive average pooling). The output size from a scale factor
    is ⌊in · scale⌋, and the coordinates use 1/scale unless recompute_scale_factor is True.
    Example: ``F.interpolate(glassnet.ones(1, 1, 2, 2), scale_factor=2).shape == (1, 1, 4, 4)``
    """
    x = _t(input)
    if mode not in INTERPOLATE_MODES:
        raise ValueError(f"interpolate: mode must be one of {INTERPOLATE_MODES}, got {mode!r}")
    if antialias:
        raise ValueError("interpolate: antialias=True is not supported; use antialias=False")
    linear = mode in ("linear", "bilinear")
    if align_corners is not None and not linear:
        raise ValueError("interpolate: align_corners can only be set with the interpolating "
                         f"modes 'linear' and 'bilinear', got mode={mode!r}")
    needs = {"linear": (3,), "bilinear": (4,), "area": (4,)}.get(mode, (3, 4))
    if x.ndim not in needs:
        raise ShapeError(
            f"interpolate: mode {mode!r} expects a {' or '.join(f'{n}-d' for n in needs)} "
            f"input (N, C, spatial...), got shape {tuple(x.shape)}; add a batch dim with "
            f"unsqueeze(0)"
        )
    in_sizes = tuple(x.shape[2:])
    out_sizes, scales = _output_sizes(in_sizes, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        return adaptive_avg_pool2d(x, out_sizes)
    dtype = x._data.dtype
    if linear:
        matrices = tuple(R.linear_weights(n, o, s, bool(align_corners), dtype)
                         for n, o, s in zip(in_sizes, out_sizes, scales))
        return R.UpsampleLinear.apply(x, matrices)
    indices = tuple(R.nearest_indices(n, o, s, mode == "nearest-exact")
                    for n, o, s in zip(in_sizes, out_sizes, scales))
    return R.UpsampleNearest.apply(x, indices)


def _output_sizes(in_sizes, size, scale_factor, recompute_scale_factor):
    """(output sizes, the scales the coordinate formulas use: None means in/out)."""
    dims = len(in_sizes)
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor, got "
                         f"size={size!r}, scale_factor={scale_factor!r}")
    if size is not None:
        sizes = _per_dim("size", size, dims)
        if min(sizes) < 1:
            raise ShapeError(f"interpolate: size must be positive, got {size!r}")
        return tuple(int(s) for s in sizes), (None,) * dims
    factors = tuple(float(f) for f in _per_dim("scale_factor", scale_factor, dims))
    sizes = tuple(math.floor(n * f) for n, f in zip(in_sizes, factors))
    if min(sizes) < 1:
        raise ShapeError(f"interpolate: scale_factor {scale_factor!r} turns input size "
                         f"{in_sizes} into {sizes}; use a larger factor")
    return sizes, (None,) * dims if recompute_scale_factor else factors


def _per_dim(label, value, dims):
    if isinstance(value, (int, float, np.integer, np.floating)):
        return (value,) * dims
    values = tuple(value)
    if len(values) != dims:
        raise ValueError(f"interpolate: {label} needs one value per spatial dim ({dims}), "
                         f"got {value!r}")
    return values


def pixel_shuffle(input, upscale_factor: int):
    """(*, C·r², H, W) → (*, C, H·r, W·r): each group of r² channels becomes an r×r block of
    pixels (the sub-pixel convolution's last step). Only moves elements."""
    x, r = _t(input), int(upscale_factor)
    if x.ndim < 3 or r < 1 or x.shape[-3] % (r * r):
        raise ShapeError(f"pixel_shuffle: expected (*, C·r², H, W) with r={upscale_factor}, so "
                         f"channels divisible by {r * r}, got shape {tuple(x.shape)}")
    *lead, channels, h, w = x.shape
    c, n = channels // (r * r), len(lead)
    blocks = x.reshape(*lead, c, r, r, h, w)
    order = (*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (*, C, H, r, W, r)
    return blocks.permute(*order).reshape(*lead, c, h * r, w * r)


def pixel_unshuffle(input, downscale_factor: int):
    """The inverse of pixel_shuffle: (*, C, H·r, W·r) → (*, C·r², H, W)."""
    x, r = _t(input), int(downscale_factor)
    if x.ndim < 3 or r < 1 or x.shape[-1] % r or x.shape[-2] % r:
        raise ShapeError(f"pixel_unshuffle: expected (*, C, H·r, W·r) with r={downscale_factor}, "
                         f"got shape {tuple(x.shape)}")
    *lead, c, hr, wr = x.shape
    h, w, n = hr // r, wr // r, len(lead)
    blocks = x.reshape(*lead, c, h, r, w, r)
    order = (*range(n), n, n + 2, n + 4, n + 1, n + 3)  # (*, C, r, r, H, W)
    return blocks.permute(*order).reshape(*lead, c * r * r, h, w)


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):
    """The old name of ``interpolate`` (PyTorch keeps it, deprecated)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """``interpolate(..., mode="nearest")``, the old name."""
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """``interpolate(..., mode="bilinear", align_corners=True)``, the old name (which aligned
    the corners)."""
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)
