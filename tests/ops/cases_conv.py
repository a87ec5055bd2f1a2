"""Cases for the conv ops (see cases.py for how a case is written and run).

Inputs stay small: gradcheck in float64 runs two forward passes per input element.
"""

from __future__ import annotations

from tests.ops.cases import Case, F, normal  # noqa: F401

CONV_CASES: list = [
    Case("Conv2d", lambda lib, x, w, b: F(lib).conv2d(x, w, b),
         shapes=((2, 3, 5, 5), (4, 3, 3, 3), (4,))),
    Case("Conv2d", lambda lib, x, w, b: F(lib).conv2d(x, w, b, stride=2, padding=1),
         shapes=((2, 3, 5, 5), (4, 3, 3, 3), (4,)), name="Conv2d-stride"),
    Case("Conv2d", lambda lib, x, w: F(lib).conv2d(x, w, stride=(2, 1), padding=(1, 2)),
         shapes=((2, 3, 5, 4), (2, 3, 3, 2)), name="Conv2d-padding-tuple-nobias"),
    Case("Conv2d", lambda lib, x, w, b: F(lib).conv2d(x, w, b, padding="same"),
         shapes=((1, 2, 5, 4), (3, 2, 3, 3), (3,)), name="Conv2d-same-odd"),
    Case("Conv2d", lambda lib, x, w: F(lib).conv2d(x, w, padding="same"),
         shapes=((1, 2, 5, 4), (3, 2, 4, 2)), name="Conv2d-same-even"),
    Case("Conv2d", lambda lib, x, w: F(lib).conv2d(x, w, padding="valid", dilation=(2, 1)),
         shapes=((2, 2, 6, 5), (3, 2, 2, 3)), name="Conv2d-valid-dilation"),
    Case("Conv2d", lambda lib, x, w, b: F(lib).conv2d(x, w, b, padding=1, groups=2),
         shapes=((2, 4, 4, 4), (6, 2, 3, 3), (6,)), name="Conv2d-groups"),
    Case("Conv2d", lambda lib, x, w: F(lib).conv2d(x, w, padding=1, groups=3),
         shapes=((2, 3, 4, 4), (3, 1, 3, 3)), name="Conv2d-depthwise"),
    Case("Conv2d", lambda lib, x, w: F(lib).conv2d(x, w), shapes=((3, 4, 5), (2, 3, 2, 2)),
         name="Conv2d-unbatched"),
    # more output channels than C·kh·kw: stride 1 takes the plain route (ops/conv.py)
    Case("Conv2d", lambda lib, x, w, b: F(lib).conv2d(x, w, b, padding=1),
         shapes=((2, 1, 4, 5), (6, 1, 2, 2), (6,)), name="Conv2d-first-layer"),
    Case("Conv2d", lambda lib, x, w: F(lib).conv2d(x, w), shapes=((1, 4, 3, 3), (2, 4, 1, 1)),
         name="Conv2d-1x1"),
    Case("Conv1d", lambda lib, x, w, b: F(lib).conv1d(x, w, b, stride=2, padding=1),
         shapes=((2, 3, 7), (4, 3, 3), (4,))),
    Case("Conv1d", lambda lib, x, w: F(lib).conv1d(x, w, padding="same", dilation=2, groups=2),
         shapes=((2, 4, 6), (2, 2, 2)), name="Conv1d-same-dilation-groups"),
    Case("ConvTranspose2d", lambda lib, x, w, b: F(lib).conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=1),
        shapes=((2, 3, 3, 3), (3, 2, 3, 3), (2,))),
    Case("ConvTranspose2d", lambda lib, x, w: F(lib).conv_transpose2d(
        x, w, stride=(2, 1), padding=(0, 1), groups=2, dilation=(1, 2)),
        shapes=((1, 4, 3, 3), (4, 3, 2, 2)), name="ConvTranspose2d-groups-dilation"),
    Case("Unfold", lambda lib, x: F(lib).unfold(x, (2, 3), dilation=(1, 2), padding=1,
                                                stride=(2, 1)),
         shapes=((2, 2, 4, 5),)),
    Case("Fold", lambda lib, c: F(lib).fold(c, (4, 5), (2, 3), dilation=(1, 2), padding=1,
                                            stride=(2, 1)),
         shapes=((2, 12, 9),)),
]
