"""Random damage to a run folder (issue 13, point 7): random bytes, truncations, flipped bytes
and random JSON edits in each of its files. ``evaluate`` and ``predict`` must each end with
exit 0, or with exit 1 and one line naming a file of the run: never a traceback, and nothing
written when it refuses (a run it can read may only get evaluate's two refreshed pictures)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from glassnet.cli import main

pytest.importorskip("matplotlib")
pytest.importorskip("PIL")
pytest.importorskip("safetensors")

from .photos import photograph  # noqa: E402

FILES = ("config.json", "model.safetensors", "metrics.json")
JSON_VALUES = [None, True, -1, 0, 1e308, float("nan"), "", "x" * 300, [], {}, [1e9], {"a": 1}]


@pytest.fixture(scope="module")
def run_and_photo(tmp_path_factory):
    home = tmp_path_factory.mktemp("fuzz")
    run = home / "run"
    assert main(["train", "--limit", "200", "--epochs", "1", "--hidden", "16",
                 "--out", str(run)]) == 0
    photo = home / "digit.png"
    digit = (np.random.default_rng(0).random((28, 28)) > 0.7).astype(np.uint8) * 255
    photograph(digit, photo, seed=0)
    return run, photo


def _json_edit(text: str, rng) -> str:
    """Replace, delete or retype one value somewhere in the JSON document."""
    data = json.loads(text)
    holder, key = data, None
    while True:
        keys = list(holder) if isinstance(holder, dict) else list(range(len(holder)))
        if not keys:
            break
        key = keys[int(rng.integers(len(keys)))]
        if isinstance(holder[key], (dict, list)) and holder[key] and rng.random() < 0.6:
            holder = holder[key]
            continue
        break
    if key is None:
        return "{}"
    if isinstance(holder, dict) and rng.random() < 0.25:
        del holder[key]
    else:
        holder[key] = JSON_VALUES[int(rng.integers(len(JSON_VALUES)))]
    return json.dumps(data)


def _damage(data: bytes, name: str, rng) -> bytes:
    kind = int(rng.integers(4 if name.endswith(".json") else 3))
    if kind == 0:
        return rng.bytes(int(rng.integers(0, 2000)))
    if kind == 1:
        return data[:int(rng.integers(0, len(data)))]
    if kind == 2:
        flipped = bytearray(data)
        for at in rng.integers(0, len(data), size=int(rng.integers(1, 12))):
            flipped[at] = int(rng.integers(0, 256))
        return bytes(flipped)
    return _json_edit(data.decode(), rng).encode()


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_damaged_run_folders_give_one_line_and_write_nothing(run_and_photo, tmp_path, capsys):
    run, photo = run_and_photo
    rng = np.random.default_rng(2026)
    outcomes = {"ran": 0, "refused": 0}
    cases = 60
    for case in range(cases):
        folder = tmp_path / f"case{case}"
        shutil.copytree(run, folder)
        for name in rng.choice(FILES, size=int(rng.integers(1, 3)), replace=False):
            path = folder / name
            path.write_bytes(_damage(path.read_bytes(), name, rng))
        for command in (["evaluate", str(folder)], ["predict", str(folder), str(photo)]):
            before = _snapshot(tmp_path)
            capsys.readouterr()
            code = main(command)
            err = capsys.readouterr().err
            assert "Traceback" not in err, (case, command, err)
            after = _snapshot(tmp_path)
            if code == 0:  # a readable run: evaluate refreshes its two pictures, nothing else
                outcomes["ran"] += 1
                changed = {p.name for p in set(before) | set(after)
                           if before.get(p) != after.get(p)}
                allowed = {"confusion.png", "mistakes.png"} if command[0] == "evaluate" else set()
                assert changed <= allowed, (case, command, changed)
                continue
            assert code == 1, (case, command, code, err)
            assert len(err.strip().splitlines()) == 1, (case, command, err)
            assert after == before, f"case {case}: a refused {command[0]} wrote a file"
            outcomes["refused"] += 1
        shutil.rmtree(folder)
    assert outcomes["refused"] >= cases, outcomes
