"""Convolutions as functions (PyTorch's F.conv1d, F.conv2d, F.conv_transpose2d, F.unfold,
F.fold): check the shapes, resolve the padding, call the op in ``ops/conv.py``.

Every shape mistake is caught here, before any work, with one message naming both shapes and
the fix; the ops themselves assume consistent shapes.
"""

from __future__ import annotations

from ...errors import ShapeError
from ...ops import conv as C
from ...ops.methods import _t


def _tuple(value, n: int, name: str, op: str) -> tuple:
    """An int or an n-tuple of ints → an n-tuple (PyTorch's _pair / _single)."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return value


def _batched(x, spatial: int, op: str):
    """(x with a batch dim, whether one was added): PyTorch also accepts one unbatched example."""
    rank = x.ndim
    if rank == spatial + 2:
        return x, False
    if rank == spatial + 1:
        return x.unsqueeze(0), True
    dims = "(N, C, L)" if spatial == 1 else "(N, C, H, W)"
    raise ShapeError(
        f"{op}: expected a {spatial + 2}-D input {dims} or a {spatial + 1}-D unbatched one, got "
        f"shape {tuple(x.shape)}; reshape it, e.g. x.view(N, C, ...) or x.unsqueeze(0) for "
        f"one example"
    )


def _check_dtypes(op: str, x, weight, bias) -> None:
    if x.dtype != weight.dtype or (bias is not None and bias.dtype != x.dtype):
        raise RuntimeError(
            f"{op}: input ({x.dtype}), weight ({weight.dtype}) and bias must have the same "
            f"dtype; convert the input with x.to(weight.dtype) or the layer with .double()"
        )


def _check(op: str, xs: tuple, ws: tuple, bias, stride, padding, dilation, groups,
           transposed=False, shown=None):
    """Validate an (N, C, H, W) input shape against its weight's; return padding as
    ((top, bottom), (left, right)). ``shown``: the (input, weight) shapes the user passed,
    for messages (conv1d checks its (N, C, L) input as an (N, C, 1, L) image)."""
    sx, sw = shown or (xs, ws)
    if len(ws) != 4:
        raise ShapeError(f"{op}: expected a 4-D weight, got shape {sw}")
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation) or groups < 1:
        raise ValueError(f"{op}: stride, dilation and groups must be positive, got stride="
                         f"{stride}, dilation={dilation}, groups={groups}")
    in_channels = ws[0] if transposed else ws[1] * groups
    out_channels = ws[1] * groups if transposed else ws[0]
    if ws[0] % groups or xs[1] % groups:
        raise ShapeError(
            f"{op}: groups={groups} must divide both in_channels and out_channels, got weight "
            f"{sw} for input {sx}; choose groups that divides both channel counts"
        )
    if xs[1] != in_channels:
        raise ShapeError(
            f"{op}: input has {xs[1]} channels (shape {sx}) but the weight {sw} with groups="
            f"{groups} expects {in_channels}; set in_channels={xs[1]} in the layer, or fix the "
            f"input (images are (N, C, H, W): permute channels-last data with "
            f"x.permute(0, 3, 1, 2))"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ShapeError(f"{op}: bias must have shape ({out_channels},) for weight {sw}, got "
                         f"{tuple(bias.shape)}")
    kernel = ws[2:]
    if padding == "valid":
        pads = ((0, 0), (0, 0))
    elif padding == "same":
        if any(s != 1 for s in stride):
            raise ShapeError(
                f"{op}: padding='same' needs stride 1, got stride={stride} (PyTorch refuses it "
                f"too); pass an explicit padding, e.g. padding={kernel[0] // 2}"
            )
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        pads = tuple((t // 2, t - t // 2) for t in totals)  # the odd one out goes bottom/right
    elif isinstance(padding, str):
        raise ValueError(f"{op}: padding must be 'valid', 'same', an int or a tuple, got "
                         f"{padding!r}")
    else:
        pads = tuple((p, p) for p in _tuple(padding, 2, "padding", op))
    if not transposed:
        for k, d, (before, after), size in zip(kernel, dilation, pads, xs[2:]):
            if d * (k - 1) + 1 > size + before + after:
                raise ShapeError(
                    f"{op}: kernel {sw[2:]} (dilation {dilation}) is larger than the padded "
                    f"input: input {sx} with padding {_show(pads)} is "
                    f"{xs[2] + sum(pads[0])}x{xs[3] + sum(pads[1])}; use a smaller kernel, "
                    f"more padding, or a larger input (check earlier layers that shrink it)"
                )
    return pads


def _show(pads) -> tuple:
    """((t, b), (l, r)) as PyTorch shows a padding: (t, l) when symmetric."""
    symmetric = all(a == b for a, b in pads)
    return tuple(a for a, _ in pads) if symmetric else pads


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """2-D convolution over an (N, C_in, H, W) input with weight (C_out, C_in/groups, kh, kw).

    y[n, o] = b[o] + Σ W[o, c, i, j]·x[n, c, oh·stride + i·dilation - pad, ...]; padding is an
    int, a pair, 'valid' (none) or 'same' (output as large as the input; stride 1 only).
    Shape: output (N, C_out, ⌊(H + 2·pad - dilation·(kh - 1) - 1)/stride⌋ + 1, same for W).
    Example: ``F.conv2d(glassnet.ones(1, 1, 5, 5), glassnet.ones(2, 1, 3, 3)).shape ==
    (1, 2, 3, 3)``
    """
    x, unbatched = _batched(_t(input), 2, "conv2d")
    stride, dilation = _tuple(stride, 2, "stride", "conv2d"), _tuple(dilation, 2, "dilation",
                                                                       "conv2d")
    _check_dtypes("conv2d", x, weight, bias)
    pads = _check("conv2d", tuple(x.shape), tuple(weight.shape), bias, stride, padding,
                  dilation, groups)
    y = C.Conv2d.apply(x, weight, bias, stride, pads, dilation, groups)
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """1-D convolution over an (N, C_in, L) input with weight (C_out, C_in/groups, k).

    y[n, o, t] = b[o] + Σ W[o, c, k]·x[n, c, t·stride + k·dilation - pad]; padding as conv2d's.
    Example: ``F.conv1d(glassnet.ones(1, 2, 6), glassnet.ones(3, 2, 3)).shape == (1, 3, 4)``
    """
    x, unbatched = _batched(_t(input), 1, "conv1d")
    if weight.ndim != 3:
        raise ShapeError(f"conv1d: expected a 3-D weight (C_out, C_in/groups, k), got shape "
                         f"{tuple(weight.shape)}")
    stride = _tuple(stride, 1, "stride", "conv1d")
    dilation = _tuple(dilation, 1, "dilation", "conv1d")
    if not isinstance(padding, str):
        padding = (0, _tuple(padding, 1, "padding", "conv1d")[0])
    _check_dtypes("conv1d", x, weight, bias)
    (n, c, length), (o, cg, k) = x.shape, weight.shape
    pads = _check("conv1d", (n, c, 1, length), (o, cg, 1, k), bias, (1, stride[0]), padding,
                  (1, dilation[0]), groups, shown=(tuple(x.shape), tuple(weight.shape)))
    y = C.Conv1d.apply(x, weight, bias, stride[0], pads[1], dilation[0], groups)
    return y.squeeze(0) if unbatched else y


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1):
    """2-D transposed convolution (the adjoint of conv2d, used to upsample) with weight
    (C_in, C_out/groups, kh, kw).

    Shape: output H = (H_in - 1)·stride - 2·padding + dilation·(kh - 1) + output_padding + 1.
    Example: ``F.conv_transpose2d(glassnet.ones(1, 2, 3, 3), glassnet.ones(2, 4, 2, 2),
    stride=2).shape == (1, 4, 6, 6)``
    """
    op = "conv_transpose2d"
    x, unbatched = _batched(_t(input), 2, op)
    stride, dilation = _tuple(stride, 2, "stride", op), _tuple(dilation, 2, "dilation", op)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of 2 ints, got {padding!r}")
    padding = _tuple(padding, 2, "padding", op)
    output_padding = _tuple(output_padding, 2, "output_padding", op)
    _check_dtypes(op, x, weight, bias)
    _check(op, tuple(x.shape), tuple(weight.shape), bias, stride, padding, dilation, groups,
           transposed=True)
    for op_, s, d in zip(output_padding, stride, dilation):
        if not 0 <= op_ < max(s, d):
            raise ValueError(
                f"{op}: output_padding must be smaller than either stride or dilation, got "
                f"output_padding={output_padding}, stride={stride}, dilation={dilation}"
            )
    size = [(x.shape[2 + i] - 1) * stride[i] - 2 * padding[i]
            + dilation[i] * (weight.shape[2 + i] - 1) + output_padding[i] + 1 for i in range(2)]
    if min(size) < 1:
        raise ShapeError(f"{op}: padding {padding} crops the whole output (input "
                         f"{tuple(x.shape)}, weight {tuple(weight.shape)}); use less padding")
    y = C.ConvTranspose2d.apply(x, weight, bias, stride, padding, output_padding, groups,
                                dilation)
    return y.squeeze(0) if unbatched else y


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding patches: (N, C, H, W) → (N, C·kh·kw, L), L the number of patches.

    Example: ``F.unfold(glassnet.ones(1, 2, 4, 4), 3).shape == (1, 18, 4)``
    """
    op = "unfold"
    x, unbatched = _batched(_t(input), 2, op)
    kernel, dilation, padding, stride = (_tuple(v, 2, name, op) for v, name in (
        (kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"),
        (stride, "stride")))
    for k, d, p, size in zip(kernel, dilation, padding, x.shape[2:]):
        if d * (k - 1) + 1 > size + 2 * p:
            raise ShapeError(f"{op}: kernel {kernel} (dilation {dilation}) is larger than the "
                             f"padded input {tuple(x.shape)} with padding {padding}; use a "
                             f"smaller kernel or more padding")
    y = C.Unfold.apply(x, kernel, dilation, padding, stride)
    return y.squeeze(0) if unbatched else y


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding patches back into an image: (N, C·kh·kw, L) → (N, C, H, W), the adjoint of
    unfold (``fold(unfold(x))`` multiplies each pixel by the number of patches covering it).

    Example: ``F.fold(glassnet.ones(1, 18, 4), (4, 4), 3).shape == (1, 2, 4, 4)``
    """
    op = "fold"
    x = _t(input)
    unbatched = x.ndim == 2
    if unbatched:
        x = x.unsqueeze(0)
    if x.ndim != 3:
        raise ShapeError(f"{op}: expected a 3-D input (N, C·kh·kw, L) or a 2-D unbatched one, "
                         f"got shape {tuple(x.shape)}")
    size, kernel, dilation, padding, stride = (_tuple(v, 2, name, op) for v, name in (
        (output_size, "output_size"), (kernel_size, "kernel_size"), (dilation, "dilation"),
        (padding, "padding"), (stride, "stride")))
    blocks = [C.output_size(size[i], kernel[i], stride[i], 2 * padding[i], dilation[i])
              for i in range(2)]
    area = kernel[0] * kernel[1]
    if x.shape[1] % area or x.shape[2] != blocks[0] * blocks[1] or min(blocks) < 1:
        raise ShapeError(
            f"{op}: input {tuple(x.shape)} does not fit output_size={size} with kernel_size="
            f"{kernel}: expected (N, C·{area}, {max(blocks[0], 0) * max(blocks[1], 0)}); check "
            f"that kernel_size, dilation, padding and stride match the unfold that made it"
        )
    y = C.Fold.apply(x, size, kernel, dilation, padding, stride)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1):
    """1-D transposed convolution over (N, C_in, L) with weight (C_in, C_out/groups, k):
    conv_transpose2d on the sequence seen as an image one pixel high.

    Shape: output L = (L_in - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1.
    """
    op = "conv_transpose1d"
    x, unbatched = _batched(_t(input), 1, op)
    if weight.ndim != 3:
        raise ShapeError(f"{op}: expected a 3-D weight (C_in, C_out/groups, k), got shape "
                         f"{tuple(weight.shape)}")
    one = {name: _tuple(value, 1, name, op)[0] for name, value in (
        ("stride", stride), ("padding", padding), ("output_padding", output_padding),
        ("dilation", dilation))}
    y = conv_transpose2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, one["stride"]),
                         (0, one["padding"]), (0, one["output_padding"]), groups,
                         (1, one["dilation"])).squeeze(2)
    return y.squeeze(0) if unbatched else y
