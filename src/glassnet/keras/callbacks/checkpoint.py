"""Callbacks that write the model to disk during ``fit``: ``ModelCheckpoint`` (keep the model
or its weights, every epoch or the best one) and ``BackupAndRestore`` (resume a ``fit`` that
was interrupted).

Every file goes through ``save_atomically``: the model writes into a fresh temporary folder
beside the target, under the target's own name (so a writer that picks the format from the
suffix, ``.keras`` or ``.weights.h5``, sees the real one), and the finished file is renamed
over the target. A crash or Ctrl-C mid-save leaves the previous checkpoint whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import numpy as np

from ..._files import write_bytes_atomically
from .callback import Callback
from .monitor import MonitorCallback, monitor_value

WEIGHT_SUFFIXES = (".weights.h5", ".safetensors")
MODEL_SUFFIXES = (".keras", ".h5", ".safetensors")


def save_atomically(save, path: str) -> None:
    """Call ``save(temporary_path)`` (e.g. ``model.save``), then rename the file to ``path``;
    ``path``'s folder is made if missing. Nothing is left behind if ``save`` fails."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    scratch = tempfile.mkdtemp(dir=folder, prefix=".saving-")
    try:
        temporary = os.path.join(scratch, os.path.basename(path))
        save(temporary)
        os.replace(temporary, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _check_save_freq(owner: str, save_freq) -> None:
    if save_freq == "epoch":
        return
    if isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1:
        raise ValueError(f"{owner}: save_freq must be 'epoch' or a whole number of batches "
                         f"of at least 1, got {save_freq!r}")


class _BatchCounter:
    """Counts training batches across epochs for ``save_freq=N`` (Keras' rule: a batch index
    that does not grow means a new epoch began)."""

    def __init__(self) -> None:
        self.since_save, self.last_batch = 0, None

    def due(self, batch: int, every: int) -> bool:
        if self.last_batch is None or batch <= self.last_batch:
            self.since_save += batch + 1
        else:
            self.since_save += batch - self.last_batch
        self.last_batch = batch
        if self.since_save >= every:
            self.since_save = 0
            return True
        return False


class ModelCheckpoint(MonitorCallback):
    """Save the model (or only its weights) during training: after every epoch, or every
    ``save_freq`` batches; with ``save_best_only``, only when ``monitor`` improved on the best
    value so far (or on ``initial_value_threshold``).

    ``filepath`` may hold ``{epoch:02d}`` (counted from 1), ``{batch}`` (with an integer
    ``save_freq``) and any log key, e.g. ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. As in
    Keras, a full model needs a ``.keras`` (or legacy ``.h5``) path and ``save_weights_only``
    a ``.weights.h5`` one; glassnet also takes ``.safetensors`` for either. The model's own
    ``save`` / ``save_weights`` writes the file, atomically (see the module docstring).

    Example:
        >>> best = ModelCheckpoint("best.keras", monitor="val_accuracy", save_best_only=True)
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None) -> None:
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose, self.filepath = verbose, os.fspath(filepath)
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        _check_save_freq("ModelCheckpoint", save_freq)
        self.save_freq = save_freq
        self._counter = _BatchCounter()
        self._current_epoch = 0
        if save_weights_only and not self.filepath.endswith(WEIGHT_SUFFIXES):
            raise ValueError(
                f"When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                f"provided must end in `.weights.h5` (Keras weights format) or "
                f"`.safetensors`. Received: filepath={self.filepath}")
        if not save_weights_only and not self.filepath.endswith(MODEL_SUFFIXES):
            raise ValueError(
                f"The filepath provided must end in `.keras` (Keras model format) or "
                f"`.safetensors`. Received: filepath={self.filepath}; for weights only pass "
                f"save_weights_only=True with a `.weights.h5` path")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch" and self._counter.due(batch, self.save_freq):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _file_path(self, epoch: int, batch, logs) -> str:
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as error:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {error} is not a log key; the keys are epoch, "
                           f"{'batch, ' if batch is not None else ''}"
                           f"{', '.join(sorted(logs)) or '(no logs)'}") from None

    def _should_save(self, epoch: int, logs, path: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {path}")
            return True
        current = monitor_value(self, logs, self.monitor)
        if np.ndim(current) > 0:
            raise ValueError(f"ModelCheckpoint: save_best_only needs a scalar monitor, but "
                             f"{self.monitor} is {current!r}; monitor a scalar metric")
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch: int, batch, logs) -> None:
        path = self._file_path(epoch, batch, logs)
        if os.path.isdir(path):
            raise OSError(f"Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {path}")
        if not self._should_save(epoch, logs, path):
            return
        save = self.model.save_weights if self.save_weights_only else self.model.save
        save_atomically(save, path)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {path}")


class BackupAndRestore(Callback):
    """Back up the weights and the epoch reached during ``fit``, so that after an
    interruption (a crash, a killed job) the same ``fit`` call picks up where it stopped.

    At ``on_train_begin`` the backup in ``backup_dir`` (if any) is loaded into the model and
    ``model._initial_epoch`` is set to the epoch after the last one backed up, which ``fit``
    starts from (Keras' contract). A ``fit`` that finishes deletes the backup
    (``delete_checkpoint=True``). With ``double_checkpoint`` the previous backup is kept as
    ``*.bkp`` and used if the latest one cannot be read. The model must be built before
    ``fit``. Only the weights are backed up, not the optimizer's state.

    Args:
        backup_dir: a folder for this one training run.
        save_freq: ``"epoch"`` or a number of batches.

    Example:
        >>> backup = BackupAndRestore(backup_dir="/tmp/backup")
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir is empty; pass a folder path, e.g. "
                             "BackupAndRestore(backup_dir='/tmp/backup')")
        _check_save_freq("BackupAndRestore", save_freq)
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq, self.double_checkpoint = save_freq, double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        self._counter = _BatchCounter()
        self._current_epoch = 0
        self._last_batch_seen = 0

    def on_train_begin(self, logs=None):
        try:
            self._load_model()
        except (OSError, ValueError, KeyError, json.JSONDecodeError):
            if not os.path.exists(self._prev_weights_path):
                raise
            shutil.copyfile(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copyfile(self._prev_training_metadata_path,
                                self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self) -> None:
        if not getattr(self.model, "built", True):
            raise RuntimeError(
                f"To use the BackupAndRestore callback, your model must be built before you "
                f"call fit(). Model {getattr(self.model, 'name', self.model)} is unbuilt; "
                f"start it with keras.Input(shape=...) or call it on a batch of data first.")
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as handle:
                metadata = json.load(handle)
            self.model._initial_epoch = metadata["epoch"]

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch" and self._counter.due(batch, self.save_freq):
            self._last_batch_seen = batch
            self._save_model()

    def _save_model(self) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path, previous in ((self._weights_path, self._prev_weights_path),
                                   (self._training_metadata_path,
                                    self._prev_training_metadata_path)):
                if os.path.exists(path):
                    shutil.copyfile(path, previous)
        save_atomically(self.model.save_weights, self._weights_path)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        write_bytes_atomically(self._training_metadata_path, json.dumps(metadata).encode())

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
