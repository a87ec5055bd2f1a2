"""Collectives: every process calls the same function, and data moves between all of them.

Each call hands MPI the tensor's own NumPy buffer (mpi4py's upper-case, buffer-based calls:
``Allreduce``, ``Bcast``, ``Allgather``, ``Reduce``), so nothing is pickled and results are
written in place, as PyTorch's collectives do. Supported dtypes: float32, float64, int32, int64.

- ``all_reduce(t, op)``: every rank's ``t`` becomes op(t_0, t_1, ..., t_{N-1}), elementwise.
- ``broadcast(t, src)``: every rank's ``t`` becomes rank ``src``'s ``t``.
- ``all_gather(list, t)``: ``list[i]`` becomes rank i's ``t``, on every rank.
- ``reduce(t, dst, op)``: like all_reduce, but only rank ``dst`` receives the result.
- ``barrier()``: nobody leaves until everyone has arrived.
"""

from __future__ import annotations

import enum

import numpy as np

from ..tensor import Tensor
from .process_group import _check_group, _default_comm, _import_mpi

_DTYPES = (np.float32, np.float64, np.int32, np.int64)


class ReduceOp:
    """How ``all_reduce`` and ``reduce`` combine the ranks' values: SUM, PRODUCT, MIN, MAX."""

    class RedOpType(enum.Enum):
        SUM = 0
        PRODUCT = 2
        MIN = 3
        MAX = 4

    SUM = RedOpType.SUM
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX


class Work:
    """What ``async_op=True`` returns. MPI calls here are blocking, so the work is already
    done: ``wait()`` returns True at once."""

    def wait(self, timeout=None) -> bool:
        return True

    def is_completed(self) -> bool:
        return True


def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Combine ``tensor`` across all ranks with ``op``, in place, on every rank.

    In words: after the call every rank holds op over the ranks of the tensor, elementwise
    (for SUM: the sum of all ranks' tensors). One ``MPI.Allreduce`` with ``MPI.IN_PLACE``.
    """
    comm, array = _begin("all_reduce", tensor, group)
    buffer = _contiguous(array)
    comm.Allreduce(_import_mpi().IN_PLACE, buffer, op=_mpi_op(op, "all_reduce"))
    return _finish(tensor, array, buffer, async_op)


def broadcast(tensor: Tensor, src: int, group=None, async_op: bool = False):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank (one ``MPI.Bcast``)."""
    comm, array = _begin("broadcast", tensor, group)
    _check_rank(src, comm, "broadcast", "src")
    buffer = _contiguous(array)
    comm.Bcast(buffer, root=src)
    return _finish(tensor, array, buffer, async_op)


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """Fill ``tensor_list[i]`` with rank i's ``tensor``, on every rank (one ``MPI.Allgather``).

    ``tensor_list`` must hold world_size tensors of ``tensor``'s shape and dtype.
    """
    comm, array = _begin("all_gather", tensor, group)
    size = comm.Get_size()
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != size:
        got = len(tensor_list) if isinstance(tensor_list, (list, tuple)) else type(tensor_list)
        raise ValueError(
            f"all_gather: expected tensor_list to be a list of world_size={size} tensors, got "
            f"{got}; make it with [torch.empty_like(tensor) for _ in range(world_size)]"
        )
    for i, out in enumerate(tensor_list):
        if not isinstance(out, Tensor) or out._data.shape != array.shape \
                or out._data.dtype != array.dtype:
            what = (f"shape {tuple(out._data.shape)} {out._data.dtype}"
                    if isinstance(out, Tensor) else type(out).__name__)
            raise ValueError(
                f"all_gather: tensor_list[{i}] must have the tensor's shape {array.shape} and "
                f"dtype {array.dtype}, got {what}; make it with torch.empty_like(tensor)"
            )
    gathered = np.empty((size,) + array.shape, dtype=array.dtype)
    comm.Allgather(_contiguous(array), gathered)
    for out, part in zip(tensor_list, gathered):
        out._data[...] = part
        out._version_box[0] += 1
    return Work() if async_op else None


def reduce(tensor: Tensor, dst: int, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Combine ``tensor`` across ranks with ``op`` into rank ``dst``'s ``tensor`` (one
    ``MPI.Reduce``); the other ranks' tensors are left as they were."""
    comm, array = _begin("reduce", tensor, group)
    _check_rank(dst, comm, "reduce", "dst")
    buffer = _contiguous(array)
    mpi_op = _mpi_op(op, "reduce")
    if comm.Get_rank() == dst:
        comm.Reduce(_import_mpi().IN_PLACE, buffer, op=mpi_op, root=dst)
        return _finish(tensor, array, buffer, async_op)
    comm.Reduce(buffer, None, op=mpi_op, root=dst)
    return Work() if async_op else None


def barrier(group=None, async_op: bool = False):
    """Wait until every rank has called ``barrier()`` (one ``MPI.Barrier``)."""
    _check_group(group, "barrier")
    _default_comm("barrier").Barrier()
    return Work() if async_op else None


# ----- helpers -------------------------------------------------------------------------------
def _begin(who: str, tensor, group):
    _check_group(group, who)
    comm = _default_comm(who)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{who}: expected a glassnet Tensor, got {type(tensor).__name__}; wrap "
                        f"arrays with torch.from_numpy(array)")
    array = tensor._data
    if array.dtype.type not in _DTYPES:
        raise TypeError(
            f"{who}: expected a float32, float64, int32 or int64 tensor, got {array.dtype}; "
            f"convert it first, e.g. tensor.double() or tensor.long()"
        )
    return comm, array


def _contiguous(array: np.ndarray) -> np.ndarray:
    """MPI needs one contiguous buffer; a strided view is reduced through a copy."""
    return array if array.flags.c_contiguous else np.ascontiguousarray(array)


def _finish(tensor: Tensor, array: np.ndarray, buffer: np.ndarray, async_op: bool):
    if buffer is not array:
        array[...] = buffer
    tensor._version_box[0] += 1  # an in-place change, as backward's version check sees it
    return Work() if async_op else None


def _mpi_op(op, who: str):
    MPI = _import_mpi()
    table = {ReduceOp.SUM: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
             ReduceOp.MAX: MPI.MAX}
    if op not in table:
        raise ValueError(f"{who}: expected op to be ReduceOp.SUM, PRODUCT, MIN or MAX, got "
                         f"{op!r}; for a mean, all_reduce with SUM and divide by world size")
    return table[op]


def _check_rank(rank, comm, who: str, name: str) -> None:
    size = comm.Get_size()
    if not isinstance(rank, int) or not 0 <= rank < size:
        raise ValueError(f"{who}: expected {name} to be a rank in 0..{size - 1}, got {name}="
                         f"{rank!r}")
