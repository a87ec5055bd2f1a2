"""Adamax, NAdam, RAdam and LBFGS: 20 float64 steps agreeing with PyTorch to 1e-8."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.optim as optim

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")

CONFIGS = [
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.99), momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, maximize=True, eps=1e-6)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)),  # rectified from step 6
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, maximize=True, eps=1e-6)),
]


def _problem(lib):
    rng = np.random.default_rng(0)
    w = lib.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = lib.tensor(rng.standard_normal(3), requires_grad=True)
    x, y = lib.tensor(rng.standard_normal((8, 4))), lib.tensor(rng.standard_normal((8, 3)))
    return w, b, x, y


def _train(lib, name, options, steps=20, skip_bias_every=0):
    w, b, x, y = _problem(lib)
    opt = getattr(lib.optim, name)([w, b], **options)
    for step in range(steps):
        opt.zero_grad()
        if skip_bias_every and step % skip_bias_every == 0:
            loss = ((x @ w.T - y) ** 2).mean()  # b gets no gradient this step
        else:
            loss = ((x @ w.T + b - y) ** 2).mean()
        loss.backward()
        opt.step()
    return w.detach().numpy().copy(), b.detach().numpy().copy()


def _assert_same(ours, theirs):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-8)


@needs_torch
@pytest.mark.parametrize("name,options", CONFIGS, ids=lambda v: str(v))
def test_twenty_steps_match_pytorch(name, options):
    _assert_same(_train(glassnet, name, options), _train(torch, name, options))


@needs_torch
@pytest.mark.parametrize("name,options", [CONFIGS[i] for i in (1, 4, 5, 8)],
                         ids=lambda v: str(v))
def test_parameters_without_gradient_are_skipped_like_pytorch(name, options):
    _assert_same(_train(glassnet, name, options, skip_bias_every=3),
                 _train(torch, name, options, skip_bias_every=3))


@needs_torch
def test_nadam_keeps_mu_product_per_parameter_like_pytorch():
    # all parameters step together (one flat buffer) for 4 steps, then b misses two gradients:
    # from then on each parameter's own product must carry on
    def run(lib):
        w, b, x, y = _problem(lib)
        opt = lib.optim.NAdam([w, b], lr=0.01)
        for step in range(9):
            opt.zero_grad()
            loss = ((x @ w.T - y) ** 2).mean() if step in (4, 5) else \
                ((x @ w.T + b - y) ** 2).mean()
            loss.backward()
            opt.step()
        return [float(opt.state[p]["mu_product"]) for p in (w, b)], \
            [p.detach().numpy().copy() for p in (w, b)]

    (ours, params), (theirs, params_t) = run(glassnet), run(torch)
    # PyTorch keeps mu_product in float32 (its default scalar dtype), hence rtol 1e-6
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert ours[0] != ours[1]
    _assert_same(params, params_t)


def test_nadam_state_dict_round_trip_continues_identically():
    def make():
        w, b, x, y = _problem(glassnet)
        return (w, b, x, y), optim.NAdam([w, b], lr=0.05)

    def step(problem, opt):
        w, b, x, y = problem
        opt.zero_grad()
        ((x @ w.T + b - y) ** 2).mean().backward()
        opt.step()

    first, opt_a = make()
    step(first, opt_a)
    second, opt_b = make()
    with glassnet.no_grad():
        second[0].copy_(first[0])
        second[1].copy_(first[1])
    opt_b.load_state_dict(opt_a.state_dict())
    step(first, opt_a)
    step(second, opt_b)
    np.testing.assert_array_equal(second[0].detach().numpy(), first[0].detach().numpy())
    assert opt_b.state_dict()["state"][1]["mu_product"] == opt_a.state[first[1]]["mu_product"]


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam"])
def test_adam_family_refuses_invalid_hyperparameters(name):
    w = glassnet.ones(1, requires_grad=True)
    make = getattr(optim, name)
    with pytest.raises(ValueError, match="invalid learning rate lr=-1"):
        make([w], lr=-1)
    with pytest.raises(ValueError, match="invalid eps=-1"):
        make([w], eps=-1)
    with pytest.raises(ValueError, match="beta parameter at index 0: 1.0"):
        make([w], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="beta parameter at index 1: -0.1"):
        make([w], betas=(0.9, -0.1))
    with pytest.raises(ValueError, match="invalid weight_decay=-0.1"):
        make([w], weight_decay=-0.1)


def test_nadam_refuses_negative_momentum_decay():
    w = glassnet.ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="invalid momentum_decay=-1"):
        optim.NAdam([w], momentum_decay=-1)


# ----- LBFGS ---------------------------------------------------------------------------------
# (options, problem, steps). Most runs agree for all 20 steps. Some settings are chaotic: PyTorch
# itself, started 1e-15 away, drifts by 1e-6 within 5-8 steps (fixed steps hovering at the
# optimum, or a tiny max_eval), so those are compared over the steps before that happens.
LBFGS_RUNS = [
    (dict(), "least_squares", 20),
    (dict(), "tanh", 20),
    (dict(lr=0.5, max_iter=5), "least_squares", 3),
    (dict(lr=0.5, max_iter=5), "tanh", 20),
    (dict(lr=1, max_iter=4, history_size=3), "least_squares", 20),
    (dict(lr=1, max_iter=4, history_size=3), "tanh", 5),
    (dict(lr=0.8, max_iter=10, max_eval=12, tolerance_grad=1e-5, tolerance_change=1e-7),
     "least_squares", 20),
    (dict(lr=0.8, max_iter=10, max_eval=12, tolerance_grad=1e-5, tolerance_change=1e-7),
     "tanh", 2),
    (dict(line_search_fn="strong_wolfe"), "least_squares", 20),
    (dict(line_search_fn="strong_wolfe"), "tanh", 20),
    (dict(line_search_fn="strong_wolfe", max_iter=5, history_size=2), "least_squares", 20),
    (dict(line_search_fn="strong_wolfe", max_iter=5, history_size=2), "tanh", 20),
    (dict(line_search_fn="strong_wolfe", lr=0.3, max_iter=3, max_eval=4), "least_squares", 5),
    (dict(line_search_fn="strong_wolfe", lr=0.3, max_iter=3, max_eval=4), "tanh", 20),
]


def _lbfgs(lib, options, steps=20, problem="least_squares"):
    w, b, x, y = _problem(lib)
    opt = lib.optim.LBFGS([w, b], **options)
    evaluations = []

    def closure():
        opt.zero_grad()
        if problem == "least_squares":
            loss = ((x @ w.T + b - y) ** 2).mean()
        else:  # non-convex: a tanh layer, so the line search has real work to do
            loss = ((lib.tanh(x @ w.T + b) * 2 - y) ** 2).mean() + (w**4).sum() * 1e-2
        loss.backward()
        evaluations.append(float(loss.detach()))
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(steps)]
    state = opt.state[w]
    return (w.detach().numpy().copy(), b.detach().numpy().copy()), losses, \
        (state["func_evals"], state["n_iter"], len(evaluations))


@needs_torch
@pytest.mark.parametrize("options,problem,steps", LBFGS_RUNS, ids=lambda v: str(v))
def test_lbfgs_steps_match_pytorch(options, problem, steps):
    params, losses, counts = _lbfgs(glassnet, options, steps, problem)
    params_t, losses_t, counts_t = _lbfgs(torch, options, steps, problem)
    _assert_same(params, params_t)
    np.testing.assert_allclose(losses, losses_t, rtol=1e-10, atol=1e-8)
    assert counts == counts_t


def test_lbfgs_solves_least_squares_and_updates_the_users_arrays():
    w, b, x, y = _problem(glassnet)
    alias = w.detach().numpy()  # the optimizer must change this very array
    opt = optim.LBFGS([w, b], line_search_fn="strong_wolfe", tolerance_grad=1e-10,
                      tolerance_change=0.0)

    def closure():
        opt.zero_grad()
        loss = ((x @ w.T + b - y) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(closure)
    design = np.hstack([x.numpy(), np.ones((8, 1))])
    solution = np.linalg.lstsq(design, y.numpy(), rcond=None)[0]
    np.testing.assert_allclose(alias, solution[:4].T, atol=1e-8)
    np.testing.assert_allclose(b.detach().numpy(), solution[4], atol=1e-8)


def test_lbfgs_refuses_bad_arguments():
    w = glassnet.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="invalid learning rate lr=-1"):
        optim.LBFGS([w], lr=-1)
    with pytest.raises(ValueError, match="max_iter must be a positive integer, got 0"):
        optim.LBFGS([w], max_iter=0)
    with pytest.raises(ValueError, match="history_size must be a positive integer"):
        optim.LBFGS([w], history_size=0)
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe', got "
                                         "'armijo'"):
        optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [w]}, {"params": [glassnet.ones(1, requires_grad=True)]}])
    with pytest.raises(TypeError, match="needs a closure"):
        optim.LBFGS([w]).step()


def test_lbfgs_state_dict_round_trip_continues_identically():
    def make():
        w, b, x, y = _problem(glassnet)
        opt = optim.LBFGS([w, b], lr=0.5, max_iter=3, history_size=4)

        def closure():
            opt.zero_grad()
            loss = ((glassnet.tanh(x @ w.T + b) * 2 - y) ** 2).mean()
            loss.backward()
            return loss
        return (w, b), opt, closure

    (w_a, b_a), opt_a, closure_a = make()
    opt_a.step(closure_a)
    (w_b, b_b), opt_b, closure_b = make()
    with glassnet.no_grad():
        w_b.copy_(w_a)
        b_b.copy_(b_a)
    opt_b.load_state_dict(opt_a.state_dict())
    for _ in range(3):
        opt_a.step(closure_a)
        opt_b.step(closure_b)
    np.testing.assert_array_equal(w_b.detach().numpy(), w_a.detach().numpy())
    assert opt_b.state[w_b]["n_iter"] == opt_a.state[w_a]["n_iter"] == 8  # 2 + 3 steps of 2
