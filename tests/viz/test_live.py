"""LiveCurves: one figure redrawn in place in a notebook (a display handle updated), a printed
line per redraw elsewhere, and the Keras callback that feeds it from fit's logs."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import keras, viz
from glassnet.datasets import toy
from glassnet.viz import _display

pytest.importorskip("matplotlib")
PNG = b"\x89PNG\r\n\x1a\n"


class FakeNotebook:
    """Stands in for IPython.display: records what is shown and each in-place update."""

    def __init__(self):
        self.shown, self.updates = [], []

    def display(self, obj, display_id=False):
        assert display_id is True  # a handle is needed to redraw in place
        self.shown.append(obj)
        notebook = self

        class Handle:
            def update(self, obj):
                notebook.updates.append(obj)

        return Handle()


@pytest.fixture
def notebook(monkeypatch):
    display = pytest.importorskip("IPython.display")
    fake = FakeNotebook()
    monkeypatch.setattr(display, "display", fake.display)
    return fake


def test_outside_a_notebook_each_redraw_is_one_printed_line(capsys):
    live = viz.LiveCurves(every=2, notebook=False)
    for step in range(1, 6):
        live.update(step=step, loss=1 / step, accuracy=step / 10)
    live.update(step=5, val_loss=0.3, val_accuracy=0.55)  # validation always draws
    assert capsys.readouterr().out.splitlines() == [
        "step 2: loss 0.5000 - accuracy 0.2000",
        "step 4: loss 0.2500 - accuracy 0.4000",
        "step 5: loss 0.2000 - accuracy 0.5000 - val_loss 0.3000 - val_accuracy 0.5500"]
    assert live.history == {"loss": [1, 0.5, 1 / 3, 0.25, 0.2], "accuracy": [0.1, 0.2, 0.3,
                            0.4, 0.5], "val_loss": [0.3], "val_accuracy": [0.55]}
    assert live.steps["val_loss"] == [5.0] and live.steps["loss"] == [1, 2, 3, 4, 5]
    assert live.figure is None  # nothing drawn in a terminal


def test_step_defaults_to_the_count_of_updates_and_tensors_are_numbers(capsys):
    live = viz.LiveCurves(every=3, metrics=("loss",), notebook=False)
    for value in (0.9, 0.8, 0.7):
        live.update(loss=glassnet.tensor(value))
    assert live.steps["loss"] == [1, 2, 3]
    assert capsys.readouterr().out == "step 3: loss 0.7000\n"
    live.draw()  # forced, e.g. after the loop
    assert capsys.readouterr().out == "step 3: loss 0.7000\n"


def test_a_misspelt_curve_raises_naming_the_closest_one():
    live = viz.LiveCurves(notebook=False)
    with pytest.raises(ValueError, match=r"'acuracy' is not one of the curves.*did you mean "
                                         r"'accuracy'\? Or add it with LiveCurves\(metrics="):
        live.update(step=1, acuracy=0.5)
    assert live.history == {} and live.updates == 0  # nothing half-recorded
    with pytest.raises(ValueError, match="give at least one value"):
        live.update(step=1)
    with pytest.raises(ValueError, match="every must be a whole number of updates >= 1, got 0"):
        viz.LiveCurves(every=0)
    with pytest.raises(TypeError, match=r"write metrics=\('loss',\)"):
        viz.LiveCurves(metrics="loss")
    free = viz.LiveCurves(metrics=None, notebook=False)
    free.update(step=1, lr=0.1)  # metrics=None takes any name
    assert free.panels() == {"lr": ["lr"]}


def test_in_a_notebook_one_picture_is_shown_then_updated_in_place(notebook):
    from IPython.display import Image

    live = viz.LiveCurves(every=2, notebook=True)
    for step in range(1, 7):
        live.update(step=step, loss=1 / step, accuracy=step / 10)
    live.update(step=6, val_loss=0.4, val_accuracy=0.5)
    assert len(notebook.shown) == 1 and len(notebook.updates) == 3  # steps 2 | 4, 6, val
    pictures = notebook.shown + notebook.updates
    assert all(isinstance(p, Image) and p.data.startswith(PNG) for p in pictures)
    assert pictures[-1].data != pictures[0].data


def test_train_and_validation_share_a_panel_per_metric(notebook):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    live = viz.LiveCurves(notebook=True)
    live.update(step=1, loss=0.9, accuracy=0.5)
    assert [axis.get_ylabel() for axis in live.figure.axes] == ["loss", "accuracy"]
    live.update(step=1, val_loss=1.0, val_accuracy=0.4)
    loss_axis = live.figure.axes[0]
    assert loss_axis.get_legend_handles_labels()[1] == ["train", "validation"]
    assert [list(line.get_ydata()) for line in loss_axis.lines] == [[0.9], [1.0]]
    assert loss_axis.get_title() == "train 0.9000, validation 1.0000"
    assert plt.get_fignums() == before  # pyplot does not hold it: the notebook shows it once


def test_a_panel_appears_when_its_first_value_does(notebook):
    live = viz.LiveCurves(notebook=True)
    live.update(step=1, loss=0.9)
    assert len(live.figure.axes) == 1
    live.update(step=2, loss=0.8, accuracy=0.6)
    assert [axis.get_ylabel() for axis in live.figure.axes] == ["loss", "accuracy"]


def test_live_curves_ending_a_cell_show_the_curves():
    live = viz.LiveCurves(notebook=False)
    assert live._repr_png_() is None
    live.record(step=1, loss=0.5)
    assert live._repr_png_().startswith(PNG)
    assert repr(live) == "LiveCurves(every=1, metrics=('loss', 'accuracy'), updates=1)"


def test_notebook_mode_is_detected_and_can_be_forced(monkeypatch):
    monkeypatch.setattr(_display, "FORCE_NOTEBOOK", None)
    assert viz.LiveCurves().notebook is False  # pytest is no Jupyter kernel
    monkeypatch.setattr(_display, "FORCE_NOTEBOOK", True)
    assert viz.LiveCurves().notebook is True
    assert viz.LiveCurves(notebook=False).notebook is False


# ----- the Keras callback ---------------------------------------------------------------------
def xor_model():
    glassnet.manual_seed(0)
    model = keras.Sequential([keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    X, y = toy.xor(40)
    return model, X, y.astype(np.float32)


def test_keras_callback_prints_each_epoch_outside_a_notebook(capsys):
    model, X, y = xor_model()
    live = keras.callbacks.LiveCurves(notebook=False)
    history = model.fit(X, y, epochs=3, batch_size=10, verbose=0, validation_split=0.25,
                        callbacks=[live])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1", "epoch 2", "epoch 3"]
    assert set(live.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert live.history["val_loss"] == pytest.approx(history.history["val_loss"])
    assert live.live.steps["loss"] == [1, 2, 3]
    assert f"val_loss {history.history['val_loss'][-1]:.4f}" in lines[-1]


def test_keras_callback_every_n_batches_counts_batches(capsys):
    model, X, y = xor_model()
    live = keras.callbacks.LiveCurves(every=2, metrics=("loss",), notebook=False)
    model.fit(X, y, epochs=2, batch_size=10, verbose=0, validation_split=0.25, callbacks=[live])
    # 30 training points in batches of 10: 3 batches an epoch, 6 in all
    assert live.live.steps["loss"] == [2, 4, 6]
    assert live.live.steps["val_loss"] == [3, 6]  # at each epoch's end
    assert "accuracy" not in live.history
    assert capsys.readouterr().out.splitlines()[0].startswith("batch 2: loss ")


def test_keras_callback_in_a_notebook_throttles_and_draws_the_end(notebook):
    model, X, y = xor_model()
    live = keras.callbacks.LiveCurves(notebook=True)
    live.min_seconds = 3600  # only the first epoch passes the throttle
    model.fit(X, y, epochs=4, batch_size=20, verbose=0, callbacks=[live])
    assert len(notebook.shown) == 1 and len(notebook.updates) == 1  # first epoch, then the end
    assert len(live.history["loss"]) == 4
    assert live.live.figure.axes[0].get_xlabel() == "epoch"


def test_keras_callback_refuses_a_bad_every():
    with pytest.raises(ValueError, match="every is 'epoch' or a whole number of batches >= 1, "
                                         "got 'batch'"):
        keras.callbacks.LiveCurves(every="batch")
