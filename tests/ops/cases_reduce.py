"""Cases for the reduce ops of PyTorch's everyday API (see cases.py for how a case is run)."""

from __future__ import annotations

from tests.ops.cases import Case, F, normal  # noqa: F401

REDUCE_CASES: list = []
