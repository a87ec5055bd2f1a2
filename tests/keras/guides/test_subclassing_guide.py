"""The layers-and-models-by-subclassing guide (keras-io
guides/making_new_layers_and_models_via_subclassing.py) and the serialization guide's custom
objects: add_weight in __init__ and in build, non-trainable weights updated with assign_add,
nested layers, add_loss, get_config with register_keras_serializable, saved and loaded."""

from __future__ import annotations

import numpy as np

from .conftest import to_numpy


def linear_program(keras, np):
    """The guide's Linear layer, its weights made in __init__, then lazily in build."""
    ops = keras.ops

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(
                shape=(input_dim, units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    x = ops.ones((2, 2))
    linear_layer = Linear(4, 2)
    y = linear_layer(x)
    eager = (linear_layer, y)

    class LazyLinear(keras.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="random_normal", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    linear_layer = LazyLinear(32)
    built_before = linear_layer.built
    y = linear_layer(x)
    return eager, (linear_layer, y, built_before)


def test_linear_layer_weights_in_init_and_in_build(k):
    (eager, eager_y), (lazy, lazy_y, built_before) = linear_program(k.keras, np)
    assert eager.weights == [eager.w, eager.b]
    assert tuple(to_numpy(eager_y).shape) == (2, 4)
    np.testing.assert_allclose(to_numpy(eager_y), np.ones((2, 2)) @ to_numpy(eager.w),
                               rtol=1e-6)
    assert not built_before and lazy.built
    assert [tuple(w.shape) for w in lazy.weights] == [(2, 32), (32,)]
    assert tuple(to_numpy(lazy_y).shape) == (2, 32)


def compute_sum_program(keras, np):
    """The guide's non-trainable weight, updated in call with assign_add."""
    ops = keras.ops

    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(
                initializer="zeros", shape=(input_dim,), trainable=False
            )

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    x = ops.ones((2, 2))
    my_sum = ComputeSum(2)
    first = to_numpy(my_sum(x)).copy()
    second = to_numpy(my_sum(x)).copy()
    return my_sum, first, second


def test_non_trainable_weight_accumulates(k):
    my_sum, first, second = compute_sum_program(k.keras, np)
    np.testing.assert_array_equal(first, [2.0, 2.0])
    np.testing.assert_array_equal(second, [4.0, 4.0])
    assert len(my_sum.weights) == 1
    assert len(my_sum.non_trainable_weights) == 1
    assert my_sum.trainable_weights == []


def nested_and_add_loss_program(keras, np):
    """The guide's MLPBlock of three Linear layers, and ActivityRegularizationLayer."""
    ops = keras.ops

    class Linear(keras.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                     trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    class MLPBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = Linear(32)
            self.linear_2 = Linear(32)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = self.linear_1(inputs)
            x = keras.activations.relu(x)
            x = self.linear_2(x)
            x = keras.activations.relu(x)
            return self.linear_3(x)

    mlp = MLPBlock()
    y = mlp(ops.ones(shape=(3, 64)))  # The first call to the `mlp` will create the weights

    class ActivityRegularizationLayer(keras.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(inputs))
            return inputs

    class OuterLayer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = OuterLayer()
    before = len(layer.losses)  # No losses yet since the layer has never been called
    _ = layer(ops.zeros((1, 1)))
    after_first = len(layer.losses)  # We created one loss value
    _ = layer(ops.zeros((1, 1)))
    after_second = len(layer.losses)  # This is the loss created during the call above

    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)
    return mlp, y, (before, after_first, after_second), history


def test_nested_layers_track_weights_and_add_loss_resets_per_call(k):
    mlp, y, counts, history = nested_and_add_loss_program(k.keras, np)
    assert len(mlp.weights) == 6
    assert len(mlp.trainable_weights) == 6
    assert tuple(to_numpy(y).shape) == (3, 1)
    assert counts == (0, 1, 1)
    assert np.isfinite(history.history["loss"][0])


def register_linear(keras):
    """The serialization guide's custom layer, registered under a package."""
    ops = keras.ops

    @keras.saving.register_keras_serializable(package="MyLayers")
    class Linear(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="random_normal", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    return Linear


def custom_layer_saving_program(keras, np):
    Linear = register_linear(keras)  # noqa: N806 - a class, as the guide names it
    layer = Linear(64)
    config = layer.get_config()
    new_layer = Linear.from_config(config)

    inputs = keras.Input((16,))
    x = Linear(8, name="linear_1")(inputs)
    x = keras.layers.Activation("relu")(x)
    outputs = Linear(1, name="linear_2")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    x_data = np.random.random((64, 16)).astype("float32")
    model.fit(x_data, np.random.random((64, 1)), epochs=1, verbose=0)
    model.save("custom_model.keras")
    reconstructed = keras.models.load_model("custom_model.keras")
    return config, new_layer, model, reconstructed, x_data


def test_registered_layer_round_trips_through_get_config_and_the_keras_file(k):
    config, new_layer, model, reconstructed, x = custom_layer_saving_program(k.keras, np)
    assert config["units"] == 64 and new_layer.units == 64
    assert type(reconstructed.get_layer("linear_1")).__name__ == "Linear"
    assert k.keras.saving.get_registered_name(type(reconstructed.get_layer("linear_1"))) \
        == "MyLayers>Linear"
    np.testing.assert_array_equal(to_numpy(model.predict(x, verbose=0)),
                                  to_numpy(reconstructed.predict(x, verbose=0)))
    assert reconstructed.optimizer is not None  # compiled from the file
    reconstructed.fit(x, np.zeros((64, 1)), epochs=1, verbose=0)


def test_custom_layer_file_loads_in_the_other_framework(both):
    glassnet, keras3 = both
    _, _, model, _, x = custom_layer_saving_program(glassnet.keras, np)
    register_linear(keras3.keras)
    other = keras3.keras.models.load_model("custom_model.keras")
    np.testing.assert_allclose(to_numpy(other.predict(x, verbose=0)),
                               to_numpy(model.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)
    other.save("from_keras.keras")
    back = glassnet.keras.models.load_model("from_keras.keras")
    np.testing.assert_allclose(to_numpy(back.predict(x, verbose=0)),
                               to_numpy(model.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)


def custom_dropout_program(keras, np):
    """The guide's "Privileged training argument in the call() method"."""

    class CustomDropout(keras.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs, training=None):
            if training:
                return keras.random.dropout(inputs, rate=self.rate, seed=self.seed_generator)
            return inputs

    layer = CustomDropout(0.5)
    x = np.ones((200, 50), "float32")
    return to_numpy(layer(x, training=True)), to_numpy(layer(x, training=False)), \
        to_numpy(layer(x, training=True))


def test_custom_dropout_drops_only_in_training(k):
    dropped, kept, dropped_again = custom_dropout_program(k.keras, np)
    np.testing.assert_array_equal(kept, np.ones((200, 50)))
    assert set(np.unique(dropped)) == {0.0, 2.0}  # survivors scaled by 1 / (1 - rate)
    assert 0.45 < np.mean(dropped == 0) < 0.55
    assert not np.array_equal(dropped, dropped_again)  # the seed generator moves on


def vae_program(keras, np, data):
    """The guide's end-to-end example: a variational autoencoder from subclassed layers and a
    subclassed Model with add_loss, trained on MNIST digits."""
    layers = keras.layers
    ops = keras.ops

    class Sampling(layers.Layer):
        """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class Encoder(layers.Layer):
        """Maps MNIST digits to a triplet (z_mean, z_log_var, z)."""

        def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
            self.dense_mean = layers.Dense(latent_dim)
            self.dense_log_var = layers.Dense(latent_dim)
            self.sampling = Sampling()

        def call(self, inputs):
            x = self.dense_proj(inputs)
            z_mean = self.dense_mean(x)
            z_log_var = self.dense_log_var(x)
            z = self.sampling((z_mean, z_log_var))
            return z_mean, z_log_var, z

    class Decoder(layers.Layer):
        """Converts z, the encoded digit vector, back into a readable digit."""

        def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
            self.dense_output = layers.Dense(original_dim, activation="sigmoid")

        def call(self, inputs):
            x = self.dense_proj(inputs)
            return self.dense_output(x)

    class VariationalAutoEncoder(keras.Model):
        """Combines the encoder and decoder into an end-to-end model for training."""

        def __init__(self, original_dim, intermediate_dim=64, latent_dim=32,
                     name="autoencoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.original_dim = original_dim
            self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
            self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

        def call(self, inputs):
            z_mean, z_log_var, z = self.encoder(inputs)
            reconstructed = self.decoder(z)
            # Add KL divergence regularization loss.
            kl_loss = -0.5 * ops.mean(
                z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1
            )
            self.add_loss(kl_loss)
            return reconstructed

    (x_train, _), _ = data
    original_dim = 784
    vae = VariationalAutoEncoder(original_dim, 64, 32)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    vae.compile(optimizer, loss=keras.losses.MeanSquaredError())
    history = vae.fit(x_train, x_train, epochs=3, batch_size=64, verbose=0)
    return vae, history


def test_variational_autoencoder_trains_with_its_kl_loss(k, mnist_subset):
    vae, history = vae_program(k.keras, np, mnist_subset)
    losses = history.history["loss"]
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert len(vae.weights) == 2 * 5  # a kernel and a bias: three Dense in the encoder, two
    # in the decoder
    assert len(vae.losses) == 1  # the KL term of the last call
    reconstruction = to_numpy(vae.predict(mnist_subset[1][0][:8], verbose=0))
    assert reconstruction.shape == (8, 784)
    assert reconstruction.min() >= 0 and reconstruction.max() <= 1
