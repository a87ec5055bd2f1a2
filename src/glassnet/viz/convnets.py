"""Looking inside a convolutional network: its filters, its feature maps, and saliency.

- ``plot_filters(conv_layer)``: the learned kernels as small images, one shared colour scale
  centred at 0 (red positive, blue negative), so a near-zero kernel looks pale;
- ``feature_maps(model, image)`` / ``plot_feature_maps``: each conv layer's output channels for
  one input, captured with forward hooks;
- ``saliency(model, image, target)`` / ``plot_saliency``: |∂score/∂pixel|, how much each pixel
  moves the class score (Simonyan et al., 2014): the simplest "what is it looking at" picture.

Every function leaves the model as it found it: hooks removed, train/eval modes restored,
parameter gradients untouched.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..advice import quiet
from ..autograd.engine import grad as autograd_grad
from ..autograd.grad_mode import no_grad
from ..errors import ShapeError
from ..tensor import Tensor
from ._mpl import pyplot, save_figure

CONV_2D = ("Conv2d", "ConvTranspose2d")


def _is_conv(module) -> bool:
    return type(module).__name__ in CONV_2D


def _kernels(conv_layer) -> np.ndarray:
    """The weights as (out_channels, in_channels, kh, kw), whatever the layer's own layout."""
    kind = type(conv_layer).__name__
    if isinstance(conv_layer, (np.ndarray, Tensor)):
        weight = conv_layer._data if isinstance(conv_layer, Tensor) else conv_layer
    elif kind == "Conv2d":
        weight = conv_layer.weight._data
    elif kind == "ConvTranspose2d":  # stored (in, out, kh, kw)
        weight = conv_layer.weight._data.transpose(1, 0, 2, 3)
    elif kind in ("Conv2D", "Conv2DTranspose") and getattr(conv_layer, "kernel", None) \
            is not None:  # Keras: (kh, kw, in, out), and (kh, kw, out, in) when transposed
        order = (3, 2, 0, 1) if kind == "Conv2D" else (2, 3, 0, 1)
        weight = conv_layer.kernel._data.transpose(order)
    else:
        raise TypeError(f"plot_filters expected a Conv2d layer (or its weight, an array of shape "
                        f"(out_channels, in_channels, kh, kw)); got {kind}. Pass the layer "
                        f"itself, e.g. viz.plot_filters(model[0]).")
    weight = np.asarray(weight, dtype=np.float64)
    if weight.ndim != 4:
        raise ShapeError(f"plot_filters: expected kernels of shape (out_channels, in_channels, "
                         f"kh, kw), got {weight.shape}. Pass a 2-d convolution's weight.")
    return weight


def plot_filters(conv_layer, path=None, max_filters: int = 64, rgb: bool | None = None,
                 title: str | None = None):
    """Draw a 2-d convolution's kernels: column j is filter j, row i its slice for input
    channel i (or, with ``rgb``, one colour image per filter when there are 3 input channels).

    All kernels share one colour scale from -m to +m, m = the largest |weight|, so their
    strengths compare and 0 is white. ``rgb`` (default: in_channels == 3) maps w to
    0.5 + w / 2m per channel, so grey is 0. At most ``max_filters`` filters are drawn.

    Example: ``viz.plot_filters(model[0], "filters.png")`` for LeNet-5's 6 first-layer filters.
    """
    weight = _kernels(conv_layer)
    filters, channels = weight.shape[:2]
    rgb = channels == 3 if rgb is None else rgb
    if rgb and channels != 3:
        raise ShapeError(f"plot_filters(rgb=True) needs 3 input channels; the kernels have "
                         f"{channels} (shape {weight.shape}). Leave rgb=None.")
    shown = weight[:max_filters]
    largest = float(np.abs(weight).max()) or 1.0
    rows = 1 if rgb else channels
    columns = len(shown)
    if rows == 1 and columns > 16:  # one input channel: wrap the filters into a block
        rows, columns = int(np.ceil(columns / 16)), 16
    plt = pyplot()
    size = 0.55 if max(rows, columns) > 8 else 0.9
    figure, axes = plt.subplots(rows, columns, figsize=(size * columns + 1.2, size * rows + 0.8),
                                squeeze=False)
    for axis in axes.ravel():
        axis.set_xticks([])
        axis.set_yticks([])
    image = None
    for j, kernel in enumerate(shown):
        if rgb:
            axis = axes.ravel()[j]
            axis.imshow(np.clip(0.5 + kernel.transpose(1, 2, 0) / (2 * largest), 0, 1))
            axis.set_title(str(j), fontsize=7)
            continue
        for i in range(channels):
            axis = axes[i, j] if channels > 1 else axes.ravel()[j]
            image = axis.imshow(kernel[i], cmap="RdBu_r", vmin=-largest, vmax=largest)
            if i == 0:
                axis.set_title(str(j), fontsize=7)
            if channels > 1 and j == 0:
                axis.set_ylabel(f"in {i}", fontsize=7)
    for axis in axes.ravel()[len(shown) * (1 if rgb or channels == 1 else channels):]:
        axis.axis("off")
    if image is not None:
        figure.colorbar(image, ax=axes.ravel().tolist(), fraction=0.03, pad=0.02)
    more = f", first {len(shown)} of {filters}" if len(shown) < filters else ""
    kind = "RGB, grey = 0" if rgb else f"{channels} input channel{'s' * (channels > 1)}"
    figure.suptitle(title or f"{filters} filters of {weight.shape[2]}x{weight.shape[3]} "
                             f"({kind}{more})", fontsize=9)
    if path is not None:
        save_figure(figure, path)
    return figure


def _batch_of_one(image) -> np.ndarray:
    """One image as a (1, C, H, W) array; (H, W) is one grey channel."""
    array = image._data if isinstance(image, Tensor) else np.asarray(image)
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ShapeError(f"expected one image of shape (C, H, W), (1, C, H, W) or (H, W); got "
                         f"{array.shape}. Pick one image, e.g. images[0].")
    if array.dtype.kind in "iu":
        array = array / np.float32(255)
    return array[None]


@contextmanager
def _evaluating(model):
    """model.eval() inside, every module's own mode put back afterwards."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, mode in modes:
            module.__dict__["training"] = mode


def _input_dtype(model):
    for p in model.parameters():
        return p._data.dtype
    return np.float32


def _conv_layers(model, layers) -> list[tuple[str, object]]:
    named = [(name, m) for name, m in model.named_modules() if name and _is_conv(m)]
    if layers is None:
        if not named:
            raise ValueError(f"plot_feature_maps: {type(model).__name__} has no Conv2d or "
                             f"ConvTranspose2d layer. Pass layers=[...] to name the modules "
                             f"to show.")
        return named
    modules = dict(model.named_modules())
    chosen = []
    for layer in layers:
        if isinstance(layer, str):
            if layer not in modules:
                raise KeyError(f"feature maps: the model has no layer {layer!r}; its conv "
                               f"layers are {[name for name, _ in named]}")
            chosen.append((layer, modules[layer]))
        else:
            name = next((n for n, m in modules.items() if m is layer), None)
            if name is None:
                raise ValueError(f"feature maps: a {type(layer).__name__} was given that is not "
                                 f"part of the model. Pass one of its layers or their names "
                                 f"{[n for n, _ in named]}.")
            chosen.append((name, layer))
    return chosen


def feature_maps(model, image, layers=None) -> dict[str, np.ndarray]:
    """Each chosen layer's output for one image, as {layer name: (C, H, W) array}.

    ``layers``: names (as in ``model.named_modules()``) or modules; default every Conv2d and
    ConvTranspose2d. The outputs are the convolutions' own (before any activation), captured
    by forward hooks in eval mode under ``no_grad``.
    """
    chosen = _conv_layers(model, layers)
    x = _batch_of_one(image).astype(_input_dtype(model))
    captured: dict[str, np.ndarray] = {}
    handles = []
    for name, module in chosen:
        def hook(m, inputs, output, name=name):
            captured[name] = np.array(output._data[0])
        handles.append(module.register_forward_hook(hook))
    try:
        with _evaluating(model), no_grad(), quiet():
            model(Tensor._make(x))
    finally:
        for handle in handles:
            handle.remove()
    return {name: captured[name] for name, _ in chosen if name in captured}


def plot_feature_maps(model, image, layers=None, path=None, max_channels: int = 32,
                      columns: int = 8):
    """Draw the input and, row by row, each conv layer's output channels for that one input.

    Each layer's maps share one colour scale (so a silent channel looks flat); at most
    ``max_channels`` channels per layer, ``columns`` to a row.
    """
    maps = feature_maps(model, image, layers)
    x = _batch_of_one(image)[0]
    plt = pyplot()
    blocks = [(name, m[:max_channels], m.shape[0]) for name, m in maps.items()]
    rows = 1 + sum(int(np.ceil(len(m) / columns)) for _, m, _ in blocks)
    figure, axes = plt.subplots(rows, columns, figsize=(1.3 * columns + 1, 1.35 * rows),
                                squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    modules = dict(model.named_modules())
    axes[0, 0].imshow(x[0] if len(x) != 3 else np.clip(x.transpose(1, 2, 0), 0, 1),
                      cmap="gray")
    axes[0, 0].set_title(f"input {x.shape[1]}x{x.shape[2]}", fontsize=7)
    row = 1
    for name, shown, total in blocks:
        low, high = float(shown.min()), float(shown.max())
        for c, channel in enumerate(shown):
            axis = axes[row + c // columns, c % columns]
            axis.imshow(channel, cmap="viridis", vmin=low, vmax=high)
            axis.set_title(f"{name}:{c}", fontsize=6)
        label = f"{name} {type(modules[name]).__name__}\n{total}x{shown.shape[1]}x" \
                f"{shown.shape[2]}"
        axes[row, 0].text(-0.15, 0.5, label, transform=axes[row, 0].transAxes, fontsize=7,
                          ha="right", va="center")
        row += int(np.ceil(len(shown) / columns))
    figure.suptitle("feature maps (each layer on one colour scale)", fontsize=9)
    if path is not None:
        save_figure(figure, path)
    return figure


def saliency(model, image, target: int | None = None) -> np.ndarray:
    """|∂score_target/∂pixel|, the largest over the colour channels: an (H, W) array.

    score_target is the model's output for class ``target`` (the logit, before softmax, as in
    Simonyan et al.), by default the predicted class. The gradient comes from one backward
    pass to the input alone (``autograd.grad``), in eval mode: no parameter's ``.grad`` moves.
    """
    x = Tensor(_batch_of_one(image).astype(_input_dtype(model)), requires_grad=True)
    with _evaluating(model), quiet():
        scores = model(x)
        if scores.ndim != 2 or scores.shape[0] != 1:
            raise ShapeError(f"saliency: expected the model to return scores of shape (1, "
                             f"classes) for one image; got {tuple(scores.shape)}. Wrap the "
                             f"model so it returns class scores.")
        classes = scores.shape[1]
        if target is None:
            target = int(np.argmax(scores._data[0]))
        if not 0 <= target < classes:
            raise IndexError(f"saliency: target {target} is not a class of this model "
                             f"(0 to {classes - 1}). Pass a class index, or None for the "
                             f"predicted class.")
        (gradient,) = autograd_grad(scores[0, target], x)
    return np.abs(gradient._data[0]).max(axis=0)


def plot_saliency(model, image, target=None, path=None):
    """Each image beside its saliency map (and the map over the image, where it looks).

    ``image``: one image (C, H, W) or (H, W), or a batch (N, C, H, W) for one row each;
    ``target``: a class, one per image, or None for each image's predicted class.
    """
    array = image._data if isinstance(image, Tensor) else np.asarray(image)
    images = list(array) if array.ndim == 4 else [array]
    targets = list(target) if isinstance(target, (list, tuple, np.ndarray)) else \
        [target] * len(images)
    if len(targets) != len(images):
        raise ValueError(f"plot_saliency: {len(images)} images but {len(targets)} targets; "
                         f"give one target per image, or None.")
    plt = pyplot()
    figure, axes = plt.subplots(len(images), 3, figsize=(5.6, 1.95 * len(images)), squeeze=False)
    for (shown, heat, over), picture, wanted in zip(axes, images, targets):
        x = _batch_of_one(picture)
        with _evaluating(model), no_grad(), quiet():
            logits = model(Tensor._make(x.astype(_input_dtype(model))))._data[0]
        predicted = int(np.argmax(logits))
        wanted = predicted if wanted is None else int(wanted)
        heat_map = saliency(model, picture, wanted)
        gray = x[0, 0] if x.shape[1] != 3 else np.clip(x[0].transpose(1, 2, 0), 0, 1)
        shown.imshow(gray, cmap="gray")
        shown.set_title(f"predicted {predicted}", fontsize=8)
        heat.imshow(heat_map, cmap="hot")
        heat.set_title(f"|∂score[{wanted}]/∂pixel|", fontsize=8)
        over.imshow(gray, cmap="gray")
        over.imshow(heat_map, cmap="hot", alpha=0.55)
        over.set_title("saliency over the image", fontsize=8)
        for axis in (shown, heat, over):
            axis.axis("off")
    figure.tight_layout()
    if path is not None:
        save_figure(figure, path)
    return figure
