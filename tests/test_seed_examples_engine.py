"""Seed 001's worked examples for the engine (§14.3, §14.4, §14.6), run as written with
``import glassnet as torch``."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as torch


def test_14_3_backprop_gives_the_lessons_gradients():
    x = torch.tensor(2.0)
    w1 = torch.tensor(0.5, requires_grad=True)
    w2 = torch.tensor(1.5, requires_grad=True)
    y = torch.tensor(3.0)
    loss = 0.5 * (w2 * (w1 * x) - y) ** 2
    loss.backward()
    assert w1.grad.item() == pytest.approx(-4.5)
    assert w2.grad.item() == pytest.approx(-1.5)


def test_14_3_finite_difference_agrees():
    x, w1, w2, y = 2.0, 0.5, 1.5, 3.0

    def loss(w1, w2):
        return 0.5 * (w2 * (w1 * x) - y) ** 2

    eps = 1e-6
    numeric = (loss(w1, w2 + eps) - loss(w1, w2 - eps)) / (2 * eps)
    assert round(numeric, 4) == -1.5
    w2t = torch.tensor(w2, dtype=torch.float64, requires_grad=True)
    loss(torch.tensor(w1, dtype=torch.float64), w2t).backward()
    assert w2t.grad.item() == pytest.approx(numeric, abs=1e-6)


def test_14_4_loss_grad_fn_shows_a_mul_node():
    x = torch.tensor(2.0)
    w1 = torch.tensor(0.5, requires_grad=True)
    w2 = torch.tensor(1.5, requires_grad=True)
    a1 = x * w1
    yhat = a1 * w2
    loss = 0.5 * (yhat - 3.0) ** 2
    assert "MulBackward0" in repr(loss.grad_fn)
    assert a1.grad_fn.name() == "MulBackward0"
    loss.backward()
    assert repr(w1.grad) == "tensor(-4.5000)" and repr(w2.grad) == "tensor(-1.5000)"


def test_14_6_softmax_worked_example():
    probs = torch.softmax(torch.tensor([2.0, 1.0, 0.1]), dim=0)
    np.testing.assert_allclose(probs.numpy(), [0.659, 0.242, 0.099], atol=5e-4)
    assert probs.sum().item() == pytest.approx(1.0)


def test_14_6_softmax_of_huge_logits_is_finite():
    probs = torch.softmax(torch.tensor([1000.0, 0.0, -1000.0]), dim=0)
    assert np.all(np.isfinite(probs.numpy()))
    np.testing.assert_allclose(probs.numpy(), [1.0, 0.0, 0.0], atol=1e-7)
    logp = torch.log_softmax(torch.tensor([1000.0, 0.0, -1000.0]), dim=0)
    assert np.all(np.isfinite(logp.numpy()))
