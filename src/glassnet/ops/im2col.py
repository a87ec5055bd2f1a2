"""im2col and col2im: the copies that turn a convolution into matrix products (see
``ops/conv.py``), plus padding, cropping and the product's layout changes.

    cols[(c, i, j), (n, oh, ow)] = x_padded[n, c, oh·stride + i·dilation, ow·stride + j·dilation]

col2im is its adjoint: it adds each entry back onto the pixel it was copied from.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]


def pad2d(x: np.ndarray, padding: Padding) -> np.ndarray:
    """Zero-pad the last two dims of an (N, C, H, W) array; the array itself when no padding."""
    (top, bottom), (left, right) = padding
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    out[:, :, top:top + h, left:left + w] = x
    return out


def crop2d(x: np.ndarray, padding: Padding, size: Pair) -> np.ndarray:
    """The inverse of ``pad2d``: the (H, W) window that padding surrounded, made contiguous."""
    (top, _), (left, _) = padding
    if x.shape[2:] == size:
        return x
    return np.ascontiguousarray(x[:, :, top:top + size[0], left:left + size[1]])


def output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Outputs along one dim: ⌊(size + padding - dilation·(kernel - 1) - 1) / stride⌋ + 1,
    where ``padding`` is the total added on both sides."""
    return (size + padding - dilation * (kernel - 1) - 1) // stride + 1


def im2col(xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, out: Pair,
           wide: bool = False) -> np.ndarray:
    """Patches of a padded (N, C, Hp, Wp) array as (C·kh·kw, N, L), in one copy; L = OH·OW,
    or (OH - 1)·Wp + OW on the wide route (stride 1 only)."""
    n, c, _, width = xp.shape
    sn, sc, sh, sw = xp.strides
    kh, kw = kernel
    outer, outer_strides = (c, kh, kw, n), (sc, sh * dilation[0], sw * dilation[1], sn)
    if wide:
        length = (out[0] - 1) * width + out[1]
        view = as_strided(xp, shape=(*outer, length), strides=(*outer_strides, sw),
                          writeable=False)
    else:
        length = out[0] * out[1]
        view = as_strided(xp, shape=(*outer, *out),
                          strides=(*outer_strides, sh * stride[0], sw * stride[1]),
                          writeable=False)
    cols = view.reshape(c * kh * kw, n, length)
    # when the view happens to be contiguous (a 1x1 kernel, stride 1, on one example or one
    # channel) reshape copied nothing: copy it, since the columns are the caller's to keep or
    # return (Unfold's output must not change when its input is changed in place)
    return cols.copy() if np.may_share_memory(cols, xp) else cols


def col2im(cols: np.ndarray, image: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair,
           out: Pair, wide: bool = False) -> np.ndarray:
    """The adjoint of ``im2col``: add each entry of cols (C·kh·kw, N, L) back onto the pixel of
    ``image`` (N, C, Hp, Wp, contiguous, usually zeros) it was copied from; returns ``image``.

    One slice addition per kernel offset (i, j); overlapping patches sum, as the gradient of a
    copy must.
    """
    n, c, height, width = image.shape
    kh, kw = kernel
    if wide:
        length = cols.shape[-1]
        cols = cols.reshape(c, kh, kw, n, length)
        flat = image.reshape(n, c, height * width).transpose(1, 0, 2)
        for i in range(kh):
            for j in range(kw):
                start = i * dilation[0] * width + j * dilation[1]
                flat[:, :, start:start + length] += cols[:, i, j]
        return image
    cols = cols.reshape(c, kh, kw, n, out[0], out[1])
    channels_first = image.transpose(1, 0, 2, 3)
    rows_span, cols_span = stride[0] * (out[0] - 1) + 1, stride[1] * (out[1] - 1) + 1
    for i in range(kh):
        top = i * dilation[0]
        for j in range(kw):
            left = j * dilation[1]
            channels_first[:, :, top:top + rows_span:stride[0],
                           left:left + cols_span:stride[1]] += cols[:, i, j]
    return image


def _rows_view(flat: np.ndarray, row: int, out: Pair) -> np.ndarray:
    """(O, N, L) with output rows ``row`` apart → an (N, O, OH, OW) view of the same memory."""
    _, n, length = flat.shape
    s = flat.strides[2]
    return as_strided(flat, shape=(n, flat.shape[0], out[0], out[1]),
                      strides=(length * s, n * length * s, row * s, s))


def to_images(flat: np.ndarray, row: int, out: Pair, bias=None, into=None) -> np.ndarray:
    """The product's (O, N, L) → a contiguous (N, O, OH, OW) (``into`` when given), dropping
    wide junk columns, plus the bias per channel.

    The bias goes onto ``flat`` in place, which the caller gives up: a contiguous addition and
    a plain copy cost 2/3 of one addition that also reorders the layout (measured).
    """
    if bias is not None:
        if np.result_type(flat, bias) == flat.dtype:
            flat += bias.reshape(-1, 1, 1)
        else:
            flat = flat + bias.reshape(-1, 1, 1)
    view = _rows_view(flat, row, out)
    if into is None:
        return view.copy()  # C order: NCHW
    np.copyto(into, view)
    return into


def from_images(grad: np.ndarray, row: int) -> np.ndarray:
    """(N, O, OH, OW) → (O, N, L) with rows ``row`` apart, zeros in the junk columns (so the
    junk columns of the saved cols add nothing to dL/dW, and col2im adds nothing from them)."""
    n, o, oh, ow = grad.shape
    length = (oh - 1) * row + ow
    flat = (np.zeros if row != ow else np.empty)((o, n, length), dtype=grad.dtype)
    _rows_view(flat, row, (oh, ow))[...] = grad
    return flat
