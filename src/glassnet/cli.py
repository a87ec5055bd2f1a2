"""The ``glassnet`` command: train, evaluate, predict and compare-optimizers on MNIST.

Every mistake (missing data, a bad image, an unknown option value, a folder that is not a run)
ends in one line on stderr and a non-zero exit; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
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
    from .app.recipe import ACTIVATIONS, DATASETS, OPTIMIZERS, SCHEDULES

    parser = OneLineParser(prog="glassnet", description="Train, evaluate and use MNIST "
                                                         "networks with glassnet.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    train = commands.add_parser("train", help="train a network and write a run folder")
    train.add_argument("--dataset", choices=DATASETS, default="mnist")
    train.add_argument("--hidden", type=_hidden, default=[128, 64],
                       help="hidden layer sizes (default 128,64)")
    train.add_argument("--activation", choices=list(ACTIVATIONS), default="relu")
    train.add_argument("--dropout", type=float, default=0.0)
    train.add_argument("--batchnorm", action="store_true")
    train.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    train.add_argument("--lr", type=float, default=None,
                       help="learning rate (default: 1e-3 for adam/adamw/rmsprop, 0.01 sgd, "
                            "0.01 momentum)")
    train.add_argument("--momentum", type=float, default=0.9)
    train.add_argument("--weight-decay", type=float, default=0.0)
    train.add_argument("--schedule", choices=SCHEDULES, default="cosine",
                       help="learning-rate schedule over the epochs (default cosine)")
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--early-stopping", type=int, metavar="PATIENCE", default=None)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--data", metavar="DIR", help="folder holding the IDX files")
    train.add_argument("--out", metavar="RUN_DIR", help="run folder (default runs/<time>)")
    train.add_argument("--doctor", action="store_true",
                       help="check the setup on the first batch and report gradients")

    evaluate = commands.add_parser("evaluate", help="test accuracy, per class, confusions")
    evaluate.add_argument("run_dir", metavar="RUN_DIR")
    evaluate.add_argument("--data", metavar="DIR")

    predict = commands.add_parser("predict", help="classify photos of handwritten digits")
    predict.add_argument("run_dir", metavar="RUN_DIR")
    predict.add_argument("images", metavar="IMAGE", nargs="+")
    predict.add_argument("--json", action="store_true", help="print a JSON list")
    predict.add_argument("--show", metavar="PNG", help="save what the network saw")

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


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict,
                "compare-optimizers": cmd_compare}
    try:
        return handlers[args.command](args) or 0
    except KeyboardInterrupt:
        print("glassnet: interrupted; no run folder was written", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError, ImportError, RuntimeError) as error:
        if args.debug:
            raise
        message = " ".join(str(error).split())
        print(f"glassnet: error: {message}", file=sys.stderr)
        return 1


# ----- commands ---------------------------------------------------------------------------
def _load_data(dataset: str, data_dir):
    from .datasets.mnist import FASHION_SOURCE, MNIST_SOURCE, load_arrays

    source = MNIST_SOURCE if dataset == "mnist" else FASHION_SOURCE
    return load_arrays(source, data_dir, download_missing=True), source


def cmd_train(args) -> int:
    from .app import runs
    from .app.recipe import Recipe
    from .app.trainer import evaluate, train

    recipe = Recipe(dataset=args.dataset, hidden=args.hidden, activation=args.activation,
                    dropout=args.dropout, batchnorm=args.batchnorm, optimizer=args.optimizer,
                    lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay,
                    schedule=args.schedule, batch_size=args.batch_size, epochs=args.epochs,
                    early_stopping=args.early_stopping, seed=args.seed)
    out = Path(args.out) if args.out else runs.default_run_dir()
    partial = runs.start(out)
    try:
        ((x, y), (xt, yt)), _ = _load_data(recipe.dataset, args.data)
        print(f"glassnet train: {recipe.dataset}, {len(x)} training images "
              f"({recipe.val_fraction:.0%} held out for validation), network "
              f"{'-'.join(map(str, [784, *recipe.hidden, 10]))} {recipe.activation}, "
              f"{recipe.optimizer} lr={recipe.lr:g}, batch {recipe.batch_size}, "
              f"{recipe.epochs} epochs, seed {recipe.seed}")
        header = (f"{'epoch':>5}  {'train loss':>10}  {'train acc':>9}  {'val loss':>8}  "
                  f"{'val acc':>7}  {'lr':>8}  {'seconds':>7}")
        print(header)
        start = time.perf_counter()
        model, history, best_epoch = train(recipe, x, y, on_epoch=_print_row,
                                           doctor=args.doctor)
        seconds = time.perf_counter() - start
        test = evaluate(model, recipe, xt, yt)
        _write_run(partial, model, recipe, history, test, yt, seconds, best_epoch)
    except BaseException:
        import shutil

        shutil.rmtree(partial, ignore_errors=True)
        raise
    runs.finish(partial, out)
    print(f"test accuracy {test.accuracy:.2%} (test loss {test.loss:.4f}) after "
          f"{len(history)} epochs in {seconds:.1f} s")
    print(f"run saved to {out}/ (model.safetensors, config.json, history.csv, metrics.json, "
          f"curves.png, confusion.png)")
    return 0


def _print_row(row: dict) -> None:
    print(f"{row['epoch']:>5}  {row['train_loss']:>10.4f}  {row['train_accuracy']:>9.4f}  "
          f"{row['val_loss']:>8.4f}  {row['val_accuracy']:>7.4f}  {row['lr']:>8.2g}  "
          f"{row['seconds']:>7.1f}", flush=True)


def _write_run(folder, model, recipe, history, test, labels, seconds, best_epoch) -> None:
    from . import viz
    from .app import runs

    runs.save_model(folder, model, recipe)
    runs.write_csv(folder / "history.csv", history)
    runs.write_json(folder / "metrics.json", {
        "test_accuracy": test.accuracy, "test_loss": test.loss, "epochs": len(history),
        "best_epoch": best_epoch, "seconds": round(seconds, 2),
        "final_val_accuracy": history[-1]["val_accuracy"]})
    viz.plot_history(history, folder / "curves.png",
                     title=f"{recipe.dataset}: {recipe.optimizer}, test accuracy "
                           f"{test.accuracy:.2%}")
    counts = viz.confusion_matrix(labels, test.predictions, recipe.classes)
    viz.plot_confusion(counts, range(recipe.classes), folder / "confusion.png",
                       title=f"test set confusion ({test.accuracy:.2%} correct)")


def cmd_evaluate(args) -> int:
    from . import viz
    from .app.runs import load_run
    from .app.trainer import evaluate

    folder = Path(args.run_dir)
    model, recipe = load_run(folder)
    ((_, _), (xt, yt)), source = _load_data(recipe.dataset, args.data)
    test = evaluate(model, recipe, xt, yt)
    print(f"{folder}: test loss {test.loss:.4f}, test accuracy {test.accuracy:.2%} "
          f"({int(test.accuracy * len(yt))}/{len(yt)})")
    counts = viz.confusion_matrix(yt, test.predictions, recipe.classes)
    print("\nper-class accuracy:")
    for c in range(recipe.classes):
        print(f"  {source.classes[c]:>12}: {counts[c, c] / max(counts[c].sum(), 1):.2%} "
              f"of {counts[c].sum()}")
    print("\nconfusion matrix (rows: true class, columns: predicted):")
    print("      " + " ".join(f"{p:>5}" for p in range(recipe.classes)))
    for t in range(recipe.classes):
        print(f"{t:>5} " + " ".join(f"{n:>5}" for n in counts[t]))
    viz.plot_confusion(counts, range(recipe.classes), folder / "confusion.png",
                       title=f"test set confusion ({test.accuracy:.2%} correct)")
    wrong = np.flatnonzero(test.predictions != yt)
    confidence = test.probabilities[wrong, test.predictions[wrong]]
    worst = wrong[np.argsort(-confidence)][:24]
    captions = [f"true {yt[i]}, said {test.predictions[i]}\np={test.probabilities[i].max():.2f}"
                for i in worst]
    viz.plot_image_grid(xt[worst], captions, folder / "mistakes.png",
                        title="the most confidently wrong test images")
    print(f"\nwrote {folder}/confusion.png and {folder}/mistakes.png")
    return 0


def cmd_predict(args) -> int:
    from . import viz
    from .app.photos import prepare
    from .app.runs import load_run
    from .app.trainer import to_inputs
    from .autograd.grad_mode import no_grad

    model, recipe = load_run(args.run_dir)
    inputs = [prepare(path) for path in args.images]
    with no_grad():
        logits = model(to_inputs(np.stack(inputs), recipe))
        probabilities = logits.softmax(dim=1)._data.astype(float)
    results = [{"image": path, "label": int(p.argmax()), "probabilities": [round(v, 6)
                                                                          for v in p]}
               for path, p in zip(args.images, probabilities)]
    if args.json:
        print(json.dumps(results))
    else:
        for r in results:
            print(f"{r['image']}: {r['label']} (p={max(r['probabilities']):.2f})")
    if args.show:
        items = [(Path(r["image"]).name, image, np.array(r["probabilities"]))
                 for r, image in zip(results, inputs)]
        viz.plot_predictions(items, args.show)
    return 0


def cmd_compare(args) -> int:
    from . import viz
    from .app import runs
    from .app.recipe import Recipe
    from .app.trainer import train

    names = [n.strip() for n in args.optimizers.split(",") if n.strip()]
    recipes = [Recipe(optimizer=n, epochs=args.epochs, batch_size=args.batch_size,
                      seed=args.seed, schedule="none") for n in names]
    ((x, y), _), _ = _load_data("mnist", args.data)
    out = Path(args.out) if args.out else \
        Path("runs") / time.strftime("compare_%Y-%m-%d_%H-%M-%S")
    partial = runs.start(out)
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
    runs.finish(partial, out)
    print(f"wrote {out}/compare.png and {out}/compare.csv")
    return 0


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
