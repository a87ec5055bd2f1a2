"""Test-wide guards: nothing downloads at test time."""

from __future__ import annotations

import urllib.request

import pytest


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("tests must not use the network (glassnet is offline-first)")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
