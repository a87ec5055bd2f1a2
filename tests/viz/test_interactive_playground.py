"""The interactive playground without a browser: set the widgets' values, click the buttons,
and check the model, the optimizer and the picture change."""

from __future__ import annotations

import asyncio
import sys

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn
from glassnet import viz
from glassnet.datasets import toy
from glassnet.viz.interactive import PlaygroundController, parse_hidden

pytest.importorskip("matplotlib")


def layer_sizes(model) -> list[tuple[int, int]]:
    return [(m.in_features, m.out_features) for m in model if isinstance(m, nn.Linear)]


def activations(model) -> set[str]:
    return {type(m).__name__ for m in model if not isinstance(m, nn.Linear)}


@pytest.fixture
def playground():
    pytest.importorskip("ipywidgets")
    glassnet.manual_seed(0)
    np.random.seed(0)
    return viz.interactive_playground(dataset="circles", hidden="4, 2", epochs_per_update=2)


def test_hidden_sizes_are_read_from_text():
    assert parse_hidden("8,8") == (8, 8) and parse_hidden(" 8, 4 2") == (8, 4, 2)
    assert parse_hidden("") == () and parse_hidden((3, 5)) == (3, 5)
    with pytest.raises(ValueError, match="whole numbers above 0 separated by commas, like "
                                         "'8, 8'; got '8, x'"):
        parse_hidden("8, x")
    with pytest.raises(ValueError, match="got '0'"):
        parse_hidden("0")


def test_the_controls_build_the_model(playground):
    assert layer_sizes(playground.model) == [(2, 4), (4, 2), (2, 1)]  # two classes: one unit
    assert activations(playground.model) == {"Tanh"}
    playground.widgets["hidden"].value = "8, 8, 3"
    assert layer_sizes(playground.model) == [(2, 8), (8, 8), (8, 3), (3, 1)]
    playground.widgets["activation"].value = "relu"
    assert activations(playground.model) == {"ReLU"}
    playground.widgets["activation"].value = "linear"
    assert activations(playground.model) == set()
    playground.widgets["dataset"].value = "blobs"  # three classes: three outputs
    assert layer_sizes(playground.model)[-1] == (3, 3) and set(playground.y) == {0, 1, 2}


def test_learning_rate_l2_and_batch_size_apply_without_a_reset(playground):
    playground.step()
    weights = [p.detach().numpy().copy() for p in playground.model.parameters()]
    model = playground.model
    playground.widgets["lr"].value = 0.3
    playground.widgets["l2"].value = 0.01
    playground.widgets["batch_size"].value = 25
    assert [g["lr"] for g in playground.optimizer.param_groups] == [0.3, 0.3]
    # L2 on the weights only, as TensorFlow Playground's regularisation
    assert [g["weight_decay"] for g in playground.optimizer.param_groups] == [0.01, 0.0]
    assert playground.batch_size == 25 and playground.epoch == 2
    assert playground.model is model
    assert all(np.array_equal(a, p.detach().numpy())
               for a, p in zip(weights, playground.model.parameters()))


def test_noise_and_data_set_give_new_points_and_start_over(playground):
    playground.step()
    X = playground.X.copy()
    playground.widgets["noise"].value = 0.3
    assert playground.epoch == 0 and not np.array_equal(X, playground.X)
    assert playground.X.std() > X.std()  # noisier circles spread wider
    playground.widgets["dataset"].value = "xor"
    assert playground.dataset == "xor"
    X, y = playground.X, playground.y  # label 1 where exactly one coordinate is near 1
    assert np.mean(((X[:, 0] > 0.5) ^ (X[:, 1] > 0.5)) == y) > 0.8


def test_step_trains_and_redraws(playground):
    picture = bytes(playground.widgets["picture"].value)
    assert picture.startswith(b"\x89PNG")
    assert playground.widgets["status"].value == "epoch 0: press train or step"
    playground.widgets["step"].click()
    assert playground.epoch == 2 and len(playground.losses) == 1
    assert bytes(playground.widgets["picture"].value).startswith(b"\x89PNG")
    assert bytes(playground.widgets["picture"].value) != picture
    assert playground.widgets["status"].value.startswith("epoch 2: loss ")
    playground.widgets["reset"].click()
    assert playground.epoch == 0 and playground.losses == []


def test_training_learns_the_circles(playground):
    playground.widgets["lr"].value = 0.3
    playground.step(epochs=60)
    loss, accuracy = playground.evaluate()
    assert accuracy > 0.9 and loss < 0.3


def test_the_picture_has_a_cell_per_hidden_unit(playground):
    assert [len(row) for row in playground._unit_images] == [4, 2]
    playground.widgets["hidden"].value = "12"
    assert [len(row) for row in playground._unit_images] == [8]  # 8 drawn, as TF Playground
    playground.widgets["hidden"].value = ""
    assert playground._unit_images == []


def test_bad_hidden_sizes_are_reported_and_the_model_kept(playground):
    model = playground.model
    playground.widgets["hidden"].value = "4, four"
    assert "whole numbers above 0" in playground.widgets["status"].value
    assert layer_sizes(playground.model) == layer_sizes(model)
    playground.widgets["hidden"].value = "3"
    assert playground.widgets["status"].value == "epoch 0: press train or step"


def test_train_runs_on_the_event_loop_until_pause(playground):
    playground.max_epochs = 400

    async def session():
        playground.widgets["train"].click()
        assert playground.running
        while playground.epoch < 6:  # other handlers get their turn between frames
            await asyncio.sleep(0.01)
        playground.widgets["pause"].click()
        await playground._task
        return playground.epoch

    stopped_at = asyncio.run(session())
    assert not playground.running and 6 <= stopped_at < 400


def test_train_stops_at_max_epochs_and_without_a_loop_runs_there():
    controller = PlaygroundController(dataset="moons", epochs_per_update=3, max_epochs=6)
    controller.train()  # no event loop (a script): trains to max_epochs at once
    assert controller.epoch == 6 and not controller.running


def test_your_points_and_your_model(monkeypatch):
    pytest.importorskip("ipywidgets")
    glassnet.manual_seed(0)
    X, y = toy.xor(40)
    model = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 1))
    weight = model[0].weight.detach().numpy().copy()
    controller = viz.Playground(model, X, y).interact()
    assert controller.widgets["dataset"].options[0] == "your points"
    assert controller.widgets["hidden"].value == "5" and controller.activation == "relu"
    assert controller.model is model and np.array_equal(controller.X, X)
    assert np.array_equal(model[0].weight.detach().numpy(), weight)  # kept as trained
    controller.widgets["reset"].click()
    assert controller.model is model
    assert not np.array_equal(model[0].weight.detach().numpy(), weight)  # fresh weights
    controller.widgets["hidden"].value = "6"
    assert controller.model is not model and layer_sizes(controller.model)[0] == (2, 6)


def test_the_controller_shows_its_widgets_when_it_ends_a_cell(playground):
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(playground)
    assert "application/vnd.jupyter.widget-view+json" in data
    model_id = data["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert model_id == playground.widget.model_id


def test_without_ipywidgets_interact_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` fail
    X, y = toy.xor(20)
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
    with pytest.raises(ImportError, match=r"needs ipywidgets: pip install ipywidgets \(in a "
                                          r"notebook: %pip install ipywidgets\)"):
        viz.Playground(model, X, y).interact()
    with pytest.raises(ImportError, match="pip install ipywidgets"):
        viz.interactive_playground(dataset="moons")


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"dataset must be one of \['circles', 'xor', 'moons', "
                                         r"'spirals', 'blobs'\], got 'your points'"):
        PlaygroundController(dataset="your points")
    with pytest.raises(ValueError, match="give both X and y"):
        PlaygroundController(X=np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"X must be \(N, 2\) and y \(N,\), got X \(3, 4\)"):
        PlaygroundController(X=np.zeros((3, 4)), y=np.zeros(3))
    with pytest.raises(ValueError, match="class labels 0, 1, 2, ...; got values from -1.0 to "
                                         "1.0: map them to 0, 1"):
        PlaygroundController(X=np.zeros((3, 2)), y=np.array([-1.0, 1.0, 1.0]))
    float_labels = PlaygroundController(X=np.eye(2), y=np.array([0.0, 1.0]), hidden="2")
    assert float_labels.y.dtype == np.int64 and float_labels.dataset == "your points"
    with pytest.raises(ValueError, match="activation must be one of"):
        PlaygroundController(activation="swish")
