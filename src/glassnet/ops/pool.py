"""Pooling: max, average and adaptive pools over the last two dims of (N, C, H, W) or (C, H, W).

No Python loop runs over pixels, channels or the batch. A window's kh·kw elements sit at kh·kw
kernel offsets; each offset is one strided view of the (padded) input, shaped like the output.
Pooling is then a loop over those few views: max = running ``np.maximum``, average = running
sum. Backward reads the same views: the gradient of a window goes to its argmax (max) or is
spread evenly (average), and overlapping windows add up. When the windows tile the input (the
usual 2x2 pool with stride 2), max pooling records each window's winning offset as it goes
(one byte per window), and backward writes each offset's view once: grad where it won, else 0.
"""

from __future__ import annotations

import numpy as np

from .. import _threads
from ..autograd.function import Function
from ..errors import ShapeError


def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
                     ceil_mode: bool) -> int:
    """PyTorch's rule: ⌊(size + 2p - d(k-1) - 1) / s⌋ + 1 (⌈⌉ with ceil_mode), where a last
    window that would start in the right padding is dropped."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def check_pool_geometry(name: str, shape: tuple, kernel: tuple, stride: tuple, padding: tuple,
                        dilation: tuple, ceil_mode: bool) -> tuple:
    """Validate a 2-D pool's arguments against the input shape; return (OH, OW)."""
    if len(shape) not in (3, 4) or 0 in shape[-3:]:
        raise ShapeError(
            f"{name}: expected a non-empty (N, C, H, W) or (C, H, W) input, got shape "
            f"{tuple(shape)}; add a batch or channel dim with unsqueeze"
        )
    for label, values in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if min(values) <= 0:
            raise ValueError(f"{name}: {label} must be positive, got {values}")
    if min(padding) < 0 or padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ShapeError(
            f"{name}: padding {padding} must be between 0 and half the kernel size {kernel}, as "
            f"in PyTorch; use padding <= kernel_size // 2 (or pad the input with F.pad first)"
        )
    height, width = shape[-2:]
    out = tuple(pool_output_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in
                zip((height, width), kernel, stride, padding, dilation))
    if min(out) < 1:
        padded = (height + 2 * padding[0], width + 2 * padding[1])
        span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        raise ShapeError(
            f"{name}: the kernel spans {span} (kernel_size {kernel}, dilation {dilation}) but "
            f"the padded input is only {padded} (input {tuple(shape)}, padding {padding}), so "
            f"the output size {out} would be empty; use a smaller kernel or a larger input"
        )
    return out


def _as_batch(x: np.ndarray) -> np.ndarray:
    return x if x.ndim == 4 else x[None]


def _padded(x4, padding, out, kernel, stride, dilation, fill):
    """x4 inside a frame of ``fill`` wide enough for every window (ceil_mode may reach past the
    right padding); x4 itself when no frame is needed."""
    extra = [max(p, (o - 1) * s + d * (k - 1) + 1 - n - p) for n, p, o, k, s, d in
             zip(x4.shape[2:], padding, out, kernel, stride, dilation)]
    if padding == (0, 0) and extra == [0, 0]:
        return x4
    shape = x4.shape[:2] + tuple(p + n + e for p, n, e in zip(padding, x4.shape[2:], extra))
    framed = np.full(shape, fill, dtype=x4.dtype)
    framed[:, :, padding[0]:padding[0] + x4.shape[2], padding[1]:padding[1] + x4.shape[3]] = x4
    return framed


def _windows(framed, out, kernel, stride, dilation):
    """Yield one strided view per kernel offset, in row-major order; each has the output's
    shape and holds, at (oh, ow), that offset's element of window (oh, ow)."""
    (oh, ow), (kh, kw), (sh, sw), (dh, dw) = out, kernel, stride, dilation
    for i in range(kh):
        for j in range(kw):
            yield framed[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                         j * dw:j * dw + sw * (ow - 1) + 1:sw]


def _lowest(dtype):
    return -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


def _disjoint(kernel, stride, dilation) -> bool:
    """True when no two windows share an element, so gradients can be written, not added."""
    return all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def _unframe(framed_grad, shape, padding):
    """The part of a framed gradient that lies on the input, reshaped like the input."""
    height, width = shape[-2:]
    g = framed_grad[:, :, padding[0]:padding[0] + height, padding[1]:padding[1] + width]
    return g.reshape(shape)


def max_pool_forward(x4, kernel, stride, padding, dilation, out_size, with_indices):
    """(max over each window, framed input, flat argmax indices or None)."""
    framed = _padded(x4, padding, out_size, kernel, stride, dilation, _lowest(x4.dtype))
    views = _windows(framed, out_size, kernel, stride, dilation)
    out = next(views).copy()
    if not with_indices:
        for view in views:
            np.maximum(out, view, out=out)
        return out, framed, None
    offset = np.zeros(out.shape, dtype=np.int64)
    for index, view in enumerate(views, start=1):
        better = (view > out) | (np.isnan(view) & ~np.isnan(out))
        np.copyto(offset, index, where=better)
        np.copyto(out, view, where=better)
    return out, framed, _flat_indices(offset, x4.shape, kernel, stride, padding, dilation)


def _flat_indices(offset, shape, kernel, stride, padding, dilation):
    """Kernel offsets of each window's argmax → PyTorch's indices, row·W + col in the input."""
    oh, ow = offset.shape[-2:]
    ki, kj = np.divmod(offset, kernel[1])
    rows = np.arange(oh)[:, None] * stride[0] - padding[0] + ki * dilation[0]
    cols = np.arange(ow)[None, :] * stride[1] - padding[1] + kj * dilation[1]
    return rows * shape[-1] + cols


def max_pool_backward(grad4, framed, out, kernel, stride, dilation):
    """Route each window's gradient to one element: the first maximum in row-major order
    (PyTorch's choice on ties); overlapping windows add their shares."""
    disjoint = _disjoint(kernel, stride, dilation)
    covers = disjoint and all(s == k * d == k for k, s, d in zip(kernel, stride, dilation)) \
        and framed.shape[2:] == (out.shape[2] * kernel[0], out.shape[3] * kernel[1])
    result = (np.empty if covers else np.zeros)(framed.shape, dtype=grad4.dtype)
    out_nan = np.isnan(out) if np.isnan(out.sum()) else None
    views = zip(_windows(framed, out.shape[2:], kernel, stride, dilation),
                _windows(result, out.shape[2:], kernel, stride, dilation))
    taken = None
    for view, target in views:
        hit = view == out
        if out_nan is not None:
            hit |= out_nan & np.isnan(view)
        if taken is None:
            taken = hit
        else:
            hit = np.greater(hit, taken)  # hit and not yet taken by an earlier offset
            taken |= hit
        if disjoint:
            np.multiply(grad4, hit, out=target)
        else:
            target += grad4 * hit
    return result


def _tiles_input(shape, kernel, stride, padding, dilation, out_size) -> bool:
    """True when the windows tile the input exactly (stride = kernel, no padding or dilation,
    nothing left over), as in the common 2x2 pool with stride 2."""
    return (stride == kernel and padding == (0, 0) and dilation == (1, 1)
            and tuple(shape[-2:]) == (out_size[0] * kernel[0], out_size[1] * kernel[1])
            and kernel[0] * kernel[1] <= 256)


def max_pool_tiles(x4, kernel, out_size):
    """Max over windows that tile x4, and the winning kernel offset of each (uint8, the first
    maximum in row-major order); None when the result holds a NaN (the general route ranks
    those). The batch is shared between threads."""
    out = np.empty(x4.shape[:2] + tuple(out_size), dtype=x4.dtype)
    offset = np.zeros(out.shape, dtype=np.uint8)

    def part(rows):
        views = _windows(x4[rows], out_size, kernel, kernel, (1, 1))
        best, winner = out[rows], offset[rows]
        np.copyto(best, next(views))
        for index, view in enumerate(views, start=1):
            # strictly greater, so ties keep the first; offsets only grow along the loop, so
            # max(offset, index·better) records the winner (10x faster than copyto's where=)
            better = np.greater(view, best).view(np.uint8)
            np.maximum(winner, better * np.uint8(index), out=winner)
            np.maximum(best, view, out=best)

    _threads.parallel_for(len(x4), x4[0].nbytes, part)
    if np.issubdtype(out.dtype, np.floating) and np.isnan(out.sum()):
        return None
    return out, offset


def max_pool_tiles_backward(grad4, offset, kernel):
    """dL/dx for ``max_pool_tiles``: each window's gradient lands on its winning offset, one
    product per offset (the windows are disjoint, so nothing adds)."""
    n, c, oh, ow = grad4.shape
    result = np.empty((n, c, oh * kernel[0], ow * kernel[1]), dtype=grad4.dtype)

    def part(rows):
        targets = _windows(result[rows], (oh, ow), kernel, kernel, (1, 1))
        for index, target in enumerate(targets):
            np.multiply(grad4[rows], offset[rows] == index, out=target)

    _threads.parallel_for(n, result[0].nbytes, part)
    return result


class MaxPool2d(Function):
    """y[n, c, i, j] = max of the (kh, kw) window at (i·sh - ph, j·sw - pw), dilated by d.

    The derivative of a max is 1 for the element that won and 0 for the others: dL/dx routes
    each window's gradient to its argmax (the first in row-major order on ties, as PyTorch
    does), and elements that win several overlapping windows collect each window's share.
    """

    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode, return_indices=False):
        out_size = check_pool_geometry("max_pool2d", x.shape, kernel, stride, padding, dilation,
                                       ceil_mode)
        x4 = _as_batch(x)
        tiled = None
        if _tiles_input(x.shape, kernel, stride, padding, dilation, out_size):
            tiled = max_pool_tiles(x4, kernel, out_size)
        if tiled is not None:  # saves one uint8 per window instead of the input and output
            out, offset = tiled
            indices = (_flat_indices(offset, x4.shape, kernel, stride, padding, dilation)
                       if return_indices else None)
            ctx.save_for_backward(offset)
        else:
            out, framed, indices = max_pool_forward(x4, kernel, stride, padding, dilation,
                                                    out_size, return_indices)
            ctx.save_for_backward(framed, out)
        ctx.kernel, ctx.stride, ctx.padding, ctx.dilation = kernel, stride, padding, dilation
        ctx.shape = x.shape
        out = out if x.ndim == 4 else out[0]
        if return_indices:
            return out, indices if x.ndim == 4 else indices[0]
        return out

    @staticmethod
    def backward(ctx, grad):
        if len(ctx.saved) == 1:
            result = max_pool_tiles_backward(_as_batch(grad), ctx.saved[0], ctx.kernel)
            return result.reshape(ctx.shape)
        framed, out = ctx.saved
        result = max_pool_backward(_as_batch(grad), framed, out, ctx.kernel, ctx.stride,
                                   ctx.dilation)
        return _unframe(result, ctx.shape, ctx.padding)


def _window_counts(size, out, kernel, stride, padding, include_pad):
    """How many elements each window along one dim averages: the part inside the padded input
    (count_include_pad) or inside the input itself."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)
    if not include_pad:
        start, end = np.maximum(start, 0), np.minimum(end, size)
    return end - start


class AvgPool2d(Function):
    """y[n, c, i, j] = (sum of the (kh, kw) window at (i·sh - ph, j·sw - pw)) / divisor.

    The divisor is the window's size inside the padded input (count_include_pad=True), the
    number of real input elements in it (False) or ``divisor_override``. Each element of a window
    has derivative 1/divisor: dL/dx spreads grad/divisor evenly over the window, and overlapping
    windows add up.
    """

    node_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad=True,
                divisor_override=None):
        out_size = check_pool_geometry("avg_pool2d", x.shape, kernel, stride, padding, (1, 1),
                                       ceil_mode)
        x4 = _as_batch(x)
        framed = _padded(x4, padding, out_size, kernel, stride, (1, 1), 0)
        views = _windows(framed, out_size, kernel, stride, (1, 1))
        out = next(views).copy()
        for view in views:
            out += view
        if divisor_override:
            divisor = np.asarray(divisor_override, dtype=x.dtype)
        else:
            rows, cols = (_window_counts(n, o, k, s, p, count_include_pad) for n, o, k, s, p in
                          zip(x.shape[-2:], out_size, kernel, stride, padding))
            divisor = (rows[:, None] * cols[None, :]).astype(x.dtype)
        out /= divisor
        ctx.save_for_backward(divisor)
        ctx.kernel, ctx.stride, ctx.padding, ctx.shape = kernel, stride, padding, x.shape
        ctx.framed_shape = framed.shape
        return out if x.ndim == 4 else out[0]

    @staticmethod
    def backward(ctx, grad):
        (divisor,) = ctx.saved
        share = _as_batch(grad) / divisor
        disjoint = _disjoint(ctx.kernel, ctx.stride, (1, 1))
        result = np.zeros(ctx.framed_shape, dtype=share.dtype)
        for target in _windows(result, share.shape[2:], ctx.kernel, ctx.stride, (1, 1)):
            if disjoint:
                target[...] = share
            else:
                target += share
        return _unframe(result, ctx.shape, ctx.padding)


def adaptive_bins(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive bins: bin i covers [⌊i·size/out⌋, ⌈(i+1)·size/out⌉)."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _check_adaptive(name, shape, output_size):
    if len(shape) not in (3, 4) or 0 in shape[-2:]:
        raise ShapeError(
            f"{name}: expected a non-empty (N, C, H, W) or (C, H, W) input, got shape "
            f"{tuple(shape)}; add a batch or channel dim with unsqueeze"
        )
    if min(output_size) < 1:
        raise ShapeError(f"{name}: output_size must be positive, got {output_size}")


def _tiles(shape, output_size):
    """The kernel (= stride) when every bin has the same size, else None."""
    height, width = shape[-2:]
    if height % output_size[0] or width % output_size[1]:
        return None
    return (height // output_size[0], width // output_size[1])


def _bin_matrix(size, out, dtype):
    """(out, size) matrix whose row i averages bin i: 1/len on the bin, 0 elsewhere."""
    start, end = adaptive_bins(size, out)
    columns = np.arange(size)
    inside = (columns >= start[:, None]) & (columns < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool2d(Function):
    """y[n, c, i, j] = mean of x over bin (i, j), the bins chosen so the output has the asked
    size. Both dims are averaged separately, so y = A_h · x · A_wᵀ with bin-averaging matrices,
    and dL/dx = A_hᵀ · g · A_w: each element receives grad/(bin size) from every bin holding it.
    """

    node_name = "AdaptiveAvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, output_size):
        _check_adaptive("adaptive_avg_pool2d", x.shape, output_size)
        height, width = x.shape[-2:]
        rows = _bin_matrix(height, output_size[0], x.dtype)
        cols = _bin_matrix(width, output_size[1], x.dtype)
        ctx.save_for_backward(rows, cols)
        ctx.shape = x.shape
        if output_size == (1, 1):  # global average pooling: one contiguous mean
            return x.reshape(x.shape[:-2] + (-1,)).mean(axis=-1)[..., None, None]
        return np.matmul(rows, x @ cols.T)

    @staticmethod
    def backward(ctx, grad):
        rows, cols = ctx.saved
        if grad.shape[-2:] == (1, 1):
            return np.broadcast_to(grad / (rows.shape[1] * cols.shape[1]), ctx.shape).copy()
        return np.matmul(rows.T, grad @ cols)


def _adaptive_max_general(x4, output_size):
    """Max and flat argmax over bins of unequal size: one gathered view per offset inside the
    largest bin, indices clipped to the bin's end (a repeated element never beats itself)."""
    height, width = x4.shape[2:]
    row_start, row_end = adaptive_bins(height, output_size[0])
    col_start, col_end = adaptive_bins(width, output_size[1])
    out = indices = None
    for i in range(int((row_end - row_start).max())):
        rows = np.minimum(row_start + i, row_end - 1)
        for j in range(int((col_end - col_start).max())):
            cols = np.minimum(col_start + j, col_end - 1)
            view = x4[:, :, rows[:, None], cols[None, :]]
            flat = np.broadcast_to(rows[:, None] * width + cols[None, :], view.shape)
            if out is None:
                out, indices = view, flat.copy()
                continue
            better = (view > out) | (np.isnan(view) & ~np.isnan(out))
            np.copyto(out, view, where=better)
            np.copyto(indices, flat, where=better)
    return out, indices


class AdaptiveMaxPool2d(Function):
    """y[n, c, i, j] = max of x over bin (i, j) (PyTorch's bins, see ``adaptive_bins``).

    As for max_pool2d, dL/dx gives each bin's gradient to its argmax (the first in row-major
    order on ties); bins may overlap, and an element that wins several collects each share.
    """

    node_name = "AdaptiveMaxPool2DBackward0"

    @staticmethod
    def forward(ctx, x, output_size, return_indices=False):
        _check_adaptive("adaptive_max_pool2d", x.shape, output_size)
        x4 = _as_batch(x)
        tiles = _tiles(x.shape, output_size)
        if tiles is not None:  # equal bins: the strided max pool
            out, _, indices = max_pool_forward(x4, tiles, tiles, (0, 0), (1, 1), output_size,
                                               True)
        else:
            out, indices = _adaptive_max_general(x4, output_size)
        ctx.save_for_backward(indices)
        ctx.shape = x.shape
        out = out if x.ndim == 4 else out[0]
        if return_indices:
            return out, indices if x.ndim == 4 else indices[0]
        return out

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved
        g4 = _as_batch(grad)
        n, c, height, width = g4.shape[:2] + ctx.shape[-2:]
        plane = height * width
        where = indices + (np.arange(n * c) * plane).reshape(n, c, 1, 1)
        summed = np.bincount(where.ravel(), weights=g4.ravel(), minlength=n * c * plane)
        return summed.astype(grad.dtype).reshape(ctx.shape)
