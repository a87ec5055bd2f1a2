"""Pooling modules, Dropout2d and BatchNorm2d: agreement with PyTorch, reprs, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.nn.functional as F
from glassnet import nn
from glassnet.errors import ShapeError

torch = pytest.importorskip("torch")


def _pair(array, dtype=np.float64):
    array = array.astype(dtype)
    return (glassnet.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True))


def _agree(ours, theirs, x, t, rtol=1e-10):
    out, ref = ours(x), theirs(t)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=rtol, atol=rtol)
    assert out._data.dtype == ref.detach().numpy().dtype
    seed = np.random.default_rng(3).standard_normal(tuple(ref.shape)).astype(out._data.dtype)
    out.backward(glassnet.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.detach().numpy(), t.grad.numpy(), rtol=rtol, atol=rtol)


MODULES = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, dilation=1, ceil_mode=True)),
    ("MaxPool2d", ((2, 3),), dict(stride=1, dilation=(2, 1))),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("AvgPool2d", (2,), dict(divisor_override=3)),
    ("AdaptiveAvgPool2d", ((5, 3),), {}),
    ("AdaptiveAvgPool2d", (1,), {}),
    ("AdaptiveMaxPool2d", ((4, None),), {}),
    ("AdaptiveMaxPool2d", (3,), {}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, args, options", MODULES)
def test_pooling_modules_match_pytorch(name, args, options, dtype):
    x, t = _pair(np.random.default_rng(0).standard_normal((3, 4, 9, 7)), dtype)
    ours, theirs = getattr(nn, name)(*args, **options), getattr(torch.nn, name)(*args, **options)
    assert repr(ours) == repr(theirs)
    _agree(ours, theirs, x, t, rtol=1e-5 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("name, args", [("MaxPool1d", (3, 2, 1)), ("AvgPool1d", (3, 2, 1))])
def test_1d_pooling_modules_match_pytorch(name, args):
    x, t = _pair(np.random.default_rng(1).standard_normal((2, 3, 10)))
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    _agree(ours, theirs, x, t)


def test_unbatched_input_keeps_its_rank():
    x, t = _pair(np.random.default_rng(2).standard_normal((4, 6, 6)))
    _agree(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), x, t)
    assert nn.AdaptiveAvgPool2d(2)(x).shape == (4, 2, 2)


@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 1), (3, 2)])
def test_max_pool_gives_a_tied_window_gradient_to_its_first_max_like_pytorch(kernel, stride):
    # integers in 0..2: many ties, inside a window and across overlapping windows
    values = np.random.default_rng(4).integers(0, 3, (2, 3, 8, 8)).astype(np.float64)
    x, t = _pair(values)
    _agree(lambda a: F.max_pool2d(a, kernel, stride, padding=1),
           lambda a: torch.nn.functional.max_pool2d(a, kernel, stride, padding=1), x, t)


def test_adaptive_max_pool_ties_and_overlapping_bins_match_pytorch():
    values = np.random.default_rng(5).integers(0, 2, (2, 2, 7, 5)).astype(np.float64)
    x, t = _pair(values)
    _agree(lambda a: F.adaptive_max_pool2d(a, (4, 3)),
           lambda a: torch.nn.functional.adaptive_max_pool2d(a, (4, 3)), x, t)


@pytest.mark.parametrize("options", [dict(kernel_size=2), dict(kernel_size=3, stride=2,
                                                                padding=1, ceil_mode=True)])
def test_return_indices_match_pytorch(options):
    values = np.random.default_rng(6).integers(0, 4, (2, 3, 7, 7)).astype(np.float64)
    out, indices = F.max_pool2d(glassnet.tensor(values), return_indices=True, **options)
    ref, ref_indices = torch.nn.functional.max_pool2d(torch.tensor(values),
                                                      return_indices=True, **options)
    np.testing.assert_array_equal(out.detach().numpy(), ref.numpy())
    np.testing.assert_array_equal(indices.detach().numpy(), ref_indices.numpy())
    _, indices = nn.AdaptiveMaxPool2d((3, 4), return_indices=True)(glassnet.tensor(values))
    _, ref_indices = torch.nn.AdaptiveMaxPool2d((3, 4), return_indices=True)(
        torch.tensor(values))
    np.testing.assert_array_equal(indices.detach().numpy(), ref_indices.numpy())


def test_max_pool_propagates_nan_like_pytorch():
    values = np.arange(16.0).reshape(1, 1, 4, 4)
    values[0, 0, 0, 1] = np.nan
    out = F.max_pool2d(glassnet.tensor(values), 2)
    ref = torch.nn.functional.max_pool2d(torch.tensor(values), 2)
    np.testing.assert_array_equal(out.detach().numpy(), ref.numpy())


def test_kernel_larger_than_padded_input_names_both_sizes():
    with pytest.raises(ShapeError, match=r"kernel spans \(5, 5\).*padded input is only \(4, 4\)"):
        F.max_pool2d(glassnet.zeros(1, 1, 4, 4), 5)
    with pytest.raises(ShapeError, match="padded input"):
        nn.AvgPool2d(3)(glassnet.zeros(1, 1, 2, 8))


def test_padding_more_than_half_the_kernel_is_refused():
    with pytest.raises(ShapeError, match="half the kernel size"):
        F.max_pool2d(glassnet.zeros(1, 1, 8, 8), 2, padding=2)
    with pytest.raises(ShapeError, match="half the kernel size"):
        F.avg_pool2d(glassnet.zeros(1, 1, 8, 8), 3, padding=2)


def test_wrong_rank_is_refused_with_the_shape():
    with pytest.raises(ShapeError, match=r"\(N, C, H, W\) or \(C, H, W\).*\(8, 8\)"):
        F.max_pool2d(glassnet.zeros(8, 8), 2)
    with pytest.raises(ShapeError, match=r"\(N, C, L\) or \(C, L\)"):
        F.max_pool1d(glassnet.zeros(8), 2)
    with pytest.raises(ShapeError, match="adaptive_avg_pool2d.*got shape"):
        F.adaptive_avg_pool2d(glassnet.zeros(2, 1, 3, 3, 3), 1)


def test_non_positive_adaptive_output_size_is_refused():
    with pytest.raises(ShapeError, match="output_size must be positive"):
        F.adaptive_max_pool2d(glassnet.zeros(1, 1, 4, 4), (0, 2))


def test_non_positive_stride_is_refused():
    with pytest.raises(ValueError, match="stride must be positive"):
        F.max_pool2d(glassnet.zeros(1, 1, 4, 4), 2, stride=0)


# ----- Dropout2d ------------------------------------------------------------------------------

def test_dropout2d_zeroes_whole_channels_and_keeps_the_mean():
    glassnet.manual_seed(0)
    layer = nn.Dropout2d(0.3)
    out = layer(glassnet.ones(400, 50, 3, 3)).numpy()
    per_channel = out.reshape(400, 50, 9)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))  # one value per map
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((out[:, :, 0, 0] == 0).mean() - 0.3) < 0.02
    assert abs(out.mean() - 1.0) < 0.03


def test_dropout2d_gradient_follows_the_channel_mask():
    x = glassnet.ones(4, 6, 2, 2, requires_grad=True)
    out = F.dropout2d(x, 0.5)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), out.detach().numpy())


def test_dropout2d_is_the_identity_in_eval_and_matches_pytorch_repr():
    layer = nn.Dropout2d(0.4).eval()
    x = glassnet.randn(2, 3, 4, 4)
    assert np.array_equal(layer(x).detach().numpy(), x.detach().numpy())
    assert repr(layer) == repr(torch.nn.Dropout2d(0.4))


def test_dropout2d_refuses_other_ranks():
    with pytest.raises(ShapeError, match=r"dropout2d: expected an \(N, C, H, W\)"):
        F.dropout2d(glassnet.ones(4, 5), 0.5)


def test_dropout2d_reads_3d_input_as_channels_of_rows_like_pytorch():
    with pytest.warns(UserWarning, match="3D input"):
        out = F.dropout2d(glassnet.ones(8, 20, 5), 0.5).numpy()
    assert np.all(out.min(axis=2) == out.max(axis=2))


# ----- BatchNorm2d ----------------------------------------------------------------------------

@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_2d_matches_pytorch_in_train_and_eval(momentum):
    ours = nn.BatchNorm2d(3, momentum=momentum).double()
    theirs = torch.nn.BatchNorm2d(3, momentum=momentum).double()
    rng = np.random.default_rng(7)
    for step in range(3):
        x, t = _pair(rng.standard_normal((4, 3, 5, 6)) * (step + 1) + step)
        _agree(ours, theirs, x, t)
        for name in ("weight", "bias"):
            np.testing.assert_allclose(getattr(ours, name).grad.detach().numpy(),
                                       getattr(theirs, name).grad.numpy(), rtol=1e-10)
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-10)
    ours.eval()
    theirs.eval()
    x, t = _pair(rng.standard_normal((2, 3, 5, 6)))
    _agree(ours, theirs, x, t)


def test_batch_norm_2d_state_dict_and_repr_match_pytorch():
    for options in ({}, dict(affine=False), dict(bias=False, eps=1e-3)):
        ours, theirs = nn.BatchNorm2d(8, **options), torch.nn.BatchNorm2d(8, **options)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)
    assert repr(nn.BatchNorm1d(4)) == repr(torch.nn.BatchNorm1d(4))


def test_batch_norm_2d_refuses_wrong_rank_and_channels():
    layer = nn.BatchNorm2d(3)
    with pytest.raises(ShapeError, match=r"4-d input \(N, 3, H, W\), got shape \(4, 3\)"):
        layer(glassnet.ones(4, 3))
    with pytest.raises(ShapeError, match=r"3 channels at dim 1.*\(2, 5, 4, 4\).*"
                                         r"num_features=5"):
        layer(glassnet.ones(2, 5, 4, 4))
    with pytest.raises(ShapeError, match="use BatchNorm2d"):
        nn.BatchNorm1d(3)(glassnet.ones(2, 3, 4, 4))


# 2x2 windows with stride 2 that tile the input take their own route (a recorded winning
# offset per window); these check it against PyTorch where it is easiest to get wrong
@pytest.mark.parametrize("kernel", [2, (2, 3)])
def test_tiling_max_pool_gives_a_tied_window_gradient_to_its_first_max_like_pytorch(kernel):
    values = np.random.default_rng(7).integers(0, 2, (2, 3, 8, 9)).astype(np.float64)
    x, t = _pair(values[..., :8] if kernel == 2 else values[:, :, :8, :9])
    _agree(lambda a: F.max_pool2d(a, kernel), lambda a: torch.nn.functional.max_pool2d(a, kernel),
           x, t)


def test_tiling_max_pool_return_indices_match_pytorch():
    values = np.random.default_rng(8).integers(0, 3, (2, 3, 6, 8)).astype(np.float32)
    out, indices = F.max_pool2d(glassnet.tensor(values), 2, return_indices=True)
    ref, ref_indices = torch.nn.functional.max_pool2d(torch.tensor(values), 2,
                                                      return_indices=True)
    np.testing.assert_array_equal(out.detach().numpy(), ref.numpy())
    np.testing.assert_array_equal(indices.detach().numpy(), ref_indices.numpy())


def test_tiling_max_pool_gradient_goes_to_the_nan_like_pytorch():
    values = np.arange(32.0).reshape(2, 1, 4, 4)
    values[0, 0, 0, 1] = np.nan
    values[1, 0, 3, 3] = -np.inf
    x, t = _pair(values)
    out, ref = F.max_pool2d(x, 2), torch.nn.functional.max_pool2d(t, 2)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    seed = np.arange(8.0).reshape(out.shape)  # not summed: a nan loss would warn
    out.backward(glassnet.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_array_equal(x.grad.detach().numpy(), t.grad.numpy())


def test_relu_gradient_is_zero_at_zero_like_pytorch():
    x, t = _pair(np.array([-1.0, 0.0, 2.0]))
    F.relu(x).sum().backward()
    torch.nn.functional.relu(t).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), t.grad.numpy())
