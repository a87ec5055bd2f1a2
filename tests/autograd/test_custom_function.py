"""User-defined autograd.Function, as PyTorch code writes it: forward and backward on Tensors.

Each test runs on glassnet and, where installed, on PyTorch, with the same assertions.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from glassnet.errors import GraphError


@pytest.fixture(params=["glassnet", "torch"])
def torch(request):
    if request.param == "torch":
        pytest.importorskip("torch")
    library = importlib.import_module(request.param)
    importlib.import_module(f"{request.param}.autograd")
    return library


def scale_function(torch, seen: dict):
    class Scale(torch.autograd.Function):
        """y = k x for a plain number k; dy/dx = k, and k gets no gradient."""

        @staticmethod
        def forward(ctx, x, k):
            seen["input"] = x
            seen["grad_enabled_in_forward"] = torch.is_grad_enabled()
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, grad_output):
            seen["grad_type"] = type(grad_output)
            seen["needs_input_grad"] = ctx.needs_input_grad
            seen["grad_enabled_in_backward"] = torch.is_grad_enabled()
            return grad_output * ctx.k, None

    return Scale


def test_forward_gets_the_given_tensor_and_runs_without_recording(torch):
    seen = {}
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = scale_function(torch, seen).apply(x, 3.0)
    assert seen["input"] is x
    assert seen["grad_enabled_in_forward"] is False
    assert type(y) is torch.Tensor and y.requires_grad and not y.is_leaf
    assert type(y.grad_fn).__name__ == "ScaleBackward"


def test_backward_gets_a_tensor_and_returns_none_for_inputs_without_gradient(torch):
    seen = {}
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    scale_function(torch, seen).apply(x, 3.0).sum().backward()
    assert seen["grad_type"] is torch.Tensor
    assert tuple(seen["needs_input_grad"]) == (True, False)
    assert seen["grad_enabled_in_backward"] is False
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_without_an_input_that_requires_grad_nothing_is_recorded(torch):
    y = scale_function(torch, {}).apply(torch.tensor([1.0, 2.0]), 2.0)
    assert y.grad_fn is None and not y.requires_grad
    np.testing.assert_allclose(y.numpy(), [2.0, 4.0])


def test_setup_context_form_without_ctx_in_forward(torch):
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, grad_output):
            x, = ctx.saved_tensors
            return 2 * x * grad_output

    x = torch.tensor([1.0, -3.0], requires_grad=True)
    Square.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -6.0])


def test_mark_non_differentiable_output_does_not_require_grad(torch):
    class Positive(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            mask = x > 0
            ctx.mark_non_differentiable(mask)
            return mask

        @staticmethod
        def backward(ctx, grad_output):
            return None

    x = torch.tensor([1.0, -3.0], requires_grad=True)
    mask = Positive.apply(x)
    assert not mask.requires_grad
    assert mask.tolist() == [True, False]


def identity_missing_a_gradient(torch):
    class Add(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output  # one gradient for two inputs

    return Add


def test_backward_returning_too_few_gradients_names_both_counts(torch):
    x = torch.tensor([1.0], requires_grad=True)
    y = torch.tensor([2.0], requires_grad=True)
    out = identity_missing_a_gradient(torch).apply(x, y)
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, got 1\)"):
        out.sum().backward()


def test_changing_a_saved_tensor_in_place_is_caught_at_backward(torch):
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            x, = ctx.saved_tensors
            return grad_output * 3 * x ** 2

    leaf = torch.tensor([1.0, 2.0], requires_grad=True)
    x = leaf * 1
    y = Cube.apply(x)
    with torch.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation|modified in place"):
        y.sum().backward()


def test_several_outputs_are_refused_with_the_fix():
    import glassnet

    class Pair(glassnet.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            return grad_a * 2 + grad_b * 3

    x = glassnet.tensor([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="returned 2 outputs.*one tensor"):
        Pair.apply(x)


def test_the_wrong_gradient_count_is_a_graph_error():
    import glassnet

    x = glassnet.tensor([1.0], requires_grad=True)
    out = identity_missing_a_gradient(glassnet).apply(x, x)
    with pytest.raises(GraphError, match="AddBackward returned"):
        out.sum().backward()


def test_glassnet_own_ops_still_see_arrays_and_keep_pytorch_node_names():
    import glassnet

    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    assert (x * x).grad_fn.name() == "MulBackward0"
    assert not glassnet.autograd.Function.on_tensors
