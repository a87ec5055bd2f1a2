"""Containers: Sequential (a chain of layers), ModuleList, ModuleDict, ParameterList,
ParameterDict."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ..tensor import Tensor
from .module import Module, Parameter


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: modules kept in order under the names 0, 1, ..."""

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        items = list(self._modules.values())
        if isinstance(index, slice):
            return type(self)._from_list(items[index])
        try:
            return items[index]
        except IndexError:
            raise IndexError(f"{type(self).__name__} index {index} is out of range for "
                             f"{len(items)} modules") from None

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(list(self._modules)[index], module)

    def __delitem__(self, index) -> None:
        names = list(self._modules)
        for name in (names[index] if isinstance(index, slice) else [names[index]]):
            del self._modules[name]
            self.__dict__.pop(name, None)

    def append(self, module: Module):
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        for name in list(self._modules):
            self.__dict__.pop(name, None)
        self._modules.clear()
        return self.extend(modules)


class Sequential(_ModuleSequence):
    """Modules applied one after another: ``Sequential(Linear(3, 4), ReLU(), Linear(4, 2))``.

    Supports ``len``, indexing (``mlp[0]``), slicing (``mlp[:2]`` is a Sequential), iteration
    and ``append``.
    """

    def __init__(self, *args) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (dict, OrderedDict)):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    @classmethod
    def _from_list(cls, modules) -> Sequential:
        return cls(*modules)

    def __getitem__(self, index):
        if isinstance(index, slice):  # keep the original names, as PyTorch does
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return super().__getitem__(index)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered (a plain list would hide them)."""

    def __init__(self, modules=None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @classmethod
    def _from_list(cls, modules) -> ModuleList:
        return cls(modules)


class ModuleDict(Module):
    """A dict of modules whose parameters are registered."""

    def __init__(self, modules=None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        self.__dict__.pop(key, None)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules) -> None:
        items = modules.items() if hasattr(modules, "items") else modules
        for key, module in items:
            self.add_module(key, module)


class ParameterList(Module):
    """A list of parameters that the owning module registers (a plain list would hide them
    from ``parameters()`` and ``state_dict()``), named "0", "1", ... as in PyTorch. A tensor
    that is not yet a Parameter becomes one; other objects are kept but not registered.

    Example: ``nn.ParameterList([nn.Parameter(glassnet.ones(2)) for _ in range(3)])``
    """

    def __init__(self, values=None) -> None:
        super().__init__()
        self.__dict__["_size"] = 0
        if values is not None:
            self.extend(values)

    def _index(self, index: int) -> str:
        if not -self._size <= index < self._size:
            raise IndexError(f"ParameterList index {index} is out of range for {self._size} "
                             f"parameters")
        return str(index % self._size)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(self[i] for i in range(*index.indices(self._size)))
        return getattr(self, self._index(index))

    def __setitem__(self, index: int, value) -> None:
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, self._index(index), value)

    def __len__(self) -> int:
        return self._size

    def __iter__(self):
        return (self[i] for i in range(self._size))

    def __iadd__(self, values) -> ParameterList:
        return self.extend(values)

    def append(self, value) -> ParameterList:
        self.__dict__["_size"] += 1
        self[self._size - 1] = value
        return self

    def extend(self, values) -> ParameterList:
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(f"ParameterList.extend should be called with an iterable of "
                            f"parameters, but got {type(values).__name__}; wrap a single one "
                            f"in a list or use append")
        for value in values:
            self.append(value)
        return self

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called: it only holds parameters; "
                           "index it (params[0]) or iterate over it")

    def extra_repr(self) -> str:
        return "\n".join(_describe(str(i), p, _dtype_name) for i, p in enumerate(self))

    def __repr__(self) -> str:
        return _container_repr(self)


class ParameterDict(Module):
    """A dict of parameters that the owning module registers, under their keys (strings), so
    ``state_dict()`` names them ``<attribute>.<key>``. As in PyTorch, a plain dict given to the
    constructor or ``update`` is added in sorted key order; an OrderedDict keeps its order.
    A tensor that is not yet a Parameter becomes one.

    Example: ``nn.ParameterDict({"scale": nn.Parameter(glassnet.ones(3))})["scale"].shape``
    """

    def __init__(self, parameters=None) -> None:
        super().__init__()
        self.__dict__["_keys"] = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _attribute(key) -> str:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings (they become attribute and "
                            f"state_dict names), got {type(key).__name__}; use str(key)")
        return key

    def __getitem__(self, key: str):
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, self._attribute(key))

    def __setitem__(self, key: str, value) -> None:
        attribute = self._attribute(key)
        self._keys[key] = None
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, attribute, value)

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, self._attribute(key))

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key) -> bool:
        return key in self._keys

    def keys(self):
        return self._keys.keys()

    def items(self):
        return ((key, self[key]) for key in self._keys)

    def values(self):
        return (self[key] for key in self._keys)

    def get(self, key: str, default=None):
        return self[key] if key in self else default

    def pop(self, key: str):
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple:
        key = next(reversed(self))
        return key, self.pop(key)

    def setdefault(self, key: str, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        for key in list(self._keys):
            del self[key]

    def copy(self) -> ParameterDict:
        return ParameterDict(OrderedDict((key, self[key]) for key in self._keys))

    def fromkeys(self, keys, default=None) -> ParameterDict:
        return ParameterDict((key, default) for key in keys)

    def update(self, parameters) -> None:
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = parameters.items()
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        elif isinstance(parameters, Iterable):
            pairs = list(parameters)
            for j, pair in enumerate(pairs):
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ValueError(f"ParameterDict.update: element #{j} of the sequence "
                                     f"should be a (key, parameter) pair, got {pair!r}")
        else:
            raise TypeError(f"ParameterDict.update should be called with a mapping or an "
                            f"iterable of (key, parameter) pairs, but got "
                            f"{type(parameters).__name__}")
        for key, value in pairs:
            self[key] = value

    def __or__(self, other) -> ParameterDict:
        merged = self.copy()
        merged.update(other)
        return merged

    def __ior__(self, other) -> ParameterDict:
        self.update(other)
        return self

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterDict should not be called: it only holds parameters; "
                           "index it by key (params['name'])")

    def extra_repr(self) -> str:
        return "\n".join(_describe(key, p, _type_name) for key, p in self.items())

    def __repr__(self) -> str:
        return _container_repr(self)


def _describe(key: str, value, kind) -> str:
    """One line of the repr: ``(0): Parameter containing: [glassnet.float32 of size 3x4]``."""
    if not isinstance(value, Tensor):
        return f"  ({key}): Object of type: {type(value).__name__}"
    size = "x".join(str(n) for n in value.shape)
    label = "Parameter" if isinstance(value, Parameter) else "Tensor"
    return f"  ({key}): {label} containing: [{kind(value)} of size {size}]"


def _dtype_name(value: Tensor) -> str:
    return repr(value.dtype)


# PyTorch's legacy type names (torch.typename), which ParameterDict's repr uses
_LEGACY = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
           "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
           "bool": "Bool"}


def _type_name(value: Tensor) -> str:
    name = repr(value.dtype).rsplit(".", 1)[-1]
    return f"glassnet.{_LEGACY.get(name, name.capitalize())}Tensor"


def _container_repr(module: Module) -> str:
    """PyTorch's layout for a module with only extra_repr lines: one per entry, indented; a
    single entry stays on the name's line (``ParameterList(  (0): Parameter containing: ...)``),
    as PyTorch prints it."""
    lines = module.extra_repr()
    name = type(module).__name__
    if "\n" not in lines:
        return f"{name}({lines})"
    return f"{name}(\n  " + lines.replace("\n", "\n  ") + "\n)"
