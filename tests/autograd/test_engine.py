"""The backward sweep: accumulation, retain_graph, in-place checks, no_grad, grad(), hooks."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet.autograd import Function, GradcheckError, gradcheck
from glassnet.errors import GraphError


def test_gradients_accumulate_until_zeroed():
    w = glassnet.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    np.testing.assert_allclose(w.grad.detach().numpy(), [6.0, 6.0])
    w.grad.zero_()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.detach().numpy(), [2.0, 4.0])


def test_a_leaf_used_twice_gets_both_contributions():
    x = glassnet.tensor(3.0, requires_grad=True)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad.item() == pytest.approx(7.0)


def test_diamond_graph_sums_paths_once_each():
    x = glassnet.tensor(2.0, requires_grad=True)
    a = x * 3
    b = a.exp()
    c = a * a
    (b + c).backward()  # d/dx (e^{3x} + 9x^2) = 3 e^{3x} + 18x
    assert x.grad.item() == pytest.approx(3 * np.exp(6.0) + 36, rel=1e-6)


def test_shared_gradient_array_is_not_aliased_between_leaves():
    a = glassnet.tensor([1.0, 2.0], requires_grad=True)
    b = glassnet.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.mul_(10)
    np.testing.assert_allclose(b.grad.detach().numpy(), [1.0, 1.0])


def test_second_backward_through_freed_graph_raises_clearly():
    x = glassnet.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(GraphError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = glassnet.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(8.0)


def test_in_place_change_of_a_saved_tensor_raises_clearly():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * y).sum()
    with glassnet.no_grad():
        y.add_(1)
    with pytest.raises(GraphError, match="modified in place"):
        z.backward()


def test_in_place_change_of_an_unsaved_tensor_is_fine():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    y = x + 1  # Add saves nothing
    z = (y * 3).sum()
    with glassnet.no_grad():
        y.mul_(2)
    z.backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [3.0, 3.0])


def test_in_place_on_a_leaf_that_requires_grad_needs_no_grad():
    w = glassnet.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.add_(1.0)
    with glassnet.no_grad():
        w.add_(1.0)
    assert w.item() == 2.0


def test_in_place_on_a_non_leaf_is_recorded():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y += x  # y = 2x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [2.0, 2.0])


def test_backward_on_non_scalar_without_gradient_says_what_to_do():
    x = glassnet.ones(2, 3, requires_grad=True)
    with pytest.raises(GraphError, match=r"shape \(2, 3\).*loss.sum\(\) or loss.mean\(\)"):
        (x * 2).backward()


def test_backward_with_explicit_gradient():
    x = glassnet.ones(2, requires_grad=True)
    (x * 3).backward(glassnet.tensor([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.detach().numpy(), [3.0, 30.0])


def test_backward_on_tensor_without_graph_says_why():
    with pytest.raises(GraphError, match="requires_grad=True"):
        glassnet.ones(1).sum().backward()


def test_no_grad_records_nothing_and_works_as_decorator():
    w = glassnet.ones(2, requires_grad=True)
    with glassnet.no_grad():
        y = w * 2
    assert y.grad_fn is None and not y.requires_grad

    @glassnet.no_grad()
    def infer(x):
        return x * 2

    assert infer(w).grad_fn is None
    with glassnet.no_grad():
        with glassnet.enable_grad():
            assert (w * 2).grad_fn is not None
    assert glassnet.is_grad_enabled()


def test_grad_fn_names_and_next_functions_walk_the_graph():
    x = glassnet.tensor(2.0)
    w1 = glassnet.tensor(0.5, requires_grad=True)
    w2 = glassnet.tensor(1.5, requires_grad=True)
    loss = 0.5 * (w2 * (x * w1) - 3.0) ** 2
    assert loss.grad_fn.name() == "MulBackward0"
    names, stack = [], [loss.grad_fn]
    while stack:
        node = stack.pop()
        names.append(node.name())
        stack.extend(n for n, _ in node.next_functions if n is not None)
    assert names.count("AccumulateGrad") == 2
    assert {"PowBackward0", "SubBackward0", "MulBackward0"} <= set(names)
    leaves = [n.variable for n in _walk(loss.grad_fn) if n.name() == "AccumulateGrad"]
    assert {id(w1), id(w2)} == {id(v) for v in leaves}


def _walk(node):
    seen, stack = [], [node]
    while stack:
        n = stack.pop()
        seen.append(n)
        stack.extend(m for m, _ in n.next_functions if m is not None)
    return seen


def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    (gx,) = glassnet.autograd.grad(y, x)
    np.testing.assert_allclose(gx.detach().numpy(), [2.0, 4.0])
    assert x.grad is None


def test_autograd_grad_unused_input():
    x = glassnet.ones(1, requires_grad=True)
    z = glassnet.ones(1, requires_grad=True)
    with pytest.raises(GraphError, match="allow_unused"):
        glassnet.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = glassnet.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None and gx.item() == 2.0


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = glassnet.tensor([1.0, -1.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    h.relu().sum().backward()
    np.testing.assert_allclose(h.grad.detach().numpy(), [1.0, 0.0])


def test_tensor_hook_can_read_and_replace_the_gradient():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.detach().numpy().copy()) or g * 0)
    (x * 5).sum().backward()
    np.testing.assert_allclose(seen[0], [5.0, 5.0])
    np.testing.assert_allclose(x.grad.detach().numpy(), [0.0, 0.0])


class WrongSquare(Function):
    """A deliberately wrong backward, to prove gradcheck can fail."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved[0]  # should be 2x


def test_gradcheck_catches_a_wrong_backward_and_names_the_element():
    x = glassnet.tensor([1.0, 2.0, 3.0], dtype=glassnet.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="analytic .* vs numeric"):
        gradcheck(WrongSquare.apply, (x,))
    assert not gradcheck(WrongSquare.apply, (x,), raise_exception=False)


def test_custom_function_works_like_builtin_ones():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x**2

    x = glassnet.tensor([1.0, 2.0], dtype=glassnet.float64, requires_grad=True)
    assert Cube.apply(x).grad_fn.name() == "CubeBackward"  # as PyTorch names a custom Function
    assert gradcheck(Cube.apply, (x,))


def test_backward_takes_the_start_gradient_as_a_tensor_a_numpy_array_or_a_list():
    for gradient in (glassnet.tensor([1.0, 2.0]), np.array([1.0, 2.0]), [1.0, 2.0]):
        x = glassnet.tensor([3.0, 4.0], requires_grad=True)
        (x * x).backward(gradient)
        assert x.grad.tolist() == [6.0, 16.0]
