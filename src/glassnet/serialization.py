"""Saving and loading weights: ``glassnet.save(model.state_dict(), path)`` and
``glassnet.load(path)``, with PyTorch's signatures.

The format is safetensors: a JSON header and raw arrays, so loading a file never runs code (no
pickle), and the same file loads into PyTorch with ``safetensors.torch.load_file``. Files are
written to a temporary name and renamed into place, so an existing checkpoint is never left
half-overwritten.

What differs from ``torch.save``/``torch.load``, and why:

- Only ``{name: tensor}`` dicts are saved (a ``state_dict``). ``torch.save(model, path)``
  pickles the whole Module, and loading that pickle means running whatever code the file names;
  glassnet refuses the save with one line naming the fix (save the ``state_dict`` and rebuild the
  model in code) rather than writing a weights-only file that would later load as a dict where
  the program expects a model.
- ``load(..., weights_only=False)`` is accepted, so PyTorch code runs unchanged, but it does not
  turn pickle on: there is no pickle to turn on. A file that is not safetensors (a PyTorch
  ``.pth`` pickle, say) is refused with the one-line conversion to run in PyTorch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np

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


def _arrays(obj) -> dict:
    """The ``{name: array}`` dict to write, or a one-line refusal naming the fix."""
    from .nn.module import Module  # imported here: nn imports glassnet, which imports this

    if isinstance(obj, Module):
        raise TypeError(
            f"save: got a whole {type(obj).__name__} module; glassnet saves weights only "
            f"(storing a module means pickling it, and loading a pickle runs code). Save its "
            f"weights: glassnet.save(model.state_dict(), path), and rebuild the model in code "
            f"before model.load_state_dict(glassnet.load(path))")
    if not isinstance(obj, Mapping):
        raise TypeError(f"save: expected a {{name: tensor}} dict such as model.state_dict(), "
                        f"got {type(obj).__name__}; wrap a lone tensor: glassnet.save({{'x': x}}, "
                        f"path)")
    arrays = {}
    for name, value in obj.items():
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"save: {name!r} is a {type(value).__name__}; only tensors and "
                            f"arrays can be saved (put other settings in a JSON file)")
        arrays[name] = np.asarray(value._data if isinstance(value, Tensor) else value, order="C")
    return arrays


def save(obj, f, metadata: dict | None = None) -> None:
    """Write a ``{name: tensor}`` dict (e.g. ``model.state_dict()``) as safetensors.

    Args:
        obj: the dict of tensors or NumPy arrays. A whole Module is refused (see the module's
            docstring): save ``model.state_dict()``.
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
    arrays = _arrays(obj)
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
         mmap: bool | None = None) -> OrderedDict:
    """Read a safetensors file back as an ordered ``{name: tensor}`` dict.

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
    tensors = OrderedDict((name, Tensor._make(array)) for name, array in arrays.items())
    if callable(map_location):
        for name, tensor in tensors.items():
            tensors[name] = _mapped(map_location, tensor, name)
    return tensors


def _mapped(map_location, tensor: Tensor, name: str) -> Tensor:
    moved = map_location(tensor, "cpu")
    if not isinstance(moved, Tensor):
        raise TypeError(f"load: map_location returned a {type(moved).__name__} for {name!r}; "
                        f"it must return a tensor (e.g. lambda storage, location: storage)")
    return moved
