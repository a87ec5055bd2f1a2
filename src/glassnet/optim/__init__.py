"""glassnet.optim: optimizers (one update rule each) and learning-rate schedules.

- ``optimizer.py``: the base class that loops a rule over all parameters at once
- ``sgd.py``: SGD (+ momentum, Nesterov); ``adam.py``: Adam, AdamW; ``rmsprop.py``: RMSprop,
  Adagrad; ``adadelta.py``: Adadelta; ``adamax.py``, ``nadam.py``, ``radam.py``: Adamax,
  NAdam, RAdam; ``lbfgs.py``: LBFGS (with a closure); ``lr_scheduler.py``: StepLR,
  CosineAnnealingLR, ReduceLROnPlateau, ... (``cyclic_lr.py``: OneCycleLR, CyclicLR,
  CosineAnnealingWarmRestarts)
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adam import Adam, AdamW
from .adamax import Adamax
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import Adagrad, RMSprop
from .sgd import SGD

__all__ = ["LBFGS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam",
           "Optimizer", "RAdam", "RMSprop", "lr_scheduler"]
