"""glassnet.nn: modules, layers, activations, losses, initialisation (PyTorch's torch.nn).

- ``module.py``: Module and Parameter; ``containers.py``: Sequential, ModuleList, ModuleDict
- ``layers.py``: Linear, Identity, Flatten, Dropout; ``activation.py``: ReLU, Sigmoid, ...
- ``normalization.py``: BatchNorm1d, LayerNorm; ``loss.py``: MSELoss, CrossEntropyLoss, ...
- ``functional/``: the same as functions (one file per kind)
- ``init.py``: initialisers; ``utils.py``: clipping
"""

from . import functional, init, utils
from .activation import (
    ELU,
    GELU,
    Heaviside,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
)
from .containers import ModuleDict, ModuleList, Sequential
from .layers import Dropout, Flatten, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss
from .module import Module, Parameter
from .normalization import BatchNorm1d, LayerNorm

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "CrossEntropyLoss", "Dropout", "ELU",
    "Flatten", "GELU", "Heaviside", "HuberLoss", "Identity", "L1Loss", "LayerNorm", "LeakyReLU",
    "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleDict", "ModuleList", "NLLLoss",
    "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Step", "Tanh", "functional",
    "init", "utils",
]
