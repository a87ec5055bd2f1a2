"""04_keras.ipynb: seed 004's Keras XOR network and seed 001 §14.14, with callbacks."""

from _cell import code, md

CELLS = [
    md("""
# Lesson 4 — Keras: `Sequential`, `compile`, `fit` and callbacks

**What this notebook teaches** (seed 004 slides 1-6, seed 001 §14.14): building a network in
Keras' `Sequential` API and calling it like a function; **seed 004's XOR network**, first with
the lecture's weights (and its question: what comes out at (0.5, 0.5)?), then learned with
`compile` and `fit`; **seed 001's complete worked network** on MNIST, exactly as written, with
live curves; and **callbacks**: early stopping, a callback of your own, logging, checkpoints,
learning-rate schedules and the doctor.

`from glassnet import keras` stands in for `from tensorflow import keras`; the rest is Keras 3's
API.

**Run time:** about 15 s on a 2-core CPU, up to 50 s on a busy one. No network.
"""),
    code("""
%matplotlib inline
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from glassnet import keras, viz  # was: from tensorflow import keras

started = time.perf_counter()
keras.utils.set_random_seed(0)
"""),
    md("""
## 1. A network in five lines

Seed 004's slide 1: three `Dense` (fully connected) layers of 2, 3 and 1 units. A layer without
an `activation` is linear (its output can be any real number). Once built, the model is called
like a function.
"""),
    code("""
model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(2, activation="relu"),
    keras.layers.Dense(3, activation="relu"),
    keras.layers.Dense(1),
])
model.summary()
print(model.predict(np.array([[0.0, 1.0]]), verbose=0))
"""),
    md("""
## 2. XOR with the lecture's weights

XOR is 1 when exactly one input is 1. No single line separates the 1s from the 0s, so a network
needs a hidden layer and a nonlinearity. The lecture's solution: a hidden layer of two ReLU
units with W all ones and b = [0, −1], and an output unit with weights [1, −2] and bias 0.
Keras stores a Dense kernel as (inputs, units).
"""),
    code("""
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
y = np.array([0, 1, 1, 0])
lecture = keras.Sequential([keras.Input(shape=(2,)),
                            keras.layers.Dense(2, activation="relu"),
                            keras.layers.Dense(1)])
lecture.set_weights([np.ones((2, 2)), np.array([0.0, -1.0]),  # hidden W, b
                     np.array([[1.0], [-2.0]]), np.array([0.0])])  # output w, b
print("XOR of the four corners:", lecture.predict(X, verbose=0).ravel())
print("and at (0.5, 0.5):", lecture.predict(np.array([[0.5, 0.5]]), verbose=0).ravel())
"""),
    md("""
Exactly 0, 1, 1, 0, and at (0.5, 0.5), a point nobody defined, the network answers 1: whatever
its weights make of it. The picture of the output over the whole plane shows where it
invents:
"""),
    code("""
figure = viz.plot_decision_boundary(lecture, X, y, output="raw",
                                    title="the lecture's weights: output over the plane")
"""),
    md("""
## 3. XOR learned with `compile` and `fit`

Now let the network find weights itself: four tanh units, a sigmoid output read as
P(XOR = 1), binary cross-entropy, Adam. `fit` runs the whole loop of lesson 1 (forward, loss,
backward, step) for every batch of every epoch.
"""),
    code("""
learner = keras.Sequential([keras.Input(shape=(2,)),
                            keras.layers.Dense(4, activation="tanh"),
                            keras.layers.Dense(1, activation="sigmoid")])
learner.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                metrics=["accuracy"])
history = learner.fit(X, y, epochs=300, batch_size=4, verbose=0)
print("P(XOR = 1) at the corners:", learner.predict(X, verbose=0).ravel().round(3))
print(f"final loss {history.history['loss'][-1]:.4f}, "
      f"accuracy {history.history['accuracy'][-1]:.0%}")
figure = viz.plot_decision_boundary(learner, X, y,
                                    title="learned: P(XOR = 1), shaded by confidence")
"""),
    md("""
## 4. Seed 001's complete worked network (§14.14), with live curves

Every idea of the chapter in one `fit` call: Dense layers with ReLU (§14.1, §14.5), batch
normalization (§14.10), dropout (§14.12), a softmax output (§14.6), Adam (§14.9),
sparse categorical cross-entropy (§14.8), epochs and batches with a validation split and
early stopping (§14.13). The code is the seed's; `keras.callbacks.LiveCurves()` is added to
watch the curves as they are drawn (and `verbose=0`, since the picture replaces the
progress bars).
"""),
    code("""
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
history = model.fit(  # §14.13 epochs/batches loop
    X_train, y_train, epochs=10, batch_size=64,
    validation_split=0.1, verbose=0,
    callbacks=[keras.callbacks.EarlyStopping(patience=3,  # §14.13 early stop
                                             restore_best_weights=True),
               keras.callbacks.LiveCurves()],
)
""", tags=["main-figure"]),
    code("""
model.summary()
loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"test accuracy {accuracy:.2%}, test loss {loss:.4f}")
"""),
    md("""
`viz.plot_history` draws the same history after the fact, with a one-line reading of the
curves (learning, overfitting, flat, diverging):
"""),
    code("""
viz.plot_history(history)
"""),
    md("""
## 5. Callbacks

A callback is an object whose methods `fit` calls at fixed moments: `on_train_begin`,
`on_epoch_begin`, `on_train_batch_end`, `on_epoch_end`, ... with the current `logs`. Any of them
may set `self.model.stop_training = True`. `EarlyStopping` above is one; writing your own is
a subclass with the hooks you need. This one records the learning rate and the size of the
first layer's weights after each epoch:
"""),
    code("""
class WeightWatcher(keras.callbacks.Callback):
    \"\"\"After each epoch: the learning rate and the norm of the first layer's kernel.\"\"\"

    def on_train_begin(self, logs=None):
        self.rows = []

    def on_epoch_end(self, epoch, logs=None):
        kernel = self.model.layers[0].get_weights()[0]
        learning_rate = float(np.asarray(self.model.optimizer.learning_rate))
        self.rows.append((epoch + 1, learning_rate, float(np.linalg.norm(kernel)),
                          logs["val_loss"]))


small = keras.Sequential([keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(10, activation="softmax")])
small.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
folder = Path(tempfile.mkdtemp())
watcher = WeightWatcher()
callbacks = [
    watcher,
    keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 3 else lr * 0.5),
    keras.callbacks.CSVLogger(str(folder / "log.csv")),
    keras.callbacks.ModelCheckpoint(str(folder / "best.keras"), monitor="val_loss",
                                    save_best_only=True),
    keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: print(f"epoch {epoch + 1}: "
                                               f"val_accuracy {logs['val_accuracy']:.2%}")),
]
small.fit(X_train[:12_000], y_train[:12_000], epochs=6, batch_size=64,
          validation_data=(X_test[:2000], y_test[:2000]), verbose=0, callbacks=callbacks)
print("epoch  learning rate  |kernel|  val_loss")
for row in watcher.rows:
    print("{:5d}  {:13.4g}  {:8.3f}  {:8.4f}".format(*row))
print("files written:", sorted(p.name for p in folder.iterdir()))
print("log.csv starts:", (folder / "log.csv").read_text().splitlines()[:2])
shutil.rmtree(folder)  # a lesson leaves nothing behind
"""),
    md("""
(`ReduceLROnPlateau(monitor="val_loss")` lowers the rate only when the validation loss stops
improving; `TerminateOnNaN` stops a run whose loss became NaN.)

`keras.callbacks.Doctor(x, y)` checks the first batch before training starts. Here the pixels
were left at 0-255, and the loss is told to expect logits (`from_logits=True`) from a model
that already ends in a softmax:
"""),
    code("""
careless = keras.Sequential([keras.layers.Dense(32, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")])
careless.compile(optimizer="adam",
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
raw_pixels = X_train[:256] * 255
careless.fit(raw_pixels, y_train[:256], epochs=1, verbose=0,
             callbacks=[keras.callbacks.Doctor(raw_pixels, y_train[:256])]);
"""),
    code("""
print(f"this notebook ran in {time.perf_counter() - started:.0f} s")
"""),
]
