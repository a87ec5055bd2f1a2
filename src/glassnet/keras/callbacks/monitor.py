"""Callbacks that watch one logged quantity: the shared rule (``MonitorCallback``: which way is
better, what counts as an improvement) and ``EarlyStopping``.

Keras 3's rule, line for line, with one difference: a ``monitor`` missing from the epoch logs
raises, listing the keys that exist, where Keras only warns (and then never stops, or saves
every epoch), which hides a typo such as ``monitor="val_acc"`` for ``val_accuracy``.
"""

from __future__ import annotations

from .callback import Callback

_MAXIMIZED = ("acc", "auc", "precision", "recall", "f1", "iou")
_MINIMIZED = ("loss", "error", "crossentropy", "hinge", "divergence", "mae", "mse",
              "rmse", "mape", "msle", "huber", "poisson")


def monitor_value(callback, logs, monitor: str):
    """The monitored value; a missing key raises KeyError naming the keys that exist."""
    logs = logs or {}
    if monitor not in logs:
        raise KeyError(
            f"{type(callback).__name__}: monitor={monitor!r} is not in the epoch logs; "
            f"available: {', '.join(sorted(logs)) or 'none'}. For val_ metrics pass "
            f"validation_data or validation_split to fit()."
        )
    return logs[monitor]


def direction(mode: str, monitor: str, model=None) -> str:
    """``"min"`` or ``"max"``: ``mode`` if given; in auto mode ``loss`` is minimised, a
    compiled metric object's ``_direction`` ("up"/"down", as Keras' metrics carry) decides,
    and otherwise the name does (accuracy, AUC, precision, recall up; errors and losses
    down)."""
    if mode in ("min", "max"):
        return mode
    name = monitor.removeprefix("val_")
    if name == "loss":
        return "min"
    for metric in getattr(model, "metrics", None) or []:
        if getattr(metric, "name", None) == name and hasattr(metric, "_direction"):
            return "max" if metric._direction == "up" else "min"
    if any(part in name for part in _MAXIMIZED):
        return "max"
    if any(part in name for part in _MINIMIZED):
        return "min"
    raise ValueError(f"cannot tell whether {monitor!r} should go up or down; pass mode='min' "
                     f"or mode='max'")


class MonitorCallback(Callback):
    """Base of the callbacks that watch ``monitor``: it improved when it beat the best value
    so far by more than ``min_delta`` (lower in "min" mode, higher in "max" mode); the first
    value always improves on ``best=None``.

    Args:
        monitor: the log key to watch, e.g. ``"val_loss"`` or ``"accuracy"``.
        mode: ``"auto"``, ``"min"`` or ``"max"``; auto infers it from the name.
        baseline: the starting best value (None: the first value seen).
        min_delta: how much better counts as better.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{type(self).__name__}: mode must be 'auto', 'min' or 'max', "
                             f"got {mode!r}")
        self.monitor, self.mode = monitor, mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self) -> None:
        less = direction(self.mode, self.monitor, self.model) == "min"
        self.monitor_op = (lambda a, b: a < b) if less else (lambda a, b: a > b)
        self._less = less

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        if self.monitor_op is None:
            self._set_monitor_op()
        if reference_value is None:
            return True
        delta = -self.min_delta if self._less else self.min_delta
        return bool(self.monitor_op(monitor_value - delta, reference_value))


class EarlyStopping(MonitorCallback):
    """Stop training when ``monitor`` has not improved by more than ``min_delta`` for
    ``patience`` epochs, counting from ``start_from_epoch``.

    With ``baseline``, an improvement resets the wait only if it also beats the baseline. With
    ``restore_best_weights``, the best epoch's weights are put back at the end of training,
    also when patience never ran out (Keras 3's rule). Never stops after the first epoch.

    Example:
        >>> stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best = None
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = monitor_value(self, logs, self.monitor)
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # so far, the current are the best
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        return monitor_value(self, logs, self.monitor)

