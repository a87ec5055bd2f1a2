"""nn.utils: gradient clipping and parameter vectors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn

try:
    import torch
except ImportError:
    torch = None


def _grads(lib, values):
    params = [lib.tensor(v, requires_grad=True) for v in values]
    for p, v in zip(params, values):
        p.grad = lib.tensor(np.array(v) * 10)
    return params


VALUES = [np.array([[1.0, -2.0], [3.0, 0.5]]), np.array([4.0, -1.0])]


def test_clip_grad_norm_rescales_jointly_and_returns_the_old_norm():
    params = _grads(glassnet, VALUES)
    expected = np.sqrt(sum(((v * 10) ** 2).sum() for v in VALUES))
    total = nn.utils.clip_grad_norm_(params, max_norm=5.0)
    assert total.item() == pytest.approx(expected)
    new = np.sqrt(sum((p.grad.detach().numpy() ** 2).sum() for p in params))
    assert new == pytest.approx(5.0, rel=1e-5)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_matches_pytorch(norm_type):
    ours, theirs = _grads(glassnet, VALUES), _grads(torch, VALUES)
    a = nn.utils.clip_grad_norm_(ours, 3.0, norm_type=norm_type)
    b = torch.nn.utils.clip_grad_norm_(theirs, 3.0, norm_type=norm_type)
    assert a.item() == pytest.approx(b.item())
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.detach().numpy(), q.grad.numpy(), rtol=1e-7)


def test_clip_grad_value():
    params = _grads(glassnet, VALUES)
    nn.utils.clip_grad_value_(params, 15.0)
    assert params[0].grad.numpy().max() == 15.0 and params[1].grad.numpy().min() == -10.0


def test_parameters_to_vector_and_back():
    layer = nn.Linear(3, 2)
    vector = nn.utils.parameters_to_vector(layer.parameters())
    assert vector.shape == (8,)
    nn.utils.vector_to_parameters(vector * 0 + 1, layer.parameters())
    assert layer.weight.sum().item() == 6 and layer.bias.sum().item() == 2
