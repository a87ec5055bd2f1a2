"""Callbacks that report: ``CSVLogger`` (one CSV row per epoch), ``ProgbarLogger`` (the
progress bar ``fit`` prints) and ``TerminateOnNaN`` (stop when the loss stops being a
number)."""

from __future__ import annotations

import collections.abc
import csv
import os
import sys
import time

import numpy as np

from .callback import Callback


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file: an ``epoch`` column (from 0), then the
    log keys sorted; when the first epoch has no ``val_`` keys, ``val_`` columns are added for
    every key anyway and filled with ``NA``, as Keras does.

    Args:
        filename: the CSV file.
        separator: the column separator.
        append: add to an existing file (its header is kept) instead of overwriting it.

    Example:
        >>> logger = CSVLogger("training.log", separator=";", append=True)
    """

    def __init__(self, filename, separator=",", append=False) -> None:
        super().__init__()
        self.sep, self.filename, self.append = separator, os.fspath(filename), append
        self.writer = self.keys = self.csv_file = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as handle:
                    self.append_header = not bool(len(handle.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode)  # noqa: SIM115 - open for the whole fit
        self.writer = self.keys = None

    @staticmethod
    def _value(value):
        if isinstance(value, str):
            return value
        if isinstance(value, collections.abc.Iterable) and not (
                isinstance(value, np.ndarray) and value.ndim == 0):
            return f'"[{", ".join(map(str, value))}]"'
        return value

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys.extend([f"val_{key}" for key in self.keys])
        if self.writer is None:
            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys],
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch, **{key: self._value(logs.get(key, "NA")) for key in self.keys}}
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite: set
    ``model.stop_training`` (the epoch's batch loop ends), or with ``raise_error=True`` raise
    RuntimeError at once, so no later callback (a checkpoint, say) runs on broken weights."""

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or not (np.isnan(loss) or np.isinf(loss)):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                               f"{loss}. Terminating training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True


def _format_time(seconds_per_step: float) -> str:
    """Keras' unit choice: `` 3ms/step``, `` 2s/step`` or `` 250us/step``."""
    if seconds_per_step >= 1 or seconds_per_step == 0:
        return f" {seconds_per_step:.0f}s/step"
    if seconds_per_step >= 1e-3:
        return f" {seconds_per_step * 1e3:.0f}ms/step"
    return f" {seconds_per_step * 1e6:.0f}us/step"


def _format_logs(logs) -> str:
    parts = []
    for key, value in (logs or {}).items():
        if isinstance(value, (int, float, np.number)):
            text = f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"
        else:
            continue
        parts.append(f"{key}: {text}")
    return "".join(f" - {part}" for part in parts)


class ProgbarLogger(Callback):
    """The progress display of ``fit``, ``evaluate`` and ``predict``: with ``verbose=1`` a
    bar per epoch (redrawn in place on a terminal, the final line only otherwise), with
    ``verbose=2`` one line per epoch. ``verbose``, ``epochs`` and ``steps`` come from
    ``set_params``, as in Keras; ``fit`` adds one unless ``verbose=0``."""

    def __init__(self) -> None:
        super().__init__()
        self.verbose, self.epochs, self.target = 1, 1, None
        self.seen = 0
        self._stream = None
        self._called_in_fit = False
        self._start = self._last_draw = 0.0

    @property
    def stream(self):
        """Where the bar goes: ``sys.stdout`` as it is when printing, unless set."""
        return self._stream or sys.stdout

    @stream.setter
    def stream(self, stream) -> None:
        self._stream = stream

    def set_params(self, params) -> None:
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _reset(self) -> None:
        self.seen = 0
        self._start = time.perf_counter()
        self._last_draw = 0.0

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", file=self.stream)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset()

    def on_predict_begin(self, logs=None):
        self._reset()

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_end(self, logs=None):
        self._finalize(logs)

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def _counter(self, current: int) -> str:
        target = self.target or current
        return f"{current:>{len(str(target))}d}/{target}"

    def _bar(self, current: int) -> str:
        target = self.target or current
        done = int(20 * current / max(target, 1))
        return f"{self._counter(current)} {'━' * done}{' ' * (20 - done)}"

    def _update(self, batch: int, logs) -> None:
        self.seen = batch + 1
        if self.verbose != 1 or not self.stream.isatty():
            return
        now = time.perf_counter()
        if now - self._last_draw > 0.1:
            self.stream.write(f"\r{self._bar(self.seen)} {now - self._start:.0f}s"
                              f"{_format_logs(logs)}")
            self.stream.flush()
            self._last_draw = now

    def _finalize(self, logs) -> None:
        if not self.verbose:
            return
        if self.target is None:
            self.target = self.seen
        seconds = time.perf_counter() - self._start
        steps = self.target or self.seen
        per_step = _format_time(seconds / max(steps, 1))
        if self.verbose == 1:
            start = "\r" if self.stream.isatty() else ""
            self.stream.write(f"{start}{self._bar(steps)} {seconds:.0f}s{per_step}"
                              f"{_format_logs(logs)}\n")
        else:
            self.stream.write(f"{self._counter(steps)} - {seconds:.0f}s -{per_step}"
                              f"{_format_logs(logs)}\n")
        self.stream.flush()
