"""Random draws (normal, bernoulli, multinomial, poisson, randint_like) and the in-place fills.

glassnet's numbers are not PyTorch's, so these tests check what must agree: shapes, dtypes,
grad_fn names and gradients (against PyTorch where installed), the distributions' moments on
many draws, repeatability under ``manual_seed`` and ``generator=``, and every promised error.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet

N = 200_000  # draws for moment checks: a standard error of about 0.002 for unit variance


def _both(make):
    """make(lib) run on glassnet and, where installed, on PyTorch."""
    torch = pytest.importorskip("torch")
    return make(glassnet), make(torch)


def _dtype_name(dtype) -> str:
    return str(dtype).split(".")[-1]


# ----- normal ---------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["tensor-tensor", "tensor-float", "float-tensor", "float-float"])
def test_normal_forms_have_pytorchs_shape_dtype_and_grad_fn(form):
    def make(lib):
        mean = lib.zeros(2, 3, requires_grad=True)
        std = lib.ones(3, dtype=lib.float64, requires_grad=True)
        return {"tensor-tensor": lambda: lib.normal(mean, std),
                "tensor-float": lambda: lib.normal(mean, 2.0),
                "float-tensor": lambda: lib.normal(0.5, std),
                "float-float": lambda: lib.normal(2.0, 3.0, (1, 4))}[form]()

    ours, theirs = _both(make)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert _dtype_name(ours.dtype) == _dtype_name(theirs.dtype)
    assert ours.requires_grad == theirs.requires_grad
    assert (ours.grad_fn is None) == (theirs.grad_fn is None)
    if theirs.grad_fn is not None:
        assert ours.grad_fn.name() == type(theirs.grad_fn).__name__


def test_normal_sends_zero_gradient_to_mean_and_std_as_pytorch():
    def make(lib):
        mean, std = lib.zeros(4, requires_grad=True), lib.ones(4, requires_grad=True)
        lib.normal(mean, std).sum().backward()
        return mean.grad.tolist(), std.grad.tolist()

    ours, theirs = _both(make)
    assert ours == theirs == ([0.0] * 4, [0.0] * 4)


def test_normal_draws_have_the_asked_mean_and_std():
    glassnet.manual_seed(0)
    x = glassnet.normal(glassnet.full((N,), 3.0), glassnet.full((N,), 2.0)).numpy()
    assert abs(x.mean() - 3.0) < 0.02 and abs(x.std() - 2.0) < 0.02
    y = glassnet.normal(-1.0, 0.5, size=(N,)).numpy()
    assert abs(y.mean() + 1.0) < 0.01 and abs(y.std() - 0.5) < 0.01


def test_normal_broadcasts_mean_against_std():
    means = glassnet.tensor([[0.0], [100.0]])
    x = glassnet.normal(means, glassnet.zeros(3))
    assert x.shape == (2, 3)
    assert x.tolist() == [[0.0] * 3, [100.0] * 3]  # std 0: exactly the mean


def test_normal_float_float_takes_dtype_and_requires_grad():
    x = glassnet.normal(0.0, 1.0, (2,), dtype=glassnet.float64, requires_grad=True)
    assert x.dtype == glassnet.float64 and x.requires_grad and x.is_leaf


def test_normal_repeats_under_manual_seed_and_honours_generator():
    glassnet.manual_seed(7)
    a = glassnet.normal(glassnet.zeros(5), 1.0)
    glassnet.manual_seed(7)
    b = glassnet.normal(glassnet.zeros(5), 1.0)
    assert a.tolist() == b.tolist()
    g1, g2 = glassnet.Generator().manual_seed(3), glassnet.Generator().manual_seed(3)
    glassnet.manual_seed(0)
    c = glassnet.normal(0.0, 1.0, (5,), generator=g1)
    glassnet.manual_seed(1)  # the default generator's state must not matter
    d = glassnet.normal(0.0, 1.0, (5,), generator=g2)
    assert c.tolist() == d.tolist() and c.tolist() != a.tolist()


def test_normal_writes_into_out():
    out = glassnet.empty(3, dtype=glassnet.float64)
    result = glassnet.normal(glassnet.zeros(3), 0.0, out=out)
    assert result is out and out.tolist() == [0.0] * 3 and out.dtype == glassnet.float64


@pytest.mark.parametrize("call, error, words", [
    (lambda: glassnet.normal(0.0, 1.0), TypeError, "give the shape too"),
    (lambda: glassnet.normal(glassnet.zeros(2), 1.0, (2,)), TypeError, "go with a number"),
    (lambda: glassnet.normal(0.0, -1.0, (2,)), RuntimeError, "std >= 0.0, but found std -1"),
    (lambda: glassnet.normal(glassnet.zeros(2), -glassnet.ones(2)), RuntimeError,
     "all elements of std >= 0.0"),
    (lambda: glassnet.normal(glassnet.zeros(2, dtype=glassnet.long), 1.0), NotImplementedError,
     "floating-point tensor, got glassnet.int64"),
    (lambda: glassnet.normal(0.0, 1.0, (2,), generator=np.random.default_rng()), TypeError,
     "must be a glassnet.Generator"),
])
def test_normal_errors_name_the_problem(call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_normal_refuses_the_same_mistakes_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib, error in ((glassnet, RuntimeError), (torch, RuntimeError)):
        with pytest.raises(error):
            lib.normal(lib.zeros(2), -lib.ones(2))
        with pytest.raises(TypeError):
            lib.normal(0.0, 1.0)


# ----- bernoulli -------------------------------------------------------------------------------
def test_bernoulli_draws_zeros_and_ones_with_the_given_probabilities():
    glassnet.manual_seed(0)
    p = glassnet.tensor([0.0, 0.2, 0.9, 1.0], dtype=glassnet.float64).expand(N, 4)
    x = glassnet.bernoulli(p)
    assert x.dtype == glassnet.float64
    assert set(np.unique(x.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(x.numpy().mean(axis=0), [0.0, 0.2, 0.9, 1.0], atol=0.005)
    y = glassnet.bernoulli(glassnet.zeros(N), 0.3)  # the p= form: input only gives the shape
    assert abs(y.numpy().mean() - 0.3) < 0.005


def test_bernoulli_matches_pytorch_in_dtype_and_gradient():
    def make(lib):
        p = lib.full((3,), 0.5, dtype=lib.float64, requires_grad=True)
        x = lib.bernoulli(p)
        x.sum().backward()
        return _dtype_name(x.dtype), type(x.grad_fn).__name__, p.grad.tolist()

    ours, theirs = _both(make)
    assert ours[0] == theirs[0] and ours[2] == theirs[2] == [0.0] * 3
    assert glassnet.bernoulli(glassnet.full((1,), 0.5, requires_grad=True)).grad_fn.name() \
        == theirs[1]


def test_tensor_bernoulli_method_and_generator():
    g1, g2 = glassnet.Generator().manual_seed(5), glassnet.Generator().manual_seed(5)
    p = glassnet.full((50,), 0.5)
    assert p.bernoulli(generator=g1).tolist() == glassnet.bernoulli(p, generator=g2).tolist()


@pytest.mark.parametrize("call, error, words", [
    (lambda: glassnet.bernoulli(glassnet.tensor([0.5, 1.5])), RuntimeError,
     "every probability in \\[0, 1\\]"),
    (lambda: glassnet.bernoulli(glassnet.zeros(2), 2.0), RuntimeError, "p=2.0"),
    (lambda: glassnet.bernoulli(glassnet.tensor([0, 1])), NotImplementedError,
     "floating-point"),
])
def test_bernoulli_errors_name_the_problem(call, error, words):
    with pytest.raises(error, match=words):
        call()


# ----- multinomial ------------------------------------------------------------------------------
def test_multinomial_without_replacement_gives_distinct_indices_weighted_first():
    glassnet.manual_seed(0)
    for _ in range(20):
        draw = glassnet.multinomial(glassnet.tensor([0.0, 1.0, 1.0]), 3).tolist()
        assert sorted(draw[:2]) == [1, 2] and draw[2] == 0  # as PyTorch: zero weight last


def test_multinomial_with_replacement_follows_the_weights():
    glassnet.manual_seed(0)
    weights = glassnet.tensor([[1.0, 3.0, 0.0, 4.0], [0.0, 0.0, 2.0, 0.0]])
    draws = glassnet.multinomial(weights, N // 4, replacement=True)
    assert draws.shape == (2, N // 4) and draws.dtype == glassnet.int64
    counts = np.bincount(draws.numpy()[0], minlength=4) / (N // 4)
    np.testing.assert_allclose(counts, [1 / 8, 3 / 8, 0.0, 4 / 8], atol=0.01)
    assert set(draws.numpy()[1].tolist()) == {2}


def test_multinomial_without_replacement_first_pick_follows_the_weights():
    glassnet.manual_seed(1)
    weights = glassnet.tensor([1.0, 3.0]).expand(N // 4, 2)
    first = glassnet.multinomial(weights, 1).numpy()[:, 0]
    assert abs(first.mean() - 0.75) < 0.01


def test_multinomial_shapes_and_dtype_match_pytorch():
    def make(lib):
        return [tuple(lib.multinomial(lib.ones(shape), 2, replacement).shape)
                for shape in ((5,), (3, 5)) for replacement in (False, True)] + [
            _dtype_name(lib.ones(3).multinomial(1).dtype)]

    ours, theirs = _both(make)
    assert ours == theirs


@pytest.mark.parametrize("weights, samples, replacement, words", [
    ([0.0, 1.0, 1.0], 4, False, "without replacement"),
    ([0.0, 0.0], 1, False, "sum of probabilities <= 0"),
    ([-1.0, 1.0], 1, False, "element < 0"),
    ([float("nan"), 1.0], 1, True, "`inf`, `nan`"),
    ([[[1.0]]], 1, False, "1 or 2 dim"),
    ([1.0, 2.0], 0, True, "n_sample <= 0"),
])
def test_multinomial_errors_match_pytorchs(weights, samples, replacement, words):
    with pytest.raises(RuntimeError, match=words):
        glassnet.multinomial(glassnet.tensor(weights), samples, replacement)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=words):
        torch.multinomial(torch.tensor(weights), samples, replacement)


def test_multinomial_refuses_integer_weights():
    with pytest.raises(RuntimeError, match="floating-point dtypes"):
        glassnet.multinomial(glassnet.tensor([1, 2]), 1)


# ----- poisson, randint_like ----------------------------------------------------------------------
def test_poisson_draws_have_the_rate_as_mean_and_zero_gradient():
    glassnet.manual_seed(0)
    x = glassnet.poisson(glassnet.full((N,), 4.0, dtype=glassnet.float64))
    assert x.dtype == glassnet.float64
    assert np.all(x.numpy() == np.round(x.numpy()))
    assert abs(x.numpy().mean() - 4.0) < 0.03 and abs(x.numpy().var() - 4.0) < 0.1

    def make(lib):
        rate = lib.full((3,), 2.0, requires_grad=True)
        y = lib.poisson(rate)
        y.sum().backward()
        return type(y.grad_fn).__name__, rate.grad.tolist()

    ours, theirs = _both(make)
    assert ours[1] == theirs[1] == [0.0] * 3
    assert glassnet.poisson(glassnet.ones(1, requires_grad=True)).grad_fn.name() == theirs[0]


def test_poisson_refuses_negative_rates_and_integers():
    with pytest.raises(RuntimeError, match="non-negative"):
        glassnet.poisson(glassnet.tensor([1.0, -2.0]))
    with pytest.raises(NotImplementedError, match="floating-point"):
        glassnet.poisson(glassnet.tensor([1, 2]))


def test_randint_like_takes_shape_and_dtype_from_input_as_pytorch():
    def make(lib):
        results = [lib.randint_like(lib.zeros(2, 3), 5), lib.randint_like(
            lib.zeros(4, dtype=lib.long), 5, 8), lib.randint_like(lib.zeros(2), 3,
                                                                  dtype=lib.int32)]
        return [(tuple(r.shape), _dtype_name(r.dtype)) for r in results]

    ours, theirs = _both(make)
    assert ours == theirs
    glassnet.manual_seed(0)
    values = glassnet.randint_like(glassnet.zeros(N, dtype=glassnet.long), -2, 3).numpy()
    assert values.min() == -2 and values.max() == 2
    assert glassnet.randint_like(glassnet.zeros(2), high=4).numpy().max() < 4


def test_randint_like_refuses_an_empty_range():
    with pytest.raises(RuntimeError, match="from=5 >= to=2"):
        glassnet.randint_like(glassnet.zeros(3), 5, 2)


# ----- in-place fills ---------------------------------------------------------------------------
FILLS = {
    "normal_": (lambda x: x.normal_(2.0, 3.0), 2.0, 3.0),
    "uniform_": (lambda x: x.uniform_(-1.0, 3.0), 1.0, 4 / 12**0.5),
    "exponential_": (lambda x: x.exponential_(2.0), 0.5, 0.5),
    "log_normal_": (lambda x: x.log_normal_(0.0, 0.5), np.exp(0.125),
                    (np.exp(0.25) - 1) ** 0.5 * np.exp(0.125)),
    "geometric_": (lambda x: x.geometric_(0.25), 4.0, 0.75**0.5 / 0.25),
    "bernoulli_": (lambda x: x.bernoulli_(0.3), 0.3, (0.21) ** 0.5),
    "random_": (lambda x: x.random_(10), 4.5, (99 / 12) ** 0.5),
}


@pytest.mark.parametrize("name", FILLS)
def test_fill_draws_have_the_distributions_mean_and_std(name):
    fill, mean, std = FILLS[name]
    glassnet.manual_seed(0)
    x = glassnet.empty(N, dtype=glassnet.float64)
    assert fill(x) is x
    assert abs(x.numpy().mean() - mean) < 0.02 * max(std, 1)
    assert abs(x.numpy().std() - std) < 0.02 * max(std, 1)


def test_cauchy_fill_has_the_median_and_quartiles():
    glassnet.manual_seed(0)
    x = glassnet.empty(N).cauchy_(1.0, 2.0).numpy()
    np.testing.assert_allclose(np.percentile(x, [25, 50, 75]), [-1.0, 1.0, 3.0], atol=0.05)


@pytest.mark.parametrize("name", [*FILLS, "cauchy_"])
def test_fills_bump_the_version_and_refuse_a_leaf_that_requires_grad(name):
    fill = FILLS[name][0] if name in FILLS else (lambda x: x.cauchy_())
    x = glassnet.zeros(3)
    fill(x)
    assert x._version == 1
    w = glassnet.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        fill(w)
    with glassnet.no_grad():
        fill(w)
    assert w._version == 1 and w.requires_grad


def test_fills_refuse_a_leaf_as_pytorch_does():
    def make(lib):
        w = lib.zeros(3, requires_grad=True)
        try:
            w.normal_()
        except RuntimeError:
            return "refused"
        return "accepted"

    ours, theirs = _both(make)
    assert ours == theirs == "refused"


def test_fill_on_a_tensor_in_the_graph_cuts_its_gradient_as_pytorch():
    def make(lib):
        w = lib.ones(3, requires_grad=True)
        y = w * 2
        y.uniform_()
        (y + w).sum().backward()
        return w.grad.tolist(), y.requires_grad

    ours, theirs = _both(make)
    assert ours == theirs == ([1.0] * 3, True)


def test_fill_through_detach_changes_the_parameter():
    w = glassnet.zeros(4, requires_grad=True)
    w.detach().normal_(0.0, 1.0)
    assert np.all(w.detach().numpy() != 0.0)


def test_fills_repeat_under_manual_seed_and_honour_generator():
    glassnet.manual_seed(3)
    a = glassnet.empty(6).normal_().tolist()
    glassnet.manual_seed(3)
    assert glassnet.empty(6).normal_().tolist() == a
    g1, g2 = glassnet.Generator().manual_seed(1), glassnet.Generator().manual_seed(1)
    assert glassnet.empty(6).uniform_(generator=g1).tolist() == \
        glassnet.empty(6).uniform_(generator=g2).tolist()


@pytest.mark.parametrize("dtype, low, high", [
    (glassnet.float32, 0, 2**24), (glassnet.float64, 0, 2**53), (glassnet.uint8, 0, 255),
    (glassnet.bool, 0, 1), (glassnet.int64, 0, 2**63 - 1),
])
def test_random_without_bounds_covers_the_dtypes_exact_integers(dtype, low, high):
    glassnet.manual_seed(0)
    x = glassnet.zeros(10_000, dtype=dtype).random_()
    values = x.numpy().astype(np.float64)
    assert values.min() >= low and values.max() <= high
    assert values.max() > high / 2  # the range is really used


def test_random_with_bounds_and_integer_fills_keep_the_dtype():
    glassnet.manual_seed(0)
    x = glassnet.zeros(10_000, dtype=glassnet.long).random_(5, 8)
    assert set(np.unique(x.numpy()).tolist()) == {5, 6, 7} and x.dtype == glassnet.int64
    y = glassnet.zeros(100, dtype=glassnet.long).geometric_(0.5)
    assert y.dtype == glassnet.int64 and y.numpy().min() >= 1
    z = glassnet.zeros(100, dtype=glassnet.long).bernoulli_(glassnet.full((100,), 1.0))
    assert z.tolist() == [1] * 100


def test_bernoulli_fill_takes_a_tensor_of_probabilities():
    x = glassnet.zeros(2, 3).bernoulli_(glassnet.tensor([0.0, 1.0, 0.0]))
    assert x.tolist() == [[0.0, 1.0, 0.0]] * 2


@pytest.mark.parametrize("call, error, words", [
    (lambda: glassnet.zeros(3).normal_(0, -1), RuntimeError, "std >= 0.0"),
    (lambda: glassnet.zeros(3).uniform_(2, 1), RuntimeError, "from=2 > to=1"),
    (lambda: glassnet.zeros(3).exponential_(-1), RuntimeError, "lambda > 0.0"),
    (lambda: glassnet.zeros(3).cauchy_(0, -1), RuntimeError, "sigma > 0.0"),
    (lambda: glassnet.zeros(3).log_normal_(0, -1), RuntimeError, "std > 0.0"),
    (lambda: glassnet.zeros(3).geometric_(1.5), RuntimeError, "p to be in \\(0, 1\\)"),
    (lambda: glassnet.zeros(3).bernoulli_(1.5), RuntimeError, "p=1.5"),
    (lambda: glassnet.zeros(3).random_(8, 5), RuntimeError, "from=8 >= to=5"),
    (lambda: glassnet.zeros(3, dtype=glassnet.long).normal_(), NotImplementedError,
     "normal_ draws real numbers"),
    (lambda: glassnet.zeros(3, dtype=glassnet.long).uniform_(), NotImplementedError,
     "x.float()"),
    (lambda: glassnet.zeros(3, dtype=glassnet.long).exponential_(), NotImplementedError,
     "glassnet.int64"),
])
def test_fill_errors_name_the_problem(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize("fill", [
    lambda t, x: x.normal_(0, -1), lambda t, x: x.uniform_(2, 1),
    lambda t, x: x.exponential_(-1), lambda t, x: x.cauchy_(0, -1),
    lambda t, x: x.log_normal_(0, -1), lambda t, x: x.geometric_(1.5),
    lambda t, x: x.bernoulli_(1.5), lambda t, x: x.random_(8, 5),
    lambda t, x: x.long().normal_(), lambda t, x: x.long().uniform_(),
])
def test_fills_refuse_what_pytorch_refuses(fill):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        fill(torch, torch.zeros(3))
    with pytest.raises(RuntimeError):
        fill(glassnet, glassnet.zeros(3))


VIEWS = {"row": (lambda x: x[0], np.s_[0]), "transpose": (lambda x: x.t(), np.s_[:, :]),
         "strided": (lambda x: x[:, ::2], np.s_[:, ::2])}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("name", ["normal_", "uniform_", "exponential_", "bernoulli_"])
def test_fills_on_a_view_write_through_to_its_base(view, name):
    take, region = VIEWS[view]
    x = glassnet.zeros(4, 6)
    part = take(x)
    getattr(part, name)()
    assert np.array_equal(take(x).numpy(), part.numpy())  # the base holds the draws
    if name != "bernoulli_":
        assert np.all(part.numpy() != 0.0)
    untouched = np.ones((4, 6), bool)
    untouched[region] = False
    assert np.all(x.numpy()[untouched] == 0.0)


@pytest.mark.parametrize("dtype", [glassnet.float16, glassnet.float32, glassnet.float64])
def test_normal_fill_keeps_the_dtype_and_moments(dtype):
    glassnet.manual_seed(0)
    x = glassnet.empty(N // 4, dtype=dtype).normal_(1.0, 2.0)
    assert x.dtype == dtype
    values = x.numpy().astype(np.float64)
    assert abs(values.mean() - 1.0) < 0.03 and abs(values.std() - 2.0) < 0.03
