"""The nn modules of issue 12 §4, part 2: GroupNorm, InstanceNorm2d, Bilinear, Unflatten,
Dropout1d, AlphaDropout (part 1, containers and embeddings, is test_nn_more.py). Values,
gradients, buffers, state_dict names and reprs against PyTorch on the same weights (float64),
and the errors they promise."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import nn
from glassnet.errors import ShapeError
from glassnet.nn import functional as F
from tests.nn.test_nn_more import assert_close, backward_both, needs_torch, same_weights, torch


# ----- GroupNorm and InstanceNorm2d --------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("shape,groups,affine", [((3, 6, 5), 3, True), ((2, 4, 3, 3), 2, True),
                                                  ((2, 4, 3, 3), 4, False), ((4, 6), 1, True)])
def test_group_norm_matches_pytorch(shape, groups, affine):
    x = np.random.default_rng(0).standard_normal(shape) * 3 + 1
    theirs = torch.nn.GroupNorm(groups, shape[1], affine=affine)
    if affine:
        with torch.no_grad():
            theirs.weight.normal_()
            theirs.bias.normal_()
    ours = nn.GroupNorm(groups, shape[1], affine=affine)
    same_weights(ours, theirs)
    ours_x, theirs_x = glassnet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(ours_x), theirs(theirs_x)
    assert_close(out, ref, rtol=1e-10, atol=1e-12)
    assert type(out.grad_fn).__name__ == "NativeGroupNormBackward0"
    backward_both(out, ref)
    assert_close(ours_x.grad, theirs_x.grad, rtol=1e-9, atol=1e-11)
    for name in ("weight", "bias") if affine else ():
        assert_close(getattr(ours, name).grad, getattr(theirs, name).grad, rtol=1e-10)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


@needs_torch
def test_group_norm_reprs_match_pytorch():
    for args, options in [((2, 4), {}), ((2, 4), {"affine": False}), ((1, 3), {"eps": 1e-3}),
                          ((2, 4), {"bias": False})]:
        assert repr(nn.GroupNorm(*args, **options)) == repr(torch.nn.GroupNorm(*args, **options))


def test_group_norm_errors_name_the_fix():
    with pytest.raises(ValueError, match=r"num_channels \(4\) must be divisible by num_groups"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ShapeError, match=r"expects an \(N, 4, \*\) input, got shape \(2, 6, 3\)"):
        nn.GroupNorm(2, 4)(glassnet.ones(2, 6, 3))
    with pytest.raises(ShapeError, match="C divisible by num_groups=4"):
        F.group_norm(glassnet.ones(2, 6, 3), 4)
    with pytest.raises(ShapeError, match=r"weight must have one entry per channel, shape \(6,\)"):
        F.group_norm(glassnet.ones(2, 6, 3), 2, glassnet.ones(4))


@needs_torch
@pytest.mark.parametrize("options", [{}, {"affine": True},
                                     {"affine": True, "track_running_stats": True},
                                     {"track_running_stats": True, "momentum": 0.3}], ids=str)
def test_instance_norm_2d_matches_pytorch_in_training_and_eval(options):
    rng = np.random.default_rng(0)
    theirs = torch.nn.InstanceNorm2d(3, **options)
    ours = nn.InstanceNorm2d(3, **options)
    same_weights(ours, theirs)
    for step in range(2):
        x = rng.standard_normal((4, 3, 5, 4)) * 2 + step
        ours_x = glassnet.tensor(x, requires_grad=True)
        theirs_x = torch.tensor(x, requires_grad=True)
        out, ref = ours(ours_x), theirs(theirs_x)
        assert_close(out, ref, rtol=1e-10, atol=1e-12)
        backward_both(out, ref)
        assert_close(ours_x.grad, theirs_x.grad, rtol=1e-9, atol=1e-11)
    for name, value in theirs.state_dict().items():  # running stats moved the same way
        assert_close(ours.state_dict()[name], value, rtol=1e-10)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((3, 5, 4))  # unbatched (C, H, W)
    assert_close(ours(glassnet.tensor(x)), theirs(torch.tensor(x)), rtol=1e-10, atol=1e-12)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


@needs_torch
def test_instance_norm_momentum_none_leaves_the_running_stats_as_pytorch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    ours = nn.InstanceNorm2d(3, momentum=None, track_running_stats=True)
    theirs = torch.nn.InstanceNorm2d(3, momentum=None, track_running_stats=True)
    ours(glassnet.tensor(x))
    theirs(torch.tensor(x, dtype=torch.float32))
    for name, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[name], value)


@needs_torch
def test_functional_instance_norm_matches_pytorch_with_running_stats():
    x = np.random.default_rng(3).standard_normal((2, 3, 6))  # (N, C, L)
    ours_stats = [glassnet.zeros(3).double(), glassnet.ones(3).double()]
    theirs_stats = [torch.zeros(3).double(), torch.ones(3).double()]
    out = F.instance_norm(glassnet.tensor(x), *ours_stats, momentum=0.2)
    ref = torch.nn.functional.instance_norm(torch.tensor(x), *theirs_stats, momentum=0.2)
    assert_close(out, ref, rtol=1e-10, atol=1e-12)
    for mine, reference in zip(ours_stats, theirs_stats):
        assert_close(mine, reference)
    out = F.instance_norm(glassnet.tensor(x), *ours_stats, use_input_stats=False)
    ref = torch.nn.functional.instance_norm(torch.tensor(x), *theirs_stats, use_input_stats=False)
    assert_close(out, ref, rtol=1e-10, atol=1e-12)


def test_instance_norm_errors_and_warning_name_the_fix():
    with pytest.raises(ShapeError, match=r"4-d \(N, C, H, W\) or 3-d \(C, H, W\) input"):
        nn.InstanceNorm2d(3)(glassnet.ones(2, 3))
    with pytest.raises(ShapeError, match="set num_features=4"):
        nn.InstanceNorm2d(3, affine=True)(glassnet.ones(2, 4, 4, 4))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm2d(3)(glassnet.randn(2, 4, 4, 4))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(glassnet.ones(1, 3, 1, 1))
    with pytest.raises(ShapeError, match=r"add a batch dim"):
        F.instance_norm(glassnet.ones(3, 4))
    with pytest.raises(ValueError, match="pass running_mean and running_var"):
        F.instance_norm(glassnet.ones(2, 3, 4), use_input_stats=False)


# ----- Bilinear, Unflatten -----------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("lead,bias", [((5,), True), ((2, 3), False)])
def test_bilinear_matches_pytorch(lead, bias):
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal(lead + (3,)), rng.standard_normal(lead + (4,))
    theirs = torch.nn.Bilinear(3, 4, 2, bias=bias)
    ours = nn.Bilinear(3, 4, 2, bias=bias)
    same_weights(ours, theirs)
    ours_in = [glassnet.tensor(x, requires_grad=True) for x in (x1, x2)]
    theirs_in = [torch.tensor(x, requires_grad=True) for x in (x1, x2)]
    out, ref = ours(*ours_in), theirs(*theirs_in)
    assert_close(out, ref)
    backward_both(out, ref)
    for mine, reference in zip(ours_in, theirs_in):
        assert_close(mine.grad, reference.grad)
    assert_close(ours.weight.grad, theirs.weight.grad)
    if bias:
        assert_close(ours.bias.grad, theirs.bias.grad)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_bilinear_init_is_uniform_in_one_over_root_in1():
    layer = nn.Bilinear(16, 3, 50)
    bound = 1 / 4
    for p in (layer.weight.detach().numpy(), layer.bias.detach().numpy()):
        assert p.min() >= -bound and p.max() <= bound and p.max() > 0.8 * bound


def test_bilinear_errors_name_the_fix():
    layer = nn.Bilinear(3, 4, 2)
    with pytest.raises(ShapeError, match="input2 has 3 features .* fix in2_features"):
        layer(glassnet.ones(2, 3), glassnet.ones(2, 3))
    with pytest.raises(ShapeError, match="input1 has 4 features"):
        layer(glassnet.ones(2, 4), glassnet.ones(2, 4))
    with pytest.raises(ShapeError, match="same leading"):
        layer(glassnet.ones(2, 3), glassnet.ones(5, 4))


@needs_torch
@pytest.mark.parametrize("dim,sizes,shape", [(1, (2, 5), (3, 10)), (-1, [2, -1], (3, 4)),
                                             (0, (1, 3), (3, 2)), (1, (2, 2, 1), (2, 4, 5))])
def test_unflatten_matches_pytorch(dim, sizes, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    ours, theirs = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    assert_close(ours(glassnet.tensor(x)), theirs(torch.tensor(x)))
    assert repr(ours) == repr(theirs)


def test_unflatten_errors_name_the_fix():
    with pytest.raises(ShapeError, match=r"sizes \[3, 3\] must multiply up to .* 10"):
        nn.Unflatten(1, (3, 3))(glassnet.ones(2, 10))
    with pytest.raises(ShapeError, match="at most one -1"):
        nn.Unflatten(1, (2, -1, -1))(glassnet.ones(2, 4))
    with pytest.raises(ShapeError, match="must multiply up"):
        nn.Unflatten(1, (3, -1))(glassnet.ones(2, 4))
    with pytest.raises(ShapeError, match="must multiply up"):
        nn.Unflatten(4, (1, 1))(glassnet.ones(2, 4))
    with pytest.raises(TypeError, match="no named tensors"):
        nn.Unflatten("features", (("a", 2), ("b", 2)))
    with pytest.raises(TypeError, match="tuple or list of ints"):
        nn.Unflatten(1, 4)


# ----- Dropout1d, AlphaDropout -------------------------------------------------------------------
@needs_torch
def test_dropout1d_zeroes_whole_channels_and_scales_the_rest():
    glassnet.manual_seed(0)
    layer = nn.Dropout1d(0.5)
    x = glassnet.ones(64, 8, 5, requires_grad=True)
    out = layer(x)
    values = out.detach().numpy()
    assert set(np.unique(values)) == {0.0, 2.0}
    assert np.all(values.min(axis=2) == values.max(axis=2))  # a channel is dropped whole
    assert 0.4 < (values[:, :, 0] == 0).mean() < 0.6
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)
    unbatched = F.dropout1d(glassnet.ones(8, 5), 0.5)
    assert np.all(unbatched.numpy().min(axis=1) == unbatched.numpy().max(axis=1))
    layer.eval()
    assert layer(x) is x
    assert repr(layer) == repr(torch.nn.Dropout1d(0.5))


def test_dropout1d_errors_name_the_fix():
    with pytest.raises(ShapeError, match="use dropout2d for"):
        F.dropout1d(glassnet.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\], got 1.5"):
        F.dropout1d(glassnet.ones(2, 3), 1.5)


@needs_torch
def test_alpha_dropout_takes_pytorch_values_and_keeps_mean_and_variance():
    p = 0.2
    theirs = torch.nn.functional.alpha_dropout(torch.ones(1000, dtype=torch.float64), p, True)
    glassnet.manual_seed(0)
    x = glassnet.ones(1000, dtype=glassnet.float64, requires_grad=True)
    out = F.alpha_dropout(x, p, training=True)
    assert np.allclose(np.unique(out.detach().numpy()), np.unique(theirs.numpy()), rtol=1e-15)
    out.sum().backward()
    kept = out.detach().numpy() > 0
    a = 1 / np.sqrt((1 - p) * (1 + p * 1.7580993408473766**2))
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, a, 0.0), rtol=1e-15)
    glassnet.manual_seed(1)
    big = nn.AlphaDropout(p)(glassnet.randn(200_000, dtype=glassnet.float64)).numpy()
    assert abs(big.mean()) < 0.01 and abs(big.std() - 1) < 0.01  # SELU's fixed point kept
    assert repr(nn.AlphaDropout(p)) == repr(torch.nn.AlphaDropout(p))


def test_alpha_dropout_is_the_identity_when_not_training():
    x = glassnet.randn(5)
    assert F.alpha_dropout(x, 0.5) is x  # training defaults to False, as in PyTorch
    assert nn.AlphaDropout(0.5).eval()(x) is x
    assert np.all(F.alpha_dropout(x, 1.0, training=True).numpy() == 0)
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\]"):
        nn.AlphaDropout(1.5)
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\]"):
        F.alpha_dropout(x, -0.1, training=True)


def test_no_warning_from_the_plain_paths():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Embedding(4, 2)(glassnet.tensor([1, 2]))
        nn.InstanceNorm2d(3)(glassnet.randn(2, 3, 4, 4))
