"""Layer configs in Keras 3's serialisation format, both ways.

Keras writes every object as ``{"module", "class_name", "config", "registered_name"}`` (plus
``build_config`` for a built layer): initialisers and regularisers become such dicts too, a
layer's dtype is a ``DTypePolicy``. glassnet's ``get_config`` is the short form (initialisers by
name); this file turns one into the other.

Keras layers have options glassnet does not implement (constraints, ``noise_shape``,
``renorm``...). ``KERAS_ONLY`` lists them with the one value glassnet behaves as: saving writes
that value, loading accepts a file only if it holds that value, and any other value (or any
unknown option) is an error naming the option, never silently dropped.
"""

from __future__ import annotations

import inspect

from .. import activations, regularizers
from .registry import (
    GLOBAL_CUSTOM_NAMES,
    builtin_layers,
    get_registered_name,
    resolve_class,
    resolve_function,
)

DTYPE_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                "registered_name": None}


def keras_object(module: str, class_name: str, config) -> dict:
    return {"module": module, "class_name": class_name, "config": config,
            "registered_name": None}


def _initializer(class_name: str) -> dict:
    return keras_object("keras.initializers", class_name, {})


_NO_CONSTRAINTS = {"kernel_constraint": None, "bias_constraint": None}
_NORM_FIXED = {"beta_initializer": _initializer("Zeros"), "gamma_initializer": _initializer("Ones"),
               "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
               "gamma_constraint": None}
KERAS_ONLY = {
    "Dense": {**_NO_CONSTRAINTS, "quantization_config": None, "lora_rank": None},
    "Conv2D": {"activity_regularizer": None, **_NO_CONSTRAINTS},
    "Conv2DTranspose": {"activity_regularizer": None, **_NO_CONSTRAINTS},
    "Dropout": {"seed": None, "noise_shape": None},
    "Flatten": {"data_format": "channels_last"},
    "BatchNormalization": {**_NORM_FIXED, "moving_mean_initializer": _initializer("Zeros"),
                           "moving_variance_initializer": _initializer("Ones"),
                           "synchronized": False, "renorm": False, "renorm_clipping": None,
                           "renorm_momentum": 0.99},
    "LayerNormalization": {"rms_scaling": False, **_NORM_FIXED},
    "Embedding": {"embeddings_constraint": None, "quantization_config": None},
    "Conv1D": {"activity_regularizer": None, **_NO_CONSTRAINTS},
    "DepthwiseConv2D": {"activity_regularizer": None, "depthwise_constraint": None,
                        "bias_constraint": None},
    "SeparableConv2D": {"activity_regularizer": None, "depthwise_constraint": None,
                        "pointwise_constraint": None, "bias_constraint": None},
    **{name: {"kernel_constraint": None, "recurrent_constraint": None,
              "bias_constraint": None}
       for name in ("SimpleRNN", "LSTM", "GRU")},
}
# options any Keras layer may write, at the value glassnet's layers behave as
_ANY_LAYER = {"activity_regularizer": None, "autocast": True}
# options Keras writes that change nothing in inference or training here
_IGNORED = {"Dropout": {"seed"}, "Dense": {"lora_alpha"},
            # masks are not supported, so what a masked step would output never arises
            **{name: {"zero_output_for_mask"} for name in ("SimpleRNN", "LSTM", "GRU")}}

# glassnet's initialiser names ↔ Keras' classes (their default configs)
INITIALIZERS = {
    "zeros": ("Zeros", {}), "ones": ("Ones", {}),
    "glorot_uniform": ("GlorotUniform", {"seed": None}),
    "glorot_normal": ("GlorotNormal", {"seed": None}),
    "he_uniform": ("HeUniform", {"seed": None}), "he_normal": ("HeNormal", {"seed": None}),
    "random_normal": ("RandomNormal", {"mean": 0.0, "stddev": 0.05, "seed": None}),
    "random_uniform": ("RandomUniform", {"minval": -0.05, "maxval": 0.05, "seed": None}),
    "orthogonal": ("Orthogonal", {"gain": 1.0, "seed": None}),
}
_INITIALIZER_NAMES = {class_name: name for name, (class_name, _) in INITIALIZERS.items()}


# ----- pieces -----------------------------------------------------------------------------
def serialize_initializer(name) -> dict:
    class_name, config = INITIALIZERS[name]
    return keras_object("keras.initializers", class_name, dict(config))


def deserialize_initializer(value, where: str) -> str:
    """A Keras initialiser (name or dict) → glassnet's name, or an error naming it."""
    if isinstance(value, str):
        name = _INITIALIZER_NAMES.get(value, value.lower())
        if name in INITIALIZERS:
            return name
    elif isinstance(value, dict) and value.get("class_name") in _INITIALIZER_NAMES:
        name = _INITIALIZER_NAMES[value["class_name"]]
        defaults = INITIALIZERS[name][1]
        config = {k: v for k, v in (value.get("config") or {}).items()
                  if k not in ("seed", "input_axes", "output_axes")}
        if all(defaults.get(k) == v for k, v in config.items()):
            return name
    raise ValueError(f"{where}: the initializer {value!r} is not supported by glassnet; it "
                     f"knows {', '.join(INITIALIZERS)} (with Keras' default arguments)")


def serialize_regularizer(regularizer):
    if regularizer is None:
        return None
    l1, l2 = regularizer.l1, regularizer.l2
    if l1 and not l2:
        return keras_object("keras.regularizers", "L1", {"l1": l1})
    if l2 and not l1:
        return keras_object("keras.regularizers", "L2", {"l2": l2})
    return keras_object("keras.regularizers", "L1L2", {"l1": l1, "l2": l2})


def deserialize_regularizer(value, where: str):
    if value is None or isinstance(value, str):
        return regularizers.get(value)
    if isinstance(value, dict) and value.get("class_name") in ("L1", "L2", "L1L2"):
        return regularizers.L1L2(**value.get("config", {}))
    raise ValueError(f"{where}: the regularizer {value!r} is not supported by glassnet; use "
                     f"keras.regularizers L1, L2 or L1L2")


def deserialize_activation(value, where: str, custom_objects: dict | None):
    if isinstance(value, str) and value in activations.ALL:
        return value
    if isinstance(value, dict):  # Keras' form of a registered function
        return resolve_function(value, custom_objects)
    raise ValueError(f"{where}: the activation {value!r} is not one glassnet has; use one of "
                     f"{', '.join(activations.ALL)} or register your function with "
                     f"keras.saving.register_keras_serializable")


def _same(saved, fixed) -> bool:
    """Does a saved option hold the one value glassnet supports? Initialisers compare by
    class (Keras adds config keys over versions)."""
    if isinstance(fixed, dict) and isinstance(saved, (dict, str)):
        name = saved.get("class_name") if isinstance(saved, dict) else saved
        return _INITIALIZER_NAMES.get(name, name) == _INITIALIZER_NAMES[fixed["class_name"]]
    return saved == fixed


def _check_dtype(value, where: str) -> None:
    name = value.get("config", {}).get("name") if isinstance(value, dict) else value
    if name not in (None, "float32"):
        raise ValueError(f"{where}: dtype {name!r} is not supported; glassnet's layers compute "
                         f"in float32 (save the Keras model with dtype='float32')")


# ----- layers -----------------------------------------------------------------------------
def keras_class_name(obj) -> str:
    """The class name Keras would write: a functional model is a ``Functional``."""
    return getattr(type(obj), "_keras_class_name", type(obj).__name__)


def layer_config(layer) -> dict:
    """glassnet's ``get_config`` in Keras' long form (dtype, initialiser and regulariser
    dicts, the Keras-only options at the value glassnet behaves as)."""
    config = {}
    for key, value in layer.get_config().items():
        if key.endswith("_initializer") and isinstance(value, str) and value in INITIALIZERS:
            value = serialize_initializer(value)
        elif key.endswith("_regularizer") and isinstance(value, dict) and \
                "class_name" not in value:
            value = serialize_regularizer(regularizers.L1L2(**value))
        elif key == "axis" and type(layer).__name__ == "LayerNormalization":
            value = [value] if isinstance(value, int) else list(value)
        config[key] = value
        if key == "trainable":
            config["dtype"] = DTYPE_POLICY
    config.setdefault("dtype", DTYPE_POLICY)
    for key, value in KERAS_ONLY.get(type(layer).__name__, {}).items():
        config.setdefault(key, value)
    if type(layer).__name__ == "Dense" and config.get("lora_rank") is None:
        config.pop("lora_rank", None)  # Keras writes it only when LoRA is on
    return config


def serialize_layer(layer, input_shape=None) -> dict:
    """One layer as Keras writes it: module, class_name, config, registered_name, and
    ``build_config`` when the input shape is known."""
    cls = type(layer)
    if cls in GLOBAL_CUSTOM_NAMES or builtin_layers().get(cls.__name__) is not cls:
        # a user's class, registered or not (then Keras names it by its class name, and
        # loading needs custom_objects): its own get_config, as written
        out = {"module": cls.__module__, "class_name": cls.__name__,
               "config": _custom_config(layer), "registered_name": get_registered_name(cls)}
    else:
        out = keras_object("keras.layers", cls.__name__, layer_config(layer))
    if input_shape is not None:
        out["build_config"] = {"input_shape": list(input_shape)}
    return out


def _custom_config(layer) -> dict:
    config = dict(layer.get_config())
    config.setdefault("dtype", DTYPE_POLICY)
    return config


def deserialize_layer(spec: dict, custom_objects: dict | None, builtins: dict):
    """A Keras layer dict → a glassnet layer (unbuilt). Built-in layers have their options
    checked one by one; registered classes get their config as saved (``from_config`` if they
    define it, else ``cls(**config)``)."""
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"a layer in the file is not a Keras object dict: {spec!r}")
    class_name = spec["class_name"]
    cls = resolve_class(class_name, spec.get("registered_name"), spec.get("module"),
                        custom_objects, builtins)
    config = dict(spec.get("config") or {})
    if builtins.get(class_name) is not cls:
        return _build_from_config(_build_custom(cls, config), spec.get("build_config"))
    where = f"{class_name} {config.get('name', '')!r}".rstrip(" '")
    if class_name == "InputLayer":
        return _input_layer(cls, config, where)
    _check_dtype(config.pop("dtype", None), where)
    accepted = _accepted(cls)
    fixed = {**_ANY_LAYER, **KERAS_ONLY.get(class_name, {})}
    ignored = _IGNORED.get(class_name, set())
    options = {}
    for key, value in config.items():
        if key in ("layer", "backward_layer") and isinstance(value, dict):
            options[key] = deserialize_layer(value, custom_objects, builtins)  # a wrapper's
        elif key in accepted:
            options[key] = _convert(key, value, where, custom_objects, class_name)
        elif key in ignored:
            continue
        elif key in fixed:
            if not _same(value, fixed[key]):
                raise ValueError(f"{where}: {key}={value!r} is not supported by glassnet (it "
                                 f"behaves as {key}={fixed[key]!r}); remove that option from "
                                 f"the Keras model before saving it")
        else:
            raise ValueError(f"{where}: the option {key}={value!r} in the file is not one "
                             f"glassnet's {class_name} has ({', '.join(sorted(accepted))})")
    return cls(**options)


def _accepted(cls) -> set:
    names = {"name", "trainable"}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name != "self" and parameter.kind not in (parameter.VAR_KEYWORD,
                                                     parameter.VAR_POSITIONAL):
            names.add(name)
    return names


def _convert(key: str, value, where: str, custom_objects, class_name: str):
    if key.endswith("_initializer"):
        return deserialize_initializer(value, where)
    if key.endswith("_regularizer"):
        return deserialize_regularizer(value, where)
    if key == "activation":
        return deserialize_activation(value, where, custom_objects)
    if key == "axis" and class_name == "LayerNormalization" and isinstance(value, list):
        if len(value) != 1:
            raise ValueError(f"{where}: normalising over several axes {value} is not "
                             f"supported; glassnet normalises over the last axis")
        return value[0]
    return value


def _input_layer(cls, config: dict, where: str):
    shape = config.pop("batch_shape", None) or config.pop("batch_input_shape", None)
    if shape is None:
        raise ValueError(f"{where}: the file gives no batch_shape for the input")
    for key in ("sparse", "ragged", "optional"):
        if config.pop(key, False):
            raise ValueError(f"{where}: {key} inputs are not supported by glassnet")
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        dtype = (dtype.get("config") or {}).get("name")
    return cls(batch_shape=tuple(shape), dtype=dtype, name=config.get("name"))


def _build_custom(cls, config: dict):
    """A registered class from its saved config: ``cls.from_config(config)`` if it defines
    one, else ``cls(**config)``; Keras' float32 DTypePolicy becomes plain "float32", and
    ``dtype``/``trainable`` are left out for an ``__init__`` that takes neither."""
    if "dtype" in config:
        _check_dtype(config["dtype"], cls.__name__)
        config["dtype"] = "float32"
    from_config = getattr(cls, "from_config", None)
    if from_config is not None:
        return from_config(config)
    parameters = inspect.signature(cls.__init__).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    if not takes_any:
        config = {k: v for k, v in config.items() if k in parameters or k not in
                  ("dtype", "trainable")}
    return cls(**config)


def _build_from_config(obj, build_config):
    """Keras' ``build_from_config``: make the weights for the saved input shape, so that a
    registered subclassed model (which no graph call will build) can take its weights."""
    shape = (build_config or {}).get("input_shape")
    if shape is None or getattr(obj, "built", True):
        return obj
    from ..models import Model

    shape = tuple(shape) if shape and not isinstance(shape[0], (list, dict)) else shape
    if isinstance(obj, Model):
        obj.build(shape)
    else:
        obj._build_once(shape)
    return obj
