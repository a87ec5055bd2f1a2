"""Function: one differentiable op, forward beside backward. Node: the op as recorded in the graph.

Every op in glassnet is a ``Function`` subclass with two static methods on raw NumPy arrays::

    class Mul(Function):
        '''z = x * y, elementwise, with broadcasting.'''

        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved
            return grad * y, grad * x

``Mul.apply(a, b)`` runs ``forward`` and, when an input requires grad, records a node of class
``MulBackward0``: that node is the result's ``grad_fn`` and the ``ctx`` both methods receive.
``backward`` returns one gradient per positional input (``None`` where there is none); the engine
sums broadcast gradients back to each input's shape, so rules never un-broadcast themselves.

A ``Function`` subclassed outside glassnet (user code written for PyTorch) sees Tensors instead,
as in PyTorch: see ``custom_function.py``.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from .grad_mode import GradMode


class Node:
    """A recorded op: what backward needs (saved arrays, attributes) and where gradients go next.

    ``next_functions`` holds one ``(node, 0)`` pair per input, ``node`` being the input's own
    ``grad_fn``, an ``AccumulateGrad`` for a leaf that requires grad, or ``None``.
    """

    function: type[Function] | None = None
    saved: tuple = ()
    next_functions: tuple = ()
    input_shapes: tuple = ()
    needs_input_grad: tuple = ()
    _version_checks: tuple = ()
    _freed = False
    _retained = None
    _hooks: tuple = ()
    _non_differentiable: tuple = ()
    materialize_grads = True
    # for drawing the graph: the output's values and gradient, kept only when tiny
    output_value = None
    output_grad = None

    def save_for_backward(self, *arrays) -> None:
        """Keep arrays for backward (they are freed after it unless ``retain_graph=True``)."""
        self.saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        return self.saved

    def mark_non_differentiable(self, *tensors) -> None:
        """A custom Function's forward: this output gets no gradient (an index, a mask)."""
        self._non_differentiable = (*self._non_differentiable, *tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Kept for PyTorch code; one output per node means backward always gets a gradient."""
        self.materialize_grads = bool(value)

    def name(self) -> str:
        return type(self).__name__

    def register_hook(self, hook) -> None:
        """Call ``hook(grad)`` on the gradient arriving here; a returned value replaces it."""
        self._hooks = (*self._hooks, hook)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


class AccumulateGrad(Node):
    """The graph's end for a leaf tensor: adds the arriving gradient into ``variable.grad``."""

    def __init__(self, variable) -> None:
        self.variable = variable


class Function:
    """Base class of every differentiable op; see the module docstring for the pattern."""

    node_class: type[Node] = Node
    node_name: str | None = None
    chooses_dtype = False  # True for ops (casts) whose float64 result is deliberate
    on_tensors = False  # forward and backward see Tensors, not arrays: see custom_function.py

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "on_tensors" not in cls.__dict__:
            # a Function defined outside glassnet is user code written for PyTorch, on Tensors
            cls.on_tensors = not cls.__module__.startswith("glassnet.")
        # PyTorch names a built-in op's node MulBackward0 and a custom Function's MyReLUBackward
        suffix = "Backward" if cls.on_tensors else "Backward0"
        name = cls.__dict__.get("node_name") or f"{cls.__name__}{suffix}"
        cls.node_class = type(name, (Node,), {"function": cls, "__module__": cls.__module__})

    @staticmethod
    def forward(ctx: Node, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Node, grad: np.ndarray):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op on tensors (and plain values), recording it when any input requires grad."""
        if cls.on_tensors:
            return custom_function.apply_on_tensors(cls, args, kwargs)
        arrays = []
        record = False
        for arg in args:
            if isinstance(arg, Tensor):
                arrays.append(arg._data)
                record = record or arg.requires_grad
            else:
                arrays.append(arg)
        ctx = cls.node_class()
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as error:
            raise _explain_shape_error(cls, arrays, error) from None
        extra = None
        if type(out) is tuple:
            out, *extra = out
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if out.dtype == np.float64 and not cls.chooses_dtype:
            out = _keep_default_float(out, arrays)
        if AnomalyMode.enabled:
            AnomalyMode.check_forward(cls, arrays, out, ctx)
        if not (record and GradMode.enabled):
            result = Tensor._make(out)
        else:
            result = Tensor._make(out, ctx)
            _record(ctx, args, arrays, result)
        if extra is not None:
            return (result, *(Tensor._make(np.asarray(e)) for e in extra))
        return result


def _record(ctx: Node, args: tuple, arrays: list, result) -> None:
    """Fill in the node's edges, input shapes and the version checks of what it saved."""
    edges = []
    needs = []
    shapes = []
    for arg, array in zip(args, arrays):  # one pass: this runs for every recorded op
        if isinstance(arg, Tensor) and arg.requires_grad:
            edges.append((arg.grad_fn or _accumulator(arg), 0))
            needs.append(True)
        else:
            edges.append((None, 0))
            needs.append(False)
        shapes.append(array.shape if type(array) is np.ndarray else None)
    ctx.next_functions = tuple(edges)
    ctx.needs_input_grad = tuple(needs)
    ctx.input_shapes = tuple(shapes)
    if result._data.size <= SMALL:
        ctx.output_value = result._data
    if ctx.saved:
        ctx._version_checks = _version_checks(ctx.saved, args, arrays, result)
    if AnomalyMode.enabled:
        AnomalyMode.on_forward(ctx, result)


def _version_checks(saved: tuple, args: tuple, arrays: list, result) -> tuple:
    """(tensor, version box, version now) for each tensor whose very array backward will read."""
    checks = []
    for array in saved:
        if type(array) is not np.ndarray:
            continue
        # array.shape, not tensor.shape: the plain tuple is what the error message needs, and
        # building a Size for each costs more than the rest of the check
        if array is result._data:
            checks.append((array.shape, result._version_box, result._version_box[0]))
            continue
        for arg, data in zip(args, arrays):
            if data is array and isinstance(arg, Tensor):
                checks.append((array.shape, arg._version_box, arg._version_box[0]))
                break
    return tuple(checks)


def _accumulator(leaf) -> AccumulateGrad:
    """The leaf's one AccumulateGrad node, shared by every op that uses the leaf."""
    ref = leaf._accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accumulator = _weakref(node)
    return node


def _keep_default_float(out: np.ndarray, arrays: list) -> np.ndarray:
    """NumPy makes float64 from ints and Python floats; PyTorch keeps the default float dtype."""
    for a in arrays:
        if type(a) is np.ndarray and a.dtype == np.float64:
            return out
    default = get_default_dtype().numpy
    return out if default == np.float64 else out.astype(default)


def _explain_shape_error(cls: type[Function], arrays: list, error: ValueError) -> Exception:
    """Turn NumPy's broadcast complaint into one that names the op, both shapes and the fix."""
    if isinstance(error, ShapeError) or "broadcast" not in str(error):
        return error
    shapes = " and ".join(str(tuple(a.shape)) for a in arrays if type(a) is np.ndarray)
    return ShapeError(
        f"{cls.__name__.lower()}: shapes {shapes} cannot be broadcast together: each dimension, "
        f"counted from the right, must be equal or 1. Reshape or unsqueeze one operand so they "
        f"line up."
    )


SMALL = 16  # outputs up to this many elements are kept on their node for graph drawings


class AnomalyMode:
    """Set by ``detect_anomaly``: checks every op's output for NaN or inf as it is made."""

    enabled = False

    @staticmethod
    def on_forward(ctx: Node, result) -> None:  # anomaly.py fills these in when enabled
        pass

    @staticmethod
    def check_forward(function, arrays, out, ctx) -> None:
        pass

    @staticmethod
    def check_backward(node, grads) -> None:
        pass


from weakref import ref as _weakref  # noqa: E402

from ..dtypes import get_default_dtype  # noqa: E402
from ..tensor import Tensor  # noqa: E402
from . import custom_function  # noqa: E402
