"""Training curves: loss and metrics per epoch, train against validation, with a reading.

The reading follows seed 000's "Reading Training Curves": both losses falling means it is
learning; validation loss rising while training loss keeps falling means overfitting (since the
epoch where validation was best); both flat means the optimizer or learning rate is the issue.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ._mpl import pyplot, save_figure


def as_columns(history) -> dict[str, list[float]]:
    """Accept a Keras-style History, a ``history.csv`` path, a list of row dicts or a dict of
    lists; return a dict of lists."""
    if hasattr(history, "history"):
        history = history.history
    if isinstance(history, (str, Path)):
        with open(history, newline="") as handle:
            history = list(csv.DictReader(handle))
    if isinstance(history, list):
        keys = history[0].keys() if history else []
        history = {k: [float(row[k]) for row in history] for k in keys}
    return {k: [float(v) for v in values] for k, values in history.items()}


def read_curves(columns: dict[str, list[float]]) -> str:
    """One line saying what the loss curves show."""
    train = columns.get("train_loss") or columns.get("loss") or []
    val = columns.get("val_loss") or []
    if len(train) < 2:
        return "too few epochs to read a trend"
    train_change = (train[-1] - train[0]) / max(abs(train[0]), 1e-12)
    if val and len(val) >= 2:
        best = min(range(len(val)), key=val.__getitem__)
        if best < len(val) - 1 and val[-1] > val[best] * 1.02 and train[-1] < train[best]:
            return (f"overfitting since epoch {best + 1}: validation loss rose from "
                    f"{val[best]:.4f} to {val[-1]:.4f} while training loss kept falling")
    if abs(train_change) < 0.02:
        return "flat: the loss hardly moved; try another learning rate or optimizer"
    if train_change < 0:
        gap = f", validation {val[-1]:.4f}" if val else ""
        return f"learning: training loss fell from {train[0]:.4f} to {train[-1]:.4f}{gap}"
    return "diverging: the training loss grew; lower the learning rate"


class CurvesPlot(tuple):
    """What ``plot_history`` returns: the pair ``(figure, reading)`` (unpack it as before),
    which also shows itself in Jupyter: the reading as a line of Markdown, and the curves as
    an HTML image when pyplot no longer holds the figure (saved with ``path``, or closed), since
    a figure pyplot still holds is already drawn under the cell by the inline backend."""

    def __new__(cls, figure, reading: str):
        return super().__new__(cls, (figure, reading))

    @property
    def figure(self):
        return self[0]

    @property
    def reading(self) -> str:
        return self[1]

    def _held_by_pyplot(self) -> bool:
        from matplotlib._pylab_helpers import Gcf  # pyplot's registry of open figures

        return any(manager.canvas.figure is self.figure
                   for manager in Gcf.get_all_fig_managers())

    def _repr_html_(self) -> str | None:
        if self._held_by_pyplot():
            return None  # the inline backend shows the figure; the Markdown reading follows
        import base64
        import html

        from ._display import figure_png

        image = base64.b64encode(figure_png(self.figure)).decode()
        return (f'<img src="data:image/png;base64,{image}" alt="training curves"/>'
                f"<p><b>reading:</b> {html.escape(self.reading)}</p>")

    def _repr_markdown_(self) -> str:
        return f"**reading:** {self.reading}"


def plot_history(history, path=None, title: str | None = None) -> CurvesPlot:
    """Loss and each metric per epoch, train vs validation, with the one-line reading as the
    title. Returns (figure, reading) as a ``CurvesPlot`` (a tuple that also displays itself in
    Jupyter); with ``path`` the figure is saved there as PNG."""
    columns = as_columns(history)
    epochs = columns.get("epoch") or list(range(1, len(next(iter(columns.values()))) + 1))
    metrics = [k for k in columns if k not in ("epoch", "lr", "seconds")
               and not k.startswith("val_")]
    panels = {}
    for key in metrics:
        name = key.removeprefix("train_")
        panels.setdefault(name, []).append((key, "train"))
        val_key = f"val_{name}"
        if val_key in columns:
            panels[name].append((val_key, "validation"))
    plt = pyplot()
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.8), squeeze=False)
    for axis, (name, series) in zip(axes[0], panels.items()):
        for key, label in series:
            axis.plot(epochs, columns[key], marker="o", label=label)
        axis.set_xlabel("epoch")
        axis.xaxis.get_major_locator().set_params(integer=True)
        axis.set_ylabel(name)
        axis.grid(alpha=0.3)
        axis.legend()
    reading = read_curves(columns)
    figure.suptitle(title + "\n" + reading if title else reading, fontsize=10)
    if path is not None:
        save_figure(figure, path)
    return CurvesPlot(figure, reading)
