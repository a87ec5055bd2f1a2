"""A functional model's config both ways: its layers (in ``model.layers`` order, Keras'
``map_graph`` order), each with the calls that belong to this model (``inbound_nodes``: the
arguments, KerasTensors written as ``{"class_name": "__keras_tensor__", "config": {shape,
dtype, keras_history: [layer name, node index, tensor index]}}``), and ``input_layers`` /
``output_layers`` as the same triples in the structure the model was given.

Node indices count only the calls that belong to the model (a layer shared with another model
has calls that do not). Keras adds one to the index of a nested Functional model in
``input_layers``/``output_layers`` (its own "pre-existing node") but not in call arguments; this
file writes and reads both the way Keras does.
"""

from __future__ import annotations

from .. import layers as L
from ..keras_tensor import KerasTensor

_TENSOR = "__keras_tensor__"


def _is_functional(layer) -> bool:
    return getattr(type(layer), "_keras_class_name", None) == "Functional"


def layers_by_name(model) -> dict:
    return {layer.name: layer for layer in model.layers}


# ----- writing -----------------------------------------------------------------------------
def functional_config(model, serialize_any, input_spec) -> dict:
    own = model.__dict__["_nodes"]
    kept: dict[tuple[int, int], int] = {}  # (layer id, node index) → index among own calls
    for layer in model.layers:
        count = 0
        for i, node in enumerate(layer._inbound_nodes):
            if id(node) in own:
                kept[(id(layer), i)] = count
                count += 1

    def history(x: KerasTensor, offset: bool) -> list:
        layer, node_index, tensor_index = x._keras_history
        index = kept[(id(layer), node_index)]
        return [layer.name, index + (1 if offset and _is_functional(layer) else 0), tensor_index]

    def argument(value):
        if isinstance(value, KerasTensor):
            return {"class_name": _TENSOR, "config": {
                "shape": list(value.shape), "dtype": value.dtype,
                "keras_history": history(value, False)}}
        if isinstance(value, dict):
            return {key: argument(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [argument(item) for item in value]
        return value

    specs = []
    for layer in model.layers:
        if isinstance(layer, L.InputLayer):
            spec = input_spec(layer.batch_shape, layer.name)
            spec["config"]["dtype"] = layer.dtype
        else:
            shapes = getattr(layer, "_build_shapes", None)
            spec = serialize_any(layer, _as_list(shapes) if layer.built else None)
        spec["name"] = layer.name
        spec["inbound_nodes"] = [
            {"args": [argument(a) for a in (node.call_args, *node.more_args)],
             "kwargs": argument(node.call_kwargs)}
            for node in layer._inbound_nodes if id(node) in own and not node.is_input]
        specs.append(spec)

    def structure(value):
        if isinstance(value, KerasTensor):
            return history(value, True)
        if isinstance(value, dict):
            return {key: structure(item) for key, item in value.items()}
        return [structure(item) for item in value]

    return {"name": model.name, "trainable": model.trainable, "layers": specs,
            "input_layers": structure(model.__dict__["_inputs_struct"]),
            "output_layers": structure(model.__dict__["_outputs_struct"])}


def _as_list(shapes):
    if shapes is None:
        return None
    if isinstance(shapes, dict):
        return {key: _as_list(value) for key, value in shapes.items()}
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [_as_list(s) for s in shapes]
    return list(shapes)


# ----- reading -----------------------------------------------------------------------------
def functional_from_config(spec: dict, deserialize):
    """Rebuild the graph as Keras' ``functional_from_config`` does: make every layer, then
    replay the calls, postponing a call until the layers its arguments come from have made
    the calls it refers to (a layer shared at several depths)."""
    from ..models import Model

    config = spec.get("config") or {}
    created, pending = {}, {}
    for layer_spec in config.get("layers", []):
        name = layer_spec.get("name") or (layer_spec.get("config") or {}).get("name")
        if name in created:
            raise ValueError(f"the model config lists two layers named {name!r}")
        created[name] = deserialize(layer_spec)
        pending[name] = list(layer_spec.get("inbound_nodes") or [])
    while any(pending.values()):
        progressed = False
        for name, nodes in pending.items():
            while nodes:
                try:
                    args, kwargs = _node_arguments(nodes[0], created)
                except IndexError:
                    break
                created[name](*args, **kwargs)
                nodes.pop(0)
                progressed = True
        if not progressed:
            stuck = sorted(name for name, nodes in pending.items() if nodes)
            raise ValueError(f"the functional model's config cannot be rebuilt: the calls of "
                             f"{stuck} refer to calls that never happen (a loop or a "
                             f"disconnected graph)")

    def tensor(triple):
        name, index, tensor_index = triple
        layer = _layer(created, name)
        index -= 1 if _is_functional(layer) else 0
        return layer._inbound_nodes[index].outputs[tensor_index]

    def structure(value):
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
            return tensor(value)
        if isinstance(value, dict):
            return {key: structure(item) for key, item in value.items()}
        return [structure(item) for item in value]

    inputs = structure(config["input_layers"])
    outputs = structure(config["output_layers"])
    return Model(inputs, outputs, name=config.get("name"),
                 trainable=config.get("trainable", True))


def _layer(created: dict, name):
    if name not in created:
        raise ValueError(f"the model config refers to a layer {name!r} it does not list")
    return created[name]


def _node_arguments(node: dict, created: dict):
    """(args, kwargs) of one recorded call, with KerasTensors in place of their triples;
    IndexError if a referred call has not been replayed yet."""
    if isinstance(node, list):  # Keras 2's form: [[layer name, node, tensor, kwargs], ...]
        tensors = [_revive({"class_name": _TENSOR, "config": {"keras_history": item[:3]}},
                           created) for item in node]
        return [tensors[0] if len(tensors) == 1 else tensors], {}
    args = [_revive(value, created) for value in node.get("args", [])]
    kwargs = {key: _revive(value, created) for key, value in (node.get("kwargs") or {}).items()
              if not (key == "mask" and value is None)}
    return args, kwargs


def _revive(value, created):
    if isinstance(value, dict) and value.get("class_name") == _TENSOR:
        name, index, tensor_index = value["config"]["keras_history"]
        layer = _layer(created, name)
        if index >= len(layer._inbound_nodes):
            raise IndexError(index)
        return layer._inbound_nodes[index].outputs[tensor_index]
    if isinstance(value, dict):
        return {key: _revive(item, created) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_revive(item, created) for item in value]
    return value
