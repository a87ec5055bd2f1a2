"""Reductions, scans and sorting (glassnet/ops/reduce_functions.py): names, signatures, dtypes,
tie and NaN rules, out= and errors, each against PyTorch where it is installed.

Values and gradients of every differentiable op are checked by the op cases
(tests/ops/cases_reduce.py); here are the semantics a gradient check cannot see.
"""

from __future__ import annotations

import inspect
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

FUNCTIONS = ["prod", "cumsum", "cumprod", "sort", "argsort", "msort", "topk", "kthvalue",
             "median", "mode", "unique", "logsumexp", "amax", "amin", "dist", "count_nonzero",
             "isclose"]
NOT_METHODS = ["var_mean", "std_mean"]  # torch.var_mean exists, Tensor.var_mean does not


def run(call, *arrays):
    """``call(lib, *tensors)`` on glassnet and, where installed, on torch, from the same arrays."""
    ours = call(glassnet, *[glassnet.tensor(a) for a in arrays])
    theirs = None if torch is None else call(torch, *[torch.tensor(a) for a in arrays])
    return ours, theirs


def same(ours, theirs):
    """Same values, shape and dtype (a tensor, or a tuple of them, compared element by element)."""
    if isinstance(ours, tuple):
        assert len(ours) == len(theirs)
        for mine, reference in zip(ours, theirs):
            same(mine, reference)
        return
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "glassnet.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6,
                               equal_nan=True)


def agree(call, *arrays):
    ours, theirs = run(call, *arrays)
    if theirs is not None:
        same(ours, theirs)
    return ours


# ----- names and signatures -----------------------------------------------------------------
@pytest.mark.parametrize("name", FUNCTIONS + NOT_METHODS)
def test_every_name_is_a_function_and_a_method_as_in_pytorch(name):
    assert callable(getattr(glassnet, name))
    assert hasattr(glassnet.Tensor, name) is (name not in NOT_METHODS)
    if torch is not None:
        assert hasattr(torch, name)
        assert hasattr(torch.Tensor, name) is (name not in NOT_METHODS)


def test_methods_are_defined_on_the_mixin_not_attached():
    from glassnet._tensor_reduce import ReduceMethods

    for name in FUNCTIONS + ["cumsum_", "cumprod_"]:
        assert name in ReduceMethods.__dict__, name
        assert getattr(glassnet.Tensor, name) is ReduceMethods.__dict__[name], name


@needs_torch
@pytest.mark.parametrize("name", FUNCTIONS + NOT_METHODS)
def test_keyword_names_match_pytorch(name):
    """Every keyword PyTorch documents for the function is accepted by ours."""
    documented = getattr(torch, name).__doc__.strip().split("\n")[0].split(" -> ")[0]
    ours = inspect.signature(getattr(glassnet, name)).parameters
    inside = documented[documented.index("(") + 1:documented.rindex(")")]
    assert "input" in inside
    for part in inside.split(","):
        keyword = part.strip().split(":")[0].split("=")[0].strip()
        if keyword and keyword not in ("*", "out") and not keyword.startswith("*"):
            assert keyword in ours, f"{name}: missing keyword {keyword!r}"


@needs_torch
@pytest.mark.parametrize("name", [n for n in FUNCTIONS if n != "unique"] + ["cumsum_", "cumprod_"])
def test_method_keyword_names_match_pytorch(name):
    """Every keyword of PyTorch's Tensor method is accepted by ours, in the same position."""
    documented = getattr(torch.Tensor, name).__doc__.strip().split("\n")[0].split(" -> ")[0]
    inside = documented[documented.index("(") + 1:documented.rindex(")")]
    theirs = [part.split("=")[0].strip() for part in inside.split(",") if part.strip()]
    ours = list(inspect.signature(getattr(glassnet.Tensor, name)).parameters)[1:]
    assert ours[:len(theirs)] == theirs


def test_unique_method_takes_the_same_arguments_as_the_function():
    x = glassnet.tensor([[1, 2], [1, 2]])
    values, inverse, counts = x.unique(False, True, True, 0)
    assert values.tolist() == [[1, 2]] and inverse.tolist() == [0, 0] and counts.tolist() == [2]


def test_mode_dim_none_means_the_last_dim_as_pytorch_documents():
    x = glassnet.tensor([[1, 2, 2], [3, 3, 1]])
    assert x.mode(None).values.tolist() == x.mode(-1).values.tolist() == [2, 3]


def test_inplace_scans_exist_and_keep_the_tensor():
    x = glassnet.tensor([1.0, 2.0, 3.0])
    assert x.cumsum_(0) is x
    assert x.tolist() == [1.0, 3.0, 6.0]
    assert x.cumprod_(dim=0).tolist() == [1.0, 3.0, 18.0]


# ----- dtypes -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int32", "int8", "bool"])
def test_integer_products_and_scans_give_int64(dtype):
    array = np.array([[1, 0, 1], [1, 1, 1]]).astype(dtype)
    for call in (lambda lib, x: lib.prod(x), lambda lib, x: x.prod(1),
                 lambda lib, x: lib.cumsum(x, 1), lambda lib, x: x.cumprod(0)):
        assert agree(call, array).dtype == glassnet.int64


def test_dtype_argument_converts_first():
    ours = agree(lambda lib, x: lib.cumsum(x, 0, dtype=lib.float64), np.array([1, 2, 3]))
    assert ours.dtype == glassnet.float64
    assert agree(lambda lib, x: x.prod(dtype=lib.float32), np.array([2, 3])).item() == 6.0


def test_logsumexp_of_integers_is_the_default_float():
    assert agree(lambda lib, x: lib.logsumexp(x, 0), np.array([1, 2])).dtype == glassnet.float32


# ----- products, sums and their gradients at zero -------------------------------------------
def test_prod_gradient_at_zeros_is_exact_and_finite():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero anywhere
        x = glassnet.tensor([2.0, 0.0, 3.0], requires_grad=True)
        x.prod().backward()
        assert x.grad.tolist() == [0.0, 6.0, 0.0]
        x = glassnet.tensor([[2.0, 0.0, 0.0], [2.0, 3.0, 4.0]], requires_grad=True)
        x.prod(1).sum().backward()
        assert x.grad.tolist() == [[0.0, 0.0, 0.0], [12.0, 8.0, 6.0]]


def test_cumprod_gradient_at_zeros_is_exact_and_finite():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = glassnet.tensor([2.0, 0.0, 3.0, 0.0, 5.0], requires_grad=True)
        x.cumprod(0).sum().backward()
    # d/dx0 = 1; d/dx1 = 2 + 2·3 = 8 (the products through the first zero); after it 0
    assert x.grad.tolist() == [1.0, 8.0, 0.0, 0.0, 0.0]


def test_logsumexp_is_finite_for_huge_and_infinite_inputs():
    agree(lambda lib, x: lib.logsumexp(x, 1), np.array([[1000.0, 1000.0], [-1e4, -1e4]]))
    agree(lambda lib, x: lib.logsumexp(x, 0), np.array([-np.inf, -np.inf]))
    agree(lambda lib, x: lib.logsumexp(x, 0), np.array([np.inf, 1.0]))
    agree(lambda lib, x: lib.logsumexp(x, (0, 1), keepdim=True), np.ones((2, 3)))


def test_amax_and_amin_reduce_several_dims_and_share_ties():
    array = np.array([[[5.0, 1.0], [5.0, 0.0]], [[2.0, 3.0], [4.0, 3.0]]])
    agree(lambda lib, x: lib.amax(x, dim=(0, 2)), array)
    agree(lambda lib, x: x.amin((-1, 0), keepdim=True), array)
    agree(lambda lib, x: lib.amax(x), array)
    x = glassnet.tensor([[5.0, 1.0, 5.0], [2.0, 5.0, 0.0]], requires_grad=True)
    x.amax(1).sum().backward()
    assert x.grad.tolist() == [[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]]


def test_max_of_all_elements_shares_ties_and_is_named_as_in_pytorch():
    x = glassnet.tensor([5.0, 1.0, 5.0], requires_grad=True)
    out = x.max()
    out.backward()
    assert x.grad.tolist() == [0.5, 0.0, 0.5]
    assert out.grad_fn.name() == "MaxBackward1"


# ----- sorting and selecting ----------------------------------------------------------------
NAN = np.nan


@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_and_puts_nan_as_largest(descending):
    array = np.array([[3.0, NAN, 1.0, 3.0, 1.0], [2.0, 2.0, 2.0, 0.0, NAN]])
    agree(lambda lib, x: tuple(lib.sort(x, descending=descending, stable=True)), array)
    agree(lambda lib, x: lib.argsort(x, dim=1, descending=descending, stable=True), array)


def test_sort_of_integers_bools_and_a_scalar():
    agree(lambda lib, x: tuple(x.sort(0, descending=True)), np.array([3, 1, 2, 1]))
    agree(lambda lib, x: lib.argsort(x), np.array([True, False, True]))
    agree(lambda lib, x: tuple(lib.sort(x)), np.array(3.0))
    agree(lambda lib, x: lib.msort(x), np.array([[3, 1], [2, 5], [0, 4]]))


def test_sort_returns_a_named_tuple():
    result = glassnet.sort(glassnet.tensor([2.0, 1.0]))
    assert result.values.tolist() == [1.0, 2.0] and result.indices.tolist() == [1, 0]
    values, indices = result
    assert indices.dtype == glassnet.int64
    assert repr(result).startswith("glassnet.return_types.sort(\nvalues=tensor(")
    assert isinstance(result, glassnet.return_types.sort)


def test_topk_takes_the_first_of_equal_values_and_nan_as_largest():
    agree(lambda lib, x: tuple(lib.topk(x, 3)), np.array([3.0, 3.0, 4.0, 3.0, 5.0]))
    agree(lambda lib, x: tuple(x.topk(2)), np.array([1.0, NAN, 3.0]))
    agree(lambda lib, x: tuple(x.topk(2, largest=False)), np.array([1.0, NAN, 3.0]))
    agree(lambda lib, x: tuple(lib.topk(x, 2, dim=0)), np.arange(12.0).reshape(4, 3) % 5)
    agree(lambda lib, x: tuple(x.topk(0)), np.arange(4.0))


@pytest.mark.parametrize("seed", range(4))
def test_partition_shortcuts_pick_what_a_stable_sort_picks(seed):
    """topk (k < n/4), kthvalue and median avoid a full sort; with many ties and NaNs they
    must still choose exactly the indices a stable sort would."""
    from glassnet.ops.sort import index_at_rank, stable_argsort, top_indices

    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, (6, 40)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    x[0] = np.nan  # a row of NaNs only
    for k in (1, 3, 9):
        for largest in (True, False):
            expected = stable_argsort(x, 1, descending=largest)[:, :k]
            np.testing.assert_array_equal(top_indices(x, k, 1, largest), expected)
            np.testing.assert_array_equal(top_indices(x.T, k, 0, largest), expected.T)
        np.testing.assert_array_equal(index_at_rank(x, k, 1), stable_argsort(x, 1)[:, k:k + 1])
    integers = rng.integers(0, 3, (5, 30))
    np.testing.assert_array_equal(top_indices(integers, 4, 1, True),
                                  stable_argsort(integers, 1, True)[:, :4])


def test_topk_unsorted_returns_the_same_set():
    array = np.array([3.0, 1.0, 4.0, 1.5, 5.0])
    ours = glassnet.topk(glassnet.tensor(array), 3, sorted=False)
    assert sorted(ours.values.tolist()) == [3.0, 4.0, 5.0]
    assert sorted(ours.indices.tolist()) == [0, 2, 4]


def test_kthvalue_counts_from_one():
    array = np.array([[3.0, 1.0, 2.0, 0.5], [0.0, -1.0, 7.0, 2.0]])
    for k in (1, 2, 4):
        agree(lambda lib, x, k=k: tuple(lib.kthvalue(x, k)), array)
    agree(lambda lib, x: tuple(x.kthvalue(2, 0, keepdim=True)), array)


def test_median_is_the_lower_middle_value():
    even = np.array([4.0, 1.0, 3.0, 2.0])
    assert agree(lambda lib, x: lib.median(x), even).item() == 2.0  # NumPy would give 2.5
    agree(lambda lib, x: tuple(x.median(dim=1, keepdim=True)), even.reshape(2, 2))
    agree(lambda lib, x: tuple(lib.median(x, 0)), np.array([[3, 1], [1, 2], [2, 2], [0, 5]]))


def test_median_with_nan_is_nan_at_the_first_nan():
    agree(lambda lib, x: lib.median(x), np.array([3.0, NAN, 1.0]))
    agree(lambda lib, x: tuple(lib.median(x, 1)), np.array([[3.0, NAN, 1.0, NAN],
                                                             [3.0, 2.0, 1.0, 0.0]]))


def test_median_of_everything_shares_ties_as_pytorch():
    x = glassnet.tensor([1.0, 2.0, 2.0, 3.0], requires_grad=True)
    x.median().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]
    assert np.isnan(glassnet.median(glassnet.tensor([])).item())


def test_mode_picks_the_smallest_most_frequent_at_its_last_index():
    agree(lambda lib, x: tuple(lib.mode(x)), np.array([1, 2, 2, 1, 3, 3]))
    agree(lambda lib, x: tuple(x.mode()), np.array([5, 2, 2, 5, 5, 1, 2]))
    agree(lambda lib, x: tuple(x.mode(1, keepdim=True)), np.array([[1, 2, 2, 1], [4, 4, 0, 0]]))
    agree(lambda lib, x: tuple(lib.mode(x, 0)), np.array([[1.0, 2, 2], [3, 3, 1]]))
    agree(lambda lib, x: tuple(lib.mode(x)), np.array(3.0))


@pytest.mark.parametrize("options", [
    {}, {"return_inverse": True}, {"return_counts": True},
    {"return_inverse": True, "return_counts": True}, {"sorted": False, "return_inverse": True},
])
def test_unique_of_all_elements(options):
    agree(lambda lib, x: lib.unique(x, **options), np.array([[3, 1, 2], [3, 1, 7]]))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_slices_along_a_dim(dim):
    array = np.array([[1, 2, 1], [0, 1, 0], [1, 2, 1]])
    agree(lambda lib, x: x.unique(return_inverse=True, return_counts=True, dim=dim), array)


def test_unique_keeps_every_nan_and_handles_bools_and_scalars():
    agree(lambda lib, x: lib.unique(x), np.array([2.0, NAN, 1.0, NAN]))
    agree(lambda lib, x: lib.unique(x), np.array([True, False, True]))
    agree(lambda lib, x: lib.unique(x, return_inverse=True), np.array(3))


# ----- statistics and comparisons -----------------------------------------------------------
@pytest.mark.parametrize("p", [2, 1, 3.5, 0, float("inf"), float("-inf")])
def test_dist_for_every_p(p):
    agree(lambda lib, x, y: lib.dist(x, y, p), np.array([[1.0, -3.0, 0.0]]),
          np.array([0.5, 0.0, 0.0]))


def test_dist_gradient_is_zero_when_the_inputs_are_equal():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    glassnet.dist(x, x.detach()).backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_count_nonzero_over_all_one_or_several_dims():
    array = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])
    for dim in (None, 0, -1, (0, 1)):
        agree(lambda lib, x, dim=dim: lib.count_nonzero(x, dim=dim), array)
    agree(lambda lib, x: x.count_nonzero(), np.array([True, False, True]))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.var_mean(x),
    lambda lib, x: lib.var_mean(x, 1),
    lambda lib, x: lib.var_mean(x, 0, keepdim=True, correction=0),
    lambda lib, x: lib.var_mean(x, (0, 1), unbiased=False),
    lambda lib, x: lib.var_mean(x, False),  # the (input, unbiased) overload
    lambda lib, x: lib.std_mean(x, dim=1),
    lambda lib, x: lib.std_mean(x, 1, True),
    lambda lib, x: lib.std_mean(x, correction=2),
])
def test_var_mean_and_std_mean_overloads(call):
    result = agree(call, np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 11.0]]))
    assert isinstance(result, tuple) and len(result) == 2


def test_isclose_uses_the_other_tensor_as_scale():
    a = np.array([1.0, 100.0, np.inf, np.nan, 1.0, 0.0])
    b = np.array([1.0 + 1e-6, 100.001, np.inf, np.nan, 1.1, 1e-9])
    agree(lambda lib, x, y: lib.isclose(x, y), a, b)
    agree(lambda lib, x, y: x.isclose(y, rtol=0.2, atol=0.0, equal_nan=True), a, b)
    agree(lambda lib, x, y: lib.isclose(x, y), np.array([[1, 2]]), np.array([1, 3]))
    agree(lambda lib, x, y: lib.isclose(x, y), np.array([True, False]), np.array([True, True]))


# ----- out= ---------------------------------------------------------------------------------
def test_out_writes_into_the_given_tensors():
    x = glassnet.tensor([[3.0, 1.0], [2.0, 5.0]])
    values, indices = glassnet.empty(2, 2), glassnet.empty(2, 2, dtype=glassnet.int64)
    result = glassnet.sort(x, 1, out=(values, indices))
    assert result.values is values and result.indices is indices
    assert values.tolist() == [[1.0, 3.0], [2.0, 5.0]] and indices.tolist() == [[1, 0], [0, 1]]
    running = glassnet.empty(2, 2)
    assert glassnet.cumsum(x, 0, out=running) is running
    assert running.tolist() == [[3.0, 1.0], [5.0, 6.0]]
    total = glassnet.empty(2)
    assert glassnet.logsumexp(x, 1, out=total) is total
    np.testing.assert_allclose(total.numpy(), np.log(np.exp(x.numpy()).sum(1)), rtol=1e-6)


def test_out_refuses_a_graph():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        glassnet.topk(x, 1, out=(glassnet.empty(1), glassnet.empty(1, dtype=glassnet.int64)))


def test_out_of_a_pair_must_be_a_pair():
    with pytest.raises(TypeError, match=r"out= must be a \(values, indices\) pair"):
        glassnet.median(glassnet.tensor([[1.0, 2.0]]), 1, out=glassnet.empty(1))


# ----- errors -------------------------------------------------------------------------------
def test_topk_k_out_of_range_names_the_size():
    with pytest.raises(ShapeError, match=r"k=3 but dim -1 has size 2; pass 0 <= k <= 2"):
        glassnet.topk(glassnet.tensor([1.0, 2.0]), 3)
    if torch is not None:  # PyTorch raises a RuntimeError too (ShapeError is one)
        with pytest.raises(RuntimeError, match="selected index k out of range"):
            torch.topk(torch.tensor([1.0, 2.0]), 3)


@pytest.mark.parametrize("k", [0, 3])
def test_kthvalue_k_out_of_range_says_it_counts_from_one(k):
    with pytest.raises(ShapeError, match=r"k counts from 1, so pass 1 <= k <= 2"):
        glassnet.kthvalue(glassnet.tensor([1.0, 2.0]), k)


def test_prod_over_several_dims_is_refused_as_in_pytorch():
    with pytest.raises(TypeError, match=r"dim must be one int, got \(0, 1\).*x.prod\(0\)"):
        glassnet.prod(glassnet.ones(2, 2), (0, 1))


def test_selecting_along_several_dims_is_refused():
    with pytest.raises(TypeError, match="expected dim to be a single int, got"):
        glassnet.sort(glassnet.ones(2, 2), dim=(0, 1))


def test_dim_out_of_range_names_the_valid_range():
    with pytest.raises(IndexError, match=r"dimension 2 is out of range.*\[-2, 1\]"):
        glassnet.cumsum(glassnet.ones(2, 2), 2)


def test_amax_of_an_empty_tensor_asks_for_a_dim():
    with pytest.raises(ShapeError, match="cannot reduce over a dim of size 0"):
        glassnet.amax(glassnet.zeros(0))
    assert glassnet.amax(glassnet.zeros(2, 0), 0).shape == (0,)


def test_median_and_mode_along_an_empty_dim_are_refused():
    with pytest.raises(IndexError, match="expected reduction dim 1 to have non-zero size"):
        glassnet.median(glassnet.zeros(0, 3).t(), 1)
    with pytest.raises(IndexError, match="expected reduction dim -1 to have non-zero size"):
        glassnet.mode(glassnet.zeros(2, 0))


def test_dist_needs_floats_of_one_dtype():
    with pytest.raises(TypeError, match=r"expected floating-point tensors, got int64.*float\(\)"):
        glassnet.dist(glassnet.tensor([1, 2]), glassnet.tensor([1, 2]))
    with pytest.raises(TypeError, match=r"same dtype, got float32 and float64.*y.to"):
        glassnet.dist(glassnet.ones(2), glassnet.ones(2, dtype=glassnet.float64))


def test_isclose_needs_tensors_of_one_dtype():
    with pytest.raises(TypeError, match=r"same dtype, got int64 and float32.*other.to"):
        glassnet.isclose(glassnet.tensor([1, 2]), glassnet.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"'other' must be a Tensor, not float.*glassnet.tensor"):
        glassnet.isclose(glassnet.tensor([1.0]), 1.0)


def test_var_mean_of_integers_asks_for_floats():
    with pytest.raises(TypeError, match=r"var_mean\(\): needs a floating-point tensor.*float\(\)"):
        glassnet.var_mean(glassnet.tensor([1, 2]))
