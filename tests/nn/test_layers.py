"""Layers and activations: Linear's init, Dropout, BatchNorm1d, LayerNorm, activation modules."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in():
    glassnet.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert w.shape == (300, 400) and b.shape == (300,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.std(w) == pytest.approx(bound / math.sqrt(3), rel=0.02)  # std of U(-a, a)


def test_linear_wrong_input_size_says_which_and_how_to_fix():
    with pytest.raises(glassnet.ShapeError, match="input has 784 features.*expects 100"):
        nn.Linear(100, 10)(glassnet.ones(2, 784))


def test_dropout_is_inverted_and_off_in_eval():
    glassnet.manual_seed(0)
    drop = nn.Dropout(p=0.25)
    out = drop(glassnet.ones(100_000))
    kept = out.detach().numpy()[out.detach().numpy() != 0]
    assert np.allclose(kept, 1 / 0.75)
    assert (out.detach().numpy() == 0).mean() == pytest.approx(0.25, abs=0.01)
    assert out.mean().item() == pytest.approx(1.0, abs=0.01)
    drop.eval()
    assert np.array_equal(drop(glassnet.ones(10)).detach().numpy(), np.ones(10))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.Dropout(1.5)


@needs_torch
def test_batchnorm1d_matches_pytorch_in_train_and_eval_with_running_stats():
    rng = np.random.default_rng(0)
    ours, theirs = nn.BatchNorm1d(3).double(), torch.nn.BatchNorm1d(3).double()
    for _ in range(3):
        x = rng.standard_normal((8, 3)) * 2 + 1
        a, b = ours(glassnet.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), atol=1e-12)
    assert ours.num_batches_tracked.item() == 3
    ours.eval(), theirs.eval()
    x = rng.standard_normal((4, 3))
    np.testing.assert_allclose(ours(glassnet.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)


def test_batchnorm_with_batch_of_one_in_training_says_what_to_do():
    with pytest.raises(ValueError, match="batch larger than 1.*eval"):
        nn.BatchNorm1d(4)(glassnet.ones(1, 4))


def test_layernorm_seed_example_and_mode_independence():
    ln = nn.LayerNorm(4)
    out = ln(glassnet.tensor([[1.0, 2.0, 3.0, 4.0]]))
    np.testing.assert_allclose(out.detach().numpy()[0], [-1.34, -0.45, 0.45, 1.34], atol=0.005)
    again = ln.eval()(glassnet.tensor([[1.0, 2.0, 3.0, 4.0]]))
    assert np.array_equal(again.detach().numpy(), out.detach().numpy())


@needs_torch
@pytest.mark.parametrize("name,args", [
    ("ReLU", ()), ("LeakyReLU", (0.2,)), ("ELU", (0.5,)), ("GELU", ()), ("Sigmoid", ()),
    ("Tanh", ()), ("Softmax", (1,)), ("LogSoftmax", (1,)),
])
def test_activation_modules_match_pytorch(name, args):
    x = np.random.default_rng(0).standard_normal((4, 5))
    ours = getattr(nn, name)(*args)(glassnet.tensor(x)).detach().numpy()
    theirs = getattr(torch.nn, name)(*args)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)


def test_heaviside_step_unit_for_the_perceptron():
    out = nn.Heaviside()(glassnet.tensor([-1.0, 0.0, 2.0]))
    assert out.tolist() == [0.0, 0.0, 1.0]


def test_flatten_and_identity():
    assert nn.Flatten()(glassnet.ones(2, 1, 28, 28)).shape == (2, 784)
    x = glassnet.ones(3)
    assert nn.Identity()(x) is x
