"""The losses and distances of issue 12 (SmoothL1Loss ... TripletMarginLoss, normalize,
cosine_similarity, pairwise_distance): values and gradients against PyTorch for every
reduction, reprs, and the errors they promise."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import nn
from glassnet.errors import ShapeError
from glassnet.nn import functional as F

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
REDUCTIONS = ["mean", "sum", "none"]


def _draw(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _run(lib, module, arrays, grad_of):
    """Call ``module`` on tensors made from ``arrays``; return the loss and the gradients of
    the inputs at the positions ``grad_of``."""
    inputs = [lib.tensor(a, requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    loss = module(*inputs)
    seed = np.random.default_rng(9).standard_normal(tuple(loss.shape))
    loss.backward(lib.tensor(seed))
    return loss.detach().numpy(), [inputs[i].grad.numpy() for i in grad_of]


def _compare(name, args, kwargs, arrays, grad_of, rtol=1e-12):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # KLDivLoss's 'mean' warns in both libraries
        ours = _run(glassnet, getattr(nn, name)(*args, **kwargs), arrays, grad_of)
        theirs = _run(torch, getattr(torch.nn, name)(*args, **kwargs), arrays, grad_of)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol, atol=1e-14, equal_nan=False)
    for mine, reference in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(mine, reference, rtol=rtol, atol=1e-14, equal_nan=False)


def _labels(seed, n):
    return np.random.default_rng(seed).choice([-1.0, 1.0], n)


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.3, 0.0])
def test_smooth_l1_loss_matches_pytorch(reduction, beta):
    x, y = _draw(0, (4, 5), (4, 5))
    _compare("SmoothL1Loss", (), {"reduction": reduction, "beta": beta}, [x, y], (0, 1))


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_loss_matches_pytorch(reduction, log_target):
    logits, target_logits = _draw(1, (4, 5), (4, 5))
    x = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    t = target_logits - np.log(np.exp(target_logits).sum(1, keepdims=True))
    if not log_target:
        t = np.exp(t)
        t[0, 0] = 0.0  # a class the target rules out adds nothing (0·ln 0 = 0)
    _compare("KLDivLoss", (), {"reduction": reduction, "log_target": log_target}, [x, t],
             (0,))


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5, -0.4])
def test_cosine_embedding_loss_matches_pytorch(reduction, margin):
    a, b = _draw(2, (6, 4), (6, 4))
    _compare("CosineEmbeddingLoss", (margin,), {"reduction": reduction},
             [a, b, _labels(3, 6)], (0, 1))


@needs_torch
def test_cosine_embedding_loss_takes_single_vectors_with_a_scalar_target():
    a, b = _draw(4, (5,), (5,))
    _compare("CosineEmbeddingLoss", (), {}, [a, b, np.array(-1.0)], (0, 1))


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_margin_ranking_loss_matches_pytorch(reduction, margin):
    a, b = _draw(5, (8,), (8,))
    _compare("MarginRankingLoss", (margin,), {"reduction": reduction}, [a, b, _labels(6, 8)],
             (0, 1))


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"margin": 2.0, "p": 1.0}, {"swap": True},
                                     {"p": 3.0, "eps": 1e-3}])
def test_triplet_margin_loss_matches_pytorch(reduction, options):
    a, p, n = _draw(7, (5, 4), (5, 4), (5, 4))
    _compare("TripletMarginLoss", (), {"reduction": reduction, **options}, [a, p, n],
             (0, 1, 2))


@needs_torch
def test_triplet_margin_loss_takes_single_vectors():
    a, p, n = _draw(8, (4,), (4,), (4,))
    _compare("TripletMarginLoss", (), {"margin": 3.0}, [a, p, n], (0, 1, 2))


@needs_torch
@pytest.mark.parametrize("make", [
    lambda nn: nn.SmoothL1Loss(beta=0.5), lambda nn: nn.KLDivLoss(reduction="batchmean"),
    lambda nn: nn.CosineEmbeddingLoss(0.2), lambda nn: nn.MarginRankingLoss(0.1),
    lambda nn: nn.TripletMarginLoss(swap=True), lambda nn: nn.MSELoss(reduction="sum"),
])
def test_loss_reprs_match_pytorch(make):
    assert repr(make(nn)) == repr(make(torch.nn))


# ----- distances ------------------------------------------------------------------------------
def _both(function_name, arrays, **kwargs):
    ours_in = [glassnet.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours = getattr(F, function_name)(*ours_in, **kwargs)
    theirs = getattr(torch.nn.functional, function_name)(*theirs_in, **kwargs)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12,
                               atol=1e-14, equal_nan=False)
    ours.sum().backward()
    theirs.sum().backward()
    for mine, reference in zip(ours_in, theirs_in):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10,
                                   atol=1e-12, equal_nan=False)


@needs_torch
@pytest.mark.parametrize("kwargs", [{}, {"p": 1.0}, {"p": float("inf")}, {"dim": 0},
                                    {"p": 3.0, "dim": -1}])
def test_normalize_matches_pytorch(kwargs):
    _both("normalize", _draw(10, (3, 4)), **kwargs)


@needs_torch
def test_normalize_leaves_a_zero_vector_at_zero_with_pytorch_gradient():
    x = np.zeros((2, 3))
    x[1] = [1.0, 2.0, 2.0]
    _both("normalize", [x])


@needs_torch
@pytest.mark.parametrize("shapes,dim", [(((3, 4), (3, 4)), 1), (((2, 3, 4), (1, 4)), -1),
                                        (((4,), (3, 4)), 1)])
def test_cosine_similarity_matches_pytorch(shapes, dim):
    _both("cosine_similarity", _draw(11, *shapes), dim=dim)


@needs_torch
def test_cosine_similarity_of_a_zero_vector_is_zero_with_pytorch_gradient():
    x1, x2 = np.zeros((2, 3)), np.ones((2, 3))
    x1[1, 0] = 1e-9  # below eps: the norm is floored, its gradient is not
    _both("cosine_similarity", [x1, x2])


@needs_torch
@pytest.mark.parametrize("kwargs", [{}, {"p": 1.0}, {"p": float("inf")}, {"keepdim": True},
                                    {"p": 3.0, "eps": 0.0}])
def test_pairwise_distance_matches_pytorch(kwargs):
    _both("pairwise_distance", _draw(12, (5, 4), (5, 4)), **kwargs)


@needs_torch
def test_pairwise_distance_of_equal_points_has_pytorch_gradient():
    x = _draw(13, (3, 4))[0]
    _both("pairwise_distance", [x, x], eps=0.0)


def test_normalize_writes_into_out():
    out = glassnet.zeros(2, 2)
    result = F.normalize(glassnet.tensor([[3.0, 4.0], [0.0, 2.0]]), out=out)
    assert result is out
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.0, 1.0]], rtol=1e-6)


# ----- errors and options ---------------------------------------------------------------------
def test_kl_div_mean_warns_as_pytorch_does_and_batchmean_does_not():
    x, t = glassnet.zeros(2, 3), glassnet.full((2, 3), 1 / 3)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, t)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.kl_div(x, t, reduction="batchmean").item() == pytest.approx(-np.log(3))


def test_kl_div_rejects_an_unknown_reduction():
    with pytest.raises(ValueError, match="'mean', 'batchmean', 'sum' or 'none', got 'avg'"):
        F.kl_div(glassnet.zeros(2), glassnet.ones(2), reduction="avg")
    with pytest.raises(ValueError, match="KLDivLoss: reduction must be"):
        nn.KLDivLoss(reduction="avg")


def test_kl_div_rejects_shapes_that_would_broadcast():
    with pytest.raises(ShapeError, match=r"kl_div: input shape \(4, 3\) and target shape"):
        F.kl_div(glassnet.zeros(4, 3), glassnet.ones(4, 1), reduction="sum")


def test_smooth_l1_loss_rejects_negative_beta():
    with pytest.raises(ValueError, match="beta must be >= 0, got -1"):
        F.smooth_l1_loss(glassnet.zeros(2), glassnet.ones(2), beta=-1)


def test_margin_ranking_loss_rejects_inputs_of_different_dimensions():
    with pytest.raises(ShapeError, match=r"same number of dimensions.*target \(3, 1\)"):
        F.margin_ranking_loss(glassnet.zeros(3), glassnet.ones(3), glassnet.ones(3, 1))


def test_cosine_embedding_loss_checks_shapes_and_labels():
    a = glassnet.ones(3, 4)
    with pytest.raises(ShapeError, match=r"expected inputs \(N, D\) with target \(N,\)"):
        F.cosine_embedding_loss(a, a, glassnet.ones(3, 1))
    with pytest.raises(ValueError, match=r"must hold 1 \(similar\) or -1.*\[0\.0, 1\.0\]"):
        F.cosine_embedding_loss(a, a, glassnet.tensor([1.0, 0.0, 1.0]))


def test_triplet_margin_loss_checks_dimensions_and_margin():
    a = glassnet.ones(3, 4)
    with pytest.raises(ShapeError, match=r"negative \(4,\)"):
        F.triplet_margin_loss(a, a, glassnet.ones(4))
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
        F.triplet_margin_loss(a, a, a, margin=0)
    with pytest.raises(ValueError, match="margin must be greater than 0, got -1"):
        nn.TripletMarginLoss(margin=-1)


def test_distances_reject_a_non_positive_p():
    with pytest.raises(ValueError, match="p must be positive or inf, got 0"):
        F.normalize(glassnet.ones(2, 3), p=0)


def test_legacy_size_average_and_reduce_map_to_reduction():
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert nn.SmoothL1Loss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning, match="reduction='none'"):
        loss = F.margin_ranking_loss(glassnet.zeros(2), glassnet.ones(2), glassnet.ones(2),
                                     reduce=False)
    assert loss.shape == (2,)


@needs_torch
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss"])
@pytest.mark.parametrize("size_average,reduce", [(False, None), (None, False), (True, True)])
def test_every_loss_honours_the_legacy_flags_as_pytorch_does(name, size_average, reduce):
    x = np.random.default_rng(14).uniform(0.1, 0.9, (3, 4))
    y = np.random.default_rng(15).uniform(0.0, 1.0, (3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = getattr(nn, name)(size_average=size_average, reduce=reduce)
        theirs = getattr(torch.nn, name)(size_average=size_average, reduce=reduce)
    assert ours.reduction == theirs.reduction
    np.testing.assert_allclose(ours(glassnet.tensor(x), glassnet.tensor(y)).numpy(),
                               theirs(torch.tensor(x), torch.tensor(y)).numpy(), rtol=1e-12)


def test_functional_cross_entropy_honours_reduce_false():
    logits, labels = glassnet.zeros(3, 4), glassnet.tensor([0, 1, 2])
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert F.cross_entropy(logits, labels, reduce=False).shape == (3,)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert F.nll_loss(logits, labels, size_average=False).shape == ()
