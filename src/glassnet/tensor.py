"""Tensor: a NumPy array that remembers how it was made, so gradients can flow back through it.

The values live in ``_data``, a NumPy array (``numpy()`` returns it). ``data`` is, as in PyTorch,
another Tensor over the same memory that autograd does not watch (for manual updates such as
``p.data -= lr * p.grad``). ``grad`` holds the gradient after
``backward()``; ``grad_fn`` is the recorded op that made this tensor (``None`` for a leaf).
Every operator and method calls a ``Function`` from ``glassnet.ops``; this file only routes.
"""

from __future__ import annotations

import builtins

import numpy as np

from . import devices, dtypes
from ._tensor_inplace import InplaceMethods
from ._tensor_linalg import LinalgMethods
from ._tensor_math import MathMethods
from ._tensor_misc import MiscMethods
from ._tensor_reduce import ReduceMethods
from ._tensor_shape import ShapeMethods
from .dtypes import get_default_dtype, to_dtype


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``glassnet.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"glassnet.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


def as_array(data, dtype=None) -> np.ndarray:
    """NumPy array for tensor data: Python floats become float32 (the default), ints int64."""
    if isinstance(data, Tensor):
        array = data._data
    elif isinstance(data, np.ndarray):
        array = data
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        array = np.stack([as_array(x) for x in data])
    else:
        array = np.asarray(data)
        # Python floats become the default float, unless a dtype is asked for: then they go to
        # it directly (through float32 first, float64's 0.1 would become 0.10000000149)
        if array.dtype == np.float64 and not isinstance(data, np.generic) and dtype is None:
            array = array.astype(get_default_dtype().numpy)
    if dtype is not None:
        array = array.astype(to_dtype(dtype).numpy, copy=False)
    elif array.dtype not in dtypes._BY_NUMPY:
        array = _supported(array)
    return array


def _supported(array: np.ndarray) -> np.ndarray:
    kind = array.dtype.kind
    if kind in "iu":
        return array.astype(np.int64)
    if kind == "f":
        return array.astype(get_default_dtype().numpy)
    dtypes.from_numpy_dtype(array.dtype)  # raises the clear error
    return array


class Tensor(MathMethods, ShapeMethods, LinalgMethods, ReduceMethods, MiscMethods,
             InplaceMethods):
    """An n-dimensional array with gradients. Build one with ``glassnet.tensor(data)``."""

    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "_version_box", "_accumulator",
                 "_grad_passes", "__weakref__")
    __array_priority__ = 1000
    __array_ufunc__ = None  # numpy defers to our operators: ndarray * tensor stays a tensor

    def __init__(self, data=(), requires_grad: bool = False, dtype=None) -> None:
        self._data = as_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._version_box = [0]
        self._accumulator = None
        self._grad_passes = 0  # backward passes summed into .grad since it was cleared
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data: np.ndarray, grad_fn=None) -> Tensor:
        """Wrap an array with no checks: the fast path every op result takes."""
        t = object.__new__(Tensor)
        t._data = data
        t.grad = None
        t.grad_fn = grad_fn
        t.requires_grad = grad_fn is not None
        t._version_box = [0]
        t._accumulator = None
        t._grad_passes = 0
        return t

    # ----- what it is -------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """The same memory as a Tensor that autograd does not see (PyTorch's ``.data``):
        ``requires_grad=False``, no ``grad_fn`` and its own version counter, so in-place
        changes through it (``p.data.add_(-lr * p.grad)``) are neither recorded nor checked.
        ``detach()`` shares the version counter and is the safe choice; ``numpy()`` gives the
        NumPy array."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        return Size(self._data.shape) if dim is None else self._data.shape[dim]

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def device(self) -> devices.device:
        return devices.CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    @property
    def _version(self) -> int:
        return self._version_box[0]

    # ----- leaving the graph --------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shared, not copied)."""
        if self.requires_grad and GradMode.enabled:
            raise RuntimeError(
                "Can't call numpy() on a tensor that requires grad. Use tensor.detach().numpy() "
                "instead (or read tensor._data)."
            )
        return self._data

    def item(self):
        """The single value of a one-element tensor, as a Python number."""
        if self._data.size != 1:
            raise ValueError(
                f"item(): a tensor with {self._data.size} elements (shape {tuple(self.shape)}) "
                f"cannot be converted to one Python number; index one element first, or use "
                f".tolist()"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def detach(self) -> Tensor:
        """The same values (shared memory), cut off from the graph."""
        t = Tensor._make(self._data)
        t._version_box = self._version_box
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Start (or stop) recording operations on this leaf, in place."""
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require gradients, but this one is "
                f"{self.dtype}; convert it first: tensor.float().requires_grad_()"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad_(False) on a non-leaf tensor: use tensor.detach() instead"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (to look at it)."""
        if self.grad_fn is None:
            return
        import weakref

        self.grad_fn._retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn._retained is not None

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a return replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad")
        node = self.grad_fn if self.grad_fn is not None else _accumulator(self)
        if self.grad_fn is None:
            self._accumulator = _Keep(node)  # a leaf's hooks must outlive any one graph
        node.register_hook(hook)
        return node

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Add d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        ``create_graph=True`` records the backward pass, so each ``.grad`` can be differentiated
        again (``retain_graph`` then defaults to True), as in PyTorch.
        """
        if self._data.size == 1 and Advice.enabled:
            advice.check_loss(float(self._data.reshape(())))
        _engine.backward(self, None if gradient is None else [gradient], retain_graph,
                         create_graph, inputs=inputs)

    # ----- in place, for parameter updates under no_grad ------------------------------------
    def _check_inplace(self, op: str) -> None:
        if self.requires_grad and self.grad_fn is None and GradMode.enabled:
            raise RuntimeError(
                f"{op}: a leaf tensor that requires grad is being changed in place while the "
                f"graph is recorded. Wrap the update in `with glassnet.no_grad():`."
            )

    def _set_inplace(self, op: str, result: Tensor) -> Tensor:
        """Make self hold result: in the graph when recording, in its own memory otherwise."""
        self._check_inplace(op)
        if result.grad_fn is not None:
            self._data, self.grad_fn, self.requires_grad = result._data, result.grad_fn, True
            self._version_box[0] += 1
            return self
        return self.copy_(result)

    def copy_(self, src) -> Tensor:
        """Write src's values into this tensor's memory (broadcasting, casting to its dtype)."""
        self._check_inplace("copy_")
        source = src._data if isinstance(src, Tensor) else np.asarray(src)
        if not isinstance(self._data, np.ndarray) or not self._data.flags.writeable:
            self._data = np.array(np.broadcast_to(source, self._data.shape), dtype=self._data.dtype)
        else:
            np.copyto(self._data, source, casting="unsafe")
        self._version_box[0] += 1
        return self

    def _inplace(self, ufunc, other, op: str) -> Tensor:
        self._check_inplace(op)
        if GradMode.enabled and (self.requires_grad or _requires_grad(other)):
            from .ops import math_functions  # the op reads the old values through an alias

            return math_functions.inplace(self, op, _BINARY[ufunc], other)
        value = other._data if isinstance(other, Tensor) else other
        try:
            ufunc(self._data, value, out=self._data, casting="same_kind")
        except ValueError:
            result = ufunc(self._data, value)
            raise ShapeError(
                f"{op}: the result has shape {result.shape} but this tensor has shape "
                f"{tuple(self.shape)}; an in-place op cannot change a tensor's shape"
            ) from None
        self._version_box[0] += 1
        return self

    def add_(self, other, alpha=1) -> Tensor:
        return self._inplace(np.add, other if alpha == 1 else other * alpha, "add_")

    def sub_(self, other, alpha=1) -> Tensor:
        return self._inplace(np.subtract, other if alpha == 1 else other * alpha, "sub_")

    def mul_(self, other) -> Tensor:
        return self._inplace(np.multiply, other, "mul_")

    def div_(self, other) -> Tensor:
        return self._inplace(np.divide, other, "div_")

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value) -> Tensor:
        """``value`` everywhere; in the graph, the gradient to the old values is zero."""
        from . import random_functions

        return random_functions.fill_(self, value)

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002
        from .ops import math_functions

        return math_functions.inplace(self, "clamp_", Tensor.clamp, min, max)

    def __iadd__(self, other):
        return self._inplace(np.add, other, "+=")

    def __isub__(self, other):
        return self._inplace(np.subtract, other, "-=")

    def __imul__(self, other):
        return self._inplace(np.multiply, other, "*=")

    def __itruediv__(self, other):
        return self._inplace(np.divide, other, "/=")

    # ----- dtype --------------------------------------------------------------------------
    def to(self, *args, dtype=None, **kwargs) -> Tensor:
        """Cast to a dtype (differentiably); devices other than 'cpu' are refused clearly."""
        dtype = target_dtype(args, dtype, kwargs)
        if dtype is None:
            return self
        target = to_dtype(dtype).numpy
        if target == self._data.dtype:
            return self
        return _ops.Cast.apply(self, target)

    def type(self, dtype=None):
        if dtype is None:
            return f"glassnet.{self.dtype.name}"
        return self.to(dtype)

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device=None, non_blocking: bool = False) -> Tensor:
        """Refused: glassnet has no GPU (raises ``DeviceError`` naming the fix)."""
        raise devices.DeviceError("Tensor.cuda(): glassnet runs on the CPU with NumPy only "
                                  "(glassnet.cuda.is_available() is False); drop the .cuda() call")

    # ----- Python protocols ---------------------------------------------------------------
    def __repr__(self) -> str:
        return _format.tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if spec and self._data.size == 1:
            return format(self.item(), spec)
        return repr(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                f"use .any() or .all()"
            )
        return builtins.bool(self._data.reshape(()))

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be an index")
        return builtins.int(self.item())

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    __hash__ = object.__hash__

    def __getstate__(self):
        return {"data": self._data, "requires_grad": self.requires_grad}

    def __setstate__(self, state) -> None:
        self.__init__(state["data"], requires_grad=state["requires_grad"])

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("only leaf tensors can be deep-copied; detach() it first")
        new = type(self).__new__(type(self))
        Tensor.__init__(new, self._data.copy(), requires_grad=self.requires_grad)
        if self.grad is not None:
            new.grad = Tensor._make(self.grad._data.copy())
        if hasattr(self, "__dict__"):
            import copy

            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = new
        return new


class _Keep:
    """A strong reference that answers like a weakref (for a leaf's accumulator with hooks)."""

    __slots__ = ("node",)

    def __init__(self, node) -> None:
        self.node = node

    def __call__(self):
        return self.node


def _requires_grad(x) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


def target_dtype(args: tuple, dtype, kwargs: dict):
    """The dtype asked for by ``.to(...)``'s arguments (a dtype, a tensor, or a device that
    must be 'cpu'), or None."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, (str, builtins.int, devices.device)) and arg not in dtypes._BY_NAME:
            devices.check_device(arg)
        elif arg is not None:
            dtype = arg
    if "device" in kwargs:
        devices.check_device(kwargs["device"])
    return dtype


# Imported last: these modules build on Tensor, which is now defined.
from . import _format, advice  # noqa: E402
from . import ops as _ops  # noqa: E402
from .advice import Advice  # noqa: E402
from .autograd import engine as _engine  # noqa: E402
from .autograd.function import _accumulator  # noqa: E402
from .autograd.grad_mode import GradMode  # noqa: E402
from .errors import ShapeError  # noqa: E402
from .ops import methods as _methods  # noqa: E402

_BINARY = {np.add: _ops.Add.apply, np.subtract: _ops.Sub.apply,
           np.multiply: _ops.Mul.apply, np.divide: _ops.Div.apply}
_methods.install(Tensor)
