"""TensorFlow Playground in a notebook: ipywidgets controls over a small network on 2-D data,
retraining and redrawing the decision boundary and every hidden unit as it learns.

The logic lives in ``PlaygroundController``, a plain class: each widget's handler only copies
the widget's value into a setting and calls a method (``reset``, ``step``, ``train``,
``pause``), so tests drive it without a browser, and the controller works without widgets too.
"""

from __future__ import annotations

import asyncio

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..datasets import toy
from ..tensor import Tensor
from ._display import figure_png
from .playground import hidden_outputs, plot_decision_boundary

YOUR_POINTS = "your points"
DATASETS = {  # name -> (n, noise) -> X, y; noise is each set's own spread
    "circles": lambda n, noise: toy.circles(n, noise=noise),
    "xor": lambda n, noise: toy.xor(n, noise=noise),
    "moons": lambda n, noise: toy.moons(n, noise=noise),
    "spirals": lambda n, noise: toy.spirals(n, noise=noise),
    "blobs": lambda n, noise: toy.blobs(n, centers=3, std=0.3 + noise),
}
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": None}
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
L2_RATES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
MAX_UNITS_DRAWN = 8  # per hidden layer, as in TensorFlow Playground


def parse_hidden(text) -> tuple[int, ...]:
    """'8, 8' -> (8, 8); '' -> () (no hidden layer: a linear model). Raises ValueError."""
    if isinstance(text, (tuple, list)):
        text = ",".join(str(t) for t in text)
    parts = [p for p in str(text).replace(" ", ",").split(",") if p]
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"hidden layer sizes are whole numbers above 0 separated by commas, "
                         f"like '8, 8'; got {text!r}")
    return tuple(int(p) for p in parts)


def _describe(model) -> tuple[tuple[int, ...], str] | None:
    """(hidden sizes, activation) of a Sequential of Linear layers and one kind of activation,
    so the controls start by describing the learner's own model; None for anything else."""
    layers = list(model) if isinstance(model, nn.Sequential) else None
    if not layers or not isinstance(layers[0], nn.Linear) or layers[0].in_features != 2:
        return None
    linears = [m for m in layers if isinstance(m, nn.Linear)]
    kinds = {name for name, cls in ACTIVATIONS.items() for m in layers
             if cls is not None and type(m) is cls}
    others = [m for m in layers if not isinstance(m, nn.Linear) and
              type(m) not in [c for c in ACTIVATIONS.values() if c is not None]]
    if others or len(kinds) > 1:
        return None
    return tuple(m.out_features for m in linears[:-1]), kinds.pop() if kinds else "linear"


class PlaygroundController:
    """The playground's state and actions; ``widgets`` (after ``build_widgets``) drive it.

    Settings (attributes of the same names, each also a widget): ``dataset`` (a toy set, or
    "your points" for the given ``X, y``), ``noise`` (toy sets only), ``hidden`` (a tuple of
    layer sizes), ``activation``, ``lr``, ``batch_size``, ``l2`` (weight decay on the weights,
    not the biases, as TensorFlow Playground's L2 regularisation).

    Training is plain minibatch SGD over the data each epoch; ``step()`` trains
    ``epochs_per_update`` epochs and redraws; ``train()`` keeps stepping (without blocking the
    notebook) until ``pause()`` or ``max_epochs``. One output unit with BCE-with-logits for two
    classes, softmax cross-entropy for more.
    """

    def __init__(self, X=None, y=None, model=None, dataset: str | None = None,
                 noise: float = 0.1, hidden="4, 4", activation: str = "tanh", lr: float = 0.03,
                 batch_size: int = 10, l2: float = 0.0, epochs_per_update: int = 10,
                 max_epochs: int = 2000, points: int = 200) -> None:
        if (X is None) != (y is None):
            raise ValueError("PlaygroundController: give both X and y (your points), or neither")
        self.given = None if X is None else (np.asarray(X, np.float32), np.asarray(y))
        if self.given is not None:
            X, y = self.given
            if X.shape[1:] != (2,) or len(y) != len(X):
                raise ValueError(f"the playground draws 2-D inputs: X must be (N, 2) and y (N,), "
                                 f"got X {X.shape} and y {y.shape}")
            if y.size == 0 or np.any(y != np.round(y)) or y.min() < 0:
                raise ValueError(f"y holds class labels 0, 1, 2, ...; got values from "
                                 f"{y.min() if y.size else 'none'} to "
                                 f"{y.max() if y.size else 'none'}: map them to 0, 1, ...")
            self.given = (X, y.astype(np.int64))
        self.datasets = ([YOUR_POINTS] if self.given is not None else []) + list(DATASETS)
        self.dataset = dataset or self.datasets[0]
        self._check_choice("dataset", self.dataset, self.datasets)
        self.noise, self.lr, self.batch_size, self.l2 = noise, lr, batch_size, l2
        self.hidden, self.activation = parse_hidden(hidden), activation
        self._check_choice("activation", activation, list(ACTIVATIONS))
        self.given_model = model
        described = None if model is None else _describe(model)
        if described is not None:
            self.hidden, self.activation = described
        self._given_shape = (self.hidden, self.activation)  # the given model's, while unchanged
        self.epochs_per_update, self.max_epochs, self.points = \
            epochs_per_update, max_epochs, points
        self.running, self.widgets, self.widget, self.error = False, {}, None, None
        self.figure, self._drawn_shape = None, None
        self._task = None
        self._reset(keep_weights=True)  # a model the learner trained starts as it is

    @staticmethod
    def _check_choice(name: str, value, choices) -> None:
        if value not in choices:
            raise ValueError(f"playground: {name} must be one of {list(choices)}, got {value!r}")

    # ----- building ---------------------------------------------------------------------
    def data(self) -> tuple[np.ndarray, np.ndarray]:
        if self.dataset == YOUR_POINTS:
            return self.given
        return DATASETS[self.dataset](self.points, self.noise)

    def build_model(self):
        """2 -> hidden... -> 1 unit (two classes) or one per class, ``activation`` between."""
        sizes = (2, *self.hidden)
        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers.append(nn.Linear(fan_in, fan_out))
            if ACTIVATIONS[self.activation] is not None:
                layers.append(ACTIVATIONS[self.activation]())
        layers.append(nn.Linear(sizes[-1], 1 if self.classes == 2 else self.classes))
        return nn.Sequential(*layers)

    def _build_optimizer(self):
        from ..optim import SGD

        weights = [p for name, p in self.model.named_parameters() if not name.endswith("bias")]
        biases = [p for name, p in self.model.named_parameters() if name.endswith("bias")]
        return SGD([{"params": weights, "weight_decay": self.l2},
                    {"params": biases, "weight_decay": 0.0}], lr=self.lr)

    def reset(self) -> None:
        """New data (for the data set and noise), fresh weights, epoch 0; then redraw. The
        learner's own model is kept (re-initialised) on "your points" until the hidden sizes or
        the activation change; otherwise the controls build the model."""
        self._reset(keep_weights=False)

    def _reset(self, keep_weights: bool) -> None:
        self.X, self.y = self.data()
        self.classes = max(2, int(self.y.max()) + 1)
        own = self.given_model is not None and self.dataset == YOUR_POINTS and \
            (self.hidden, self.activation) == self._given_shape
        if own:
            self.model = self.given_model
            for module in self.model.modules():
                if hasattr(module, "reset_parameters") and not keep_weights:
                    module.reset_parameters()
        else:
            self.model = self.build_model()
        self.optimizer = self._build_optimizer()
        self.epoch, self.losses, self.accuracies = 0, [], []
        self.redraw()

    def set_optimizer(self) -> None:
        """Apply ``lr`` and ``l2`` to the running optimizer, keeping the weights."""
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr
        self.optimizer.param_groups[0]["weight_decay"] = self.l2

    # ----- training ---------------------------------------------------------------------
    def _loss(self, output, target):
        from ..nn import functional as F

        if output.shape[-1] == 1:
            return F.binary_cross_entropy_with_logits(output.reshape(-1), target.float())
        return F.cross_entropy(output, target)

    def train_epoch(self) -> float:
        """One pass over the data in shuffled minibatches of ``batch_size``; the mean loss."""
        order = np.random.permutation(len(self.X))
        total = 0.0
        self.model.train()
        for begin in range(0, len(order), self.batch_size):
            idx = order[begin:begin + self.batch_size]
            self.optimizer.zero_grad()
            loss = self._loss(self.model(Tensor._make(self.X[idx])), Tensor._make(self.y[idx]))
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(idx)
        self.epoch += 1
        return total / len(order)

    def evaluate(self) -> tuple[float, float]:
        """(loss, accuracy) on all the points."""
        self.model.eval()
        with no_grad():
            output = self.model(Tensor._make(self.X))
            loss = self._loss(output, Tensor._make(self.y)).item()
        logits = output._data
        predicted = (logits[:, 0] > 0).astype(int) if logits.shape[1] == 1 else \
            logits.argmax(axis=1)
        return loss, float((predicted == self.y).mean())

    def step(self, epochs: int | None = None) -> None:
        """Train ``epochs`` (default ``epochs_per_update``) epochs, then redraw."""
        for _ in range(self.epochs_per_update if epochs is None else epochs):
            self.train_epoch()
        loss, accuracy = self.evaluate()
        self.losses.append((self.epoch, loss))
        self.accuracies.append((self.epoch, accuracy))
        self.redraw()

    def train(self) -> None:
        """Keep stepping until ``pause()`` or ``max_epochs``. In a notebook this runs on the
        kernel's event loop between button clicks; without a running loop (a script) it trains
        to ``max_epochs`` at once."""
        if self.running:
            return
        self.running = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            while self.running and self.epoch < self.max_epochs:
                self.step()
            self.running = False
            return
        self._task = loop.create_task(self._train_loop())

    async def _train_loop(self) -> None:
        try:
            while self.running and self.epoch < self.max_epochs:
                self.step()
                await asyncio.sleep(0.01)  # lets the kernel handle clicks between frames
        except Exception as error:  # a task's error would vanish: show it under the picture
            self.error = f"training stopped: {type(error).__name__}: {error}"
            self._set_status(self.error)
        finally:
            self.running = False

    def pause(self) -> None:
        self.running = False

    # ----- drawing ----------------------------------------------------------------------
    def status(self) -> str:
        if not self.losses:
            return f"epoch {self.epoch}: press train or step"
        return (f"epoch {self.epoch}: loss {self.losses[-1][1]:.4f}, "
                f"accuracy {self.accuracies[-1][1]:.1%}")

    def redraw(self) -> None:
        """Redraw the figure (decision boundary, loss curve, hidden units) and the widgets.
        The axes are placed by hand and kept while the model's shape stays: laying out and
        creating some 20 axes takes longer than training between two frames."""
        gx, hidden = hidden_outputs(self.model, self.X, resolution=32)
        shape = tuple(a.shape[1] for a in hidden)
        if self.figure is None or shape != self._drawn_shape:
            self._layout(shape)
        boundary, curve, line = self._boundary, self._curve, self._line
        boundary.clear()
        plot_decision_boundary(self.model, self.X, self.y, axis=boundary, resolution=80,
                               title=self.status())
        if self.losses:
            line.set_data(*zip(*self.losses))
            curve.relim()
            curve.autoscale_view()
        for images, outputs in zip(self._unit_images, hidden):
            for unit, image in enumerate(images):
                image.set_data(outputs[:, unit].reshape(gx.shape))
                image.autoscale()
        if self.widgets:
            self.widgets["picture"].value = figure_png(self.figure, dpi=72, tight=False)
            self._set_status(self.error or self.status())

    def _layout(self, shape: tuple[int, ...]) -> None:
        """Place the axes for hidden layers of ``shape`` units (at most 8 drawn per layer)."""
        from matplotlib.figure import Figure

        if self.figure is None:  # not pyplot's: the notebook shows it once, in the widget
            self.figure = Figure(figsize=(10, 4.6))
        figure = self.figure
        figure.clear()
        self._drawn_shape = shape
        self._boundary = figure.add_axes((0.07, 0.33, 0.38, 0.6))
        self._curve = figure.add_axes((0.07, 0.08, 0.38, 0.15))
        (self._line,) = self._curve.plot([], [], color="tab:blue")
        self._curve.set_xlabel("epoch", fontsize=8, labelpad=1)
        self._curve.set_ylabel("loss", fontsize=8)
        self._curve.tick_params(labelsize=7)
        self._curve.grid(alpha=0.3)
        self._unit_images = []
        left, bottom, width, height = 0.54, 0.05, 0.44, 0.85
        if not shape:
            figure.text(left + width / 2, bottom + height / 2,
                        "no hidden layer:\na linear boundary", ha="center")
            return
        columns = min(MAX_UNITS_DRAWN, max(shape))
        inches_wide, inches_high = figure.get_size_inches()
        cell = min(width * inches_wide / columns, height * inches_high / len(shape))
        cell_x, cell_y = cell / inches_wide, cell / inches_high  # square cells, as fractions
        figure.text(left + width / 2, bottom + height + 0.04,
                    "each hidden unit over the input plane", ha="center", fontsize=9)
        blank = np.zeros((2, 2))
        for row, units in enumerate(shape):
            y = bottom + height - (row + 1) * cell_y
            images = []
            for unit in range(min(columns, units)):
                axis = figure.add_axes((left + (unit + 0.1) * cell_x, y + 0.1 * cell_y,
                                        0.8 * cell_x, 0.8 * cell_y))
                axis.set_xticks([])
                axis.set_yticks([])
                images.append(axis.imshow(blank, origin="lower", cmap="RdBu_r"))
                if unit == 0:
                    more = units - columns
                    axis.set_ylabel(f"layer {row + 1}" + (f"\n(+{more})" if more > 0 else ""),
                                    fontsize=7)
            self._unit_images.append(images)

    def _set_status(self, text: str) -> None:
        if self.widgets:
            self.widgets["status"].value = text

    # ----- widgets ----------------------------------------------------------------------
    def build_widgets(self):
        """The ipywidgets controls, bound to this controller; returns the box to display."""
        widgets = _ipywidgets()
        lr_choices = sorted({*LEARNING_RATES, float(self.lr)})
        l2_choices = sorted({*L2_RATES, float(self.l2)})
        w = self.widgets = {
            "dataset": widgets.Dropdown(options=self.datasets, value=self.dataset,
                                        description="data"),
            "noise": widgets.FloatSlider(value=self.noise, min=0.0, max=0.5, step=0.01,
                                         description="noise"),
            "hidden": widgets.Text(value=", ".join(map(str, self.hidden)),
                                   description="hidden", placeholder="e.g. 8, 8",
                                   continuous_update=False),
            "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=self.activation,
                                           description="activation"),
            "lr": widgets.Dropdown(options=lr_choices, value=float(self.lr),
                                   description="learning rate"),
            "batch_size": widgets.IntSlider(value=self.batch_size, min=1,
                                            max=max(64, self.batch_size), description="batch"),
            "l2": widgets.Dropdown(options=l2_choices, value=float(self.l2),
                                   description="L2"),
            "train": widgets.Button(description="train", icon="play"),
            "pause": widgets.Button(description="pause", icon="pause"),
            "step": widgets.Button(description="step", icon="step-forward"),
            "reset": widgets.Button(description="reset", icon="refresh"),
            "status": widgets.Label(value=self.status()),
            "picture": widgets.Image(format="png"),
        }
        for name in ("dataset", "noise", "hidden", "activation"):
            w[name].observe(self.on_reset_setting, names="value")
        for name in ("lr", "l2"):
            w[name].observe(self.on_optimizer_setting, names="value")
        w["batch_size"].observe(self.on_batch_size, names="value")
        w["train"].on_click(lambda button: self.train())
        w["pause"].on_click(lambda button: self.pause())
        w["step"].on_click(lambda button: self.step())
        w["reset"].on_click(lambda button: self.reset())
        controls = widgets.VBox([w["dataset"], w["noise"], w["hidden"], w["activation"],
                                 w["lr"], w["batch_size"], w["l2"],
                                 widgets.HBox([w["train"], w["pause"]]),
                                 widgets.HBox([w["step"], w["reset"]])])
        self.widget = widgets.VBox([widgets.HBox([controls, w["picture"]]), w["status"]])
        self.redraw()
        return self.widget

    def on_reset_setting(self, change=None) -> None:
        """Data set, noise, hidden sizes or activation changed: new data or model, epoch 0."""
        self.error = None
        try:
            self.hidden = parse_hidden(self.widgets["hidden"].value)
        except ValueError as error:  # keep the last good sizes; say what is wrong
            self.error = str(error)
        self.dataset = self.widgets["dataset"].value
        self.noise = self.widgets["noise"].value
        self.activation = self.widgets["activation"].value
        self.reset()

    def on_optimizer_setting(self, change=None) -> None:
        """Learning rate or L2 changed: applied from the next step, the weights kept."""
        self.lr, self.l2 = self.widgets["lr"].value, self.widgets["l2"].value
        self.set_optimizer()

    def on_batch_size(self, change=None) -> None:
        self.batch_size = self.widgets["batch_size"].value

    def _repr_mimebundle_(self, include=None, exclude=None):
        """A cell ending in the controller shows its widgets."""
        if self.widget is None:
            self.build_widgets()
        return self.widget._repr_mimebundle_(include=include, exclude=exclude)


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError:
        raise ImportError("the interactive playground needs ipywidgets: pip install ipywidgets "
                          "(in a notebook: %pip install ipywidgets), then restart the kernel"
                          ) from None
    return ipywidgets


def interactive_playground(X=None, y=None, model=None, dataset: str | None = None,
                           noise: float = 0.1, hidden="4, 4", activation: str = "tanh",
                           lr: float = 0.03, batch_size: int = 10, l2: float = 0.0,
                           epochs_per_update: int = 10) -> PlaygroundController:
    """TensorFlow Playground in the notebook, on a toy data set or your own points ``X, y``
    (N, 2) with labels 0, 1, ...: returns the controller, which shows its widgets when it ends
    a cell. Raises ImportError naming ``pip install ipywidgets`` when that is missing.

    Example::

        from glassnet import viz
        viz.interactive_playground(dataset="circles", hidden="4, 2", activation="tanh")
    """
    _ipywidgets()  # fail before any training, with the install line
    controller = PlaygroundController(X, y, model=model, dataset=dataset, noise=noise,
                                      hidden=hidden, activation=activation, lr=lr,
                                      batch_size=batch_size, l2=l2,
                                      epochs_per_update=epochs_per_update)
    controller.build_widgets()
    return controller
