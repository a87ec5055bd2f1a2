"""torch.distributions' Normal, Uniform, Bernoulli and Categorical, and kl_divergence of two
Normals: log_prob, entropy, moments and KL agree with PyTorch (float64, values and gradients);
samples have the stated shapes, dtypes and statistics; rsample carries the gradient."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet

try:
    import torch
except ImportError:  # the test-only oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
rng = np.random.default_rng(0)
LOC, SCALE = rng.standard_normal(4), np.abs(rng.standard_normal(4)) + 0.5
PROBS = rng.uniform(0.1, 0.9, 4)
LOGITS = rng.standard_normal((3, 5))
VALUES = rng.standard_normal(4)

CASES = {
    "Normal": (lambda d, a, b: d.Normal(a, b), [LOC, SCALE], VALUES),
    "Uniform": (lambda d, a, b: d.Uniform(a, a + b), [LOC, SCALE], LOC + 0.3 * SCALE),
    "Bernoulli-probs": (lambda d, p: d.Bernoulli(probs=p), [PROBS], np.array([1., 0, 1, 1])),
    "Bernoulli-logits": (lambda d, l: d.Bernoulli(logits=l), [LOC], np.array([0., 0, 1, 1])),
    "Categorical-logits": (lambda d, l: d.Categorical(logits=l), [LOGITS], np.array([4, 0, 2])),
    "Categorical-probs": (lambda d, p: d.Categorical(probs=p), [np.exp(LOGITS)],
                          np.array([1, 3, 2])),
}


def evaluate(lib, name):
    build, params, value = CASES[name]
    leaves = [lib.tensor(p, dtype=lib.float64, requires_grad=True) for p in params]
    dist = build(lib.distributions, *leaves)
    value = lib.tensor(value, dtype=lib.int64 if "Categorical" in name else lib.float64)
    results = [dist.log_prob(value), dist.entropy()]
    if "Categorical" not in name:
        results += [dist.mean, dist.variance, dist.stddev]
    total = sum((r * (i + 1)).sum() for i, r in enumerate(results))
    total.backward()
    return [r.detach().numpy() for r in results] + [leaf.grad.numpy() for leaf in leaves], dist


@needs_torch
@pytest.mark.parametrize("name", CASES)
def test_log_prob_entropy_and_moments_match_pytorch(name):
    ours, our_dist = evaluate(glassnet, name)
    theirs, their_dist = evaluate(torch, name)
    for mine, want in zip(ours, theirs):
        np.testing.assert_allclose(mine, want, rtol=1e-10, atol=1e-12)
    assert tuple(our_dist.batch_shape) == tuple(their_dist.batch_shape)


@needs_torch
def test_kl_divergence_of_two_normals_matches_pytorch():
    results = []
    for lib in (glassnet, torch):
        mu = lib.tensor(LOC, requires_grad=True)
        sigma = lib.tensor(SCALE, requires_grad=True)
        kl = lib.distributions.kl_divergence(lib.distributions.Normal(mu, sigma),
                                             lib.distributions.Normal(0.0, 1.0))
        kl.sum().backward()
        results.append([kl.detach().numpy(), mu.grad.numpy(), sigma.grad.numpy()])
    for mine, want in zip(*results):
        np.testing.assert_allclose(mine, want, rtol=1e-12)


def test_samples_have_the_shapes_and_statistics():
    glassnet.manual_seed(0)
    d = glassnet.distributions
    normal = d.Normal(glassnet.tensor([0.0, 5.0]), glassnet.tensor([1.0, 2.0]))
    draws = normal.sample((20000,))
    assert tuple(draws.shape) == (20000, 2) and not draws.requires_grad
    np.testing.assert_allclose(draws.numpy().mean(0), [0, 5], atol=0.05)
    np.testing.assert_allclose(draws.numpy().std(0), [1, 2], atol=0.05)
    flips = d.Bernoulli(probs=glassnet.tensor(0.3)).sample((20000,)).numpy()
    assert set(np.unique(flips)) <= {0.0, 1.0} and abs(flips.mean() - 0.3) < 0.02
    cat = d.Categorical(probs=glassnet.tensor([0.2, 0.5, 0.3])).sample((30000,))
    assert cat.dtype == glassnet.int64
    np.testing.assert_allclose(np.bincount(cat.numpy(), minlength=3) / 30000, [0.2, 0.5, 0.3],
                               atol=0.015)
    uniform = d.Uniform(-1.0, 3.0).sample((1000,)).numpy()
    assert uniform.min() >= -1 and uniform.max() < 3


def test_rsample_carries_the_gradient_for_a_vae():
    glassnet.manual_seed(0)
    mu = glassnet.zeros(3, requires_grad=True)
    log_var = glassnet.zeros(3, requires_grad=True)
    z = glassnet.distributions.Normal(mu, (0.5 * log_var).exp()).rsample()
    (z ** 2).sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), 2 * z.detach().numpy())
    assert np.abs(log_var.grad.numpy()).sum() > 0
    with pytest.raises(NotImplementedError, match="no reparameterised sample"):
        glassnet.distributions.Bernoulli(probs=0.5).rsample()


def test_reinforce_raises_the_probability_of_rewarded_actions():
    glassnet.manual_seed(0)
    logits = glassnet.zeros(3, requires_grad=True)
    optimizer = glassnet.optim.SGD([logits], lr=0.5)
    for _ in range(50):
        policy = glassnet.distributions.Categorical(logits=logits)
        action = policy.sample()
        reward = 1.0 if int(action) == 2 else 0.0
        loss = -policy.log_prob(action) * reward
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert glassnet.distributions.Categorical(logits=logits).probs.detach().numpy()[2] > 0.8


def test_invalid_arguments_are_refused():
    with pytest.raises(ValueError, match="scale > 0"):
        glassnet.distributions.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="either probs or logits"):
        glassnet.distributions.Bernoulli()
    with pytest.raises(NotImplementedError, match="only Normal"):
        glassnet.distributions.kl_divergence(glassnet.distributions.Bernoulli(probs=0.5),
                                             glassnet.distributions.Bernoulli(probs=0.2))
