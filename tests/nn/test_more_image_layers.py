"""Layers image models use beyond issue 10's list: pixel shuffle (super-resolution), max
unpooling (pooling autoencoders, SegNet), AlexNet's local response norm, the 1-d adaptive
pools and pads, the old upsampling names, Unfold/Fold as layers, and the shrink/gate
activations. Each is built by the same code on both libraries: the same values and input
gradients as PyTorch (float64), the same repr, and gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet.autograd import gradcheck

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

LAYERS = {
    "LogSigmoid": (lambda nn: nn.LogSigmoid(), (2, 5)),
    "Softmin": (lambda nn: nn.Softmin(dim=1), (2, 5)),
    "Softmax2d": (lambda nn: nn.Softmax2d(), (2, 3, 2, 2)),
    "Softshrink": (lambda nn: nn.Softshrink(0.3), (2, 5)),
    "Hardshrink": (lambda nn: nn.Hardshrink(), (2, 5)),
    "Tanhshrink": (lambda nn: nn.Tanhshrink(), (2, 5)),
    "GLU": (lambda nn: nn.GLU(dim=1), (2, 6, 3)),
    "AdaptiveAvgPool1d": (lambda nn: nn.AdaptiveAvgPool1d(3), (2, 3, 7)),
    "AdaptiveMaxPool1d": (lambda nn: nn.AdaptiveMaxPool1d(2), (2, 3, 7)),
    "PixelShuffle": (lambda nn: nn.PixelShuffle(2), (2, 8, 3, 2)),
    "PixelUnshuffle": (lambda nn: nn.PixelUnshuffle(2), (1, 2, 4, 6)),
    "UpsamplingNearest2d": (lambda nn: nn.UpsamplingNearest2d(scale_factor=2), (1, 2, 3, 3)),
    "UpsamplingBilinear2d": (lambda nn: nn.UpsamplingBilinear2d(size=(5, 4)), (1, 2, 3, 3)),
    "ZeroPad1d": (lambda nn: nn.ZeroPad1d(2), (2, 3, 4)),
    "ConstantPad1d": (lambda nn: nn.ConstantPad1d((1, 2), 0.5), (2, 3, 4)),
    "ReflectionPad1d": (lambda nn: nn.ReflectionPad1d((2, 1)), (2, 3, 4)),
    "ReplicationPad1d": (lambda nn: nn.ReplicationPad1d(2), (2, 3, 4)),
    "Unfold": (lambda nn: nn.Unfold(2, stride=2, padding=1), (2, 3, 4, 5)),
    "Fold": (lambda nn: nn.Fold((4, 5), 2, padding=1, stride=2), (2, 12, 9)),
    "LocalResponseNorm": (lambda nn: nn.LocalResponseNorm(3, alpha=0.5, beta=0.75, k=2.0),
                          (2, 5, 3, 3)),
    "LocalResponseNorm-even-3d": (lambda nn: nn.LocalResponseNorm(2), (2, 4, 6)),
}


def draw(shape, seed=0):
    """Values away from the shrink thresholds (±0.3, ±0.5), so the kinks are not crossed."""
    x = np.random.default_rng(seed).uniform(0.6, 2.0, shape)
    return x * np.random.default_rng(seed + 1).choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("name", LAYERS)
def test_layer_gradchecks(name):
    build, shape = LAYERS[name]
    layer = build(glassnet.nn)
    x = glassnet.tensor(draw(shape), dtype=glassnet.float64, requires_grad=True)
    assert gradcheck(layer, (x,))


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_pytorch(name):
    build, shape = LAYERS[name]
    x = draw(shape)
    ours, theirs = build(glassnet.nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    a = glassnet.tensor(x, dtype=glassnet.float64, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    out_a, out_b = ours(a), theirs(b)
    np.testing.assert_allclose(out_a.detach().numpy(), out_b.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    weights = np.random.default_rng(5).standard_normal(tuple(out_b.shape))
    (out_a * glassnet.tensor(weights)).sum().backward()
    (out_b * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-14)


def pool_then_unpool(lib, x, odd: bool):
    nn = lib.nn
    pool = nn.MaxPool2d(2, stride=2, return_indices=True)
    out, indices = pool(x)
    unpool = nn.MaxUnpool2d(2, stride=2)
    return unpool(out, indices, output_size=x.shape) if odd else unpool(out, indices)


@pytest.mark.parametrize("shape, odd", [((2, 3, 4, 6), False), ((1, 2, 5, 5), True)])
def test_max_unpool_puts_each_max_back_as_pytorch_does(shape, odd):
    x = draw(shape, seed=3)
    leaf = glassnet.tensor(x, dtype=glassnet.float64, requires_grad=True)
    assert gradcheck(lambda t: pool_then_unpool(glassnet, t, odd), (leaf,))
    if torch is not None:
        ours = pool_then_unpool(glassnet, glassnet.tensor(x), odd)
        theirs = pool_then_unpool(torch, torch.tensor(x), odd)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_max_unpool1d_and_its_errors():
    x = glassnet.tensor([[[1.0, 5.0, 2.0, 4.0, 3.0, 0.0]]])
    out, indices = glassnet.nn.MaxPool1d(2, return_indices=True)(x)
    assert glassnet.nn.MaxUnpool1d(2)(out, indices).tolist() == [[[0.0, 5.0, 0.0, 4.0, 3.0,
                                                                     0.0]]]
    with pytest.raises(glassnet.ShapeError, match="indices of the input's shape"):
        glassnet.nn.functional.max_unpool2d(glassnet.ones(1, 1, 2, 2), glassnet.ones(1, 1, 2, 2),
                                            2)
    with pytest.raises(glassnet.ShapeError, match="outside the 2x2 output plane"):
        glassnet.nn.functional.max_unpool2d(glassnet.ones(1, 1, 1, 1),
                                            glassnet.tensor([[[[7]]]]), 2)


def test_pixel_shuffle_round_trips_and_refuses_bad_channels():
    x = glassnet.randn(2, 12, 3, 4)
    F = glassnet.nn.functional
    assert np.array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())
    with pytest.raises(glassnet.ShapeError, match="channels divisible by 4"):
        F.pixel_shuffle(glassnet.ones(1, 6, 2, 2), 2)


def test_old_functional_names():
    F = glassnet.nn.functional
    x = glassnet.arange(4.0).reshape(1, 1, 2, 2)
    assert F.upsample(x, scale_factor=2).shape == (1, 1, 4, 4)
    assert F.upsample_nearest(x, size=3).shape == (1, 1, 3, 3)
    assert np.allclose(F.upsample_bilinear(x, size=3).numpy(),
                       F.interpolate(x, size=3, mode="bilinear", align_corners=True).numpy())
    assert F.logsigmoid(glassnet.tensor([-1000.0, 1000.0])).tolist() == [-1000.0, 0.0]
