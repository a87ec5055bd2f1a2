"""compile / fit / evaluate / predict: Keras' training loop over glassnet's autograd.

``fit`` runs, for every batch, the whole lesson: forward pass, loss (plus the layers' weight
penalties), backward pass, optimizer step; it reports running means of the loss and metrics,
validates after each epoch, and calls the callbacks' hooks throughout.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ..utils.data._keywords import suggest_keywords
from . import callbacks as C
from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers as optimizers_module


def _array(x) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    array = np.asarray(x)
    return array.astype(np.float32) if array.dtype == np.float64 else array


def _not_supported(what: str, **given) -> None:
    """Keras options glassnet does not implement: accepted by name (so a typo is still told
    apart from them), refused when set, rather than silently ignored."""
    for name, value in given.items():
        if value is not None:
            raise NotImplementedError(f"{what}: {name}= is not supported by glassnet yet; "
                                      f"leave it out (weight the loss by hand instead)")


def _batches(x, y, batch_size: int, order=None):
    """(xb, yb) pairs from arrays (in ``order``) or straight from a DataLoader."""
    if y is None and hasattr(x, "__iter__") and not isinstance(x, (np.ndarray, Tensor, list)):
        for xb, yb in x:
            yield _array(xb), _array(yb)
        return
    n = len(x)
    order = np.arange(n) if order is None else order
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield x[idx], (None if y is None else y[idx])


class Trainer:
    """The training half of a Keras model (mixed into Sequential)."""

    def __init__(self) -> None:
        self.optimizer = None
        self.loss = None
        self.compiled_metrics: list[str] = []
        self.stop_training = False
        self.history = None
        self.compiled = False

    # ----- compile ----------------------------------------------------------------------
    @suggest_keywords
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True) -> None:
        """Choose the optimizer, the loss and the metrics (by name or object).

        Keras' signature: ``run_eagerly``, ``steps_per_execution``, ``jit_compile`` and
        ``auto_scale_loss`` are accepted and change nothing (glassnet always runs eagerly, one
        step at a time, in float32); ``loss_weights`` and ``weighted_metrics`` are refused.
        An unknown keyword raises TypeError naming the closest valid one."""
        _not_supported("compile", loss_weights=loss_weights, weighted_metrics=weighted_metrics)
        self.optimizer = optimizers_module.get(optimizer)
        if loss is None:
            raise ValueError("compile: a loss is needed, e.g. loss='sparse_categorical_"
                             "crossentropy' or loss='mse'")
        self.loss = losses_module.get(loss)
        self.compiled_metrics = list(metrics or [])
        for name in self.compiled_metrics:
            if not isinstance(name, str):
                raise ValueError(f"compile: metrics are given by name (accuracy, mae, mse), "
                                 f"got {name!r}")
        self.compiled = True
        if self.built:
            self._bind_optimizer()

    def _bind_optimizer(self) -> None:
        if not self.optimizer.built:
            self.optimizer.build(self.trainable_weights)

    def _compile_config(self):
        if not self.compiled:
            return None
        loss = losses_module.serialize(self.loss)
        return None if loss is None else {
            "optimizer": optimizers_module.serialize(self.optimizer), "loss": loss,
            "metrics": self.compiled_metrics}

    def _compile_from_config(self, config: dict) -> None:
        self.compile(optimizers_module.deserialize(config["optimizer"]),
                     losses_module.deserialize(config["loss"]), metrics=config["metrics"])

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"{what}: call model.compile(optimizer=..., loss=...) first")

    # ----- one batch --------------------------------------------------------------------
    def _loss(self, xb, yb, training: bool):
        """(total loss tensor, the outputs as an array)."""
        self.train(training)
        output, logits, activation = self.forward_with_logits(Tensor._make(xb))
        target = Tensor._make(np.asarray(yb))
        fusable = (not self.loss.from_logits and logits is not None
                   and self.loss.wants_logits_of == activation)
        if fusable:
            value = self.loss.from_logits_loss(target, logits)
        else:
            value = self.loss(target, output)
        for layer in self.layers:
            for penalty in layer.regularization_losses():
                value = value + penalty
        return value, output._data

    def _update_metrics(self, trackers: dict, yb, output, count: int) -> None:
        loss_name = type(self.loss).__name__
        keras_name = {"BinaryCrossentropy": "binary_crossentropy",
                      "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
                      "CategoricalCrossentropy": "categorical_crossentropy"}.get(loss_name, "")
        y = np.asarray(yb)
        for name in self.compiled_metrics:
            fn = metrics_module.resolve(name, keras_name, y, output)
            trackers[name].update(float(np.mean(fn(y, output))), count)

    # ----- fit ----------------------------------------------------------------------------
    @suggest_keywords
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs``; returns a History whose ``.history`` has the loss, each
        metric and their val_ versions, one value per epoch (val_ ones every
        ``validation_freq`` epochs).

        Keras' signature; ``steps_per_epoch`` caps the batches of each epoch and
        ``validation_steps`` those of each validation; ``class_weight`` and ``sample_weight``
        are refused. An unknown keyword (``epoch=10``) raises TypeError naming the closest
        valid one (``epochs``)."""
        self._require_compiled("fit")
        _not_supported("fit", class_weight=class_weight, sample_weight=sample_weight)
        per_epoch = 1 if steps_per_epoch is None else steps_per_epoch
        for name, value, least in (("epochs", epochs, 0), ("initial_epoch", initial_epoch, 0),
                                   ("validation_freq", validation_freq, 1),
                                   ("steps_per_epoch", per_epoch, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
                    value < least:
                raise ValueError(f"fit: {name} must be a whole number of at least {least}, "
                                 f"got {value!r}")
        batch_size = batch_size or 32
        loader = y is None and not isinstance(x, (np.ndarray, Tensor, list))
        if not loader:
            x, y = _array(x), _array(y)
            if len(x) != len(y):
                raise ValueError(f"fit: x has {len(x)} samples but y has {len(y)}")
            if validation_split and validation_data is None:
                if not 0 < validation_split < 1:
                    raise ValueError(f"fit: validation_split must be in (0, 1), got "
                                     f"{validation_split}")
                split_at = int(math.floor(len(x) * (1 - validation_split)))
                if split_at in (0, len(x)):
                    raise ValueError(f"fit: {len(x)} samples are too few to hold out "
                                     f"validation_split={validation_split}")
                x, validation_data = x[:split_at], (x[split_at:], y[split_at:])
                y = y[:split_at]  # Keras holds out the *last* samples, before shuffling
            if not self.built:
                self.build((None, *x.shape[1:]))
        elif not self.built:
            first, _ = next(iter(x))
            self.build((None, *_array(first).shape[1:]))
        self._bind_optimizer()
        steps = len(x) if loader else math.ceil(len(x) / batch_size)
        steps = steps if steps_per_epoch is None else min(steps, int(steps_per_epoch))
        verbose = 1 if verbose == "auto" else verbose
        history = C.History()
        callback_list = C.CallbackList(
            [*(callbacks or []), history] + ([_ProgressBar(verbose)] if verbose else []),
            self, {"epochs": epochs, "steps": steps, "verbose": verbose})
        self.stop_training = False
        callback_list.call("on_train_begin", {})
        for epoch in range(initial_epoch, epochs):
            callback_list.call("on_epoch_begin", epoch, {})
            trackers = {"loss": metrics_module.Mean("loss"),
                        **{m: metrics_module.Mean(m) for m in self.compiled_metrics}}
            order = None if loader or not shuffle else np.random.permutation(len(x))
            for step, (xb, yb) in enumerate(_batches(x, y, batch_size, order)):
                if step == steps:
                    break
                callback_list.call("on_train_batch_begin", step, {})
                self.optimizer.zero_grad()
                value, output = self._loss(xb, yb, training=True)
                value.backward()
                self.optimizer.step()
                trackers["loss"].update(value.item(), len(xb))
                self._update_metrics(trackers, yb, output, len(xb))
                logs = {k: t.result() for k, t in trackers.items()}
                if not math.isfinite(value.item()):
                    self._stop_on_bad_loss(epoch, step, value.item(), xb)
                callback_list.call("on_train_batch_end", step, logs)
                if self.stop_training:
                    break
            logs = {k: t.result() for k, t in trackers.items()}
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                results = self.evaluate(*validation_data,
                                        batch_size=validation_batch_size or batch_size,
                                        verbose=0, steps=validation_steps, return_dict=True)
                logs.update({f"val_{k}": v for k, v in results.items()})
            callback_list.call("on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        callback_list.call("on_train_end", {})
        self.train(False)
        return history

    def _stop_on_bad_loss(self, epoch: int, step: int, value: float, xb) -> None:
        """A NaN or infinite loss ends training, with what probably caused it."""
        from ..advice import warn

        causes = [f"the learning rate ({self.optimizer.learning_rate:g}) is too high: try 10x "
                  f"smaller"]
        if np.abs(xb).max() > 20:
            causes.append(f"the inputs are not scaled (they reach {np.abs(xb).max():.4g}): "
                          f"divide pixels by 255")
        warn(f"fit: the loss became {value} at epoch {epoch + 1}, batch {step + 1}; training "
             f"stops. Likely: {'; '.join(causes)}.")
        self.stop_training = True

    # ----- evaluate and predict -------------------------------------------------------------
    @suggest_keywords
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """The loss (and metrics) over the data, in inference mode: the loss alone, or
        [loss, *metrics], or a dict with return_dict=True.

        Keras' signature: ``steps`` caps the batches, ``callbacks`` get the test hooks;
        ``sample_weight`` is refused; an unknown keyword raises TypeError naming the closest
        valid one."""
        self._require_compiled("evaluate")
        _not_supported("evaluate", sample_weight=sample_weight)
        callback_list = C.CallbackList(list(callbacks or []), self, {"steps": steps})
        batch_size = batch_size or 32
        if not isinstance(x, (np.ndarray, Tensor, list)) and y is None:
            pairs = _batches(x, None, batch_size)
        else:
            x, y = _array(x), _array(y)
            pairs = _batches(x, y, batch_size)
        trackers = {"loss": metrics_module.Mean("loss"),
                    **{m: metrics_module.Mean(m) for m in self.compiled_metrics}}
        callback_list.call("on_test_begin", {})
        with no_grad():
            for step, (xb, yb) in enumerate(pairs):
                if step == steps:
                    break
                callback_list.call("on_test_batch_begin", step, {})
                value, output = self._loss(xb, yb, training=False)
                trackers["loss"].update(value.item(), len(xb))
                self._update_metrics(trackers, yb, output, len(xb))
                callback_list.call("on_test_batch_end", step,
                                   {k: t.result() for k, t in trackers.items()})
        results = {k: t.result() for k, t in trackers.items()}
        callback_list.call("on_test_end", dict(results))
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in sorted(results.items())))
        if return_dict:
            return results
        return results["loss"] if len(results) == 1 else list(results.values())

    @suggest_keywords
    def predict(self, x, batch_size=None, verbose="auto", steps=None,
                callbacks=None) -> np.ndarray:
        """The model's outputs as a NumPy array, computed in batches, in inference mode.

        Keras' signature: ``steps`` caps the batches, ``callbacks`` get the predict hooks; an
        unknown keyword raises TypeError naming the closest valid one."""
        batch_size = batch_size or 32
        if not isinstance(x, (np.ndarray, Tensor, list)):
            chunks = [xb for xb, _ in _batches(x, None, batch_size)]
        else:
            x = _array(x)
            chunks = [x[i:i + batch_size] for i in range(0, len(x), batch_size)]
        chunks = chunks if steps is None else chunks[:steps]
        callback_list = C.CallbackList(list(callbacks or []), self, {"steps": len(chunks)})
        callback_list.call("on_predict_begin", {})
        self.train(False)
        outputs = []
        with no_grad():
            for step, chunk in enumerate(chunks):
                callback_list.call("on_predict_batch_begin", step, {})
                outputs.append(self.forward(Tensor._make(np.asarray(chunk)))._data)
                callback_list.call("on_predict_batch_end", step, {"outputs": outputs[-1]})
        callback_list.call("on_predict_end", {})
        return np.concatenate(outputs)


class _ProgressBar(C.Callback):
    """Keras' display: a bar per epoch (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, verbose: int) -> None:
        super().__init__()
        self.verbose = verbose
        self.stream = sys.stdout

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose == 1:
            print(f"Epoch {epoch + 1}/{self.params['epochs']}", file=self.stream)
        self.start = time.perf_counter()
        self.last = 0.0

    def _text(self, logs) -> str:
        return " - ".join(f"{k}: {v:.4f}" for k, v in sorted((logs or {}).items()))

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose != 1 or not self.stream.isatty():
            return
        now = time.perf_counter()
        steps = self.params["steps"]
        if now - self.last > 0.1 or batch + 1 == steps:
            done = int(20 * (batch + 1) / steps)
            self.stream.write(f"\r{batch + 1}/{steps} {'━' * done}{' ' * (20 - done)} "
                              f"{now - self.start:.0f}s - {self._text(logs)}")
            self.stream.flush()
            self.last = now

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.start
        steps = self.params["steps"]
        per_step = seconds / max(steps, 1) * 1000
        if self.verbose == 1:
            end = "\r" if self.stream.isatty() else ""
            self.stream.write(f"{end}{steps}/{steps} {'━' * 20} {seconds:.0f}s "
                              f"{per_step:.0f}ms/step - {self._text(logs)}\n")
        else:
            self.stream.write(f"Epoch {epoch + 1}/{self.params['epochs']}\n{steps}/{steps} - "
                              f"{seconds:.0f}s - {per_step:.0f}ms/step - {self._text(logs)}\n")
        self.stream.flush()
