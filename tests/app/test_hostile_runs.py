"""Issue 13 §1-3 and §6 as a hostile user meets them: run folders are transactions (concurrent
runs, signals, leftovers, completion marker, umask), outputs are never overwritten unasked,
options and config.json are checked before any work, and a diverged run says so."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from glassnet.app import runs
from glassnet.app.recipe import Recipe
from glassnet.cli import main

pytest.importorskip("matplotlib")
pytest.importorskip("PIL")
pytest.importorskip("safetensors")

QUICK = ["--limit", "200", "--epochs", "1"]
ROOT = Path(__file__).resolve().parents[2]


def cli(*args, cwd=None) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "glassnet", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def leftovers(parent: Path) -> list[str]:
    """Private folders (``.name.random``) and ``.partial`` folders in ``parent``."""
    return sorted(p.name for p in parent.iterdir()
                  if p.name.startswith(".") or p.name.endswith(".partial"))


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("small") / "run"
    assert main(["train", *QUICK, "--hidden", "16", "--out", str(out)]) == 0
    return out


def copy_of(run: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(run, folder)
    return folder


# ----- §1 run folders are transactions ----------------------------------------------------
def test_a_run_is_built_in_a_private_folder_and_published_by_one_rename(tmp_path):
    out = tmp_path / "run"
    run = runs.RunFolder(out)
    assert run.path.parent == tmp_path and run.path.name.startswith(".run.")
    (run.path / "metrics.json").write_text("{}")
    assert not out.exists()
    assert run.publish() == out and (out / "metrics.json").is_file()
    assert not run.path.exists() and leftovers(tmp_path) == []


def test_publish_refuses_a_target_that_appeared_even_an_empty_folder(tmp_path):
    out = tmp_path / "run"
    run = runs.RunFolder(out)
    (run.path / "model.safetensors").write_bytes(b"mine")
    out.mkdir()  # another process (or the user) made it meanwhile
    with pytest.raises(runs.RunError, match="appeared while this run was being written"):
        run.publish()
    assert list(out.iterdir()) == []
    run.discard()
    assert leftovers(tmp_path) == []


def test_an_existing_empty_folder_is_not_reused(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    assert main(["train", *QUICK, "--out", str(tmp_path / "run")]) == 1
    assert "already exists" in one_line(capsys.readouterr().err)
    assert list((tmp_path / "run").iterdir()) == []


def test_default_names_in_the_same_second_get_their_own_folders(tmp_path):
    first = runs.RunFolder(tmp_path / "2026-01-01_12-00-00", unique=True)
    second = runs.RunFolder(tmp_path / "2026-01-01_12-00-00", unique=True)
    for run, text in ((first, "first"), (second, "second")):
        (run.path / "metrics.json").write_text(text)
    assert first.publish().name == "2026-01-01_12-00-00"
    assert second.publish().name == "2026-01-01_12-00-00_2"
    assert (tmp_path / "2026-01-01_12-00-00_2" / "metrics.json").read_text() == "second"


def test_an_existing_partial_folder_is_left_alone(tmp_path, capsys):
    partial = tmp_path / "run.partial"
    partial.mkdir()
    (partial / "notes.txt").write_text("someone's work")
    assert main(["train", *QUICK, "--out", str(tmp_path / "run")]) == 0
    assert (partial / "notes.txt").read_text() == "someone's work"
    assert runs.load_run(tmp_path / "run")[1].epochs == 1


def test_two_trainings_with_the_same_out_never_mix(tmp_path):
    out = tmp_path / "same"
    processes = [cli("train", *QUICK, "--seed", str(seed), "--out", str(out)) for seed in (1, 2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in processes]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    winner = next(seed for seed, (code, _, _) in zip((1, 2), results) if code == 0)
    loser_err = next(err for code, _, err in results if code == 1)
    assert "already exists" in one_line(loser_err) or "appeared" in loser_err
    # the folder is the winner's alone: its weights are what its seed makes, byte for byte
    config = json.loads((out / "config.json").read_text())["recipe"]
    assert config["seed"] == winner
    again = tmp_path / "again"
    assert main(["train", *QUICK, "--seed", str(winner), "--out", str(again)]) == 0
    assert (again / "model.safetensors").read_bytes() == \
        (out / "model.safetensors").read_bytes()
    assert leftovers(tmp_path) == []


def test_two_trainings_with_default_names_each_get_a_complete_folder(tmp_path):
    processes = [cli("train", *QUICK, "--seed", str(seed), cwd=tmp_path) for seed in (1, 2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in processes]
    assert [code for code, _, _ in results] == [0, 0], results
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == 2 and leftovers(tmp_path / "runs") == []
    seeds = {runs.load_run(f)[1].seed for f in folders}
    assert seeds == {1, 2}


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_leaves_nothing_half_made(tmp_path, name):
    out = tmp_path / "run"
    process = cli("train", "--limit", "2000", "--epochs", "100000", "--out", str(out))
    deadline = time.monotonic() + 120
    for line in process.stdout:  # the table header: data loaded, training under way
        if line.startswith("epoch") or time.monotonic() > deadline:
            break
    time.sleep(0.3)
    assert leftovers(tmp_path), "the private folder exists while training"
    process.send_signal(getattr(signal, name))
    code = process.wait(timeout=60)
    _, err = process.communicate()
    assert code == 128 + getattr(signal, name)
    assert f"interrupted by {name}" in one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_without_its_completion_marker_is_not_a_run(small_run, tmp_path, capsys):
    folder = copy_of(small_run, tmp_path)
    (folder / "metrics.json").unlink()
    with pytest.raises(runs.RunError, match="not a complete glassnet run"):
        runs.load_run(folder)
    assert main(["evaluate", str(folder)]) == 1
    assert "metrics.json, written last, is missing" in one_line(capsys.readouterr().err)


def test_run_files_honour_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        assert main(["train", *QUICK, "--out", str(tmp_path / "run")]) == 0
    finally:
        os.umask(previous)
    folder = tmp_path / "run"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert set(modes.values()) == {0o640}, modes


# ----- §2 nothing overwritten unasked -----------------------------------------------------
def test_show_refuses_an_existing_file_unless_forced(small_run, tmp_path, capsys):
    from glassnet.datasets import load_mnist
    from tests.app.photos import photograph

    (_, _), (xt, _) = load_mnist()
    photo = tmp_path / "one.png"
    photograph(xt[0], photo, seed=0)
    before = photo.read_bytes()
    assert main(["predict", str(small_run), str(photo), "--show", str(photo)]) == 1
    assert "--show" in one_line(capsys.readouterr().err) and photo.read_bytes() == before
    shown = tmp_path / "seen.png"
    shown.write_bytes(b"old")
    assert main(["predict", str(small_run), str(photo), "--show", str(shown), "--force"]) == 0
    assert shown.read_bytes()[:4] == b"\x89PNG"


# ----- §3 validate before work ------------------------------------------------------------
@pytest.mark.parametrize("args,expected", [
    (["--lr", "nan"], "--lr must be positive: a finite number > 0, got nan"),
    (["--lr", "inf"], "--lr must be positive: a finite number > 0, got inf"),
    (["--lr", "-1"], "--lr must be positive"),
    (["--momentum", "nan"], "--momentum must be a finite number in [0, 1), got nan"),
    (["--weight-decay", "-1"], "--weight-decay must be a finite number >= 0"),
    (["--dropout", "1"], "--dropout must be a finite number in [0, 1)"),
    (["--epochs", "0"], "--epochs must be positive: a whole number from 1 to 100000"),
    (["--batch-size", "0"], "--batch-size must be positive"),
    (["--early-stopping", "0"], "--early-stopping must be positive"),
    (["--seed", "-1"], "--seed must be a whole number from 0 to 4294967295"),
    (["--limit", "5"], "--limit must be at least 20 images"),
    (["--hidden", "1000000000"], "--hidden must be at most 64 sizes, each from 1 to 65536"),
    (["--hidden", "0"], "--hidden must be at most 64 sizes"),
    (["--data", "TMP/typo"], "--data TMP/typo: no such folder"),
])
def test_train_options_are_checked_before_any_work(tmp_path, capsys, args, expected):
    args = [a.replace("TMP", str(tmp_path)) for a in args]
    expected = expected.replace("TMP", str(tmp_path))
    assert main(["train", *args, "--out", str(tmp_path / "run")]) == 1
    assert expected in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_data_folder_is_an_error_naming_it(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["evaluate", "RUN", "--data", str(tmp_path / "empty")]) == 1
    assert f"--data {tmp_path / 'empty'} is an empty folder" in one_line(capsys.readouterr().err)
    assert main(["compare-optimizers", "--epochs", "0", "--out", str(tmp_path / "c")]) == 1
    assert "--epochs must be positive" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("edit,expected", [
    ({"hidden": [1000000000]}, "a hidden size must be positive: a whole number from 1 to"),
    ({"hidden": [60000, 60000]}, "parameters, more than glassnet trains"),
    ({"hidden": "128"}, "hidden must be a list"),
    ({"input_std": 0}, "input_std must be positive"),
    ({"input_mean": [0.1, 0.2]}, "input_mean must be a finite number or a list of 1"),
    ({"lr": "fast"}, "lr must be positive, a finite number > 0, got 'fast'"),
    ({"lr": float("nan")}, "lr must be positive"),
    ({"epochs": True}, "epochs must be positive"),
    ({"batch_size": 1.5}, "batch size must be positive"),
    ({"batchnorm": "yes"}, "batchnorm must be true or false"),
    ({"dataset": ["mnist"]}, "dataset"),
    ({"classes": 1000}, "classes must be 10"),
    ({"inputs": 3}, "inputs must be 784"),
    ({"hiden": [16]}, "unknown recipe key 'hiden' (did you mean 'hidden'?)"),
])
def test_config_json_is_checked_before_anything_is_built(small_run, tmp_path, capsys, edit,
                                                         expected):
    folder = copy_of(small_run, tmp_path)
    config = json.loads((folder / "config.json").read_text())
    config["recipe"].update(edit)
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(runs.RunError, match="config.json"):
        runs.load_run(folder)
    assert main(["evaluate", str(folder)]) == 1
    message = one_line(capsys.readouterr().err)
    assert "config.json" in message and expected in message


@pytest.mark.parametrize("text,expected", [
    ("{not json", "is not valid JSON"), ("[1, 2]", "has no \"recipe\" object"),
    ('{"recipe": {}, "format": "other-9"}', "has format 'other-9'"),
    ("[" * 100_000, "is not valid JSON"),
])
def test_a_broken_config_json_is_one_line(small_run, tmp_path, text, expected):
    folder = copy_of(small_run, tmp_path)
    (folder / "config.json").write_text(text)
    with pytest.raises(runs.RunError, match=expected.replace("(", r"\(")):
        runs.load_run(folder)


def test_recipe_checks_library_arguments_too():
    with pytest.raises(ValueError, match="momentum must be in \\[0, 1\\), got nan"):
        Recipe(momentum=float("nan"))
    with pytest.raises(ValueError, match="weight decay must be a finite number >= 0"):
        Recipe(weight_decay=-1)


# ----- §6 diverged training ---------------------------------------------------------------
def test_a_diverged_run_stops_with_one_line_and_publishes_nothing(tmp_path):
    process = cli("train", *QUICK, "--optimizer", "sgd", "--lr", "1e30", "--out",
                  str(tmp_path / "run"))
    code, (_, err) = process.wait(timeout=300), process.communicate()
    assert code == 1
    assert "training diverged: the training loss became nan" in one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_keep_failed_keeps_the_unfinished_run_and_names_it(tmp_path, capsys):
    assert main(["train", *QUICK, "--optimizer", "sgd", "--lr", "1e30", "--keep-failed",
                 "--out", str(tmp_path / "run")]) == 1
    err = one_line(capsys.readouterr().err)
    kept = leftovers(tmp_path)
    assert len(kept) == 1 and kept[0].startswith(".run.") and kept[0] in err
    assert "training diverged" in err and "--keep-failed" in err
    assert not (tmp_path / "run").exists()
    with pytest.raises(runs.RunError):
        runs.load_run(tmp_path / kept[0])


def test_metrics_json_is_strict_json_with_a_note_for_non_finite_values(tmp_path):
    path = tmp_path / "metrics.json"
    runs.write_json(path, {"test_loss": float("inf"), "history": [1.0, float("nan")]})

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    data = json.loads(path.read_text(), parse_constant=refuse)
    assert data["test_loss"] is None and data["history"] == [1.0, None]
    assert data["notes"] == ["test_loss was inf; written as null",
                             "history[1] was nan; written as null"]


@pytest.mark.parametrize("where", ["a_file/run", "missing_parent_is_made/run"])
def test_an_out_that_cannot_be_created_is_one_line(tmp_path, capsys, where):
    (tmp_path / "a_file").write_text("not a folder")
    code = main(["train", "--limit", "100", "--epochs", "1", "--out", str(tmp_path / where)])
    err = capsys.readouterr().err
    if where.startswith("a_file"):
        assert code != 0
        assert "cannot create the run folder" in err and "choose an --out" in err
        assert err.count("\n") == 1
        assert (tmp_path / "a_file").read_text() == "not a folder"
    else:
        assert code == 0, err
        assert (tmp_path / where / "metrics.json").exists()
