"""The weights of a model in Keras 3's HDF5 layout, both ways.

The walk follows the model's Keras config, so glassnet writes exactly the groups Keras reads
and reads the groups Keras wrote: ``vars`` for the model itself, ``layers/<snake class name,
numbered per class>/vars/<i>`` per layer (a nested model's layers below its own group, a custom
layer's child layers at ``<its group>/<attribute>``), ``optimizer/vars/<i>`` for the optimizer.
Each layer's arrays are in Keras' order: its trainable weights, then the non-trainable ones.
"""

from __future__ import annotations

import numpy as np

from .. import layers as L
from .keras_file import read_group, write_group
from .model_config import is_model_spec, layer_pairs, sublayers


def snake(name: str) -> str:
    return L._snake("".join(ch for ch in name if ch.isalnum() or ch == "_"))


def walk(model, spec: dict, path: str = "", seen: set | None = None):
    """(group path, object) for the model and everything under it, as Keras' saving_lib
    visits them (each object once, at its first path)."""
    seen = set() if seen is None else seen
    if not is_model_spec(spec):  # a registered Model subclass: walked like a custom layer
        yield from _walk_layer(model, path, seen)
        return
    if id(model) in seen:
        return
    seen.add(id(model))
    yield path, model
    used: dict[str, int] = {}
    for layer_spec, layer in layer_pairs(model, spec):
        base = snake(layer_spec["class_name"])
        name = base if base not in used else f"{base}_{used[base] + 1}"
        used[base] = used.get(base, -1) + 1
        child = f"{path}/layers/{name}" if path else f"layers/{name}"
        if is_model_spec(layer_spec):
            yield from walk(layer, layer_spec, child, seen)
        else:
            yield from _walk_layer(layer, child, seen)


def _walk_layer(layer, path: str, seen: set):
    if id(layer) in seen:
        return
    seen.add(id(layer))
    yield path, layer
    for child_path, child in sublayers(layer):
        yield from _walk_layer(child, f"{path}/{child_path}" if path else child_path, seen)


def keras_order(layer) -> list[str]:
    """The layer's own weight names in Keras' order: trainable ones first (whatever
    ``layer.trainable`` says), then the non-trainable ones, each in creation order."""
    names = list(getattr(layer, "_weight_order", []))
    frozen = getattr(layer, "_non_trainable", set())
    return [n for n in names if n not in frozen] + [n for n in names if n in frozen]


def _own_arrays(obj) -> list[np.ndarray]:
    if is_model_object(obj):
        return []
    return [getattr(obj, name)._data for name in keras_order(obj)]


def is_model_object(obj) -> bool:
    from .model_config import is_functional, is_sequential

    return is_sequential(obj) or is_functional(obj)


def trainable_in_keras_order(model, spec: dict) -> list:
    """The weights Keras' optimizer keeps slots for, in its order: the model's
    ``trainable_weights`` (layers in order, each layer's own before its sublayers', a
    subclassed model's in assignment order, as Keras tracks them)."""
    return list(model.trainable_weights) if model.trainable else []


# ----- writing -----------------------------------------------------------------------------
def save_state(h5, model, spec: dict, with_optimizer: bool = True) -> None:
    for path, obj in walk(model, spec):
        write_group(h5, path, getattr(obj, "name", None), _own_arrays(obj))
    optimizer = getattr(model, "optimizer", None)
    if with_optimizer and getattr(model, "compiled", False) and optimizer is not None:
        arrays = optimizer_arrays(optimizer, trainable_in_keras_order(model, spec))
        if arrays is not None:
            write_group(h5, "optimizer", optimizer.name, arrays)


# Keras' optimizer variables after (iteration, learning_rate): which glassnet state key fills
# each slot, per trainable variable; slots listed together are interleaved per variable
_SLOTS = {"Adam": [("m", "v"), ("v_hat",)], "AdamW": [("m", "v"), ("v_hat",)],
          "SGD": [("momentum",)], "RMSprop": [("velocity",), ("momentum",),
                                               ("average_gradient",)]}
_SLOT_ON = {"v_hat": "amsgrad", "momentum": "momentum", "average_gradient": "centered"}


def _slots(optimizer) -> list[tuple[str, ...]] | None:
    hyper = getattr(optimizer, "hyper", {})
    kinds = _SLOTS.get(type(optimizer).__name__)
    if kinds is None:
        return None
    return [tuple(s for s in slots if s not in _SLOT_ON or hyper.get(_SLOT_ON[s]))
            for slots in kinds]


def optimizer_arrays(optimizer, params: list) -> list | None:
    """The optimizer's variables in Keras' order (zeros where no step has run yet), or None
    for an optimizer Keras' layout is not known for."""
    kinds = _slots(optimizer)
    if kinds is None:
        return None
    arrays = [np.asarray(optimizer.iterations, np.int64),
              np.asarray(optimizer.learning_rate, np.float32)]
    state = getattr(optimizer, "state", {})
    for slots in kinds:
        for param in params:
            for slot in slots:
                value = state.get(param, {}).get(slot)
                arrays.append(np.zeros_like(param._data) if value is None
                              else np.asarray(value).reshape(param._data.shape))
    return arrays


# ----- reading -----------------------------------------------------------------------------
def load_state(h5, model, spec: dict, skip_mismatch: bool = False) -> list[str]:
    """Set every layer's weights from the file; returns the problems skipped (only with
    ``skip_mismatch``; otherwise the first problem raises)."""
    problems = []
    for path, obj in walk(model, spec):
        if is_model_object(obj):
            continue
        names = keras_order(obj)
        arrays = read_group(h5, path)
        try:
            _set(obj, path, names, arrays)
        except ValueError as error:
            if not skip_mismatch:
                raise
            problems.append(str(error))
    return problems


def _set(layer, path: str, names: list, arrays) -> None:
    if not names:
        if arrays:
            raise ValueError(f"layer {layer.name!r} ({path}): the file holds {len(arrays)} "
                             f"arrays for it but the layer has no weights")
        return
    if arrays is None:
        raise ValueError(f"layer {layer.name!r}: the file has no weights at {path}/vars; the "
                         f"file was saved from a different model")
    if len(arrays) != len(names):
        raise ValueError(f"layer {layer.name!r} ({path}): the file holds {len(arrays)} "
                         f"arrays, the layer has {len(names)} ({', '.join(names)})")
    for name, value in zip(names, arrays):
        weight = getattr(layer, name)
        value = np.asarray(value, dtype=weight._data.dtype)
        if value.shape != weight._data.shape:
            raise ValueError(f"layer {layer.name!r} ({path}): {name} has shape "
                             f"{weight._data.shape}, the file holds {value.shape}")
        weight._data[...] = value
        weight._version_box[0] += 1


def load_optimizer_state(h5, model, spec: dict) -> bool:
    """Give a freshly compiled model's optimizer the step count and moments saved in the file
    (Keras' layout, as ``optimizer_arrays`` writes it); False, leaving the optimizer fresh, when
    the file holds none or holds them for a different optimizer or model (Keras warns and
    skips then too; a file saved before any training step holds only two variables)."""
    optimizer = getattr(model, "optimizer", None)
    arrays = read_group(h5, "optimizer") if optimizer is not None else None
    kinds = _slots(optimizer) if optimizer is not None else None
    if not arrays or kinds is None or not getattr(optimizer, "built", False):
        return False
    params = trainable_in_keras_order(model, spec)
    if len(arrays) != 2 + sum(len(slots) for slots in kinds) * len(params):
        return False
    iterations = int(arrays[0])
    saved, position = {id(p): {"step": iterations} for p in params}, 2
    for slots in kinds:
        for param in params:
            for slot in slots:
                value = np.asarray(arrays[position])
                if value.shape != tuple(param._data.shape):
                    return False
                saved[id(param)][slot] = value
                position += 1
    state = optimizer.state_dict()
    index = {}
    for group in optimizer.param_groups:
        for p in group["params"]:
            index.setdefault(id(p), len(index))
    if set(saved) - set(index):
        return False
    state["state"] = {index[key]: value for key, value in saved.items()}
    optimizer.load_state_dict(state)
    optimizer.iterations = iterations
    return True
