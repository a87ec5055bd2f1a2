"""Modules and losses PyTorch code uses that glassnet lacked: ConvTranspose1d, RMSNorm,
InstanceNorm1d, LazyLinear, CosineSimilarity, PairwiseDistance, and the soft-margin,
multi-label, hinge-embedding, Poisson, Gaussian and multi-margin losses. Each is built the same
way on both libraries: the same repr, values and input gradients as PyTorch (float64), and
gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet.autograd import gradcheck

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3, 6))
SIGNS = np.where(rng.standard_normal((4, 5)) > 0, 1.0, -1.0)
LABELS = (rng.standard_normal((4, 5)) > 0).astype(np.float64)
COUNTS = rng.poisson(3.0, (4, 5)).astype(np.float64)
CLASSES = np.array([2, 0, 4, 1])

# (name, build(lib) → module, inputs: arrays that get gradients, constants: other arguments)
CASES = [
    ("ConvTranspose1d", lambda lib: lib.nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1,
                                                           output_padding=1), [X], []),
    ("RMSNorm", lambda lib: lib.nn.RMSNorm(6), [X], []),
    ("RMSNorm-eps", lambda lib: lib.nn.RMSNorm((3, 6), eps=1e-3), [X], []),
    ("InstanceNorm1d", lambda lib: lib.nn.InstanceNorm1d(3, affine=True), [X], []),
    ("CosineSimilarity", lambda lib: lib.nn.CosineSimilarity(dim=2), [X, X[::-1].copy()], []),
    ("PairwiseDistance", lambda lib: lib.nn.PairwiseDistance(p=3.0), [X[0], X[1]], []),
    ("SoftMarginLoss", lambda lib: lib.nn.SoftMarginLoss(), [X[:, 0, :5]], [SIGNS]),
    ("MultiLabelSoftMarginLoss", lambda lib: lib.nn.MultiLabelSoftMarginLoss(),
     [X[:, 0, :5]], [LABELS]),
    ("HingeEmbeddingLoss", lambda lib: lib.nn.HingeEmbeddingLoss(margin=0.5),
     [X[:, 0, :5] + 0.01], [SIGNS]),
    ("PoissonNLLLoss", lambda lib: lib.nn.PoissonNLLLoss(), [X[:, 0, :5]], [COUNTS]),
    ("PoissonNLLLoss-full", lambda lib: lib.nn.PoissonNLLLoss(log_input=False, full=True),
     [np.abs(X[:, 0, :5]) + 0.5], [COUNTS]),
    ("GaussianNLLLoss", lambda lib: lib.nn.GaussianNLLLoss(), [X[:, 0, :5], np.abs(X[:, 1, :5])
                                                                + 0.1], [X[:, 2, :5]]),
    ("MultiMarginLoss", lambda lib: lib.nn.MultiMarginLoss(), [X[:, 0, :5]], [CLASSES]),
    ("MultiMarginLoss-p2", lambda lib: lib.nn.MultiMarginLoss(p=2, margin=0.7),
     [X[:, 0, :5]], [CLASSES]),
]


def run(lib, build, inputs, constants, seed=0):
    lib.manual_seed(seed)
    module = build(lib).double() if hasattr(build(lib), "double") else build(lib)
    leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in inputs]
    fixed = [lib.tensor(a) for a in constants]
    if "GaussianNLL" in type(module).__name__:  # (input, target, var): var is the second leaf
        out = module(leaves[0], fixed[0], leaves[1])
    else:
        out = module(*leaves, *fixed)
    return module, out, leaves


@pytest.mark.parametrize("name, build, inputs, constants", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, build, inputs, constants):
    module, _, leaves = run(glassnet, build, inputs, constants)

    def apply(*xs):
        fixed = [glassnet.tensor(a) for a in constants]
        if "GaussianNLL" in name:
            return module(xs[0], fixed[0], xs[1])
        return module(*xs, *fixed)

    assert gradcheck(apply, leaves)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name, build, inputs, constants", CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch(name, build, inputs, constants):
    theirs, their_out, their_leaves = run(torch, build, inputs, constants)
    ours = build(glassnet).double()
    assert repr(ours) == repr(theirs)
    if list(theirs.state_dict()):
        ours.load_state_dict({k: glassnet.tensor(v.detach().numpy())
                              for k, v in theirs.state_dict().items()})
    leaves = [glassnet.tensor(a, dtype=glassnet.float64, requires_grad=True) for a in inputs]
    fixed = [glassnet.tensor(a) for a in constants]
    out = ours(leaves[0], fixed[0], leaves[1]) if "GaussianNLL" in name else ours(*leaves,
                                                                                   *fixed)
    np.testing.assert_allclose(out.detach().numpy(), their_out.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    weights = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
    (out * glassnet.tensor(weights)).sum().backward()
    (their_out * torch.tensor(weights)).sum().backward()
    for mine, want in zip(leaves, their_leaves):
        np.testing.assert_allclose(mine.grad.numpy(), want.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_lazy_linear_takes_its_input_size_from_the_first_batch():
    glassnet.manual_seed(0)
    layer = glassnet.nn.LazyLinear(5)
    assert repr(layer) == "LazyLinear(in_features=0, out_features=5, bias=True)"
    assert list(layer.parameters()) == []
    out = layer(glassnet.ones(2, 7))
    assert out.shape == (2, 5) and type(layer).__name__ == "Linear"
    assert tuple(layer.weight.shape) == (5, 7) and layer.in_features == 7
    assert len(list(layer.parameters())) == 2
    bound = 1 / 7 ** 0.5  # PyTorch's Linear initialisation, now that in_features is known
    assert np.abs(layer.weight.detach().numpy()).max() <= bound
