"""Advisories while training: one-line ``GlassnetWarning``s about mistakes that PyTorch and
Keras leave silent. On by default; silence them with ``glassnet.doctor.quiet()`` (a function
or a ``with`` block) or an ordinary warnings filter.

This module is small and imports nothing heavy, because the hot paths (``optimizer.step``,
``cross_entropy``, dropout and batch norm) call into it; ``glassnet.doctor`` builds on it.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np

from .errors import GlassnetWarning

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


class Advice:
    """Whether advisories are given (one switch for the whole process)."""

    enabled = True


class quiet:  # noqa: N801 - reads as a verb: glassnet.doctor.quiet()
    """Silence glassnet's advisories: call ``quiet()`` for the rest of the program, or use
    ``with quiet(): ...`` for a block."""

    def __init__(self) -> None:
        self.previous = Advice.enabled
        Advice.enabled = False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        Advice.enabled = self.previous


def _user_stacklevel() -> int:
    """How far up the stack the first frame outside glassnet is (for the warning's location)."""
    import sys

    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def warn(message: str) -> None:
    """One line, reported at the user's line of code."""
    if Advice.enabled:
        warnings.warn(message, GlassnetWarning, stacklevel=_user_stacklevel())


def check_accumulation(optimizer) -> None:
    """Called by optimizer.step(): gradients summed over several backward passes?"""
    if not Advice.enabled or getattr(optimizer, "expects_accumulation", False):
        return
    passes = max((getattr(p, "_grad_passes", 0) for group in optimizer.param_groups
                  for p in group["params"]), default=0)
    if passes > 1:
        warn(f"optimizer.step(): the gradients were added up over {passes} backward passes "
             f"since they were last cleared, so this step uses their sum. Call "
             f"optimizer.zero_grad() before each backward(); if you accumulate on purpose, "
             f"glassnet.doctor.expect_accumulation(optimizer).")


def check_logits(logits: np.ndarray) -> None:
    """Called by cross_entropy: rows that are already probabilities (a softmax too many)."""
    if not Advice.enabled or logits.size == 0 or logits.min() < 0 or logits.max() > 1:
        return
    if np.allclose(logits.sum(axis=-1), 1.0, atol=1e-3):
        warn("cross_entropy / CrossEntropyLoss got rows in [0, 1] that sum to 1: those look "
             "like probabilities, but it expects raw logits and applies softmax itself. "
             "Remove the Softmax layer before the loss.")


def check_mode_under_no_grad(module, kind: str) -> None:
    """Called by dropout and batch norm layers: training mode inside no_grad (evaluation?)."""
    if not Advice.enabled or module.__dict__.get("_warned_no_grad"):
        return
    module.__dict__["_warned_no_grad"] = True
    effect = "drops units at random" if kind == "dropout" else \
        "normalises with batch statistics and updates its running averages"
    warn(f"{type(module).__name__} is in training mode inside no_grad(), so it {effect}. "
         f"If you are evaluating, call model.eval() first (and model.train() after).")


def check_loss(value: float, inputs_scale: float | None = None) -> None:
    """Called by backward() on a scalar: has the loss become NaN or infinite?"""
    if not Advice.enabled or math.isfinite(value):
        return
    warn(f"the loss is {value}: training has diverged. Likely causes: a learning rate too "
         f"high (try 10x smaller), inputs not scaled (e.g. pixels 0-255: divide by 255), or a "
         f"log of 0 (use CrossEntropyLoss/BCEWithLogitsLoss on raw logits). "
         f"glassnet.autograd.detect_anomaly() shows the first op that made it.")
