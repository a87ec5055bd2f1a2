"""viz: the graph drawing, history reading, descent paths, surfaces, playground pictures."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn
from glassnet import keras, viz
from glassnet.datasets import toy

pytest.importorskip("matplotlib")


def section_14_4():
    x = glassnet.tensor(2.0)
    w1 = glassnet.tensor(0.5, requires_grad=True)
    w2 = glassnet.tensor(1.5, requires_grad=True)
    loss = 0.5 * (w2 * (x * w1) - 3.0) ** 2
    loss.backward()
    return loss, w1, w2


def test_draw_graph_names_ops_and_leaves_with_values_and_gradients(tmp_path):
    loss, w1, w2 = section_14_4()
    graph = viz.draw_graph(loss, params={"w1": w1, "w2": w2})
    source = graph.source
    assert source.startswith("digraph") and source.count("MulBackward0") == 3
    assert "PowBackward0" in source and "SubBackward0" in source
    assert "w1\\nscalar\\ndata 0.5\\ngrad -4.5" in source
    assert "w2\\nscalar\\ndata 1.5\\ngrad -1.5" in source
    assert "data 1.5\\ngrad -1.5" in source  # ŷ = 1.5 and its gradient ŷ - y = -1.5
    for suffix in ("png", "svg"):
        path = graph.render(tmp_path / f"graph.{suffix}")
        assert path.stat().st_size > 1000


def test_draw_graph_takes_names_from_a_module_and_shows_shapes():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    out = model(glassnet.randn(5, 3)).sum()
    source = viz.draw_graph(out, params=model).source
    assert "0.weight\\nshape (4, 3)" in source and "2.bias\\nshape (2,)" in source
    assert "AddmmBackward0" in source and "ReluBackward0" in source


def test_draw_model_lists_layers_shapes_and_parameter_counts(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    source = viz.draw_model(model, input_shape=(1, 3)).source
    assert "Linear" in source and "16 params" in source and "10 params" in source
    assert "out (1, 4)" in source
    kmodel = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10)])
    ksource = viz.draw_model(kmodel).source
    assert "7,850 params" in ksource and "out (N, 10)" in ksource
    viz.draw_model(model, (1, 3)).render(tmp_path / "model.png")


def test_history_reading_says_learning_overfitting_or_flat(tmp_path):
    learning = {"train_loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.6, 0.4]}
    overfitting = {"loss": [1.0, 0.5, 0.3, 0.2, 0.1], "val_loss": [1.0, 0.6, 0.5, 0.6, 0.8]}
    flat = {"loss": [1.0, 1.0, 0.995], "val_loss": [1.0, 1.0, 1.0]}
    assert viz.read_curves(learning).startswith("learning")
    assert viz.read_curves(overfitting).startswith("overfitting since epoch 3")
    assert viz.read_curves(flat).startswith("flat")
    figure, reading = viz.plot_history(overfitting, tmp_path / "h.png")
    assert reading.startswith("overfitting") and (tmp_path / "h.png").exists()
    csv = tmp_path / "history.csv"
    csv.write_text("epoch,train_loss,val_loss\n1,1.0,1.1\n2,0.5,0.6\n")
    assert viz.plot_history(csv)[1].startswith("learning")


def test_descent_in_1d_and_2d_with_schedules(tmp_path):
    run = viz.descent(lambda x: x**2, x0=4.0, lr=0.1, steps=3)
    np.testing.assert_allclose(run.points[:, 0], [4.0, 3.2, 2.56, 2.048])  # x ← (1 - 2η)x
    halving = viz.descent(lambda x: x**2, x0=4.0, lr=0.1, steps=2, schedule="halving")
    np.testing.assert_allclose(halving.rates, [0.1, 0.05])
    assert viz.descent(lambda x: x**2, 4.0, 0.1, 3, schedule="1/t").rates[2] == \
        pytest.approx(0.1 / 3)
    bowl = viz.descent(lambda w: (w * w).sum(), x0=[[1.0, -2.0], [2.0, 2.0]], lr=0.25,
                       steps=10)
    assert len(bowl) == 2 and np.abs(bowl[0].final).max() < 1e-2
    viz.plot_descent(lambda w: (w * w).sum(), bowl, tmp_path / "bowl.png")
    with pytest.raises(ValueError, match="unknown schedule"):
        viz.descent(lambda x: x**2, 1.0, 0.1, schedule="cosine-ish")


def test_loss_surface_of_a_two_parameter_model_has_its_minimum_at_the_truth(tmp_path):
    x = np.linspace(0, 1, 20, dtype=np.float32).reshape(-1, 1)
    y = 3 * x - 1
    model = nn.Linear(1, 1)
    W1, W2, L = viz.loss_surface(model, (x, y), (2, 4), (-2, 0), resolution=41,
                                 path=tmp_path / "s.png", trajectory=[[2.5, -1.5], [3, -1]])
    i, j = np.unravel_index(np.argmin(L), L.shape)
    assert W1[i, j] == pytest.approx(3.0) and W2[i, j] == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="exactly two parameter values"):
        viz.loss_surface(nn.Linear(2, 1), (x, y), (0, 1), (0, 1))


def test_activation_derivatives_come_from_autograd():
    from glassnet.viz.activations import activation_and_derivative

    x = np.linspace(-3, 3, 61)
    _, slope = activation_and_derivative("sigmoid", x)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(slope, s * (1 - s), atol=1e-12)
    _, relu_slope = activation_and_derivative("relu", x)
    assert relu_slope[x > 0].min() == 1 and relu_slope[x < 0].max() == 0


@pytest.mark.parametrize("name", ["xor", "circles", "moons", "spirals", "blobs"])
def test_toy_datasets_are_seeded_2d_classification_sets(name):
    X, y = getattr(toy, name)(seed=1)
    X2, y2 = getattr(toy, name)(seed=1)
    assert X.shape[1] == 2 and X.dtype == np.float32 and y.dtype == np.int64
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and len(np.unique(y)) >= 2


def test_playground_pictures(tmp_path):
    X, y = toy.moons(n=200, seed=0)
    glassnet.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 6), nn.ReLU(),
                          nn.Linear(6, 2))
    playground = viz.Playground(model, X, y, lr=0.05, epochs=200, every=100)
    snapshots = playground.run()
    assert [s[0] for s in snapshots] == [1, 100, 200] and snapshots[-1][2] > 0.85
    playground.save(tmp_path / "grid.png")
    playground.save(tmp_path / "anim.gif")
    from PIL import Image

    assert Image.open(tmp_path / "anim.gif").n_frames == 3
    figure = viz.plot_neurons(model, X, tmp_path / "neurons.png")
    assert len(figure.axes) == 2 * 8  # two hidden layers, up to 8 units each
    viz.plot_weights(model, tmp_path / "weights.png")
    viz.plot_decision_boundary(model, X, y, tmp_path / "boundary.png")
    for name in ("grid.png", "neurons.png", "weights.png", "boundary.png"):
        assert (tmp_path / name).stat().st_size > 1000


def test_scores_understand_logits_probabilities_and_raw_outputs():
    points = np.array([[0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    logits = nn.Sequential(nn.Linear(2, 3))
    s = viz.scores(logits, points)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-6)
    sig = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    assert viz.scores(sig, points).shape == (2,)
