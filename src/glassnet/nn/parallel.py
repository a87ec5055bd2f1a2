"""DistributedDataParallel: one model copy per process, gradients averaged after backward.

Data parallelism in words: every rank holds the same weights and runs forward and backward on its
own slice of the global batch; the gradient of the loss averaged over the whole global batch is
the average over ranks of each rank's gradient (when the slices have equal size), so after one
all-reduce (sum, then divide by the world size) every rank holds the same gradient, takes the
same optimizer step, and the weights stay identical without ever being sent again.

How the reduction is triggered: a hook on each parameter (on its ``AccumulateGrad`` node, as
PyTorch's reducer does) marks the parameter ready when its gradient arrives. When the last one
arrives, ``_sync_gradients`` packs every ``.grad`` into one flat buffer per dtype, makes ONE
``Allreduce`` call over it, and writes the averages back into ``.grad``.
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager

import numpy as np

from ..autograd.grad_mode import is_grad_enabled
from ..distributed import process_group as _group
from ..tensor import Tensor
from .module import Module


class DistributedDataParallel(Module):
    """Wrap ``module`` so that gradients are averaged over all ranks after every backward.

    At construction rank 0's parameters and buffers are broadcast to every rank, so all ranks
    start from the same weights. Each forward passes straight through to ``module`` (and, with
    ``broadcast_buffers=True``, first copies rank 0's buffers, e.g. BatchNorm running stats, to
    all ranks). When backward has produced every parameter's gradient, each ``.grad`` becomes the
    average over ranks: one ``Allreduce`` over a flat buffer (one per dtype).

    Args:
        module: the model to replicate. Every parameter that requires grad must take part in
            the loss of every synchronised backward.
        device_ids: None (glassnet runs on the CPU).
        broadcast_buffers: copy rank 0's buffers to all ranks at every training forward.
        process_group: None (the default group; glassnet has no other).
        find_unused_parameters: False (glassnet does not search the graph for parameters that
            got no gradient; an unused parameter raises at the next forward).

    state_dict: the wrapped model is the child ``module``, so every key starts with
    ``module.`` (``module.fc.weight``), exactly as PyTorch. Save ``ddp.module.state_dict()``
    to get keys a plain model loads (what rank 0 should save), or strip the prefix:
    ``{k.removeprefix("module."): v for k, v in ddp.state_dict().items()}``.

    Example (under ``mpiexec -n 2``)::

        dist.init_process_group("mpi")
        model = DistributedDataParallel(nn.Linear(3, 1))
        loss = model(x).pow(2).mean()
        loss.backward()                  # every rank now holds the averaged .grad
    """

    def __init__(self, module: Module, device_ids=None, broadcast_buffers: bool = True,
                 process_group=None, find_unused_parameters: bool = False) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module, got "
                            f"{type(module).__name__}")
        if device_ids not in (None, [], ["cpu"]):
            raise ValueError(f"DistributedDataParallel: glassnet runs on the CPU, so device_ids "
                             f"must be None, got device_ids={device_ids!r}")
        if find_unused_parameters:
            raise NotImplementedError(
                "DistributedDataParallel(find_unused_parameters=True) is not supported: make "
                "every parameter that requires grad take part in the loss, or set "
                "requires_grad=False on the ones you do not train"
            )
        _group._check_group(process_group, "DistributedDataParallel")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        comm = _group._default_comm("DistributedDataParallel")
        self._world_size = comm.Get_size()
        self._params = [p for p in module.parameters() if p.requires_grad]
        if not self._params:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any parameter "
                "that requires a gradient: there is nothing to average; use the module as it is"
            )
        self._check_same_model(comm)
        _broadcast_flat(list(module.parameters()) + list(module.buffers()), comm)
        self._groups, self._layouts = _dtype_groups(self._params)
        self._ready: set[int] = set()
        self._armed = False
        owner = weakref.ref(self)
        for index, p in enumerate(self._params):
            p.register_hook(_ReadyHook(owner, index))

    # ----- running ---------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        """Run the wrapped module; arms the gradient sync for the coming backward."""
        if self._ready:
            missing = [name for i, (name, p) in enumerate(self._named_trainable())
                       if i not in self._ready]
            self._ready.clear()
            raise RuntimeError(
                f"DistributedDataParallel: Expected to have finished reduction in the prior "
                f"iteration before starting a new one: parameters {missing} got no gradient "
                f"in the last backward, so the gradients were never averaged. Make every "
                f"parameter take part in the loss, or set requires_grad=False on unused ones."
            )
        self._armed = is_grad_enabled() and self.require_backward_grad_sync
        if self.broadcast_buffers and self.training and self._world_size > 1:
            buffers = list(self.module.buffers())
            if buffers:
                _broadcast_flat(buffers, _group._default_comm("forward"))
        return self.module(*inputs, **kwargs)

    @contextmanager
    def no_sync(self):
        """Backward passes run inside this context accumulate local gradients without
        averaging them; the first backward after it averages everything accumulated.

        Example::

            with ddp.no_sync():
                ddp(x1).sum().backward()  # local only
            ddp(x2).sum().backward()      # averages the sum of both gradients
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ----- the reduction ---------------------------------------------------------------------
    def _on_grad_ready(self, index: int, grad: np.ndarray):
        """A parameter's gradient arrived; the last one to arrive triggers the all-reduce."""
        if not self._armed:
            return None
        if index in self._ready:
            raise RuntimeError(
                f"DistributedDataParallel: Expected to mark a variable ready only once: "
                f"parameter {self._named_trainable()[index][0]!r} got a gradient twice before "
                f"the others got theirs (two backward passes in one iteration?). Run them "
                f"inside no_sync(), or sum the losses and call backward once."
            )
        self._ready.add(index)
        if len(self._ready) < len(self._params):
            return None
        self._ready.clear()
        self._armed = False
        return self._sync_gradients(index, grad)

    def _sync_gradients(self, last: int, last_grad: np.ndarray) -> Tensor:
        """Average every ``.grad`` over ranks with one Allreduce per dtype.

        All gradients except the ``last`` one are already in ``.grad``; the last one is still
        on its way into ``.grad`` (its hook runs before the engine adds it), so it is packed
        from ``.grad + last_grad`` and handed back averaged for the engine to store. Per dtype:
        one ``concatenate`` packs the flat buffer, one Allreduce sums it, and each average is
        written straight into its ``.grad`` (sum × 1/world in one pass).
        """
        comm = _group._default_comm("DistributedDataParallel backward")
        MPI = _group._import_mpi()
        params = self._params
        grads = []
        for i, p in enumerate(params):  # a loop, not comprehensions: it runs every step
            data, grad = p._data, p.grad
            if (data.dtype, data.shape) != self._layouts[i]:  # cast or replaced after wrapping
                self._groups, self._layouts = _dtype_groups(params)
            if grad is None and i != last:
                self._raise_missing(last)
            grads.append(grad)
        last_param = params[last]
        pending = last_grad if last_param.grad is None else last_param.grad._data + last_grad
        scale = 1.0 / self._world_size
        result = None
        for indices, flat, views in self._groups:
            np.concatenate([pending.reshape(-1) if i == last else grads[i]._data.reshape(-1)
                            for i in indices], out=flat)
            comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
            for i, view in zip(indices, views):
                if i == last:
                    result = np.multiply(view, scale)  # a fresh array the engine keeps
                else:
                    np.multiply(view, scale, out=grads[i]._data)
        if last_param.grad is not None:
            last_param.grad = None  # the engine stores the returned average as the new .grad
            last_param._grad_passes = 0
        return Tensor._make(result)

    def _raise_missing(self, last: int):
        missing = [name for i, (name, p) in enumerate(self._named_trainable())
                   if i != last and p.grad is None]
        raise RuntimeError(
            f"DistributedDataParallel averages .grad after backward(), but {missing} have "
            f"no .grad: torch.autograd.grad() does not fill .grad, so it cannot be used "
            f"through DDP; call loss.backward() instead"
        )

    # ----- helpers ---------------------------------------------------------------------------
    def _named_trainable(self) -> list:
        return [(n, p) for n, p in self.module.named_parameters() if p.requires_grad]

    def _check_same_model(self, comm) -> None:
        """Every rank must wrap the same architecture: compare the parameter sizes."""
        sizes = np.array([p._data.size for p in self.module.parameters()], dtype=np.int64)
        counts = np.array([sizes.size, sizes.sum()], dtype=np.int64)
        low, high = counts.copy(), counts.copy()
        MPI = _group._import_mpi()
        comm.Allreduce(MPI.IN_PLACE, low, op=MPI.MIN)
        comm.Allreduce(MPI.IN_PLACE, high, op=MPI.MAX)
        if not np.array_equal(low, high):
            raise RuntimeError(
                f"DistributedDataParallel: the ranks wrap different models (parameter count "
                f"and total size range from {low.tolist()} to {high.tolist()} over ranks); build "
                f"the same model on every rank"
            )

    def extra_repr(self) -> str:
        return ""


class _ReadyHook:
    """The per-parameter hook; holds the wrapper weakly so a dropped wrapper stops syncing."""

    def __init__(self, owner: weakref.ref, index: int) -> None:
        self.owner, self.index = owner, index

    def __call__(self, grad: Tensor):
        ddp = self.owner()
        return None if ddp is None else ddp._on_grad_ready(self.index, grad._data)


def _dtype_groups(params: list) -> tuple[list, list]:
    """Per dtype: the parameters' indices, their flat buffer (allocated once) and each one's
    view of it, shaped like the parameter; and every parameter's (dtype, shape), to notice a
    cast or a replaced ``.data``."""
    by_dtype: dict = {}
    for i, p in enumerate(params):
        by_dtype.setdefault(p._data.dtype, []).append(i)
    groups = []
    for dtype, indices in by_dtype.items():
        flat = np.empty(sum(params[i]._data.size for i in indices), dtype=dtype)
        views, offset = [], 0
        for i in indices:
            shape, size = params[i]._data.shape, params[i]._data.size
            views.append(flat[offset:offset + size].reshape(shape))
            offset += size
        groups.append((indices, flat, views))
    return groups, [(p._data.dtype, p._data.shape) for p in params]


def _broadcast_flat(tensors: list, comm) -> None:
    """Copy rank 0's values into ``tensors`` on every rank: one Bcast per dtype, in place (the
    user's references to the arrays keep seeing the values)."""
    by_dtype: dict = {}
    for t in tensors:
        if t is not None:
            by_dtype.setdefault(t._data.dtype, []).append(t)
    for group in by_dtype.values():
        flat = np.concatenate([t._data.reshape(-1) for t in group])
        comm.Bcast(flat, root=0)
        offset = 0
        for t in group:
            n = t._data.size
            t._data[...] = flat[offset:offset + n].reshape(t._data.shape)
            offset += n


__all__ = ["DistributedDataParallel"]
