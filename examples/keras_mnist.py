"""Seed 001 §14.14, "A complete worked network (Keras)", with only the import changed.

    python examples/keras_mnist.py
"""

from glassnet import keras  # was: import tensorflow as tf; from tensorflow import keras

(X_train, y_train), (X_test, y_test) = keras.datasets.mnist.load_data()
X_train = X_train.reshape(-1, 784).astype("float32") / 255
X_test = X_test.reshape(-1, 784).astype("float32") / 255

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
model.fit(  # §14.13 epochs/batches loop
    X_train, y_train, epochs=10, batch_size=64,
    validation_split=0.1,
    callbacks=[keras.callbacks.EarlyStopping(patience=3,  # §14.13 early stop
                                             restore_best_weights=True)],
)
model.summary()
loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"test accuracy {accuracy:.4f}, test loss {loss:.4f}")
