"""Intra-op threads: one large op's work split over the batch and run on every core at once.

NumPy runs each ufunc, copy and reduction on one core; only its BLAS products use them all. In
a convnet step most of the time outside BLAS goes to copies of whole batches (im2col, col2im,
layout changes, pooling, activations), so on a 2-core machine one core sits idle for half of
the step. NumPy releases the GIL inside those loops, so Python threads, each given a slice of
the batch, run them side by side; each thread's BLAS products run beside the other's (OpenBLAS
lets concurrent callers share its threads).

PyTorch does the same with its intra-op thread pool and exposes it as ``torch.set_num_threads``
/ ``torch.get_num_threads``; glassnet uses those names. The default is the number of cores this
process may run on; ``set_num_threads(1)`` runs everything on the calling thread (each rank of
a data-parallel run does this: its sibling ranks already fill the other cores).

BLAS runs one thread per call, and glassnet's threads are the parallelism, as PyTorch's pool
is for its kernels: importing glassnet sets the OpenBLAS that NumPy loaded (NumPy's wheels
bundle it) to one thread through its own ``openblas_set_num_threads``, and large products are
split between glassnet's threads instead (``matmul``). Mixing the two was slower than either:
OpenBLAS's workers, woken for a product, spin for a while after it, and a spinning worker on
the core that an op thread needs slowed the im2col copies 2.5x and the MNIST convnet's step
1.5x (measured on this project's 2-core machines). NumPy code of your own that runs after
``import glassnet`` therefore gets one BLAS thread too; ``set_blas_threads(n)`` gives it more.
With a BLAS other than OpenBLAS nothing is changed.

Work is split only when each thread gets at least ``MIN_BYTES_PER_THREAD`` of it; below that,
handing a slice to a thread costs more than it saves.
"""

from __future__ import annotations

import ctypes
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

# a thread hand-off costs ~20-50 µs; a NumPy pass over 256 KB of float32 takes about as long
MIN_BYTES_PER_THREAD = 256 << 10
# ... and a product of 8 M multiply-adds takes about 80 µs on one core
MIN_MACS_PER_THREAD = 8 << 20

_num_threads: int | None = None
_pool: ThreadPoolExecutor | None = None
_inside = threading.local()  # set on pool threads: an op they run splits no further


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def _default_threads() -> int:
    """OMP_NUM_THREADS when set (as PyTorch reads it), else the cores this process may use."""
    try:
        value = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        value = 0
    return value if value >= 1 else _cores()


def get_num_threads() -> int:
    """How many threads one op may use (PyTorch's ``torch.get_num_threads``)."""
    return _default_threads() if _num_threads is None else _num_threads


def set_num_threads(n: int) -> None:
    """Let each large op use ``n`` threads (PyTorch's ``torch.set_num_threads``); 1 keeps all
    work on the calling thread."""
    global _num_threads, _pool
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    _num_threads = n
    if _pool is not None:
        _pool.shutdown(wait=False)
        _pool = None


def batch_slices(n: int, bytes_per_example: int) -> list[slice]:
    """The batch range(n) cut into one near-equal slice per thread, or one slice when the work
    is too small to share (see ``MIN_BYTES_PER_THREAD``)."""
    return _even_slices(n, n * bytes_per_example // MIN_BYTES_PER_THREAD)


def _even_slices(n: int, most: int) -> list[slice]:
    """range(n) cut into near-equal slices, one per thread but no more than ``most``."""
    threads = max(1, min(get_num_threads(), n, most))
    step = -(-n // threads) if n else 1
    return [slice(start, min(start + step, n)) for start in range(0, n, step)] or [slice(0, 0)]


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for 2-D arrays, the rows of a split between threads when the product is large
    (each thread's BLAS call runs on one core; see the module docstring)."""
    m, k = a.shape
    parts = _even_slices(m, m * k * b.shape[1] // MIN_MACS_PER_THREAD)
    if len(parts) == 1:
        return a @ b
    out = np.empty((m, b.shape[1]), dtype=np.result_type(a, b))
    run(lambda rows: np.matmul(a[rows], b, out=out[rows]), parts)
    return out


def _openblas() -> tuple | None:
    """(get, set) of the loaded OpenBLAS's thread count, or None when there is none."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()
                            and line.split()[-1].startswith("/")})
    except OSError:
        return None
    for path in paths:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_", "64_"), ("scipy_", ""), ("", "64_"), ("", "")):
            get = getattr(library, f"{prefix}openblas_get_num_threads{suffix}", None)
            set_ = getattr(library, f"{prefix}openblas_set_num_threads{suffix}", None)
            if get is not None and set_ is not None:
                return get, set_
    return None


_blas_controls: list = []  # filled on first use: [(get, set) or None]


def blas_controls() -> tuple | None:
    if not _blas_controls:
        _blas_controls.append(_openblas())
    return _blas_controls[0]


def set_blas_threads(n: int) -> bool:
    """Give the loaded OpenBLAS ``n`` threads per call; False when there is no OpenBLAS."""
    controls = blas_controls()
    if controls is None:
        return False
    controls[1](n)
    return True


def take_over_blas() -> None:
    """One BLAS thread per call (see the module docstring); glassnet's import calls this."""
    set_blas_threads(1)


def parallel_for(n: int, bytes_per_item: int, work) -> list:
    """work(slice) over range(n), cut into one slice per thread when the work is large enough
    to share (PyTorch's ``at::parallel_for``); the results in order."""
    return run(work, batch_slices(n, bytes_per_item))


def run(work, slices: list[slice]) -> list:
    """[work(s) for s in slices], the first on the calling thread and the rest on the pool, at
    once; the results in order. Every slice has finished when this returns or raises."""
    if len(slices) == 1 or getattr(_inside, "flag", False):
        return [work(part) for part in slices]
    futures = [_get_pool().submit(_on_pool_thread, work, part) for part in slices[1:]]
    try:
        first = work(slices[0])
    finally:
        wait(futures)
    return [first] + [future.result() for future in futures]


def _on_pool_thread(work, part):
    _inside.flag = True
    return work(part)


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max(1, get_num_threads() - 1),
                                   thread_name_prefix="glassnet-op")
    return _pool


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist; the next op starts a new pool."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)
