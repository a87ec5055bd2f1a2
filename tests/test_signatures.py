"""The functional forms in ``ops/methods.py`` and ``ops/discrete_functions.py`` take
PyTorch's parameter names, keyword-only markers and ``out=``: checked against torch's own
signatures where it has them, and by calls written the way PyTorch's documentation writes them,
run on glassnet and PyTorch alike."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import glassnet
from glassnet.ops import discrete_functions, methods

MODULES = (methods, discrete_functions)

# Where we knowingly differ from every documented overload, and why.
DEVIATIONS = {
    "std": "keeps the legacy positional unbiased= (input, dim, unbiased, keepdim) beside "
           "correction=",
    "var": "as std",
    "clone": "no memory_format= (glassnet has one memory format)",
}


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "[(" and 1 or (char in "])" and -1 or 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _normalised(parameters: list[str]) -> tuple:
    return tuple(p for p in parameters if p and not p.startswith("_"))


def torch_overloads(torch, name: str) -> list[tuple]:
    """torch's parameter lists for ``name``: ``("input", "other", "*", "out")``, from its
    signature when it has one, else from every overload its docstring documents."""
    function = getattr(torch, name)
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        overloads = []
        for line in (function.__doc__ or "").splitlines():
            match = re.match(rf"\s*(?:\.\. function:: )?{name}\((.*)\)\s*->", line)
            if match:
                names = [part.split("=")[0].split(":")[0].strip()
                         for part in _split_top_level(match.group(1))]
                overloads.append(_normalised(names))
        return overloads
    return [_ours_shape(signature)]


def _ours_shape(signature: inspect.Signature) -> tuple:
    names, starred = [], False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.KEYWORD_ONLY and not starred:
            names.append("*")
            starred = True
        if parameter.kind is parameter.VAR_POSITIONAL:
            starred = True
            continue
        names.append(parameter.name)
    return _normalised(names)


def public_functions() -> list[str]:
    return sorted(name for module in MODULES for name, value in vars(module).items()
                  if inspect.isfunction(value) and not name.startswith("_")
                  and value.__module__ == module.__name__
                  and name not in ("install", "getitem", "setitem"))


def test_the_discrete_functions_are_methods_names_too():
    assert len(public_functions()) > 60
    assert {"eq", "argmax", "round", "isnan"} <= set(public_functions())
    assert methods.eq is discrete_functions.eq and glassnet.Tensor.round is methods.round


def test_no_public_function_names_its_tensor_x():
    offenders = {name: list(inspect.signature(getattr(methods, name)).parameters)
                 for name in public_functions()
                 if {"x", "y"} & set(inspect.signature(getattr(methods, name)).parameters)}
    assert not offenders, offenders


@pytest.mark.parametrize("name", public_functions())
def test_signature_is_one_of_pytorchs(name):
    torch = pytest.importorskip("torch")
    if not hasattr(torch, name):
        pytest.skip(f"torch.{name} does not exist (a Tensor method only)")
    overloads = torch_overloads(torch, name)
    if not overloads:
        pytest.skip(f"torch.{name} documents no signature")
    ours = _ours_shape(inspect.signature(getattr(methods, name)))
    if name in DEVIATIONS:
        assert ours not in overloads, f"{name} now matches PyTorch: drop it from DEVIATIONS"
        return
    assert ours in overloads, (ours, overloads)


# ----- calls written as PyTorch's documentation writes them --------------------------------
@pytest.fixture(params=["glassnet", "torch"])
def lib(request):
    if request.param == "glassnet":
        return glassnet
    return pytest.importorskip("torch")


def values(tensor) -> np.ndarray:
    return tensor.detach().numpy()


A = np.array([[1.0, -2.0, 3.5], [4.0, 0.5, -6.0]], dtype=np.float32)
B = np.array([[2.0, 4.0, -1.0], [3.0, 0.25, 4.0]], dtype=np.float32)


@pytest.mark.parametrize("name, expected", [
    ("add", A + 2 * B), ("sub", A - 2 * B), ("subtract", A - 2 * B)])
def test_add_and_sub_take_input_other_alpha_and_out(lib, name, expected):
    a, b, out = lib.tensor(A), lib.tensor(B), lib.empty(2, 3)
    function = getattr(lib, name)
    assert np.allclose(values(function(input=a, other=b, alpha=2)), expected)
    assert function(a, b, alpha=2, out=out) is out
    assert np.allclose(values(out), expected)
    with pytest.raises(TypeError):
        function(a, b, 2)  # alpha is keyword-only, as in PyTorch


@pytest.mark.parametrize("name, expected", [
    ("mul", A * B), ("multiply", A * B), ("div", A / B), ("divide", A / B),
    ("true_divide", A / B)])
def test_mul_and_div_take_input_other_and_out(lib, name, expected):
    a, b, out = lib.tensor(A), lib.tensor(B), lib.empty(0)
    function = getattr(lib, name)
    assert np.allclose(values(function(input=a, other=b)), expected)
    assert function(a, b, out=out) is out
    assert np.allclose(values(out), expected)


@pytest.mark.parametrize("mode, expected", [("trunc", [3, -3, 3, -3]), ("floor", [3, -4, 3, -4])])
def test_div_rounding_modes_keep_integers_and_round_floats(lib, mode, expected):
    integers = lib.tensor([7, -7, 7, -7])
    divisor = lib.tensor([2, 2, 2, 2])
    result = lib.div(integers, divisor, rounding_mode=mode)
    assert result.dtype == lib.int64 and result.tolist() == expected
    assert lib.div(integers, 2, rounding_mode=mode).tolist() == expected
    floats = lib.div(integers.float(), 2.0, rounding_mode=mode)
    assert floats.dtype == lib.float32 and floats.tolist() == [float(v) for v in expected]


def test_div_names_the_rounding_modes_it_accepts(lib):
    with pytest.raises(RuntimeError, match="rounding_mode to be one of None, 'trunc', or 'floor'"):
        lib.div(lib.ones(2), 2, rounding_mode="round")


def test_div_trunc_of_integers_by_zero_is_refused_with_the_fix():
    with pytest.raises(RuntimeError, match=r"by zero; divide floats"):
        glassnet.div(glassnet.tensor([1, 2]), glassnet.tensor([1, 0]), rounding_mode="trunc")


def test_add_alpha_scales_the_gradient(lib):
    a = lib.tensor(A, requires_grad=True)
    b = lib.tensor(B, requires_grad=True)
    lib.sub(a, b, alpha=3).sum().backward()
    assert np.allclose(values(a.grad), 1) and np.allclose(values(b.grad), -3)


def test_sum_and_mean_take_dim_keepdim_and_keyword_only_dtype(lib):
    a = lib.tensor(A)
    summed = lib.sum(input=a, dim=1, keepdim=True, dtype=lib.float64)
    assert summed.dtype == lib.float64 and np.allclose(values(summed), A.sum(1, keepdims=True))
    assert np.allclose(values(lib.sum(a, (0, 1))), A.sum())
    with pytest.raises(TypeError):
        lib.sum(a, 1, True, lib.float64)
    out = lib.empty(3)
    assert lib.mean(input=a, dim=0, out=out) is out
    assert np.allclose(values(out), A.mean(0))
    assert lib.mean(a, 1, True, dtype=lib.float64).dtype == lib.float64


@pytest.mark.parametrize("name, numpy_function", [
    ("exp", np.exp), ("abs", np.abs), ("neg", np.negative), ("square", np.square),
    ("tanh", np.tanh), ("sigmoid", lambda v: 1 / (1 + np.exp(-v))), ("sign", np.sign),
    ("floor", np.floor), ("ceil", np.ceil), ("round", np.round)])
def test_unary_functions_take_input_and_out(lib, name, numpy_function):
    a, out = lib.tensor(A), lib.empty(2, 3)
    function = getattr(lib, name)
    assert np.allclose(values(function(input=a)), numpy_function(A), atol=1e-6)
    assert function(a, out=out) is out
    assert np.allclose(values(out), numpy_function(A), atol=1e-6)


@pytest.mark.parametrize("name, numpy_function", [
    ("log", np.log), ("sqrt", np.sqrt), ("log1p", np.log1p)])
def test_unary_functions_of_positive_inputs_take_input_and_out(lib, name, numpy_function):
    positive = np.abs(A) + 0.5
    out = lib.empty(2, 3)
    assert getattr(lib, name)(input=lib.tensor(positive), out=out) is out
    assert np.allclose(values(out), numpy_function(positive), atol=1e-6)


def test_round_takes_decimals_by_keyword_only(lib):
    a = lib.tensor([1.2345, -2.5678])
    assert np.allclose(values(lib.round(a, decimals=2)), [1.23, -2.57])
    with pytest.raises(TypeError):
        lib.round(a, 2)


def test_two_input_functions_take_input_other_and_out(lib):
    a, b = lib.tensor(A), lib.tensor(B)
    for name, expected in [("maximum", np.maximum(A, B)), ("minimum", np.minimum(A, B)),
                           ("eq", A == B), ("lt", A < B), ("ge", A >= B),
                           ("logical_and", np.logical_and(A > 0, B > 0))]:
        first, second = (a > 0, b > 0) if name.startswith("logical") else (a, b)
        out = lib.empty(0, dtype=lib.bool if expected.dtype == bool else lib.float32)
        assert getattr(lib, name)(input=first, other=second, out=out) is out, name
        assert np.array_equal(values(out), expected), name
    out = lib.empty(0)
    assert lib.where(a > b, input=a, other=b, out=out) is out
    assert np.allclose(values(out), np.where(A > B, A, B))
    assert lib.clamp(input=a, min=-1, max=1, out=out) is out
    assert np.allclose(values(out), np.clip(A, -1, 1))
    assert lib.equal(input=a, other=a) and lib.allclose(input=a, other=a + 1e-9)


def test_max_along_a_dim_writes_values_and_indices_into_out(lib):
    a = lib.tensor(A)
    values_out, indices_out = lib.empty(0), lib.empty(0, dtype=lib.int64)
    result = lib.max(a, 1, out=(values_out, indices_out))
    assert result.values is values_out and result.indices is indices_out
    assert np.allclose(values(values_out), A.max(1))
    assert indices_out.tolist() == A.argmax(1).tolist()
    whole = lib.empty(0)
    assert lib.min(input=a, out=whole) is whole and whole.item() == A.min()


def test_cat_and_stack_take_tensors_dim_and_out(lib):
    a, b = lib.tensor(A), lib.tensor(B)
    out = lib.empty(0)
    assert lib.cat(tensors=[a, b], dim=1, out=out) is out
    assert np.array_equal(values(out), np.concatenate([A, B], 1))
    assert np.array_equal(values(lib.concat((a, b), dim=0)), np.concatenate([A, B]))
    assert np.array_equal(values(lib.concatenate((a, b), axis=1)), np.concatenate([A, B], 1))
    stacked = lib.empty(0)
    assert lib.stack(tensors=(a, b), dim=2, out=stacked) is stacked
    assert np.array_equal(values(stacked), np.stack([A, B], 2))


def test_out_is_refused_while_recording_a_graph(lib):
    a = lib.tensor(A, requires_grad=True)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic "
                                           "differentiation"):
        lib.mul(a, 2.0, out=lib.empty(2, 3))
    with lib.no_grad():
        out = lib.empty(2, 3)
        lib.mul(a, 2.0, out=out)
    assert np.allclose(values(out), 2 * A)


def test_operators_and_methods_still_work_with_the_new_signatures(lib):
    a, b = lib.tensor(A), lib.tensor(B)
    assert np.allclose(values(a + b - b * 2 / b ** 1), A + B - B * 2 / B)
    assert np.allclose(values(2 - a), 2 - A) and np.allclose(values(1 / b), 1 / B)
    assert np.allclose(values(a.add(b, alpha=2)), A + 2 * B)
    assert np.allclose(values(a.div(b, rounding_mode="floor")), np.floor(A / B))
    assert np.allclose(values(a.sum(dim=0, keepdim=True)), A.sum(0, keepdims=True))


def test_reshape_and_permute_take_pytorchs_keywords_and_methods_take_sizes_one_by_one(lib):
    a = lib.tensor(A)
    assert lib.reshape(input=a, shape=(3, 2)).shape == (3, 2)
    assert lib.reshape(a, (-1,)).shape == (6,)
    assert a.reshape(3, 2).shape == a.reshape((3, 2)).shape == a.view(3, 2).shape == (3, 2)
    assert lib.permute(input=a, dims=(1, 0)).shape == (3, 2)
    assert a.permute(1, 0).shape == a.permute((1, 0)).shape == (3, 2)


def test_softmax_takes_dtype_by_keyword(lib):
    a = lib.tensor(A)
    result = lib.softmax(a, 1, dtype=lib.float64)
    assert result.dtype == lib.float64
    assert np.allclose(values(result).sum(1), 1)
