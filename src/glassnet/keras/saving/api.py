"""save_model / load_model / save_weights / load_weights, chosen by the file's suffix:

- ``.keras``: Keras 3's zip (config.json, metadata.json, model.weights.h5), readable by Keras;
- ``.weights.h5``: the weights alone in Keras 3's HDF5 layout (``save_weights``);
- ``.safetensors``: glassnet's own single file (weights plus the config as JSON), as before.
"""

from __future__ import annotations

import os

from .compile_config import compile_from_keras
from .keras_file import (
    atomic_path,
    open_weights,
    read_keras_zip,
    require_h5py,
    weights_bytes,
    write_keras_zip,
)
from .model_config import deserialize_model, serialize_model
from .serialization import serialize_layer
from .state import load_optimizer_state, load_state, save_state

_MODEL_SUFFIXES = ".keras or .safetensors"


def _suffix_error(what: str, filepath, expected: str, fix: str) -> ValueError:
    return ValueError(f"{what}: expected a path ending in {expected}, got {str(filepath)!r}; "
                      f"{fix}")


def _check_overwrite(filepath, overwrite: bool) -> None:
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False; pass overwrite=True or "
                              f"choose another path")


def save_model(model, filepath, overwrite: bool = True, zipped: bool | None = None) -> None:
    """Save the whole model (config, weights, compile settings) to ``filepath``.

    ``x.keras`` writes Keras 3's zip, which ``keras.saving.load_model`` in Keras 3 and in
    glassnet both read; ``x.safetensors`` writes glassnet's single-file form. The file is
    written to a temporary name in the same folder and renamed when complete.
    """
    path = str(filepath)
    _check_overwrite(path, overwrite)
    if path.endswith(".safetensors"):
        from .model_config import is_sequential

        if not is_sequential(model):
            raise ValueError(f"save_model: the .safetensors form holds Sequential models only, "
                             f"got a {type(model).__name__}; save it as x.keras (Keras 3's "
                             f"format), or its weights alone with save_weights")
        return model._save_safetensors(filepath)
    if zipped is False:
        raise ValueError("save_model: zipped=False (a folder) is not supported; save to a "
                         ".keras file")
    if not path.endswith(".keras"):
        raise _suffix_error("save_model", filepath, _MODEL_SUFFIXES,
                            "name the file x.keras (Keras 3's format) or x.safetensors")
    require_h5py()
    if hasattr(model, "_require_built"):
        model._require_built("save")
    config = serialize_model(model)
    weights = weights_bytes(lambda h5: save_state(h5, model, config))
    write_keras_zip(filepath, config, weights)


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True,  # noqa: A002
               safe_mode: bool = True):
    """Rebuild a model saved by Keras 3 or glassnet: layers, weights and (``compile=True``)
    the optimizer, loss and metrics where glassnet has them.

    Only glassnet's own layers and classes registered with
    ``keras.saving.register_keras_serializable`` (or given in ``custom_objects``) are built; a
    file naming any other class fails with an error saying how to register it. ``safe_mode``
    is accepted for Keras' signature: glassnet never runs code from a file either way.
    """
    path = str(filepath)
    if path.endswith(".safetensors"):
        from ..models import _load_safetensors_model

        return _load_safetensors_model(filepath, compile=compile)
    if not path.endswith(".keras"):
        raise _suffix_error("load_model", filepath, _MODEL_SUFFIXES,
                            "Keras 3 and glassnet save whole models as x.keras; weights "
                            "alone (x.weights.h5) load with model.load_weights")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_model: no file at {path}")
    config, weights = read_keras_zip(path)
    model = deserialize_model(config, custom_objects)
    with open_weights(weights) as h5:
        load_state(h5, model, config)  # walked in the file's own (Keras') layer order
        if compile and config.get("compile_config") and compile_from_keras(
                model, config["compile_config"], custom_objects):
            load_optimizer_state(h5, model, config)
    return model


def _is_model(obj) -> bool:
    from .state import is_model_object

    return is_model_object(obj)


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """The weights alone: ``x.weights.h5`` in Keras 3's layout, or ``x.safetensors``."""
    path = str(filepath)
    _check_overwrite(path, overwrite)
    if path.endswith(".safetensors"):
        return model._save_weights_safetensors(filepath)
    if not path.endswith(".weights.h5"):
        raise _suffix_error("save_weights", filepath, ".weights.h5 or .safetensors",
                            "name the file x.weights.h5 (Keras 3's layout)")
    h5py = require_h5py()
    if hasattr(model, "_require_built"):
        model._require_built("save_weights")
    spec = serialize_model(model, with_compile=False)
    with atomic_path(filepath) as temporary:
        with h5py.File(temporary, "w") as h5:
            save_state(h5, model, spec)


def load_weights(model, filepath, skip_mismatch: bool = False) -> None:
    """Weights from ``x.weights.h5``, ``x.keras`` (Keras 3 or glassnet) or
    ``x.safetensors`` into a model built the same way; ``skip_mismatch`` skips the layers
    whose arrays do not fit (with a warning) instead of raising."""
    path = str(filepath)
    if path.endswith(".safetensors"):
        return model._load_weights_safetensors(filepath)
    if path.endswith(".keras"):
        source = read_keras_zip(path)[1]
    elif path.endswith(".weights.h5"):
        source = path
    else:
        raise _suffix_error("load_weights", filepath, ".weights.h5, .keras or .safetensors",
                            "Keras 3 writes weights as x.weights.h5")
    if hasattr(model, "_require_built"):
        model._require_built("load_weights")
    with open_weights(source) as h5:
        problems = load_state(h5, model, serialize_model(model, with_compile=False),
                              skip_mismatch)
    if problems:
        import warnings

        warnings.warn(f"load_weights skipped {len(problems)} layers: {'; '.join(problems)}",
                      stacklevel=2)


def serialize_keras_object(obj):
    """Keras' dict for a model or layer (None and plain values pass through)."""
    if obj is None or isinstance(obj, (bool, int, float, str, list, dict)):
        return obj
    if _is_model(obj):
        return serialize_model(obj)
    return serialize_layer(obj)


def deserialize_keras_object(config, custom_objects: dict | None = None,
                             safe_mode: bool = True):
    """A layer or model from Keras' dict, with the same rules as ``load_model``."""
    if not isinstance(config, dict):
        return config
    return deserialize_model(config, custom_objects)
