"""``keras.callbacks.LiveCurves``: the live training curves of ``glassnet.viz.LiveCurves`` fed
by ``fit``'s logs, as a Keras callback."""

from __future__ import annotations

import time

from .callbacks import Callback


class LiveCurves(Callback):
    """Draw loss and metrics, train against validation, while ``fit`` runs: in a notebook one
    figure redrawn in place, elsewhere one printed line per redraw.

    Args:
        every: ``"epoch"`` draws each epoch's logs against the epoch number; a whole number N
            draws the running (epoch-so-far) values every N batches against the batch count,
            with the validation values added at each epoch's end.
        metrics: the panels (``None``: every metric in the logs, e.g. loss and accuracy).
        notebook: force the notebook display (True) or printed lines (False); None detects.

    In a notebook, redraws come at most ``1 / min_seconds`` times a second (each takes tens of
    milliseconds: drawing every epoch of a 500-epoch XOR run would cost more than training);
    the last picture is always drawn when training ends. ``live`` is the
    ``glassnet.viz.LiveCurves`` being fed; ``live.history`` holds every value.

    Example::

        model.fit(x, y, epochs=20, validation_split=0.1,
                  callbacks=[keras.callbacks.LiveCurves()])
    """

    min_seconds = 0.25

    def __init__(self, every: int | str = "epoch", metrics=None,
                 notebook: bool | None = None) -> None:
        super().__init__()
        from ..viz.live import LiveCurves as Curves  # viz loads only when the callback is used

        if every != "epoch" and (isinstance(every, bool) or not isinstance(every, int) or
                                 every < 1):
            raise ValueError(f"LiveCurves: every is 'epoch' or a whole number of batches >= 1, "
                             f"got {every!r}")
        self.every = every
        self.live = Curves(every=1, metrics=metrics, notebook=notebook)
        self.live.xlabel = "epoch" if every == "epoch" else "batch"
        self._last_draw = float("-inf")
        self._step = 0
        self._drawn = True  # False while a throttled redraw is owed

    def _record(self, logs: dict, step: float) -> None:
        values = {name: value for name, value in (logs or {}).items()
                  if self.live.metrics is None or name.removeprefix("val_") in self.live.metrics}
        if not values:
            return
        self.live.record(step, **values)
        now = time.perf_counter()
        if not self.live.notebook or now - self._last_draw >= self.min_seconds:
            self.live.draw()
            self._last_draw = time.perf_counter()
            self._drawn = True
        else:
            self._drawn = False

    def on_train_begin(self, logs=None):
        self._step = 0
        self._drawn = True

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self.every != "epoch" and self._step % self.every == 0:
            self._record({k: v for k, v in (logs or {}).items() if not k.startswith("val_")},
                         self._step)

    def on_epoch_end(self, epoch, logs=None):
        if self.every == "epoch":
            self._record(logs, epoch + 1)
        else:
            self._record({k: v for k, v in (logs or {}).items() if k.startswith("val_")},
                         self._step)

    def on_train_end(self, logs=None):
        if self.live.notebook and not self._drawn:
            self.live.draw()

    @property
    def history(self) -> dict:
        return self.live.history
