"""keras.Model (subclassing) and keras.Sequential: layers, summary, weights and saving.

Training (compile/fit/evaluate/predict) lives in ``trainer.py``; this file is the model as a
container of layers. ``keras.Model(inputs, outputs)`` is dispatched to ``functional.py``.
"""

from __future__ import annotations

import json

import numpy as np

from ..serialization import load, save
from ..tensor import Tensor
from ..utils.data._keywords import suggest_keywords
from . import layers as L
from .base_layer import call_scope
from .keras_tensor import KerasTensor
from .trainer import Trainer


def _functional_arguments(args: tuple, kwargs: dict) -> bool:
    """keras.Model(inputs, outputs) (positionally or by keyword) asks for a Functional."""
    return len(args) == 2 or (len(args) == 1 and "outputs" in kwargs) or (
        "inputs" in kwargs and "outputs" in kwargs)


_FUNCTIONAL_SUBCLASSES: dict = {}


def _functional_subclass(cls):
    """``cls`` with Functional mixed in after it (one class per subclass, kept)."""
    from .functional import Functional

    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional), {
            "__module__": cls.__module__, "__qualname__": cls.__qualname__,
            "__doc__": cls.__doc__})
    return _FUNCTIONAL_SUBCLASSES[cls]


class Model(Trainer, L.Layer):
    """A Keras model: layers plus ``compile``/``fit``/``evaluate``/``predict``.

    ``keras.Model(inputs, outputs)`` builds a functional model (``functional.py``); subclass it
    to write the forward pass in code::

        class MLP(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = keras.layers.Dense(64, activation="relu")
                self.out = keras.layers.Dense(10, activation="softmax")

            def call(self, inputs, training=None):
                return self.out(self.hidden(inputs))

    Layers assigned as attributes (also in lists and dicts) are tracked; the weights are made
    on the first call (or ``build``/``fit``).
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_arguments(args, kwargs):
            from .functional import Functional

            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, inputs=None, outputs=None, name: str | None = None,
                 trainable: bool = True, dtype=None) -> None:
        if inputs is not None or outputs is not None:
            # A subclass built from a graph (``CustomModel(inputs, outputs)``, as Keras'
            # guide to customising fit does) becomes a functional model that keeps the
            # subclass's methods (its train_step, say), as Keras injects Functional
            from .functional import Functional

            if not isinstance(self, Functional):
                object.__setattr__(self, "__class__", _functional_subclass(type(self)))
            Functional.__init__(self, inputs, outputs, name=name, trainable=trainable)
            return
        L.Layer.__init__(self, name=name, trainable=trainable, dtype=dtype)
        Trainer.__init__(self)

    def _default_training(self) -> bool:
        return False  # model(x) runs in inference mode, as in Keras; fit trains

    def call(self, inputs, training=None):
        raise NotImplementedError(f"Model {type(self).__name__} does not have a call() method; "
                                  f"define call(self, inputs, training=None)")

    # ----- the layers -------------------------------------------------------------------
    @property
    def layers(self) -> list:
        """The sublayers (direct children), in the order they were assigned."""
        return self._sublayers()

    def get_layer(self, name: str | None = None, index: int | None = None):
        """A layer by its name or by its position in ``model.layers``."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model "
                                 f"only has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def output_names(self) -> list[str]:
        """The names the trainer gives the outputs: a dict output's keys, else output_0..."""
        if "_fixed_output_names" in self.__dict__:
            return list(self.__dict__["_fixed_output_names"])
        structure = self.__dict__.get("_last_output_structure")
        if isinstance(structure, dict):
            return sorted(structure)
        if isinstance(structure, (list, tuple)):
            return [f"output_{i}" for i in range(len(structure))]
        return ["output_0"]

    @output_names.setter
    def output_names(self, names) -> None:
        self.__dict__["_fixed_output_names"] = list(names)

    def _build_once(self, input_shape) -> None:
        # A subclassed model makes its weights as its layers first run; only a build() the
        # user wrote is called here
        self._build_shapes = input_shape
        if type(self).build is not Model.build:
            self.build(input_shape)
        self.built = True

    def build(self, input_shape=None) -> None:
        """Make the weights by running the model once on zeros of ``input_shape`` (the batch
        size None becomes 1), in inference mode and without gradients."""
        from ..autograd.grad_mode import no_grad
        from .keras_tensor import map_shapes, placeholder, tracing

        if input_shape is None:
            raise ValueError(f"{self.name}.build: give the input shape, e.g. "
                             f"build((None, 784)), or call the model on data")
        zeros = map_shapes(lambda s: placeholder(s), input_shape)
        with no_grad(), tracing():
            self(zeros, training=False)
        self._build_shapes = input_shape
        self.built = True

    def forward(self, inputs, *args, **kwargs):
        self._sublayers()  # registers layers appended to list attributes since assignment
        out = L.Layer.forward(self, inputs, *args, **kwargs)
        self.__dict__["_last_output_structure"] = out
        return out

    def forward_with_logits(self, x):
        """(output, None, None): a model written in code gives no separate logits."""
        with call_scope(self, self.training):
            return self.forward(x), None, None

    def compute_output_shape(self, input_shape):
        raise NotImplementedError  # learned by running the model on zeros

    # ----- weights -----------------------------------------------------------------------
    def set_weights(self, weights) -> None:
        """Every weight in ``model.weights`` order, Keras layout (a Dense kernel is (in, out))."""
        weights = list(weights)
        expected = len(self.weights)
        if len(weights) != expected:
            raise ValueError(f"set_weights: the model has {expected} weight arrays, got "
                             f"{len(weights)}")
        L.Layer.set_weights(self, weights)

    def count_params(self) -> int:
        self._require_built("count_params")
        return int(sum(w._data.size for w in self.weights))

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        """Keras' ``Model.from_config``: a functional model's config (``layers``,
        ``input_layers``, ``output_layers``, from ``model.get_config()``) rebuilds its graph,
        with ``custom_objects`` naming unregistered layer classes; any other config is passed
        to ``cls(**config)``."""
        if isinstance(config, dict) and "layers" in config and "input_layers" in config:
            from .saving.model_config import deserialize_model

            return deserialize_model({"module": "keras.src.models.functional",
                                      "class_name": "Functional", "config": config,
                                      "registered_name": "Functional"}, custom_objects)
        return super().from_config(config)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"{what}: this model has not been built yet, so its weights do not exist. "
                f"Build it by starting it with keras.Input(shape=(784,)), by calling "
                f"model.build(input_shape=(None, 784)), by calling it on data (model(x)), "
                f"or by fitting it (model.fit(x, y))."
            )

    def summary(self, line_length=None, positions=None, print_fn=None,
                expand_nested: bool = False, show_trainable: bool = False,
                layer_range=None) -> None:
        """Layer, output shape and parameter count per layer (and, for a functional model that
        is not a plain chain, the layers each one is connected to), then the totals as Keras
        prints them."""
        from .summary import print_summary

        self._require_built("summary")
        for option, value in (("line_length", line_length), ("positions", positions),
                              ("layer_range", layer_range)):
            if value is not None:
                raise NotImplementedError(f"summary: {option}= is not supported by glassnet; "
                                          f"leave it out")
        if expand_nested or show_trainable:
            raise NotImplementedError("summary: expand_nested and show_trainable are not "
                                      "supported by glassnet; leave them out")
        print_summary(self, print_fn or print)

    # ----- saving (the formats live in saving/) ------------------------------------------
    def save(self, filepath, overwrite: bool = True, zipped: bool | None = None) -> None:
        """The whole model: ``x.keras`` (Keras 3's zip) or ``x.safetensors``; see
        ``keras.saving.save_model``."""
        from .saving.api import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """The weights alone: ``x.weights.h5`` (Keras 3's layout) or ``x.safetensors``."""
        from .saving.api import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch: bool = False) -> None:
        """Weights from ``x.weights.h5``, ``x.keras`` or ``x.safetensors``."""
        from .saving.api import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def _save_safetensors(self, filepath) -> None:
        """One safetensors file: the weights, with the model (and compile) config as JSON in
        its header. Loading it never runs code."""
        self._require_built("save")
        arrays = {f"{i:04d}": w._data for i, w in enumerate(self.weights)}
        config = {"model": self.get_config(), "compile": self._compile_config()}
        save(arrays, filepath, metadata={"glassnet.keras": json.dumps(config)})

    def _save_weights_safetensors(self, filepath) -> None:
        self._require_built("save_weights")
        save({f"{i:04d}": w._data for i, w in enumerate(self.weights)}, filepath)

    def _load_weights_safetensors(self, filepath) -> None:
        stored = load(filepath)
        self.set_weights([stored[k]._data for k in sorted(stored)])


def _graph_input_shape(layer):
    """The batch shape of a model's one symbolic input (a functional model, or a Sequential
    started with keras.Input), which Keras uses to build a Sequential that starts with it."""
    if not isinstance(layer, Model) or not layer.built:
        return None
    try:
        inputs = layer.inputs
    except (AttributeError, ValueError):
        return None
    return tuple(inputs[0].shape) if len(inputs) == 1 else None


class Sequential(Model):
    """``keras.Sequential([Dense(128, activation='relu'), Dense(10, activation='softmax')])``.

    The input size is learned from the first call or ``fit``, or fixed by a leading
    ``keras.Input(shape=...)``.
    """

    _track_attributes = False  # the sublayers are the added layers

    @suggest_keywords
    def __init__(self, layers=None, trainable: bool = True, name: str | None = None) -> None:
        Model.__init__(self, name=name or L.unique_name("sequential"), trainable=trainable)
        self._input_shape = None
        self.__dict__["_graph"] = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if self._input_shape is not None:
            self.build(self._input_shape)  # once, so each layer has one node (layer.output)

    # ----- the layers -------------------------------------------------------------------
    def add(self, layer, rebuild: bool = True) -> None:
        """Append a layer (or start with ``keras.Input``); with ``rebuild`` the model is
        built again when its input shape is known."""
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history.operation,
                                                         L.InputLayer):
            layer = layer._keras_history.operation
        if isinstance(layer, L.InputLayer):
            if self._modules:
                raise ValueError("keras.Input must come first in a Sequential model")
            self._input_shape = layer.batch_shape
            return
        if not isinstance(layer, L.Layer):
            raise TypeError(f"Sequential.add expects a keras layer, got {type(layer).__name__}")
        if not self._modules and self._input_shape is None:
            self._input_shape = layer._input_shape_arg or _graph_input_shape(layer)
        self.add_module(str(len(self._modules)), layer)
        if rebuild and self._input_shape is not None:
            self.build(self._input_shape)

    @property
    def layers(self) -> list:
        return list(self._modules.values())

    def pop(self, rebuild: bool = True):
        """Remove and return the last layer (the model is built again without it)."""
        if not self._modules:
            raise IndexError("Sequential.pop: there are no layers in the model")
        key = list(self._modules)[-1]
        layer = self._modules.pop(key)
        self.__dict__.pop(key, None)
        if rebuild and self._input_shape is not None and self._modules:
            self.build(self._input_shape)
        return layer

    @property
    def output_names(self) -> list[str]:
        return [self.layers[-1].name] if self.layers else []

    def build(self, input_shape=None) -> None:
        """Make every layer's weights for inputs of ``input_shape`` (batch dim None), calling
        each on the symbolic output of the one before (so ``model.inputs``, ``layer.output``
        and feature extraction work as on a functional model)."""
        shape = tuple(input_shape)
        self._input_shape = shape
        if not self.layers:
            return
        inputs = L.Input(batch_shape=(None, *shape[1:]))
        x = inputs
        for layer in self.layers:
            x = layer(x)
        self.__dict__["_graph"] = (inputs, x)
        self.built = True

    def _build_once(self, input_shape) -> None:
        self.build((None, *tuple(input_shape)[1:]))

    @property
    def inputs(self) -> list:
        self._require_built("inputs")
        return [self._graph[0]]

    @property
    def outputs(self) -> list:
        self._require_built("outputs")
        return [self._graph[1]]

    @property
    def input(self):
        return self.inputs[0]

    @property
    def output(self):
        return self.outputs[0]

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def call(self, inputs, training=None):
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    def forward_with_logits(self, x):
        """(output, logits before the final softmax/sigmoid or None, that activation's name)."""
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if not self.built:
            self.build((None, *x.shape[1:]))
        *body, last = self.layers
        with call_scope(self, self.training):
            for layer in body:
                x = layer(x)
            activation = getattr(last, "activation", None)
            name = getattr(activation, "__name__", None)
            if name in ("softmax", "sigmoid") and isinstance(last, (L.Dense, L.Activation)):
                logits = L.Dense.call(last, x, without_activation=True) if isinstance(
                    last, L.Dense) else x
                return activation(logits), logits, name
            return last(x), None, None

    # ----- saving -----------------------------------------------------------------------
    def get_config(self) -> dict:
        return {"name": self.name, "input_shape": list(self._input_shape or []) or None,
                "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                           for layer in self.layers]}


def model_from_config(config: dict) -> Sequential:
    layers = []
    if config.get("input_shape"):
        layers.append(L.Input(shape=config["input_shape"][1:]))
    for spec in config["layers"]:
        options = dict(spec["config"])
        options.pop("trainable", None)
        layers.append(L.LAYERS[spec["class_name"]](**options))
    return Sequential(layers, name=config.get("name"))


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True,  # noqa: A002
               safe_mode: bool = True):
    """Rebuild a saved model (``x.keras`` from Keras 3 or glassnet, or ``x.safetensors``):
    layers, weights, and its compile settings. See ``keras.saving.load_model``."""
    from .saving import load_model as load

    return load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def _load_safetensors_model(filepath, compile: bool = True) -> Sequential:  # noqa: A002
    """The safetensors form written by ``model.save('x.safetensors')``."""
    from safetensors import safe_open

    with safe_open(str(filepath), framework="numpy") as handle:
        metadata = handle.metadata() or {}
    if "glassnet.keras" not in metadata:
        raise ValueError(f"{filepath} holds weights only, not a saved model; build the model "
                         f"and call model.load_weights() instead")
    config = json.loads(metadata["glassnet.keras"])
    model = model_from_config(config["model"])
    model._load_weights_safetensors(filepath)
    if compile and config.get("compile"):
        model._compile_from_config(config["compile"])
    return model
