"""Layers that pad or resize feature maps: Upsample and the 2-d padding layers."""

from __future__ import annotations

from . import functional as F
from .module import Module


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) to ``size`` or by ``scale_factor`` with
    ``F.interpolate`` ('nearest' by default; 'bilinear' with align_corners for 4-d input).

    Example: ``nn.Upsample(scale_factor=2)(glassnet.ones(1, 1, 2, 2)).shape == (1, 1, 4, 4)``
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


def _quadruple(padding) -> tuple[int, int, int, int]:
    """An int pads all four sides; a 4-tuple is (left, right, top, bottom)."""
    if isinstance(padding, int):
        return (padding,) * 4
    values = tuple(int(p) for p in padding)
    if len(values) != 4:
        raise ValueError(f"padding must be an int or a 4-tuple (left, right, top, bottom), got "
                         f"{padding!r}")
    return values


class ConstantPad2d(Module):
    """Surround the last two dims with ``value``: padding is an int or (left, right, top,
    bottom). Shape: (N, C, H, W) or (C, H, W) → (N, C, H + top + bottom, W + left + right)."""

    def __init__(self, padding, value: float) -> None:
        super().__init__()
        self.padding, self.value = _quadruple(padding), value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ZeroPad2d(ConstantPad2d):
    """Surround the last two dims with zeros: padding is an int or (left, right, top, bottom).

    Example: ``nn.ZeroPad2d(1)(glassnet.ones(1, 1, 2, 2)).shape == (1, 1, 4, 4)``
    """

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad2d(Module):
    """Pad the last two dims with their mirror image (the edge is not repeated): padding is an
    int or (left, right, top, bottom), each smaller than the padded dim."""

    mode = "reflect"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _quadruple(padding)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReplicationPad2d(ReflectionPad2d):
    """Pad the last two dims by repeating their edge values: padding is an int or (left,
    right, top, bottom)."""

    mode = "replicate"


class UpsamplingNearest2d(Upsample):
    """Upsample with mode 'nearest' (PyTorch's older name)."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample with mode 'bilinear' and align_corners=True (PyTorch's older name)."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """(N, C·r², H, W) → (N, C, H·r, W·r): channels rearranged into r×r blocks of pixels."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(N, C, H·r, W·r) → (N, C·r², H, W): the inverse of PixelShuffle."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


def _double(padding) -> tuple[int, int]:
    """An int pads both ends; a pair is (left, right)."""
    if isinstance(padding, int):
        return (padding, padding)
    values = tuple(int(p) for p in padding)
    if len(values) != 2:
        raise ValueError(f"padding must be an int or a pair (left, right), got {padding!r}")
    return values


class ConstantPad1d(ConstantPad2d):
    """Pad the last dim with ``value``: padding is an int or (left, right)."""

    def __init__(self, padding, value: float) -> None:
        Module.__init__(self)
        self.padding, self.value = _double(padding), value


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros: padding is an int or (left, right)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(ReflectionPad2d):
    """Pad the last dim with its mirror image: padding is an int or (left, right)."""

    def __init__(self, padding) -> None:
        Module.__init__(self)
        self.padding = _double(padding)


class ReplicationPad1d(ReflectionPad1d):
    """Pad the last dim by repeating its edge values: padding is an int or (left, right)."""

    mode = "replicate"
