"""The activations of issue 12 (ReLU6 ... Threshold): values, gradients and reprs against PyTorch,
in-place forms, PReLU's parameter, and the errors they promise."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import nn
from glassnet.nn import functional as F

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

# (module name, constructor arguments, scale): inputs are drawn as scale·N(0, 1) so that
# piecewise units see every piece (±3 for the hard ones, the threshold for Softplus)
MODULES = [
    ("ReLU6", (), 4.0), ("SELU", (), 2.0), ("CELU", (0.5,), 2.0), ("SiLU", (), 3.0),
    ("Mish", (), 3.0), ("Softplus", (), 3.0), ("Softplus", (2.0, 3.0), 3.0),
    ("Softsign", (), 3.0), ("Hardtanh", (), 2.0), ("Hardtanh", (-0.5, 2.0), 2.0),
    ("Hardsigmoid", (), 4.0), ("Hardswish", (), 4.0), ("Threshold", (0.1, 20.0), 1.0),
    ("PReLU", (), 1.0),
]
# PyTorch takes 1/6 (Hardsigmoid) and 1/α (CELU) as float32 constants in their gradients
LOOSE = {"CELU": 1e-7, "Hardsigmoid": 1e-7}


@needs_torch
@pytest.mark.parametrize("name,args,scale", MODULES, ids=lambda v: str(v))
def test_activation_module_matches_pytorch(name, args, scale):
    x = np.random.default_rng(0).standard_normal((4, 3, 5)) * scale
    ours_in = glassnet.tensor(x, requires_grad=True)
    theirs_in = torch.tensor(x, requires_grad=True)
    ours_module = getattr(nn, name)(*args).double()
    theirs_module = getattr(torch.nn, name)(*args).double()
    ours, theirs = ours_module(ours_in), theirs_module(theirs_in)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    seed = np.random.default_rng(1).standard_normal(x.shape)
    ours.backward(glassnet.tensor(seed))
    theirs.backward(torch.tensor(seed))
    rtol = LOOSE.get(name, 1e-12)
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=rtol,
                               atol=1e-14)
    assert repr(ours_module) == repr(theirs_module)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__


@needs_torch
@pytest.mark.parametrize("make", [
    lambda nn: nn.ReLU6(inplace=True), lambda nn: nn.SELU(True), lambda nn: nn.CELU(0.3, True),
    lambda nn: nn.SiLU(True), lambda nn: nn.Mish(True), lambda nn: nn.Hardtanh(-2, 2, True),
    lambda nn: nn.Hardsigmoid(True), lambda nn: nn.Hardswish(inplace=True),
    lambda nn: nn.Threshold(0.1, 20, True), lambda nn: nn.Softplus(2, 10),
    lambda nn: nn.PReLU(3, 0.1), lambda nn: nn.CELU(), lambda nn: nn.Hardtanh(),
    lambda nn: nn.ReLU(True), lambda nn: nn.LeakyReLU(0.2, True), lambda nn: nn.ELU(0.5, True),
    lambda nn: nn.ELU(), lambda nn: nn.LeakyReLU(),
])
def test_reprs_match_pytorch(make):
    assert repr(make(nn)) == repr(make(torch.nn))


@pytest.mark.parametrize("function,args", [
    (F.relu, ()), (F.leaky_relu, (0.2,)), (F.elu, (0.5,)), (F.relu6, ()), (F.selu, ()),
    (F.celu, (0.5,)), (F.silu, ()), (F.mish, ()),
    (F.hardtanh, (-0.5, 0.5)), (F.hardsigmoid, ()), (F.hardswish, ()), (F.threshold, (0.0, -9.0)),
])
def test_inplace_writes_into_the_input_memory(function, args):
    x = glassnet.tensor([[-4.0, -0.3, 0.2, 7.0]])
    memory = x.numpy()
    expected = function(x, *args).numpy().copy()
    out = function(x, *args, inplace=True)
    assert out is x
    np.testing.assert_array_equal(memory, expected)  # the same array, changed in place


def test_inplace_inside_a_graph_gives_the_out_of_place_gradient():
    a = glassnet.tensor([-4.0, -0.3, 0.2, 7.0], requires_grad=True)
    h = a * 2
    F.hardswish(h, inplace=True)
    h.sum().backward()
    b = glassnet.tensor([-4.0, -0.3, 0.2, 7.0], requires_grad=True)
    F.hardswish(b * 2).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_inplace_on_a_leaf_that_requires_grad_raises():
    leaf = glassnet.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in place"):
        nn.ReLU6(inplace=True)(leaf)


def test_prelu_parameter_state_dict_and_dtype():
    m = nn.PReLU(3, init=0.1)
    assert list(m.state_dict()) == ["weight"]
    assert m.weight.shape == (3,) and m.weight.dtype == glassnet.float32
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.full(3, 0.1, np.float32))
    assert [name for name, _ in m.named_parameters()] == ["weight"]
    assert nn.PReLU(dtype=glassnet.float64).weight.dtype == glassnet.float64


@needs_torch
def test_prelu_per_channel_weight_gradient_matches_pytorch():
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 4))
    ours, theirs = nn.PReLU(3).double(), torch.nn.PReLU(3).double()
    ours(glassnet.tensor(x)).sum().backward()
    theirs(torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    ours.load_state_dict({"weight": glassnet.tensor(np.array([0.5, 0.1, 0.2]))})
    assert ours.weight.detach().numpy().tolist() == [0.5, 0.1, 0.2]


def test_prelu_rejects_a_weight_that_does_not_fit_the_channels():
    with pytest.raises(glassnet.errors.ShapeError, match=r"weight has 2 slopes .* 4 channel"):
        F.prelu(glassnet.ones(3, 4), glassnet.ones(2))
    with pytest.raises(glassnet.errors.ShapeError, match="PReLU\\(num_parameters=4\\)"):
        nn.PReLU(2)(glassnet.ones(3, 4))
    with pytest.raises(glassnet.errors.ShapeError, match="weight must be 1-D"):
        F.prelu(glassnet.ones(3, 4), glassnet.ones(2, 2))
    with pytest.raises(glassnet.errors.ShapeError, match="0-d tensor"):
        F.prelu(glassnet.tensor(1.0), glassnet.ones(1))


def test_hardtanh_rejects_min_above_max():
    with pytest.raises(ValueError, match="min_val \\(2\\) must not exceed max_val \\(1\\)"):
        F.hardtanh(glassnet.ones(2), 2, 1)
    with pytest.raises(ValueError, match="max_val \\(1\\) must be greater than min_val"):
        nn.Hardtanh(2, 1)


def test_hardtanh_still_takes_the_deprecated_min_value_names():
    with pytest.warns(UserWarning, match="deprecated"):
        m = nn.Hardtanh(min_value=-2.0, max_value=3.0)
    assert (m.min_val, m.max_val) == (-2.0, 3.0)


def test_celu_rejects_alpha_zero():
    with pytest.raises(ValueError, match="alpha must not be 0"):
        F.celu(glassnet.ones(2), alpha=0.0)


def test_softplus_is_finite_and_linear_for_huge_inputs():
    out = F.softplus(glassnet.tensor([1000.0, -1000.0, 0.0]), threshold=1e9)
    np.testing.assert_allclose(out.numpy(), [1000.0, 0.0, np.log(2)], rtol=1e-6)


def test_activations_keep_float32():
    x = glassnet.randn(3, 4)
    for function in (F.relu6, F.selu, F.celu, F.silu, F.mish, F.softplus, F.softsign,
                     F.hardtanh, F.hardsigmoid, F.hardswish, lambda t: F.threshold(t, 0, 1)):
        assert function(x).dtype == glassnet.float32
    assert nn.PReLU()(x).dtype == glassnet.float32


@pytest.mark.parametrize("name", ["ReLU6", "PReLU", "Softplus", "SmoothL1Loss", "KLDivLoss",
                                  "CosineEmbeddingLoss", "MarginRankingLoss",
                                  "TripletMarginLoss"])
def test_docstring_examples_hold(name):
    import math
    import re

    doc = getattr(nn, name).__doc__
    example = re.search(r"Example: ``(.+?)``", doc, re.S).group(1)
    assert eval(f"({example})", {"glassnet": glassnet, "nn": nn, "pytest": pytest, "math": math})
