"""nn.init: the gains, the scales, and seed 001 §14.7's 50-layer experiment."""

from __future__ import annotations

import math

import pytest

import glassnet
import glassnet.nn as nn

try:
    import torch
except ImportError:
    torch = None


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("name,param", [("linear", None), ("sigmoid", None), ("tanh", None),
                                        ("relu", None), ("leaky_relu", None),
                                        ("leaky_relu", 0.2), ("selu", None)])
def test_calculate_gain_matches_pytorch(name, param):
    assert nn.init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param))


@pytest.mark.parametrize("fn,expected_std", [
    (lambda t: nn.init.kaiming_normal_(t, nonlinearity="relu"), math.sqrt(2 / 500)),
    (lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2 / 500)),
    (lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
     math.sqrt(2 / 400)),
    (lambda t: nn.init.xavier_uniform_(t), math.sqrt(2 / 900)),
    (lambda t: nn.init.xavier_normal_(t, gain=2.0), 2 * math.sqrt(2 / 900)),
    (lambda t: nn.init.normal_(t, 0.0, 0.3), 0.3),
    (lambda t: nn.init.uniform_(t, -1.0, 1.0), 1 / math.sqrt(3)),
])
def test_initialisers_have_the_documented_scale(fn, expected_std):
    glassnet.manual_seed(0)
    weight = glassnet.empty(400, 500)  # fan_out 400, fan_in 500
    fn(weight)
    assert weight.detach().numpy().std() == pytest.approx(expected_std, rel=0.02)


def test_constant_zeros_ones():
    t = glassnet.empty(2, 3)
    assert nn.init.constant_(t, 0.5).tolist() == [[0.5] * 3] * 2
    assert nn.init.zeros_(t).sum().item() == 0 and nn.init.ones_(t).sum().item() == 6


def test_fan_needs_two_dims():
    with pytest.raises(ValueError, match="at least 2 dims"):
        nn.init.xavier_uniform_(glassnet.empty(5))


def test_seed_14_7_he_init_keeps_a_50_layer_relu_stack_order_one():
    glassnet.manual_seed(0)
    x = glassnet.randn(256, 64)  # 64 random signals of width 256
    stds = {}
    for scale in (1.0, 0.5, 2.0):
        a = x
        for _ in range(50):
            w = glassnet.empty(256, 256)
            nn.init.kaiming_normal_(w, nonlinearity="relu")
            a = (w * scale @ a).relu()
        stds[scale] = a.std().item()
    assert 0.1 < stds[1.0] < 10  # O(1)
    assert stds[0.5] < 1e-10  # vanishes: 0.5^50 ~ 1e-15
    assert stds[2.0] > 1e10  # explodes: 2^50 ~ 1e15
