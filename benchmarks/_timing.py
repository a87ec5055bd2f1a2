"""Shared timing helpers: medians over repeats, because these 2-core machines are noisy."""

from __future__ import annotations

import statistics
import time


def median_seconds(fn, number: int, repeat: int = 7) -> float:
    """Median over ``repeat`` runs of the time of one call, each run averaging ``number`` calls."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def try_import_torch():
    try:
        import torch

        torch.set_num_threads(2)
        return torch
    except ImportError:
        return None
