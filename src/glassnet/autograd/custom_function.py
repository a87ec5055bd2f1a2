"""Functions written the way PyTorch users write them: forward and backward on Tensors.

glassnet's own ops run on raw NumPy arrays (see ``function.py``). A ``Function`` subclass defined
outside the glassnet package is user code written for PyTorch, as in its tutorials::

    class MyReLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

so, as in PyTorch, its ``forward`` receives the Tensors given to ``apply`` and runs without
recording (under ``no_grad``); its ``backward`` receives the output's gradient as a Tensor, also
without recording (recording when ``create_graph=True``, so a backward written with Tensor ops
can be differentiated again), and returns one gradient (Tensor or ``None``) per input of
``forward``. The
forward may instead be written without ``ctx`` beside a ``setup_context(ctx, inputs, output)``,
PyTorch 2's form. The node is named ``MyReLUBackward``, as PyTorch names a custom Function's.

What PyTorch has and this does not: several differentiable outputs per Function (the graph
records one output per node) and ``ctx.mark_dirty`` (in-place Functions).
"""

from __future__ import annotations

import numpy as np

from ..errors import GraphError
from .function import Function, Node, _record
from .grad_mode import GradMode, no_grad


def apply_on_tensors(cls: type[Function], args: tuple, kwargs: dict):
    """Run a user Function's forward on Tensors and record it when an input requires grad."""
    ctx = cls.node_class()
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    with no_grad():
        if _has_setup_context(cls):
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    if isinstance(out, (tuple, list)):
        raise NotImplementedError(
            f"{cls.__name__}.forward returned {len(out)} outputs; glassnet records one output per "
            f"Function. Return one tensor, or split the computation into one Function per output."
        )
    if not isinstance(out, Tensor):
        out = Tensor._make(np.asarray(out))
    if not (GradMode.enabled and any(ctx.needs_input_grad)):
        return out
    if any(out is t for t in ctx._non_differentiable):
        return out.detach()
    result = Tensor._make(out._data, ctx)
    # the result and the tensor forward returned are one array: an in-place change to either is
    # a change to both, so they share one version counter
    result._version_box = out._version_box
    arrays = [a._data if isinstance(a, Tensor) else a for a in args]
    saved = ctx.saved
    ctx.saved = ()  # _record's version checks look for arrays; ours are tensors, checked below
    _record(ctx, args, arrays, result)
    ctx.saved = saved
    ctx._version_checks = tuple(
        (t.shape, t._version_box, t._version_box[0]) for t in saved if isinstance(t, Tensor)
    )
    return result


def backward_on_tensors(node: Node, grad: np.ndarray) -> tuple:
    """Call a user Function's backward with a Tensor; return one array (or None) per input."""
    with no_grad():
        grads = node.function.backward(node, Tensor._make(grad))
    if not isinstance(grads, tuple):
        grads = (grads,)
    expected = len(node.next_functions)
    # PyTorch accepts extra gradients as long as they are None; fewer is an error
    if len(grads) < expected or any(g is not None for g in grads[expected:]):
        raise GraphError(
            f"function {node.name()} returned an incorrect number of gradients (expected "
            f"{expected}, got {len(grads)}): backward must return one gradient per input of "
            f"forward, None for an input that needs none"
        )
    return tuple(
        None if g is None else g._data if isinstance(g, Tensor) else np.asarray(g)
        for g in grads[:expected]
    )


def _has_setup_context(cls: type[Function]) -> bool:
    return getattr(cls, "setup_context", None) is not None


from ..tensor import Tensor  # noqa: E402
