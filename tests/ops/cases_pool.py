"""Cases for the pool ops (see cases.py for how a case is written and run)."""

from __future__ import annotations

import numpy as np

from tests.ops.cases import Case, F, normal  # noqa: F401


def distinct(rng, shape):
    """Values without ties (a scaled permutation), so a max's winner is clear and finite
    differences never move it."""
    size = int(np.prod(shape))
    return (rng.permutation(size).reshape(shape) - size / 2) / size * 4


def _max(**options):
    return lambda lib, x: F(lib).max_pool2d(x, **options)


def _avg(**options):
    return lambda lib, x: F(lib).avg_pool2d(x, **options)


def _dropout2d(lib, a):
    lib.manual_seed(0)  # the same channel mask on every call
    return F(lib).dropout2d(a, p=0.4, training=True)


IMAGE = ((2, 3, 6, 6),)
ODD = ((2, 3, 7, 5),)

POOL_CASES: list = [
    Case("MaxPool2d", _max(kernel_size=2), shapes=IMAGE, draw=distinct),
    Case("MaxPool2d", _max(kernel_size=3, stride=2, padding=1), shapes=ODD, draw=distinct,
         name="MaxPool2d-overlap-padding"),
    Case("MaxPool2d", _max(kernel_size=(3, 2), stride=(2, 1), dilation=(1, 2), ceil_mode=True),
         shapes=ODD, draw=distinct, name="MaxPool2d-dilation-ceil"),
    Case("MaxPool2d", _max(kernel_size=2, stride=1), shapes=((3, 4, 5),), draw=distinct,
         name="MaxPool2d-unbatched-stride1"),
    Case("MaxPool2d", lambda lib, x: F(lib).max_pool2d(x, 3, 2, return_indices=True)[0],
         shapes=ODD, draw=distinct, name="MaxPool2d-indices"),
    Case("MaxPool2d", lambda lib, x: F(lib).max_pool1d(x, 3, 2, padding=1), shapes=((2, 3, 7),),
         draw=distinct, name="MaxPool1d"),
    Case("AvgPool2d", _avg(kernel_size=2), shapes=IMAGE),
    Case("AvgPool2d", _avg(kernel_size=3, stride=2, padding=1), shapes=ODD,
         name="AvgPool2d-overlap-padding"),
    Case("AvgPool2d", _avg(kernel_size=3, stride=2, padding=1, count_include_pad=False,
                           ceil_mode=True), shapes=ODD, name="AvgPool2d-exclude-pad-ceil"),
    Case("AvgPool2d", _avg(kernel_size=(2, 3), divisor_override=4), shapes=((3, 6, 6),),
         name="AvgPool2d-unbatched-divisor"),
    Case("AvgPool2d", lambda lib, x: F(lib).avg_pool1d(x, 2), shapes=((2, 3, 7),),
         name="AvgPool1d"),
    Case("AdaptiveAvgPool2d", lambda lib, x: F(lib).adaptive_avg_pool2d(x, 1), shapes=IMAGE),
    Case("AdaptiveAvgPool2d", lambda lib, x: F(lib).adaptive_avg_pool2d(x, (3, None)),
         shapes=ODD, name="AdaptiveAvgPool2d-uneven"),
    Case("AdaptiveMaxPool2d", lambda lib, x: F(lib).adaptive_max_pool2d(x, 3), shapes=IMAGE,
         draw=distinct),
    Case("AdaptiveMaxPool2d", lambda lib, x: F(lib).adaptive_max_pool2d(x, (4, 3)), shapes=ODD,
         draw=distinct, name="AdaptiveMaxPool2d-uneven"),
    Case("ConstantPad", lambda lib, x: F(lib).pad(x, (1, 2, 0, 1), value=0.5), shapes=IMAGE),
    Case("ConstantPad", lambda lib, x: F(lib).pad(x, (-1, 2, 1, -2)), shapes=IMAGE,
         name="ConstantPad-crop"),
    Case("BorderPad", lambda lib, x: F(lib).pad(x, (2, 1, 3, 0), mode="reflect"), shapes=ODD),
    Case("BorderPad", lambda lib, x: F(lib).pad(x, (2, 3), mode="replicate"),
         shapes=((2, 3, 4),), name="BorderPad-replicate"),
    Case("BorderPad", lambda lib, x: F(lib).pad(x, (1, 2, 2, 1), mode="circular"), shapes=IMAGE,
         name="BorderPad-circular"),
    Case("UpsampleNearest", lambda lib, x: F(lib).interpolate(x, scale_factor=2), shapes=ODD),
    Case("UpsampleNearest", lambda lib, x: F(lib).interpolate(x, size=(4, 9),
                                                              mode="nearest-exact"),
         shapes=ODD, name="UpsampleNearest-exact-resize"),
    Case("UpsampleLinear", lambda lib, x: F(lib).interpolate(x, scale_factor=1.5,
                                                             mode="bilinear"), shapes=ODD),
    Case("UpsampleLinear", lambda lib, x: F(lib).interpolate(x, size=(4, 9), mode="bilinear",
                                                             align_corners=True),
         shapes=ODD, name="UpsampleLinear-align-corners"),
    Case("UpsampleLinear", lambda lib, x: F(lib).interpolate(x, size=5, mode="linear"),
         shapes=((2, 3, 7),), name="UpsampleLinear-1d"),
    Case("Dropout", _dropout2d, shapes=IMAGE, torch=False, name="Dropout-2d"),
]
