"""glassnet keeps freed memory in the process (glibc's malloc settings), unless told not to."""

from __future__ import annotations

import subprocess
import sys

import pytest

ASK = "import glassnet._allocator as a, glassnet; print(a.enabled)"


def run(env_value):
    env = {"PATH": "/usr/bin:/bin"}
    if env_value is not None:
        env["GLASSNET_KEEP_FREED_MEMORY"] = env_value
    return subprocess.run([sys.executable, "-c", ASK], capture_output=True, text=True,
                          env=env, check=True).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux's")
def test_import_keeps_freed_memory_on_glibc():
    assert run(None) == "True"


def test_the_environment_variable_turns_it_off():
    assert run("0") == "False"
