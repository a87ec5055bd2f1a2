"""PyTorch's DDP tutorials, run as a CPU user would: imports changed, CUDA lines out.

Where PyTorch is installed, multigpu_torchrun.py also runs under PyTorch's own torchrun, and
both runs must print the same events (epochs, batch sizes, steps, snapshots, the resume)."""

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from ._mpi import SCRIPTS, mpiexec_command

TUTORIALS = SCRIPTS / "pytorch"
EVENT = re.compile(r"\[GPU\d\] Epoch \d+ \| Batchsize: \d+ \| Steps: \d+"
                   r"|Epoch \d+ \| Training snapshot saved at \S+?\.pt"
                   r"|Resuming training from snapshot at Epoch \d+"
                   r"|(?:Finished running|Running) (?:basic DDP|DDP checkpoint) example on rank \d")


def events(command: list[str], cwd: Path) -> Counter:
    """What the ranks printed, as a multiset of events (two ranks' lines interleave)."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=dict(env, TMPDIR=str(cwd)))
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return Counter(EVENT.findall(done.stdout))


def as_torch(source: str) -> str:
    """The same tutorial importing PyTorch: glassnet → torch in the import lines only."""
    return "\n".join(line.replace("glassnet as torch", "torch").replace("glassnet", "torch")
                     if line.startswith(("import ", "from ")) else line
                     for line in source.splitlines())


def trainer_runs(launcher: list[str], script: Path, folder: Path) -> list[Counter]:
    """Two epochs with a snapshot after each, then a run to 3 epochs that resumes."""
    folder.mkdir()
    return [events([*launcher, "--standalone", "--nproc_per_node=2", str(script), str(epochs),
                    "1"], folder) for epochs in (2, 3)]


def test_multigpu_torchrun_trains_snapshots_and_resumes_as_under_torchrun(tmp_path):
    mpiexec_command(2)  # skips without MPI
    script = TUTORIALS / "multigpu_torchrun.py"
    ours = trainer_runs([sys.executable, "-m", "glassnet.distributed.run"], script,
                        tmp_path / "glassnet")
    steps = "Batchsize: 32 | Steps: 32"  # 2048 samples, 1024 per rank, 32 per batch
    assert ours[0] == Counter({f"[GPU0] Epoch 0 | {steps}": 1, f"[GPU1] Epoch 0 | {steps}": 1,
                               f"[GPU0] Epoch 1 | {steps}": 1, f"[GPU1] Epoch 1 | {steps}": 1,
                               "Epoch 0 | Training snapshot saved at snapshot.pt": 1,
                               "Epoch 1 | Training snapshot saved at snapshot.pt": 1})
    assert ours[1]["Resuming training from snapshot at Epoch 1"] == 2  # each rank resumes
    assert ours[1][f"[GPU1] Epoch 2 | {steps}"] == 1 and ours[1][f"[GPU0] Epoch 0 | {steps}"] == 0
    if _has_torch():
        torch_script = tmp_path / "torch_multigpu_torchrun.py"
        torch_script.write_text(as_torch(script.read_text()))
        theirs = trainer_runs([sys.executable, "-m", "torch.distributed.run"], torch_script,
                              tmp_path / "torch")
        assert ours == theirs


def test_getting_started_basic_and_checkpoint_examples(tmp_path):
    command = [*mpiexec_command(2), sys.executable, str(TUTORIALS / "ddp_tutorial.py")]
    printed = events(command, tmp_path)
    for rank in (0, 1):
        for demo in ("basic DDP", "DDP checkpoint"):
            assert printed[f"Running {demo} example on rank {rank}"] == 1
            assert printed[f"Finished running {demo} example on rank {rank}"] == 1
    assert not (tmp_path / "model.checkpoint").exists()  # rank 0 removed it at the end


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True
