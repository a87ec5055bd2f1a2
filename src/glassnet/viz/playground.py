"""A TensorFlow-Playground view of small networks on 2-D data: the decision boundary shaded by
confidence, every hidden unit's output over the input plane, the weights drawn by size and
sign, and snapshots as training runs (a PNG grid or an animated GIF)."""

from __future__ import annotations

import io

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ._mpl import pyplot, save_figure


def _grid(X, resolution: int = 120, margin: float = 0.5):
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    return gx, gy, np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def _layers(model) -> list:
    if hasattr(model, "layers") and not callable(model.layers):
        return list(model.layers)
    if isinstance(model, nn.Sequential):
        return list(model)
    return [m for name, m in model.named_modules() if name and not m._modules]


def _forward(model, points: np.ndarray) -> np.ndarray:
    was_training = model.training
    model.eval()
    with no_grad():
        out = model(Tensor._make(points))
    model.train(was_training)
    return out._data if isinstance(out, Tensor) else np.asarray(out)


def scores(model, points: np.ndarray, output: str = "auto") -> np.ndarray:
    """What to shade: class probabilities (N, C), or (N,) for one output unit.

    'auto' leaves outputs of a final sigmoid/softmax alone, turns other multi-unit outputs
    into softmax probabilities, and shows a single linear output as it is (the lecture's XOR
    network outputs 0 or 1 directly).
    """
    raw = _forward(model, points)
    layers = _layers(model)
    last = layers[-1] if layers else None
    final = getattr(getattr(last, "activation", None), "__name__", None) or \
        type(last).__name__.lower()
    if output == "raw":
        return raw[:, 0] if raw.shape[-1] == 1 else raw
    if raw.shape[-1] == 1:
        looks_like_logits = raw.min() < -0.05 or raw.max() > 1.05
        if output == "logits" or (output == "auto" and final != "sigmoid" and
                                  looks_like_logits):
            return 1 / (1 + np.exp(-raw[:, 0]))
        return raw[:, 0]
    if final == "softmax" or output == "probabilities":
        return raw
    shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def plot_decision_boundary(model, X, y, path=None, axis=None, title=None, output="auto",
                           resolution: int = 120):
    """The input plane coloured by the predicted class, lighter where the model is unsure,
    with the training points on top."""
    X, y = np.asarray(X), np.asarray(y)
    gx, gy, points = _grid(X, resolution)
    s = scores(model, points, output)
    plt = pyplot()
    figure = None
    if axis is None:
        figure, axis = plt.subplots(figsize=(5, 4.5))
    if s.ndim == 1:
        image = axis.contourf(gx, gy, s.reshape(gx.shape), levels=np.linspace(0, 1, 21),
                              cmap="RdBu_r", alpha=0.8, extend="both")
        if figure is not None:
            figure.colorbar(image, ax=axis, label="model output" if output == "raw" else
                            "P(class 1)")
    else:
        colours = plt.get_cmap("tab10")(np.arange(s.shape[1]))[:, :3]
        confidence = s.max(axis=1, keepdims=True)
        rgb = np.clip(colours[s.argmax(axis=1)] * confidence + (1 - confidence), 0, 1)
        axis.imshow(rgb.reshape(*gx.shape, 3), origin="lower", aspect="auto",
                    extent=(gx.min(), gx.max(), gy.min(), gy.max()), alpha=0.8)
    axis.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r" if s.ndim == 1 else "tab10",
                 edgecolors="black", s=18, linewidths=0.5, vmin=0,
                 vmax=1 if s.ndim == 1 else 9)
    axis.set_title(title or "decision boundary")
    if figure is not None and path is not None:
        save_figure(figure, path)
    return figure or axis


def hidden_outputs(model, X, resolution: int = 50):
    """Every hidden unit's output at each point of a grid over the input plane: returns the
    grid's x coordinates (for its shape) and one (points, units) array per hidden layer, read
    after each activation (a final sigmoid or softmax is the output, not a hidden layer)."""
    gx, gy, points = _grid(np.asarray(X), resolution)
    captured = []
    layers = _layers(model)
    handles = []
    for layer in layers:
        is_activation = type(layer).__name__ in ("ReLU", "Tanh", "Sigmoid", "LeakyReLU",
                                                 "ELU", "GELU", "Activation") or \
            getattr(getattr(layer, "activation", None), "__name__", "linear") != "linear"
        if is_activation:
            handles.append(layer.register_forward_hook(
                lambda m, inp, out: captured.append(out._data)))
    try:
        _forward(model, points)
    finally:
        for handle in handles:
            handle.remove()
    last = layers[-1] if layers else None
    ends_in_activation = type(last).__name__ in ("ReLU", "Tanh", "Sigmoid", "Softmax",
                                                 "Activation") or \
        getattr(getattr(last, "activation", None), "__name__", "linear") != "linear"
    return gx, (captured[:-1] if ends_in_activation else captured)


def plot_neurons(model, X, path=None, resolution: int = 50):
    """Each hidden unit's output over the input plane as a small heatmap, one row per layer
    (read after each activation)."""
    gx, hidden = hidden_outputs(model, X, resolution)
    if not hidden:
        raise ValueError("plot_neurons: the model has no hidden activations to show")
    plt = pyplot()
    columns = max(a.shape[1] for a in hidden)
    figure, axes = plt.subplots(len(hidden), columns, figsize=(1.3 * columns + 0.6,
                                                               1.3 * len(hidden) + 0.4),
                                squeeze=False)
    for row, activations in enumerate(hidden):
        for unit in range(columns):
            axis = axes[row, unit]
            axis.set_xticks([])
            axis.set_yticks([])
            if unit >= activations.shape[1]:
                axis.axis("off")
                continue
            axis.imshow(activations[:, unit].reshape(gx.shape), origin="lower", cmap="RdBu_r")
            if unit == 0:
                axis.set_ylabel(f"layer {row + 1}", fontsize=8)
    figure.suptitle("each hidden unit's output over the input plane", fontsize=10)
    if path is not None:
        save_figure(figure, path)
    return figure


def _dense_weights(model) -> list[np.ndarray]:
    """Each dense layer's weights as (in, out)."""
    matrices = []
    for layer in _layers(model):
        if isinstance(layer, nn.Linear):
            matrices.append(layer.weight._data.T)
        elif hasattr(layer, "kernel"):
            matrices.append(layer.kernel._data)
    return matrices


def plot_weights(model, path=None):
    """The network as neurons and connections: blue for positive weights, orange for
    negative, thicker for larger magnitude."""
    matrices = _dense_weights(model)
    if not matrices:
        raise ValueError("plot_weights: no Linear/Dense layers found")
    sizes = [matrices[0].shape[0]] + [m.shape[1] for m in matrices]
    largest = max(np.abs(m).max() for m in matrices) or 1.0
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(2.2 * len(sizes), 0.5 * max(sizes) + 1.5))

    def y_of(count, i):
        return (i - (count - 1) / 2)

    for layer, matrix in enumerate(matrices):
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                w = matrix[i, j]
                axis.plot([layer, layer + 1], [y_of(sizes[layer], i), y_of(sizes[layer + 1], j)],
                          color="tab:blue" if w > 0 else "tab:orange",
                          lw=0.3 + 4 * abs(w) / largest, alpha=0.8)
    for layer, count in enumerate(sizes):
        for i in range(count):
            axis.scatter(layer, y_of(count, i), s=180, color="white", edgecolors="black",
                         zorder=3)
    axis.set_xticks(range(len(sizes)),
                    ["input"] + [f"layer {k}" for k in range(1, len(sizes))])
    axis.set_yticks([])
    axis.set_title("weights: blue positive, orange negative, width ∝ |w|")
    if path is not None:
        save_figure(figure, path)
    return figure


class Playground:
    """Train a small model on 2-D data and take a snapshot every ``every`` epochs.

    ``run()`` trains (full batch, Adam by default, cross-entropy for several output units or
    BCE-with-logits for one) and returns the snapshots; ``save(path)`` writes them as one PNG
    grid, or an animated GIF if the path ends in .gif.
    """

    def __init__(self, model, X, y, optimizer=None, loss_fn=None, lr: float = 0.03,
                 epochs: int = 300, every: int = 50) -> None:
        from ..optim import Adam

        self.model, self.X, self.y = model, np.asarray(X, np.float32), np.asarray(y)
        self.optimizer = optimizer or Adam(model.parameters(), lr=lr)
        self.loss_fn = loss_fn
        self.epochs, self.every = epochs, every
        self.snapshots: list[tuple[int, float, float]] = []
        self.frames: list[np.ndarray] = []

    def _loss(self, out):
        from ..nn import functional as F

        target = Tensor._make(self.y)
        if self.loss_fn is not None:
            return self.loss_fn(out, target)
        if out.shape[-1] == 1:
            return F.binary_cross_entropy_with_logits(out.reshape(-1), target.float())
        return F.cross_entropy(out, target)

    def run(self):
        inputs = Tensor._make(self.X)
        for epoch in range(1, self.epochs + 1):
            self.model.train()
            self.optimizer.zero_grad()
            out = self.model(inputs)
            loss = self._loss(out)
            loss.backward()
            self.optimizer.step()
            if epoch % self.every == 0 or epoch == 1:
                accuracy = self._accuracy()
                self.snapshots.append((epoch, loss.item(), accuracy))
                self.frames.append(self._frame(epoch, loss.item(), accuracy))
        return self.snapshots

    def _accuracy(self) -> float:
        s = scores(self.model, self.X)
        predicted = (s > 0.5).astype(int) if s.ndim == 1 else s.argmax(axis=1)
        return float((predicted == self.y).mean())

    def _frame(self, epoch, loss, accuracy) -> np.ndarray:
        plt = pyplot()
        figure, axis = plt.subplots(figsize=(4, 3.6))
        plot_decision_boundary(self.model, self.X, self.y, axis=axis,
                               title=f"epoch {epoch}: loss {loss:.3f}, acc {accuracy:.0%}")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        plt.close(figure)
        from PIL import Image

        buffer.seek(0)
        return np.asarray(Image.open(buffer).convert("RGB"))

    def save(self, path) -> None:
        """A PNG grid of the snapshots, or an animated GIF (Pillow) for a .gif path."""
        from pathlib import Path

        from PIL import Image

        from .._files import write_bytes_atomically

        if not self.frames:
            raise RuntimeError("Playground.save: call run() first")
        path = Path(path)
        buffer = io.BytesIO()
        if path.suffix.lower() == ".gif":
            images = [Image.fromarray(f) for f in self.frames]
            images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                           duration=600, loop=0)
        else:
            Image.fromarray(self._sheet()).save(buffer, format="PNG")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(path, buffer.getvalue())

    def _sheet(self) -> np.ndarray:
        """The snapshots side by side, four to a row."""
        columns = min(4, len(self.frames))
        rows = int(np.ceil(len(self.frames) / columns))
        h, w, _ = self.frames[0].shape
        sheet = np.full((rows * h, columns * w, 3), 255, dtype=np.uint8)
        for k, frame in enumerate(self.frames):
            r, c = divmod(k, columns)
            sheet[r * h:(r + 1) * h, c * w:(c + 1) * w] = frame[:h, :w]
        return sheet

    def _repr_png_(self) -> bytes:
        """Jupyter shows the playground as its snapshots after ``run()``, and as the untrained
        model's decision boundary before."""
        from PIL import Image

        if self.frames:
            sheet = self._sheet()
        else:
            with no_grad():
                loss = self._loss(self.model(Tensor._make(self.X))).item()
            sheet = self._frame(0, loss, self._accuracy())
        buffer = io.BytesIO()
        Image.fromarray(sheet).save(buffer, format="PNG")
        return buffer.getvalue()

    def interact(self, epochs_per_update: int = 10):
        """TensorFlow Playground in the notebook: ipywidgets controls for the data set, noise,
        hidden layer sizes, activation, learning rate, batch size and L2 regularisation, with
        train / pause / step / reset buttons, redrawing the decision boundary and every hidden
        unit live. "your points" is this playground's ``X, y``, and the model starts as this
        one (its weights kept until reset). The controls train with SGD at the learning rate
        of this playground's optimizer. Returns the controller
        (``glassnet.viz.interactive.PlaygroundController``), which shows its widgets when it
        ends a cell. Raises ImportError naming ``pip install ipywidgets`` when that is
        missing."""
        from .interactive import interactive_playground

        lr = self.optimizer.param_groups[0]["lr"]
        return interactive_playground(self.X, self.y, model=self.model, lr=lr,
                                      epochs_per_update=epochs_per_update)
