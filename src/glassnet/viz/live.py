"""Live training curves: one figure, redrawn in place as training runs (seed 000's "Reading
Training Curves", watched while they are drawn).

In a Jupyter notebook the figure is shown once and replaced in place (an IPython display handle
updated with each new picture); in a terminal or a script each redraw is one printed line with
the latest values instead. Train and validation values of a metric share a panel: ``loss`` and
``val_loss`` are drawn together, as are ``accuracy`` and ``val_accuracy``.

The Keras form is ``glassnet.keras.callbacks.LiveCurves``, which feeds one of these from the
logs that ``fit`` passes to its callbacks.
"""

from __future__ import annotations

import difflib
import sys

from ._display import figure_png, in_notebook


class LiveCurves:
    """Loss and metrics, train against validation, redrawn every ``every`` updates.

    Args:
        every: redraw (or, outside a notebook, print a line) on every ``every``-th call of
            ``update``, and on any call that brings a validation value (``val_...``).
        metrics: one panel per metric; each accepts ``name`` and ``val_name``. ``None`` makes
            a panel for every name that arrives.
        notebook: force the notebook display (True) or the printed lines (False); None detects
            a Jupyter kernel.

    A redraw takes tens of milliseconds, so over thousands of steps draw every 50 or 100
    (values are recorded at every update either way).

    ``history`` maps each name to its values, and ``steps`` to the step of each value.
    ``figure`` is the matplotlib figure (created at the first redraw, never held by pyplot,
    so a notebook shows it once, through the display handle).

    Example::

        live = LiveCurves(every=50)
        for step, (x, y) in enumerate(loader, 1):
            ...
            live.update(step=step, loss=loss.item(), accuracy=accuracy)
        live.update(step=step, val_loss=val_loss, val_accuracy=val_accuracy)
        live.draw()  # the final picture, whatever ``every`` skipped
    """

    def __init__(self, every: int = 1, metrics=("loss", "accuracy"),
                 notebook: bool | None = None) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"LiveCurves: every must be a whole number of updates >= 1, got "
                             f"{every!r}")
        if isinstance(metrics, str):
            raise TypeError(f"LiveCurves: metrics is a tuple of names, got the string "
                            f"{metrics!r}; write metrics=({metrics!r},)")
        self.every = every
        self.metrics = None if metrics is None else tuple(metrics)
        self.notebook = in_notebook() if notebook is None else bool(notebook)
        self.history: dict[str, list[float]] = {}
        self.steps: dict[str, list[float]] = {}
        self.figure = None
        self.updates = 0
        self.stream = sys.stdout
        self.xlabel = "step"  # what the x axis counts (the Keras callback counts epochs)
        self._handle = None  # the notebook's display handle, once shown

    # ----- recording --------------------------------------------------------------------
    def _check_name(self, name: str) -> None:
        if self.metrics is None or name.removeprefix("val_") in self.metrics:
            return
        accepted = [*self.metrics, *(f"val_{m}" for m in self.metrics)]
        close = difflib.get_close_matches(name, accepted, n=1)
        hint = f"did you mean {close[0]!r}? Or " if close else ""
        raise ValueError(f"LiveCurves.update: {name!r} is not one of the curves {accepted}; "
                         f"{hint}add it with LiveCurves(metrics=(..., "
                         f"{name.removeprefix('val_')!r}))")

    def update(self, step: float | None = None, **values: float) -> None:
        """Record ``values`` (e.g. ``loss=0.31, accuracy=0.9, val_loss=0.35``) at ``step``
        (default: the count of updates so far), then redraw if it is time to.

        Every name must be one of ``metrics`` or its ``val_`` form (a misspelt name raises,
        naming the closest one). Tensors of one element are accepted as numbers."""
        self.record(step, **values)
        has_validation = any(name.startswith("val_") for name in values)
        if self.updates % self.every == 0 or has_validation:
            self.draw()

    def record(self, step: float | None = None, **values: float) -> None:
        """``update`` without the redraw (the Keras callback decides itself when to draw)."""
        if not values:
            raise ValueError("LiveCurves.update: give at least one value, e.g. "
                             "update(step=step, loss=loss.item())")
        for name in values:
            self._check_name(name)
        self.updates += 1
        at = self.updates if step is None else float(step)
        for name, value in values.items():
            number = float(value.item() if hasattr(value, "item") else value)
            self.history.setdefault(name, []).append(number)
            self.steps.setdefault(name, []).append(at)

    # ----- showing ----------------------------------------------------------------------
    def panels(self) -> dict[str, list[str]]:
        """Which names each panel draws: {'loss': ['loss', 'val_loss'], ...}, in the order of
        ``metrics`` (or of arrival), skipping panels with no values yet."""
        order = list(self.metrics) if self.metrics is not None else []
        for name in self.history:
            base = name.removeprefix("val_")
            if base not in order:
                order.append(base)
        return {base: [n for n in (base, f"val_{base}") if n in self.history]
                for base in order if base in self.history or f"val_{base}" in self.history}

    def line(self) -> str:
        """The latest value of each curve on one line: 'step 200: loss 0.3120 - ...'."""
        latest = max((s[-1] for s in self.steps.values()), default=0)
        values = " - ".join(f"{name} {series[-1]:.4f}" for name, series in self.history.items())
        return f"{self.xlabel} {latest:g}: {values}"

    def draw(self) -> None:
        """Redraw now: replace the notebook's picture, or print the line outside a notebook."""
        if not self.history:
            return
        if not self.notebook:
            self.stream.write(self.line() + "\n")
            self.stream.flush()
            return
        self._redraw_figure()
        from IPython.display import Image, display

        picture = Image(data=figure_png(self.figure, tight=False), format="png")
        if self._handle is None:
            self._handle = display(picture, display_id=True)
        else:
            self._handle.update(picture)

    def _redraw_figure(self) -> None:
        from matplotlib.figure import Figure

        panels = self.panels()
        if self.figure is None or len(self.figure.axes) != len(panels):
            # a Figure made without pyplot: the inline backend won't show it a second time
            self.figure = Figure(figsize=(4.6 * len(panels), 3.4))
            self.figure.subplots(1, len(panels), squeeze=False)
            # fixed margins: an automatic layout would double the time of every redraw
            self.figure.subplots_adjust(left=0.6 / (4.6 * len(panels)), right=0.98,
                                        bottom=0.15, top=0.9, wspace=0.25)
        for axis, (base, names) in zip(self.figure.axes, panels.items()):
            axis.clear()
            for name in names:
                validation = name.startswith("val_")
                axis.plot(self.steps[name], self.history[name],
                          marker="o" if validation or len(self.history[name]) < 30 else None,
                          markersize=3, label="validation" if validation else "train",
                          color="tab:orange" if validation else "tab:blue")
            axis.set_xlabel(self.xlabel)
            axis.set_ylabel(base)
            axis.set_title(", ".join(f"{'validation' if n.startswith('val_') else 'train'} "
                                     f"{self.history[n][-1]:.4f}" for n in names), fontsize=10)
            axis.grid(alpha=0.3)
            axis.legend(fontsize=8)

    def _repr_png_(self) -> bytes | None:
        """A notebook cell ending in ``live`` shows the curves as they are now."""
        if not self.history:
            return None
        self._redraw_figure()
        return figure_png(self.figure)

    def __repr__(self) -> str:
        return (f"LiveCurves(every={self.every}, metrics={self.metrics!r}, "
                f"updates={self.updates})")
