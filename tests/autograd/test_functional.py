"""glassnet.autograd.functional against torch.autograd.functional: the same numbers and the
same return structures (a Tensor where PyTorch gives one, tuples where it gives tuples)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet.autograd import functional
from glassnet.errors import GraphError

torch = pytest.importorskip("torch")
import torch.autograd.functional as torch_functional  # noqa: E402

RNG = np.random.default_rng(0)
A, B, C = RNG.standard_normal(3), RNG.standard_normal((3, 2)), RNG.standard_normal(2)
V3, V2 = RNG.standard_normal(3), RNG.standard_normal(2)


def vector(lib, x):
    return x.tanh() * x.exp()


def two_inputs(lib, x, w):
    return (x @ w).sin() * 2.0


def two_outputs(lib, x, w):
    return x * x.sum(), (x @ w).exp()


def scalar(lib, x):
    return (x.sin() * x.exp()).sum()


def scalar_two(lib, x, y):
    return ((x * x).sum() * y.tanh()).sum() + (y ** 3).sum()


def tensors(lib, *arrays):
    return tuple(lib.tensor(a) for a in arrays)


def same(ours, theirs):
    """Same nesting (tuple/Tensor) and values."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
        return
    assert isinstance(ours, glassnet.Tensor), type(ours)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10,
                               atol=1e-12)


def both(name, fn, arrays, single, **options):
    """Run functional.<name> on glassnet and torch with the same function and inputs."""
    results = []
    for lib, module in ((glassnet, functional), (torch, torch_functional)):
        inputs = tensors(lib, *arrays)
        inputs = inputs[0] if single else inputs
        extra = {k: (tensors(lib, *v) if isinstance(v, list) else
                     lib.tensor(v) if isinstance(v, np.ndarray) else v)
                 for k, v in options.items()}
        results.append(getattr(module, name)(lambda *xs, lib=lib: fn(lib, *xs), inputs, **extra))
    return results


@pytest.mark.parametrize("fn, arrays, single", [
    (vector, (A,), True), (vector, (A,), False), (two_inputs, (A, B), False),
    (two_outputs, (A, B), False),
], ids=["tensor", "one-tuple", "two-inputs", "two-outputs"])
def test_jacobian_matches_pytorch(fn, arrays, single):
    same(*both("jacobian", fn, arrays, single))


def test_jacobian_vectorize_gives_the_same_result():
    same(*both("jacobian", two_outputs, (A, B), False, vectorize=True))


@pytest.mark.parametrize("fn, arrays, single", [
    (scalar, (A,), True), (scalar_two, (A, C), False),
], ids=["tensor", "tuple"])
def test_hessian_matches_pytorch(fn, arrays, single):
    same(*both("hessian", fn, arrays, single))


def test_vjp_matches_pytorch():
    same(*both("vjp", vector, (A,), True, v=V3))
    same(*both("vjp", two_inputs, (A, B), False, v=V2))  # v shaped like the one output


def test_jvp_matches_pytorch():
    same(*both("jvp", vector, (A,), True, v=V3))
    same(*both("jvp", two_inputs, (A, B), False, v=[V3, B * 0.5]))  # v shaped like the inputs


def test_vjp_with_tuple_outputs_takes_a_tuple_v():
    same(*both("vjp", two_outputs, (A, B), False, v=[V3, V2]))


@pytest.mark.parametrize("name", ["hvp", "vhp"])
def test_hvp_and_vhp_match_pytorch(name):
    same(*both(name, scalar, (A,), True, v=V3))
    same(*both(name, scalar_two, (A, C), False, v=[V3, V2]))


def test_v_may_be_omitted_for_one_number():
    one = np.array([0.7])
    same(*both("vjp", lambda lib, x: (x * x).sum(), (one,), True))
    same(*both("jvp", lambda lib, x: x.exp() * 2.0, (one,), True))
    same(*both("hvp", lambda lib, x: (x ** 4).sum(), (one,), True))


def test_create_graph_results_can_be_differentiated_again():
    def outer(lib, module):
        x = lib.tensor(A, requires_grad=True)
        jac = module.jacobian(lambda x: vector(lib, x), x, create_graph=True)
        _, product = module.hvp(lambda x: scalar(lib, x), x, lib.tensor(V3), create_graph=True)
        (g,) = lib.autograd.grad((jac * jac).sum() + product.sum(), x)
        return jac, g

    ours, theirs = outer(glassnet, functional), outer(torch, torch_functional)
    assert ours[0].grad_fn is not None
    same(ours[1], theirs[1])


def test_results_are_detached_without_create_graph():
    x = glassnet.tensor(A, requires_grad=True)
    jac = functional.jacobian(lambda x: vector(glassnet, x), x)
    assert jac.grad_fn is None and not jac.requires_grad


def test_an_independent_input_gives_zeros_or_a_strict_error():
    def fn(lib, x, y):
        return x * 2.0

    same(*both("jacobian", fn, (A, C), False))
    with pytest.raises(GraphError, match="independent of input 1"):
        functional.jacobian(lambda x, y: fn(glassnet, x, y), tensors(glassnet, A, C),
                            strict=True)
    same(*both("vjp", fn, (A, C), False, v=V3))
    with pytest.raises(GraphError, match="independent of input 1"):
        functional.vjp(lambda x, y: fn(glassnet, x, y), tensors(glassnet, A, C),
                       glassnet.tensor(V3), strict=True)


def test_wrong_v_and_wrong_outputs_say_what_was_expected():
    x = glassnet.tensor(A)
    with pytest.raises(GraphError, match="v can only be None"):
        functional.vjp(lambda x: x * 2.0, x)
    with pytest.raises(GraphError, match=r"v has invalid size: should be .*3.* but got .*2"):
        functional.jvp(lambda x: x * 2.0, x, glassnet.tensor(V2))
    with pytest.raises(GraphError, match="v is a tuple of invalid length: should be 2 but got 1"):
        functional.hvp(lambda x, y: (x * y).sum(), (x, x), (x,))
    with pytest.raises(GraphError, match="should return a single Tensor"):
        functional.hessian(lambda x: (x, x), x)
    with pytest.raises(GraphError, match="should contain a single element"):
        functional.hvp(lambda x: x * 2.0, x, x)
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        functional.jacobian(lambda x: x, [A])


def test_forward_mode_is_refused_with_the_alternative():
    with pytest.raises(NotImplementedError, match="strategy='reverse-mode'"):
        functional.jacobian(lambda x: x * 2.0, glassnet.tensor(A), strategy="forward-mode")
    with pytest.raises(GraphError, match="strict=True and vectorize=True"):
        functional.jacobian(lambda x: x * 2.0, glassnet.tensor(A), strict=True, vectorize=True)


def test_signatures_match_pytorch():
    import inspect

    for name in functional.__all__:
        ours = list(inspect.signature(getattr(functional, name)).parameters.items())
        theirs = list(inspect.signature(getattr(torch_functional, name)).parameters.items())
        assert [(k, p.default) for k, p in ours] == [(k, p.default) for k, p in theirs], name
