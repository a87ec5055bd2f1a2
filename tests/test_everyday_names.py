"""Names PyTorch's tutorials and learners' code use that glassnet lacked: norms (and their
gradient at a zero vector), distances, grids, broadcasting, diagonals, positions, dtype facts,
logspace and compile. Each is run on both libraries with the same inputs where PyTorch is
installed; the gradients are checked by finite differences in float64."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
from glassnet.autograd import gradcheck

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
LIBS = [glassnet] + ([torch] if torch is not None else [])


def both(fn):
    """fn(lib) on each installed library, as nested lists (tensors → .tolist())."""
    def plain(value):
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        if hasattr(value, "tolist"):
            return value.tolist()
        return value
    return [plain(fn(lib)) for lib in LIBS]


def same_in_both(fn):
    results = both(fn)
    for other in results[1:]:
        assert other == pytest.approx(results[0]) if isinstance(results[0], float) \
            else np.allclose(np.array(other, dtype=float), np.array(results[0], dtype=float))
    return results[0]


# ----- norms ---------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda lib, x: lib.norm(x, p=1, dim=(0, 1)), lambda lib, x: lib.norm(x, p=float("inf")),
    lambda lib, x: lib.norm(x, p=0), lambda lib, x: lib.norm(x, "fro", dim=1),
    lambda lib, x: lib.norm(x, p=3), lambda lib, x: lib.linalg.norm(x),
    lambda lib, x: lib.linalg.norm(x, 1), lambda lib, x: lib.linalg.norm(x, float("inf")),
    lambda lib, x: lib.linalg.norm(x, dim=1, ord=1), lambda lib, x: lib.linalg.matrix_norm(x, -1),
    lambda lib, x: lib.linalg.matrix_norm(x, -math.inf, keepdim=True),
    lambda lib, x: lib.linalg.vector_norm(x, 0.5, dim=0, keepdim=True),
])
@needs_torch
def test_norms_match_pytorch(call):
    x = np.array([[1.0, -2.0, 0.5], [3.0, 4.0, -1.5]])
    ours, theirs = (call(lib, lib.tensor(x)) for lib in (glassnet, torch))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert tuple(ours.shape) == tuple(theirs.shape)


@pytest.mark.parametrize("norm", [
    lambda lib, x: lib.norm(x, dim=-1), lambda lib, x: lib.linalg.vector_norm(x, 3, dim=-1),
    lambda lib, x: lib.norm(x), lambda lib, x: lib.cdist(x, x),
])
def test_the_gradient_of_a_norm_at_zero_is_zero_as_in_pytorch(norm):
    # the norm of a zero vector has a kink there; PyTorch's gradient is 0, never NaN
    x = glassnet.zeros(2, 3, dtype=glassnet.float64, requires_grad=True)
    norm(glassnet, x).sum().backward()
    assert x.grad.tolist() == [[0.0] * 3] * 2


def test_cdist_to_itself_has_no_nan_gradient_and_gradchecks_elsewhere():
    points = glassnet.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 1.0]], dtype=glassnet.float64,
                             requires_grad=True)
    glassnet.cdist(points, points).sum().backward()
    assert np.isfinite(points.grad.numpy()).all()
    others = glassnet.randn(4, 2, dtype=glassnet.float64)
    assert gradcheck(lambda p: glassnet.cdist(p, others, p=1.5), (points,))


def test_norm_errors_name_what_is_supported():
    with pytest.raises(ValueError, match="p='nuc' is not supported.*linalg.matrix_norm"):
        glassnet.norm(glassnet.ones(2, 2), p="nuc")
    with pytest.raises(ValueError, match="ord=2 is not supported.*'fro', 1, -1, inf and -inf"):
        glassnet.linalg.matrix_norm(glassnet.ones(2, 2), 2)
    with pytest.raises(ValueError, match="input must be 1D or 2D. Got 3D"):
        glassnet.linalg.norm(glassnet.ones(2, 2, 2), 1)
    with pytest.raises(TypeError, match="expected a floating-point tensor, got int64"):
        glassnet.linalg.vector_norm(glassnet.tensor([3, 4]))
    with pytest.raises(ValueError, match="same M"):
        glassnet.cdist(glassnet.ones(2, 3), glassnet.ones(2, 4))


# ----- grids, broadcasting, diagonals --------------------------------------------------------
def test_meshgrid_in_both_indexings():
    for indexing in ("ij", "xy"):
        grids = same_in_both(lambda lib, i=indexing: lib.meshgrid(
            lib.arange(3), lib.tensor([4, 5]), lib.tensor([7]), indexing=i))
        assert len(grids) == 3
    with pytest.raises(RuntimeError, match="same dtype"):
        glassnet.meshgrid(glassnet.arange(2), glassnet.ones(2))
    assert np.array(same_in_both(lambda lib: lib.meshgrid([lib.arange(2), lib.arange(3)],
                                                          indexing="ij"))).shape == (2, 2, 3)


def test_meshgrid_gradient_sums_over_the_grid():
    x = glassnet.tensor([1.0, 2.0], dtype=glassnet.float64, requires_grad=True)
    y = glassnet.tensor([3.0, 4.0, 5.0], dtype=glassnet.float64, requires_grad=True)
    assert gradcheck(lambda a, b: glassnet.meshgrid(a, b, indexing="xy")[0] *
                     glassnet.meshgrid(a, b, indexing="xy")[1] ** 2, (x, y))


def test_broadcasting_functions():
    same_in_both(lambda lib: [tuple(t.shape) for t in lib.broadcast_tensors(
        lib.ones(2, 1), lib.ones(3), lib.ones(1, 1, 3))])
    assert same_in_both(lambda lib: list(lib.broadcast_shapes((2, 1), (3,), 1))) == [2, 3]
    same_in_both(lambda lib: lib.arange(3.0).broadcast_to((2, 3)))
    with pytest.raises(RuntimeError, match="cannot be broadcast together"):
        glassnet.broadcast_shapes((2,), (3,))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.diagonal(x), lambda lib, x: x.diagonal(1),
    lambda lib, x: x.diagonal(-1, 1, 2), lambda lib, x: lib.diagonal(x, 0, 2, 0),
    lambda lib, x: lib.trace(x[0]), lambda lib, x: lib.diag(x[0], 1),
    lambda lib, x: lib.diag(x[0, 0]), lambda lib, x: lib.diag(x[1, 1], -2),
])
def test_diagonals_match_pytorch_and_gradcheck(call):
    x = np.arange(24.0).reshape(2, 3, 4) / 7
    if torch is not None:
        ours, theirs = (call(lib, lib.tensor(x)) for lib in (glassnet, torch))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    leaf = glassnet.tensor(x, dtype=glassnet.float64, requires_grad=True)
    assert gradcheck(lambda t: call(glassnet, t), (leaf,))


# ----- positions, dtypes, creation, compile --------------------------------------------------
def test_nonzero_and_argwhere():
    same_in_both(lambda lib: lib.nonzero(lib.tensor([[0, 1], [2, 0]])))
    same_in_both(lambda lib: lib.tensor([[0.0, 1.5], [2.0, 0.0]]).nonzero(as_tuple=True))
    same_in_both(lambda lib: lib.argwhere(lib.tensor([0, 3, 0, 4])))
    assert same_in_both(lambda lib: list(lib.nonzero(lib.tensor(5)).shape)) == [1, 0]
    mask = glassnet.tensor([[True, False], [False, True]])
    x = glassnet.arange(4.0).reshape(2, 2)
    assert x[mask.nonzero(as_tuple=True)].tolist() == [0.0, 3.0]
    assert glassnet.nonzero(mask).dtype == glassnet.int64


def test_finfo_and_iinfo_give_pytorchs_numbers():
    for name in ("float16", "float32", "float64"):
        facts = same_in_both(lambda lib, n=name: [
            getattr(lib.finfo(getattr(lib, n)), a)
            for a in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution")])
        assert facts[0] == int(name[-2:])
    assert both(lambda lib: repr(lib.finfo(lib.float32)))[0] == \
        ("finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, eps=1.19209e-07, "
         "smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=float32)")
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        same_in_both(lambda lib, n=name: [getattr(lib.iinfo(getattr(lib, n)), a)
                                          for a in ("bits", "min", "max")])
    assert glassnet.finfo().eps == glassnet.finfo(glassnet.get_default_dtype()).eps
    assert isinstance(glassnet.finfo(glassnet.float32).eps, float)
    with pytest.raises(TypeError, match="use glassnet.iinfo"):
        glassnet.finfo(glassnet.int64)
    with pytest.raises(TypeError, match="use glassnet.finfo"):
        glassnet.iinfo(glassnet.float32)


def test_logspace_and_is_floating_point():
    same_in_both(lambda lib: lib.logspace(-3, 0, 4))
    same_in_both(lambda lib: lib.logspace(0, 3, 4, base=2))
    assert both(lambda lib: lib.logspace(0, 1, 2).dtype.is_floating_point) == [True] * len(LIBS)
    assert glassnet.is_floating_point(glassnet.ones(1))
    assert not glassnet.is_floating_point(glassnet.arange(2))


def test_compile_returns_what_it_gets_and_training_is_unchanged():
    glassnet.manual_seed(0)
    model = glassnet.nn.Linear(3, 1)
    assert glassnet.compile(model) is model
    assert glassnet.compile(mode="max-autotune")(len) is len

    @glassnet.compile
    def square(x):
        return x * x

    assert square(glassnet.tensor(3.0)).item() == 9.0
    with pytest.raises(RuntimeError, match="unrecognized mode='fast'"):
        glassnet.compile(model, mode="fast")
    glassnet.set_float32_matmul_precision("high")
    try:
        assert glassnet.get_float32_matmul_precision() == "high"
    finally:
        glassnet.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="'highest', 'high' or 'medium'"):
        glassnet.set_float32_matmul_precision("low")
