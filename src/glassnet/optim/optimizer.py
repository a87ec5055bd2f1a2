"""Optimizer: the base class that loops a per-parameter update rule over the parameters.

A concrete optimizer writes only its rule, as optax does: ``init_state(param)`` makes the state
arrays (momentum, averages...) and ``update(param, grad, state, group, scratch)`` returns the
change to add to ``param`` (glassnet.optim's rules, ``returns_change = True``) or changes
``param`` in place (the default, which keras.optimizers' rules use). The rules are elementwise,
so the base class runs them once over all of a group's parameters, fused at step time as
tinygrad does: each ``step()`` gathers the gradients into one flat buffer (one
``concatenate``), runs the rule once on it, and adds each parameter's slice of the change into
that parameter's own memory (an in-place rule gets a flat copy of the parameters instead,
copied back after). The parameters' arrays are never replaced, so ``w = p.detach().numpy()``
or ``w = p.data`` taken before a step sees it, as in PyTorch. The state (momentum, averages)
lives in flat buffers owned by the optimizer; each parameter's state entries are views of
them. When some parameter has no gradient, the same rule runs per parameter on those views.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from .. import _threads
from ..advice import Advice, check_accumulation
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor


class _FlatGroup:
    """One group's parameters (a copy), gradients, state and scratch space as flat buffers.

    The buffers belong to the optimizer, never to the parameters: ``gather`` copies the
    parameters' values in before a step and ``scatter`` copies the results back out.
    """

    def __init__(self, params: list) -> None:
        self.dtype = params[0]._data.dtype
        self.shapes = [p._data.shape for p in params]
        sizes = [p._data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.params = np.empty(self.offsets[-1], dtype=self.dtype)
        self.grad = np.empty_like(self.params)
        self.scratch = np.empty_like(self.params)
        self.scratch_views = [self.slice(self.scratch, i, s) for i, s in enumerate(self.shapes)]
        self.arrays = [p._data for p in params]  # the arrays last checked, for a fast test
        self.state: dict = {}

    def intact(self, params: list) -> bool:
        """True while every parameter still has the shape and dtype the buffers were made for
        (``p.data = other`` may change them)."""
        for p, array in zip(params, self.arrays):  # a loop, not all(...): it runs every step
            if p._data is not array:
                break
        else:
            return True
        if all(p._data.shape == shape and p._data.dtype == self.dtype
               for p, shape in zip(params, self.shapes)):
            self.arrays = [p._data for p in params]
            return True
        return False

    def gather(self, params: list, with_params: bool = True) -> None:
        """Copy the gradients (and the parameters' values) into the flat buffers."""
        if with_params:
            np.concatenate([p._data.reshape(-1) for p in params], out=self.params)
        np.concatenate([p.grad._data.reshape(-1) for p in params], out=self.grad)

    def scatter(self, params: list) -> None:
        """Copy the flat parameter buffer back into each parameter's own memory."""
        for i, p in enumerate(params):
            np.copyto(p._data, self.slice(self.params, i, p._data.shape))

    def add_to(self, params: list, change: np.ndarray) -> None:
        """Add each parameter's slice of the flat ``change`` into its own memory."""
        views = self.scratch_views if change is self.scratch else \
            [self.slice(change, i, shape) for i, shape in enumerate(self.shapes)]
        for p, view in zip(params, views):
            data = p._data
            np.add(data, view, out=data)

    def slice(self, array: np.ndarray, i: int, shape) -> np.ndarray:
        return array[self.offsets[i]:self.offsets[i + 1]].reshape(shape)


class Optimizer:
    """Base class: holds ``param_groups`` (params plus options) and per-parameter ``state``."""

    elementwise = True  # the rule treats every element alone, so it may run on a flat buffer
    # How a rule hands back its result. False: ``update`` changes ``param`` in place (in a fused
    # step param is then a copy of the parameters, copied back after). True: ``update`` returns
    # the change and the base adds it to each parameter's own memory, so a fused step copies no
    # parameter at all unless ``needs_param`` says the rule reads them (weight decay).
    returns_change = False
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
        self._check_finite(group)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)
        self._try_flatten(group)

    def _check_finite(self, group: dict) -> None:
        """NaN slips through every ``x < 0`` check, and an infinite rate destroys the weights
        in one step: refuse both before any training."""
        for key, value in group.items():
            values = value if isinstance(value, tuple) else (value,)
            number = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if not all(math.isfinite(v) for v in number):
                raise ValueError(f"{type(self).__name__}: {key}={value} is not a finite number; "
                                 f"pass a finite value")

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
            if flat is not None and not flat.intact(group["params"]):
                self._flat[id(group)] = flat = _FlatGroup(group["params"])
                self._link_state(group, flat)
            if flat is not None and self._flat_ready(group, flat):
                self._step_flat(group, flat)
            else:
                self._step_each(group, flat)
        return loss

    def _flat_ready(self, group: dict, flat: _FlatGroup) -> bool:
        step = flat.state.get("step")
        for p in group["params"]:  # a loop, not any/all generators: it runs every step
            if p.grad is None:
                return False
            state = self.state.get(p)
            if (None if state is None else state.get("step")) != step:
                return False
        return True

    def _step_flat(self, group: dict, flat: _FlatGroup) -> None:
        params = group["params"]
        reads = not self.returns_change or self.needs_param(group)
        flat.gather(params, with_params=reads)
        if not flat.state:
            flat.state = self.init_state(flat.params, group)
            self._link_state(group, flat)
        change = self._update_in_parts(group, flat, reads)
        if self.returns_change:
            flat.add_to(params, change)
        else:
            flat.scatter(params)
        # scalar state (the step, NAdam's mu_product) is shared; copy it to every parameter
        scalars = {k: v for k, v in flat.state.items() if not isinstance(v, np.ndarray)}
        for p in params:
            self.state[p].update(scalars)
            p._version_box[0] += 1

    def _update_in_parts(self, group: dict, flat: _FlatGroup, reads: bool) -> np.ndarray:
        """The rule on the flat buffers, cut into one run of elements per thread (the rule is
        elementwise, so each run is updated alone); returns the change, in ``flat.scratch``."""
        state = flat.state
        parts = _threads.batch_slices(flat.grad.size, flat.grad.itemsize * max(1, len(state)))
        if len(parts) == 1:
            return self.update(flat.params if reads else None, flat.grad, state, group,
                               flat.scratch)

        per_element = {key for key, value in state.items()
                       if isinstance(value, np.ndarray) and value.shape == flat.grad.shape}

        def part(run):
            own = {key: value[run] if key in per_element else value
                   for key, value in state.items()}
            scratch = flat.scratch[run]
            change = self.update(flat.params[run] if reads else None, flat.grad[run], own,
                                 group, scratch)
            if self.returns_change and change is not scratch:
                np.copyto(scratch, change)
            return own

        scalars = [key for key in state if key not in per_element]
        first = _threads.run(part, parts)[0]
        # scalar state (the step count, NAdam's mu_product) moved the same way in every part
        state.update({key: first[key] for key in scalars})
        return flat.scratch

    def _step_each(self, group: dict, flat: _FlatGroup | None) -> None:
        for i, p in enumerate(group["params"]):
            if p.grad is None:
                continue
            if p not in self.state:
                self.state[p] = self.init_state(p._data, group)
            scratch = flat.slice(flat.scratch, i, p._data.shape) if flat else \
                np.empty_like(p._data)
            change = self.update(p._data, p.grad._data, self.state[p], group, scratch)
            if self.returns_change:
                np.add(p._data, change, out=p._data)
            p._version_box[0] += 1

    def _link_state(self, group: dict, flat: _FlatGroup) -> None:
        """Make each parameter's state arrays views of the flat state (same memory)."""
        for i, p in enumerate(group["params"]):
            state = self.state.setdefault(p, {})
            for key, value in flat.state.items():
                if isinstance(value, np.ndarray) and value.shape == flat.params.shape:
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
               scratch: np.ndarray) -> np.ndarray | None:
        """One step of the rule on arrays. With ``returns_change``: return the change to add
        to ``param`` (often ``scratch``) and leave param alone (it is ``None`` in a fused step
        when ``needs_param`` is False); otherwise change ``param`` in place. ``scratch`` is
        free memory of param's shape; ``grad`` must not be modified."""
        raise NotImplementedError

    def needs_param(self, group: dict) -> bool:
        """Whether ``update`` reads the parameters' values for this group (weight decay
        does); when not, a fused step skips copying them."""
        return True

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
