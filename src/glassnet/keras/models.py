"""keras.Sequential: layers in a row, built lazily, with summary, weights and saving.

Training (compile/fit/evaluate/predict) lives in ``trainer.py``; this file is the model as a
container of layers.
"""

from __future__ import annotations

import json

import numpy as np

from ..serialization import load, save
from ..tensor import Tensor
from ..utils.data._keywords import suggest_keywords
from . import layers as L
from .trainer import Trainer


class Sequential(Trainer, L.Layer):
    """``keras.Sequential([Dense(128, activation='relu'), Dense(10, activation='softmax')])``.

    The input size is learned from the first call or ``fit``, or fixed by a leading
    ``keras.Input(shape=...)``.
    """

    @suggest_keywords
    def __init__(self, layers=None, trainable: bool = True, name: str | None = None) -> None:
        L.Layer.__init__(self, name=name or L.unique_name("sequential"), trainable=trainable)
        Trainer.__init__(self)
        self._input_shape = None
        for layer in layers or []:
            self.add(layer)

    # ----- the layers -------------------------------------------------------------------
    def add(self, layer) -> None:
        if isinstance(layer, L.InputLayer):
            if self._modules:
                raise ValueError("keras.Input must come first in a Sequential model")
            self._input_shape = (None, *layer.shape)
            self.build(self._input_shape)
            return
        if not isinstance(layer, L.Layer):
            raise TypeError(f"Sequential.add expects a keras layer, got {type(layer).__name__}")
        self.add_module(str(len(self._modules)), layer)
        if self._input_shape is not None:
            self.build(self._input_shape)

    @property
    def layers(self) -> list:
        return list(self._modules.values())

    def pop(self):
        key = list(self._modules)[-1]
        layer = self._modules.pop(key)
        self.__dict__.pop(key, None)
        return layer

    def build(self, input_shape=None) -> None:
        """Make every layer's weights for inputs of ``input_shape`` (batch dim None)."""
        shape = tuple(input_shape)
        self._input_shape = shape
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
                layer.built = True
            shape = layer.compute_output_shape(shape)
        self.built = bool(self.layers)

    def forward(self, x):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if not self.built:
            self.build((None, *x.shape[1:]))
        for layer in self.layers:
            x = layer(x)
        return x

    def __call__(self, x, training: bool = False):
        self.train(training)
        return super().__call__(x)

    def forward_with_logits(self, x):
        """(output, logits before the final softmax/sigmoid or None, that activation's name)."""
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if not self.built:
            self.build((None, *x.shape[1:]))
        *body, last = self.layers
        for layer in body:
            x = layer(x)
        activation = getattr(last, "activation", None)
        name = getattr(activation, "__name__", None)
        if name in ("softmax", "sigmoid") and isinstance(last, (L.Dense, L.Activation)):
            logits = L.Dense.call(last, x, without_activation=True) if isinstance(
                last, L.Dense) else x
            return activation(logits), logits, name
        return last(x), None, None

    # ----- weights -----------------------------------------------------------------------
    @property
    def weights(self) -> list:
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:  # Sequential(trainable=False) freezes every layer, as Keras
            return []
        return [w for layer in self.layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        if not self.trainable:
            return self.weights
        return [w for layer in self.layers for w in layer.non_trainable_weights]

    def get_weights(self) -> list[np.ndarray]:
        """Every layer's weights in order, Keras layout (a Dense kernel is (in, out))."""
        return [w._data.copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        expected = sum(len(layer.weights) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(f"set_weights: the model has {expected} weight arrays, got "
                             f"{len(weights)}")
        for layer in self.layers:
            n = len(layer.weights)
            layer.set_weights(weights[:n])
            weights = weights[n:]

    def count_params(self) -> int:
        self._require_built("count_params")
        return int(sum(w._data.size for w in self.weights))

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"{what}: this model has not been built yet, so its weights do not exist. "
                f"Build it by starting it with keras.Input(shape=(784,)), by calling "
                f"model.build(input_shape=(None, 784)), by calling it on data (model(x)), "
                f"or by fitting it (model.fit(x, y))."
            )

    # ----- summary ---------------------------------------------------------------------
    def summary(self, print_fn=print) -> None:
        """Layer, output shape and parameter count per layer, then the totals as Keras
        prints them (trainable and non-trainable)."""
        self._require_built("summary")
        rows, shape = [], self._input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", str(_shape_text(shape)),
                         f"{layer.count_params():,}"))
        widths = (33, 24, 15)
        line = lambda left, mid, right, fill: left + mid.join(fill * w for w in widths) + right  # noqa: E731
        out = [f'Model: "{self.name}"', line("┏", "┳", "┓", "━"),
               "┃" + "┃".join(_cell(t, w, i == 2) for i, (t, w) in enumerate(
                   zip(("Layer (type)", "Output Shape", "Param #"), widths))) + "┃",
               line("┡", "╇", "┩", "━")]
        for i, row in enumerate(rows):
            out.append("│" + "│".join(_cell(t, w, j == 2) for j, (t, w) in enumerate(
                zip(row, widths))) + "│")
            if i < len(rows) - 1:
                out.append(line("├", "┼", "┤", "─"))
        out.append(line("└", "┴", "┘", "─"))
        total = self.count_params()
        trainable = int(sum(w._data.size for w in self.trainable_weights))
        for label, count in (("Total", total), ("Trainable", trainable),
                             ("Non-trainable", total - trainable)):
            out.append(f" {label} params: {count:,} ({_bytes(count * 4)})")
        print_fn("\n".join(out))

    # ----- saving -----------------------------------------------------------------------
    def get_config(self) -> dict:
        return {"name": self.name, "input_shape": list(self._input_shape or []) or None,
                "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                           for layer in self.layers]}

    def save(self, filepath) -> None:
        """One safetensors file: the weights, with the model (and compile) config as JSON in
        its header. Loading it never runs code."""
        self._require_built("save")
        arrays = {f"{i:04d}": w._data for i, w in enumerate(self.weights)}
        config = {"model": self.get_config(), "compile": self._compile_config()}
        save(arrays, filepath, metadata={"glassnet.keras": json.dumps(config)})

    def save_weights(self, filepath) -> None:
        self._require_built("save_weights")
        save({f"{i:04d}": w._data for i, w in enumerate(self.weights)}, filepath)

    def load_weights(self, filepath) -> None:
        stored = load(filepath)
        self.set_weights([stored[k]._data for k in sorted(stored)])


def _cell(text: str, width: int, right: bool) -> str:
    text = text if len(text) <= width - 2 else text[:width - 3] + "…"
    return " " + (text.rjust(width - 2) if right else text.ljust(width - 2)) + " "


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n:.2f} B"
    if n < 1024**2:
        return f"{n / 1024:.2f} KB"
    return f"{n / 1024**2:.2f} MB"


def model_from_config(config: dict) -> Sequential:
    layers = []
    if config.get("input_shape"):
        layers.append(L.Input(shape=config["input_shape"][1:]))
    for spec in config["layers"]:
        options = dict(spec["config"])
        options.pop("trainable", None)
        layers.append(L.LAYERS[spec["class_name"]](**options))
    return Sequential(layers, name=config.get("name"))


def load_model(filepath, compile: bool = True) -> Sequential:  # noqa: A002
    """Rebuild a model saved with ``model.save``: layers, weights, and its compile settings."""
    from safetensors import safe_open

    with safe_open(str(filepath), framework="numpy") as handle:
        metadata = handle.metadata() or {}
    if "glassnet.keras" not in metadata:
        raise ValueError(f"{filepath} holds weights only, not a saved model; build the model "
                         f"and call model.load_weights() instead")
    config = json.loads(metadata["glassnet.keras"])
    model = model_from_config(config["model"])
    model.load_weights(filepath)
    if compile and config.get("compile"):
        model._compile_from_config(config["compile"])
    return model
