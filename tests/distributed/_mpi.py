"""Run a script under ``mpiexec -n N`` from a test (skips where MPI is missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "scripts"


def mpiexec_command(n: int) -> list[str]:
    """``mpiexec -n n``, preferring the launcher next to this Python (the mpich wheel's)."""
    pytest.importorskip("mpi4py", reason="mpi4py is not installed: pip install 'glassnet[mpi]'")
    local = Path(sys.executable).parent / "mpiexec"
    launcher = str(local) if local.exists() else shutil.which("mpiexec")
    if launcher is None:
        pytest.skip("no mpiexec launcher found: pip install 'glassnet[mpi]' (brings mpich)")
    version = subprocess.run([launcher, "--version"], capture_output=True, text=True,
                             timeout=30)
    flags = []
    if "Open MPI" in version.stdout + version.stderr or "OpenRTE" in version.stdout:
        flags.append("--oversubscribe")  # 2 ranks on a machine that may report fewer slots
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--allow-run-as-root")  # Open MPI refuses root without it; mpich doesn't
    return [launcher, *flags, "-n", str(n)]


def run_ranks(script: str, n: int = 2, timeout: float = 120) -> str:
    """Run ``scripts/<script>`` on n ranks; fail with both ranks' output if any rank fails."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [*mpiexec_command(n), sys.executable, str(SCRIPTS / script)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode == 0, (
        f"{' '.join(command)} exited with {done.returncode}\n--- stdout\n{done.stdout}\n"
        f"--- stderr\n{done.stderr}"
    )
    return done.stdout
