"""keras.layers.Layer: a layer's life is ``__init__`` (config) → ``build(input_shape)`` (weights,
once the input size is known) → ``call(inputs)``, as in Keras 3.

Calling a layer on data runs ``call`` (building first if needed); calling it on KerasTensors
(``keras.Input``) records a node of the functional graph instead (``keras_tensor.py``).
Weights come from ``add_weight`` with Keras' signature, sublayers assigned as attributes (also
inside lists and dicts) are tracked, and ``add_loss`` in ``call`` adds to ``layer.losses``.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import re

import numpy as np

from .. import nn
from ..random import rng
from ..tensor import Tensor
from . import regularizers
from .keras_tensor import call_symbolic, is_symbolic, is_tracing, map_structure
from .variables import NonTrainableWeight, TrainableWeight

# The training flag of every layer call in progress, outermost first: a layer called without
# training= inside another one's call inherits it (Keras' call context).
_CALLS: list[bool] = []


def current_training() -> bool | None:
    return _CALLS[-1] if _CALLS else None


@contextlib.contextmanager
def call_scope(layer: Layer, training: bool):
    """Run ``layer`` with ``training``; the outermost call first forgets the losses that the
    previous call added (``layer.losses`` holds the latest call's)."""
    if not _CALLS and not is_tracing():
        for module in layer.modules():
            if isinstance(module, Layer):
                module._added_losses.clear()
    _CALLS.append(bool(training))
    try:
        yield
    finally:
        _CALLS.pop()


# ----- initialisers ---------------------------------------------------------------------------
def compute_fans(shape) -> tuple[int, int]:
    """Keras' fans: a vector is its own fan; a matrix (in, out); a kernel (..., in, out) times
    its receptive field (the product of the leading axes)."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def initialize(name, shape: tuple, fan_in: int, fan_out: int) -> np.ndarray:
    """Keras initialisers by name (or a callable taking the shape)."""
    if callable(name):
        return np.asarray(name(shape), dtype=np.float32)
    generator = rng()
    if name == "zeros":
        return np.zeros(shape, np.float32)
    if name == "ones":
        return np.ones(shape, np.float32)
    if name == "glorot_uniform":
        limit = math.sqrt(6 / (fan_in + fan_out))
        return generator.uniform(-limit, limit, shape).astype(np.float32)
    if name == "glorot_normal":
        return _truncated(generator, math.sqrt(2 / (fan_in + fan_out)), shape)
    if name == "he_uniform":
        limit = math.sqrt(6 / fan_in)
        return generator.uniform(-limit, limit, shape).astype(np.float32)
    if name == "he_normal":
        return _truncated(generator, math.sqrt(2 / fan_in), shape)
    if name in ("random_normal", "normal"):
        return generator.normal(0, 0.05, shape).astype(np.float32)
    if name in ("random_uniform", "uniform"):
        return generator.uniform(-0.05, 0.05, shape).astype(np.float32)
    if name == "orthogonal":
        return _orthogonal(generator, shape)
    raise ValueError(f"unknown initializer {name!r}; use glorot_uniform, glorot_normal, "
                     f"he_uniform, he_normal, orthogonal, random_normal, random_uniform, zeros "
                     f"or ones")


def _orthogonal(generator, shape) -> np.ndarray:
    """A matrix (the last axis against all the others) with orthonormal rows or columns: the
    Q of a QR factorisation of a normal draw, signs fixed by R's diagonal (Keras' Orthogonal,
    the recurrent kernels' default)."""
    rows, cols = int(np.prod(shape[:-1])), int(shape[-1])
    draw = generator.normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(draw)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return q.reshape(shape).astype(np.float32)


def _truncated(generator, std: float, shape) -> np.ndarray:
    # Keras' *_normal initialisers draw from a normal truncated at 2 std, rescaled by .8796
    stddev = std / 0.87962566103423978
    values = generator.normal(0, stddev, shape)
    bad = np.abs(values) > 2 * stddev
    while bad.any():
        values[bad] = generator.normal(0, stddev, bad.sum())
        bad = np.abs(values) > 2 * stddev
    return values.astype(np.float32)


def to_tensors(inputs):
    """Arrays (or a list/dict of them) → Tensors; float64 and Python numbers become float32."""
    if isinstance(inputs, Tensor):
        return inputs
    if isinstance(inputs, dict):
        return {key: to_tensors(value) for key, value in inputs.items()}
    if isinstance(inputs, (list, tuple)) and any(
            isinstance(x, (Tensor, np.ndarray, dict)) for x in inputs):
        return type(inputs)(to_tensors(x) for x in inputs)
    return Tensor(np.asarray(inputs, dtype=np.float32))


_SIGNATURES: dict = {}


class Layer(nn.Module):
    """Base Keras layer: subclass it, make weights in ``build`` with ``add_weight``, compute in
    ``call``.

    Example:
        >>> class Scale(Layer):
        ...     def build(self, input_shape):
        ...         self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, inputs):
        ...         return inputs * self.scale
        >>> Scale()(np.ones((2, 3), np.float32)).shape
        glassnet.Size([2, 3])
    """

    _track_attributes = True  # sublayers found from attributes (False: from _modules only)

    def __init__(self, activity_regularizer=None, trainable: bool = True, dtype=None,
                 autocast: bool = True, name: str | None = None, input_shape=None,
                 input_dim: int | None = None) -> None:
        from .layers import _snake, unique_name

        super().__init__()
        if activity_regularizer is not None:
            raise NotImplementedError(f"{type(self).__name__}: activity_regularizer= is not "
                                      f"supported by glassnet; call self.add_loss(...) in call()")
        if dtype not in (None, "float32", np.float32):
            raise ValueError(f"{type(self).__name__}: glassnet's layers compute in float32, got "
                             f"dtype={dtype!r}; leave dtype out")
        d = self.__dict__
        d["_trainable"] = bool(trainable)
        d["_weight_order"], d["_non_trainable"] = [], set()
        d["_weight_regularizers"], d["_added_losses"] = {}, []
        d["_inbound_nodes"], d["_tracked_collections"] = [], set()
        self.name = name or unique_name(_snake(type(self).__name__))
        self.built = False
        self.input_shape_seen = None
        self._build_shapes = None
        # Keras 2's way to give a Sequential model's first layer its input size
        self._input_shape_arg = (None, int(input_dim)) if input_dim is not None else (
            None if input_shape is None else (None, *input_shape))

    # ----- attributes: weights, sublayers, trainable ----------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        if isinstance(getattr(type(self), name, None), property):  # trainable, output_names
            object.__setattr__(self, name, value)
            return
        if isinstance(value, Tensor) and "_weight_order" in d:
            for key in d["_weight_order"]:
                if key != name and d.get(key) is value:  # self.w = self.add_weight(...)
                    self._rename_weight(key, name)
                    return
        super().__setattr__(name, value)
        if "_tracked_collections" in d and (isinstance(value, (list, dict)) or (
                isinstance(value, tuple) and any(isinstance(v, nn.Module) for v in value))):
            self._track_collection(name)

    def _rename_weight(self, old: str, new: str) -> None:
        d = self.__dict__
        weight = d[old]
        trainable = old not in self._non_trainable
        self._parameters.pop(old, None)
        self._buffers.pop(old, None)
        del d[old]
        if trainable:
            nn.Module.__setattr__(self, new, weight)
        else:
            self._non_trainable.discard(old)
            self._non_trainable.add(new)
            self.register_buffer(new, weight)
        self._weight_order[self._weight_order.index(old)] = new
        if old in self._weight_regularizers:
            self._weight_regularizers[new] = self._weight_regularizers.pop(old)

    def _track_collection(self, name: str) -> None:
        """Layers inside a list, tuple or dict attribute are sublayers (registered as
        ``name.0``, ... so their weights are parameters of this module)."""
        value = self.__dict__.get(name)
        items = value.items() if isinstance(value, dict) else enumerate(value or ())
        for key in [k for k in self._modules if k.startswith(f"{name}.")]:
            del self._modules[key]
        for key, item in items:
            if isinstance(item, nn.Module):
                self._modules[f"{name}.{key}"] = item
        self._tracked_collections.add(name)

    def _sublayers(self) -> list:
        """The direct sublayers in the order their attributes were assigned (a list's layers
        where the list was assigned, even when appended later), as Keras lists them."""
        if not self._track_attributes:
            return _unique([m for m in self._modules.values() if isinstance(m, Layer)])
        found = []
        for name, value in list(self.__dict__.items()):
            if isinstance(value, Layer):
                found.append(value)
            elif name in self._tracked_collections:
                self._track_collection(name)  # the list may have grown since it was assigned
                items = value.values() if isinstance(value, dict) else value
                found.extend(item for item in items if isinstance(item, Layer))
        return _unique(found + [m for m in self._modules.values() if isinstance(m, Layer)])

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Setting it sets every sublayer's too, as Keras does."""
        self.__dict__["_trainable"] = bool(value)
        for layer in self._sublayers():
            layer.trainable = value

    # ----- weights -----------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable: bool = True,
                   autocast: bool = True, regularizer=None, constraint=None,
                   aggregation: str = "none", overwrite_with_gradient: bool = False,
                   name: str | None = None) -> Tensor:
        """Make a weight of ``shape`` filled by ``initializer`` (a name such as
        "glorot_uniform", "zeros", "random_normal", or a callable taking the shape; default
        glorot_uniform for floats, zeros otherwise). A trainable weight is a Parameter the
        optimizer updates; a non-trainable one is kept and saved but not learned.
        ``regularizer`` adds its penalty to ``layer.losses``."""
        if isinstance(shape, str):
            raise ValueError(f"`name` must be passed as a keyword argument. Received: "
                             f"add_weight('{shape}', ...). Use: add_weight(shape=..., "
                             f"name='{shape}').")
        if constraint is not None or overwrite_with_gradient or aggregation not in (
                None, "none"):
            raise NotImplementedError(
                f"{self.name}.add_weight: constraint=, aggregation= and overwrite_with_gradient= "
                f"are not supported by glassnet; leave them out")
        shape = tuple(int(s) for s in (() if shape is None else shape))
        dtype = np.dtype(dtype or "float32")
        floating = dtype.kind == "f"
        if trainable and not floating:
            raise ValueError(f"{self.name}.add_weight: a {dtype} weight has no gradient, so it "
                             f"cannot be trainable; pass trainable=False")
        initializer = initializer or ("glorot_uniform" if floating else "zeros")
        values = initialize(initializer, shape, *compute_fans(shape)).astype(dtype)
        key = self._free_key(re.sub(r"\W", "_", name or "variable"))
        weight = self._add_named_weight(key, values, trainable)
        if regularizer is not None:
            self._weight_regularizers[key] = regularizers.get(regularizer)
        return weight

    def _free_key(self, base: str) -> str:
        taken = lambda k: k in self.__dict__ or hasattr(type(self), k)  # noqa: E731
        key, n = base, 0
        while taken(key):
            n += 1
            key = f"{base}_{n}"
        return key

    def _add_named_weight(self, name: str, values: np.ndarray, trainable: bool = True) -> Tensor:
        """The built-in layers' form: the weight becomes attribute ``name`` (``self.kernel``)."""
        if trainable:
            weight = TrainableWeight(values)
            nn.Module.__setattr__(self, name, weight)
        else:
            weight = NonTrainableWeight(values)
            self._non_trainable.add(name)
            self.register_buffer(name, weight)
        self._weight_order.append(name)
        return weight

    def _own_weights(self, trainable: bool) -> list[Tensor]:
        return [getattr(self, n) for n in self._weight_order
                if (n not in self._non_trainable) == trainable]

    @property
    def weights(self) -> list[Tensor]:
        """Own trainable, own non-trainable, then every sublayer's, as Keras orders them."""
        return _unique(self._own_weights(True) + self._own_weights(False)
                       + [w for layer in self._sublayers() for w in layer.weights])

    @property
    def trainable_weights(self) -> list[Tensor]:
        if not self.trainable:
            return []
        return _unique(self._own_weights(True)
                       + [w for layer in self._sublayers() for w in layer.trainable_weights])

    @property
    def non_trainable_weights(self) -> list[Tensor]:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    def count_params(self) -> int:
        return int(sum(w._data.size for w in self.weights))

    def get_weights(self) -> list[np.ndarray]:
        return [w._data.copy() for w in self.weights]

    def set_weights(self, values) -> None:
        weights, values = self.weights, list(values)
        if len(values) != len(weights):
            raise ValueError(f"{self.name}.set_weights: expected {len(weights)} arrays "
                             f"({', '.join(self._weight_names())}), got {len(values)}")
        for name, weight, value in zip(self._weight_names(), weights, values):
            value = np.asarray(value, dtype=weight._data.dtype)
            if value.shape != weight._data.shape:
                raise ValueError(f"{self.name}.set_weights: {name} has shape "
                                 f"{weight._data.shape}, got {value.shape}")
            weight._data[...] = value
            weight._version_box[0] += 1

    def _weight_names(self) -> list[str]:
        own = [n for n in self._weight_order if n not in self._non_trainable] + [
            n for n in self._weight_order if n in self._non_trainable]
        return own + [f"{layer.name}/{n}" for layer in self._sublayers()
                      for n in layer._weight_names()]

    # ----- losses ------------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        """Add a scalar to the training loss from inside ``call`` (e.g. an activity penalty);
        ``layer.losses`` lists the latest call's, with the weight penalties."""
        if is_tracing():
            return
        self._added_losses.append(loss if isinstance(loss, Tensor) else Tensor(
            np.asarray(loss, dtype=np.float32)))

    @property
    def losses(self) -> list[Tensor]:
        """Keras' ``losses``: what ``add_loss`` added during the latest call (this layer's and
        its sublayers'), then the weight regularisers' penalties."""
        added = [loss for module in self.modules() if isinstance(module, Layer)
                 for loss in module._added_losses]
        return added + self.regularization_losses()

    def regularization_losses(self) -> list:
        """Penalties of the regularisers given to ``add_weight``, this layer's and its
        sublayers'."""
        own = [penalty(getattr(self, key)) for key, penalty in self._weight_regularizers.items()]
        return own + [p for layer in self._sublayers() for p in layer.regularization_losses()]

    # ----- running ---------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        self.built = True

    def _build_once(self, input_shape) -> None:
        if type(self).build is not Layer.build:  # as Keras, only a real build records shapes
            self._build_shapes = input_shape
        self.build(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """Layers that know their output shape say so; without it Keras (and glassnet) learns
        it by running the layer (see ``keras_tensor.output_shapes_by_running``)."""
        raise NotImplementedError(f"{type(self).__name__} does not define compute_output_shape")

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define call(self, inputs)")

    @classmethod
    def _call_parameters(cls) -> set:
        if cls not in _SIGNATURES:
            _SIGNATURES[cls] = set(inspect.signature(cls.call).parameters)
        return _SIGNATURES[cls]

    def _call_accepts(self, name: str) -> bool:
        return name in self._call_parameters()

    def _default_training(self) -> bool:
        # A layer called on its own, with no training= and outside any model's call, runs in
        # inference, as in Keras 3 (Dropout(0.5)(x) returns x); a glassnet .eval() changes nothing
        return False

    def __call__(self, *args, **kwargs):
        """On data: build if needed, then ``call``. On KerasTensors: record a graph node and
        return KerasTensors (the functional API). ``training=`` is passed on to ``call`` and
        to every layer called inside it that is not given one."""
        plain = len(args) == 1 and isinstance(args[0], (Tensor, np.ndarray))
        if not plain and is_symbolic(args, kwargs):
            return call_symbolic(self, args, kwargs)
        training = kwargs.pop("training", None)
        if training is None:
            training = _CALLS[-1] if _CALLS else self._default_training()
        if _CALLS:  # the common case, inside a model: no losses to clear
            _CALLS.append(bool(training))
            try:
                return super().__call__(*args, **kwargs)
            finally:
                _CALLS.pop()
        with call_scope(self, training):
            return super().__call__(*args, **kwargs)

    def forward(self, inputs, *args, **kwargs):
        inputs = to_tensors(inputs)
        shapes = tuple(inputs.shape) if isinstance(inputs, Tensor) else map_structure(
            lambda t: tuple(t.shape), inputs)
        if not self.built:
            self._build_once(shapes)
        self.__dict__["input_shape_seen"] = shapes
        if self._call_accepts("training"):
            training = current_training()
            kwargs.setdefault("training", self.training if training is None else training)
        return self.call(inputs, *args, **kwargs)

    # ----- the functional graph --------------------------------------------------------------
    def _node_attribute(self, what: str):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 f"defined {what}; call it on a keras.Input first")
        node = self._inbound_nodes[0]
        values = node.input_tensors if what == "input" else node.outputs
        return values[0] if len(values) == 1 else values

    @property
    def input(self):
        """The KerasTensor(s) of the layer's first call on symbolic inputs."""
        return self._node_attribute("input")

    @property
    def output(self):
        """The KerasTensor(s) the layer's first symbolic call returned."""
        return self._node_attribute("output")

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config: dict):
        """``cls(**config)``, as Keras does; ``dtype`` (a DTypePolicy dict becomes its name)
        and ``trainable`` are dropped for an ``__init__`` that takes neither."""
        config = {k: (v.get("config") or {}).get("name") if k == "dtype" and isinstance(
            v, dict) else v for k, v in config.items()}
        parameters = inspect.signature(cls.__init__).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            config = {k: v for k, v in config.items()
                      if k in parameters or k not in ("dtype", "trainable")}
        return cls(**config)

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


def _unique(weights: list) -> list:
    seen, out = set(), []
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out
