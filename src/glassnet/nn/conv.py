"""Convolution layers: Conv1d, Conv2d, ConvTranspose2d (PyTorch's torch.nn.Conv*).

A convolution layer learns ``out_channels`` small kernels and slides each over the input, so the
same few weights look for one pattern everywhere in the image (weight sharing); see
``ops/conv.py`` for how that becomes one matrix product.
"""

from __future__ import annotations

import math

import numpy as np

from ..dtypes import get_default_dtype, to_dtype
from . import functional as F
from . import init
from ._checks import check_sizes
from .module import Module, Parameter

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n: int, name: str) -> tuple:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return value


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: arguments, weights, init, repr."""

    _dims = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, padding,
                 dilation, groups: int, bias: bool, padding_mode: str, output_padding=0,
                 device=None, dtype=None) -> None:
        super().__init__()
        n = self._dims
        owner = type(self).__name__
        check_sizes(owner, in_channels=in_channels, out_channels=out_channels)
        check_sizes(owner, 1, kernel_size=kernel_size, stride=stride, dilation=dilation)
        if not isinstance(padding, str):
            check_sizes(owner, padding=padding)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"['valid', 'same']")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, n, "stride")):
                raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size")
        self.stride = _ntuple(stride, n, "stride")
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n, "padding")
        self.dilation = _ntuple(dilation, n, "dilation")
        self.output_padding = _ntuple(output_padding, n, "output_padding")
        self.groups, self.padding_mode = groups, padding_mode
        self._reversed_padding_repeated_twice = self._border_widths()
        dtype = (get_default_dtype() if dtype is None else to_dtype(dtype)).numpy
        if self.transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _border_widths(self) -> tuple:
        """F.pad's widths (last dim first) for the non-zero padding modes, as PyTorch keeps
        them: (left, right, top, bottom); 'same' puts the odd pixel on the right/bottom."""
        widths = []
        for i in reversed(range(self._dims)):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                widths += [total // 2, total - total // 2]
            elif self.padding == "valid":
                widths += [0, 0]
            else:
                widths += [self.padding[i], self.padding[i]]
        return tuple(widths)

    def _padded(self, input):
        """The input and the padding left for the conv op: the border modes pad here."""
        if self.padding_mode == "zeros":
            return input, self.padding
        return F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode), 0

    def reset_parameters(self) -> None:
        # PyTorch's default, as in Linear: kaiming_uniform_ with a = √5 gives
        # U(-1/√fan_in, 1/√fan_in), fan_in = (in_channels/groups)·kh·kw (for a transposed
        # conv, dim 1 of its weight: out_channels/groups); the bias draws from the same range.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        n = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L): ``out_channels`` kernels of width ``kernel_size``
    slide along L.

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0 (int, 'valid' or 'same'),
    dilation=1, groups=1, bias=True, padding_mode='zeros', device, dtype.
    Shape: (N, C_in, L) → (N, C_out, ⌊(L + 2·padding - dilation·(k - 1) - 1)/stride⌋ + 1);
    weight (C_out, C_in/groups, k), bias (C_out,).
    Example: ``nn.Conv1d(2, 3, 3)(glassnet.ones(1, 2, 6)).shape == (1, 3, 4)``
    """

    _dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input):
        input, padding = self._padded(input)
        return F.conv1d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) images: ``out_channels`` kernels of size
    ``kernel_size`` slide over the image, each making one output channel (a feature map).

    Args: in_channels, out_channels, kernel_size (int or (kh, kw)), stride=1, padding=0 (int,
    pair, 'valid' or 'same'), dilation=1, groups=1 (groups=in_channels: depthwise), bias=True,
    padding_mode='zeros' (or 'reflect', 'replicate', 'circular': F.pad first), device, dtype.
    Shape: (N, C_in, H, W) → (N, C_out, ⌊(H + 2·padding - dilation·(kh - 1) - 1)/stride⌋ + 1,
    likewise for W); weight (C_out, C_in/groups, kh, kw), bias (C_out,).
    Example: ``nn.Conv2d(1, 32, 3)(glassnet.ones(64, 1, 28, 28)).shape == (64, 32, 26, 26)``
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input):
        input, padding = self._padded(input)
        return F.conv2d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution (the adjoint of Conv2d; learns to upsample): each input pixel
    stamps a weighted kernel onto the output, ``stride`` pixels apart.

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', device, dtype.
    Shape: (N, C_in, H, W) → (N, C_out, (H - 1)·stride - 2·padding + dilation·(kh - 1) +
    output_padding + 1, likewise for W); weight (C_in, C_out/groups, kh, kw), bias (C_out,).
    Example: ``nn.ConvTranspose2d(4, 2, 2, stride=2)(glassnet.ones(1, 4, 7, 7)).shape ==
    (1, 2, 14, 14)``
    """

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair, got "
                             f"{padding!r} (PyTorch has no 'same' for transposed convolutions)")
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for ConvTranspose2d, got '
                             f"{padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device=device, dtype=dtype)

    def forward(self, input, output_size=None):
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)

    def _output_padding(self, input, output_size) -> tuple:
        """The output_padding that makes the output exactly ``output_size`` (H, W) (PyTorch
        lets it pick among the sizes a strided convolution could have come from)."""
        size = tuple(output_size)[-2:]
        padding = []
        for i in range(2):
            smallest = ((input.shape[-2 + i] - 1) * self.stride[i] - 2 * self.padding[i]
                        + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            extra = size[i] - smallest
            if not 0 <= extra < self.stride[i]:
                raise ValueError(
                    f"ConvTranspose2d: requested an output size of {size}, but valid sizes "
                    f"range from {smallest} to {smallest + self.stride[i] - 1} along dim "
                    f"{i} for an input of {tuple(input.shape)}"
                )
            padding.append(extra)
        return tuple(padding)


class Unfold(Module):
    """im2col as a layer (``F.unfold``): (N, C, H, W) → (N, C·kh·kw, L), one column per
    patch. Args: kernel_size, dilation, padding, stride."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """col2im as a layer (``F.fold``): (N, C·kh·kw, L) → (N, C, *output_size), summing where
    patches overlap. Args: output_size, kernel_size, dilation, padding, stride."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class ConvTranspose1d(_ConvNd):
    """1-D transposed convolution (the adjoint of Conv1d; learns to upsample sequences).

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', device, dtype.
    Shape: (N, C_in, L) → (N, C_out, (L - 1)·stride - 2·padding + dilation·(k - 1) +
    output_padding + 1); weight (C_in, C_out/groups, k), bias (C_out,).
    """

    _dims = 1
    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if isinstance(padding, str) or padding_mode != "zeros":
            raise ValueError(f"ConvTranspose1d: padding must be an int and padding_mode "
                             f"'zeros', got padding={padding!r}, padding_mode={padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device=device, dtype=dtype)

    def forward(self, input):
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)

