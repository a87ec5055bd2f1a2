"""OneCycleLR, CyclicLR, CosineAnnealingWarmRestarts, SequentialLR, ConstantLR, PolynomialLR:
rates (and cycled momenta) agree with PyTorch's step by step."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.optim as optim
from glassnet.optim import lr_scheduler

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")


def _schedule(lib, optimizer, options, make, steps=30):
    """Rates and momenta seen after each of ``steps`` (optimizer.step, scheduler.step)."""
    w = lib.ones(2, requires_grad=True)
    groups = [{"params": [w]}, {"params": [lib.ones(1, requires_grad=True)], "lr": 0.05}]
    opt = getattr(lib.optim, optimizer)(groups, **options)
    scheduler = make(lib, opt)
    seen = [_read(opt)]
    for _ in range(steps):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        scheduler.step()
        seen.append(_read(opt))
    return np.array(seen), scheduler.get_last_lr()


def _read(opt):
    """Every group's rate and momentum (SGD's momentum or Adam's β₁)."""
    seen = []
    for group in opt.param_groups:
        momentum = group["betas"][0] if "betas" in group else group.get("momentum", 0.0)
        seen += [group["lr"], momentum]
    return seen


def _agree(optimizer, options, make, steps=30):
    ours, last_ours = _schedule(glassnet, optimizer, options, make, steps)
    theirs, last_theirs = _schedule(torch, optimizer, options, make, steps)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(last_ours, last_theirs, rtol=1e-12, atol=1e-15)


SGD, MOMENTUM, ADAM = ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)), \
    ("Adam", dict(lr=0.01))

ONE_CYCLE = [
    (SGD, dict(max_lr=1.0, total_steps=30, cycle_momentum=False)),
    (MOMENTUM, dict(max_lr=1.0, total_steps=30)),
    (ADAM, dict(max_lr=0.1, epochs=3, steps_per_epoch=10, pct_start=0.25)),
    (MOMENTUM, dict(max_lr=0.5, total_steps=30, anneal_strategy="linear", div_factor=10.0,
                    final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9)),
    (ADAM, dict(max_lr=0.1, total_steps=30, three_phase=True)),
    (MOMENTUM, dict(max_lr=[0.4, 0.2], total_steps=31, three_phase=True,
                    anneal_strategy="linear", pct_start=0.4, base_momentum=[0.8, 0.7])),
]


@needs_torch
@pytest.mark.parametrize("opt,options", ONE_CYCLE, ids=lambda v: str(v))
def test_one_cycle_matches_pytorch(opt, options):
    n = options.get("total_steps") or options["epochs"] * options["steps_per_epoch"]
    _agree(*opt, lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, **options), steps=n)


CYCLIC = [
    (SGD, dict(base_lr=0.01, max_lr=0.1, step_size_up=4, cycle_momentum=False)),
    (MOMENTUM, dict(base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=6)),
    (MOMENTUM, dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2")),
    (ADAM, dict(base_lr=0.001, max_lr=0.01, step_size_up=5, mode="exp_range", gamma=0.95,
                base_momentum=0.85, max_momentum=0.95)),
    (MOMENTUM, dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=2,
                    scale_fn=lambda x: 0.9**x, scale_mode="iterations")),
]


@needs_torch
@pytest.mark.parametrize("opt,options", CYCLIC, ids=lambda v: str(v))
def test_cyclic_matches_pytorch(opt, options):
    _agree(*opt, lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, **options))


WARM_RESTARTS = [dict(T_0=5), dict(T_0=3, T_mult=2, eta_min=0.001), dict(T_0=4, T_mult=3)]


@needs_torch
@pytest.mark.parametrize("options", WARM_RESTARTS, ids=lambda v: str(v))
def test_cosine_warm_restarts_matches_pytorch(options):
    _agree(*SGD, lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, **options))


@needs_torch
@pytest.mark.parametrize("options", WARM_RESTARTS, ids=lambda v: str(v))
def test_cosine_warm_restarts_with_fractional_epochs_matches_pytorch(options):
    def run(lib):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.1)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, **options)
        rates = []
        for epoch in range(12):
            for i in range(4):
                scheduler.step(epoch + i / 4)
                rates.append(scheduler.get_last_lr()[0])
        scheduler.step()  # and on again by whole epochs
        rates.append(scheduler.get_last_lr()[0])
        return rates

    np.testing.assert_allclose(run(glassnet), run(torch), rtol=1e-12, atol=1e-15)


SIMPLE = [("ConstantLR", dict()), ("ConstantLR", dict(factor=0.5, total_iters=3)),
          ("ConstantLR", dict(factor=0.25, total_iters=1)),
          ("PolynomialLR", dict()), ("PolynomialLR", dict(total_iters=10, power=2.0)),
          ("PolynomialLR", dict(total_iters=8, power=0.5))]


@needs_torch
@pytest.mark.parametrize("name,options", SIMPLE, ids=lambda v: str(v))
def test_constant_and_polynomial_match_pytorch(name, options):
    _agree(*SGD, lambda lib, o: getattr(lib.optim.lr_scheduler, name)(o, **options))


def test_constant_lr_with_factor_zero_pauses_then_restores_the_rate():
    # PyTorch's chained form divides by the factor at total_iters and raises ZeroDivisionError;
    # its closed form (and ours) gives the base rate back
    opt = _sgd()
    scheduler = lr_scheduler.ConstantLR(opt, factor=0.0, total_iters=2)
    rates = [scheduler.get_last_lr()[0]]
    for _ in range(3):
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
    assert rates == [0.0, 0.0, 0.1, 0.1]


SEQUENCES = [
    # (first, second[, third], milestones): the classic warm-up then decay, and others
    ([("LinearLR", dict(start_factor=0.1, total_iters=5)),
      ("CosineAnnealingLR", dict(T_max=15))], [5]),
    ([("ConstantLR", dict(factor=0.2, total_iters=10)), ("ExponentialLR", dict(gamma=0.9))],
     [3]),
    ([("ConstantLR", dict(factor=0.5, total_iters=2)), ("StepLR", dict(step_size=3)),
      ("PolynomialLR", dict(total_iters=6, power=2.0))], [4, 12]),
    ([("LinearLR", dict(start_factor=0.25, total_iters=4)),
      ("CosineAnnealingWarmRestarts", dict(T_0=4, T_mult=2))], [4]),
]


def _sequence(parts, milestones):
    def make(lib, opt):
        module = lib.optim.lr_scheduler
        schedulers = [getattr(module, name)(opt, **options) for name, options in parts]
        return module.SequentialLR(opt, schedulers, milestones=milestones)
    return make


@needs_torch
@pytest.mark.parametrize("parts,milestones", SEQUENCES, ids=lambda v: str(v))
def test_sequential_matches_pytorch(parts, milestones):
    _agree(*SGD, _sequence(parts, milestones))


def test_sequential_state_dict_round_trip_continues_identically():
    make = _sequence(*SEQUENCES[2])

    def fresh():
        opt = optim.SGD([glassnet.ones(1, requires_grad=True)], lr=0.1)
        return opt, make(glassnet, opt)

    opt_a, a = fresh()
    for _ in range(6):
        a.step()
    opt_b, b = fresh()
    b.load_state_dict(a.state_dict())
    opt_b.param_groups[0]["lr"] = opt_a.param_groups[0]["lr"]
    for _ in range(10):
        a.step()
        b.step()
        assert b.get_last_lr() == a.get_last_lr()
    assert isinstance(a.state_dict()["_schedulers"][1], dict)


@pytest.mark.parametrize("make", [
    lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=20, three_phase=True),
    lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3,
                                    mode="triangular2"),
    lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    lambda o: lr_scheduler.PolynomialLR(o, total_iters=10, power=2.0),
], ids=["OneCycleLR", "CyclicLR", "CosineAnnealingWarmRestarts", "PolynomialLR"])
def test_state_dict_round_trip_continues_identically(make):
    def fresh():
        opt = optim.SGD([glassnet.ones(1, requires_grad=True)], lr=0.1, momentum=0.9)
        return opt, make(opt)

    opt_a, a = fresh()
    for _ in range(7):
        a.step()
    opt_b, b = fresh()
    b.load_state_dict(a.state_dict())
    for _ in range(10):
        a.step()
        b.step()
        assert b.get_last_lr() == a.get_last_lr()
        assert opt_b.param_groups[0]["momentum"] == opt_a.param_groups[0]["momentum"]


# ----- one clear line for each bad argument --------------------------------------------------
def _sgd(**options):
    return optim.SGD([glassnet.ones(1, requires_grad=True)], lr=0.1, **options)


@pytest.mark.parametrize("make,message", [
    (lambda: lr_scheduler.OneCycleLR(_sgd(), max_lr=1.0), "either total_steps OR"),
    (lambda: lr_scheduler.OneCycleLR(_sgd(), max_lr=1.0, total_steps=0),
     "positive integer total_steps, got 0"),
    (lambda: lr_scheduler.OneCycleLR(_sgd(), max_lr=1.0, epochs=2, steps_per_epoch=0),
     "positive integer steps_per_epoch, got 0"),
    (lambda: lr_scheduler.OneCycleLR(_sgd(), max_lr=1.0, epochs=2.5, steps_per_epoch=3),
     "positive integer epochs, got 2.5"),
    (lambda: lr_scheduler.OneCycleLR(_sgd(), max_lr=1.0, total_steps=10, pct_start=1.5),
     "between 0 and 1 pct_start, got 1.5"),
    (lambda: lr_scheduler.OneCycleLR(_sgd(), max_lr=1.0, total_steps=10,
                                     anneal_strategy="exp"), "'cos' or 'linear', got 'exp'"),
    (lambda: lr_scheduler.OneCycleLR(_sgd(), max_lr=[1.0, 2.0], total_steps=10),
     "one value per parameter group: got 2 values for 1 groups"),
    (lambda: lr_scheduler.OneCycleLR(optim.Adagrad([glassnet.ones(1, requires_grad=True)]),
                                     max_lr=1.0, total_steps=10),
     "must support momentum or beta1.*Adagrad has neither"),
    (lambda: lr_scheduler.CyclicLR(_sgd(), 0.01, 0.1, mode="sawtooth"),
     "'triangular', 'triangular2' or 'exp_range'.*got 'sawtooth'"),
    (lambda: lr_scheduler.CyclicLR(_sgd(), 0.01, 0.1, step_size_up=0),
     "step_size_up must be > 0"),
    (lambda: lr_scheduler.CyclicLR(_sgd(), 0.01, 0.1, scale_fn=abs, scale_mode="epochs"),
     "scale_mode must be 'cycle' or 'iterations'"),
    (lambda: lr_scheduler.CyclicLR(optim.Adagrad([glassnet.ones(1, requires_grad=True)]),
                                   0.01, 0.1), "must support momentum or beta1"),
    (lambda: lr_scheduler.CosineAnnealingWarmRestarts(_sgd(), T_0=0),
     "positive integer T_0, got 0"),
    (lambda: lr_scheduler.CosineAnnealingWarmRestarts(_sgd(), T_0=2, T_mult=1.5),
     "integer T_mult >= 1, got 1.5"),
    (lambda: lr_scheduler.CosineAnnealingWarmRestarts(_sgd(), T_0=2, eta_min="0"),
     "float or int eta_min"),
    (lambda: lr_scheduler.CosineAnnealingWarmRestarts(_sgd(), T_0=2).step(-1),
     "non-negative epoch, got -1"),
    (lambda: lr_scheduler.ConstantLR(_sgd(), factor=1.5), r"factor must be in \[0, 1\], got 1.5"),
    (lambda: lr_scheduler.ConstantLR(_sgd(), total_iters=-1), "total_iters must be an integer"),
    (lambda: lr_scheduler.PolynomialLR(_sgd(), total_iters=2.5),
     "total_iters must be an integer >= 0, got 2.5"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_arguments_are_refused_in_one_line(make, message):
    with pytest.raises(ValueError, match=message) as info:
        make()
    assert "\n" not in str(info.value)


def test_one_cycle_refuses_steps_past_total_steps():
    scheduler = lr_scheduler.OneCycleLR(_sgd(momentum=0.9), max_lr=1.0, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="tried to step 4 times, but total_steps is 3"):
        scheduler.step()


def test_sequential_refuses_bad_arguments():
    opt = _sgd()
    first = lr_scheduler.ConstantLR(opt)
    with pytest.raises(ValueError, match="at least one scheduler"):
        lr_scheduler.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="one milestone fewer than schedulers, got 2 "
                                         "schedulers and 2 milestones"):
        lr_scheduler.SequentialLR(opt, [first, lr_scheduler.ExponentialLR(opt, 0.9)], [2, 3])
    with pytest.raises(ValueError, match=r"schedulers\[1\] \(StepLR\) has another one"):
        lr_scheduler.SequentialLR(opt, [first, lr_scheduler.StepLR(_sgd(), 2)], [2])
    with pytest.raises(ValueError, match="does not support ReduceLROnPlateau"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ReduceLROnPlateau(opt)], [])
    with pytest.raises(TypeError, match=r"schedulers\[0\] should be a learning-rate scheduler"):
        lr_scheduler.SequentialLR(opt, ["warmup"], [])
