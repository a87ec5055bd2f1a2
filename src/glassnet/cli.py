"""The ``glassnet`` command: train, evaluate, predict and compare-optimizers on MNIST,
Fashion-MNIST and CIFAR-10, with an MLP or a convnet (see ``glassnet.app.recipe``).

Every mistake (missing data, a bad image, an unknown option value, a folder that is not a run)
ends in one line on stderr and a non-zero exit; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time
from pathlib import Path

import numpy as np


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (with where to find help), exit status 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _hidden(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated sizes like 128,64, got "
                                         f"{text!r}") from None
    return sizes


def build_parser() -> argparse.ArgumentParser:
    from .app.recipe import ACTIVATIONS, DATASETS, MODELS, OPTIMIZERS, SCHEDULES

    parser = OneLineParser(prog="glassnet", description="Train, evaluate and use image "
                                                         "classifiers (MNIST, Fashion-MNIST, "
                                                         "CIFAR-10) with glassnet.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    train = commands.add_parser(
        "train", help="train a network and write a run folder", description=TRAIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--dataset", choices=DATASETS, default="mnist",
                       help="mnist, fashion-mnist (28x28 gray) or cifar10 (32x32 RGB)")
    train.add_argument("--model", choices=MODELS, default=None,
                       help="the network (default: mlp for mnist/fashion-mnist, lenet5 for "
                            "cifar10)")
    train.add_argument("--augment", action="store_true",
                       help="cifar10 only: random crop (padding 4) + horizontal flip of the "
                            "training images; an error with the digit datasets")
    mlp = train.add_argument_group("mlp only", "shape the mlp; an error with lenet5/convnet, "
                                               "whose layers are fixed")
    mlp.add_argument("--hidden", type=_hidden, default=None,
                     help="hidden layer sizes (default 128,64)")
    mlp.add_argument("--activation", choices=list(ACTIVATIONS), default=None,
                     help="default relu")
    mlp.add_argument("--dropout", type=float, default=None, help="default 0")
    mlp.add_argument("--batchnorm", action="store_true", default=None,
                     help="BatchNorm1d after each hidden Linear")
    train.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    train.add_argument("--lr", type=float, default=None,
                       help="learning rate (default: 1e-3 for adam/adamw/rmsprop, but 2e-3 "
                            "for lenet5 with adam/adamw; 0.01 sgd, 0.01 momentum)")
    train.add_argument("--momentum", type=float, default=0.9)
    train.add_argument("--weight-decay", type=float, default=0.0)
    train.add_argument("--schedule", choices=SCHEDULES, default="cosine",
                       help="learning-rate schedule over the epochs (default cosine)")
    train.add_argument("--batch-size", type=int, default=64,
                       help="images per step per process, as in PyTorch DDP: with N processes "
                            "the global batch is N x this (default 64)")
    train.add_argument("--procs", type=int, metavar="N", default=None,
                       help="train data-parallel on N processes: runs mpiexec -n N glassnet "
                            "train ... with one thread each (needs pip install mpi4py "
                            "mpich); same as starting glassnet under mpiexec -n N yourself")
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--early-stopping", type=int, metavar="PATIENCE", default=None)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--data", metavar="DIR", help="folder holding the data set (the IDX "
                                                      "files, or cifar-10-batches-bin/)")
    train.add_argument("--limit", type=int, metavar="N", default=None,
                       help="train on the first N training images and test on the first N "
                            "test images: a quick try, not a comparable accuracy")
    train.add_argument("--out", metavar="RUN_DIR", help="run folder (default runs/<time>)")
    train.add_argument("--doctor", action="store_true",
                       help="check the setup on the first batch and report gradients")
    train.add_argument("--keep-failed", action="store_true", help="keep a failed or diverged "
                       "run's unfinished private folder (.<RUN_DIR>.<random>)")

    evaluate = commands.add_parser("evaluate", help="test accuracy, per class, confusions")
    evaluate.add_argument("run_dir", metavar="RUN_DIR")
    evaluate.add_argument("--data", metavar="DIR")

    predict = commands.add_parser("predict", help="classify photos: handwritten digits "
                                                  "(mnist runs), clothes (fashion-mnist), "
                                                  "whole colour photos (cifar10)")
    predict.add_argument("run_dir", metavar="RUN_DIR")
    predict.add_argument("images", metavar="IMAGE", nargs="+")
    predict.add_argument("--json", action="store_true", help="print a JSON list")
    predict.add_argument("--show", metavar="PNG", help="save what the network saw (new file)")
    predict.add_argument("--force", action="store_true",
                         help="let --show replace an existing file")

    compare = commands.add_parser("compare-optimizers",
                                  help="train the same network with several optimizers")
    compare.add_argument("--optimizers", default="sgd,momentum,adam",
                         help="comma-separated, from " + ", ".join(OPTIMIZERS))
    compare.add_argument("--epochs", type=int, default=3)
    compare.add_argument("--batch-size", type=int, default=64)
    compare.add_argument("--seed", type=int, default=0)
    compare.add_argument("--data", metavar="DIR")
    compare.add_argument("--out", metavar="DIR", help="where the plot and table go")
    return parser


TRAIN_HELP = """\
Train a network and write a run folder (model.safetensors, config.json, history.csv,
metrics.json, curves.png, confusion.png).

Recipes (all: Adam, cosine schedule, batch 64, 5 epochs, 10% held out for validation):
  --model mlp      seed 003's network 784-128-64-10, lr 1e-3 (--hidden, --activation,
                   --dropout, --batchnorm shape it); about 97.5-98% on MNIST.
  --model lenet5   LeNet-5 (conv 5x5 x6, pool, conv 5x5 x16, pool, 120, 84, 10), lr 2e-3;
                   99.0% or more on MNIST in 5 epochs.
  --model convnet  PyTorch's MNIST example net (conv 3x3 x32, conv 3x3 x64, pool, dropout,
                   128, 10), lr 1e-3.
  --dataset cifar10 feeds 32x32 RGB images standardised per channel; add --augment for random
  crops and flips.

Data parallel: `mpiexec -n N glassnet train ...` (or `glassnet train --procs N ...`) trains on
N processes as PyTorch DDP: each takes its share of every global batch of N x --batch-size
images and the gradients are averaged; rank 0 alone prints and writes the run folder."""


def main(argv=None) -> int:
    from .app.runs import Interrupted, signals_interrupt

    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for train --procs to pass on
    handlers = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict,
                "compare-optimizers": cmd_compare}
    try:
        with signals_interrupt():
            return handlers[args.command](args) or 0
    except KeyboardInterrupt as error:
        signum = error.signum if isinstance(error, Interrupted) else 2
        print(f"glassnet: interrupted by {signal.Signals(signum).name}; nothing half-made was "
              f"left behind", file=sys.stderr)
        return 128 + signum
    except (ValueError, TypeError, OSError, ImportError, RuntimeError) as error:
        if args.debug:
            raise
        message = " ".join(str(error).split())
        print(f"glassnet: error: {message}", file=sys.stderr)
        return 1


# ----- checks before any work -------------------------------------------------------------
def _whole(low: int, high: int):
    word = "positive: " if low == 1 else ""
    return (lambda v: isinstance(v, int) and low <= v <= high,
            f"{word}a whole number from {low} to {high}")


# option: (test, accepted range); None (not given) is always accepted. NaN fails every
# comparison, so `0 <= v < 1` refuses it; isfinite refuses inf where there is no upper bound.
OPTION_RANGES = {
    "--lr": (lambda v: math.isfinite(v) and v > 0, "positive: a finite number > 0"),
    "--momentum": (lambda v: 0 <= v < 1, "a finite number in [0, 1)"),
    "--weight-decay": (lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0"),
    "--dropout": (lambda v: 0 <= v < 1, "a finite number in [0, 1)"),
    "--epochs": _whole(1, 100_000),
    "--batch-size": _whole(1, 1_000_000),
    "--early-stopping": _whole(1, 100_000),
    "--seed": _whole(0, 2**32 - 1),
    "--limit": (lambda v: v >= 20, "at least 20 images (some are held out for validation)"),
}


def check_options(args) -> None:
    """Every numeric option finite and in range, one line naming the option and the range;
    an explicit --data folder must exist and hold something."""
    for option, (accept, accepted) in OPTION_RANGES.items():
        value = getattr(args, option[2:].replace("-", "_"), None)
        if value is not None and not accept(value):
            raise ValueError(f"{option} must be {accepted}, got {value}")
    hidden = getattr(args, "hidden", None)
    if hidden is not None and (len(hidden) > 64 or not all(0 < h <= 65_536 for h in hidden)):
        raise ValueError(f"--hidden must be at most 64 sizes, each from 1 to 65536, got "
                         f"{','.join(map(str, hidden))}")
    data = getattr(args, "data", None)
    if data is not None:
        folder = Path(data)
        if not folder.is_dir():
            raise ValueError(f"--data {data}: no such folder; give the folder holding the "
                             f"data set, or leave --data out to use $GLASSNET_DATA, data/ and "
                             f"~/.cache/glassnet in that order")
        if not any(folder.iterdir()):
            raise ValueError(f"--data {data} is an empty folder; put the data set there (or "
                             f"leave --data out to search the usual places)")


# ----- commands ---------------------------------------------------------------------------
def _load_data(dataset: str, data_dir, limit: int | None = None):
    """((train images, labels), (test images, labels)) as NumPy arrays: uint8 (N, 28, 28)
    for the digit sets, (N, 32, 32, 3) for CIFAR-10; the first ``limit`` of each if given."""
    if dataset == "cifar10":
        from .datasets import cifar  # what vision.datasets.CIFAR10 reads, both splits at once

        train, test, _ = cifar.load_arrays(data_dir, download=True)
        arrays = (train, test)
    else:
        from .datasets.mnist import FASHION_SOURCE, MNIST_SOURCE, load_arrays

        source = MNIST_SOURCE if dataset == "mnist" else FASHION_SOURCE
        arrays = load_arrays(source, data_dir, download_missing=True)
    if limit is not None:
        arrays = tuple((x[:limit], y[:limit]) for x, y in arrays)
    return arrays


def _mlp_options(args) -> dict:
    """The mlp-only options given on the command line; refused for the convnets."""
    given = {name: getattr(args, name) for name in ("hidden", "activation", "dropout",
                                                    "batchnorm")
             if getattr(args, name) is not None}
    model = args.model or ("lenet5" if args.dataset == "cifar10" else "mlp")
    if given and model != "mlp":
        options = ", ".join("--" + name for name in given)
        raise ValueError(f"{options} shape(s) the mlp, but the model is {model}, whose layers "
                         f"are fixed; drop {options} or use --model mlp")
    return given


def cmd_train(args) -> int:
    """Train here; as one rank under mpiexec; or (--procs N) become mpiexec -n N glassnet."""
    from .app import distributed_run

    if args.procs is not None:
        return distributed_run.relaunch(args.procs, distributed_run.without_procs(args.argv))
    world = distributed_run.World.join()
    return distributed_run.run_ranks(world, lambda: _train(args, world), debug=args.debug)


def _train(args, world) -> int:
    from .app import runs
    from .app.recipe import Recipe
    from .app.trainer import evaluate, train

    def settings():  # on every rank; a failure on any one stops them all (world.agree)
        check_options(args)
        return Recipe(dataset=args.dataset, model=args.model, augment=args.augment,
                      **_mlp_options(args), optimizer=args.optimizer,
                      lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay,
                      schedule=args.schedule, batch_size=args.batch_size, epochs=args.epochs,
                      early_stopping=args.early_stopping, seed=args.seed)

    recipe = world.agree(settings)
    run = world.agree(lambda: runs.RunFolder(args.out or runs.default_run_dir(),
                                             unique=not args.out) if world.is_main else None)
    partial = run.path if run else None
    world.share_private_folder(partial)
    try:
        (x, y), (xt, yt) = world.main_first(  # a missing data set is downloaded once
            lambda: _load_data(recipe.dataset, args.data, args.limit))
        per = f" per process x {world.size} = {world.size * recipe.batch_size}"
        if recipe.model == "mlp":
            network = (f"mlp {'-'.join(map(str, [recipe.inputs, *recipe.hidden, 10]))} "
                       f"{recipe.activation}")
        else:
            network = recipe.model
        print(f"glassnet train: {recipe.dataset}{' augmented' if recipe.augment else ''}, "
              f"{len(x)} training images ({recipe.val_fraction:.0%} held out for "
              f"validation), network {network}, {recipe.optimizer} lr={recipe.lr:g}, batch "
              f"{recipe.batch_size}{per if world.size > 1 else ''}, {recipe.epochs} epochs, "
              f"seed {recipe.seed}")
        header = (f"{'epoch':>5}  {'train loss':>10}  {'train acc':>9}  {'val loss':>8}  "
                  f"{'val acc':>7}  {'lr':>8}  {'seconds':>7}")
        print(header)
        start = time.perf_counter()
        model, history, best_epoch = train(recipe, x, y, on_epoch=_print_row,
                                           doctor=args.doctor, world=world)
        seconds = time.perf_counter() - start
        world.leave()  # no collective from here on: rank 0 evaluates and writes alone
        if not world.is_main:
            return 0
        test = evaluate(model, recipe, xt, yt)
        runs.write_run(partial, model, recipe, history, test, yt, seconds, best_epoch,
                       images=(len(x), len(xt)), axis_names=_axis_names(recipe),
                       world_size=world.size)
        out = run.publish()
    except BaseException as error:
        if run is None:
            raise
        if args.keep_failed and isinstance(error, Exception):  # signals never keep anything
            error.args = (f"{error} (unfinished run kept in {partial}/ for --keep-failed)",)
        else:
            run.discard()
        raise
    print(f"test accuracy {test.accuracy:.2%} (test loss {test.loss:.4f}) after "
          f"{len(history)} epochs in {seconds:.1f} s")
    print(f"run saved to {out}/ (model.safetensors, config.json, history.csv, metrics.json, "
          f"curves.png, confusion.png)")
    return 0


def _print_row(row: dict) -> None:
    print(f"{row['epoch']:>5}  {row['train_loss']:>10.4f}  {row['train_accuracy']:>9.4f}  "
          f"{row['val_loss']:>8.4f}  {row['val_accuracy']:>7.4f}  {row['lr']:>8.2g}  "
          f"{row['seconds']:>7.1f}", flush=True)


def _axis_names(recipe) -> list:
    """Class labels for pictures: the digits for the 28x28 sets, names for CIFAR-10."""
    return list(recipe.class_names) if recipe.dataset == "cifar10" else \
        list(range(recipe.classes))


def cmd_evaluate(args) -> int:
    from . import viz
    from .app.runs import honour_umask, load_run
    from .app.trainer import evaluate

    check_options(args)
    folder = Path(args.run_dir)
    model, recipe = load_run(folder)
    (_, _), (xt, yt) = _load_data(recipe.dataset, args.data)
    names = recipe.class_names
    test = evaluate(model, recipe, xt, yt)
    print(f"{folder}: test loss {test.loss:.4f}, test accuracy {test.accuracy:.2%} "
          f"({int(test.accuracy * len(yt))}/{len(yt)})")
    counts = viz.confusion_matrix(yt, test.predictions, recipe.classes)
    print("\nper-class accuracy:")
    for c in range(recipe.classes):
        print(f"  {names[c]:>12}: {counts[c, c] / max(counts[c].sum(), 1):.2%} "
              f"of {counts[c].sum()}")
    print("\nconfusion matrix (rows: true class, columns: predicted):")
    print("      " + " ".join(f"{p:>5}" for p in range(recipe.classes)))
    for t in range(recipe.classes):
        print(f"{t:>5} " + " ".join(f"{n:>5}" for n in counts[t]))
    viz.plot_confusion(counts, _axis_names(recipe), folder / "confusion.png",
                       title=f"test set confusion ({test.accuracy:.2%} correct)")
    label = _axis_names(recipe)
    wrong = np.flatnonzero(test.predictions != yt)
    confidence = test.probabilities[wrong, test.predictions[wrong]]
    worst = wrong[np.argsort(-confidence)][:24]
    captions = [f"true {label[yt[i]]}, said {label[test.predictions[i]]}\n"
                f"p={test.probabilities[i].max():.2f}" for i in worst]
    viz.plot_image_grid(xt[worst], captions, folder / "mistakes.png",
                        title="the most confidently wrong test images")
    for name in ("confusion.png", "mistakes.png"):
        honour_umask(folder / name)
    print(f"\nwrote {folder}/confusion.png and {folder}/mistakes.png")
    return 0


def cmd_predict(args) -> int:
    from . import viz
    from .app.photos import prepare
    from .app.runs import honour_umask, load_run
    from .app.trainer import to_inputs
    from .autograd.grad_mode import no_grad

    if args.show and Path(args.show).exists() and not args.force:
        raise ValueError(f"--show {args.show} already exists; glassnet will not replace it (it "
                         f"could be an input); choose a new name or add --force")
    model, recipe = load_run(args.run_dir)
    inputs = [prepare(path, recipe.dataset) for path in args.images]
    with no_grad():
        logits = model(to_inputs(np.stack(inputs), recipe))
        probabilities = logits.softmax(dim=1)._data.astype(float)
    results = [{"image": path, "label": int(p.argmax()), "class": recipe.class_names[p.argmax()],
                "probabilities": [round(v, 6) for v in p]}
               for path, p in zip(args.images, probabilities)]
    if args.json:
        print(json.dumps(results))
    else:
        for r in results:
            said = r["class"] if recipe.dataset == "cifar10" else r["label"]
            print(f"{r['image']}: {said} (p={max(r['probabilities']):.2f})")
    if args.show:
        items = [(Path(r["image"]).name, image, np.array(r["probabilities"]))
                 for r, image in zip(results, inputs)]
        viz.plot_predictions(items, args.show)
        honour_umask(args.show)
    return 0


def cmd_compare(args) -> int:
    from . import viz
    from .app import runs
    from .app.recipe import Recipe

    check_options(args)
    names = [n.strip() for n in args.optimizers.split(",") if n.strip()]
    recipes = [Recipe(optimizer=n, epochs=args.epochs, batch_size=args.batch_size,
                      seed=args.seed, schedule="none") for n in names]
    (x, y), _ = _load_data("mnist", args.data)
    run = runs.RunFolder(args.out or runs.default_run_dir("compare_"), unique=not args.out)
    try:
        out = _compare(recipes, x, y, run, viz)
    except BaseException:
        run.discard()
        raise
    print(f"wrote {out}/compare.png and {out}/compare.csv")
    return 0


def _compare(recipes, x, y, run, viz) -> Path:
    """Train each recipe in turn; the table and plot go into ``run``, then it is published."""
    from .app import runs
    from .app.trainer import train

    partial = run.path
    rows, curves = [], {}
    print(f"{'optimizer':>10}  {'lr':>6}  {'final train loss':>16}  "
          f"{'val acc per epoch':>24}  {'seconds':>7}")
    for recipe in recipes:
        losses = []
        start = time.perf_counter()
        model, history, _ = train(recipe, x, y, progress=False,
                                  on_step=lambda epoch, step, loss, into=losses: into.append(loss))
        seconds = time.perf_counter() - start
        curves[recipe.optimizer] = (losses, [h["val_accuracy"] for h in history])
        accs = " ".join(f"{h['val_accuracy']:.3f}" for h in history)
        final = float(np.mean(losses[-50:]))
        print(f"{recipe.optimizer:>10}  {recipe.lr:>6g}  {final:>16.4f}  {accs:>24}  "
              f"{seconds:>7.1f}", flush=True)
        rows.append({"optimizer": recipe.optimizer, "lr": recipe.lr,
                     "final_train_loss": final, "val_accuracy": history[-1]["val_accuracy"],
                     "seconds": round(seconds, 2)})
        del model  # one model in memory at a time
    runs.write_csv(partial / "compare.csv", rows)
    _plot_comparison(curves, partial / "compare.png", viz)
    return run.publish()


def _plot_comparison(curves: dict, path: Path, viz) -> None:
    from .viz._mpl import pyplot, save_figure

    plt = pyplot()
    figure, (loss_axis, acc_axis) = plt.subplots(1, 2, figsize=(11, 4))
    for name, (losses, accuracies) in curves.items():
        smooth = np.convolve(losses, np.ones(50) / 50, mode="valid")
        loss_axis.plot(smooth, label=name)
        acc_axis.plot(range(1, len(accuracies) + 1), accuracies, marker="o", label=name)
    loss_axis.set(xlabel="step", ylabel="training loss (50-step average)", yscale="log",
                  title="training loss per step")
    acc_axis.set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy")
    acc_axis.xaxis.get_major_locator().set_params(integer=True)
    for axis in (loss_axis, acc_axis):
        axis.grid(alpha=0.3)
        axis.legend()
    save_figure(figure, path)


if __name__ == "__main__":
    sys.exit(main())
