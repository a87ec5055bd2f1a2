"""Nested checkpoints without pickle: the dicts, lists and numbers around the tensors.

PyTorch's general checkpoint is a dict of dicts::

    torch.save({"epoch": 5, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": 0.31}, path)

``torch.load(path, weights_only=True)`` reads back exactly what can hold no code: tensors, and
dicts (plain or ordered), lists and tuples of them with str / int / float / bool / None
leaves. glassnet stores that same set in a safetensors file: each tensor in the file's table
under the path that leads to it (``model_state_dict/fc.weight``,
``optimizer_state_dict/state/0/exp_avg``), and the rest as a JSON outline in the header's
metadata, where each container is a one-key object naming its kind::

    {"dict": [["epoch", 5], ["model_state_dict", {"ordered_dict": [["fc.weight",
              {"tensor": "model_state_dict/fc.weight"}], ...]}], ...]}

Keys are kept as pairs so that int keys (an optimizer's state) and order survive. Loading
rebuilds the outline and checks it as it goes: a damaged outline is one clear error, never an
exception from deep inside.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from .tensor import Tensor

OUTLINE_KEY = "glassnet.outline"  # the metadata entry holding the outline
WHAT_IS_SAVED = ("tensors and arrays, and dicts, lists and tuples of them with str, int, float, "
                 "bool or None leaves (what torch.load(weights_only=True) reads)")


def is_flat(obj) -> bool:
    """A plain ``{str: tensor}`` dict (a state_dict): stored as a plain safetensors file."""
    return isinstance(obj, Mapping) and all(
        isinstance(k, str) and isinstance(v, (Tensor, np.ndarray)) for k, v in obj.items())


def outline(obj, arrays: dict) -> str:
    """The JSON outline of ``obj``; its tensors are added to ``arrays`` under their paths."""
    return json.dumps(_encode(obj, (), arrays), separators=(",", ":"))


def _encode(obj, path: tuple, arrays: dict):
    if isinstance(obj, (Tensor, np.ndarray)):
        key = _free_key("/".join(str(part) for part in path) or "tensor", arrays)
        data = obj._data if isinstance(obj, Tensor) else obj
        arrays[key] = np.asarray(data, order="C")
        return {"tensor" if isinstance(obj, Tensor) else "array": key}
    if obj is None or isinstance(obj, (bool, str, int, float, np.generic)):
        return _leaf(obj, path)
    if isinstance(obj, Mapping):
        kind = "ordered_dict" if isinstance(obj, OrderedDict) else "dict"
        return {kind: [[_leaf(k, path), _encode(v, (*path, k), arrays)]
                       for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {kind: [_encode(v, (*path, i), arrays) for i, v in enumerate(obj)]}
    _refuse(obj, path)


def _leaf(value, path: tuple):
    """A JSON leaf: NumPy scalars become Python's (``np.float32(0.5)`` → 0.5)."""
    if isinstance(value, np.generic) and value.shape == ():
        value = value.item()
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    _refuse(value, path)


def _refuse(value, path: tuple):
    from .nn.module import Module  # imported here: nn imports glassnet, which imports this

    where = "/".join(str(part) for part in path) or "the object"
    if isinstance(value, Module):
        raise TypeError(
            f"save: {where} is a whole {type(value).__name__} module; glassnet saves weights "
            f"only (storing a module means pickling it, and loading a pickle runs code). Save "
            f"its state_dict() instead, and rebuild the model in code before load_state_dict")
    raise TypeError(f"save: {where} is a {type(value).__name__}, which glassnet cannot store: "
                    f"it saves {WHAT_IS_SAVED}; convert it (e.g. str(value)) or leave it out")


def _free_key(key: str, arrays: dict) -> str:
    """``key``, or ``key#2``, ``key#3``... when a path was already taken."""
    candidate, n = key, 1
    while candidate in arrays:
        n += 1
        candidate = f"{key}#{n}"
    return candidate


def rebuild(text: str, arrays: dict):
    """The object an outline describes, its tensors taken from ``arrays``."""
    try:
        return _decode(json.loads(text), arrays)
    except (ValueError, TypeError, KeyError, RecursionError) as error:
        raise ValueError(f"load: the file's outline of its contents is damaged ({error}); the "
                         f"file cannot be read back as it was saved") from None


CONTAINERS = {"dict": dict, "ordered_dict": OrderedDict, "list": list, "tuple": tuple}


def _decode(node, arrays: dict):
    if not isinstance(node, dict):
        if isinstance(node, list):
            raise ValueError("a bare list where a leaf or a one-key object belongs")
        return node
    if len(node) != 1:
        raise ValueError(f"an object with {len(node)} keys where one names a kind")
    (kind, value), = node.items()
    if kind in ("tensor", "array"):
        array = arrays[value]
        return Tensor._make(array) if kind == "tensor" else array
    if kind not in CONTAINERS or not isinstance(value, list):
        raise ValueError(f"unknown entry {kind!r}")
    if kind in ("list", "tuple"):
        return CONTAINERS[kind](_decode(item, arrays) for item in value)
    pairs = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2 or isinstance(pair[0], (dict, list)):
            raise ValueError("a dict entry that is not a [key, value] pair")
        pairs.append((pair[0], _decode(pair[1], arrays)))
    return CONTAINERS[kind](pairs)
