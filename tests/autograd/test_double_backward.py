"""Double backward: gradgradcheck on every op case whose op has a differentiable rule, the same
second derivatives as PyTorch, and one clear error for an op without a rule."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet.autograd import Function, GradcheckError, gradgradcheck
from glassnet.autograd.double_backward import RULES, _load_rules
from glassnet.errors import GraphError
from tests.ops.cases import CASES

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def functions_by_name() -> dict[str, type]:
    found, stack = {}, [Function]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("glassnet."):
                found[sub.__name__] = sub
    return found


_load_rules()
FUNCTIONS = functions_by_name()
WITH_RULE = [c for c in CASES if FUNCTIONS.get(c.op) in RULES]
WITHOUT_RULE = [c for c in CASES if c.op in FUNCTIONS and FUNCTIONS[c.op] not in RULES]
# every op has a rule today; an op added without one is run by the error test below


def shapes_for(case):
    if case.broadcast == 2:
        return ((2, 1, 3), (4, 1))
    if case.broadcast == 3:
        return ((2, 3), (1, 3), (2, 1))
    return case.shapes


def make_inputs(case, module, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [case.draw(rng, s) for s in shapes_for(case)]
    if module is torch:
        return [torch.tensor(a, requires_grad=i not in case.constant)
                for i, a in enumerate(arrays)]
    return [glassnet.tensor(a, dtype=glassnet.float64, requires_grad=i not in case.constant)
            for i, a in enumerate(arrays)]


@pytest.mark.parametrize("case", WITH_RULE, ids=lambda c: c.name)
def test_gradgradcheck(case):
    inputs = make_inputs(case, glassnet)
    assert gradgradcheck(lambda *xs: case.fn(glassnet, *xs), inputs, eps=case.eps)


def second_derivatives(lib, case, inputs, seed):
    """d/dinputs of Σ w·(d out/d inputs · v): the double-backward both libraries compute."""
    rng = np.random.default_rng(seed)
    out = case.fn(lib, *inputs)
    v = lib.tensor(rng.standard_normal(tuple(out.shape)), requires_grad=True)
    wrt = [x for x in inputs if x.requires_grad]
    grads = lib.autograd.grad(out, wrt, v, create_graph=True, allow_unused=True)
    total = sum((g * lib.tensor(rng.standard_normal(tuple(g.shape)))).sum()
                for g in grads if g is not None and g.requires_grad)
    if not isinstance(total, (lib.Tensor,)):
        return [None] * (len(wrt) + 1)
    seconds = lib.autograd.grad(total, [*wrt, v], allow_unused=True)
    return [None if s is None else _array(s) for s in seconds]


# ops and cases glassnet differentiates twice (gradgradcheck above) but PyTorch 2.13 does not
# ("the derivative for '_embedding_bag_backward' / '_cdist_backward' is not implemented")
TORCH_CANNOT = {"EmbeddingBag", "VectorNorm-cdist", "VectorNorm-cdist-p1"}


@needs_torch
@pytest.mark.parametrize("case", [c for c in WITH_RULE if c.torch and c.op not in TORCH_CANNOT
                                  and c.name not in TORCH_CANNOT], ids=lambda c: c.name)
def test_matches_pytorch_double_backward(case):
    ours = second_derivatives(glassnet, case, make_inputs(case, glassnet), seed=3)
    theirs = second_derivatives(torch, case, make_inputs(case, torch), seed=3)
    for mine, reference in zip(ours, theirs):
        if reference is None or mine is None:
            # an unused input: None on one side must be zeros on the other
            other = mine if reference is None else reference
            assert other is None or not np.any(other)
            continue
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-11)


# the ops issue 12 names for double backward (the fused ones by their Function's name)
REQUIRED = """Add Sub Mul Div Neg Pow Exp Log Sqrt Sin Cos Tanh Sigmoid Relu LeakyRelu Gelu
Softplus Elu Abs Clamp Matmul Mm Bmm Linear Sum Mean Max Min Amax Amin MaxDim MinDim Reshape
Transpose Permute Expand Index Cat Stack Softmax LogSoftmax MseLoss CrossEntropy Conv2d""".split()


def test_the_ops_the_issue_names_have_a_rule():
    assert [name for name in REQUIRED if FUNCTIONS[name] not in RULES] == []


def test_an_op_without_a_rule_raises_one_error_naming_it(monkeypatch):
    monkeypatch.delitem(RULES, FUNCTIONS["Exp"])
    x = glassnet.tensor([0.5, 1.0], dtype=glassnet.float64, requires_grad=True)
    (g,) = glassnet.autograd.grad((x.exp() * x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), np.exp([0.5, 1.0]) * [1.5, 2.0])
    with pytest.raises(GraphError, match="double backward through ExpBackward0: this op does "
                                         "not support double backward yet"):
        g.sum().backward()


def test_a_recurrent_layer_whose_bias_cannot_be_read_back_raises_when_differentiated_twice():
    rng = np.random.default_rng(0)
    x = glassnet.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    w_ih, w_hh = (glassnet.tensor(rng.standard_normal((4, n)), requires_grad=True)
                  for n in (2, 4))
    b = glassnet.tensor(rng.standard_normal(4), requires_grad=True)
    doubled = b * 2.0  # a computed bias: the fused op does not keep its value
    out = glassnet.ops.rnn.RNN.apply(x, None, w_ih, w_hh, doubled, doubled)
    (g,) = glassnet.autograd.grad(out.sum(), x, create_graph=True)
    (plain,) = glassnet.autograd.grad(out.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), plain.numpy())
    with pytest.raises(GraphError, match="double backward through RNNBackward0"):
        g.sum().backward()


@pytest.mark.parametrize("case", WITHOUT_RULE, ids=lambda c: c.name)
def test_op_without_rule_gives_its_gradient_then_one_clear_error(case):
    inputs = make_inputs(case, glassnet)
    wrt = [x for x in inputs if x.requires_grad]
    out = case.fn(glassnet, *inputs)
    seed = glassnet.tensor(np.random.default_rng(0).standard_normal(tuple(out.shape)))
    plain = glassnet.autograd.grad(out, wrt, seed, retain_graph=True, allow_unused=True)
    graphed = glassnet.autograd.grad(out, wrt, seed, create_graph=True, allow_unused=True)
    for a, b in zip(plain, graphed):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(b.detach().numpy(), a.numpy(), rtol=1e-12, atol=1e-14)
    name = FUNCTIONS[case.op].node_class.__name__
    total = sum((g * g).sum() for g in graphed if g is not None)
    with pytest.raises(GraphError, match=f"double backward through {name}: this op does not "
                                         f"support double backward yet"):
        total.backward()


def test_create_graph_makes_grad_a_graph_tensor_that_differentiates_again():
    x = glassnet.tensor([0.5, -1.0, 2.0], dtype=glassnet.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None and x.grad.requires_grad
    np.testing.assert_allclose(x.grad.detach().numpy(), 3 * x.detach().numpy() ** 2)
    (second,) = glassnet.autograd.grad(x.grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * x.detach().numpy())


def test_plain_backward_still_gives_plain_grads():
    x = glassnet.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
    (g,) = glassnet.autograd.grad((x * x).sum(), x)
    assert g.grad_fn is None


def test_retain_graph_defaults_to_create_graph():
    x = glassnet.tensor([1.0, 2.0], dtype=glassnet.float64, requires_grad=True)
    y = (x.exp() * x).sum()
    glassnet.autograd.grad(y, x, create_graph=True)
    glassnet.autograd.grad(y, x)  # the graph was kept: a second pass works
    with pytest.raises(GraphError, match="a second time"):
        glassnet.autograd.grad(y, x)


def test_create_graph_accumulates_into_grad_as_a_recorded_sum():
    x = glassnet.tensor([1.0, 3.0], dtype=glassnet.float64, requires_grad=True)
    (x ** 2).sum().backward(create_graph=True)
    (x ** 3).sum().backward(create_graph=True)
    np.testing.assert_allclose(x.grad.detach().numpy(), [2 + 3, 6 + 27])
    (second,) = glassnet.autograd.grad(x.grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), [2 + 6, 2 + 18])


def test_grad_outputs_that_require_grad_are_differentiated_too():
    x = glassnet.tensor([1.0, 2.0], dtype=glassnet.float64, requires_grad=True)
    v = glassnet.tensor([3.0, 5.0], dtype=glassnet.float64, requires_grad=True)
    (g,) = glassnet.autograd.grad(x ** 2, x, v, create_graph=True)  # 2x·v
    dx, dv = glassnet.autograd.grad(g.sum(), (x, v))
    np.testing.assert_allclose(dx.numpy(), [6.0, 10.0])
    np.testing.assert_allclose(dv.numpy(), [2.0, 4.0])


def test_hooks_and_retained_grads_see_graph_tensors():
    x = glassnet.tensor([1.0, 2.0], dtype=glassnet.float64, requires_grad=True)
    y = x * x
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.requires_grad) or g * 2)
    (y * x).sum().backward(create_graph=True)
    assert seen == [True] and y.grad.grad_fn is not None
    # dL/dy = x doubled by the hook, through y: 2x·2x; straight from x: y = x²
    np.testing.assert_allclose(x.grad.detach().numpy(), 5 * x.detach().numpy() ** 2)


def test_backward_inputs_limits_the_leaves_with_create_graph():
    a = glassnet.tensor([1.0], dtype=glassnet.float64, requires_grad=True)
    b = glassnet.tensor([2.0], dtype=glassnet.float64, requires_grad=True)
    (a * a * b).sum().backward(create_graph=True, inputs=[a])
    assert b.grad is None and a.grad.grad_fn is not None


def test_user_function_backward_written_with_tensor_ops_is_differentiable():
    class Cube(glassnet.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    x = glassnet.tensor([0.5, 2.0], dtype=glassnet.float64, requires_grad=True)
    (g,) = glassnet.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (second,) = glassnet.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(second.numpy(), [3.0, 12.0])
    assert gradgradcheck(Cube.apply, (x,))


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class DetachedCube(glassnet.autograd.Function):  # right first derivative, wrong second
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x.detach() ** 2

    x = glassnet.tensor([0.5, 2.0], dtype=glassnet.float64, requires_grad=True)
    assert glassnet.autograd.gradcheck(DetachedCube.apply, (x,))
    assert gradgradcheck(DetachedCube.apply, (x,), raise_exception=False) is False
    with pytest.raises(GradcheckError, match="gradients differ for input 0"):
        gradgradcheck(DetachedCube.apply, (x,))


def test_gradgradcheck_takes_grad_outputs_and_names_a_count_mismatch():
    x = glassnet.tensor([0.5, 2.0], dtype=glassnet.float64, requires_grad=True)
    v = glassnet.tensor([1.0, -1.0], dtype=glassnet.float64, requires_grad=True)
    assert gradgradcheck(lambda x: x.sin() * x, (x,), (v,))
    with pytest.raises(ValueError, match="1 outputs that require grad but 2 grad_outputs"):
        gradgradcheck(lambda x: x.sin(), (x,), (v, v))


@needs_torch
def test_gradgradcheck_has_pytorchs_signature():
    import inspect

    ours = inspect.signature(gradgradcheck).parameters
    theirs = inspect.signature(torch.autograd.gradgradcheck).parameters
    for name in ours:
        assert name in theirs and ours[name].kind == theirs[name].kind, name
        assert ours[name].default == theirs[name].default, name


def test_a_network_second_derivative_matches_pytorch_shape_of_use():
    """MAML's pattern: one inner SGD step taken with create_graph, then the outer loss's
    gradient flows through it to the starting weights."""
    rng = np.random.default_rng(0)
    x_data, y_data = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    w_data = rng.standard_normal((2, 3))

    def outer_grad(lib):
        w = lib.tensor(w_data, requires_grad=True)
        x, y = lib.tensor(x_data), lib.tensor(y_data)
        inner = lib.nn.functional.mse_loss(lib.tanh(x @ w.T), y)
        (g,) = lib.autograd.grad(inner, w, create_graph=True)
        adapted = w - 0.1 * g
        outer = lib.nn.functional.cross_entropy(x @ adapted.T, lib.tensor([0, 1] * 4))
        (h,) = lib.autograd.grad(outer, w)
        return h.detach().numpy()

    ours = outer_grad(glassnet)
    if torch is not None:
        np.testing.assert_allclose(ours, outer_grad(torch), rtol=1e-10, atol=1e-12)


def _array(t):
    if t is None:
        return None
    if getattr(t, "_is_zerotensor", lambda: False)():  # PyTorch's symbolic zeros: no storage
        return np.zeros(tuple(t.shape))
    return t.detach().numpy()


@needs_torch
def test_gradient_penalty_through_a_convnet_matches_pytorch():
    """WGAN-GP's pattern: the norm of the gradient of the loss, differentiated again."""
    rng = np.random.default_rng(0)
    arrays = {"x": rng.standard_normal((3, 1, 6, 6)), "w": rng.standard_normal((2, 1, 3, 3)),
              "b": rng.standard_normal(2), "gamma": rng.uniform(0.5, 1.5, 2),
              "beta": rng.standard_normal(2), "v": rng.standard_normal((4, 18)) * 0.3}

    def penalty_grads(lib):
        t = {k: lib.tensor(a, requires_grad=True) for k, a in arrays.items()}
        F = lib.nn.functional
        h = F.conv2d(t["x"], t["w"], t["b"], padding=1)
        h = F.batch_norm(h, None, None, t["gamma"], t["beta"], training=True)
        h = F.max_pool2d(F.gelu(h), 2).reshape(3, -1)
        loss = F.cross_entropy(F.linear(h, t["v"]), lib.tensor([0, 3, 1]))
        grads = lib.autograd.grad(loss, [t["x"], t["w"]], create_graph=True)
        penalty = sum((g * g).sum() for g in grads)
        return [g.detach().numpy() for g in lib.autograd.grad(penalty, list(t.values()))]

    for mine, reference in zip(penalty_grads(glassnet), penalty_grads(torch)):
        np.testing.assert_allclose(mine, reference, rtol=1e-8, atol=1e-10)


def test_autograd_backward_takes_pytorchs_arguments():
    x = glassnet.tensor([1.0, 2.0], dtype=glassnet.float64, requires_grad=True)
    glassnet.autograd.backward(x * x, grad_variables=glassnet.tensor([1.0, 1.0]),
                               create_graph=True)
    np.testing.assert_allclose(x.grad.detach().numpy(), [2.0, 4.0])
    assert x.grad.grad_fn is not None
    with pytest.raises(ValueError, match="grad_tensors or grad_variables"):
        glassnet.autograd.backward(x * x, glassnet.tensor([1.0, 1.0]),
                                   grad_variables=glassnet.tensor([1.0, 1.0]))
    if torch is not None:
        import inspect

        ours = list(inspect.signature(glassnet.autograd.backward).parameters)
        assert ours == list(inspect.signature(torch.autograd.backward).parameters)
