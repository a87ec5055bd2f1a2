"""Pooling as functions (PyTorch's F.max_pool2d, F.avg_pool2d, adaptive pools, 1-d pools).

Each 2-d pool is one node (see ``glassnet.ops.pool``); the 1-d pools run the 2-d ones on a
height-1 image.
"""

from __future__ import annotations

from ...errors import ShapeError
from ...ops import pool as P
from ...ops.methods import _t


def _pair(name: str, label: str, value) -> tuple[int, int]:
    """An int or a 1- or 2-sequence → (height, width), as PyTorch accepts them."""
    if isinstance(value, int):
        return (value, value)
    values = tuple(value)
    if len(values) == 1:
        return (int(values[0]),) * 2
    if len(values) != 2:
        raise ValueError(f"{name}: {label} must be an int or a pair of ints, got {value!r}")
    return (int(values[0]), int(values[1]))


def _stride(name: str, stride, kernel_size) -> tuple[int, int]:
    """PyTorch's default: stride=None (or an empty list) means stride = kernel_size."""
    if stride is None or (not isinstance(stride, int) and len(stride) == 0):
        return _pair(name, "kernel_size", kernel_size)
    return _pair(name, "stride", stride)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """The largest value of each (kh, kw) window, sliding by ``stride`` (default: kernel_size).

    Args: kernel_size, stride, padding (implicit -inf on both sides, at most half the kernel),
    dilation (gaps between a window's elements), ceil_mode (round the output size up),
    return_indices (also return each max's flat index in its input plane, as PyTorch does).
    Shape: (N, C, H, W) or (C, H, W) → (N, C, OH, OW), OH = ⌊(H + 2p - d(k - 1) - 1)/s⌋ + 1.
    Example: ``F.max_pool2d(glassnet.randn(8, 3, 28, 28), 2).shape == (8, 3, 14, 14)``
    """
    name = "max_pool2d"
    kernel = _pair(name, "kernel_size", kernel_size)
    return P.MaxPool2d.apply(_t(input), kernel, _stride(name, stride, kernel_size),
                             _pair(name, "padding", padding), _pair(name, "dilation", dilation),
                             bool(ceil_mode), bool(return_indices))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None):
    """The mean of each (kh, kw) window, sliding by ``stride`` (default: kernel_size).

    Args: kernel_size, stride, padding (implicit zeros, at most half the kernel), ceil_mode,
    count_include_pad (whether padded zeros count in the mean's divisor), divisor_override
    (divide every window's sum by this instead).
    Shape: (N, C, H, W) or (C, H, W) → (N, C, OH, OW), OH = ⌊(H + 2p - k)/s⌋ + 1.
    Example: ``F.avg_pool2d(glassnet.ones(1, 1, 4, 4), 2).shape == (1, 1, 2, 2)``
    """
    name = "avg_pool2d"
    if divisor_override is not None and divisor_override == 0:
        raise ValueError(f"{name}: divisor_override must be non-zero, got {divisor_override}")
    kernel = _pair(name, "kernel_size", kernel_size)
    return P.AvgPool2d.apply(_t(input), kernel, _stride(name, stride, kernel_size),
                             _pair(name, "padding", padding), bool(ceil_mode),
                             bool(count_include_pad), divisor_override)


def _output_size(input, output_size) -> tuple[int, int]:
    """An int or an (h, w) pair in which None keeps the input's size."""
    if isinstance(output_size, int):
        return (output_size, output_size)
    sizes = tuple(output_size)
    if len(sizes) == 1:
        sizes = sizes * 2
    if len(sizes) != 2:
        raise ValueError(f"adaptive pool: output_size must be an int or a pair, got "
                         f"{output_size!r}")
    return tuple(int(input.shape[-2 + i]) if s is None else int(s) for i, s in enumerate(sizes))


def adaptive_avg_pool2d(input, output_size):
    """Average over bins chosen so the output is ``output_size`` (int, or (h, w) where None
    keeps that dim); ``output_size=1`` is global average pooling.

    Shape: (N, C, H, W) or (C, H, W) → (N, C, h, w).
    Example: ``F.adaptive_avg_pool2d(glassnet.randn(2, 8, 7, 7), 1).shape == (2, 8, 1, 1)``
    """
    x = _t(input)
    return P.AdaptiveAvgPool2d.apply(x, _output_size(x, output_size))


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):
    """The maximum over bins chosen so the output is ``output_size`` (int, or (h, w) where None
    keeps that dim); return_indices also returns each max's flat index in its input plane.

    Shape: (N, C, H, W) or (C, H, W) → (N, C, h, w).
    Example: ``F.adaptive_max_pool2d(glassnet.randn(2, 8, 7, 7), 3).shape == (2, 8, 3, 3)``
    """
    x = _t(input)
    return P.AdaptiveMaxPool2d.apply(x, _output_size(x, output_size), bool(return_indices))


def _single(name: str, label: str, value) -> int:
    if isinstance(value, int):
        return value
    values = tuple(value)
    if len(values) != 1:
        raise ValueError(f"{name}: {label} must be an int or a 1-tuple, got {value!r}")
    return int(values[0])


def _as_image(name: str, input):
    x = _t(input)
    if x.ndim not in (2, 3):
        raise ShapeError(f"{name}: expected an (N, C, L) or (C, L) input, got shape "
                         f"{tuple(x.shape)}; add a batch or channel dim with unsqueeze")
    return x.unsqueeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """max_pool2d along the last dim only: (N, C, L) or (C, L) → (N, C, OL)."""
    name = "max_pool1d"
    k = _single(name, "kernel_size", kernel_size)
    s = k if stride is None or stride == [] else _single(name, "stride", stride)
    result = max_pool2d(_as_image(name, input), (1, k), (1, s),
                        (0, _single(name, "padding", padding)),
                        (1, _single(name, "dilation", dilation)), ceil_mode, return_indices)
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True):
    """avg_pool2d along the last dim only: (N, C, L) or (C, L) → (N, C, OL)."""
    name = "avg_pool1d"
    k = _single(name, "kernel_size", kernel_size)
    s = k if stride is None or stride == [] else _single(name, "stride", stride)
    return avg_pool2d(_as_image(name, input), (1, k), (1, s),
                      (0, _single(name, "padding", padding)), ceil_mode,
                      count_include_pad).squeeze(-2)


def adaptive_avg_pool1d(input, output_size):
    """adaptive_avg_pool2d along the last dim only: (N, C, L) or (C, L) → (N, C, output_size)."""
    name = "adaptive_avg_pool1d"
    size = _single(name, "output_size", output_size)
    return adaptive_avg_pool2d(_as_image(name, input), (1, size)).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):
    """adaptive_max_pool2d along the last dim only: (N, C, L) or (C, L) → (N, C, output_size)."""
    name = "adaptive_max_pool1d"
    size = _single(name, "output_size", output_size)
    result = adaptive_max_pool2d(_as_image(name, input), (1, size), return_indices)
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool2d(..., return_indices=True)``: each value goes back to
    the position its index names in an (OH, OW) plane of zeros.

    OH = (H - 1)·stride - 2·padding + kernel_size unless ``output_size`` (the last two of
    it) says otherwise. The gradient of each value is the output gradient at its position.
    Shape: (N, C, H, W) or (C, H, W) → (N, C, OH, OW).
    """
    name = "max_unpool2d"
    x, where = _t(input), _t(indices)
    if tuple(where.shape) != tuple(x.shape) or where._data.dtype.kind not in "iu":
        raise ShapeError(f"{name}: expected indices of the input's shape {tuple(x.shape)} as "
                         f"max_pool2d(..., return_indices=True) gives them, got "
                         f"{where.dtype.name} of shape {tuple(where.shape)}")
    kernel = _pair(name, "kernel_size", kernel_size)
    step = _stride(name, stride, kernel_size)
    pad = _pair(name, "padding", padding)
    size = tuple((x.shape[-2 + i] - 1) * step[i] - 2 * pad[i] + kernel[i] for i in range(2))
    if output_size is not None:
        size = tuple(int(s) for s in tuple(output_size)[-2:])
    plane = size[0] * size[1]
    flat_index = where._data.reshape(*where.shape[:-2], -1)
    if flat_index.size and (flat_index.min() < 0 or flat_index.max() >= plane):
        raise ShapeError(f"{name}: an index is outside the {size[0]}x{size[1]} output plane "
                         f"(indices from {int(flat_index.min())} to {int(flat_index.max())}); "
                         f"pass the output_size the pool's input had")
    zeros = x.new_zeros(*x.shape[:-2], plane)
    values = x.reshape(*x.shape[:-2], -1)
    from ...ops.index_functions import scatter

    return scatter(zeros, -1, flat_index.astype("int64"), values).reshape(*x.shape[:-2], *size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_unpool2d along the last dim only: (N, C, L) or (C, L) → (N, C, OL)."""
    name = "max_unpool1d"
    k = _single(name, "kernel_size", kernel_size)
    s = k if stride is None else _single(name, "stride", stride)
    size = None if output_size is None else (1, int(tuple(output_size)[-1]))
    return max_unpool2d(_as_image(name, input), _as_image(name, indices), (1, k), (1, s),
                        (0, _single(name, "padding", padding)), size).squeeze(-2)
