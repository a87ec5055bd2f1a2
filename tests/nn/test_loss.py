"""Losses: the seed's worked numbers, stability, PyTorch agreement, and the promised errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn
import glassnet.nn.functional as F
from glassnet.errors import ShapeError

try:
    import torch
except ImportError:
    torch = None


def test_seed_000_loss_examples():
    mse = nn.MSELoss()
    assert mse(glassnet.tensor([3.0]), glassnet.tensor([2.0])).item() == pytest.approx(1.0)
    assert mse(glassnet.tensor([6.0]), glassnet.tensor([2.0])).item() == pytest.approx(16.0)
    mae = nn.L1Loss()
    assert mae(glassnet.tensor([3.0]), glassnet.tensor([2.0])).item() == pytest.approx(1.0)
    assert mae(glassnet.tensor([6.0]), glassnet.tensor([2.0])).item() == pytest.approx(4.0)
    bce = nn.BCELoss()
    assert bce(glassnet.tensor([0.9]), glassnet.tensor([1.0])).item() == pytest.approx(0.105,
                                                                                      abs=1e-3)
    assert bce(glassnet.tensor([0.1]), glassnet.tensor([1.0])).item() == pytest.approx(2.303,
                                                                                      abs=1e-3)
    nll = nn.NLLLoss()  # cross-entropy of probabilities p: -log p[true]
    for p, expected in ((0.8, 0.223), (0.2, 1.609)):
        logp = glassnet.tensor([[math.log(p), math.log((1 - p) / 2), math.log((1 - p) / 2)]])
        assert nll(logp, glassnet.tensor([0])).item() == pytest.approx(expected, abs=1e-3)


def test_seed_14_8_cross_entropy_of_the_softmax_example():
    logits = glassnet.tensor([[2.0, 1.0, 0.1]])
    loss = nn.CrossEntropyLoss()(logits, glassnet.tensor([0]))
    assert loss.item() == pytest.approx(0.417, abs=1e-3)


def test_cross_entropy_is_finite_for_huge_logits():
    logits = glassnet.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]], requires_grad=True)
    loss = F.cross_entropy(logits, glassnet.tensor([1, 1]))
    loss.backward()
    assert math.isfinite(loss.item()) and loss.item() == pytest.approx(1e4, rel=1e-6)
    assert np.all(np.isfinite(logits.grad.detach().numpy()))


def test_bce_with_logits_is_finite_for_huge_logits():
    x = glassnet.tensor([1e4, -1e4], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, glassnet.tensor([0.0, 1.0]))
    loss.backward()
    assert loss.item() == pytest.approx(1e4) and np.all(np.isfinite(x.grad.detach().numpy()))


def test_float_class_targets_raise_with_the_fix():
    with pytest.raises(TypeError, match=r"Use target.long\(\)"):
        F.cross_entropy(glassnet.randn(4, 3), glassnet.tensor([0.0, 1.0, 2.0, 1.0]))


def test_labels_out_of_range_raise_naming_the_range():
    with pytest.raises(IndexError, match=r"\[0, 2\] for 3 classes, found 3"):
        F.cross_entropy(glassnet.randn(2, 3), glassnet.tensor([0, 3]))
    with pytest.raises(IndexError, match="found -1"):
        F.nll_loss(glassnet.randn(2, 3), glassnet.tensor([-1, 0]))


def test_ignored_labels_are_skipped_by_the_range_check_but_others_are_not():
    logits = glassnet.tensor([[2.0, 1.0, 0.1], [0.5, 0.2, 3.0], [1.0, 1.0, 1.0]])
    loss = F.cross_entropy(logits, glassnet.tensor([0, -100, 2]))  # -100: ignore_index
    expected = F.cross_entropy(logits[[0, 2]], glassnet.tensor([0, 2]))
    assert loss.item() == pytest.approx(expected.item())
    loss = F.cross_entropy(logits, glassnet.tensor([7, 1, 2]), ignore_index=7)
    assert loss.item() == pytest.approx(F.cross_entropy(logits[1:], glassnet.tensor([1, 2])).item())
    with pytest.raises(IndexError, match=r"\[0, 2\] for 3 classes, found 3"):
        F.cross_entropy(logits, glassnet.tensor([0, -100, 3]))


def test_bce_outside_zero_one_says_apply_sigmoid():
    with pytest.raises(ValueError, match="sigmoid.*BCEWithLogitsLoss"):
        nn.BCELoss()(glassnet.tensor([1.5, -0.2]), glassnet.tensor([1.0, 0.0]))


@pytest.mark.parametrize("loss", [nn.MSELoss(), nn.L1Loss(), nn.HuberLoss(), nn.BCELoss(),
                                  nn.BCEWithLogitsLoss()])
def test_shapes_that_would_silently_broadcast_raise(loss):
    with pytest.raises(ShapeError, match=r"\(8, 1\) and target shape \(8,\).*broadcast to "
                                         r"\(8, 8\)"):
        loss(glassnet.rand(8, 1), glassnet.rand(8))


def test_unknown_reduction_is_refused():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_modules_match_pytorch(reduction):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    p, t = rng.uniform(0.05, 0.95, (5, 4)), rng.uniform(0, 1, (5, 4))
    labels = np.array([0, 3, 1, 2, 3])
    cases = [
        ("MSELoss", {}, x, y), ("L1Loss", {}, x, y), ("HuberLoss", {"delta": 0.5}, x, y),
        ("BCELoss", {}, p, t), ("BCEWithLogitsLoss", {}, x, t),
        ("CrossEntropyLoss", {"label_smoothing": 0.1}, x, labels),
        ("NLLLoss", {}, x, labels),
    ]
    for name, options, a, b in cases:
        ours = getattr(nn, name)(reduction=reduction, **options)(glassnet.tensor(a),
                                                                 glassnet.tensor(b))
        theirs = getattr(torch.nn, name)(reduction=reduction, **options)(torch.tensor(a),
                                                                         torch.tensor(b))
        np.testing.assert_allclose(ours.detach().numpy(), theirs.numpy(), rtol=1e-10, err_msg=name)
