"""Intra-op threads (glassnet/_threads.py): how work is cut, run and reported, and that every op
that uses them gives the same numbers on one thread as on several."""

from __future__ import annotations

import multiprocessing
import threading
import time

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn
import glassnet.nn.functional as F
from glassnet import _threads

BIG = _threads.MIN_BYTES_PER_THREAD  # bytes per item that make every slice worth a thread


@pytest.fixture
def threads():
    """Set the thread count for one test, then put back what was there."""
    before = _threads._num_threads, _threads._chosen

    def use(n):
        _threads.set_num_threads(n)

    yield use
    _threads._num_threads, _threads._chosen = before
    _threads._forget_pool()


# ----- the settings --------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_wants_a_positive_int(bad):
    with pytest.raises(ValueError, match="positive int"):
        glassnet.set_num_threads(bad)


def test_get_num_threads_is_what_was_set(threads):
    threads(3)
    assert glassnet.get_num_threads() == 3


def test_the_default_follows_omp_num_threads_as_pytorch_does(monkeypatch, threads):
    monkeypatch.setattr(_threads, "_num_threads", None)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert glassnet.get_num_threads() == 3
    monkeypatch.setattr(_threads, "_num_threads", None)
    monkeypatch.setenv("OMP_NUM_THREADS", "junk")
    assert glassnet.get_num_threads() == _threads._cores()


def test_importing_glassnet_leaves_blas_one_thread_per_call():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if _threads.blas_controls() is None:
        pytest.skip("NumPy here does not use OpenBLAS")
    blas = [pool["num_threads"] for pool in threadpoolctl.threadpool_info()
            if pool["internal_api"] == "openblas"]
    assert blas and set(blas) == {1}


def test_ranks_sharing_a_machine_share_its_cores(monkeypatch, threads):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(_threads, "_cores", lambda: 8)
    monkeypatch.setattr(_threads, "_chosen", False)
    _threads.share_cores(4)
    assert glassnet.get_num_threads() == 2
    _threads.share_cores(16)
    assert glassnet.get_num_threads() == 1


def test_a_chosen_thread_count_is_not_shared_away(monkeypatch, threads):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    threads(3)
    _threads.share_cores(2)
    assert glassnet.get_num_threads() == 3
    monkeypatch.setattr(_threads, "_chosen", False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    _threads.share_cores(2)
    assert glassnet.get_num_threads() == 3


# ----- cutting the work ---------------------------------------------------------------------
def test_small_work_stays_on_one_slice(threads):
    threads(4)
    assert _threads.batch_slices(100, 10) == [slice(0, 100)]


def test_large_work_gets_one_slice_per_thread_covering_the_range(threads):
    threads(3)
    slices = _threads.batch_slices(10, BIG)
    assert len(slices) == 3
    assert [i for s in slices for i in range(10)[s]] == list(range(10))


def test_never_more_slices_than_items(threads):
    threads(8)
    assert len(_threads.batch_slices(2, BIG)) == 2
    assert _threads.batch_slices(0, BIG) == [slice(0, 0)]


# ----- running it -----------------------------------------------------------------------------
def test_run_returns_results_in_order_from_several_threads(threads):
    threads(2)
    names = []

    def work(part):
        names.append(threading.current_thread().name)
        time.sleep(0.01)
        return (part.start, part.stop)

    assert _threads.run(work, [slice(0, 1), slice(1, 2)]) == [(0, 1), (1, 2)]
    assert len(set(names)) == 2


def test_an_error_in_one_slice_is_raised_after_every_slice_finished(threads):
    threads(2)
    finished = []

    def work(part):
        if part.start == 0:
            raise ValueError("first slice failed")
        time.sleep(0.05)
        finished.append(part.start)

    with pytest.raises(ValueError, match="first slice failed"):
        _threads.run(work, [slice(0, 1), slice(1, 2)])
    assert finished == [1]


def test_an_op_inside_a_pool_thread_runs_inline_instead_of_waiting_for_the_pool(threads):
    threads(2)

    def inner(part):
        return threading.current_thread().name

    def outer(part):
        return _threads.run(inner, [slice(0, 1), slice(1, 2)])

    first, second = _threads.run(outer, [slice(0, 1), slice(1, 2)])
    assert len(set(second)) == 1  # the pool thread ran both inner slices itself


def test_an_interrupt_while_waiting_drops_the_busy_workers(threads, monkeypatch):
    """A Ctrl-C that lands while the caller waits must not leave a still-running worker in the
    pool, where the next op would take its stale result."""
    threads(2)
    release = threading.Event()
    _threads.run(lambda part: None, [slice(0, 1), slice(1, 2)])
    stale = _threads._pool[0]
    real_finish = _threads._Worker.finish

    def interrupted(worker):
        raise KeyboardInterrupt

    monkeypatch.setattr(_threads._Worker, "finish", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _threads.run(lambda part: part.start and release.wait(5), [slice(0, 1), slice(1, 2)])
    monkeypatch.setattr(_threads._Worker, "finish", real_finish)
    assert stale not in _threads._pool
    assert _threads.run(lambda part: part.start, [slice(0, 1), slice(1, 2)]) == [0, 1]
    release.set()


def test_pool_threads_follow_the_callers_errstate(threads):
    threads(2)
    values = np.array([1.0, 0.0])
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            _threads.run(lambda part: np.float64(1.0) / values[part], [slice(0, 1), slice(1, 2)])
    with np.errstate(divide="ignore"):
        results = _threads.run(lambda part: np.float64(1.0) / values[part],
                               [slice(0, 1), slice(1, 2)])
    assert np.isinf(results[1]).all()


def _parallel_sum_in_child(queue):
    x = np.arange(1 << 20, dtype=np.float64)
    parts = _threads.parallel_for(len(x), BIG, lambda rows: float(x[rows].sum()))
    queue.put((len(parts), sum(parts)))


def test_a_forked_child_starts_its_own_pool(threads):
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here")
    threads(2)
    _threads.run(lambda part: None, [slice(0, 1), slice(1, 2)])  # the parent's pool exists
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_parallel_sum_in_child, args=(queue,))
    child.start()
    count, total = queue.get(timeout=30)
    child.join(timeout=30)
    assert count == 2 and total == float((1 << 20) * ((1 << 20) - 1) // 2)


def test_matmul_splits_large_products_and_matches_numpy(threads):
    threads(2)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((300, 200)), rng.standard_normal((200, 400))
    assert np.allclose(_threads.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)
    small = _threads.matmul(a[:2, :3], b[:3, :4])
    assert small.shape == (2, 4) and small.dtype == np.float64
    assert _threads.matmul(a.astype(np.float32), b.astype(np.float32)).dtype == np.float32


# ----- the ops that use threads give the same numbers on one thread and on two ------------------
def _train_step(seed: int, optimizer: str):
    """Three steps of a small convnet (conv, ReLU, max-pool, linear) and its optimizer;
    returns the last loss and gradients and the weights after the last step."""
    glassnet.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 15 * 15, 64),
                          nn.ReLU(), nn.Linear(64, 10))
    opt = getattr(glassnet.optim, optimizer)(model.parameters(), lr=0.01)
    rng = np.random.default_rng(seed)
    x = glassnet.tensor(rng.standard_normal((32, 3, 32, 32)).astype(np.float32))
    y = glassnet.tensor(rng.integers(0, 10, 32))
    for _ in range(3):  # the optimizer's state must carry over from step to step
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    return loss.item(), grads, [p.detach().numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("optimizer", ["Adadelta", "Adam", "SGD"])
def test_a_training_step_is_the_same_on_one_thread_and_on_two(threads, optimizer):
    threads(1)
    loss1, grads1, weights1 = _train_step(0, optimizer)
    threads(2)
    loss2, grads2, weights2 = _train_step(0, optimizer)
    # BLAS may round an edge of a split product differently, and dL/dW adds the threads'
    # shares in another order: equal to float32 rounding, not bit for bit
    assert loss1 == pytest.approx(loss2, rel=1e-6)
    for one, two in zip(grads1, grads2):
        assert np.allclose(one, two, rtol=1e-5, atol=1e-6)
    for one, two in zip(weights1, weights2):  # Adam's step on a gradient near 0 magnifies it
        assert np.allclose(one, two, rtol=1e-5, atol=1e-4)


def test_the_threaded_ops_split_the_batch_they_were_given(threads, monkeypatch):
    """The test above must exercise the threads: every threaded op cut its work."""
    threads(2)
    cuts = []
    real = _threads.run

    def counting(work, slices):
        cuts.append(len(slices))
        return real(work, slices)

    monkeypatch.setattr(_threads, "run", counting)
    _train_step(0, "Adadelta")
    assert cuts.count(2) >= 18  # two convs forward and backward, ReLU, pooling, the optimizer
