"""keras.io's "Timeseries classification from scratch" (the FordA example): three Conv1D /
BatchNormalization / ReLU blocks, GlobalAveragePooling1D and a softmax, trained with its
callbacks (ModelCheckpoint on val_loss, ReduceLROnPlateau, EarlyStopping) and reloaded from
the best checkpoint. Noisy sine waves of two frequencies stand in for the engine sensor data."""

from __future__ import annotations

import numpy as np

from .conftest import to_numpy


def waves(n=96, length=50, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    t = np.linspace(0, 4 * np.pi, length)
    x = np.sin(t[None, :] * (1 + labels[:, None]) + rng.uniform(0, 6, (n, 1)))
    x = x + rng.normal(0, 0.3, x.shape)
    return x.reshape(n, length, 1).astype("float32"), labels


def program(keras, np, epochs=8):
    x_train, y_train = waves()
    num_classes = len(np.unique(y_train))

    def make_model(input_shape):
        input_layer = keras.layers.Input(input_shape)

        conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(input_layer)
        conv1 = keras.layers.BatchNormalization()(conv1)
        conv1 = keras.layers.ReLU()(conv1)

        conv2 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv1)
        conv2 = keras.layers.BatchNormalization()(conv2)
        conv2 = keras.layers.ReLU()(conv2)

        conv3 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv2)
        conv3 = keras.layers.BatchNormalization()(conv3)
        conv3 = keras.layers.ReLU()(conv3)

        gap = keras.layers.GlobalAveragePooling1D()(conv3)

        output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

        return keras.models.Model(inputs=input_layer, outputs=output_layer)

    model = make_model(input_shape=x_train.shape[1:])
    callbacks = [
        keras.callbacks.ModelCheckpoint(
            "best_model.keras", save_best_only=True, monitor="val_loss"
        ),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=20, min_lr=0.0001
        ),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=50, verbose=0),
    ]
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    history = model.fit(
        x_train, y_train, batch_size=32, epochs=epochs, callbacks=callbacks,
        validation_split=0.2, verbose=0,
    )
    best = keras.models.load_model("best_model.keras")
    return model, best, history.history, x_train, y_train


def test_the_tutorial_trains_checkpoints_and_reloads(k):
    model, best, history, x, y = program(k.keras, np)
    assert model.count_params() == 25_858  # what Keras 3 counts for this model
    assert min(history["val_loss"]) < history["val_loss"][0]
    assert history["sparse_categorical_accuracy"][-1] > 0.7
    best_epoch = int(np.argmin(history["val_loss"]))
    assert len(history["loss"]) == 8 and best_epoch >= 0
    predictions = to_numpy(best.predict(x, verbose=0))
    assert predictions.shape == (len(x), 2) and np.allclose(predictions.sum(1), 1, atol=1e-5)


def test_the_model_predicts_as_keras_with_keras_weights(both):
    (ours, _, _, x, _), (theirs, _, _, _, _) = [program(f.keras, np, epochs=1) for f in both]
    ours.set_weights([to_numpy(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(ours.predict(x, verbose=0), to_numpy(theirs.predict(x, verbose=0)),
                               atol=1e-5)
