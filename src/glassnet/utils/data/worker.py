"""Worker processes for ``DataLoader(num_workers=N)``, as torch.utils.data's multi-process loading.

The main process decides every batch: it walks the batch sampler and hands each batch's indices
to a worker (round robin, at most ``prefetch_factor`` batches per worker in flight). A worker
only *loads*: it fetches the samples, collates them and sends the batch back. The main process
yields batches in the order it asked for them, so the batches are exactly those of
``num_workers=0`` (only the time at which they are loaded changes).

An ``IterableDataset`` has no indices: each worker iterates its own copy of the whole stream
(split it with ``get_worker_info()`` inside ``__iter__``, as in PyTorch) and the main process
takes one batch from each worker in turn until every worker's stream is exhausted.

A worker's exception comes back as its type with the worker id and the original traceback in
the message. Workers exit when the iterator is garbage collected (a ``break`` out of the loop),
at the end of an epoch (unless ``persistent_workers``), or when their parent dies.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import random
import sys
import traceback
import weakref
from dataclasses import dataclass

from ...random import manual_seed

_POLL_SECONDS = 1.0  # how often a waiting process checks that its partner is still alive
_worker_info = None


class WorkerInfo:
    """What a worker process knows about itself: ``id``, ``num_workers``, ``seed`` (this
    worker's: the loader's base seed + id) and ``dataset`` (this worker's copy)."""

    __initialized = False

    def __init__(self, id: int, num_workers: int, seed: int, dataset) -> None:
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset
        self.__initialized = True

    def __setattr__(self, key, value) -> None:
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        super().__setattr__(key, value)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)}" for k in ("id", "num_workers", "seed",
                                                                "dataset"))
        return f"{type(self).__name__}({fields})"


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker process, its ``WorkerInfo``; in the main process, None.

    Example (an IterableDataset that splits its stream between workers):
        >>> def __iter__(self):
        ...     info = get_worker_info()
        ...     start, step = (0, 1) if info is None else (info.id, info.num_workers)
        ...     return iter(range(start, 100, step))
    """
    return _worker_info


@dataclass
class _ResumeIteration:
    """Sent to a persistent worker at the start of a new epoch: restart the stream."""
    epoch: int


@dataclass
class _StreamEnd:
    """A worker's reply when its copy of an IterableDataset is exhausted."""
    worker_id: int


@dataclass
class _WorkerError:
    """An exception raised in a worker, carried to the main process as text."""
    worker_id: int
    exception_type: type
    text: str

    def reraise(self):
        message = (f"Caught {self.exception_type.__name__} in DataLoader worker process "
                   f"{self.worker_id}.\nOriginal {self.text}")
        try:
            error = self.exception_type(message)
        except Exception:  # an exception class whose constructor wants other arguments
            error = RuntimeError(message)
        raise error


def _seed_worker(seed: int) -> None:
    manual_seed(seed)
    random.seed(seed)


def _pack(worker_id: int, epoch: int, task: int, result) -> tuple:
    """Pickle here, in the worker, so that a batch or an exception that cannot be pickled
    becomes an error the main process sees (a Queue's feeder thread would only print it)."""
    try:
        return epoch, task, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        if isinstance(result, _WorkerError):
            result = _WorkerError(worker_id, RuntimeError, result.text)
        else:
            result = _WorkerError(worker_id, RuntimeError, traceback.format_exc())
        return epoch, task, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def _worker_loop(fetch, iterable, index_queue, result_queue, worker_id, num_workers, seed,
                 worker_init_fn, parent_pid):
    """The body of one worker: set up, then answer ``(epoch, task, indices)`` requests with
    ``(epoch, task, pickled batch)`` until told to stop (``None``) or the parent is gone."""
    global _worker_info
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                              dataset=fetch.dataset)
    stream, init_error = None, None
    try:
        _seed_worker(seed)
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
        if iterable:
            stream = fetch.stream()
    except Exception:
        init_error = _WorkerError(worker_id, sys.exc_info()[0], traceback.format_exc())
    while True:
        try:
            request = index_queue.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if os.getppid() != parent_pid:  # orphaned: the main process died
                break
            continue
        if request is None:
            break
        if isinstance(request, _ResumeIteration):
            if iterable and init_error is None:
                stream = fetch.stream()
            continue
        epoch, task, indices = request
        if init_error is not None:
            result_queue.put(_pack(worker_id, epoch, task, init_error))
            continue
        try:
            batch = next(stream, _StreamEnd(worker_id)) if iterable else fetch(indices)
        except Exception:
            batch = _WorkerError(worker_id, sys.exc_info()[0], traceback.format_exc())
        result_queue.put(_pack(worker_id, epoch, task, batch))
    result_queue.cancel_join_thread()  # never block exit on batches nobody will read


def _start_method_context(multiprocessing_context):
    if multiprocessing_context is None:
        methods = multiprocessing.get_all_start_methods()
        return multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if isinstance(multiprocessing_context, str):
        methods = multiprocessing.get_all_start_methods()
        if multiprocessing_context not in methods:
            raise ValueError(f"multiprocessing_context option should specify a valid start "
                             f"method in {methods!r}, but got "
                             f"multiprocessing_context={multiprocessing_context!r}")
        return multiprocessing.get_context(multiprocessing_context)
    return multiprocessing_context


def _shutdown(workers, index_queues, result_queue) -> None:
    """Stop the workers: ask politely, wait a moment, then terminate the ones still running."""
    for index_queue in index_queues:
        try:
            index_queue.put(None)
        except (OSError, ValueError):
            pass
    for worker in workers:
        worker.join(timeout=_POLL_SECONDS)
        if worker.is_alive():
            worker.terminate()
            worker.join()
    for q in (*index_queues, result_queue):
        q.cancel_join_thread()
        q.close()


class MultiProcessingIterator:
    """One pass of a DataLoader with worker processes (reusable across epochs when the loader
    has ``persistent_workers``: ``reset()`` starts the next epoch on the same processes)."""

    def __init__(self, loader, fetch, base_seed: int) -> None:
        self._loader = loader
        self._iterable = loader._iterable
        self._num_workers = loader.num_workers
        self._prefetch = max(1, loader.prefetch_factor) * self._num_workers
        self._timeout = loader.timeout
        context = _start_method_context(loader.multiprocessing_context)
        self._result_queue = context.Queue()
        self._index_queues, self._workers = [], []
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            worker = context.Process(
                target=_worker_loop, daemon=True,
                args=(fetch, self._iterable, index_queue, self._result_queue, worker_id,
                      self._num_workers, base_seed + worker_id, loader.worker_init_fn,
                      os.getpid()))
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self._finalizer = weakref.finalize(self, _shutdown, self._workers, self._index_queues,
                                           self._result_queue)
        self._epoch = -1
        self.reset(first=True)

    @property
    def worker_pids(self) -> list[int]:
        return [worker.pid for worker in self._workers]

    def reset(self, first: bool = False) -> None:
        """Start an epoch: a fresh pass of the sampler, every worker active again."""
        self._epoch += 1
        if not first:
            for index_queue in self._index_queues:
                index_queue.put(_ResumeIteration(self._epoch))
        self._tasks = self._loader._task_indices()
        self._active = [True] * self._num_workers
        self._next_worker = 0
        self._sent = self._received = 0
        self._waiting = {}  # task -> its batch, once arrived (possibly before earlier tasks)
        self._exhausted = False
        for _ in range(self._prefetch):
            self._send_one()

    def _send_one(self) -> None:
        if self._exhausted or not any(self._active):
            return
        indices = next(self._tasks, _StreamEnd(-1))
        if isinstance(indices, _StreamEnd):
            self._exhausted = True
            return
        while not self._active[self._next_worker]:
            self._next_worker = (self._next_worker + 1) % self._num_workers
        worker_id = self._next_worker
        self._next_worker = (worker_id + 1) % self._num_workers
        self._index_queues[worker_id].put((self._epoch, self._sent, indices))
        self._sent += 1

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self._received == self._sent:
                self._end_of_epoch()
                raise StopIteration
            task = self._received
            while task not in self._waiting:
                self._receive()
            batch = self._waiting.pop(task)
            self._received += 1
            if isinstance(batch, _StreamEnd):
                self._active[batch.worker_id] = False
            self._send_one()
            if isinstance(batch, _StreamEnd):
                continue
            if isinstance(batch, _WorkerError):
                batch.reraise()
            return batch

    def _receive(self) -> None:
        waited, poll = 0.0, min(_POLL_SECONDS, self._timeout or _POLL_SECONDS)
        while True:
            try:
                epoch, task, payload = self._result_queue.get(timeout=poll)
            except queue.Empty:
                waited += poll
                if self._timeout > 0 and waited >= self._timeout:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds; "
                                       f"raise timeout= or make the dataset faster") from None
                dead = [w.pid for w in self._workers if not w.is_alive()]
                if dead:
                    raise RuntimeError(
                        f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) exited "
                        f"unexpectedly; if it ran out of memory, lower num_workers or "
                        f"batch_size") from None
                continue
            if epoch == self._epoch:  # stale batches of an epoch left early are dropped
                self._waiting[task] = pickle.loads(payload)
                return

    def _end_of_epoch(self) -> None:
        if not self._loader.persistent_workers:
            self.close()

    def close(self) -> None:
        """Stop the worker processes now (garbage collection does it too)."""
        self._finalizer()
