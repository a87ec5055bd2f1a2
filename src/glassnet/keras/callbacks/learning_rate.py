"""Callbacks that set the optimizer's learning rate between epochs: ``LearningRateScheduler``
(a function of the epoch) and ``ReduceLROnPlateau`` (cut it when progress stalls). Both log
the rate each epoch ran with as ``learning_rate``, as Keras 3 does."""

from __future__ import annotations

import numpy as np

from .callback import Callback
from .monitor import MonitorCallback, monitor_value


def _learning_rate(optimizer) -> float:
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(f"the optimizer must have a learning_rate attribute, got "
                         f"{type(optimizer).__name__}; compile the model with a keras "
                         f"optimizer first")
    return float(optimizer.learning_rate)


def _optimizers(model) -> list:
    """(name, optimizer) pairs: several for Keras' multi-optimizers, else one unnamed."""
    optimizer = model.optimizer
    inner = getattr(optimizer, "optimizers", None)
    if inner:
        return [(getattr(opt, "name", str(i)), opt) for i, opt in enumerate(inner)]
    return [("", optimizer)]


def log_learning_rates(model, logs) -> None:
    """Put the current rate(s) into ``logs``: ``learning_rate`` (or one
    ``learning_rate_<name>`` per optimizer of a multi-optimizer)."""
    if logs is None:
        return
    for name, optimizer in _optimizers(model):
        logs[f"learning_rate_{name}" if name else "learning_rate"] = _learning_rate(optimizer)


class LearningRateScheduler(Callback):
    """At the start of each epoch set the learning rate to ``schedule(epoch, lr)`` (or
    ``schedule(epoch)`` for a one-argument function), where ``epoch`` counts from 0 and ``lr``
    is the current rate; at its end, log the rate as ``learning_rate``.

    Args:
        schedule: a function returning a float; any other return value raises ValueError.
        verbose: 1 prints the rate set at each epoch.

    Example:
        >>> halve = LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.5)
    """

    def __init__(self, schedule, verbose=0) -> None:
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def _update(self, optimizer, epoch: int) -> float:
        current = _learning_rate(optimizer)
        try:
            rate = self.schedule(epoch, current)
        except TypeError:  # a schedule of the epoch alone, as Keras allows
            rate = self.schedule(epoch)
        if not isinstance(rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: "
                             f"{rate!r} (a {type(rate).__name__}); return e.g. float(rate)")
        optimizer.learning_rate = rate
        return rate

    def on_epoch_begin(self, epoch, logs=None):
        for name, optimizer in _optimizers(self.model):
            rate = self._update(optimizer, epoch)
            if self.verbose > 0:
                which = f" {name}" if name else ""
                print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting{which} learning "
                      f"rate to {rate}.")

    def on_epoch_end(self, epoch, logs=None):
        log_learning_rates(self.model, logs)


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` (never below ``min_lr``) once ``monitor`` has
    not improved by more than ``min_delta`` for ``patience`` epochs; then wait ``cooldown``
    epochs before counting again. Logs the rate each epoch ran with as ``learning_rate``.

    Keras' signature, less its ``**kwargs`` (Keras accepts and ignores any keyword there; here
    an unknown keyword raises TypeError).

    Example:
        >>> plateau = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=1e-4)
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received "
                             f"factor={factor}; a factor of 0.1 to 0.5 is usual")
        self.factor, self.min_lr, self.patience = factor, min_lr, patience
        self.verbose, self.cooldown = verbose, cooldown
        self.cooldown_counter = self.wait = 0

    def _reset(self) -> None:
        self.best = None
        self.cooldown_counter = self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _reduce(self, optimizer, epoch: int, name: str) -> bool:
        old = _learning_rate(optimizer)
        if old <= np.float32(self.min_lr):
            return False
        new = max(old * self.factor, self.min_lr)
        optimizer.learning_rate = new
        if self.verbose > 0:
            which = f" {name}" if name else ""
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{which} learning rate to "
                  f"{new}.")
        return True

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        log_learning_rates(self.model, logs)
        current = monitor_value(self, logs, self.monitor)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = [self._reduce(opt, epoch, name)
                           for name, opt in _optimizers(self.model)]
                if any(reduced):
                    self.cooldown_counter, self.wait = self.cooldown, 0
