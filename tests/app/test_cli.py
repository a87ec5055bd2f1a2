"""The glassnet command end to end: the default run, evaluate, predict on photographed-style
digits, compare-optimizers, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import glassnet
from glassnet.cli import main
from tests.app.photos import photograph

pytest.importorskip("matplotlib")
pytest.importorskip("PIL")
pytest.importorskip("safetensors")


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """The README's first command: the default recipe, 5 epochs on MNIST."""
    out = tmp_path_factory.mktemp("runs") / "default"
    assert main(["train", "--out", str(out)]) == 0
    return out


def test_default_run_reaches_97_5_percent_and_writes_the_run_folder(default_run):
    names = sorted(p.name for p in default_run.iterdir())
    assert names == ["config.json", "confusion.png", "curves.png", "history.csv",
                     "metrics.json", "model.safetensors"]
    metrics = json.loads((default_run / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.975 and metrics["epochs"] == 5
    assert {"test_loss", "seconds"} <= set(metrics)
    rows = (default_run / "history.csv").read_text().splitlines()
    assert rows[0] == "epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds"
    assert len(rows) == 6
    config = json.loads((default_run / "config.json").read_text())["recipe"]
    assert config["hidden"] == [128, 64] and config["optimizer"] == "adam"
    assert config["batch_size"] == 64 and config["seed"] == 0 and config["lr"] == 1e-3
    assert not list(default_run.parent.glob("*.partial"))


def test_an_existing_run_is_never_overwritten(default_run, capsys):
    before = (default_run / "model.safetensors").read_bytes()
    assert main(["train", "--epochs", "1", "--out", str(default_run)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert (default_run / "model.safetensors").read_bytes() == before


def test_evaluate_prints_per_class_accuracy_and_writes_pictures(default_run, capsys):
    assert main(["evaluate", str(default_run)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "7 - seven" in out and "confusion matrix" in out
    assert (default_run / "mistakes.png").stat().st_size > 1000


def test_predict_reads_photographed_digits(default_run, tmp_path, capsys):
    (_, _), (xt, yt) = glassnet.datasets.load_mnist()
    paths = []
    for i in range(12):
        path = tmp_path / f"digit{i}.{'jpg' if i % 2 else 'png'}"
        photograph(xt[i], path, seed=i, fmt="JPEG" if i % 2 else "PNG")
        paths.append(str(path))
    assert main(["predict", str(default_run), *paths, "--json", "--show",
                 str(tmp_path / "seen.png")]) == 0
    results = json.loads(capsys.readouterr().out)
    labels = [r["label"] for r in results]
    assert sum(a == b for a, b in zip(labels, yt[:12])) >= 11
    assert all(len(r["probabilities"]) == 10 for r in results)
    assert (tmp_path / "seen.png").stat().st_size > 1000
    main(["predict", str(default_run), paths[0]])
    assert capsys.readouterr().out.strip() == f"{paths[0]}: {labels[0]} (p=" + \
        f"{max(results[0]['probabilities']):.2f})"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "glassnet", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("args,expected", [
    (["predict", "RUN", "pyproject.toml"], "not an image"),
    (["evaluate", "no/such/run"], "is not a folder"),
    (["evaluate", "src"], "is not a glassnet run"),
    (["train", "--optimizer", "nadam"], "invalid choice: 'nadam'"),
    (["train", "--epochs", "0", "--out", "OUT"], "epochs must be positive"),
])
def test_errors_are_one_line_without_traceback(default_run, tmp_path, args, expected):
    args = [str(default_run) if a == "RUN" else str(tmp_path / "o") if a == "OUT" else a
            for a in args]
    result = run_cli(*args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in result.stderr


def test_debug_shows_the_traceback():
    result = run_cli("--debug", "evaluate", "no/such/run")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_missing_data_is_one_line(tmp_path, monkeypatch, capsys):
    from glassnet.datasets import mnist

    monkeypatch.setattr(mnist, "REPO_DATA", tmp_path / "none")
    monkeypatch.setattr(mnist, "CACHE", tmp_path / "cache")
    monkeypatch.delenv("GLASSNET_DATA", raising=False)
    assert main(["train", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("glassnet: error: mnist: could not download") and "\n" not in err
    assert not (tmp_path / "run").exists() and not (tmp_path / "run.partial").exists()


def test_compare_optimizers_plots_and_tabulates(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare-optimizers", "--epochs", "1", "--optimizers", "sgd,adam", "--out",
                 str(out)]) == 0
    table = capsys.readouterr().out
    assert "sgd" in table and "adam" in table
    rows = (out / "compare.csv").read_text().splitlines()
    assert rows[0].startswith("optimizer,lr,final_train_loss") and len(rows) == 3
    assert (out / "compare.png").stat().st_size > 1000


def test_train_options_build_the_asked_network(tmp_path):
    out = tmp_path / "small"
    assert main(["train", "--epochs", "1", "--hidden", "32", "--activation", "tanh",
                 "--dropout", "0.1", "--batchnorm", "--optimizer", "momentum",
                 "--schedule", "step", "--weight-decay", "1e-4", "--early-stopping", "1",
                 "--batch-size", "128", "--out", str(out)]) == 0
    model, recipe = glassnet.app.runs.load_run(out)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Flatten", "Linear", "BatchNorm1d", "Tanh", "Dropout", "Linear"]
    assert json.loads((out / "metrics.json").read_text())["test_accuracy"] > 0.85
    assert np.isclose(recipe.weight_decay, 1e-4)
