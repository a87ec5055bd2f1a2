"""A run folder: model.safetensors, config.json, history.csv, metrics.json and pictures.

A run is written into ``<dir>.partial`` and renamed to ``<dir>`` only when complete, so a
folder named like a run always holds a whole run; an existing run is never overwritten.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time
from pathlib import Path

from ..datasets.mnist import write_atomically
from ..serialization import load, save
from .recipe import Recipe, build_model


class RunError(ValueError):
    """A folder that is not a complete run, or one that would be overwritten."""


def default_run_dir() -> Path:
    return Path("runs") / time.strftime("%Y-%m-%d_%H-%M-%S")


def start(out: Path) -> Path:
    """Check ``out`` is free and return the folder to write into until the run is complete."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise RunError(f"{out} already exists and is not empty; choose another --out (runs "
                       f"are never overwritten)")
    partial = out.with_name(out.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    return partial


def finish(partial: Path, out: Path) -> Path:
    out = Path(out)
    if out.exists():
        out.rmdir()  # empty, checked by start()
    os.replace(partial, out)
    return out


def write_json(path: Path, data) -> None:
    write_atomically(Path(path), (json.dumps(data, indent=2) + "\n").encode())


def write_csv(path: Path, rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(Path(path), buffer.getvalue().encode())


def save_model(folder: Path, model, recipe: Recipe) -> None:
    save(model.state_dict(), Path(folder) / "model.safetensors")
    write_json(Path(folder) / "config.json", {"recipe": recipe.to_dict(),
                                              "format": "glassnet-run-1"})


def load_run(folder):
    """(model in eval mode, recipe) from a run folder, or a RunError saying what is missing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunError(f"{folder} is not a folder; pass a run folder made by glassnet train "
                       f"(e.g. runs/2026-01-01_12-00-00)")
    missing = [n for n in ("config.json", "model.safetensors") if not (folder / n).is_file()]
    if missing:
        raise RunError(f"{folder} is not a glassnet run: {' and '.join(missing)} missing")
    try:
        recipe = Recipe.from_dict(json.loads((folder / "config.json").read_text())["recipe"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise RunError(f"{folder}/config.json is not a glassnet run config ({error})") from None
    model = build_model(recipe)
    model.load_state_dict(load(folder / "model.safetensors"))
    return model.eval(), recipe
