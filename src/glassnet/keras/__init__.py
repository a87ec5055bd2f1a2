"""glassnet.keras: Keras 3's high-level API on glassnet (``from glassnet import keras``).

- ``models.py``: Model (subclassing) and Sequential; ``functional.py``: keras.Model(inputs,
  outputs); ``keras_tensor.py``: keras.Input's symbolic tensors
- ``trainer.py``: compile and the train/test/predict steps; ``trainer_loops.py``: fit,
  evaluate, predict and their callback hooks; ``compile_utils.py``: losses and metrics per
  output; ``data_adapters.py``: arrays, PyDatasets, generators, DataLoaders as batches
- ``layers.py``, ``activations.py``, ``regularizers.py``: the building blocks
  (``sequence_layers.py``: Embedding and the 1-D global poolings); ``variables.py``: Keras'
  ``assign`` methods on layer weights; ``random.py``: keras.random and SeedGenerator
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
               random,
               regularizers,
               saving,
               utils,
)
from .functional import Functional
from .keras_tensor import KerasTensor
from .layers import Input
from .models import Model, Sequential, load_model, model_from_config

models = SimpleNamespace(Model=Model, Sequential=Sequential, Functional=Functional,
                         load_model=load_model, model_from_config=model_from_config,
                         save_model=saving.save_model)

__all__ = ["Input", "KerasTensor", "Model", "Sequential", "activations", "callbacks",
           "datasets", "layers", "load_model", "losses", "metrics", "models", "ops",
           "optimizers", "random", "regularizers", "saving", "utils"]
