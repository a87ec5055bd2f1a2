"""keras.io's "Image classification from scratch" (the Cats vs Dogs example) as its readers
type it: data augmentation with RandomFlip and RandomRotation applied to the images, then the
small Xception-like network (Rescaling, strided Conv2D, SeparableConv2D blocks with residual
projections added back, GlobalAveragePooling2D, Dropout, one logit), compiled with Adam and
BinaryCrossentropy(from_logits=True). tf.data and image_dataset_from_directory are left out:
random images stand in for the photos, made smaller so the test is quick."""

from __future__ import annotations

import numpy as np

from .conftest import to_numpy

IMAGE_SIZE = (24, 24)


def program(keras, np):
    layers = keras.layers
    data_augmentation_layers = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)]

    def data_augmentation(images):
        for layer in data_augmentation_layers:
            images = layer(images)
        return images

    def make_model(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)

        # Entry block
        x = layers.Rescaling(1.0 / 255)(inputs)
        x = layers.Conv2D(128, 3, strides=2, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)

        previous_block_activation = x  # Set aside residual

        for size in [256, 512, 728]:
            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(size, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(size, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

            # Project residual
            residual = layers.Conv2D(size, 1, strides=2, padding="same")(
                previous_block_activation
            )
            x = layers.add([x, residual])  # Add back residual
            previous_block_activation = x  # Set aside next residual

        x = layers.SeparableConv2D(1024, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)

        x = layers.GlobalAveragePooling2D()(x)
        if num_classes == 2:
            units = 1
        else:
            units = num_classes

        x = layers.Dropout(0.25)(x)
        # We specify activation=None so as to return logits
        outputs = layers.Dense(units, activation=None)(x)
        return keras.Model(inputs, outputs)

    model = make_model(input_shape=IMAGE_SIZE + (3,), num_classes=2)
    images = np.random.default_rng(0).uniform(0, 255, (8, *IMAGE_SIZE, 3)).astype("float32")
    labels = (np.arange(8) % 2).astype("float32")
    augmented = data_augmentation(images)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-4),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(name="acc")],
    )
    return model, images, labels, augmented


def test_the_tutorials_model_has_keras_parameters_and_predictions(both):
    built = [program(framework.keras, np) for framework in both]
    (ours, images, _, _), (theirs, _, _, _) = built
    # 2,731,065 weights in Keras 3 for this code, whatever the image size
    assert ours.count_params() == theirs.count_params() == 2_731_065
    assert [type(layer).__name__ for layer in ours.layers] == \
        [type(layer).__name__ for layer in theirs.layers]
    ours.set_weights([to_numpy(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(ours.predict(images, verbose=0),
                               to_numpy(theirs.predict(images, verbose=0)), rtol=1e-3,
                               atol=1e-3)


def test_the_tutorial_augments_and_trains(k):
    model, images, labels, augmented = program(k.keras, np)
    augmented = to_numpy(augmented)
    assert augmented.shape == images.shape and not np.allclose(augmented, images)
    history = model.fit(images, labels, epochs=2, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all() and "acc" in history.history
