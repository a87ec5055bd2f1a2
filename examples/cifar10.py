"""Seed 000's homework: a small convnet on CIFAR-10, with augmentation, written as a PyTorch
user writes it (torchvision's datasets and transforms become glassnet.vision's).

    python examples/cifar10.py [FIGURES_DIR]

CIFAR-10's official binary distribution is looked for in ./data, $GLASSNET_DATA, the
repository's data/ and ~/.cache/glassnet, else downloaded into ./data (170 MB, md5 checked).
Where it is neither found nor downloadable (no network), the script says so in one line and
runs the very same pipeline on a small SYNTHETIC stand-in written in the CIFAR-10 binary format
(coloured blobs, one colour per class): the code path is identical, the accuracy means nothing.

Writes cifar10_curves.png and cifar10_confusion.png into figures/ and prints the test accuracy.
"""

import tempfile
import time
from pathlib import Path

import numpy as np
from _common import figures

import glassnet as torch  # was: import torch
import glassnet.nn as nn  # was: import torch.nn as nn
from glassnet import viz
from glassnet.datasets.idx import DataError
from glassnet.utils.data import DataLoader, Subset
from glassnet.vision import datasets, transforms  # was: from torchvision import ...

EPOCHS, BATCH_SIZE, LR = 10, 64, 1e-3  # on the real data
MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)  # CIFAR-10's, per channel

# Augmentation: a random 32x32 window of the image padded by 4, flipped half of the time;
# the held-out images and the test set are only normalised.
train_transform = transforms.Compose([
    transforms.RandomCrop(32, padding=4),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize(MEAN, STD),
])
plain_transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])


def small_convnet():
    """Three conv-BN-ReLU-pool stages (16, 32, 64 filters): 32x32 → 16 → 8 → 4, then a
    linear classifier on the 64x4x4 features; 34,058 weights."""
    def stage(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.MaxPool2d(2)]

    return nn.Sequential(*stage(3, 16), *stage(16, 32), *stage(32, 64), nn.Flatten(),
                         nn.Dropout(0.3), nn.Linear(64 * 4 * 4, 10))


def write_synthetic_cifar(root: Path, per_batch=80, test=100, seed=0) -> Path:
    """Files in the official binary format (1 label byte, then 1024 R, G and B bytes per
    image): a blurred blob of its class's colour on a random background, plus noise."""
    rng = np.random.default_rng(seed)
    colours = rng.integers(40, 216, (10, 3))
    folder = root / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    yy, xx = np.mgrid[:32, :32]
    for name, count in zip(names, [per_batch] * 5 + [test]):
        labels = rng.integers(0, 10, count)
        centres = rng.uniform(8, 24, (count, 2))
        blob = np.exp(-((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2)
                      / 40)[..., None]
        background = rng.integers(0, 256, (count, 1, 1, 3))
        images = blob * colours[labels][:, None, None] + (1 - blob) * background
        images = np.clip(images + rng.normal(0, 20, images.shape), 0, 255).astype(np.uint8)
        planes = images.transpose(0, 3, 1, 2).reshape(count, 3072)
        (folder / name).write_bytes(np.column_stack([labels.astype(np.uint8), planes])
                                    .tobytes())
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]
    (folder / "batches.meta.txt").write_text("\n".join(classes) + "\n")
    return root


def load(root, download):
    """(augmented training set, plain training set, test set), all CIFAR10 datasets."""
    train_augmented = datasets.CIFAR10(root, train=True, transform=train_transform,
                                       download=download)
    train_plain = datasets.CIFAR10(root, train=True, transform=plain_transform)
    test_set = datasets.CIFAR10(root, train=False, transform=plain_transform)
    return train_augmented, train_plain, test_set


def evaluate(model, loader, criterion):
    """(mean loss, accuracy, predictions, labels) over a loader, in eval mode."""
    model.eval()
    total, predictions, labels = 0.0, [], []
    with torch.no_grad():
        for images, targets in loader:
            logits = model(images)
            total += criterion(logits, targets).item() * len(targets)
            predictions.append(logits.argmax(dim=1).numpy())
            labels.append(targets.numpy())
    predictions, labels = np.concatenate(predictions), np.concatenate(labels)
    return total / len(labels), float((predictions == labels).mean()), predictions, labels


def main():
    out = figures()
    synthetic, scratch = False, None
    try:
        train_augmented, train_plain, test_set = load("data", download=True)
        epochs = EPOCHS
    except DataError as error:
        reason = "not found locally and the download failed" if "download" in str(error) \
            else "not found"
        print(f"CIFAR-10 is not available here ({reason}: {str(error).split('(')[0].strip()}); "
              f"running the same pipeline on a small SYNTHETIC stand-in in the CIFAR-10 binary "
              f"format instead: its accuracy means nothing.")
        scratch = tempfile.TemporaryDirectory()
        train_augmented, train_plain, test_set = load(write_synthetic_cifar(Path(scratch.name)),
                                                      download=False)
        synthetic, epochs = True, 2

    torch.manual_seed(0)
    order = np.random.default_rng(0).permutation(len(train_plain))
    held_out = len(order) // 10  # 10% of the training images for validation
    train_loader = DataLoader(Subset(train_augmented, order[held_out:]),
                              batch_size=BATCH_SIZE, shuffle=True)
    val_loader = DataLoader(Subset(train_plain, order[:held_out]), batch_size=500)
    test_loader = DataLoader(test_set, batch_size=500)

    model = small_convnet()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    print(f"{'synthetic stand-in' if synthetic else 'CIFAR-10'}: "
          f"{len(order) - held_out} training images (augmented), {held_out} validation, "
          f"{len(test_set)} test; {sum(p.numel() for p in model.parameters()):,} weights; "
          f"{epochs} epochs")

    history = []
    for epoch in range(1, epochs + 1):
        start, seen, loss_sum, correct = time.perf_counter(), 0, 0.0, 0
        model.train()
        for images, targets in train_loader:
            optimizer.zero_grad()
            logits = model(images)
            loss = criterion(logits, targets)
            loss.backward()
            optimizer.step()
            seen += len(targets)
            loss_sum += loss.item() * len(targets)
            correct += int((logits.argmax(dim=1) == targets).sum().item())
        val_loss, val_accuracy, _, _ = evaluate(model, val_loader, criterion)
        history.append({"epoch": epoch, "train_loss": loss_sum / seen,
                        "train_accuracy": correct / seen, "val_loss": val_loss,
                        "val_accuracy": val_accuracy})
        schedule.step()
        print(f"epoch {epoch}: train loss {loss_sum / seen:.3f}, train acc {correct / seen:.3f}"
              f", val acc {val_accuracy:.3f} ({time.perf_counter() - start:.0f} s)", flush=True)

    test_loss, test_accuracy, predictions, labels = evaluate(model, test_loader, criterion)
    note = " (SYNTHETIC stand-in data: meaningless)" if synthetic else ""
    print(f"test accuracy {test_accuracy:.2%} (test loss {test_loss:.3f}){note}")
    viz.plot_history(history, out / "cifar10_curves.png",
                     title=f"small convnet on CIFAR-10{note}")
    counts = viz.confusion_matrix(labels, predictions, 10)
    viz.plot_confusion(counts, test_set.classes, out / "cifar10_confusion.png",
                       title=f"test confusion, {test_accuracy:.2%} correct{note}")
    print(f"wrote {out}/cifar10_curves.png and {out}/cifar10_confusion.png")
    if scratch is not None:
        scratch.cleanup()


if __name__ == "__main__":
    main()
