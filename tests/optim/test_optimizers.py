"""Optimizers: the seed's worked steps, and 20 steps agreeing with PyTorch to 1e-8 in float64."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn
import glassnet.optim as optim

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")


def test_seed_14_9_sgd_on_half_w_squared():
    w = glassnet.tensor(4.0, dtype=glassnet.float64, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    seen = []
    for _ in range(3):
        opt.zero_grad()
        (0.5 * w**2).backward()
        opt.step()
        seen.append(round(w.item(), 4))
    assert seen == [3.6, 3.24, 2.916]


def test_seed_14_12_weight_decay_alone_takes_4_to_3_996():
    w = glassnet.tensor([4.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1, weight_decay=0.01)
    w.grad = glassnet.zeros(1)  # zero data gradient: only the decay acts
    opt.step()
    assert w.item() == pytest.approx(3.996)


def test_seed_momentum_as_an_average_is_dampening_equal_to_momentum():
    beta, lr = 0.9, 0.1
    grads = [1.0, 2.0, -1.0, 0.5]
    w = glassnet.tensor([0.0], dtype=glassnet.float64, requires_grad=True)
    opt = optim.SGD([w], lr=lr, momentum=beta, dampening=beta)
    v, expected = None, 0.0
    for g in grads:
        w.grad = glassnet.tensor([g], dtype=glassnet.float64)
        opt.step()
        v = g if v is None else beta * v + (1 - beta) * g  # the seed's form; PyTorch starts v=g
        expected -= lr * v
        assert w.item() == pytest.approx(expected)


CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict(lr=1.0)),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.01)),
    ("Adadelta", dict(lr=1.0, maximize=True)),
]


def _train(lib, name, options, steps=20, skip_bias_every=0, groups=False):
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal((3, 4)), rng.standard_normal(3)
    x, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 3))
    w = lib.tensor(w0, requires_grad=True)
    b = lib.tensor(b0, requires_grad=True)
    params = [{"params": [w]}, {"params": [b], "lr": options["lr"] / 2}] if groups else [w, b]
    opt = getattr(lib.optim, name)(params, **options)
    xs, ys = lib.tensor(x), lib.tensor(y)
    for step in range(steps):
        opt.zero_grad()
        loss = ((xs @ w.T + b - ys) ** 2).mean()
        if skip_bias_every and step % skip_bias_every == 0:
            loss = ((xs @ w.T - ys) ** 2).mean()  # b gets no gradient this step
        loss.backward()
        opt.step()
    return w.detach().detach().numpy().copy(), b.detach().numpy().copy()


@needs_torch
@pytest.mark.parametrize("name,options", CONFIGS, ids=lambda v: str(v))
def test_twenty_steps_match_pytorch(name, options):
    ours, theirs = _train(glassnet, name, options), _train(torch, name, options)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-8)


@needs_torch
@pytest.mark.parametrize("name,options", [CONFIGS[i] for i in (2, 6, 11, 13, 15)],
                         ids=lambda v: str(v))
def test_parameters_without_gradient_are_skipped_like_pytorch(name, options):
    ours = _train(glassnet, name, options, skip_bias_every=3)
    theirs = _train(torch, name, options, skip_bias_every=3)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-8)


@needs_torch
def test_per_group_options_match_pytorch():
    ours = _train(glassnet, "Adam", dict(lr=0.01), groups=True)
    theirs = _train(torch, "Adam", dict(lr=0.01), groups=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-8)


def test_parameters_stay_the_same_objects_and_see_updates():
    model = nn.Linear(3, 2)
    weight = model.weight
    opt = optim.Adam(model.parameters(), lr=0.1)
    before = weight.detach().numpy().copy()
    model(glassnet.ones(4, 3)).sum().backward()
    opt.step()
    assert model.weight is weight and not np.array_equal(weight.data, before)
    assert opt.state[weight]["step"] == 1 and opt.state[weight]["exp_avg"].shape == (2, 3)


EVERY_OPTIMIZER = sorted(name for name in optim.__all__
                         if isinstance(getattr(optim, name), type)
                         and issubclass(getattr(optim, name), optim.Optimizer)
                         and name != "Optimizer")


@pytest.mark.parametrize("name", EVERY_OPTIMIZER)
@pytest.mark.parametrize("bias_gets_grad", [True, False], ids=["fused", "per-parameter"])
def test_references_taken_before_step_see_every_update(name, bias_gets_grad):
    """PyTorch's optimizers change parameters in place: an array from ``numpy()`` or a tensor
    from ``.data`` taken before the first step sees every step (issue 12 section 3)."""
    glassnet.manual_seed(0)
    model = nn.Linear(3, 2)
    weight_array, bias_array = model.weight.detach().numpy(), model.bias.detach().numpy()
    weight_data, bias_data = model.weight.data, model.bias.data
    opt = getattr(optim, name)(model.parameters(), lr=0.1)
    x = glassnet.randn(4, 3)
    for _ in range(3):
        before = weight_array.copy(), bias_array.copy()

        def closure():
            opt.zero_grad()
            out = model(x) if bias_gets_grad else x @ model.weight.T
            loss = (out ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        assert not np.array_equal(weight_array, before[0])
        assert np.array_equal(bias_array, before[1]) != bias_gets_grad
        assert model.weight._data is weight_array and model.bias._data is bias_array
        assert weight_data.tolist() == model.weight.tolist()
        assert bias_data.tolist() == model.bias.tolist()


def test_a_rule_that_changes_param_in_place_also_reaches_the_parameters_memory():
    class HalveEachStep(optim.Optimizer):  # the in-place contract keras.optimizers uses
        def __init__(self, params):
            super().__init__(params, {})

        def update(self, param, grad, state, group, scratch):
            param *= 0.5

    model = nn.Linear(3, 2)
    weight = model.weight.detach().numpy()
    expected = weight / 2
    model(glassnet.ones(1, 3)).sum().backward()
    HalveEachStep(model.parameters()).step()
    assert np.array_equal(weight, expected) and model.weight._data is weight


def test_a_parameter_given_new_data_of_another_shape_is_stepped_in_its_new_memory():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.5)
    model.weight.data = glassnet.zeros(4, 3)
    new = model.weight.detach().numpy()
    (glassnet.ones(5, 3) @ model.weight.T).sum().backward()
    model.bias.grad = glassnet.zeros(2)
    opt.step()
    assert model.weight._data is new and np.array_equal(new, np.full((4, 3), -2.5))


def test_state_dict_round_trip_continues_identically():
    def make():
        glassnet.manual_seed(0)
        model = nn.Linear(3, 2)
        return model, optim.Adam(model.parameters(), lr=0.1)

    def step(model, opt):
        opt.zero_grad()
        (model(glassnet.ones(4, 3)) ** 2).sum().backward()
        opt.step()

    a, opt_a = make()
    step(a, opt_a)
    b, opt_b = make()
    b.load_state_dict(a.state_dict())
    opt_b.load_state_dict(opt_a.state_dict())
    step(a, opt_a)
    step(b, opt_b)
    np.testing.assert_allclose(a.weight.data, b.weight.data)
    assert opt_b.state_dict()["state"][0]["step"] == 2


def test_zero_grad_and_empty_parameter_list():
    w = glassnet.ones(2, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * 2).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])


def test_invalid_hyperparameters_are_refused():
    w = glassnet.ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([w], betas=(1.0, 0.9))


@needs_torch
def test_adadelta_with_step_lr_matches_pytorch_like_the_classic_mnist_example():
    def run(lib):
        rng = np.random.default_rng(1)
        w = lib.tensor(rng.standard_normal((3, 4)), requires_grad=True)
        x, y = lib.tensor(rng.standard_normal((8, 4))), lib.tensor(rng.standard_normal((8, 3)))
        opt = lib.optim.Adadelta([w], lr=1.0)
        scheduler = lib.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
        for _epoch in range(4):
            for _ in range(5):
                opt.zero_grad()
                ((x @ w.T - y) ** 2).mean().backward()
                opt.step()
            scheduler.step()
        return w.detach().numpy().copy(), opt.param_groups[0]["lr"]

    (ours, lr_ours), (theirs, lr_theirs) = run(glassnet), run(torch)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-8)
    assert lr_ours == pytest.approx(lr_theirs) == pytest.approx(0.7 ** 4)


def test_adadelta_refuses_invalid_hyperparameters():
    w = glassnet.ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="invalid rho=1.5"):
        optim.Adadelta([w], rho=1.5)
    with pytest.raises(ValueError, match="invalid learning rate"):
        optim.Adadelta([w], lr=-1.0)
    with pytest.raises(ValueError, match="invalid eps"):
        optim.Adadelta([w], eps=-1.0)
