"""glassnet.keras: Keras 3's high-level API on glassnet (``from glassnet import keras``).

- ``models.py``: Sequential (layers, summary, weights, save/load_model)
- ``trainer.py``: compile, fit, evaluate, predict
- ``layers.py``, ``activations.py``, ``regularizers.py``: the building blocks
- ``losses.py``, ``metrics.py``, ``optimizers.py``, ``callbacks.py``, ``utils.py``,
  ``datasets.py``
"""

from types import SimpleNamespace

from . import (
               activations,
               callbacks,
               datasets,
               layers,
               losses,
               metrics,
               ops,
               optimizers,
               regularizers,
               utils,
)
from .layers import Input
from .models import Sequential, load_model, model_from_config

models = SimpleNamespace(Sequential=Sequential, load_model=load_model,
                         model_from_config=model_from_config)
Model = Sequential

__all__ = ["Input", "Model", "Sequential", "activations", "callbacks", "datasets", "layers",
           "load_model", "losses", "metrics", "models", "ops", "optimizers", "regularizers",
           "utils"]
