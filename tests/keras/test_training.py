"""compile / fit / evaluate / predict: Keras semantics and the seed's §14.14 run."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
from glassnet import keras
from glassnet.utils.data import DataLoader, TensorDataset


@pytest.fixture(scope="module")
def mnist():
    (x, y), (xt, yt) = keras.datasets.mnist.load_data()
    return (x.reshape(-1, 784).astype("float32") / 255, y,
            xt.reshape(-1, 784).astype("float32") / 255, yt)


def test_section_14_14_reaches_96_percent_validation_accuracy_in_3_epochs(mnist):
    X_train, y_train, _, _ = mnist  # noqa: N806 - the seed's names
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.layers.Dense(128, activation="relu"),  # §14.1 layer + §14.5 ReLU
        keras.layers.BatchNormalization(),  # §14.10 normalization
        keras.layers.Dropout(0.3),  # §14.12 regularization
        keras.layers.Dense(10, activation="softmax"),  # §14.6 softmax output
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),  # §14.9 update rule
        loss="sparse_categorical_crossentropy",  # §14.8 loss
        metrics=["accuracy"],
    )
    history = model.fit(  # §14.13 epochs/batches loop
        X_train, y_train, epochs=3, batch_size=64,
        validation_split=0.1,
        callbacks=[keras.callbacks.EarlyStopping(patience=3,  # §14.13 early stop
                                                 restore_best_weights=True)],
        verbose=0,
    )
    assert max(history.history["val_accuracy"]) > 0.96
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 3


def test_validation_split_holds_out_the_last_samples_before_shuffling():
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.zeros((10, 1), dtype=np.float32)
    seen = []
    original = model.evaluate
    model.evaluate = lambda xv, yv, **kw: seen.append(xv.ravel().tolist()) or original(
        xv, yv, **kw)
    model.fit(x, y, validation_split=0.2, epochs=1, verbose=0)
    assert seen == [[8.0, 9.0]]


def test_evaluate_returns_loss_or_loss_and_metrics_and_predict_is_batched():
    keras.utils.set_random_seed(0)
    x = np.random.rand(50, 3).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    loss, mae = model.evaluate(x, y, verbose=0)
    prediction = model.predict(x, batch_size=7)
    assert isinstance(prediction, np.ndarray) and prediction.shape == (50, 1)
    assert loss == pytest.approx(float(((prediction - y) ** 2).mean()), rel=1e-5)
    assert mae == pytest.approx(float(np.abs(prediction - y).mean()), rel=1e-5)


def test_accuracy_resolves_by_loss_like_keras():
    keras.utils.set_random_seed(0)
    x = np.random.rand(40, 4).astype(np.float32)
    labels = (x[:, 0] > 0.5).astype(np.int64)
    for loss, target, units, activation in [
        ("sparse_categorical_crossentropy", labels, 2, "softmax"),
        ("categorical_crossentropy", keras.utils.to_categorical(labels, 2), 2, "softmax"),
        ("binary_crossentropy", labels.astype(np.float32), 1, "sigmoid"),
    ]:
        model = keras.Sequential([keras.layers.Dense(units, activation=activation)])
        model.compile(optimizer=keras.optimizers.SGD(0.5), loss=loss, metrics=["accuracy"])
        history = model.fit(x, target, epochs=30, batch_size=8, verbose=0)
        assert history.history["accuracy"][-1] > 0.8, loss


def test_softmax_with_crossentropy_stays_finite_for_extreme_outputs():
    model = keras.Sequential([keras.Input(shape=(2,)),
                              keras.layers.Dense(3, activation="softmax")])
    model.set_weights([np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]]), np.zeros(3)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    loss = model.evaluate(np.array([[1.0, 0.0]]), np.array([1]), verbose=0)
    assert math.isfinite(loss) and loss > 100  # confidently wrong, and finite
    probabilities = keras.losses.SparseCategoricalCrossentropy()(
        np.array([1]), np.array([[1.0, 0.0, 0.0]], dtype=np.float32))
    assert math.isfinite(probabilities.item())  # clipped at 1e-7: -log(1e-7) = 16.1
    assert probabilities.item() == pytest.approx(-math.log(1e-7), rel=1e-3)


def test_fit_accepts_a_glassnet_dataloader():
    keras.utils.set_random_seed(0)
    x = np.random.rand(64, 3).astype(np.float32)
    y = (x.sum(axis=1) > 1.5).astype(np.int64)
    loader = DataLoader(TensorDataset(glassnet.tensor(x), glassnet.tensor(y)), batch_size=16,
                        shuffle=True)
    model = keras.Sequential([keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(loader, epochs=20, verbose=0)
    assert history.history["accuracy"][-1] > 0.85


def test_verbose_modes(capsys):
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 2), np.float32), np.ones((8, 1), np.float32)
    model.fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=2, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and lines[0] == "Epoch 1/2" and "loss:" in lines[1]
    model.fit(x, y, epochs=1, verbose=1, batch_size=4)
    out = capsys.readouterr().out
    # Keras 3's ProgbarLogger prints no "Epoch 1/1" header when there is a single epoch
    assert "Epoch" not in out and "2/2" in out and "s/step" in out


def test_l2_regularizer_adds_its_penalty_to_the_loss():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(
        1, kernel_regularizer=keras.regularizers.l2(0.5), use_bias=False)])
    model.set_weights([np.array([[1.0], [2.0]])])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(0.5 * (1 + 4))


def test_fit_before_compile_and_unknown_names_are_clear():
    model = keras.Sequential([keras.layers.Dense(1)])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.ones((2, 2)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="unknown loss"):
        model.compile(optimizer="adam", loss="cross_entropy")
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.compile(optimizer="adagrad", loss="mse")
    with pytest.raises(ValueError, match="unknown activation"):
        keras.layers.Dense(2, activation="swishy")


def test_to_categorical():
    assert keras.utils.to_categorical([0, 2], 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match="labels must be in"):
        keras.utils.to_categorical([3], 3)
