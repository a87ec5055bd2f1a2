"""Convolutions as matrix products: im2col, one BLAS product per group, col2im.

A convolution slides a small kernel over the image; at each output pixel it takes the dot
product of the kernel with the patch beneath it. Copy every patch into one column of a matrix
(im2col) and all those dot products become a single matrix product with the kernels as rows:

    cols[(c, i, j), (n, oh, ow)] = x_padded[n, c, oh·stride + i·dilation, ow·stride + j·dilation]
    y = W (out_channels, C·kh·kw) @ cols (C·kh·kw, N·OH·OW)   (+ b)

The copy is one ``as_strided`` view of the padded input copied once, in the order (c, i, j, n,
oh, ow): its inner loop runs along image rows, and a whole chunk of the batch (all of it for
small layers, ~4 MB of columns for big ones) is ONE matrix product (per group). One big
product beats N small ones: BLAS splits it across cores once, where N batched products each
start and join their threads (65x slower, measured on a busy 2-core machine). The result
(out_channels, N, OH·OW) is copied once into NCHW. The gradients are products with the same
matrices:

    dL/dW = g @ colsᵀ        dL/dcols = Wᵀ @ g        dL/db = Σ_{n,oh,ow} g

with g the output gradient as (out_channels, N·OH·OW), and col2im scatters dL/dcols back onto
the image by adding one strided slice per kernel offset (kh·kw additions, never a loop over
pixels, channels or examples). Backward keeps only x and W: it copies each chunk's columns
again rather than keeping them all from the forward, which would cost kh·kw times the input
(one more copy per chunk buys the largest block of a convnet's training memory).

Stride 1 usually takes the *wide* route: output rows are kept at the padded width Wp, so that
each row (c, i, j) of cols is one contiguous run of the image (start i·d·Wp + j·d, length
L = (OH - 1)·Wp + OW). The copies then move long runs instead of OW-long pieces; the Wp - OW
junk columns past each output row are dropped from y and zeroed in g. A transposed convolution
is the same steps swapped: its forward is a convolution's input gradient, its backward a
convolution.

Padding arrives resolved as ((top, bottom), (left, right)); ``nn/functional/conv.py`` turns
PyTorch's int / tuple / 'same' / 'valid' into that and checks the shapes. The copies themselves
(im2col, col2im, padding, layout changes) are in ``ops/im2col.py``.
"""

from __future__ import annotations

import numpy as np

from .. import _threads
from ..autograd.function import Function
from .im2col import (
    Padding,
    Pair,
    col2im,
    crop2d,
    from_images,
    im2col,
    output_size,
    pad2d,
    to_images,
)


def _grouped(weight: np.ndarray, groups: int) -> np.ndarray:
    """(O, C/g, kh, kw) → (g, O/g, C/g·kh·kw): one kernel matrix per group."""
    return weight.reshape(groups, weight.shape[0] // groups, -1)


def _takes_wide_route(weight_shape: tuple, stride: Pair) -> bool:
    """The wide route copies the C·kh·kw input rows faster but costs more output columns: it
    pays when C·kh·kw > O, as in every layer but a first one with few input channels (1 → 32,
    3x3: the plain route is 2x faster there)."""
    out_channels, in_per_group, kh, kw = weight_shape
    return stride == (1, 1) and in_per_group * kh * kw > out_channels


def batch_chunks(n: int, bytes_per_example: int, start: int = 0) -> list[slice]:
    """Slices of the examples start..start+n, of near-equal size, each holding about
    ``CHUNK_BYTES`` of columns."""
    if n == 0:
        return []
    step = max(1, CHUNK_BYTES // max(1, bytes_per_example))
    count = -(-n // step)
    step = -(-n // count)
    return [slice(start + first, start + min(first + step, n)) for first in range(0, n, step)]


def _thread_chunks(n: int, bytes_per_example: int) -> list[list[slice]]:
    """The batch split between threads (``_threads.batch_slices``), each thread's share cut
    into chunks."""
    return [batch_chunks(part.stop - part.start, bytes_per_example, part.start)
            for part in _threads.batch_slices(n, bytes_per_example)]


def _geometry(input_shape, weight_shape, stride, padding, dilation) -> tuple:
    """(out, wide, row, length): output size, route, distance between output rows in the
    product's columns, and columns per example (see the module docstring)."""
    _, _, h, w = input_shape
    _, _, kh, kw = weight_shape
    (top, bottom), (left, right) = padding
    out = (output_size(h, kh, stride[0], top + bottom, dilation[0]),
           output_size(w, kw, stride[1], left + right, dilation[1]))
    wide = _takes_wide_route(weight_shape, stride)
    row = w + left + right if wide else out[1]
    return out, wide, row, (out[0] - 1) * row + out[1]


def conv_forward(x, weight, bias, stride, padding, dilation, groups):
    """y = W ⋆ x + b on (N, C, H, W) arrays.

    The batch is shared between threads (``_threads``), and each thread takes its share a
    chunk at a time (see ``CHUNK_BYTES``): each chunk's columns (C·kh·kw, examples, L) are
    built, multiplied while still in cache, and dropped. Nothing is kept for backward but x
    itself, from which backward rebuilds the columns.
    """
    n = x.shape[0]
    out_channels, _, kh, kw = weight.shape
    out, wide, row, length = _geometry(x.shape, weight.shape, stride, padding, dilation)
    xp = np.ascontiguousarray(pad2d(x, padding))
    kernels = _grouped(weight, groups)
    dtype = np.result_type(x, weight) if bias is None else np.result_type(x, weight, bias)
    y = np.empty((n, out_channels) + out, dtype=dtype)

    def forward_chunks(chunks):
        for part in chunks:
            cols = im2col(xp[part], (kh, kw), stride, dilation, out, wide)
            examples = cols.shape[1]
            flat = np.matmul(kernels, cols.reshape(groups, -1, examples * length))
            to_images(flat.reshape(out_channels, examples, length), row, out, bias,
                      into=y[part])

    _threads.run(forward_chunks,
                 _thread_chunks(n, weight[0].size * groups * length * x.itemsize))
    return y


def conv_backward(grad, x, weight, stride, padding, dilation, groups, needs):
    """(dL/dx, dL/dW, dL/db) of ``conv_forward``; None for each gradient nobody needs.

    Chunk by chunk, as the forward cut the batch: each chunk's columns are rebuilt from x (one
    copy; keeping them from the forward would cost kh·kw times the input, 46 MB on a 32 → 64
    3x3 layer of 64 26x26 images), used by the dL/dW product while still in cache, and dropped
    before the chunk's dL/dcols is made. dL/dW and dL/db add up over chunks and then over
    threads; each chunk's dL/dcols is scattered onto its own examples' rows of dL/dx.
    """
    need_x, need_w, need_b = needs
    if not (need_w or need_x):
        return None, None, grad.sum(axis=(0, 2, 3)) if need_b else None
    n = x.shape[0]
    out_channels, _, kh, kw = weight.shape
    out, wide, row, length = _geometry(x.shape, weight.shape, stride, padding, dilation)
    xp = np.ascontiguousarray(pad2d(x, padding)) if need_w else None
    kernels_t = _grouped(weight, groups).transpose(0, 2, 1)
    (top, bottom), (left, right) = padding
    padded = (n, x.shape[1], x.shape[2] + top + bottom, x.shape[3] + left + right)
    image = np.empty(padded, dtype=grad.dtype) if need_x else None  # zeroed chunk by chunk

    def backward_chunks(chunks):
        gw = gb = None
        for part in chunks:
            g = from_images(grad[part], row)
            examples = g.shape[1]
            if need_b:
                # summing contiguous rows (junk columns are zeros) beats grad.sum(axis=(0, 2, 3))
                sums = g.reshape(out_channels, -1).sum(axis=1)
                gb = sums if gb is None else gb + sums
            g = g.reshape(groups, out_channels // groups, examples * length)
            if need_w:
                cols = im2col(xp[part], (kh, kw), stride, dilation, out, wide)
                part_gw = _weight_grad(g, cols, groups, examples, length)
                gw = part_gw if gw is None else gw + part_gw
                del cols  # before dL/dcols, of the same size, is made
            if need_x:
                grad_cols = np.matmul(kernels_t, g)
                image[part] = 0
                col2im(grad_cols.reshape(-1, examples, length), image[part], (kh, kw), stride,
                       dilation, out, wide)
        return gw, gb

    shares = _threads.run(backward_chunks,
                          _thread_chunks(n, weight[0].size * groups * length * x.itemsize))
    gw = _sum_present(share[0] for share in shares)
    gb = _sum_present(share[1] for share in shares)
    gx = crop2d(image, padding, x.shape[2:]) if need_x else None
    if gw is None and need_w:  # an empty batch
        gw = np.zeros(weight.shape, dtype=grad.dtype)
    if gb is None and need_b:
        gb = np.zeros(out_channels, dtype=grad.dtype)
    return gx, None if gw is None else gw.reshape(weight.shape), gb


def _sum_present(parts):
    """The sum of the arrays that are not None (each thread's share), or None."""
    total = None
    for part in parts:
        if part is not None:
            total = part if total is None else total + part
    return total


def _weight_grad(g, cols, groups: int, n: int, length: int) -> np.ndarray:
    """dL/dW = g @ colsᵀ per group, (groups, O/g, N·L) x (C·kh·kw, N, L) → (groups, O/g, K/g).

    A sum over N·L. When the kernels are few and small (a first layer), one long product with
    a handful of rows runs OpenBLAS's kernels far from their best, and one product per example
    is faster: LeNet-5's conv1 backward took 0.46 ms that way against 0.75 ms as one product
    (measured with glassnet's threads). With several BLAS threads the long product was worse
    still: on a busy machine every hand-off between them could wait a whole time slice (2.1 s
    instead of 0.5 ms).
    """
    rows, inner = g.shape[1], cols.shape[0] // groups
    if rows * inner * length > SMALL_PRODUCT:
        # as (cols @ gᵀ)ᵀ: with the long sum as the inner dim of both operands' rows, 10-20%
        # faster than g @ colsᵀ on OpenBLAS (measured with its Haswell and SkylakeX kernels)
        product = np.matmul(cols.reshape(groups, inner, n * length), g.transpose(0, 2, 1))
        return product.transpose(0, 2, 1)
    per_example_g = g.reshape(groups, rows, n, length).transpose(0, 2, 1, 3)
    per_example_cols = cols.reshape(groups, inner, n, length).transpose(0, 2, 3, 1)
    return np.matmul(per_example_g, per_example_cols).sum(axis=1)


# below this many multiply-adds per example's share the per-example products win (the size at
# which OpenBLAS itself stops threading a product: GEMM_MULTITHREAD_THRESHOLD = 4 x 65536)
SMALL_PRODUCT = 4 * 65536

# Batch chunks hold about this many bytes of im2col columns (so does each chunk's dL/dcols): a
# chunk is still in cache when BLAS or col2im reads it, and only one chunk's columns are alive
# at a time (the whole matrix is 46 MB for a 32 → 64 3x3 layer on 64 26x26 images). Measured on
# the MNIST convnet's step (batch 64, 2 cores), 4 MB against 16 MB: 36.5 against 42 ms with
# OpenBLAS's native kernels, 53.5 against 52.3 ms with OPENBLAS_CORETYPE=Haswell, no worse with
# a busy core (87 against 99 ms); and a peak of 33 MiB against 59 MiB
CHUNK_BYTES = 4 << 20


class Conv2d(Function):
    """y[n, o] = b[o] + Σ_{c,i,j} W[o, c, i, j]·x_pad[n, c, oh·s + i·d, ow·s + j·d], channels
    split into ``groups`` independent blocks. As matrices (see the module docstring):
    y = W @ im2col(x); dL/dW = g @ colsᵀ; dL/dx = col2im(Wᵀ @ g); dL/db = Σ g over batch
    and pixels.
    """

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, groups
        return conv_forward(x, weight, bias, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        return conv_backward(grad, x, weight, ctx.stride, ctx.padding, ctx.dilation,
                             ctx.groups, ctx.needs_input_grad[:3])


class Conv1d(Function):
    """Conv2d on (N, C, L) as an image of height 1: y[n, o, t] = b[o] + Σ_{c,k}
    W[o, c, k]·x_pad[n, c, t·s + k·d]; the same derivatives, with the height dim dropped."""

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        stride2, padding2, dilation2 = (1, stride), ((0, 0), padding), (1, dilation)
        y = conv_forward(x[:, :, None, :], weight[:, :, None, :], bias, stride2, padding2,
                         dilation2, groups)
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride2, padding2, dilation2, groups
        return y[:, :, 0, :]

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        gx, gw, gb = conv_backward(grad[:, :, None, :], x[:, :, None, :], weight[:, :, None, :],
                                   ctx.stride, ctx.padding, ctx.dilation, ctx.groups,
                                   ctx.needs_input_grad[:3])
        return (None if gx is None else gx[:, :, 0, :],
                None if gw is None else gw[:, :, 0, :], gb)


class ConvTranspose2d(Function):
    """The adjoint of Conv2d (a "deconvolution"): each input pixel adds W[c]·x[n, c, h, w] onto
    a kh×kw patch of the output at (h·s, w·s), then ``padding`` is cropped from every side and
    ``output_padding`` extra rows/columns are kept at the bottom/right. As matrices, with x as
    (C_in, N·H·W): y = col2im(Wᵀ @ x); dL/dx = W @ im2col(g); dL/dW = x @ im2col(g)ᵀ;
    dL/db = Σ g over batch and pixels. Weight (C_in, C_out/groups, kh, kw).
    """

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, output_padding, groups, dilation):
        n, _, h, w = x.shape
        _, out_per_group, kh, kw = weight.shape
        full = _transposed_full_size((h, w), (kh, kw), stride, dilation, output_padding)
        size = (full[0] - 2 * padding[0], full[1] - 2 * padding[1])
        kernels_t = _grouped(weight, groups).transpose(0, 2, 1)
        cols = np.matmul(kernels_t, _channels_first(x, groups))
        image = np.zeros((n, out_per_group * groups) + full, dtype=cols.dtype)
        col2im(cols, image, (kh, kw), stride, dilation, (h, w))
        y = crop2d(image, _symmetric(padding), size)
        if bias is not None:
            y += bias.reshape(-1, 1, 1)
        ctx.save_for_backward(x, weight)
        ctx.full, ctx.stride, ctx.padding = full, stride, padding
        ctx.dilation, ctx.groups = dilation, groups
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        n, c_in, h, w = x.shape
        kh, kw = weight.shape[2:]
        groups = ctx.groups
        (top, left), full = ctx.padding, ctx.full
        padding = ((top, full[0] - top - grad.shape[2]), (left, full[1] - left - grad.shape[3]))
        cols = im2col(pad2d(grad, padding), (kh, kw), ctx.stride, ctx.dilation, (h, w))
        cols = cols.reshape(groups, -1, n * h * w)
        gb = grad.sum(axis=(0, 2, 3)) if need_b else None
        gx = gw = None
        if need_x:
            flat = np.matmul(_grouped(weight, groups), cols).reshape(c_in, n, h * w)
            gx = to_images(flat, w, (h, w))
        if need_w:
            gw = np.matmul(_channels_first(x, groups), cols.transpose(0, 2, 1))
            gw = gw.reshape(weight.shape)
        return gx, gw, gb


def _channels_first(x: np.ndarray, groups: int) -> np.ndarray:
    """(N, C, H, W) → (groups, C/groups, N·H·W): the images as one matrix per group."""
    n, c = x.shape[:2]
    return x.transpose(1, 0, 2, 3).reshape(groups, c // groups, -1)


def _transposed_full_size(size: Pair, kernel: Pair, stride: Pair, dilation: Pair,
                          output_padding: Pair) -> Pair:
    """The transposed convolution's output before cropping: (size - 1)·s + d·(k - 1) + 1, plus
    output_padding rows that no input reaches (they hold only the bias)."""
    return tuple((size[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1
                 + output_padding[i] for i in range(2))


def _symmetric(padding: Pair) -> Padding:
    return ((padding[0], padding[0]), (padding[1], padding[1]))


class Unfold(Function):
    """im2col as an op (PyTorch's ``F.unfold``): (N, C, H, W) → (N, C·kh·kw, L), each column
    one flattened patch. It only copies, so dL/dx = col2im(g): every patch entry's gradient is
    added back onto the pixel it came from."""

    node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, kernel_size, dilation, padding, stride):
        h, w = x.shape[2:]
        out = (output_size(h, kernel_size[0], stride[0], 2 * padding[0], dilation[0]),
               output_size(w, kernel_size[1], stride[1], 2 * padding[1], dilation[1]))
        ctx.input_shape, ctx.out = x.shape, out
        ctx.kernel_size, ctx.dilation, ctx.padding, ctx.stride = (kernel_size, dilation,
                                                                 _symmetric(padding), stride)
        cols = im2col(pad2d(x, ctx.padding), kernel_size, stride, dilation, out)
        return np.ascontiguousarray(cols.transpose(1, 0, 2))

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.input_shape
        (top, bottom), (left, right) = ctx.padding
        image = np.zeros((n, c, h + top + bottom, w + left + right), dtype=grad.dtype)
        col2im(grad.transpose(1, 0, 2), image, ctx.kernel_size, ctx.stride, ctx.dilation,
               ctx.out)
        return crop2d(image, ctx.padding, (h, w))


class Fold(Function):
    """col2im as an op (PyTorch's ``F.fold``): (N, C·kh·kw, L) → (N, C, H, W), summing where
    patches overlap. The adjoint of Unfold, so dL/dcols = im2col(g)."""

    node_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, output_size_, kernel_size, dilation, padding, stride):
        n, rows, _ = cols.shape
        c = rows // (kernel_size[0] * kernel_size[1])
        h, w = output_size_
        out = (output_size(h, kernel_size[0], stride[0], 2 * padding[0], dilation[0]),
               output_size(w, kernel_size[1], stride[1], 2 * padding[1], dilation[1]))
        ctx.out, ctx.kernel_size = out, kernel_size
        ctx.dilation, ctx.padding, ctx.stride = dilation, _symmetric(padding), stride
        image = np.zeros((n, c, h + 2 * padding[0], w + 2 * padding[1]), dtype=cols.dtype)
        col2im(cols.transpose(1, 0, 2), image, kernel_size, stride, dilation, out)
        return crop2d(image, ctx.padding, (h, w))

    @staticmethod
    def backward(ctx, grad):
        cols = im2col(pad2d(grad, ctx.padding), ctx.kernel_size, ctx.stride, ctx.dilation,
                      ctx.out)
        return np.ascontiguousarray(cols.transpose(1, 0, 2))
