"""Keras' classic "Simple MNIST convnet" on glassnet: the model learns, and the example script
(examples/keras_mnist_convnet.py, Keras' text with only the imports changed) runs end to end."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

from glassnet import keras
from glassnet.keras import layers

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "keras_mnist_convnet.py"


@pytest.fixture(scope="module")
def mnist_subset():
    """1,200 training and 500 test digits from the vendored files (a convnet step in NumPy is
    ~0.3 s for 128 images, so the whole set would take minutes)."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return ((x_train[:1200], y_train[:1200]), (x_test[:500], y_test[:500]))


def test_classic_convnet_learns_mnist_on_a_subset(mnist_subset):
    (x_train, y_train), (x_test, y_test) = mnist_subset
    x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
    x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, 10)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_split=0.1,
                        verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    # 68 steps of 32 digits: chance is 0.1, and such a run lands near 0.85
    assert accuracy > 0.7, (loss, accuracy)


def test_the_example_script_runs_unchanged(mnist_subset, monkeypatch, capsys):
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: mnist_subset)
    monkeypatch.setenv("EPOCHS", "1")
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    assert "x_train shape: (1200, 28, 28, 1)" in out
    assert "Total params: 34,826" in out
    accuracy = float(out.split("Test accuracy:")[1].split()[0])
    assert accuracy > 0.3, out[-500:]  # 9 steps of 128 digits; chance is 0.1
