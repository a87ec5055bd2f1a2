"""Keep freed memory in the process, so a training step does not pay the kernel for it again.

Every training step allocates the same large arrays (activations, im2col columns, gradients)
and frees them. glibc's malloc hands blocks over its mmap threshold back to the kernel on
free and trims the heap top beyond 128 KB, so the next step page-faults all of that memory in
again, zeroed page by page: on LeNet-5 at batch 64 that was over half of the step (10.5 ms
against 4.4 ms with the memory kept, measured on this project's 2-core machines). PyTorch users
meet the same cost and are told to swap in jemalloc or tcmalloc; a NumPy framework can simply
ask glibc to keep its memory:

- ``M_MMAP_THRESHOLD`` at its largest (32 MB): arrays up to that size come from the heap;
- ``M_TRIM_THRESHOLD`` at 1 GB: freed heap memory stays mapped for the next step.

The cost is that memory freed after a peak stays with the process (up to 1 GB) instead of
returning to the system. Set ``GLASSNET_KEEP_FREED_MEMORY=0`` before importing glassnet to
leave malloc as it is. Elsewhere than glibc (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
LARGEST_MMAP_THRESHOLD = 32 << 20  # glibc refuses more on 64-bit (HEAP_MAX_SIZE / 2)
TRIM_THRESHOLD = 1 << 30

enabled = False  # whether the settings took effect in this process


def keep_freed_memory() -> bool:
    """Apply the two malloc settings on glibc; True when they took effect."""
    global enabled
    if os.environ.get("GLASSNET_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith(
            "linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    enabled = bool(mallopt(M_MMAP_THRESHOLD, LARGEST_MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return enabled
