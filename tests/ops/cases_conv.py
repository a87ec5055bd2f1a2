"""Cases for the conv ops (see cases.py for how a case is written and run)."""

from __future__ import annotations

from tests.ops.cases import Case, F, normal  # noqa: F401

CONV_CASES: list = []
