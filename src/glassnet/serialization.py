"""Saving and loading weights: ``glassnet.save(state_dict, path)`` and ``glassnet.load(path)``.

The format is safetensors: a JSON header and raw arrays, so loading a file never runs code (no
pickle), and the same file loads into PyTorch with ``safetensors.torch.load_file``. Files are
written to a temporary name and renamed into place, so an existing checkpoint is never left
half-overwritten.
"""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .tensor import Tensor


def _safetensors_numpy():
    try:
        from safetensors import numpy as safetensors_numpy
    except ImportError:
        raise ImportError(
            "saving and loading weights needs the safetensors package: "
            "pip install 'glassnet[weights]' (or pip install safetensors)"
        ) from None
    return safetensors_numpy


def save(state_dict, path, metadata: dict | None = None) -> None:
    """Write a ``{name: tensor}`` dict (e.g. ``model.state_dict()``) as safetensors."""
    library = _safetensors_numpy()
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"save: {name!r} is a {type(value).__name__}; only tensors and "
                            f"arrays can be saved (put other settings in a JSON file)")
        arrays[name] = np.asarray(value._data if isinstance(value, Tensor) else value, order="C")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        library.save_file(arrays, temporary, metadata=metadata)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path) -> OrderedDict:
    """Read a safetensors file back as an ordered ``{name: tensor}`` dict."""
    library = _safetensors_numpy()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no file at {path}")
    try:
        arrays = library.load_file(str(path))
    except Exception as error:  # noqa: BLE001 - the library raises several kinds
        raise ValueError(f"load: {path} is not a readable safetensors file ({error})") from None
    return OrderedDict((name, Tensor._make(array)) for name, array in arrays.items())
