"""Cases for the shape ops of PyTorch's everyday API (see cases.py for how a case is run)."""

from __future__ import annotations

from tests.ops.cases import Case, F, normal  # noqa: F401

SHAPE_CASES: list = []
