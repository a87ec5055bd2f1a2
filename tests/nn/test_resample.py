"""F.pad, F.interpolate, Upsample and the padding layers against PyTorch; flatten, view_as."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.nn.functional as F
from glassnet import nn
from glassnet.errors import ShapeError

torch = pytest.importorskip("torch")


def _agree(ours, theirs, shape, dtype=np.float64):
    rtol = 1e-5 if dtype == np.float32 else 1e-10
    array = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    x = glassnet.tensor(array, requires_grad=True)
    t = torch.tensor(array, requires_grad=True)
    out, ref = ours(x), theirs(t)
    assert tuple(out.shape) == tuple(ref.shape)
    assert out._data.dtype == ref.detach().numpy().dtype
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=rtol, atol=rtol)
    seed = np.random.default_rng(1).standard_normal(tuple(ref.shape)).astype(dtype)
    out.backward(glassnet.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.detach().numpy(), t.grad.numpy(), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("mode, widths, shape", [
    ("constant", (1, 2), (2, 3, 4)),
    ("constant", (1, 0, -1, 2, 1, 1), (2, 3, 4, 5)),
    ("reflect", (3, 1, 0, 2), (2, 3, 4, 5)),
    ("reflect", (2, 2), (3, 5)),
    ("replicate", (4, 1, 2, 3), (3, 4, 5)),
    ("circular", (2, 3, 1, 1), (2, 3, 4, 5)),
])
def test_pad_matches_pytorch(mode, widths, shape):
    value = 0.25 if mode == "constant" else None
    _agree(lambda x: F.pad(x, widths, mode, value),
           lambda t: torch.nn.functional.pad(t, widths, mode, value), shape)


def test_pad_keeps_float32():
    _agree(lambda x: F.pad(x, (1, 1, 2, 2), "reflect"),
           lambda t: torch.nn.functional.pad(t, (1, 1, 2, 2), "reflect"), (1, 2, 4, 4),
           np.float32)


def test_pad_errors_name_the_problem():
    x = glassnet.zeros(1, 1, 3, 3)
    with pytest.raises(ValueError, match="even number of widths"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ShapeError, match=r"'reflect' can pad a dim of size 3 by at most 2"):
        F.pad(x, (3, 0, 0, 0), "reflect")
    with pytest.raises(ShapeError, match=r"expects a 3-d \(unbatched\) or 4-d"):
        F.pad(glassnet.zeros(3, 3), (1, 1, 1, 1), "reflect")
    with pytest.raises(ValueError, match="does not take a fill value"):
        F.pad(x, (1, 1), "replicate", value=2.0)
    with pytest.raises(ValueError, match="mode must be one of"):
        F.pad(x, (1, 1), "mirror")
    with pytest.raises(ShapeError, match="non-positive size"):
        F.pad(x, (-2, -1))


SIZES = [dict(scale_factor=2), dict(scale_factor=3), dict(scale_factor=1.7),
         dict(scale_factor=(0.6, 2.3)), dict(size=(7, 5)), dict(size=(3, 2)),
         dict(scale_factor=1.7, recompute_scale_factor=True)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode, align_corners", [("nearest", None), ("nearest-exact", None),
                                                 ("bilinear", None), ("bilinear", True),
                                                 ("bilinear", False)])
@pytest.mark.parametrize("size", SIZES, ids=str)
def test_interpolate_matches_pytorch(size, mode, align_corners, dtype):
    _agree(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **size),
           lambda t: torch.nn.functional.interpolate(t, mode=mode, align_corners=align_corners,
                                                     **size), (2, 3, 5, 6), dtype)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear"])
@pytest.mark.parametrize("size, out", [(1, 7), (5, 1), (5, 13), (13, 5), (28, 56), (100, 37)])
def test_interpolate_source_indices_match_pytorch_float32_arithmetic(size, out, mode):
    _agree(lambda x: F.interpolate(x, size=(out, 2), mode=mode),
           lambda t: torch.nn.functional.interpolate(t, size=(out, 2), mode=mode),
           (1, 1, size, 2), np.float32)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_interpolate_1d_matches_pytorch(mode):
    _agree(lambda x: F.interpolate(x, scale_factor=2.5, mode=mode),
           lambda t: torch.nn.functional.interpolate(t, scale_factor=2.5, mode=mode), (2, 3, 6))


def test_interpolate_area_is_adaptive_average_pooling():
    _agree(lambda x: F.interpolate(x, size=(3, 4), mode="area"),
           lambda t: torch.nn.functional.interpolate(t, size=(3, 4), mode="area"), (2, 3, 7, 9))


def test_interpolate_errors_name_the_problem():
    x = glassnet.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners can only be set"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ShapeError, match=r"'bilinear' expects a 4-d input.*\(1, 4, 4\)"):
        F.interpolate(glassnet.zeros(1, 4, 4), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="mode must be one of"):
        F.interpolate(x, scale_factor=2, mode="bicubic")
    with pytest.raises(ShapeError, match="use a larger factor"):
        F.interpolate(x, scale_factor=0.1)
    with pytest.raises(ValueError, match="one value per spatial dim"):
        F.interpolate(x, size=(2, 3, 4))


@pytest.mark.parametrize("make", [
    lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(size=(4, 5), mode="bilinear", align_corners=True),
    lambda nn: nn.Upsample(scale_factor=(2, 1.5), mode="bilinear"),
    lambda nn: nn.ZeroPad2d(1),
    lambda nn: nn.ZeroPad2d((1, 2, 0, 3)),
    lambda nn: nn.ConstantPad2d((2, 0, 1, 1), 3.5),
    lambda nn: nn.ReflectionPad2d(2),
    lambda nn: nn.ReplicationPad2d((1, 0, 3, 2)),
])
def test_resample_modules_match_pytorch_with_their_reprs(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    _agree(ours, theirs, (2, 3, 4, 5))


def test_flatten_and_view_as_match_pytorch():
    for shape in [(2, 3, 4, 5), (0, 3, 4)]:
        for start, end in [(1, -1), (0, -1), (1, 2), (-2, -1), (2, 2)]:
            expected = tuple(torch.zeros(shape).flatten(start, end).shape)
            assert tuple(glassnet.zeros(shape).flatten(start, end).shape) == expected
            assert tuple(glassnet.flatten(glassnet.zeros(shape), start, end).shape) == expected
    with pytest.raises(IndexError, match="Dimension out of range"):
        glassnet.zeros(3).flatten(1)
    with pytest.raises(RuntimeError, match="start_dim 2 comes after end_dim 1"):
        glassnet.zeros(2, 3, 4).flatten(2, 1)
    assert glassnet.zeros(2, 6).view_as(glassnet.zeros(3, 4)).shape == (3, 4)
