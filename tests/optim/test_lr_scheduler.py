"""Learning-rate schedules agree with PyTorch's, epoch by epoch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.optim as optim

torch = pytest.importorskip("torch")

SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("LinearLR", dict(start_factor=0.25, total_iters=4)),
]


def _rates(lib, name, options, epochs=20):
    w = lib.ones(1, requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.1)
    scheduler = getattr(lib.optim.lr_scheduler, name)(opt, **options)
    rates = []
    for _ in range(epochs):
        opt.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
    return rates


@pytest.mark.parametrize("name,options", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_matches_pytorch(name, options):
    np.testing.assert_allclose(_rates(glassnet, name, options), _rates(torch, name, options),
                               rtol=1e-12, atol=1e-15)


def test_lambda_lr_matches_pytorch():
    options = dict(lr_lambda=lambda epoch: 1 / (1 + epoch))
    np.testing.assert_allclose(_rates(glassnet, "LambdaLR", options),
                               _rates(torch, "LambdaLR", options))


@pytest.mark.parametrize("options", [dict(patience=2, factor=0.5),
                                     dict(mode="max", patience=1, cooldown=2,
                                          threshold_mode="abs", threshold=0.01, min_lr=0.02)])
def test_reduce_on_plateau_matches_pytorch(options):
    metrics = [1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.8, 0.85, 0.86, 0.87, 0.88, 0.79, 0.8, 0.81]

    def run(lib):
        w = lib.ones(1, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
        rates = []
        for m in metrics:
            scheduler.step(m)
            rates.append(opt.param_groups[0]["lr"])
        return rates

    np.testing.assert_allclose(run(glassnet), run(torch))


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="needs an Optimizer"):
        optim.lr_scheduler.StepLR("not an optimizer", step_size=1)
