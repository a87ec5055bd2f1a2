"""The training loop behind the CLI: mini-batches of uint8 images converted (and, for
CIFAR-10, augmented) on the fly, validation each epoch, a schedule, early stopping with the
best weights restored."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..random import manual_seed
from ..tensor import Tensor
from .progress import EpochProgress
from .recipe import Recipe, build_model, build_optimizer, build_schedule


def to_inputs(images: np.ndarray, recipe: Recipe) -> Tensor:
    """Gray images (N, H, W) or colour images (N, H, W, C), uint8 in 0..255 or float in
    [0, 1] → float32 NCHW (N, C, H, W), standardised per channel: (x - mean) / std, as
    torchvision's ToTensor then Normalize."""
    if images.ndim == 3:
        batch = images[:, None].astype(np.float32)
    else:
        batch = images.transpose(0, 3, 1, 2).astype(np.float32)
    if images.dtype == np.uint8:
        batch *= np.float32(1 / 255)
    mean = np.asarray(recipe.input_mean, dtype=np.float32).reshape(-1, 1, 1)
    std = np.asarray(recipe.input_std, dtype=np.float32).reshape(-1, 1, 1)
    batch -= mean
    batch *= 1 / std
    return Tensor._make(batch)


def augment(images: np.ndarray, rng: np.random.Generator, padding: int = 4) -> np.ndarray:
    """Random crop after zero padding, and a left-right flip for half the images, for a whole
    batch at once (torchvision's RandomCrop(size, padding=4) then RandomHorizontalFlip()).

    Each image (N, H, W, C) is padded by ``padding`` black pixels on every side; a window of
    the original size starts at a random offset in 0..2*padding; its columns are read in
    reverse for the flipped images. One gather does all of it.
    """
    n, height, width = images.shape[:3]
    padded = np.pad(images, [(0, 0), (padding, padding), (padding, padding)] +
                    [(0, 0)] * (images.ndim - 3))
    top = rng.integers(0, 2 * padding + 1, size=n)
    left = rng.integers(0, 2 * padding + 1, size=n)
    flip = rng.random(n) < 0.5
    rows = top[:, None] + np.arange(height)
    columns = np.where(flip[:, None], np.arange(width)[::-1], np.arange(width)) + left[:, None]
    return padded[np.arange(n)[:, None, None], rows[:, :, None], columns[:, None, :]]


class DivergedError(RuntimeError):
    """The loss became NaN or infinite: the weights are no longer a model of anything."""


def _diverged(recipe: Recipe, what: str, value: float, epoch: int, step: int | None = None):
    where = f"epoch {epoch}, step {step}" if step else f"the end of epoch {epoch}"
    return DivergedError(
        f"training diverged: the {what} became {value} at {where} (lr {recipe.lr:g}, "
        f"{recipe.optimizer}); nothing was saved; try a smaller --lr (e.g. {recipe.lr / 10:g})")


@dataclass
class Evaluation:
    loss: float
    accuracy: float
    predictions: np.ndarray
    probabilities: np.ndarray


def evaluate(model: nn.Module, recipe: Recipe, images: np.ndarray, labels: np.ndarray,
             chunk: int | None = None) -> Evaluation:
    """Mean cross-entropy, accuracy, predicted classes and probabilities, in eval mode.

    Images go through the network ``chunk`` at a time (default 2000 for the mlp, 250 for a
    convnet, whose feature maps take 100-1000x the memory of the images)."""
    chunk = chunk or (2000 if recipe.model == "mlp" else 250)
    was_training = model.training
    model.eval()
    total, probabilities = 0.0, []
    with no_grad():
        for start in range(0, len(images), chunk):
            logits = model(to_inputs(images[start:start + chunk], recipe))
            target = Tensor._make(labels[start:start + chunk])
            total += nn.functional.cross_entropy(logits, target, reduction="sum").item()
            probabilities.append(logits.softmax(dim=1)._data)
    model.train(was_training)
    probs = np.concatenate(probabilities)
    predictions = probs.argmax(axis=1)
    return Evaluation(total / len(images), float((predictions == labels).mean()), predictions,
                      probs)


def _doctor_before(model, criterion, optimizer, recipe, x, y) -> None:
    from ..doctor import check

    idx = np.arange(min(len(x), recipe.batch_size))
    findings = check(model, criterion, (to_inputs(x[idx], recipe), Tensor._make(y[idx])),
                     optimizer)
    for finding in findings:
        print(f"doctor: {finding}")
    if not findings:
        print("doctor: checked the first batch; no problems found")


def split(images, labels, fraction: float, seed: int):
    """Hold out a random ``fraction`` of the training set for validation."""
    order = np.random.default_rng(seed).permutation(len(images))
    cut = len(images) - int(round(len(images) * fraction))
    train, val = order[:cut], order[cut:]
    return images[train], labels[train], images[val], labels[val]


def train(recipe: Recipe, images, labels, out=None, on_epoch=None, on_step=None,
          progress: bool = True, doctor: bool = False, world=None):
    """Train ``build_model(recipe)``; returns (model, history rows, best epoch).

    Raises DivergedError as soon as a training or validation loss is NaN or infinite.

    With a ``world`` of N > 1 ranks (``app.distributed_run.World``), data parallel as PyTorch
    DDP: the model is wrapped in ``DistributedDataParallel``, each rank takes its
    ``DistributedSampler`` share of every epoch in batches of ``recipe.batch_size`` (the global
    batch is N times that), and the loss and accuracy of each step are summed over the ranks
    (one small Allreduce), so the divergence check and the history are the same on every rank.
    Every rank evaluates the whole validation set itself (same weights, same numbers, so the
    schedule and early stopping agree without a message). The returned model is the plain one.
    """
    manual_seed(recipe.seed)
    x, y, val_x, val_y = split(images, labels, recipe.val_fraction, recipe.seed)
    model = build_model(recipe)
    net, sampler = model, None
    if world is not None and world.size > 1:
        from ..nn.parallel import DistributedDataParallel
        from ..utils.data.distributed import DistributedSampler

        net = DistributedDataParallel(model)  # rank 0's initial weights on every rank
        sampler = DistributedSampler(x, num_replicas=world.size, rank=world.rank,
                                     shuffle=True, seed=recipe.seed)
        manual_seed(recipe.seed + world.rank)  # dropout masks: each rank its own
    optimizer = build_optimizer(recipe, model.parameters())
    schedule = build_schedule(recipe, optimizer)
    criterion = nn.CrossEntropyLoss()
    rng = np.random.default_rng(recipe.seed + 1 + (world.rank if sampler is not None else 0))
    if doctor:
        _doctor_before(model, criterion, optimizer, recipe, x, y)
    history, best = [], (np.inf, 0, None)
    steps = int(np.ceil((len(sampler) if sampler is not None else len(x)) / recipe.batch_size))
    # overflow to inf / nan is caught below, with one sentence, instead of numpy's warnings
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, recipe.epochs + 1):
            start = time.perf_counter()
            lr = optimizer.param_groups[0]["lr"]
            bar = EpochProgress(epoch, recipe.epochs, steps, out) if progress else None
            if sampler is not None:
                sampler.set_epoch(epoch)
                order = np.fromiter(sampler, dtype=np.int64, count=len(sampler))
            else:
                order = rng.permutation(len(x))
            loss_sum, correct, seen = 0.0, 0, 0
            model.train()
            for step, begin in enumerate(range(0, len(order), recipe.batch_size), start=1):
                idx = order[begin:begin + recipe.batch_size]
                target = Tensor._make(y[idx])
                optimizer.zero_grad()
                batch = augment(x[idx], rng) if recipe.augment else x[idx]
                logits = net(to_inputs(batch, recipe))
                loss = criterion(logits, target)
                value = loss.item()
                counts = [value * len(idx), int((logits._data.argmax(1) == target._data).sum()),
                          len(idx)]
                if sampler is not None:  # the global batch's loss: every rank decides alike below
                    counts = world.sum(np.array(counts, dtype=np.float64)).tolist()
                    value = counts[0] / counts[2]
                if not np.isfinite(value):  # one NaN step poisons every weight after it
                    raise _diverged(recipe, "training loss", value, epoch, step)
                loss.backward()
                optimizer.step()
                loss_sum += counts[0]
                correct += int(counts[1])
                seen += int(counts[2])
                if bar:
                    bar.update(step, value)
                if on_step:
                    on_step(epoch, step, value)
            if bar:
                bar.close()
            val = evaluate(model, recipe, val_x, val_y)
            if not np.isfinite(val.loss):
                raise _diverged(recipe, "validation loss", val.loss, epoch)
            row = dict(epoch=epoch, train_loss=loss_sum / seen, train_accuracy=correct / seen,
                       val_loss=val.loss, val_accuracy=val.accuracy, lr=lr,
                       seconds=time.perf_counter() - start)
            history.append(row)
            if on_epoch:
                on_epoch(row)
            if doctor and epoch == 1:
                from ..doctor import gradient_report

                print("doctor: gradients after the last batch of epoch 1:")
                print(gradient_report(model, optimizer))
            if isinstance(schedule, ReduceLROnPlateau):
                schedule.step(val.loss)
            elif schedule is not None:
                schedule.step()
            if val.loss < best[0]:
                state = {k: v._data.copy() for k, v in model.state_dict().items()}
                best = (val.loss, epoch, state)
            elif recipe.early_stopping and epoch - best[1] >= recipe.early_stopping:
                break
    if recipe.early_stopping and best[2] is not None and best[1] != history[-1]["epoch"]:
        model.load_state_dict(best[2])  # early stopping keeps the best epoch's weights
    return model, history, best[1]
