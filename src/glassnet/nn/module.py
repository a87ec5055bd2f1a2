"""Module: the base of every layer and model (PyTorch's nn.Module), and Parameter.

A module owns parameters (tensors it learns), buffers (tensors it keeps but does not learn, like
BatchNorm's running mean) and child modules, all registered by plain attribute assignment:
``self.fc = nn.Linear(3, 4)``. Calling the module runs ``forward`` between its hooks.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from .. import dtypes
from ..errors import ShapeError
from ..tensor import Tensor, as_array, target_dtype


class Parameter(Tensor):
    """A tensor a module learns: registered when assigned to a module, requires grad."""

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=np.float32)
        super().__init__(data._data if isinstance(data, Tensor) else as_array(data),
                         requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class RemovableHandle:
    """Returned by ``register_*_hook``; ``.remove()`` takes the hook off again."""

    def __init__(self, hooks: dict, key: int) -> None:
        self.hooks, self.key = hooks, key

    def remove(self) -> None:
        self.hooks.pop(self.key, None)


class Module:
    """Base class for layers and models: subclass it, assign layers in ``__init__``, write
    ``forward``."""

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()

    # ----- registration ---------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() ran: call "
                f"super().__init__() first in {type(self).__name__}.__init__"
            )
        for registry in ("_parameters", "_buffers", "_modules"):
            d[registry].pop(name, None)
        if isinstance(value, Parameter):
            d["_parameters"][name] = value
        elif isinstance(value, Module):
            d["_modules"][name] = value
        elif name in d.get("_buffer_names", ()):
            d["_buffers"][name] = value
        d[name] = value

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            self.__dict__[registry].pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is None:
            self.__dict__[name] = None
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep a tensor with the module (saved in state_dict, moved by .to()), not learned."""
        self.__dict__.setdefault("_buffer_names", set()).add(name)
        if not persistent:
            self._non_persistent.add(name)
        self._buffers[name] = tensor
        self.__dict__[name] = tensor

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: {name!r} must be a Module (a layer such as "
                            f"nn.Linear(2, 3) or nn.ReLU()), got {type(module).__name__} "
                            f"{module!r:.60}")
        self._modules[name] = module
        self.__dict__[name] = module

    register_module = add_module

    # ----- running -------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict):
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        if self._backward_hooks:
            args = _watch_inputs(self, args)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if self._backward_hooks and isinstance(output, Tensor) and output.requires_grad:
            _watch_output(self, args, output)
        return output

    def register_forward_hook(self, hook) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward (a return replaces output)."""
        return _add_hook(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook) -> RemovableHandle:
        """Call ``hook(module, inputs)`` before every forward (a return replaces the inputs)."""
        return _add_hook(self._forward_pre_hooks, hook)

    def register_full_backward_hook(self, hook) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` once the gradients with respect to
        the module's inputs are computed (tuples of tensors; None for inputs without grad)."""
        return _add_hook(self._backward_hooks, hook)

    # ----- walking the tree ----------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "") -> Iterator[tuple[str, Module]]:
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named(self, registry: str, recurse: bool) -> Iterator[tuple[str, Tensor]]:
        seen = set()
        modules = self.named_modules() if recurse else [("", self)]
        for prefix, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{prefix}.{name}" if prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        for name, p in self._named("_parameters", recurse):
            yield (f"{prefix}.{name}" if prefix else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        for name, b in self._named("_buffers", recurse):
            yield (f"{prefix}.{name}" if prefix else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every submodule, children first, then on self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- modes and dtypes -----------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode: dropout drops, batch norm uses batch statistics."""
        for module in self.modules():
            module.__dict__["training"] = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, batch norm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            p._grad_passes = 0
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad._data.fill(0)

    def to(self, *args, dtype=None, **kwargs) -> Module:
        """Cast floating-point parameters and buffers to ``dtype`` (the device must be 'cpu')."""
        dtype = target_dtype(args, dtype, kwargs)
        if dtype is None:
            return self
        target = dtypes.to_dtype(dtype).numpy
        for t in list(self.parameters()) + list(self.buffers()):
            if t._data.dtype.kind == "f" and t._data.dtype != target:
                t._data = t._data.astype(target)
                if t.grad is not None:
                    t.grad._data = t.grad._data.astype(target)
        return self

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def cpu(self) -> Module:
        return self

    # ----- saving ----------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """Every parameter and persistent buffer by dotted name (``layers.0.weight``)."""
        out = OrderedDict() if destination is None else destination
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip(".")):
            dot = f"{module_prefix}." if module_prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[dot + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[dot + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values into the parameters and buffers; with strict=True names must match."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        for name, target in own.items():
            if name in state_dict:
                source = as_array(state_dict[name])
                if tuple(source.shape) != tuple(target.shape):
                    mismatched.append(f"{name}: checkpoint {tuple(source.shape)}, model "
                                      f"{tuple(target.shape)}")
        problems = []
        if strict and missing:
            problems.append(f"missing keys: {', '.join(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {', '.join(unexpected)}")
        if mismatched:
            problems.append(f"shape mismatches: {'; '.join(mismatched)}")
        if problems:
            raise ShapeError(
                f"load_state_dict into {type(self).__name__}: " + " | ".join(problems)
                + ". Build the model with the same layers as the one that was saved, or pass "
                "strict=False to load only the matching names."
            )
        for name, target in own.items():
            if name in state_dict:
                source = as_array(state_dict[name]).reshape(target.shape)
                if target._data.flags.writeable:
                    np.copyto(target._data, source, casting="unsafe")
                else:
                    target._data = np.array(source, dtype=target._data.dtype)
                target._version_box[0] += 1
        return _IncompatibleKeys(missing, unexpected)

    # ----- printing --------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}({extra}" if extra else f"{type(self).__name__}("
        return head + "\n" + "\n".join(lines) + "\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()))

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)


class _IncompatibleKeys(tuple):
    def __new__(cls, missing, unexpected):
        return super().__new__(cls, (missing, unexpected))

    missing_keys = property(lambda self: self[0])
    unexpected_keys = property(lambda self: self[1])


def _add_hook(hooks: dict, hook) -> RemovableHandle:
    key = max(hooks, default=-1) + 1
    hooks[key] = hook
    return RemovableHandle(hooks, key)


def _watch_inputs(module: Module, args: tuple) -> tuple:
    """Route each grad-requiring input through an identity node that reports its gradient."""
    from ..ops.elementwise import Clone

    state = {"grad_input": [None] * len(args), "pending": 0}
    module.__dict__["_backward_state"] = state
    watched = []
    for i, arg in enumerate(args):
        if isinstance(arg, Tensor) and arg.requires_grad:
            arg = Clone.apply(arg)
            state["pending"] += 1
            arg.grad_fn.register_hook(_input_hook(module, state, i))
        watched.append(arg)
    return tuple(watched)


def _input_hook(module: Module, state: dict, i: int):
    def hook(grad):
        state["grad_input"][i] = grad
        state["pending"] -= 1
        if state["pending"] == 0:
            _fire_backward_hooks(module, state)

    return hook


def _watch_output(module: Module, args: tuple, output: Tensor) -> None:
    state = module.__dict__["_backward_state"]

    def hook(grad):
        state["grad_output"] = (grad,)
        if state["pending"] == 0:
            _fire_backward_hooks(module, state)

    output.grad_fn.register_hook(hook)


def _fire_backward_hooks(module: Module, state: dict) -> None:
    for hook in list(module._backward_hooks.values()):
        hook(module, tuple(state["grad_input"]), state.get("grad_output", (None,)))
