"""python -m glassnet.distributed.run: torchrun's command line, starting ranks through mpiexec."""

import json
import os
import subprocess
import sys

import pytest

from glassnet.distributed import run

from ._mpi import SCRIPTS, mpiexec_command

pytest.importorskip("mpi4py", reason="mpi4py is not installed: pip install 'glassnet[mpi]'")
SCRIPT = str(SCRIPTS / "torchrun_style.py")


def launched(command: list[str], environ: dict | None = None) -> list[dict]:
    """Each rank's JSON line, by rank; fails with the output if the command fails."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", run.CHILD_MARK)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env=dict(env, **(environ or {})))
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    # each rank prints one JSON object; mpiexec may join two ranks' lines without a newline
    decoder, text, lines = json.JSONDecoder(), done.stdout, []
    start = text.find('{"env"')
    while start != -1:
        line, end = decoder.raw_decode(text, start)
        lines.append(line)
        start = text.find('{"env"', end)
    return sorted(lines, key=lambda line: line["rank"])


def check_two_ranks(lines: list[dict], threads: str = "1") -> None:
    assert [line["rank"] for line in lines] == [0, 1]
    for rank, line in enumerate(lines):
        assert line["env"] == {
            "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2",
            "LOCAL_WORLD_SIZE": "2", "GROUP_RANK": "0", "GROUP_WORLD_SIZE": "1",
            "ROLE_RANK": str(rank), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500",
            "OMP_NUM_THREADS": threads, "TORCHELASTIC_RESTART_COUNT": "0"}
        assert line["local_rank"] == rank and line["backend"] == "gloo"
        # d(sum of outputs)/d(bias) is 4 on each rank, whatever the inputs: averaged, still 4
        assert line["bias_grad"] == [4.0]


def test_nproc_per_node_starts_the_ranks_with_torchruns_variables():
    mpiexec_command(2)  # skips where no launcher is installed
    lines = launched([sys.executable, "-m", "glassnet.distributed.run", "--nproc-per-node", "2",
                      "--standalone", SCRIPT, "--epochs", "3"])
    check_two_ranks(lines)
    assert all(line["argv"] == ["--epochs", "3"] for line in lines)


def test_under_mpiexec_it_only_sets_the_variables_and_keeps_the_users_threads():
    lines = launched([*mpiexec_command(2), sys.executable, "-m", "glassnet.distributed.run",
                      "--nproc_per_node=1", SCRIPT], {"OMP_NUM_THREADS": "2"})
    check_two_ranks(lines, threads="2")


def test_module_form_runs_a_module_as_main(tmp_path):
    mpiexec_command(2)
    (tmp_path / "ddp_module.py").write_text(SCRIPTS.joinpath("torchrun_style.py").read_text())
    lines = launched([sys.executable, "-m", "glassnet.distributed.run", "--nproc-per-node", "2",
                      "-m", "ddp_module", "x"], {"PYTHONPATH": str(tmp_path)})
    check_two_ranks(lines)
    assert lines[0]["argv"] == ["x"]


@pytest.mark.parametrize("arguments, message", [
    (["--nnodes", "2", SCRIPT], "--nnodes 2: this launcher starts processes on one machine; "
                                "for several, run mpiexec"),
    (["--node-rank", "1", SCRIPT], "--node-rank 1: one machine only"),
    (["--max-restarts", "3", SCRIPT], "--max-restarts 3: glassnet's runs are not elastic"),
    (["--nproc-per-node", "0", SCRIPT], "--nproc-per-node must be a positive whole number"),
    (["--nproc-per-node", "gpu", SCRIPT], "glassnet runs on the CPU"),
    (["missing.py"], "no script at 'missing.py'"),
])
def test_what_it_cannot_do_is_one_line_and_exit_status_2(capsys, arguments, message):
    assert run.main(arguments) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m glassnet.distributed.run: error: ") and message in err
    assert err.count("\n") == 1


def test_nproc_per_node_under_an_outer_mpiexec_is_refused(capsys, monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.delenv(run.CHILD_MARK, raising=False)
    assert run.main(["--nproc-per-node", "2", SCRIPT]) == 2
    assert "already runs under an MPI launcher" in capsys.readouterr().err


def test_cpu_means_one_process_per_core():
    assert run.processes("cpu") == run.processes("auto") == (os.cpu_count() or 1)
    assert run.processes(" 3 ") == 3
