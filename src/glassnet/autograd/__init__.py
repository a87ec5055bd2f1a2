"""Reverse-mode automatic differentiation: the graph, the backward sweep, and its tools.

- ``function``: ``Function`` (an op's forward and backward side by side) and ``Node`` (grad_fn)
- ``custom_function``: a user's ``Function`` (PyTorch style, on Tensors) applied and run back
- ``engine``: ``backward`` and ``grad``, the sweep in reverse topological order
- ``grad_mode``: ``no_grad``, ``enable_grad``, ``set_grad_enabled``
- ``gradcheck``: finite-difference checking in float64 (``gradgradcheck``: second derivatives)
- ``double_backward``: ``create_graph=True``, the backward sweep recorded on Tensors
- ``functional``: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``
"""

from .anomaly import AnomalyError, detect_anomaly
from .engine import backward, grad, unbroadcast
from .function import AccumulateGrad, Function, Node
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "AccumulateGrad", "AnomalyError", "Function", "GradcheckError", "Node", "backward",
    "detect_anomaly", "enable_grad", "functional", "grad", "gradcheck", "gradgradcheck",
    "inference_mode", "is_grad_enabled",
    "no_grad", "set_grad_enabled", "unbroadcast",
]


def __getattr__(name: str):
    # functional builds on glassnet's ops, which import this package: load it on first use
    if name == "functional":
        import importlib

        return importlib.import_module(f"{__name__}.functional")
    raise AttributeError(f"module 'glassnet.autograd' has no attribute {name!r}")
