"""The matrix products (glassnet/ops/linalg_functions.py): names, keyword names, dtypes, out=,
in-place forms, errors and einsum's equation forms, each against PyTorch where it is installed.

Values and gradients of every op are also checked by the op cases (tests/ops/cases_linalg.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet
from glassnet.errors import ShapeError

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

FUNCTIONS = ["mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "einsum", "addmm",
             "baddbmm", "addmv", "cross", "matmul"]
METHODS = ["mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmm_",
           "baddbmm", "baddbmm_", "addmv", "addmv_", "cross", "matmul"]


def rand(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed + len(shape)).standard_normal(shape).astype(dtype)


def pair(array, grad=False):
    """The same array as a glassnet tensor and as a torch tensor."""
    return (glassnet.tensor(array, requires_grad=grad),
            torch.tensor(array, requires_grad=grad))


def same(ours, theirs, rtol=1e-7):
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=1e-10)


# ----- names and keywords -----------------------------------------------------------------------
@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_exists_as_in_pytorch(name):
    assert callable(getattr(glassnet, name))
    if torch is not None:
        assert hasattr(torch, name)


@pytest.mark.parametrize("name", METHODS)
def test_every_method_is_defined_on_the_class(name):
    assert callable(getattr(glassnet.Tensor, name))
    if torch is not None:
        assert hasattr(torch.Tensor, name)


@needs_torch
@pytest.mark.parametrize("call", [
    lambda lib, a, b, v: lib.mm(input=a, mat2=b.t()),
    lambda lib, a, b, v: lib.bmm(input=a.unsqueeze(0), mat2=b.t().unsqueeze(0)),
    lambda lib, a, b, v: lib.mv(input=a, vec=v),
    lambda lib, a, b, v: lib.dot(input=v, tensor=v),
    lambda lib, a, b, v: lib.vdot(input=v, other=v * 2),
    lambda lib, a, b, v: lib.inner(input=a, other=b),
    lambda lib, a, b, v: lib.outer(input=v, vec2=v[:2]),
    lambda lib, a, b, v: lib.ger(input=v, vec2=v[:2]),
    lambda lib, a, b, v: lib.addmm(input=v, mat1=a.t(), mat2=b, beta=0.5, alpha=2),
    lambda lib, a, b, v: lib.baddbmm(input=a[0], batch1=a.t().unsqueeze(0),
                                     batch2=b.unsqueeze(0), beta=2, alpha=-1),
    lambda lib, a, b, v: lib.addmv(input=a[:, 0], mat=a, vec=v, beta=3, alpha=0.25),
    lambda lib, a, b, v: lib.matmul(input=a, other=v),
    lambda lib, a, b, v: lib.cross(a.t(), b.t(), dim=1),
    lambda lib, a, b, v: a.addmm(b.t(), a, beta=2, alpha=0.5),
    lambda lib, a, b, v: a[:, 0].addmv(a, v, alpha=2),
    lambda lib, a, b, v: a.cross(b, 0),
], ids=["mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "baddbmm", "addmv",
        "matmul", "cross", "addmm-method", "addmv-method", "cross-method"])
def test_keyword_names_and_values_match_pytorch(call):
    ours = call(glassnet, *(glassnet.tensor(x) for x in (rand(3, 3), rand(3, 3, seed=1),
                                                          rand(3, seed=2))))
    theirs = call(torch, *(torch.tensor(x) for x in (rand(3, 3), rand(3, 3, seed=1),
                                                      rand(3, seed=2))))
    same(ours, theirs)


@needs_torch
def test_grad_fn_names_match_pytorch():
    a, b = glassnet.ones(2, 3, requires_grad=True), glassnet.ones(3, 2)
    assert type(glassnet.mm(a, b).grad_fn).__name__ == "MmBackward0"
    assert type(glassnet.addmm(glassnet.ones(2), a, b).grad_fn).__name__ == "AddmmBackward0"
    assert type(glassnet.bmm(a[None], b[None]).grad_fn).__name__ == "BmmBackward0"
    assert type(glassnet.mv(a, b[:, 0]).grad_fn).__name__ == "MvBackward0"
    cross = glassnet.cross(a, a, dim=1)
    assert type(cross.grad_fn).__name__ == "LinalgCrossBackward0"


# ----- dtypes -----------------------------------------------------------------------------------
@needs_torch
def test_integer_products_stay_integer_as_in_pytorch():
    i = np.arange(6).reshape(2, 3)
    same(glassnet.mm(glassnet.tensor(i), glassnet.tensor(i.T)), torch.mm(torch.tensor(i),
                                                                          torch.tensor(i.T)))
    same(glassnet.dot(glassnet.tensor(i[0]), glassnet.tensor(i[1])),
         torch.dot(torch.tensor(i[0]), torch.tensor(i[1])))


@needs_torch
def test_integer_addmm_truncates_beta_and_alpha_as_pytorch():
    args = (np.full(3, 3), np.ones((2, 4), dtype=np.int64), np.ones((4, 3), dtype=np.int64))
    ours = glassnet.addmm(*(glassnet.tensor(a) for a in args), beta=0.5, alpha=1.5)
    theirs = torch.addmm(*(torch.tensor(a) for a in args), beta=0.5, alpha=1.5)
    same(ours, theirs)


@needs_torch
def test_outer_promotes_like_a_multiply():
    ours = glassnet.outer(glassnet.tensor([1, 2]), glassnet.tensor([0.5, 1.5, 2.0]))
    theirs = torch.outer(torch.tensor([1, 2]), torch.tensor([0.5, 1.5, 2.0]))
    same(ours, theirs)


def test_float32_products_stay_float32():
    a, b = glassnet.ones(2, 3), glassnet.ones(3, 4)
    assert glassnet.mm(a, b).dtype is glassnet.float32
    assert glassnet.einsum("ij,jk", a, b).dtype is glassnet.float32
    assert glassnet.addmm(glassnet.ones(4), a, b, beta=0.5).dtype is glassnet.float32


@pytest.mark.parametrize("call", [
    lambda a, b: glassnet.mm(a, b), lambda a, b: glassnet.matmul(a, b), lambda a, b: a @ b,
    lambda a, b: glassnet.bmm(a[None], b[None]), lambda a, b: glassnet.mv(a, b[:, 0]),
    lambda a, b: glassnet.dot(a[0], b[:, 0]), lambda a, b: glassnet.einsum("ij,jk", a, b),
    lambda a, b: glassnet.addmm(glassnet.zeros(3), a, b), lambda a, b: glassnet.inner(a, b.t()),
    lambda a, b: glassnet.cross(a, b.t(), dim=1),
], ids=["mm", "matmul", "@", "bmm", "mv", "dot", "einsum", "addmm", "inner", "cross"])
def test_products_refuse_mixed_dtypes_as_pytorch_does(call):
    a = glassnet.ones(3, 3)
    for other in (glassnet.ones(3, 3, dtype=glassnet.float64),
                  glassnet.ones(3, 3, dtype=glassnet.int64)):
        with pytest.raises(RuntimeError, match=r"same dtype") as caught:
            call(a, other)
        assert isinstance(caught.value, TypeError)  # what glassnet's matmul raised before


def test_addmm_refuses_an_input_of_another_dtype():
    with pytest.raises(RuntimeError, match=r"input and mat2 to have the same dtype.*float64"):
        glassnet.addmm(glassnet.ones(3, dtype=glassnet.float64), glassnet.ones(2, 4),
                       glassnet.ones(4, 3))


def test_bool_matrix_products_are_not_implemented():
    b = glassnet.ones(2, 2, dtype=glassnet.bool)
    with pytest.raises(NotImplementedError, match=r"bool.*\.float\(\)"):
        glassnet.mm(b, b)


# ----- shape errors, one line naming both shapes ------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: glassnet.mm(glassnet.ones(3), glassnet.ones(3, 2)),
     r"mm: expected 2-D input and 2-D mat2, got input of shape \(3,\) and mat2 of shape \(3, 2\)"),
    (lambda: glassnet.mm(glassnet.ones(2, 3), glassnet.ones(2, 3)),
     r"mm: input and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"),
    (lambda: glassnet.bmm(glassnet.ones(2, 3), glassnet.ones(3, 2)),
     r"bmm: expected 3-D input and 3-D mat2, got input of shape \(2, 3\)"),
    (lambda: glassnet.bmm(glassnet.ones(2, 2, 3), glassnet.ones(3, 3, 2)),
     r"bmm: input of shape \(2, 2, 3\) and mat2 of shape \(3, 3, 2\) don't fit"),
    (lambda: glassnet.bmm(glassnet.ones(2, 2, 3), glassnet.ones(2, 4, 2)),
     r"mat2 must be \(2, 3, m\)"),
    (lambda: glassnet.mv(glassnet.ones(2, 3), glassnet.ones(3, 1)),
     r"mv: expected 2-D input and 1-D vec, got input of shape \(2, 3\) and vec of shape \(3, 1\)"),
    (lambda: glassnet.mv(glassnet.ones(2, 3), glassnet.ones(2)),
     r"mv: input of shape \(2, 3\) and vec of shape \(2,\) cannot be multiplied"),
    (lambda: glassnet.dot(glassnet.ones(3), glassnet.ones(3, 1)),
     r"dot: expected 1-D input and 1-D tensor, got input of shape \(3,\) and tensor of shape"),
    (lambda: glassnet.dot(glassnet.ones(3), glassnet.ones(4)),
     r"dot: input of shape \(3,\) and tensor of shape \(4,\) must have the same number"),
    (lambda: glassnet.vdot(glassnet.ones(3), glassnet.ones(4)), r"vdot: input of shape \(3,\)"),
    (lambda: glassnet.outer(glassnet.ones(3, 2), glassnet.ones(4)),
     r"outer: expected 1-D input and 1-D vec2, got input of shape \(3, 2\)"),
    (lambda: glassnet.inner(glassnet.ones(3, 2), glassnet.ones(4, 3)),
     r"inner\(\): the last dimension must match on both inputs, got shapes \[3, 2\] and \[4, 3\]"),
    (lambda: glassnet.addmm(glassnet.ones(5), glassnet.ones(2, 4), glassnet.ones(4, 3)),
     r"addmm: input of shape \(5,\) cannot be broadcast to the shape \(2, 3\) of mat1 @ mat2"),
    (lambda: glassnet.addmm(glassnet.ones(3), glassnet.ones(2, 4), glassnet.ones(3, 3)),
     r"addmm: mat1 and mat2 shapes cannot be multiplied \(2x4 and 3x3\)"),
    (lambda: glassnet.baddbmm(glassnet.ones(5, 3), glassnet.ones(2, 2, 4),
                              glassnet.ones(2, 4, 3)),
     r"baddbmm: input of shape \(5, 3\) cannot be broadcast to the shape \(2, 2, 3\)"),
    (lambda: glassnet.addmv(glassnet.ones(3), glassnet.ones(2, 4), glassnet.ones(4)),
     r"addmv: input of shape \(3,\) cannot be broadcast to the shape \(2,\)"),
    (lambda: glassnet.cross(glassnet.ones(2, 4), glassnet.ones(2, 4), dim=1),
     r"linalg.cross: inputs dimension 1 must have length 3. Got 4 and 4"),
    (lambda: glassnet.cross(glassnet.ones(3, 4), glassnet.ones(4), dim=0),
     r"same number of dimensions, got shapes \(3, 4\) and \(4,\)"),
    (lambda: glassnet.cross(glassnet.ones(5, 3), glassnet.ones(2, 3), dim=1),
     r"shapes \(5, 3\) and \(2, 3\) cannot be broadcast together outside dim 1"),
])
def test_shape_errors_name_both_shapes(call, message):
    with pytest.raises(ShapeError, match=message):
        call()


@needs_torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.mm(lib.ones(3), lib.ones(3, 2)),
    lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(3, 3, 2)),
    lambda lib: lib.mv(lib.ones(2, 3), lib.ones(2)),
    lambda lib: lib.dot(lib.ones(3), lib.ones(4)),
    lambda lib: lib.addmm(lib.ones(5), lib.ones(2, 4), lib.ones(4, 3)),
    lambda lib: lib.cross(lib.ones(2, 4), lib.ones(2, 4), dim=1),
])
def test_pytorch_refuses_the_same_shapes(call):
    """The errors above are PyTorch's rules, not stricter ones of our own."""
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError):
        call(glassnet)


def test_cross_without_dim_warns_and_takes_the_first_dim_of_size_3():
    a, b = glassnet.tensor(rand(3, 4)), glassnet.tensor(rand(3, 4, seed=1))
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        result = glassnet.cross(a, b)
    np.testing.assert_allclose(result.numpy(), np.cross(a.numpy(), b.numpy(), axis=0))
    with pytest.warns(UserWarning), pytest.raises(ShapeError, match="no dimension of size 3"):
        glassnet.cross(glassnet.ones(2, 4), glassnet.ones(2, 4))


def test_cross_dim_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 5"):
        glassnet.cross(glassnet.ones(3, 3), glassnet.ones(3, 3), dim=5)


# ----- beta, alpha, out= and in-place forms ------------------------------------------------------
def test_beta_zero_ignores_nan_in_input_as_pytorch():
    result = glassnet.addmm(glassnet.full((3,), float("nan")), glassnet.ones(2, 4),
                            glassnet.ones(4, 3), beta=0)
    assert np.all(result.numpy() == 4.0)


@needs_torch
@pytest.mark.parametrize("name, shapes", [
    ("addmm_", ((2, 3), (2, 4), (4, 3))), ("baddbmm_", ((2, 2, 3), (2, 2, 4), (2, 4, 3))),
    ("addmv_", ((2,), (2, 4), (4,))),
])
def test_inplace_forms_write_into_self(name, shapes):
    arrays = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    ours = glassnet.tensor(arrays[0])
    theirs = torch.tensor(arrays[0])
    returned = getattr(ours, name)(*(glassnet.tensor(a) for a in arrays[1:]), beta=0.5, alpha=2)
    getattr(theirs, name)(*(torch.tensor(a) for a in arrays[1:]), beta=0.5, alpha=2)
    assert returned is ours
    same(ours, theirs)


def test_inplace_addmm_cannot_change_the_shape():
    with pytest.raises(ShapeError, match=r"addmm_.*in-place op cannot change a tensor's shape"):
        glassnet.ones(3).addmm_(glassnet.ones(2, 4), glassnet.ones(4, 3))


@pytest.mark.parametrize("name", ["mm", "matmul"])
def test_out_receives_the_result(name):
    out = glassnet.empty(2, 2)
    returned = getattr(glassnet, name)(glassnet.ones(2, 3), glassnet.ones(3, 2), out=out)
    assert returned is out and np.all(out.numpy() == 3.0)


def test_out_of_another_shape_is_resized_with_a_warning():
    out = glassnet.empty(5)
    with pytest.warns(UserWarning, match="was resized"):
        glassnet.mm(glassnet.ones(2, 3), glassnet.ones(3, 2), out=out)
    assert out.shape == (2, 2)


@pytest.mark.parametrize("call", [
    lambda out: glassnet.mm(glassnet.ones(2, 3), glassnet.ones(3, 2), out=out),
    lambda out: glassnet.matmul(glassnet.ones(2, 3), glassnet.ones(3, 2), out=out),
    lambda out: glassnet.addmm(glassnet.ones(2), glassnet.ones(2, 3), glassnet.ones(3, 2),
                               out=out),
], ids=["mm", "matmul", "addmm"])
def test_out_must_have_the_result_dtype(call):
    with pytest.raises(RuntimeError, match=r"expected out tensor to have dtype float32, but got "
                                           r"float64 instead"):
        call(glassnet.empty(2, 2, dtype=glassnet.float64))


def test_out_refuses_inputs_that_require_grad():
    with pytest.raises(RuntimeError, match=r"mm\(\): functions with out=.*don't support"):
        glassnet.mm(glassnet.ones(2, 3, requires_grad=True), glassnet.ones(3, 2),
                    out=glassnet.empty(2, 2))


# ----- einsum -----------------------------------------------------------------------------------
EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ba", [(2, 3)]),
    ("aA", [(3, 2)]), ("Ba,ab", [(2, 3), (3, 4)]), ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(3,), (4,)]), ("ii", [(3, 3)]), ("ii->i", [(3, 3)]), ("iij->ji", [(3, 3, 2)]),
    ("...ij,...jk", [(5, 2, 3), (3, 4)]), ("i...j,j...k->...ik", [(2, 5, 3), (3, 1, 4)]),
    ("...i->i", [(2, 3)]), ("i...", [(2, 3)]), ("...", [(2, 3)]), ("...,...", [(2, 3), (3,)]),
    ("ij...->j", [(2, 3)]), ("ij,jk", [(2, 3), (1, 4)]), ("i,i->i", [(3,), (1,)]),
    ("bij,bjk,bkl->bil", [(2, 3, 4), (2, 4, 5), (2, 5, 2)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
    ("", [()]), ("->", [()]), ("ijk,ikj->", [(2, 3, 4), (2, 4, 3)]),
]


@needs_torch
@pytest.mark.parametrize("equation, shapes", EQUATIONS, ids=[e for e, _ in EQUATIONS])
def test_einsum_values_and_gradients_match_pytorch(equation, shapes):
    arrays = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    ours = [glassnet.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = glassnet.einsum(equation, *ours), torch.einsum(equation, *theirs)
    same(out, ref)
    seed = rand(*ref.shape, seed=7)
    out.backward(glassnet.tensor(seed))
    ref.backward(torch.tensor(seed))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10)


@needs_torch
def test_einsum_takes_a_list_of_operands_and_sublists():
    a, b = rand(2, 3), rand(3, 4, seed=1)
    same(glassnet.einsum("ij,jk", [glassnet.tensor(a), glassnet.tensor(b)]),
         torch.einsum("ij,jk", [torch.tensor(a), torch.tensor(b)]))
    same(glassnet.einsum(glassnet.tensor(a), [0, 1], glassnet.tensor(b), [1, 2], [0, 2]),
         torch.einsum(torch.tensor(a), [0, 1], torch.tensor(b), [1, 2], [0, 2]))
    c = rand(3, 3, seed=2)
    same(glassnet.einsum(glassnet.tensor(a), [0, ...], glassnet.tensor(c), [..., 2]),
         torch.einsum(torch.tensor(a), [0, ...], torch.tensor(c), [..., 2]))
    same(glassnet.einsum(glassnet.tensor(a), [26, 1]), torch.einsum(torch.tensor(a), [26, 1]))


def test_einsum_result_does_not_share_memory_with_its_input():
    a = glassnet.ones(3, 3)
    diagonal = glassnet.einsum("ii->i", a)
    diagonal.numpy()[:] = 5.0
    assert np.all(a.numpy() == 1.0)


def test_einsum_of_two_matrices_agrees_with_mm():
    a, b = glassnet.tensor(rand(4, 5)), glassnet.tensor(rand(5, 6, seed=1))
    np.testing.assert_allclose(glassnet.einsum("ij,jk->ik", a, b).numpy(),
                               glassnet.mm(a, b).numpy(), rtol=1e-12)


@pytest.mark.parametrize("args, error, message", [
    (("ij,jk",), ValueError, r"must specify the equation string and at least one operand"),
    (("ij,jk", glassnet.ones(2, 3)), RuntimeError, r"fewer operands were provided"),
    (("ij->ji", glassnet.ones(2, 3), glassnet.ones(2)), RuntimeError, r"more operands"),
    (("i1", glassnet.ones(2, 3)), RuntimeError, r"invalid subscript given at index 1"),
    (("i.j", glassnet.ones(3, 3)), RuntimeError, r"found '\.' at index 1 that is not part"),
    (("ijk", glassnet.ones(2, 3)), ShapeError,
     r"number of subscripts in the equation \(3\) does not match the number of dimensions "
     r"\(2\) for operand 0 and no ellipsis"),
    (("ij,jk->ii", glassnet.ones(2, 3), glassnet.ones(3, 4)), RuntimeError,
     r"output subscript i appears more than once"),
    (("ij->k", glassnet.ones(2, 3)), RuntimeError, r"output subscript k does not appear"),
    (("ii", glassnet.ones(2, 3)), ShapeError, r"subscript i is repeated for operand 0 but the "
                                              r"sizes don't match, 2 != 3"),
    (("ij,jk", glassnet.ones(2, 3), glassnet.ones(2, 4)), ShapeError,
     r"subscript j has size 2 for operand 1 which does not broadcast with previously seen "
     r"size 3 \(operand shapes \[\(2, 3\), \(2, 4\)\]\)"),
    ((glassnet.ones(2, 3), [0, 60]), ValueError, r"not within the valid range \[0, 52\)"),
    (("......", glassnet.ones(2, 3)), RuntimeError, r"more than one ellipsis"),
])
def test_einsum_errors_say_what_is_wrong(args, error, message):
    with pytest.raises(error, match=message):
        glassnet.einsum(*args)


@needs_torch
@pytest.mark.parametrize("args", [
    ("ij,jk", (2, 3)), ("i1", (2, 3)), ("ijk", (2, 3)), ("ii", (2, 3)), ("ij->k", (2, 3)),
])
def test_pytorch_refuses_the_same_einsum_equations(args):
    equation, shape = args
    with pytest.raises(RuntimeError):
        torch.einsum(equation, torch.ones(shape))
    with pytest.raises(RuntimeError):
        glassnet.einsum(equation, glassnet.ones(shape))


def test_warnings_are_not_raised_by_plain_products():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        glassnet.mm(glassnet.ones(2, 3), glassnet.ones(3, 2))
        glassnet.einsum("ij,jk", glassnet.ones(2, 3), glassnet.ones(3, 2))


def test_linalg_namespace_has_cross_as_pytorch():
    a, b = glassnet.randn(4, 3), glassnet.randn(4, 3)
    expected = np.cross(a.numpy(), b.numpy())
    np.testing.assert_allclose(glassnet.linalg.cross(a, b).numpy(), expected, rtol=1e-6)
