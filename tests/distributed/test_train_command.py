"""``glassnet train`` data parallel: under ``mpiexec -n 2``, with ``--procs 2``, and the ways a
multi-rank run fails (one line, every rank stopped, no run folder, no hang)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from glassnet.app import distributed_run
from glassnet.cli import main

from ._mpi import mpiexec_command

pytest.importorskip("matplotlib")
pytest.importorskip("PIL")
pytest.importorskip("safetensors")

GLASSNET = [sys.executable, "-m", "glassnet"]
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run(command: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **ONE_THREAD))


def entries(folder) -> list[str]:
    """Everything in ``folder``, hidden private run folders (.<name>.<random>) included."""
    return sorted(os.listdir(folder))


def test_mpiexec_two_ranks_one_epoch_writes_one_run_folder_above_95_percent(tmp_path):
    out = tmp_path / "run"
    done = run([*mpiexec_command(2), *GLASSNET, "train", "--epochs", "1", "--out", str(out)])
    assert done.returncode == 0, done.stderr
    assert entries(tmp_path) == ["run"]  # rank 1 wrote nothing, not even a private folder
    config = json.loads((out / "config.json").read_text())
    assert config["world_size"] == 2 and config["global_batch_size"] == 128
    assert config["recipe"]["batch_size"] == 64  # per process, as in PyTorch DDP
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.95, metrics
    # rank 0 alone prints: one header, one epoch row, one summary
    assert done.stdout.count("glassnet train: mnist") == 1
    assert "batch 64 per process x 2 = 128" in done.stdout
    assert done.stdout.count("test accuracy") == 1 and done.stderr == ""
    # 60000 x 0.9 = 54000 training images, 27000 per rank in 422 steps of 64
    assert "422/422 batches" in done.stdout


def test_procs_2_relaunches_itself_under_mpiexec(tmp_path):
    mpiexec_command(2)  # skips where MPI is missing
    out = tmp_path / "run"
    done = run([*GLASSNET, "train", "--procs", "2", "--epochs", "1", "--limit", "3000",
                "--out", str(out)])
    assert done.returncode == 0, done.stderr
    assert entries(tmp_path) == ["run"]
    config = json.loads((out / "config.json").read_text())
    assert config["world_size"] == 2 and config["global_batch_size"] == 128
    assert done.stdout.count("glassnet train: mnist") == 1


def test_single_process_run_records_a_world_of_one(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--limit", "500", "--batch-size", "32",
                 "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["world_size"] == 1 and config["global_batch_size"] == 32


def test_help_says_batch_size_is_per_process_and_documents_procs(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "images per step per process, as in PyTorch DDP" in text
    assert "--procs N" in text and "mpiexec -n N glassnet train" in text


# ----- errors: one line, all ranks stopped ----------------------------------------------------
def test_a_bad_option_under_mpiexec_is_one_line_from_rank_0(tmp_path):
    done = run([*mpiexec_command(2), *GLASSNET, "train", "--lr", "-1",
                "--out", str(tmp_path / "run")])
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "glassnet: error: --lr must be positive: a finite number > 0, got -1.0"]
    assert entries(tmp_path) == []


def test_a_failure_on_rank_1_alone_during_setup_stops_both_with_its_line(tmp_path):
    # MPMD launch: rank 0 is fine, rank 1 is given a data folder that does not exist
    launcher = mpiexec_command(2)[:-2]
    out = str(tmp_path / "run")
    done = run([*launcher, "-n", "1", *GLASSNET, "train", "--out", out, ":",
                "-n", "1", *GLASSNET, "train", "--out", out, "--data", str(tmp_path / "none")])
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "no such folder" in lines[0], done.stderr
    assert lines[0].endswith("(on rank 1 of 2)")
    assert entries(tmp_path) == []  # rank 0's private folder was discarded


def test_divergence_under_mpiexec_is_one_line_and_leaves_nothing(tmp_path):
    done = run([*mpiexec_command(2), *GLASSNET, "train", "--optimizer", "sgd", "--lr", "1e30",
                "--limit", "500", "--out", str(tmp_path / "run")])
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("glassnet: error: training diverged"), lines
    assert entries(tmp_path) == []


def test_ctrl_c_to_mpiexec_stops_every_rank_with_one_line_and_no_run(tmp_path):
    command = [*mpiexec_command(2), *GLASSNET, "train", "--epochs", "100", "--limit", "20000",
               "--out", str(tmp_path / "run")]
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, **ONE_THREAD))
    try:
        for line in job.stdout:  # wait until the ranks are training
            if line.startswith("epoch  train loss"):
                break
        time.sleep(1.0)
        job.send_signal(signal.SIGINT)  # what Ctrl-C on a terminal sends to mpiexec
        _, err = job.communicate(timeout=60)
    finally:
        if job.poll() is None:
            job.kill()
    ours = [line for line in err.splitlines() if line.startswith("glassnet")]
    assert ours == ["glassnet: interrupted by SIGINT; nothing half-made was left behind"], err
    assert job.returncode != 0
    assert entries(tmp_path) == []


def _rank_pids(launcher_pid: int) -> dict[int, int]:
    """{rank: pid} of the processes mpiexec started (read from /proc: their PMI_RANK)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == launcher_pid:
            continue
        try:
            environ = open(f"/proc/{entry}/environ", "rb").read().split(b"\0")
            command = open(f"/proc/{entry}/cmdline", "rb").read()
        except OSError:
            continue
        if b"glassnet" in command and b"train" in command and b"mpiexec" not in command:
            for item in environ:
                if item.startswith(b"PMI_RANK="):
                    found[int(item[9:])] = int(entry)
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the ranks through /proc")
def test_a_signal_to_one_worker_rank_alone_still_ends_the_job_cleanly(tmp_path):
    # rank 0 then waits for rank 1 inside a collective, where no signal reaches its Python:
    # rank 1 must remove the unfinished run and end the job itself, not hang in MPI_Finalize
    command = [*mpiexec_command(2), *GLASSNET, "train", "--epochs", "100", "--limit", "20000",
               "--out", str(tmp_path / "run")]
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, **ONE_THREAD))
    try:
        for line in job.stdout:
            if line.startswith("epoch  train loss"):
                break
        time.sleep(1.0)
        os.kill(_rank_pids(job.pid)[1], signal.SIGINT)
        _, err = job.communicate(timeout=60)
    finally:
        if job.poll() is None:
            job.kill()
    ours = [line for line in err.splitlines() if line.startswith("glassnet")]
    assert ours == ["glassnet: interrupted by SIGINT; nothing half-made was left behind"], err
    assert job.returncode != 0
    assert entries(tmp_path) == []


ALONE = textwrap.dedent("""
    import numpy as np
    from glassnet.app.distributed_run import World, run_ranks

    world = World.join()

    def work():
        if world.rank == 1:
            raise MemoryError("out of memory on this rank")
        world.sum(np.zeros(1))  # rank 0 waits here for rank 1, which never comes
        return 0

    raise SystemExit(run_ranks(world, work))
""")


def test_an_error_on_one_rank_mid_training_aborts_all_ranks_with_one_line(tmp_path):
    script = tmp_path / "alone.py"
    script.write_text(ALONE)
    done = run([*mpiexec_command(2), sys.executable, str(script)], timeout=60)
    assert done.returncode != 0
    assert done.stderr.splitlines() == [
        "glassnet: error: out of memory on this rank (on rank 1 of 2; all ranks stopped)"]


MAIN_FIRST = textwrap.dedent("""
    import sys, time
    from glassnet.app.distributed_run import World

    world = World.join()

    def download():
        if world.is_main:
            time.sleep(0.5)
            open(sys.argv[1], "w").write("the data")
            return "written"
        return open(sys.argv[1]).read()  # fails unless rank 0 has finished

    print(f"rank {world.rank}: {world.main_first(download)}", file=sys.stderr)
""")


def test_main_first_runs_rank_0_before_the_others(tmp_path):
    script = tmp_path / "first.py"
    script.write_text(MAIN_FIRST)
    done = run([*mpiexec_command(2), sys.executable, str(script), str(tmp_path / "data")],
               timeout=60)
    assert done.returncode == 0, done.stderr
    assert "rank 0: written" in done.stderr and "rank 1: the data" in done.stderr


THREADS = textwrap.dedent("""
    import sys
    import glassnet
    from threadpoolctl import threadpool_info
    from glassnet.app.distributed_run import World

    before = glassnet.get_num_threads()
    World.join()
    blas = max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
    print(f"threads {before} -> {glassnet.get_num_threads()}, blas {blas}", file=sys.stderr)
""")


def test_ranks_under_a_bare_mpiexec_run_their_ops_on_one_thread(tmp_path):
    pytest.importorskip("threadpoolctl")
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: everything already runs on one thread")
    script = tmp_path / "threads.py"
    script.write_text(THREADS)
    environ = {k: v for k, v in os.environ.items()
               if k not in distributed_run.THREAD_VARIABLES}
    done = subprocess.run([*mpiexec_command(2), sys.executable, str(script)],
                          capture_output=True, text=True, timeout=60, env=environ)
    assert done.returncode == 0, done.stderr
    counts = re.findall(r"threads (\d+) -> (\d+), blas (\d+)", done.stderr)  # lines mix
    assert len(counts) == 2, done.stderr
    assert all(before != "1" and after == "1" and blas == "1" for before, after, blas in counts)


# ----- --procs: the launch itself --------------------------------------------------------------
def test_launch_command_runs_this_python_with_one_blas_thread_per_rank(monkeypatch):
    pytest.importorskip("mpi4py")
    for name in distributed_run.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # the user's own choice is kept
    command, environ = distributed_run.launch_command(3, ["train", "--epochs", "1"])
    assert command[1:] == ["-n", "3", sys.executable, "-m", "glassnet", "train", "--epochs", "1"]
    assert os.path.basename(command[0]) == "mpiexec"
    assert environ["OPENBLAS_NUM_THREADS"] == "1" and environ["OMP_NUM_THREADS"] == "1"
    assert environ["MKL_NUM_THREADS"] == "3"


def test_procs_is_taken_out_of_the_relaunched_arguments():
    assert distributed_run.without_procs(["train", "--procs", "2", "--epochs", "1"]) == [
        "train", "--epochs", "1"]
    assert distributed_run.without_procs(["train", "--procs=4", "--lr", "0.1"]) == [
        "train", "--lr", "0.1"]


def test_procs_without_mpiexec_names_the_install_command(monkeypatch, tmp_path, capsys):
    pytest.importorskip("mpi4py")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["train", "--procs", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs MPI's launcher mpiexec" in err
    assert "pip install mpi4py mpich" in err


def test_procs_without_mpi4py_names_the_install_command(monkeypatch, capsys):
    import glassnet.distributed

    monkeypatch.setattr(glassnet.distributed, "is_available", lambda: False)
    assert main(["train", "--procs", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs mpi4py" in err and "pip install mpi4py mpich" in err


def test_procs_under_an_mpi_launcher_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("PMI_SIZE", "2")
    assert main(["train", "--procs", "2"]) == 1
    assert "already runs under an MPI launcher; drop --procs" in capsys.readouterr().err


@pytest.mark.parametrize("procs", ["0", "-1", "5000"])
def test_procs_out_of_range_is_one_line(procs, capsys):
    assert main(["train", "--procs", procs]) == 1
    assert "--procs must be positive: a whole number from 1 to 4096" in capsys.readouterr().err


@pytest.mark.parametrize("environ, size", [
    ({}, 1), ({"PMI_SIZE": "4", "PMI_RANK": "1"}, 4), ({"OMPI_COMM_WORLD_SIZE": "8"}, 8),
    ({"MV2_COMM_WORLD_SIZE": "2"}, 2), ({"PMI_SIZE": "x"}, 1)])
def test_launcher_world_size_reads_the_launchers_environment(environ, size):
    assert distributed_run.launcher_world_size(environ) == size
