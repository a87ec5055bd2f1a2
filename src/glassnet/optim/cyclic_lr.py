"""Cyclic learning-rate schedules: rates (and momenta) that go up and down, by batch or epoch.

``CyclicLR`` (Smith, 2017) and ``OneCycleLR`` (Smith & Topin, 2018) are meant to be stepped
after every batch, and move the momentum opposite to the rate when ``cycle_momentum`` is on
(SGD's ``momentum`` or Adam's β₁). ``CosineAnnealingWarmRestarts`` (SGDR, Loshchilov & Hutter,
2017) anneals along a cosine and restarts, each period T_mult times the last. These classes are
also found in ``glassnet.optim.lr_scheduler``, as in PyTorch.
"""

from __future__ import annotations

import math

from .lr_scheduler import LRScheduler


def per_group(name: str, optimizer, value) -> list:
    """One value per parameter group: a list or tuple of that length, or one value for all."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{name} must have one value per parameter group: got {len(value)} "
                             f"values for {groups} groups")
        return list(value)
    return [value] * groups


def check_momentum(name: str, optimizer) -> bool:
    """True if the optimizer's momentum is β₁ (Adam), False if it is ``momentum`` (SGD)."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"{name}: optimizer must support momentum or beta1 with "
                         f"`cycle_momentum` option enabled; {type(optimizer).__name__} has "
                         f"neither, so pass cycle_momentum=False")
    return "betas" in optimizer.defaults


def set_momentum(group: dict, momentum: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


class CyclicLR(LRScheduler):
    """The rate climbs linearly from base_lr to max_lr in step_size_up steps, falls back in
    step_size_down steps, and repeats; the height of each cycle is scaled by ``mode``:
    'triangular' keeps it, 'triangular2' halves it every cycle, 'exp_range' multiplies it by
    γ^step. With ``cycle_momentum`` the momentum moves the opposite way, max_momentum down to
    base_momentum. Call ``step()`` after every batch.

    In words, with x the position in the cycle scaled to [0, 1] and s = step_size_up/cycle:
    scale = x/s while climbing, (x - 1)/(s - 1) while falling; η = base_lr + (max_lr -
    base_lr)·scale·f, where f = scale_fn(cycle number) or scale_fn(step) (``scale_mode``).

    Example:
        >>> import glassnet
        >>> from glassnet.optim.lr_scheduler import CyclicLR
        >>> opt = glassnet.optim.SGD([glassnet.ones(1, requires_grad=True)], lr=0.1, momentum=0.9)
        >>> scheduler = CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2)
        >>> rates = [round(scheduler.get_last_lr()[0], 4)]
        >>> for _ in range(4):
        ...     opt.step(); scheduler.step(); rates.append(round(scheduler.get_last_lr()[0], 4))
        >>> rates, round(opt.param_groups[0]["momentum"], 4)
        ([0.1, 0.3, 0.5, 0.3, 0.1], 0.9)
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn=None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum=0.8, max_momentum=0.9,
                 last_epoch: int = -1):
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode must be 'triangular', 'triangular2' or "
                             f"'exp_range' (or pass scale_fn), got {mode!r}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got "
                             f"{scale_mode!r}")
        if step_size_up <= 0 or (step_size_down is not None and step_size_down < 0):
            raise ValueError(f"CyclicLR: step_size_up must be > 0 and step_size_down >= 0, got "
                             f"{step_size_up} and {step_size_down}")
        base_lrs = per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = per_group("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        # the built-in modes fix their scale_mode, as in PyTorch
        self.scale_mode = scale_mode if scale_fn is not None else \
            ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = check_momentum("CyclicLR", optimizer)
            self.base_momentums = per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for high, low, group in zip(self.max_momentums, self.base_momentums,
                                            optimizer.param_groups):
                    set_momentum(group, high, self.use_beta1)
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        """The height factor of cycle (or step) x."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        factor = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (high - base) * scale * factor
               for base, high in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums,
                                        self.max_momentums):
                set_momentum(group, high - (high - low) * scale * factor, self.use_beta1)
        return lrs


class OneCycleLR(LRScheduler):
    """One cycle over ``total_steps`` batches: warm up from max_lr/div_factor to max_lr during
    the first pct_start of the steps, then anneal to initial_lr/final_div_factor (with
    ``three_phase``: back down to the initial rate symmetrically first, then to the minimum).
    Momentum moves the opposite way, max_momentum → base_momentum → max_momentum.

    In words: within a phase from step a to step b, the fraction p = (t - a)/(b - a); the
    rate goes from start to end along a half cosine, end + (start - end)·(1 + cos πp)/2
    ('cos'), or a straight line, start + (end - start)·p ('linear').

    Example:
        >>> import glassnet
        >>> from glassnet.optim.lr_scheduler import OneCycleLR
        >>> opt = glassnet.optim.SGD([glassnet.ones(1, requires_grad=True)], lr=0.1, momentum=0.9)
        >>> scheduler = OneCycleLR(opt, max_lr=1.0, total_steps=10)
        >>> rates = [round(scheduler.get_last_lr()[0], 4)]
        >>> for _ in range(9):
        ...     opt.step(); scheduler.step(); rates.append(round(scheduler.get_last_lr()[0], 4))
        >>> rates
        [0.04, 0.52, 1.0, 0.9505, 0.8117, 0.6113, 0.3887, 0.1883, 0.0495, 0.0]
    """

    def __init__(self, optimizer, max_lr, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum=0.85, max_momentum=0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False, last_epoch: int = -1):
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"OneCycleLR: expected a positive integer total_steps, got "
                                 f"{total_steps!r}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if not isinstance(value, int) or value <= 0:
                    raise ValueError(f"OneCycleLR: expected a positive integer {name}, got "
                                     f"{value!r}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: you must define either total_steps OR (epochs AND "
                             "steps_per_epoch)")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: expected a float between 0 and 1 pct_start, got "
                             f"{pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', "
                             f"got {anneal_strategy!r}")
        self._anneal_func_type = anneal_strategy
        warmup_end = float(pct_start * self.total_steps) - 1
        # (end step, start, end) per phase; names are group keys, rates then momenta
        if three_phase:
            self._schedule_phases = [
                dict(end_step=warmup_end, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=float(2 * pct_start * self.total_steps) - 2, start_lr="max_lr",
                     end_lr="initial_lr", start_momentum="base_momentum",
                     end_momentum="max_momentum"),
                dict(end_step=self.total_steps - 1, start_lr="initial_lr", end_lr="min_lr",
                     start_momentum="max_momentum", end_momentum="max_momentum"),
            ]
        else:
            self._schedule_phases = [
                dict(end_step=warmup_end, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=self.total_steps - 1, start_lr="max_lr", end_lr="min_lr",
                     start_momentum="base_momentum", end_momentum="max_momentum"),
            ]
        max_lrs = per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for high, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = high / div_factor
                group["max_lr"] = high
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = check_momentum("OneCycleLR", optimizer)
            highs = per_group("max_momentum", optimizer, max_momentum)
            lows = per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for high, low, group in zip(highs, lows, optimizer.param_groups):
                    set_momentum(group, high, self.use_beta1)
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times, but total_steps is "
                             f"{self.total_steps}; make total_steps (or epochs * "
                             f"steps_per_epoch) cover every scheduler.step()")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]],
                                            pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]],
                                                group[phase["end_momentum"]], pct)
                        set_momentum(group, momentum, self.use_beta1)
                    break
                start_step = phase["end_step"]
        return lrs


class CosineAnnealingWarmRestarts(LRScheduler):
    """η = η_min + (η₀ - η_min)·(1 + cos(π·T_cur/T_i))/2, where T_cur counts epochs since the
    last restart and T_i is the current period: T_0 at first, times T_mult after each restart.
    ``step(epoch)`` accepts fractional epochs (e.g. ``epoch + i / iters`` within an epoch).

    Example:
        >>> import glassnet
        >>> from glassnet.optim.lr_scheduler import CosineAnnealingWarmRestarts
        >>> opt = glassnet.optim.SGD([glassnet.ones(1, requires_grad=True)], lr=0.1)
        >>> scheduler = CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
        >>> rates = [round(scheduler.get_last_lr()[0], 4)]
        >>> for _ in range(6):
        ...     opt.step(); scheduler.step(); rates.append(round(scheduler.get_last_lr()[0], 4))
        >>> rates  # periods of 2, then 4 epochs
        [0.1, 0.05, 0.1, 0.0854, 0.05, 0.0146, 0.1]
    """

    def __init__(self, optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1):
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected a positive integer T_0, "
                             f"got {T_0!r}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected an integer T_mult >= 1, "
                             f"got {T_mult!r}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"CosineAnnealingWarmRestarts: expected a float or int eta_min, "
                             f"got {eta_min!r} of type {type(eta_min).__name__}")
        self.T_0 = self.T_i = T_0
        self.T_mult, self.eta_min = T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2 for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Next epoch, or jump to ``epoch`` (which may be fractional)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts: expected a non-negative epoch, "
                                 f"got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    # restarts so far: the n with T_0·(T_mult^n - 1)/(T_mult - 1) ≤ epoch
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
