"""Tensor facts and constructors: new_*, type_as, stride, is_contiguous, contiguous, mT/mH/H,
is_tensor, numel; and printing under set_printoptions, all checked against PyTorch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import glassnet


def _torch():
    return pytest.importorskip("torch")


def _dtype_name(dtype) -> str:
    return str(dtype).split(".")[-1]


def _facts(t) -> tuple:
    return tuple(t.shape), _dtype_name(t.dtype), t.requires_grad, t.tolist()


# ----- new_* and type_as -------------------------------------------------------------------------
NEW = [
    lambda lib, x: x.new_zeros(2, 3),
    lambda lib, x: x.new_zeros((2,)),
    lambda lib, x: x.new_ones([3], dtype=lib.int64),
    lambda lib, x: x.new_full((2, 2), 7),
    lambda lib, x: x.new_full((2,), 2.5, dtype=lib.float64),
    lambda lib, x: x.long().new_full((2,), 2.7),
    lambda lib, x: x.new_tensor([1, 2]),
    lambda lib, x: x.long().new_tensor([1.5, -2.5]),
    lambda lib, x: x.new_tensor([[1.0, 2.0]], dtype=lib.float64, requires_grad=True),
    lambda lib, x: x.new_zeros(2, requires_grad=True),
    lambda lib, x: x.new_empty(2, 3).zero_(),
    lambda lib, x: x.new_empty((0,)),
    lambda lib, x: x.type_as(lib.zeros(1, dtype=lib.float64)),
    lambda lib, x: x.long().type_as(x),
]


@pytest.mark.parametrize("make", NEW)
def test_new_constructors_and_type_as_match_pytorch(make):
    torch = _torch()
    source = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    ours = make(glassnet, glassnet.tensor(source))
    theirs = make(torch, torch.tensor(source))
    assert _facts(ours) == _facts(theirs)


def test_new_tensor_copies_and_new_constructors_make_plain_leaves():
    x = glassnet.tensor([1.0, 2.0])
    source = glassnet.tensor([3.0, 4.0])
    copy = x.new_tensor(source)
    source.add_(1.0)
    assert copy.tolist() == [3.0, 4.0] and copy.is_leaf
    weight = glassnet.nn.Parameter(glassnet.zeros(2))
    assert type(weight.new_zeros(2)) is glassnet.Tensor


def test_new_constructors_refuse_a_non_integer_size_and_a_gpu():
    x = glassnet.zeros(2)
    with pytest.raises(TypeError, match=r"new_zeros\(\): the size must be integers"):
        x.new_zeros(2.5)
    with pytest.raises(RuntimeError, match="CPU"):
        x.new_ones(2, device="cuda")


def test_type_as_returns_self_when_the_dtype_matches_and_stays_differentiable():
    x = glassnet.ones(2, requires_grad=True)
    assert x.type_as(glassnet.zeros(1)) is x
    y = x.type_as(glassnet.zeros(1, dtype=glassnet.float64))
    y.sum().backward()
    assert y.dtype == glassnet.float64 and x.grad.tolist() == [1.0, 1.0]


# ----- layout: stride, is_contiguous, contiguous -------------------------------------------
VIEWS = ["x", "x[:, ::2]", "x.t()", "x.expand(4, 2, 3)", "x.unsqueeze(0)", "x[0]",
         "x.permute(1, 0)", "x.reshape(3, 2)", "x[:, 1:]", "x.transpose(0, 1).transpose(0, 1)",
         "lib.zeros(0, 3)", "lib.zeros(2, 0)", "lib.zeros(2, 1, 3).transpose(0, 1)",
         "lib.tensor(1.0)", "lib.zeros(4, 5, dtype=lib.float64)[::2, 1:4]"]


@pytest.mark.parametrize("view", VIEWS)
def test_stride_and_is_contiguous_match_pytorch(view):
    torch = _torch()

    def make(lib):
        x = lib.zeros(2, 3)  # noqa: F841  (the views read it)
        return eval(view)

    ours, theirs = make(glassnet), make(torch)
    assert ours.stride() == theirs.stride()
    assert ours.is_contiguous() == theirs.is_contiguous()
    for dim in range(-ours.ndim, ours.ndim):
        assert ours.stride(dim) == theirs.stride(dim)


def test_stride_of_a_missing_dim_is_an_index_error():
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 2"):
        glassnet.zeros(2, 3).stride(2)
    with pytest.raises(IndexError, match="tensor has no dimensions"):
        glassnet.tensor(1.0).stride(0)


def test_contiguous_copies_only_what_is_not_contiguous_and_stays_differentiable():
    x = glassnet.arange(6.0).reshape(2, 3).requires_grad_()
    assert x.contiguous() is x
    t = x.t()
    c = t.contiguous()
    assert c is not t and c.is_contiguous() and c.stride() == (2, 1)
    assert c.tolist() == t.tolist()
    torch = _torch()
    reference = torch.arange(6.0).reshape(2, 3).requires_grad_().t().contiguous()
    assert c.grad_fn.name() == type(reference.grad_fn).__name__
    (c * glassnet.arange(6.0).reshape(3, 2)).sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]


# ----- transposes -----------------------------------------------------------------------------
@pytest.mark.parametrize("expression", ["x.mT", "x.mH", "y.mT", "y.mH", "y.H", "y.T", "s.H",
                                        "s.mT"])
def test_matrix_transposes_match_pytorch(expression):
    torch = _torch()

    def make(lib):
        x = lib.arange(24.0).reshape(2, 3, 4)  # noqa: F841
        y = lib.arange(6.0).reshape(2, 3)  # noqa: F841
        s = lib.tensor(2.0)  # noqa: F841
        return eval(expression)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns that H and mT of a 0-d tensor are old
        ours, theirs = make(glassnet), make(torch)
    assert _facts(ours) == _facts(theirs)


@pytest.mark.parametrize("expression, words", [
    ("v.mT", "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."),
    ("v.mH", "tensor.mH is only supported on matrices or batches of matrices. Got 1-D tensor."),
    ("v.H", "tensor.H is only supported on matrices (2-D tensors). Got 1-D tensor."),
    ("b.H", "Got 3-D tensor. For batches of matrices, consider using tensor.mH"),
])
def test_transposes_of_the_wrong_rank_fail_as_pytorch(expression, words):
    for lib in (glassnet, pytest.importorskip("torch")):
        v, b = lib.zeros(3), lib.zeros(2, 3, 4)  # noqa: F841
        with pytest.raises(RuntimeError) as error:
            eval(expression)
        assert words in str(error.value)


def test_mt_is_differentiable():
    x = glassnet.arange(6.0).reshape(1, 2, 3).requires_grad_()
    (x.mT * glassnet.arange(6.0).reshape(1, 3, 2)).sum().backward()
    assert x.grad.tolist() == [[[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]]


# ----- facts ---------------------------------------------------------------------------------
def test_tensor_facts_match_pytorch():
    torch = _torch()

    def facts(lib):
        x = lib.zeros(2, 3, dtype=lib.float64)
        scalar = lib.tensor(5)
        return (lib.numel(x), x.numel(), x.nelement(), x.element_size(), x.dim(),
                x.ndimension(), lib.numel(scalar), scalar.ndimension(),
                lib.zeros(3, dtype=lib.int16).element_size(), lib.is_tensor(x),
                lib.is_tensor([1.0]), lib.is_tensor(x.numpy()),
                lib.is_tensor(lib.nn.Parameter(lib.zeros(1))))

    assert facts(glassnet) == facts(torch)


def test_numel_refuses_a_non_tensor():
    with pytest.raises(TypeError, match="argument 'input' must be a Tensor, not list"):
        glassnet.numel([1, 2])


# ----- printing ------------------------------------------------------------------------------
VALUES = [
    [0.6590, 0.2424], [1.0, 2.0, 3.0], [1.5, -2.25, 100.0], [1e-5, 1.0], [1e9, 1.0], [0.0, 0.0],
    [[1.0, 2.5], [3.25, -4.0]], [math.nan, 1.0, math.inf], [123456.789, 0.5], [1, 2, 3],
    [[1, -20], [300, 4]], [True, False], 3.14159, 2.0, -0.0, 7, [1e-10, 1e10], [0.001, 1000.0],
    [-math.inf, 2.5], [1234.5678, 0.0001], np.arange(2000.0).tolist(),
    np.linspace(0, 1, 30).tolist(), (np.arange(24.0).reshape(2, 3, 4) / 7).tolist(), [], [[]],
    [-1.0, 0.5], [1e-4, 1.0], [99999.0, 1.5], [1e8, 1.5], np.arange(1200).reshape(40, 30).tolist(),
    (np.arange(2 * 30 * 40.0).reshape(2, 30, 40) - 1000.5).tolist(),
]


def _same_repr(values, dtype_name=None) -> None:
    torch = _torch()
    theirs = torch.tensor(values) if dtype_name is None else torch.tensor(
        values, dtype=getattr(torch, dtype_name))
    ours = glassnet.tensor(values) if dtype_name is None else glassnet.tensor(
        values, dtype=getattr(glassnet, dtype_name))
    assert repr(ours) == repr(theirs).replace("torch.", "glassnet.")


@pytest.fixture
def print_options():
    """Set the same options on both libraries; put the defaults back afterwards."""
    torch = _torch()

    def set_both(**options):
        torch.set_printoptions(**options)
        glassnet.set_printoptions(**options)

    yield set_both
    set_both(profile="default")


@pytest.mark.parametrize("values", VALUES, ids=range(len(VALUES)))
def test_repr_matches_pytorch(values):
    _same_repr(values)


@pytest.mark.parametrize("dtype_name", ["float64", "float16", "int32", "uint8", "int64", "bool"])
def test_repr_of_other_dtypes_matches_pytorch(dtype_name):
    for values in ([1, 0], [[0, 1, 1]], []):
        _same_repr(values, dtype_name)
    if "float" in dtype_name:
        _same_repr([0.5, 1.25, 3.0], dtype_name)


def test_repr_with_grad_and_long_suffixes_matches_pytorch():
    torch = _torch()
    for lib in (glassnet, torch):
        lib.manual_seed(0)
    x = glassnet.tensor(np.linspace(-1, 1, 14).tolist(), dtype=glassnet.float64,
                        requires_grad=True)
    reference = torch.tensor(np.linspace(-1, 1, 14).tolist(), dtype=torch.float64,
                             requires_grad=True)
    for ours, theirs in ((x, reference), (x * 2, reference * 2)):
        assert repr(ours) == repr(theirs).replace("torch.", "glassnet.")


@pytest.mark.parametrize("options", [
    dict(precision=2), dict(precision=8), dict(precision=0), dict(threshold=5),
    dict(threshold=5, edgeitems=1), dict(edgeitems=0, threshold=3), dict(linewidth=40),
    dict(linewidth=200), dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"),
    dict(profile="full"), dict(profile="short", precision=6),
], ids=str)
def test_set_printoptions_changes_repr_as_in_pytorch(options, print_options):
    print_options(**options)
    for values in (VALUES[0], VALUES[2], VALUES[4], VALUES[6], VALUES[11], VALUES[20],
                   VALUES[21], VALUES[22], VALUES[29], VALUES[30], np.arange(12).tolist()):
        _same_repr(values)


def test_set_printoptions_without_sci_mode_sets_it_back_to_automatic(print_options):
    print_options(sci_mode=True)
    print_options(precision=3)
    _same_repr([1.5, 2.25])
    assert repr(glassnet.tensor([1.5, 2.25])) == "tensor([1.500, 2.250])"


def test_set_printoptions_refuses_an_unknown_profile():
    with pytest.raises(ValueError, match="profile must be one of 'default', 'short', 'full'"):
        glassnet.set_printoptions(profile="long")


def test_only_the_row_major_memory_format_exists():
    with pytest.raises(NotImplementedError, match="one memory format, row-major"):
        glassnet.zeros(2, 3).is_contiguous(memory_format="channels_last")
    with pytest.raises(NotImplementedError, match="leave memory_format out"):
        glassnet.zeros(2, 3).contiguous(memory_format="channels_last")


# ----- fill_ and zero_ ---------------------------------------------------------------------------
def test_fill_and_zero_match_pytorch_in_values_version_and_gradient():
    torch = _torch()

    def make(lib):
        w = lib.ones(3, requires_grad=True)
        y = w * 2
        y.fill_(lib.tensor(5.0))
        (y + w).sum().backward()
        integers = lib.zeros(2, dtype=lib.long).fill_(2.7)
        z = lib.ones(2)
        z.zero_()
        return y.tolist(), w.grad.tolist(), integers.tolist(), z.tolist(), z._version

    assert make(glassnet) == make(torch)


def test_fill_refuses_a_tensor_with_dims_and_a_leaf_that_requires_grad():
    with pytest.raises(RuntimeError, match="0-dimension value tensor but got tensor with 1 dim"):
        glassnet.zeros(3).fill_(glassnet.ones(3))
    with pytest.raises(RuntimeError, match="no_grad"):
        glassnet.zeros(3, requires_grad=True).zero_()
