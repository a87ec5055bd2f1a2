"""Intra-op threads: one large op's work split over the batch and run on every core at once.

NumPy runs each ufunc, copy and reduction on one core; only its BLAS products use them all. In
a convnet step most of the time outside BLAS goes to copies of whole batches (im2col, col2im,
layout changes, pooling, activations), so on a 2-core machine one core sits idle for half of
the step. NumPy releases the GIL inside those loops (and inside BLAS calls), so Python threads,
each given a slice of the batch, run them side by side.

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
``import glassnet`` therefore gets one BLAS thread too; ``set_blas_threads(n)`` here, or
threadpoolctl's ``threadpool_limits(n)``, gives it more. With a BLAS other than OpenBLAS nothing
is changed.

Work is split only when each thread gets at least ``MIN_BYTES_PER_THREAD`` of it; below that,
handing a slice to a thread costs more than it saves.
"""

from __future__ import annotations

import ctypes
import os
import threading

import numpy as np

# waking a pool thread and waiting for it costs ~45 µs on this project's 2-core virtual
# machines, about what a NumPy pass over 1 MB takes (ReLU on 2 MB: 194 µs on one thread, 155 on
# two; on 8 MB: 794 against 463; on 512 KB two threads lose, 76 against 46)
MIN_BYTES_PER_THREAD = 1 << 20
# ... and a product of 8 M multiply-adds takes about 80 µs on one core
MIN_MACS_PER_THREAD = 8 << 20

_num_threads: int | None = None
_chosen = False  # set_num_threads was called: share_cores leaves the number alone
_pool: list = []  # the _Worker threads, started as ops first need them
_busy = threading.Lock()  # held while an op uses the pool
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
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def worth_splitting(x: np.ndarray) -> bool:
    """Whether a pass over x, cut along its first dim, pays for a second thread."""
    return x.nbytes >= 2 * MIN_BYTES_PER_THREAD and x.ndim > 0 and len(x) > 1 \
        and get_num_threads() > 1


def set_num_threads(n: int) -> None:
    """Let each large op use ``n`` threads (PyTorch's ``torch.set_num_threads``); 1 keeps all
    work on the calling thread."""
    global _num_threads, _chosen
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    _num_threads, _chosen = n, True


def share_cores(ways: int) -> None:
    """Take one ``ways``-th of the cores, as one of ``ways`` processes on this machine (the
    ranks of a data-parallel job), unless a number was chosen with ``set_num_threads`` or
    OMP_NUM_THREADS."""
    global _num_threads
    if ways > 1 and not _chosen and "OMP_NUM_THREADS" not in os.environ:
        _num_threads = max(1, _cores() // ways)


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
    work = m * k * b.shape[1]
    if work < 2 * MIN_MACS_PER_THREAD or get_num_threads() == 1:
        return a @ b
    parts = _even_slices(m, work // MIN_MACS_PER_THREAD)
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
    """(get, set) of the OpenBLAS thread count, looked up once; None without OpenBLAS."""
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
    """[work(s) for s in slices], the first on the calling thread and the rest on pool threads,
    at once; the results in order. Every slice has finished when this returns or raises. A
    call from a pool thread, or while another thread's op holds the pool, runs inline."""
    if len(slices) == 1 or getattr(_inside, "flag", False) or not _busy.acquire(False):
        return [work(part) for part in slices]
    try:
        workers = _workers(len(slices) - 1)
        errors = np.geterr()  # the caller's np.errstate, which is per thread
        for worker, part in zip(workers, slices[1:]):
            worker.start(work, part, errors)
        try:
            first = work(slices[0])
        finally:
            try:
                outcomes = [worker.finish() for worker in workers]
            except BaseException:  # a Ctrl-C while waiting: these workers may still be busy
                _pool.clear()
                raise
    finally:
        _busy.release()
    for ok, value in outcomes:
        if not ok:
            raise value
    return [first] + [value for _, value in outcomes]


class _Worker:
    """A pool thread: it sleeps on one lock until given a task and releases another when done
    (two bare locks cost ~14 µs a round trip; concurrent.futures' queue and futures, ~53)."""

    def __init__(self, index: int) -> None:
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._task = self._outcome = None
        threading.Thread(target=self._loop, name=f"glassnet-op-{index}", daemon=True).start()

    def start(self, work, part, errors: dict) -> None:
        self._task = (work, part, errors)
        self._go.release()

    def finish(self) -> tuple:
        """(True, result) or (False, the exception), once the task has ended."""
        self._done.acquire()
        return self._outcome

    def _loop(self) -> None:
        _inside.flag = True
        while True:
            self._go.acquire()
            work, part, errors = self._task
            try:
                with np.errstate(**errors):
                    self._outcome = (True, work(part))
            except BaseException as error:  # handed to the caller, who raises it
                self._outcome = (False, error)
            self._task = None
            self._done.release()


def _workers(count: int) -> list[_Worker]:
    while len(_pool) < count:
        _pool.append(_Worker(len(_pool) + 1))
    return _pool[:count]


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist; the next op starts new ones."""
    global _busy
    _pool.clear()
    _busy = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)
