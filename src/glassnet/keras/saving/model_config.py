"""Model configs in Keras 3's format: ``Sequential`` (its layers in order, ``build_input_shape``)
and ``Functional`` (every layer with the calls that connect it, ``inbound_nodes``, and the
``input_layers`` / ``output_layers`` of the graph), nested models included.

A functional model's layers are listed in ``model.layers`` order, which is the order Keras'
``map_graph`` gives them (by depth from the outputs, ties in first-visit order; see
``functional.py``): Keras numbers the weight groups (``dense``, ``dense_1``...) in that order
when it reads the file back, so any other order would swap same-shaped weights.
"""

from __future__ import annotations

from .. import layers as L
from .compile_config import serialize_compile
from .registry import GLOBAL_CUSTOM_NAMES, builtin_layers
from .serialization import (
    DTYPE_POLICY,
    deserialize_layer,
    keras_class_name,
    serialize_layer,
)

MODEL_CLASSES = ("Sequential", "Functional")


# ----- which kind of model -----------------------------------------------------------------
def is_model_spec(spec: dict) -> bool:
    return spec.get("class_name") in MODEL_CLASSES and spec.get("registered_name") in (
        None, "Functional", "Sequential")


def is_sequential(obj) -> bool:
    from ..models import Sequential

    return isinstance(obj, Sequential) and type(obj) not in GLOBAL_CUSTOM_NAMES


def is_functional(obj) -> bool:
    return keras_class_name(obj) == "Functional" and type(obj) not in GLOBAL_CUSTOM_NAMES


# ----- saving ------------------------------------------------------------------------------
def serialize_model(model, with_compile: bool = True) -> dict:
    """Keras' dict for a Sequential or Functional model (nested ones inside), or for a
    registered ``keras.Model`` subclass (its ``get_config`` and build shape)."""
    if is_functional(model):
        out = _functional(model)
    elif is_sequential(model):
        out = _sequential(model)
    elif type(model) in GLOBAL_CUSTOM_NAMES:
        out = serialize_layer(model, _build_shape(model))
    else:
        raise ValueError(
            f"cannot save a {type(model).__name__}: glassnet writes Sequential and functional "
            f"models, and keras.Model subclasses registered with "
            f"@keras.saving.register_keras_serializable() that define get_config()")
    if with_compile:
        out["compile_config"] = serialize_compile(model)
    return out


def _build_shape(layer):
    from .functional_graph import _as_list

    return _as_list(getattr(layer, "_build_shapes", None)) if layer.built else None


def _serialize_any(layer, input_shape) -> dict:
    if is_sequential(layer) or is_functional(layer):
        spec = serialize_model(layer)
        if input_shape is not None:
            spec["build_config"] = {"input_shape": list(input_shape)}
        return spec
    return serialize_layer(layer, input_shape)


def _input_spec(batch_shape, name: str) -> dict:
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": list(batch_shape), "dtype": "float32", "sparse": False,
                       "ragged": False, "name": name, "optional": False},
            "registered_name": None}


def _sequential(model) -> dict:
    shape = model._input_shape if model.built else None
    specs = [] if shape is None else [_input_spec(shape, "input_layer")]
    specs += [_serialize_any(layer, _build_shape(layer)) for layer in model.layers]
    config = {"name": model.name, "trainable": model.trainable, "dtype": DTYPE_POLICY,
              "layers": specs}
    out = {"module": "keras", "class_name": "Sequential", "config": config,
           "registered_name": None}
    if shape is not None:
        config["build_input_shape"] = list(shape)
        out["build_config"] = {"input_shape": list(shape)}
    return out


def _functional(model) -> dict:
    from .functional_graph import functional_config

    config = functional_config(model, _serialize_any, _input_spec)
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": config, "registered_name": "Functional",
            "build_config": {"input_shape": None}}


# ----- loading -----------------------------------------------------------------------------
def deserialize_model(spec: dict, custom_objects: dict | None = None):
    """A model (or layer) from its Keras dict, with only glassnet's or registered classes."""
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"an object in config.json is not a Keras object dict (with "
                         f"class_name and config): {str(spec)[:200]}")
    builtins = builtin_layers()
    if is_model_spec(spec):
        if spec["class_name"] == "Sequential":
            return _sequential_from(spec, custom_objects, builtins)
        from .functional_graph import functional_from_config

        return functional_from_config(spec, lambda s: deserialize_any(s, custom_objects))
    return deserialize_layer(spec, custom_objects, builtins)


def deserialize_any(spec: dict, custom_objects):
    return deserialize_model(spec, custom_objects)


def _sequential_from(spec: dict, custom_objects, builtins):
    from ..models import Sequential

    config = spec.get("config") or {}
    layers = [deserialize_any(layer, custom_objects) for layer in config.get("layers", [])]
    model = Sequential(name=config.get("name"), trainable=config.get("trainable", True))
    for layer in layers:
        model.add(layer)
    shape = config.get("build_input_shape") or (spec.get("build_config") or {}).get(
        "input_shape")
    if not model.built and shape and model.layers:
        model.build(tuple(shape))
    return model


# ----- walking a model as Keras does (the weight groups) ----------------------------------
def layer_pairs(model, spec: dict) -> list:
    """(layer spec, layer object) for every layer Keras' ``model.layers`` lists: a Sequential
    leaves out its InputLayer, a Functional model keeps them."""
    specs = (spec.get("config") or {}).get("layers", [])
    if spec["class_name"] == "Sequential":
        specs = [s for s in specs if s.get("class_name") != "InputLayer"]
        objects = list(model.layers)
        if len(objects) != len(specs):
            raise ValueError(f"{model.name}: the config lists {len(specs)} layers, the model "
                             f"has {len(objects)}")
        return list(zip(specs, objects))
    from .functional_graph import layers_by_name

    by_name = layers_by_name(model)
    missing = [s.get("name") for s in specs if s.get("name") not in by_name]
    if missing:
        raise ValueError(f"{model.name}: the config names layers {missing} that the model "
                         f"does not have")
    return [(s, by_name[s["name"]]) for s in specs]


def sublayers(layer) -> list:
    """(path below the layer, child layer) as Keras visits a custom layer's children:
    attributes in sorted order, private ones (``_x``) last; a layer held directly is at
    ``<attribute>``, layers in a list or dict attribute at ``<attribute>/<snake class>``
    numbered per class (glassnet tracks those as ``<attribute>.<key>``). A subclassed model
    also has Keras' ``layers`` list among its attributes, so a child whose attribute sorts
    after "layers" is first met, and saved, there."""
    from ..models import Model

    groups: dict[str, list] = {}
    for key, child in getattr(layer, "_modules", {}).items():
        if isinstance(child, L.Layer):
            attribute, _, item = key.partition(".")
            groups.setdefault(attribute, []).append((item, child))
    if isinstance(layer, Model) and "layers" not in groups:
        groups["layers"] = [(str(i), child) for i, child in enumerate(layer.layers)]
    out = []
    for attribute in sorted(groups, key=lambda a: ("~" + a) if a.startswith("_") else a):
        children = groups[attribute]
        if len(children) == 1 and children[0][0] == "":
            out.append((attribute, children[0][1]))
            continue
        used: dict[str, int] = {}
        for _, child in children:
            base = L._snake(type(child).__name__)
            used[base] = used.get(base, -1) + 1
            name = base if used[base] == 0 else f"{base}_{used[base]}"
            out.append((f"{attribute}/{name}", child))
    return out
