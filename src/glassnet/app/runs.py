"""A run folder: model.safetensors, config.json, history.csv, pictures and metrics.json.

A run is a transaction. It is built in a private folder that ``tempfile.mkdtemp`` makes beside
the target (``.<name>.<random>``, so no two processes ever share one), and published with one
rename that refuses an existing target. So a folder named like a run always holds one whole
run, two runs started with the same ``--out`` never mix, and nothing glassnet did not create in
this process is ever deleted or reused (an old ``<name>.partial``, an empty folder the user
made: both are left alone, and the run goes elsewhere or stops with one line).

The rename is ``renameat2(..., RENAME_NOREPLACE)`` through ctypes: it fails if the target
exists at all, even as an empty folder. Where the kernel, libc or file system lacks it, plain
``os.rename`` is used, which on Linux and macOS fails onto a non-empty folder (a published run
is never empty) and onto a file; its one weakness, replacing an *empty* folder created in the
instant between our check and the rename, is the reason renameat2 comes first.

``metrics.json`` is written last and is the completion marker: a folder without it is never
accepted by ``load_run`` (e.g. a ``.partial`` folder left by an older glassnet).
Files and folders get the permissions the umask allows (mkstemp and mkdtemp make them 0600 /
0700 whatever the umask, which hid shared runs from colleagues).
"""

from __future__ import annotations

import csv
import ctypes
import errno
import io
import json
import math
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from .._files import umask, write_bytes_atomically
from ..serialization import load, save
from .recipe import Recipe, build_model

MARKER = "metrics.json"
FORMAT = "glassnet-run-1"
MAX_CONFIG_BYTES = 1 << 20  # a real config.json is under 2 KB


class RunError(ValueError):
    """A folder that is not a complete run, or one that would be overwritten."""


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP arrived; raised in the main thread so cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def default_run_dir(prefix: str = "") -> Path:
    return Path("runs") / time.strftime(f"{prefix}%Y-%m-%d_%H-%M-%S")


def honour_umask(path) -> None:
    """chmod ``path`` (and, for a folder, everything in it) to 0o666 / 0o777 minus the umask."""
    mask, path = umask(), Path(path)
    if path.is_dir():
        for root, _, files in os.walk(path):
            os.chmod(root, 0o777 & ~mask)
            for name in files:
                os.chmod(os.path.join(root, name), 0o666 & ~mask)
    else:
        os.chmod(path, 0o666 & ~mask)


def _renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    return function


_RENAMEAT2 = _renameat2()
_AT_FDCWD, _RENAME_NOREPLACE = -100, 1


def rename_no_replace(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target`` atomically; FileExistsError if ``target`` exists."""
    if _RENAMEAT2 is not None:
        result = _RENAMEAT2(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target),
                            _RENAME_NOREPLACE)
        if result == 0:
            return
        code = ctypes.get_errno()
        if code in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(code, os.strerror(code), str(target))
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(target))
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    try:
        os.rename(source, target)
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
            raise FileExistsError(error.errno, error.strerror, str(target)) from None
        raise


def _refuse_existing(out: Path) -> None:
    if os.path.lexists(out):
        raise RunError(f"{out} already exists; choose an --out that does not exist yet (runs "
                       f"are never written into or over an existing file or folder)")


class RunFolder:
    """A run under construction: ``path`` is the private folder to write into; ``publish()``
    renames it to ``out`` (or, with ``unique``, to the first free ``out``, ``out_2``, ...)."""

    def __init__(self, out, unique: bool = False) -> None:
        self.out, self.unique = Path(out), unique
        if not unique:
            _refuse_existing(self.out)
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}."))
        except OSError as error:
            raise RunError(f"cannot create the run folder {self.out}: {error.strerror} in "
                           f"{self.out.parent}; choose an --out inside a folder you can "
                           f"write to") from None
        self.published = False

    def publish(self) -> Path:
        honour_umask(self.path)
        names = [self.out] + ([self.out.with_name(f"{self.out.name}_{i}") for i in range(2, 100)]
                              if self.unique else [])
        for target in names:
            try:
                rename_no_replace(self.path, target)
            except FileExistsError:
                continue
            self.out, self.published = target, True
            return target
        raise RunError(f"{names[-1]} appeared while this run was being written (another "
                       f"glassnet run with the same --out?); this run was not saved, run it "
                       f"again with another --out")

    def discard(self) -> None:
        """Remove the private folder (never anything published or made by someone else)."""
        if not self.published:
            shutil.rmtree(self.path, ignore_errors=True)


class signals_interrupt:
    """``with signals_interrupt():`` turns SIGTERM and SIGHUP (SIGINT already does) into
    ``Interrupted`` in the main thread, so ``finally`` / ``except`` blocks clean up."""

    NAMES = ("SIGINT", "SIGTERM", "SIGHUP")

    def __enter__(self):
        self.previous = {}
        if threading.current_thread() is not threading.main_thread():
            return self  # only the main thread may set handlers (and receives signals)
        for name in self.NAMES:
            if hasattr(signal, name):
                number = getattr(signal, name)
                self.previous[number] = signal.signal(number, self._raise)
        return self

    def _raise(self, signum, frame):
        for number in self.previous:  # a second signal must not interrupt the cleanup
            signal.signal(number, signal.SIG_IGN)
        raise Interrupted(signum)

    def __exit__(self, *exc) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)


def strict_json(data, notes: list | None = None, where: str = ""):
    """``data`` with every NaN / inf float replaced by None (strict JSON has neither); each
    replacement is described in ``notes``."""
    notes = [] if notes is None else notes
    if isinstance(data, float) and not math.isfinite(data):
        notes.append(f"{where or 'value'} was {data}; written as null")
        return None
    if isinstance(data, dict):
        return {k: strict_json(v, notes, f"{where}.{k}" if where else str(k))
                for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [strict_json(v, notes, f"{where}[{i}]") for i, v in enumerate(data)]
    return data


def write_json(path: Path, data) -> None:
    """Strict JSON (``allow_nan=False``); non-finite numbers become null with a ``notes`` entry
    when ``data`` is a dict."""
    notes: list = []
    clean = strict_json(data, notes)
    if notes and isinstance(clean, dict):
        clean["notes"] = [*clean.get("notes", []), *notes]
    text = json.dumps(clean, indent=2, allow_nan=False) + "\n"
    write_bytes_atomically(Path(path), text.encode())


def write_csv(path: Path, rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_bytes_atomically(Path(path), buffer.getvalue().encode())


def save_model(folder: Path, model, recipe: Recipe, world_size: int = 1) -> None:
    """The weights, and config.json: the recipe, plus how many processes trained it
    (``world_size``) and the ``global_batch_size`` per step (world_size x the recipe's
    per-process ``batch_size``, as in PyTorch DDP)."""
    save(model.state_dict(), Path(folder) / "model.safetensors")
    write_json(Path(folder) / "config.json",
               {"recipe": recipe.to_dict(), "format": FORMAT, "world_size": world_size,
                "global_batch_size": world_size * recipe.batch_size})


def write_run(folder: Path, model, recipe: Recipe, history: list[dict], test, labels,
              seconds: float, best_epoch: int, images: tuple[int, int], axis_names: list,
              world_size: int = 1) -> None:
    """Everything of a finished training run into ``folder``: weights and config.json, the
    history, the curves and the test confusion pictures, and metrics.json last."""
    from .. import viz

    save_model(folder, model, recipe, world_size)
    write_csv(folder / "history.csv", history)
    metrics = {
        "test_accuracy": test.accuracy, "test_loss": test.loss, "epochs": len(history),
        "best_epoch": best_epoch, "seconds": round(seconds, 2),
        "final_val_accuracy": history[-1]["val_accuracy"], "model": recipe.model,
        "dataset": recipe.dataset, "training_images": images[0], "test_images": images[1]}
    viz.plot_history(history, folder / "curves.png",
                     title=f"{recipe.dataset} {recipe.model}: {recipe.optimizer}, test "
                           f"accuracy {test.accuracy:.2%}")
    counts = viz.confusion_matrix(labels, test.predictions, recipe.classes)
    viz.plot_confusion(counts, axis_names, folder / "confusion.png",
                       title=f"test set confusion ({test.accuracy:.2%} correct)")
    write_json(folder / MARKER, metrics)  # last: it marks the run complete


def read_config(folder: Path) -> Recipe:
    """The recipe in ``folder/config.json``, checked against Recipe's schema before use."""
    path = Path(folder) / "config.json"
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise RunError(f"{path} is {path.stat().st_size} bytes, more than a glassnet config "
                       f"({MAX_CONFIG_BYTES} at most); it is not a glassnet run config")
    try:
        config = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise RunError(f"{path} is not valid JSON ({error}); it is not a glassnet run config "
                       f"(runs are written by glassnet train)") from None
    if not isinstance(config, dict) or not isinstance(config.get("recipe"), dict):
        raise RunError(f"{path} has no \"recipe\" object; it is not a glassnet run config")
    if config.get("format", FORMAT) != FORMAT:
        raise RunError(f"{path} has format {config.get('format')!r}; this glassnet reads "
                       f"{FORMAT!r} runs")
    try:
        return Recipe.from_dict(config["recipe"])
    except (ValueError, TypeError) as error:
        raise RunError(f"{path}: {error}") from None


def load_run(folder):
    """(model in eval mode, recipe) from a complete run folder, or a RunError saying what is
    wrong."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunError(f"{folder} is not a folder; pass a run folder made by glassnet train "
                       f"(e.g. runs/2026-01-01_12-00-00)")
    missing = [n for n in ("config.json", "model.safetensors") if not (folder / n).is_file()]
    if missing:
        raise RunError(f"{folder} is not a glassnet run: {' and '.join(missing)} missing")
    if not (folder / MARKER).is_file():
        raise RunError(f"{folder} is not a complete glassnet run: {MARKER}, written last, is "
                       f"missing (the run was interrupted or failed); train it again")
    recipe = read_config(folder)
    model = build_model(recipe)
    model.load_state_dict(load(folder / "model.safetensors"))
    return model.eval(), recipe
