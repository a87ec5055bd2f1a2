"""Containers: Sequential (a chain of layers), ModuleList, ModuleDict."""

from __future__ import annotations

from collections import OrderedDict

from .module import Module


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
