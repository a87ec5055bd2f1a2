"""The loops of fit, evaluate and predict, firing the callbacks' hooks where Keras 3 does.

fit: on_train_begin; per epoch on_epoch_begin, per batch on_train_batch_begin / _end (logs:
the running loss and metrics), then validation through ``evaluate`` with the same callbacks
(so on_test_begin, on_test_batch_*, on_test_end fire there too), on_epoch_end (logs with the
val_ entries); on_train_end with the last epoch's logs. evaluate fires the on_test_* hooks,
predict the on_predict_* hooks (on_predict_batch_end gets ``{"outputs": ...}``). Setting
``model.stop_training = True`` in any hook ends fit after the current batch's epoch.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ..utils.data._keywords import suggest_keywords
from . import callbacks as C
from . import data_adapters as D


def _count(name: str, value, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"fit: {name} must be a whole number of at least {least}, got "
                         f"{value!r}")


def _check_fit_arguments(x, y, epochs, initial_epoch, steps_per_epoch, validation_freq,
                         class_weight, sample_weight) -> None:
    """fit's counts are whole numbers, x is given, class_weight comes alone and for one
    output: checked before any training."""
    for name, value, least in (("epochs", epochs, 0), ("initial_epoch", initial_epoch, 0)):
        _count(name, value, least)
    if steps_per_epoch is not None:
        _count("steps_per_epoch", steps_per_epoch, 1)
    if not isinstance(validation_freq, (list, tuple, set)):
        _count("validation_freq", validation_freq, 1)
    if x is None:
        raise ValueError(f"fit: x is missing; pass {D.ACCEPTED}")
    if class_weight is not None:
        if sample_weight is not None:
            raise ValueError("fit: you cannot pass class_weight and sample_weight at the same "
                             "time; fold the class weights into sample_weight")
        if isinstance(y, (list, tuple, dict)) and len(D.flatten(y)) > 1:
            raise ValueError("fit: class_weight works for models with one output; for "
                             "several, pass sample_weight per output instead")


def _batches(adapter, steps):
    """(step, batch) for up to ``steps`` batches of one epoch; warns, as Keras does, when a
    generator runs dry before ``steps``."""
    step = -1
    for step, batch in enumerate(itertools.islice(adapter.epoch(), steps)):
        yield step, batch
    if steps is not None and step + 1 < steps and isinstance(adapter, D.GeneratorAdapter):
        warnings.warn(f"your input ran out of data after {step + 1} of {steps} steps; make "
                      f"the generator yield at least steps_per_epoch * epochs batches",
                      stacklevel=3)


class Loops:
    """fit / evaluate / predict over ``train_step`` / ``test_step`` / ``predict_step``."""

    def _callbacks(self, callbacks, verbose, params: dict):
        """The CallbackList for one run, with Keras' progress bar unless verbose=0 (or one
        the user passed)."""
        if isinstance(callbacks, C.CallbackList):  # fit's own list, passed to evaluate
            return callbacks
        callbacks = list(callbacks or [])
        if verbose and not any(isinstance(c, C.ProgbarLogger) for c in callbacks):
            callbacks.append(C.ProgbarLogger())
        return C.CallbackList(callbacks, self, params)

    @suggest_keywords
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train from ``initial_epoch`` to ``epochs``; returns a History whose ``.history`` has
        the loss, each metric and their val_ versions (Keras' names), one value per epoch.

        ``x`` may be arrays (or a list/dict of them), a keras.utils.PyDataset, a DataLoader,
        a glassnet Dataset or a generator (then y comes from its batches).
        ``sample_weight`` weighs each sample's loss (the mean still divides by the batch
        size, as Keras' ``sum_over_batch_size``); ``class_weight`` {class: weight} does it
        by label. ``validation_data`` is (x, y), (x, y, sample_weight) or a dataset;
        ``validation_split`` holds out the last fraction of array data before shuffling;
        ``validation_freq`` validates every n-th epoch (or at the epochs listed);
        ``steps_per_epoch`` / ``validation_steps`` cap the batches. An unknown keyword
        (``epoch=10``) raises TypeError naming the closest valid one (``epochs``)."""
        self._require_compiled("fit")
        _check_fit_arguments(x, y, epochs, initial_epoch, steps_per_epoch, validation_freq,
                             class_weight, sample_weight)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = D.split_validation(
                x, y, sample_weight, validation_split)
        adapter = D.get_adapter(x, y, sample_weight, batch_size, shuffle, "fit")
        steps = adapter.num_batches if steps_per_epoch is None else steps_per_epoch
        verbose = 1 if verbose == "auto" else verbose
        history = C.History()
        callbacks = self._callbacks(list(callbacks or []) + [history], verbose,
                                    {"verbose": verbose, "epochs": epochs, "steps": steps})
        validation = self._validation_arguments(validation_data)
        self.stop_training = False
        callbacks.call("on_train_begin", {})
        # a callback (BackupAndRestore) may set where training resumes, as in Keras
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        training_logs = None
        for epoch in range(initial_epoch, epochs):
            epoch_logs = self._train_epoch(adapter, epoch, steps_per_epoch, class_weight,
                                           callbacks)
            if validation is not None and _should_validate(epoch, validation_freq):
                vx, vy, vw = validation
                results = self.evaluate(vx, vy, sample_weight=vw, verbose=0,
                                        batch_size=validation_batch_size or batch_size,
                                        steps=validation_steps, callbacks=callbacks,
                                        return_dict=True)
                epoch_logs.update({f"val_{k}": v for k, v in results.items()})
            callbacks.call("on_epoch_end", epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        callbacks.call("on_train_end", training_logs or {})
        self.train(False)
        return history

    def _train_epoch(self, adapter, epoch: int, steps, class_weight, callbacks) -> dict:
        """One epoch of train steps with their hooks; the epoch's logs."""
        self.reset_metrics()
        adapter.on_epoch_begin()
        callbacks.call("on_epoch_begin", epoch, {})
        logs = {}
        for step, (xb, yb, wb) in _batches(adapter, steps):
            if class_weight is not None:
                wb = D.class_weights_to_sample_weights(D.flatten(yb)[0], class_weight)
            callbacks.call("on_train_batch_begin", step, {})
            logs = pythonify_logs(self.train_step(_pack(xb, yb, wb)))
            loss = logs.get("loss")
            if isinstance(loss, float) and not math.isfinite(loss):
                self._stop_on_bad_loss(epoch, step, loss, xb)
            callbacks.call("on_train_batch_end", step, dict(logs))
            if self.stop_training:
                break
        adapter.on_epoch_end()
        return dict(self._metrics_or_logs(logs))

    @staticmethod
    def _validation_arguments(data):
        """validation_data as evaluate's (x, y, sample_weight)."""
        if data is None:
            return None
        if isinstance(data, (tuple, list)) and len(data) in (2, 3):
            return D.unpack_x_y_sample_weight(tuple(data))
        if isinstance(data, (tuple, list)):
            raise ValueError(f"fit: validation_data must be (x, y), (x, y, sample_weight) or a "
                             f"dataset; got a {type(data).__name__} of {len(data)} items")
        return data, None, None

    def _stop_on_bad_loss(self, epoch: int, step: int, value: float, xb) -> None:
        """A NaN or infinite loss ends training, with what probably caused it."""
        from ..advice import warn

        causes = [f"the learning rate ({self.optimizer.learning_rate:g}) is too high: try 10x "
                  f"smaller"]
        biggest = max(float(np.abs(a).max()) for a in D.flatten(xb) if np.size(a))
        if biggest > 20:
            causes.append(f"the inputs are not scaled (they reach {biggest:.4g}): divide "
                          f"pixels by 255")
        warn(f"fit: the loss became {value} at epoch {epoch + 1}, batch {step + 1}; training "
             f"stops. Likely: {'; '.join(causes)}.")
        self.stop_training = True

    def _metrics_or_logs(self, logs: dict) -> dict:
        """Keras' rule: the metrics' results when the step's logs name the same metrics
        (a custom step may return other logs: those are kept)."""
        results = self.get_metrics_result()
        return results if set(logs) == set(results) else logs

    # ----- evaluate and predict -------------------------------------------------------------
    def _evaluate_loop(self, adapter, steps, callbacks) -> dict:
        callbacks.call("on_test_begin", {})
        self.reset_metrics()
        logs = {}
        with no_grad():
            for step, (xb, yb, wb) in _batches(adapter, steps):
                callbacks.call("on_test_batch_begin", step, {})
                logs = pythonify_logs(self.test_step(_pack(xb, yb, wb)))
                callbacks.call("on_test_batch_end", step, dict(logs))
        logs = self._metrics_or_logs(logs)
        callbacks.call("on_test_end", dict(logs))
        return logs

    @suggest_keywords
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """The loss and metrics over the data, in inference mode: the loss alone, or
        [loss, per-output losses, metrics] in Keras' order, or a dict (return_dict=True).

        Keras' signature: ``sample_weight`` weighs the samples, ``steps`` caps the batches,
        ``callbacks`` get the on_test_* hooks; an unknown keyword raises TypeError naming the
        closest valid one."""
        self._require_compiled("evaluate")
        if x is None:
            raise ValueError(f"evaluate: x is missing; pass {D.ACCEPTED}")
        adapter = D.get_adapter(x, y, sample_weight, batch_size, False, "evaluate")
        verbose = 1 if verbose == "auto" else verbose
        callbacks = self._callbacks(callbacks, verbose, {"verbose": verbose, "epochs": 1,
                                                         "steps": steps or adapter.num_batches})
        results = self._evaluate_loop(adapter, steps, callbacks)
        if return_dict:
            return results
        ordered = [results[name] for name in self.metrics_names if name in results]
        ordered += [results[k] for k in sorted(results) if k not in self.metrics_names]
        return ordered[0] if len(ordered) == 1 else ordered

    @suggest_keywords
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs as NumPy (a list or dict of arrays for several outputs),
        computed in batches in inference mode; batches of (x, y) pairs use x.

        Keras' signature: ``steps`` caps the batches, ``callbacks`` get the on_predict_*
        hooks (on_predict_batch_end with ``{"outputs": ...}``); an unknown keyword raises
        TypeError naming the closest valid one."""
        adapter = D.get_adapter(x, None, None, batch_size, False, "predict")
        verbose = 1 if verbose == "auto" else verbose
        callbacks = self._callbacks(callbacks, verbose, {"verbose": verbose, "epochs": 1,
                                                         "steps": steps or adapter.num_batches})
        callbacks.call("on_predict_begin", {})
        outputs = []
        with no_grad():
            for step, (xb, _, _) in _batches(adapter, steps):
                callbacks.call("on_predict_batch_begin", step, {})
                batch_outputs = self.predict_step(_pack(xb, None, None))
                outputs.append(batch_outputs)
                callbacks.call("on_predict_batch_end", step, {"outputs": batch_outputs})
        callbacks.call("on_predict_end", {})
        self.train(False)
        if not outputs:
            raise ValueError("predict: the data gave no batches; check x (and steps)")
        first = outputs[0]
        if isinstance(first, dict):
            return {k: np.concatenate([o[k] for o in outputs]) for k in first}
        if isinstance(first, (list, tuple)):
            return type(first)(np.concatenate([o[i] for o in outputs])
                               for i in range(len(first)))
        return np.concatenate(outputs)


def _pack(x, y, sample_weight) -> tuple:
    """Keras' pack_x_y_sample_weight: (x,), (x, y) or (x, y, sample_weight), as tensors (what a
    custom train_step receives)."""
    x, y, sample_weight = (D.map_structure(_tensor, a) for a in (x, y, sample_weight))
    if y is None:
        return (x,)
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def _tensor(array):
    return array if isinstance(array, Tensor) else Tensor._make(np.asarray(array))


def pythonify_logs(logs) -> dict:
    """Keras' rule for what hooks see: nested dicts flattened, 0-d values as floats."""
    result = {}
    for key, value in (logs or {}).items():
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        array = value.detach().numpy() if isinstance(value, Tensor) else np.asarray(value)
        result[key] = float(array) if array.ndim == 0 and array.dtype.kind in "fiub" else value
    return result


def _should_validate(epoch: int, validation_freq) -> bool:
    if isinstance(validation_freq, (list, tuple, set)):
        return epoch + 1 in validation_freq
    return (epoch + 1) % validation_freq == 0
