"""Reverse-mode automatic differentiation: the graph, the backward sweep, and its tools.

- ``function``: ``Function`` (an op's forward and backward side by side) and ``Node`` (grad_fn)
- ``custom_function``: a user's ``Function`` (PyTorch style, on Tensors) applied and run back
- ``engine``: ``backward`` and ``grad``, the sweep in reverse topological order
- ``grad_mode``: ``no_grad``, ``enable_grad``, ``set_grad_enabled``
- ``gradcheck``: finite-difference checking in float64
"""

from .anomaly import AnomalyError, detect_anomaly
from .engine import backward, grad, unbroadcast
from .function import AccumulateGrad, Function, Node
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck

__all__ = [
    "AccumulateGrad", "AnomalyError", "Function", "GradcheckError", "Node", "backward",
    "detect_anomaly", "enable_grad", "grad", "gradcheck", "inference_mode", "is_grad_enabled",
    "no_grad", "set_grad_enabled", "unbroadcast",
]
