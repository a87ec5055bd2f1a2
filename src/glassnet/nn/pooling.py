"""Pooling layers: shrink feature maps by the max or mean of each window (PyTorch's nn pools).

Pooling has no weights; these modules hold the window geometry and call ``nn.functional``.
"""

from __future__ import annotations

from . import functional as F
from ._checks import check_sizes
from .module import Module


class MaxPool2d(Module):
    """Keep the largest value of each (kh, kw) window: y[i, j] = max of the window at
    (i·stride - padding, j·stride - padding), dilated by ``dilation``.

    Args: kernel_size, stride (default: kernel_size), padding (at most half the kernel),
    dilation, return_indices, ceil_mode (round the output size up).
    Shape: (N, C, H, W) or (C, H, W) → (N, C, OH, OW), OH = ⌊(H + 2p - d(k - 1) - 1)/s⌋ + 1.
    Example: ``nn.MaxPool2d(2)(glassnet.randn(8, 3, 28, 28)).shape == (8, 3, 14, 14)``
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        check_sizes(type(self).__name__, 1, kernel_size=kernel_size)
        if stride is not None:
            check_sizes(type(self).__name__, 1, stride=stride)
        check_sizes(type(self).__name__, padding=padding)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(MaxPool2d):
    """MaxPool2d along the last dim: (N, C, L) or (C, L) → (N, C, OL)."""

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)


class AvgPool2d(Module):
    """Average each (kh, kw) window: y[i, j] = (sum of the window) / divisor.

    Args: kernel_size, stride (default: kernel_size), padding (implicit zeros, at most half the
    kernel), ceil_mode, count_include_pad (padded zeros count in the divisor), divisor_override.
    Shape: (N, C, H, W) or (C, H, W) → (N, C, OH, OW), OH = ⌊(H + 2p - k)/s⌋ + 1.
    Example: ``nn.AvgPool2d(2)(glassnet.ones(1, 1, 4, 4)).shape == (1, 1, 2, 2)``
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        check_sizes(type(self).__name__, 1, kernel_size=kernel_size)
        if stride is not None:
            check_sizes(type(self).__name__, 1, stride=stride)
        check_sizes(type(self).__name__, padding=padding)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _single(value) -> tuple:
    return (value,) if isinstance(value, int) else tuple(value)


class AvgPool1d(Module):
    """AvgPool2d along the last dim: (N, C, L) or (C, L) → (N, C, OL)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average over bins sized so the output is ``output_size`` whatever the input size;
    ``AdaptiveAvgPool2d(1)`` is global average pooling.

    Args: output_size, an int or (h, w) where None keeps the input's size.
    Shape: (N, C, H, W) or (C, H, W) → (N, C, h, w).
    Example: ``nn.AdaptiveAvgPool2d(1)(glassnet.randn(2, 8, 7, 7)).shape == (2, 8, 1, 1)``
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """The maximum over bins sized so the output is ``output_size`` whatever the input size.

    Args: output_size (an int or (h, w) where None keeps the input's size), return_indices.
    Shape: (N, C, H, W) or (C, H, W) → (N, C, h, w).
    Example: ``nn.AdaptiveMaxPool2d(3)(glassnet.randn(2, 8, 7, 7)).shape == (2, 8, 3, 3)``
    """

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """AdaptiveAvgPool2d along the last dim: (N, C, L) or (C, L) → (N, C, output_size)."""

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """AdaptiveMaxPool2d along the last dim: (N, C, L) or (C, L) → (N, C, output_size)."""

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


def _pair(value) -> tuple:
    return (value, value) if isinstance(value, int) else tuple(value)


class MaxUnpool2d(Module):
    """Put each value back where ``MaxPool2d(..., return_indices=True)`` found it, zeros
    elsewhere: the decoder half of a pooling autoencoder (SegNet).

    Args: kernel_size, stride (default: kernel_size), padding: the pool's.
    forward(input, indices, output_size=None): output_size fixes an odd input size.
    """

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.padding = _pair(padding)

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    """MaxUnpool2d along the last dim: (N, C, L) or (C, L) → (N, C, OL)."""

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        Module.__init__(self)
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)

    def forward(self, input, indices, output_size=None):
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)
