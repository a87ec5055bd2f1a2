"""Saving and loading weights: ``glassnet.save(model.state_dict(), path)`` and
``glassnet.load(path)``, with PyTorch's signatures.

The format is safetensors: a JSON header and raw arrays, so loading a file never runs code (no
pickle), and the same file loads into PyTorch with ``safetensors.torch.load_file``. Files are
written to a temporary name and renamed into place, so an existing checkpoint is never left
half-overwritten.

What differs from ``torch.save``/``torch.load``, and why:

- What can be saved is what ``torch.load(weights_only=True)`` reads back: tensors, and dicts,
  lists and tuples of them with str / int / float / bool / None leaves, such as PyTorch's
  general checkpoint ``{"epoch": 5, "model_state_dict": ..., "optimizer_state_dict": ...}``.
  A plain ``{name: tensor}`` dict (a ``state_dict``) is a plain safetensors file that
  ``safetensors.torch.load_file`` reads too; anything else keeps its tensors in the same table
  and its outline as JSON in the header (``_nested_checkpoint.py``).
- ``torch.save(model, path)`` pickles the whole Module, and loading that pickle means running
  whatever code the file names; glassnet refuses the save with one line naming the fix (save
  the ``state_dict`` and rebuild the model in code) rather than writing a weights-only file that
  would later load as a dict where the program expects a model.
- ``load(..., weights_only=False)`` is accepted, so PyTorch code runs unchanged, but it does not
  turn pickle on: there is no pickle to turn on. A file that is not safetensors (a PyTorch
  ``.pth`` pickle, say) is refused with the one-line conversion to run in PyTorch.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from . import _nested_checkpoint as _nested
from ._files import atomic_write
from .devices import check_device
from .tensor import Tensor

NO_PICKLE = ("glassnet never unpickles (a pickle can run any code when it is loaded, and "
             "weights_only=False cannot change that here)")


def _safetensors_numpy():
    try:
        from safetensors import numpy as safetensors_numpy
    except ImportError:
        raise ImportError(
            "saving and loading weights needs the safetensors package: "
            "pip install 'glassnet[weights]' (or pip install safetensors)"
        ) from None
    return safetensors_numpy


def _table(obj, metadata: dict | None) -> tuple[dict, dict | None]:
    """The ``{name: array}`` table to write and the header's metadata, or a one-line refusal
    naming the fix."""
    from .nn.module import Module  # imported here: nn imports glassnet, which imports this

    if isinstance(obj, Module):
        raise TypeError(
            f"save: got a whole {type(obj).__name__} module; glassnet saves weights only "
            f"(storing a module means pickling it, and loading a pickle runs code). Save its "
            f"weights: glassnet.save(model.state_dict(), path), and rebuild the model in code "
            f"before model.load_state_dict(glassnet.load(path))")
    if metadata is not None and _nested.OUTLINE_KEY in metadata:
        raise ValueError(f"save: the metadata key {_nested.OUTLINE_KEY!r} is glassnet's own; "
                         f"pick another name")
    if _nested.is_flat(obj):
        return {name: np.asarray(value._data if isinstance(value, Tensor) else value,
                                 order="C") for name, value in obj.items()}, metadata
    arrays: dict = {}
    text = _nested.outline(obj, arrays)
    return arrays, {**(metadata or {}), _nested.OUTLINE_KEY: text}


def save(obj, f, metadata: dict | None = None) -> None:
    """Write ``obj`` as safetensors: a ``state_dict``, or a checkpoint of dicts, lists and
    numbers around tensors (what ``torch.load(weights_only=True)`` reads).

    Args:
        obj: a ``{name: tensor}`` dict such as ``model.state_dict()``; or tensors and arrays
            inside dicts, lists and tuples with str / int / float / bool / None leaves (see the
            module's docstring). A whole Module is refused: save ``model.state_dict()``.
        f: a path, or a binary file object opened for writing (``io.BytesIO()``).
        metadata: optional ``{str: str}`` stored in the file's header.

    Example:
        >>> import glassnet, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
        >>> glassnet.save({"w": glassnet.ones(2)}, path)
        >>> glassnet.load(path)["w"]
        tensor([1., 1.])
    """
    library = _safetensors_numpy()
    arrays, metadata = _table(obj, metadata)
    if hasattr(f, "write"):
        f.write(library.save(arrays, metadata=metadata))
        return
    path = Path(f)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda temporary: library.save_file(arrays, temporary, metadata=metadata))


def _check_map_location(map_location) -> None:
    """Everything loads onto the CPU, the one device there is; naming another one is an error.

    A dict maps the location a tensor was saved from to where it goes, as in PyTorch. glassnet
    saves every tensor from ``"cpu"``, so only that entry applies: the DDP tutorial's
    ``{"cuda:0": f"cuda:{rank}"}`` leaves CPU tensors where they are, as it does on a CPU-only
    PyTorch, while ``{"cpu": "cuda:0"}`` is an error there and here.
    """
    if map_location is None or callable(map_location):
        return
    if isinstance(map_location, Mapping):
        for source, target in map_location.items():
            if str(source) == "cpu":
                check_device(target)
        return
    check_device(map_location)


def _what_it_is(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "a PyTorch checkpoint (a zip of pickles)"
    if head[:1] == b"\x80":
        return "a pickle"
    return "something else"


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = True,
         mmap: bool | None = None):
    """Read a safetensors file back: a plain one as an ordered ``{name: tensor}`` dict, a
    checkpoint that ``save`` wrote from dicts, lists and numbers as that same structure.

    PyTorch's keywords are accepted so its code runs unchanged; none of them can make glassnet
    unpickle (see the module's docstring).

    Args:
        f: a path, or a binary file object opened for reading.
        map_location: where tensors go: ``None``, ``"cpu"``, ``glassnet.device("cpu")``, a dict
            from saved location to target (only its ``"cpu"`` entry applies, and it must
            name the CPU), or PyTorch's ``fn(tensor, location)`` (called with each
            tensor and ``"cpu"``; it must return a tensor). Another device raises ``DeviceError``.
        pickle_module: must be None: there is no pickle here.
        weights_only: True or False (or None) load the same way: tensors only, never code.
        mmap: None or False; memory-mapping is not supported.

    Raises:
        FileNotFoundError: no file at the path. ValueError: not a safetensors file (a PyTorch
        pickle, say), with the conversion to run in PyTorch.
    """
    if pickle_module is not None:
        raise ValueError(f"load: pickle_module={pickle_module!r} was given, but {NO_PICKLE}; "
                         f"drop pickle_module=")
    if weights_only not in (True, False, None):
        raise TypeError(f"load: weights_only must be True, False or None, got {weights_only!r}")
    if mmap:
        raise ValueError("load: mmap=True is not supported (files are read into memory); "
                         "drop mmap= or pass mmap=False")
    _check_map_location(map_location)
    library = _safetensors_numpy()
    if hasattr(f, "read"):
        data, where = f.read(), "the file object"
    else:
        path = Path(f)
        if not path.is_file():
            raise FileNotFoundError(f"load: no file at {path}")
        data, where = path.read_bytes(), str(path)
    try:
        arrays = library.load(data)
    except Exception as error:  # noqa: BLE001 - the library raises several kinds
        raise ValueError(
            f"load: {where} is not a readable safetensors file: it looks like "
            f"{_what_it_is(data[:4])} ({error}); {NO_PICKLE}. Convert it in PyTorch: "
            f"safetensors.torch.save_file(torch.load(path), 'weights.safetensors')") from None
    if callable(map_location):
        arrays = {name: _mapped(map_location, Tensor._make(array), name)._data
                  for name, array in arrays.items()}
    outline = _header_metadata(data).get(_nested.OUTLINE_KEY)
    if outline is not None:
        return _nested.rebuild(outline, arrays)
    return OrderedDict((name, Tensor._make(array)) for name, array in arrays.items())


def _header_metadata(data: bytes) -> dict:
    """The ``__metadata__`` of a safetensors file (already read once by the library): an
    8-byte little-endian header length, then the JSON header."""
    size = int.from_bytes(data[:8], "little")
    metadata = json.loads(data[8:8 + size]).get("__metadata__")
    return metadata if isinstance(metadata, dict) else {}


def _mapped(map_location, tensor: Tensor, name: str) -> Tensor:
    moved = map_location(tensor, "cpu")
    if not isinstance(moved, Tensor):
        raise TypeError(f"load: map_location returned a {type(moved).__name__} for {name!r}; "
                        f"it must return a tensor (e.g. lambda storage, location: storage)")
    return moved
