"""Pictures of a classifier's results: confusion matrix, image grids, probability bars."""

from __future__ import annotations

import numpy as np

from ._mpl import pyplot, save_figure


def confusion_matrix(labels, predictions, classes: int) -> np.ndarray:
    """counts[t, p] = how many examples of true class t were predicted as p."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels), np.asarray(predictions)), 1)
    return counts


def plot_confusion(counts: np.ndarray, class_names, path=None, title="Confusion matrix"):
    plt = pyplot()
    n = len(counts)
    figure, axis = plt.subplots(figsize=(0.55 * n + 2.5, 0.55 * n + 2))
    image = axis.imshow(counts, cmap="Blues")
    axis.set_xticks(range(n), [str(c) for c in class_names], rotation=45, ha="right")
    axis.set_yticks(range(n), [str(c) for c in class_names])
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    threshold = counts.max() / 2
    for t in range(n):
        for p in range(n):
            axis.text(p, t, str(counts[t, p]), ha="center", va="center", fontsize=7,
                      color="white" if counts[t, p] > threshold else "black")
    axis.set_title(title)
    figure.colorbar(image, ax=axis, fraction=0.046)
    if path is not None:
        save_figure(figure, path)
    return figure


def _show(axis, image, cmap: str) -> int:
    """A square gray image (flat or 2-D), or an (H, W, 3) colour one in [0, 1] or 0..255;
    returns its side."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 3:
        axis.imshow(image if image.dtype == np.uint8 else np.clip(image, 0, 1))
        return image.shape[0]
    side = int(round(np.sqrt(image.size)))
    axis.imshow(image.reshape(side, side), cmap=cmap)
    return side


def plot_image_grid(images, captions, path=None, columns: int = 6, title: str | None = None):
    """Small images (grayscale, or RGB as (H, W, 3)) with a caption under each."""
    plt = pyplot()
    rows = max(1, int(np.ceil(len(images) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(1.7 * columns, 1.9 * rows),
                                squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, image, caption in zip(axes.ravel(), images, captions):
        _show(axis, image, cmap="gray_r")
        axis.set_title(caption, fontsize=8)
    if title:
        figure.suptitle(title, fontsize=10)
    if path is not None:
        save_figure(figure, path)
    return figure


def plot_predictions(items, path=None):
    """For each (name, input image, probabilities): the input the network saw (28x28 gray or
    32x32x3 colour), and its bars."""
    plt = pyplot()
    figure, axes = plt.subplots(len(items), 2, figsize=(7, 2.4 * len(items)), squeeze=False)
    for (image_axis, bar_axis), (name, image, probs) in zip(axes, items):
        side = _show(image_axis, image, cmap="gray")
        image_axis.set_title(f"{name}\n(the {side}x{side} input)", fontsize=8)
        image_axis.axis("off")
        best = int(np.argmax(probs))
        colors = ["tab:orange" if i == best else "tab:blue" for i in range(len(probs))]
        bar_axis.bar(range(len(probs)), probs, color=colors)
        bar_axis.set_xticks(range(len(probs)))
        bar_axis.set_ylim(0, 1)
        bar_axis.set_title(f"prediction {best} (p={probs[best]:.2f})", fontsize=9)
    figure.tight_layout()
    if path is not None:
        save_figure(figure, path)
    return figure
