"""The callback protocol: ``Callback`` (the hooks), ``CallbackList`` (calls one hook on every
callback), and the two simplest callbacks, ``History`` and ``LambdaCallback``.

Keras 3's design, hook for hook: ``fit`` calls ``on_train_begin``, then per epoch
``on_epoch_begin``, per batch ``on_train_batch_begin/end``, validation's ``on_test_*``, and
``on_epoch_end``; ``evaluate`` calls the ``on_test_*`` hooks and ``predict`` the
``on_predict_*`` ones. ``on_train_batch_begin/end`` call the older ``on_batch_begin/end``, so a
callback written against either name works.
"""

from __future__ import annotations

import difflib

import numpy as np

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
         "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
         "on_predict_batch_end")


class Callback:
    """Base class: override the hooks you need. ``self.model`` is the model being trained and
    ``self.params`` holds fit's ``verbose``, ``epochs`` and ``steps``.

    Example:
        >>> class Recorder(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, sorted(logs))
    """

    def __init__(self) -> None:
        self.params = None
        self._model = None

    @property
    def model(self):
        return self._model

    @model.setter
    def model(self, model) -> None:
        self._model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self._model = model

    def on_batch_begin(self, batch, logs=None):
        """Older name of ``on_train_batch_begin`` (which calls it)."""

    def on_batch_end(self, batch, logs=None):
        """Older name of ``on_train_batch_end`` (which calls it)."""

    def on_epoch_begin(self, epoch, logs=None):
        """At the start of an epoch of ``fit``."""

    def on_epoch_end(self, epoch, logs=None):
        """At the end of an epoch: ``logs`` has the epoch's loss, metrics and val_ ones."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """After a training batch: ``logs`` has the running loss and metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Before a batch of ``evaluate`` (or of fit's validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """After a batch of ``evaluate`` (or of fit's validation)."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Before a batch of ``predict``."""

    def on_predict_batch_end(self, batch, logs=None):
        """After a batch of ``predict``: ``logs["outputs"]`` holds its outputs."""

    def on_train_begin(self, logs=None):
        """At the start of ``fit``."""

    def on_train_end(self, logs=None):
        """At the end of ``fit``, with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """At the start of ``evaluate`` (or of fit's validation)."""

    def on_test_end(self, logs=None):
        """At the end of ``evaluate``, with its results."""

    def on_predict_begin(self, logs=None):
        """At the start of ``predict``."""

    def on_predict_end(self, logs=None):
        """At the end of ``predict``."""


def pythonify_logs(logs) -> dict:
    """Keras' log cleaning: keys sorted, nested dicts flattened, and every value that
    ``float()`` accepts (NumPy scalars, 0-d arrays, ints) turned into a Python float, so that
    CSV files and progress bars print the same digits as Keras."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        if isinstance(value, np.ndarray) and value.ndim > 0:
            result[key] = value  # predict's outputs stay arrays
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result


class CallbackList(Callback):
    """Calls each hook on every callback, in order, with one cleaned copy of the logs
    (``pythonify_logs``), so a callback that adds a key (``learning_rate``) shows it to the
    callbacks after it, as in Keras.

    Keras' signature: ``CallbackList(callbacks, add_history=False, add_progbar=False,
    model=None, **params)``, where ``params`` (``verbose``, ``epochs``, ``steps``) go to every
    callback's ``set_params``. glassnet's trainer also builds it as ``CallbackList(callbacks,
    model, params_dict)`` and calls hooks by name with ``call("on_epoch_end", epoch, logs)``.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params) -> None:
        super().__init__()
        if isinstance(add_progbar, dict):  # the trainer's form: (callbacks, model, params)
            model, params = add_history, {**add_progbar, **params}
            add_history = add_progbar = False
        self.callbacks = list(callbacks or [])
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and not any(type(c).__name__ == "ProgbarLogger" for c in self.callbacks):
            from .loggers import ProgbarLogger

            self.callbacks.append(ProgbarLogger())
        self.set_model(model)
        self.set_params(params)

    def set_params(self, params) -> None:
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def append(self, callback) -> None:
        self.callbacks.append(callback)

    def call(self, hook: str, *args) -> None:
        """``call("on_epoch_end", epoch, logs)``: the hook by name on every callback."""
        if hook not in HOOKS:
            raise ValueError(f"CallbackList.call: {hook!r} is not a callback hook; expected "
                             f"one of {', '.join(HOOKS)}")
        if "epoch" in hook or "batch" in hook:  # hook(index, logs)
            index, *logs = args
            args = (index, pythonify_logs(logs[0] if logs else None))
        else:
            args = (pythonify_logs(args[0] if args else None),)
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def on_batch_begin(self, batch, logs=None):
        self.call("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self.call("on_batch_end", batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self.call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self.call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.call("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self.call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self.call("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self.call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self.call("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs=None):
        self.call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self.call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self.call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self.call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self.call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self.call("on_predict_end", logs)


class History(Callback):
    """Records each epoch's logs: ``history.history['val_loss']`` is one value per epoch and
    ``history.epoch`` the epoch numbers (which start at ``initial_epoch`` on a resumed fit).
    ``fit`` adds one and returns it; it is also ``model.history``."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


class LambdaCallback(Callback):
    """A callback from plain functions, e.g.
    ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(logs["loss"]))``.

    Keras' signature: the six named hooks, and any other hook by keyword
    (``on_batch_end=...``, ``on_test_end=...``, ``on_predict_batch_end=...``). Keras stores any
    keyword whatever its name; here a keyword that is no hook raises TypeError naming the
    closest hook, so a typo (``on_epoch_ned``) is not silently never called."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **more_hooks) -> None:
        super().__init__()
        for name in more_hooks:
            if name not in HOOKS:
                close = difflib.get_close_matches(name, HOOKS, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise TypeError(f"LambdaCallback got {name}=, which is not a callback hook"
                                f"{hint} Hooks: {', '.join(HOOKS)}")
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **more_hooks)
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)

