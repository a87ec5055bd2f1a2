"""Optimizer: the base class that loops a per-parameter update rule over the parameters.

A concrete optimizer writes only its rule, as optax does: ``init_state(param)`` makes the state
arrays (momentum, averages...) and ``update(param, grad, state, group, scratch)`` changes
``param`` in place. The rules are elementwise, so the base class can run them once over all of
a group's parameters: at construction it moves the group's parameters into one flat buffer
(each parameter's ``._data`` becomes a view of it; the tensors stay the same objects), and each
``step()`` gathers the gradients into a matching flat buffer. A step is then a handful of
NumPy calls however many parameters there are. When some parameter has no gradient, the
same rule runs per parameter on views of the same state.
"""

from __future__ import annotations

import copy

import numpy as np

from ..advice import Advice, check_accumulation
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor


class _FlatGroup:
    """One group's parameters, gradients, state and scratch space as contiguous buffers."""

    def __init__(self, params: list) -> None:
        dtype = params[0]._data.dtype
        sizes = [p._data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self._data = np.empty(self.offsets[-1], dtype=dtype)
        self.grad = np.empty_like(self._data)
        self.scratch = np.empty_like(self._data)
        self.views = []
        for p, start, stop in zip(params, self.offsets[:-1], self.offsets[1:]):
            self._data[start:stop] = p._data.ravel()
            p._data = self._data[start:stop].reshape(p._data.shape)
            self.views.append(p._data)
        self.state: dict = {}

    def intact(self, params: list) -> bool:
        return all(p._data is view for p, view in zip(params, self.views))

    def slice(self, array: np.ndarray, i: int, shape) -> np.ndarray:
        return array[self.offsets[i]:self.offsets[i + 1]].reshape(shape)


class Optimizer:
    """Base class: holds ``param_groups`` (params plus options) and per-parameter ``state``."""

    elementwise = True  # the rule treats every element alone, so it may run on a flat buffer
    expects_accumulation = False  # True: summing gradients over several backwards is meant

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self.state: dict = {}
        self.param_groups: list[dict] = []
        self._flat: dict[int, _FlatGroup] = {}
        params = list(params)
        if not params:
            raise ValueError(
                f"{type(self).__name__} got an empty parameter list; pass model.parameters() "
                f"of a model that has layers"
            )
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize tensors, got "
                                f"{type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError("can't optimize a non-leaf tensor; optimize the parameters "
                                 "that produced it")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)
        self._try_flatten(group)

    def _try_flatten(self, group: dict) -> None:
        params = group["params"]
        dtypes = {p._data.dtype for p in params}
        if self.elementwise and len(params) > 1 and len(dtypes) == 1 and \
                params[0]._data.dtype.kind == "f":
            self._flat[id(group)] = _FlatGroup(params)

    # ----- the loop -----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of the last backward (they accumulate otherwise)."""
        for group in self.param_groups:
            for p in group["params"]:
                p._grad_passes = 0
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad._data.fill(0)

    def step(self, closure=None):
        """Apply the update rule once to every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        if Advice.enabled:
            check_accumulation(self)
        for group in self.param_groups:
            flat = self._flat.get(id(group))
            if flat is not None and self._flat_ready(group, flat):
                self._step_flat(group, flat)
            else:
                self._step_each(group, flat)
        return loss

    def _flat_ready(self, group: dict, flat: _FlatGroup) -> bool:
        params = group["params"]
        if not flat.intact(params):
            self._flat[id(group)] = flat = _FlatGroup(params)
            self._link_state(group, flat)
        if any(p.grad is None for p in params):
            return False
        step = flat.state.get("step")
        return all(self.state.get(p, {}).get("step") == step for p in params)

    def _step_flat(self, group: dict, flat: _FlatGroup) -> None:
        params = group["params"]
        np.concatenate([p.grad._data.reshape(-1) for p in params], out=flat.grad)
        if not flat.state:
            flat.state = self.init_state(flat._data, group)
            self._link_state(group, flat)
        self.update(flat._data, flat.grad, flat.state, group, flat.scratch)
        # scalar state (the step, NAdam's mu_product) is shared; copy it to every parameter
        scalars = {k: v for k, v in flat.state.items() if not isinstance(v, np.ndarray)}
        for p in params:
            self.state[p].update(scalars)
            p._version_box[0] += 1

    def _step_each(self, group: dict, flat: _FlatGroup | None) -> None:
        for i, p in enumerate(group["params"]):
            if p.grad is None:
                continue
            if p not in self.state:
                self.state[p] = self.init_state(p._data, group)
            scratch = flat.slice(flat.scratch, i, p._data.shape) if flat else \
                np.empty_like(p._data)
            self.update(p._data, p.grad._data, self.state[p], group, scratch)
            p._version_box[0] += 1

    def _link_state(self, group: dict, flat: _FlatGroup) -> None:
        """Make each parameter's state arrays views of the flat state (same memory)."""
        for i, p in enumerate(group["params"]):
            state = self.state.setdefault(p, {})
            for key, value in flat.state.items():
                if isinstance(value, np.ndarray) and value.shape == flat._data.shape:
                    view = flat.slice(value, i, p._data.shape)
                    if key in state and state[key] is not view:
                        view[...] = state[key]
                    state[key] = view
                else:
                    state.setdefault(key, value)

    # ----- the rule (subclasses) ---------------------------------------------------------
    def init_state(self, param: np.ndarray, group: dict) -> dict:
        """State for one parameter (or a flat buffer of several) before its first step."""
        return {"step": 0}

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict,
               scratch: np.ndarray) -> None:
        """Change ``param`` in place. ``scratch`` is free memory of param's shape; ``grad``
        must not be modified."""
        raise NotImplementedError

    # ----- saving ------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{options, 'params': [indices]}]}."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (np.array(v) if isinstance(v, np.ndarray) else v)
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(a["params"]) != len(b["params"]) for a, b in zip(groups, self.param_groups)):
            raise ValueError("load_state_dict: the saved optimizer has a different number of "
                             "parameter groups or parameters than this one")
        saved = state_dict["state"]
        for saved_group, group in zip(groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved_group.items() if k != "params"})
            flat = self._flat.get(id(group))
            for index, p in zip(saved_group["params"], group["params"]):
                if index not in saved:
                    continue
                state = self.state.setdefault(p, {})
                for key, value in saved[index].items():
                    if isinstance(value, (np.ndarray, Tensor)):
                        value = np.array(value._data if isinstance(value, Tensor) else value,
                                         dtype=p._data.dtype)
                    state[key] = value
            if flat is not None and all(p in self.state for p in group["params"]):
                flat.state = {k: (np.concatenate([self.state[p][k].reshape(-1)
                                                  for p in group["params"]])
                                  if isinstance(v, np.ndarray) else v)
                              for k, v in self.state[group["params"][0]].items()}
                self._link_state(group, flat)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"
