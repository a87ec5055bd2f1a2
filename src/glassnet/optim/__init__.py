"""glassnet.optim: optimizers (one update rule each) and learning-rate schedules.

- ``optimizer.py``: the base class that loops a rule over all parameters at once
- ``sgd.py``: SGD (+ momentum, Nesterov); ``adam.py``: Adam, AdamW; ``rmsprop.py``: RMSprop,
  Adagrad; ``adadelta.py``: Adadelta; ``lr_scheduler.py``: StepLR, CosineAnnealingLR,
  ReduceLROnPlateau, ...
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import Adagrad, RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop",
           "lr_scheduler"]
