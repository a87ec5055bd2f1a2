"""``TensorBoard``: write what ``fit`` logs as event files that TensorBoard reads.

The files are written with tensorboardX (a maintained pure-Python writer of TensorBoard's
format; ``pip install tensorboardX``), in Keras 3's layout: ``log_dir/train`` and
``log_dir/validation``, one scalar ``epoch_<key>`` per log key and epoch (the ``val_`` keys go
to ``validation`` without their prefix, so TensorBoard draws ``epoch_loss`` of both runs on
one chart), ``epoch_learning_rate``, ``batch_<key>`` every ``update_freq`` batches,
``evaluation_<key>_vs_iterations`` at the end of each evaluation, weight histograms every
``histogram_freq`` epochs, and the model's config for the graph dashboard.
"""

from __future__ import annotations

import itertools
import json
import os
import time
import warnings

import numpy as np

from .callback import Callback

_FILE_NUMBERS = itertools.count()

TENSORBOARDX_MISSING = ("keras.callbacks.TensorBoard writes its event files with the "
                        "tensorboardX package, which is not installed: pip install "
                        "tensorboardX (or pip install 'glassnet[tensorboard]')")


def _tensorboardx():
    try:
        import tensorboardX
        import tensorboardX.summary
    except ImportError:
        raise ImportError(TENSORBOARDX_MISSING) from None
    return tensorboardX


class TensorBoard(Callback):
    """Log scalars, histograms and the model for TensorBoard (``tensorboard --logdir logs``).

    Args:
        log_dir: the folder of the event files (``train/`` and ``validation/`` inside).
        histogram_freq: every how many epochs to write each weight's histogram (0: never).
        write_graph: write the model's config (TensorBoard's graph dashboard, Keras tag).
        write_images: also write each weight as an image (with ``histogram_freq``).
        write_steps_per_second: log ``epoch_steps_per_second``.
        update_freq: ``"epoch"``, ``"batch"`` or N: also write ``batch_<key>`` every N
            training batches.
        profile_batch: profiling is not available (Keras' torch backend refuses it too);
            anything but 0 raises ValueError.
        embeddings_freq, embeddings_metadata: the projector is not written; anything but
            the defaults raises ValueError.

    Example:
        >>> board = TensorBoard(log_dir="logs", histogram_freq=1)  # doctest: +SKIP
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None) -> None:
        super().__init__()
        self._tbx = _tensorboardx()
        if profile_batch:
            raise ValueError(f"TensorBoard: profiling is not available in glassnet (Keras' "
                             f"torch backend has none either). Received: profile_batch="
                             f"{profile_batch} (must be 0)")
        if embeddings_freq or embeddings_metadata is not None:
            raise ValueError("TensorBoard: the embedding projector is not written by glassnet; "
                             "leave embeddings_freq=0 and embeddings_metadata=None")
        if update_freq != "epoch" and update_freq != "batch" and (
                isinstance(update_freq, bool) or not isinstance(update_freq, int)
                or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a whole "
                             f"number of batches, got {update_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.write_graph = histogram_freq, write_graph
        self.write_images, self.write_steps_per_second = write_images, write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._writers: dict = {}
        self._in_fit = False
        self._global_train_batch = self._global_test_batch = 0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0

    # ----- writers ------------------------------------------------------------------------
    def set_model(self, model) -> None:
        same = model is self._model
        super().set_model(model)
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        if self.write_graph and model is not None and not same:
            self._write_model_config()

    def _writer(self, which: str):
        """The open writer of ``train`` or ``validation``. Each new event file gets the
        process id and a counter in its name, as TensorFlow's do: tensorboardX names files by
        the second, and a second file opened in the same second (``evaluate`` right after
        ``fit``) would otherwise overwrite the first."""
        if which not in self._writers:
            folder = self._train_dir if which == "train" else self._val_dir
            suffix = f".{os.getpid()}.{next(_FILE_NUMBERS)}.v2"
            self._writers[which] = self._tbx.FileWriter(folder, filename_suffix=suffix)
        return self._writers[which]

    def _scalar(self, which: str, tag: str, value, step: int) -> None:
        if isinstance(value, (bool, str)) or np.ndim(value) != 0:
            return  # only numbers are scalars (predict's outputs, say, are not)
        self._writer(which).add_summary(self._tbx.summary.scalar(tag, float(value)), step)

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _write_model_config(self) -> None:
        """The model's JSON config under the tag ``keras``, with the plugin name Keras gives
        it (``graph_keras_model``), which TensorBoard's graph dashboard draws."""
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        from tensorboardX.proto.types_pb2 import DT_STRING

        model = self.model
        try:
            if hasattr(model, "to_json"):
                text = model.to_json()
            else:
                text = json.dumps({"class_name": type(model).__name__,
                                   "config": model.get_config()})
        except Exception as error:  # noqa: BLE001 - Keras warns and goes on, as here
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {error}",
                          stacklevel=2)
            return
        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = TensorProto(dtype=DT_STRING, string_val=[text.encode()])
        summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        self._writer("train").add_summary(summary, 0)

    # ----- hooks --------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False
        self._close_writers()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        for name, value in (logs or {}).items():
            self._scalar("train", f"batch_{name}", value, self._global_train_batch)

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1

    def on_test_end(self, logs=None):
        iterations = getattr(getattr(self.model, "optimizer", None), "iterations", None)
        if iterations is None:
            return
        for name, value in (logs or {}).items():
            self._scalar("validation", f"evaluation_{name}_vs_iterations", value,
                         int(iterations))
        if not self._in_fit:  # a lone evaluate: closing is what drains tensorboardX's queue
            self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_time = time.perf_counter()
            self._epoch_start_iterations = self.model.optimizer.iterations

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # ----- what is written ----------------------------------------------------------------
    def _log_epoch_metrics(self, epoch: int, logs) -> None:
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second:
            seconds = time.perf_counter() - self._epoch_start_time
            steps = optimizer.iterations - self._epoch_start_iterations
            train["steps_per_second"] = steps / max(seconds, 1e-9)
        for which, values in (("train", train), ("validation", validation)):
            for name, value in values.items():
                self._scalar(which, f"epoch_{name}", value, epoch)

    def _weights(self):
        """(Keras' weight path, array) for every weight, e.g. ``sequential/dense/kernel``."""
        model = self.model
        for layer in getattr(model, "layers", []):
            names = getattr(layer, "_weight_order", None) or [
                str(i) for i in range(len(layer.weights))]
            for name, weight in zip(names, layer.weights):
                path = getattr(weight, "path", None) or \
                    f"{getattr(model, 'name', 'model')}/{layer.name}/{name}"
                yield path.replace(":", "_"), np.asarray(getattr(weight, "_data", weight))

    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for path, values in self._weights():
            # 30 buckets: TensorFlow's default, which Keras' histograms use
            writer.add_summary(self._tbx.summary.histogram(f"{path}/histogram", values,
                                                           bins=30), epoch)
            if self.write_images:
                image = _weight_image(values)
                if image is not None:
                    writer.add_summary(self._tbx.summary.image(
                        f"{path}/image", image, dataformats="HWC"), epoch)


def _weight_image(values: np.ndarray):
    """Keras' picture of a weight (a vector as one row, a matrix wide side across, a 3-D
    kernel's first channel), clipped to [0, 1] as TensorFlow's image summary does; None for
    shapes Keras does not draw."""
    image = np.squeeze(values)
    if image.ndim == 1:
        image = image.reshape(1, -1, 1)
    elif image.ndim == 2:
        image = (image.T if image.shape[0] > image.shape[1] else image)[..., None]
    elif image.ndim == 3:  # channels last: one picture per channel, the first is drawn
        image = np.transpose(image, (2, 0, 1))[0][..., None]
    else:
        return None
    return np.clip(image, 0.0, 1.0).astype(np.float32)
