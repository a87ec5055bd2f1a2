"""The everyday math functions (glassnet/ops/math_functions.py): names, keyword names, dtypes,
out=, in-place forms and errors, each against PyTorch where it is installed.

Values and gradients of every op are checked by the op cases (tests/ops/cases_math.py).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import glassnet
from glassnet.errors import ShapeError
from glassnet.ops import math as math_ops

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

UNARY = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
         "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "exp2", "expm1", "log2",
         "log10", "rsqrt", "reciprocal", "erf", "erfc", "trunc", "fix", "frac"]
BINARY = ["atan2", "arctan2", "remainder", "fmod", "floor_divide", "fmax", "fmin"]
NO_INPLACE = {"fmax", "fmin"}  # PyTorch has no fmax_ / fmin_


def both(lib_call, *arrays, dtype=None):
    """Run ``lib_call(lib, *tensors)`` on glassnet and on torch from the same arrays."""
    ours = lib_call(glassnet, *[glassnet.tensor(a, dtype=dtype) for a in arrays])
    theirs = lib_call(torch, *[torch.tensor(a) if dtype is None else
                               torch.tensor(a, dtype=getattr(torch, dtype.name))
                               for a in arrays])
    return ours, theirs


def same(ours, theirs, rtol=1e-6):
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=1e-7)


# ----- names ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", UNARY + BINARY + ["lerp"])
def test_every_name_is_a_function_a_method_and_an_inplace_method(name):
    assert callable(getattr(glassnet, name))
    assert callable(getattr(glassnet.Tensor, name))
    if name not in NO_INPLACE:
        assert callable(getattr(glassnet.Tensor, name + "_"))
    if torch is not None:  # the same names exist in PyTorch
        assert hasattr(torch, name) and hasattr(torch.Tensor, name)
        assert hasattr(torch.Tensor, name + "_") is (name not in NO_INPLACE)


def test_tensor_methods_are_defined_on_the_class_not_attached():
    from glassnet._tensor_math import MathMethods

    assert issubclass(glassnet.Tensor, MathMethods)
    assert "sin" in MathMethods.__dict__ and "sin" not in glassnet.Tensor.__dict__


# ----- values, keyword names and dtypes against PyTorch ---------------------------------------
@needs_torch
@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_and_methods_match_pytorch_in_float32(name):
    rng = np.random.default_rng(0)
    x = rng.uniform(1.1, 1.9, (3, 4)) * rng.choice([-1, 1], (3, 4))
    if name in ("asin", "acos", "atanh", "arcsin", "arccos", "arctanh"):
        x = x / 2
    if name in ("acosh", "arccosh", "log2", "log10", "rsqrt"):
        x = np.abs(x)
    x = x.astype(np.float32)
    ours, theirs = both(lambda lib, t: getattr(lib, name)(input=t), x)
    same(ours, theirs)
    same(*both(lambda lib, t: getattr(t, name)(), x))


@needs_torch
@pytest.mark.parametrize("name", [n for n in UNARY if n not in ("trunc", "fix", "frac")])
@pytest.mark.parametrize("values", [[1, 2, 3], [True, False]], ids=["int64", "bool"])
def test_float_functions_turn_integers_and_bools_into_the_default_float(name, values):
    ours, theirs = both(lambda lib, t: getattr(lib, name)(t), np.array(values))
    assert ours.dtype is glassnet.float32
    with np.errstate(all="ignore"):
        same(ours, theirs)


def test_float_functions_follow_the_default_dtype():
    glassnet.set_default_dtype(glassnet.float64)
    try:
        assert glassnet.sin(glassnet.tensor([1, 2])).dtype is glassnet.float64
        assert glassnet.atan2(glassnet.tensor([1]), glassnet.tensor([2])).dtype is glassnet.float64
    finally:
        glassnet.set_default_dtype(glassnet.float32)


@needs_torch
def test_trunc_keeps_integers_and_rounds_toward_zero():
    same(*both(lambda lib, t: lib.trunc(t), np.array([3, -4])))
    same(*both(lambda lib, t: t.fix(), np.array([2.7, -2.7, 0.5], dtype=np.float32)))
    same(*both(lambda lib, t: lib.frac(t), np.array([2.75, -2.75], dtype=np.float32)))


BINARY_CALLS = {
    "keywords": lambda lib, a, b: lib.remainder(input=a, other=b),
    "method-keyword": lambda lib, a, b: a.fmod(other=b),
    "atan2": lambda lib, a, b: lib.atan2(input=a, other=b),
    "arctan2-method": lambda lib, a, b: a.arctan2(other=b),
    "fmax": lambda lib, a, b: lib.fmax(input=a, other=b),
    "fmin-method": lambda lib, a, b: a.fmin(other=b),
    "floor_divide": lambda lib, a, b: lib.floor_divide(input=a, other=b),
    "floor_divide-method": lambda lib, a, b: a.floor_divide(other=b),
    "lerp": lambda lib, a, b: lib.lerp(input=a, end=b, weight=0.25),
    "lerp-method": lambda lib, a, b: a.lerp(end=b, weight=b),
    "%": lambda lib, a, b: a % b,
    "//": lambda lib, a, b: a // b,
}


@needs_torch
@pytest.mark.parametrize("call", BINARY_CALLS.values(), ids=BINARY_CALLS.keys())
def test_binary_functions_match_pytorch_with_its_keyword_names(call):
    a = np.array([[5.5, -7.25, 3.0], [-0.5, 2.0, 9.0]], dtype=np.float32)
    b = np.array([2.0, 3.0, -1.5], dtype=np.float32)
    same(*both(call, a, b))


PROMOTIONS = {  # (first, second) operand makers: lib -> tensor or number
    "int64 and int64": (lambda lib: lib.tensor([7, -7]), lambda lib: lib.tensor([2, 3])),
    "int32 and float32": (lambda lib: lib.tensor([7, -7], dtype=lib.int32),
                          lambda lib: lib.tensor([2.5, 3.0])),
    "int64 and a Python float": (lambda lib: lib.tensor([7, -7]), lambda lib: 2.5),
    "int64 and a Python int": (lambda lib: lib.tensor([7, -7]), lambda lib: 2),
    "float32 and 0-d float64": (lambda lib: lib.tensor([7.5, -7.0]),
                                lambda lib: lib.tensor(2.0, dtype=lib.float64)),
    "float32 and 1-d float64": (lambda lib: lib.tensor([7.5, -7.0]),
                                lambda lib: lib.tensor([2.0], dtype=lib.float64)),
    "0-d int64 and float16": (lambda lib: lib.tensor(7),
                              lambda lib: lib.tensor([2.0], dtype=lib.float16)),
    "a Python int and int32": (lambda lib: 7, lambda lib: lib.tensor([2, 3], dtype=lib.int32)),
}


@needs_torch
@pytest.mark.parametrize("name", ["remainder", "fmod", "floor_divide", "atan2", "fmax"])
@pytest.mark.parametrize("make", PROMOTIONS.values(), ids=PROMOTIONS.keys())
def test_two_operands_promote_as_pytorch(name, make):
    def call(lib):
        first, second = make[0](lib), make[1](lib)
        return getattr(lib, name)(first, second)

    try:
        theirs = call(torch)
    except (TypeError, RuntimeError):  # PyTorch has no such overload (a number first, ...)
        pytest.skip(f"PyTorch's {name} refuses these operands")
    same(call(glassnet), theirs, rtol=1e-3)


@needs_torch
def test_operators_and_reflected_operators_match_pytorch():
    for call in (lambda lib: lib.tensor([7, -7]) % 3, lambda lib: 7 % lib.tensor([2, -3]),
                 lambda lib: 7 // lib.tensor([2, -3]), lambda lib: lib.tensor([7.5]) // -2,
                 lambda lib: 7.5 % lib.tensor([2.0, -3.0])):
        same(call(glassnet), call(torch))
    ours, theirs = glassnet.tensor([7, -7]), torch.tensor([7, -7])
    ours %= 3
    theirs %= 3
    same(ours, theirs)
    ours //= 2
    theirs //= 2
    same(ours, theirs)


@needs_torch
def test_fmax_and_fmin_ignore_nan_and_send_the_gradient_where_pytorch_does():
    a = np.array([1.0, 2.0, np.nan, 3.0, np.nan])
    b = np.array([1.0, 1.0, 2.0, np.nan, np.nan])
    for name in ("fmax", "fmin"):
        ours = [glassnet.tensor(v, requires_grad=True) for v in (a, b)]
        theirs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
        out, ref = getattr(glassnet, name)(*ours), getattr(torch, name)(*theirs)
        np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
        out.backward(glassnet.ones(5, dtype=glassnet.float64))  # a NaN sum would warn
        ref.backward(torch.ones(5, dtype=torch.float64))
        for mine, reference in zip(ours, theirs):
            np.testing.assert_array_equal(mine.grad.numpy(), reference.grad.numpy())


@needs_torch
def test_special_values_match_pytorch_without_warnings():
    x = np.array([0.0, -1.0, 4.0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in (lambda lib, t: t.rsqrt(), lambda lib, t: t.reciprocal(),
                     lambda lib, t: lib.remainder(t, 0.0), lambda lib, t: lib.fmod(t, 0.0),
                     lambda lib, t: t // 0.0, lambda lib, t: t.log2(), lambda lib, t: t.acosh()):
            out, ref = both(call, x)
            np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_numpy_scalars_count_as_python_numbers():
    half = glassnet.tensor([3.0, -5.0], dtype=glassnet.float16)
    assert glassnet.lerp(half, half * 0, np.float64(0.5)).dtype is glassnet.float16
    assert (half % np.float64(2.0)).dtype is glassnet.float16
    assert (half // np.int64(2)).tolist() == [1.0, -3.0]


def test_floor_divide_has_no_gradient():
    x = glassnet.tensor([5.0, -7.0], requires_grad=True)
    out = glassnet.floor_divide(x, 2)
    assert out.tolist() == [2.0, -4.0] and not out.requires_grad and out.grad_fn is None


@pytest.mark.parametrize("call", [lambda t: glassnet.floor_divide(t, 0), lambda t: t % 0,
                                  lambda t: t.fmod(glassnet.tensor([1, 0])), lambda t: t // 0])
def test_integer_division_by_zero_raises_as_pytorch(call):
    with pytest.raises(RuntimeError, match="ZeroDivisionError.*x.float"):
        call(glassnet.tensor([5, -7]))


# ----- erf without SciPy ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_erf_without_scipy_is_right_to_the_last_bits_and_keeps_the_dtype(dtype):
    x = np.array([-3.0, -0.5, 0.0, 1e-3, 0.7, 2.0, 6.0], dtype=dtype)
    for fn, reference in ((math_ops.erf_elementwise, math.erf),
                          (math_ops.erfc_elementwise, math.erfc)):
        out = fn(x)
        assert out.dtype == dtype and out.shape == x.shape
        expected = np.array([reference(float(v)) for v in x], dtype=dtype)
        np.testing.assert_array_equal(out, expected)
    assert math_ops.erf_elementwise(np.array(0.5)).shape == ()  # 0-d stays an array


@needs_torch
def test_erf_and_erfc_match_pytorch_far_into_the_tails():
    x = np.linspace(-6, 9, 61)
    same(*both(lambda lib, t: lib.erf(t), x), rtol=1e-14)
    same(*both(lambda lib, t: lib.erfc(t), x), rtol=1e-13)  # erfc(9) ~ 4e-37: no cancellation


# ----- out= -------------------------------------------------------------------------------------
def test_out_writes_into_the_given_tensor_and_returns_it():
    x = glassnet.tensor([0.5, 1.0])
    out = glassnet.zeros(2, dtype=glassnet.float64)
    memory = out.numpy()
    assert glassnet.sin(x, out=out) is out
    assert out.dtype is glassnet.float64 and np.shares_memory(out.numpy(), memory)
    np.testing.assert_allclose(memory, np.sin(np.float32([0.5, 1.0])), rtol=1e-7)
    assert glassnet.lerp(x, glassnet.ones(2), 0.5, out=out) is out
    assert out.tolist() == [0.75, 1.0]
    assert glassnet.floor_divide(glassnet.tensor([7, 8]), 2, out=out).tolist() == [3.0, 4.0]


def test_out_of_another_shape_is_resized_warning_only_if_it_had_elements():
    x = glassnet.tensor([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = glassnet.atan2(x, x, out=glassnet.empty(0))
    assert empty.shape == (2,)
    with pytest.warns(UserWarning, match=r"resized since it had shape \[3\]"):
        resized = glassnet.remainder(x, 1.5, out=glassnet.zeros(3))
    assert resized.tolist() == [1.0, 0.5]


def test_out_refuses_a_dtype_of_a_lower_kind():
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired "
                                           "output type int64"):
        glassnet.sin(glassnet.ones(2), out=glassnet.zeros(2, dtype=glassnet.int64))
    with pytest.raises(TypeError, match="out= must be a Tensor, got ndarray"):
        glassnet.cos(glassnet.ones(2), out=np.zeros(2))


def test_out_refuses_inputs_that_require_grad_unless_under_no_grad():
    x = glassnet.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation.*no_grad"):
        glassnet.exp2(x, out=glassnet.zeros(2))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        glassnet.exp2(glassnet.ones(2), out=glassnet.zeros(2, requires_grad=True))
    with glassnet.no_grad():
        assert glassnet.exp2(x, out=glassnet.zeros(2)).tolist() == [2.0, 2.0]


# ----- in place --------------------------------------------------------------------------------
def test_inplace_forms_write_into_the_tensors_own_memory():
    x = glassnet.tensor([0.25, 0.5])
    memory = x.numpy()
    assert x.asin_() is x and x._version == 1
    np.testing.assert_allclose(memory, np.arcsin(np.float32([0.25, 0.5])), rtol=1e-7)
    counts = glassnet.tensor([7, 8])
    assert counts.remainder_(3).tolist() == [1, 2] and counts.dtype is glassnet.int64
    halves = glassnet.tensor([3.0, 5.0])
    halves.lerp_(glassnet.tensor([5.0, 5.0]), 0.5).floor_divide_(2)
    assert halves.tolist() == [2.0, 2.0]


def test_inplace_keeps_the_dtype_and_refuses_a_lower_kind():
    x = glassnet.tensor([1.0, 2.0])
    x.fmod_(glassnet.tensor([0.75], dtype=glassnet.float64))
    assert x.dtype is glassnet.float32 and x.tolist() == [0.25, 0.5]
    with pytest.raises(RuntimeError, match="sin_: result type float32 can't be cast to the "
                                           "desired output type int64"):
        glassnet.tensor([1, 2]).sin_()
    with pytest.raises(RuntimeError, match="can't be cast"):
        glassnet.tensor([7, 8]).remainder_(2.5)


def test_inplace_refuses_to_change_the_shape():
    with pytest.raises(ShapeError, match=r"atan2_: the result has shape \(2, 2\) but this tensor "
                                         r"has shape \(2,\).*out-of-place"):
        glassnet.ones(2).atan2_(glassnet.ones(2, 1))


def test_inplace_on_a_leaf_that_requires_grad_is_refused_while_recording():
    x = glassnet.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        x.cos_()


@needs_torch
def test_inplace_inside_the_graph_gives_pytorch_gradients():
    values = np.array([0.3, -0.6])
    ours = glassnet.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    for x in (ours, theirs):
        y = (x * 2).sin_().mul(0.5).asin_()
        y.lerp_(x * x, 0.25).atan2_(x + 3).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


@needs_torch
def test_inplace_on_a_tensor_an_earlier_op_saved_fails_in_backward_as_in_pytorch():
    for lib, error in ((glassnet, glassnet.GraphError), (torch, RuntimeError)):
        x = lib.tensor([0.3, -0.6], requires_grad=True)
        y = (x * 2).sigmoid().asin_()  # sigmoid's backward needs what asin_ replaced
        with pytest.raises(error, match="modified (by an inplace|in place)"):
            y.sum().backward()


def test_inplace_with_a_plain_tensor_and_an_operand_that_requires_grad():
    other = glassnet.tensor([1.0, -2.0], requires_grad=True)
    angles = glassnet.tensor([1.0, 1.0]).atan2_(other)
    angles.sum().backward()  # d/dother atan2(y, other) = -y / (y² + other²)
    np.testing.assert_allclose(other.grad.numpy(), [-0.5, -0.2])


# ----- argument errors --------------------------------------------------------------------------
def test_lerp_wants_one_floating_dtype_as_pytorch():
    x = glassnet.ones(2)
    with pytest.raises(RuntimeError, match="expected dtype float32 for `end` but got dtype "
                                           r"float64; convert it: end.to\(input.dtype\)"):
        glassnet.lerp(x, glassnet.ones(2, dtype=glassnet.float64), 0.5)
    with pytest.raises(RuntimeError, match="for `weight` but got dtype float64"):
        glassnet.lerp(x, x, glassnet.tensor([0.5], dtype=glassnet.float64))
    with pytest.raises(TypeError, match=r"lerp\(\): needs a floating-point tensor, got int64"):
        glassnet.lerp(glassnet.tensor([1, 2]), glassnet.tensor([3, 4]), 0.5)


def test_frac_and_trunc_refuse_what_pytorch_refuses():
    with pytest.raises(TypeError, match=r"frac\(\): needs a floating-point tensor, got int64; "
                                        r"convert it first: x.float\(\)"):
        glassnet.tensor([1, 2]).frac()
    with pytest.raises(TypeError, match="trunc.*got bool"):
        glassnet.trunc(glassnet.tensor([True]))


def test_functions_take_input_by_keyword_and_refuse_unknown_ones():
    x = glassnet.tensor([0.5])
    assert glassnet.sin(input=x).tolist() == pytest.approx([math.sin(0.5)])
    with pytest.raises(TypeError):
        glassnet.sin(x, x)  # out is keyword-only, as in PyTorch
    with pytest.raises(TypeError):
        glassnet.lerp(x, x, weights=0.5)
