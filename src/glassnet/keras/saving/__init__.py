"""keras.saving: Keras 3's ``.keras`` files and ``.weights.h5`` weights, and the registry of
classes a file may name.

- ``api.py``: save_model / load_model / save_weights / load_weights (by the path's suffix)
- ``keras_file.py``: the zip and HDF5 files, read with size and link limits, written atomically
- ``state.py``: which HDF5 group holds which layer's arrays (Keras' walk of a model)
- ``model_config.py``, ``functional_graph.py``: Sequential and Functional configs
- ``serialization.py``: layer configs (initialisers, regularisers, Keras-only options)
- ``compile_config.py``: optimizer, loss and metrics
- ``registry.py``: register_keras_serializable and the lookups loading is limited to
"""

from .api import (
    deserialize_keras_object,
    load_model,
    load_weights,
    save_model,
    save_weights,
    serialize_keras_object,
)
from .registry import (
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)

__all__ = ["deserialize_keras_object", "get_custom_objects", "get_registered_name",
           "get_registered_object", "load_model", "load_weights", "register_keras_serializable",
           "save_model", "save_weights", "serialize_keras_object"]
