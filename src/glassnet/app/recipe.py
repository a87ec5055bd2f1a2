"""The MNIST recipe behind ``glassnet train``: its settings, the model, optimizer and schedule.

Everything a run needs to be rebuilt is in ``Recipe``; it is saved as the run's config.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from .. import nn, optim

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "gelu": nn.GELU,
               "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rmsprop")
DEFAULT_LR = {"sgd": 0.01, "momentum": 0.01, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3}
SCHEDULES = ("none", "step", "exponential", "cosine", "plateau")
DATASETS = ("mnist", "fashion-mnist")
# mean and standard deviation of the training pixels in [0, 1], as torchvision's examples use
PIXEL_STATISTICS = {"mnist": (0.1307, 0.3081), "fashion-mnist": (0.2860, 0.3530)}


@dataclass
class Recipe:
    """The settings of one run (seed 003's network and seed 000's training by default)."""

    dataset: str = "mnist"
    hidden: list[int] = field(default_factory=lambda: [128, 64])
    activation: str = "relu"
    dropout: float = 0.0
    batchnorm: bool = False
    optimizer: str = "adam"
    lr: float | None = None
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "cosine"
    batch_size: int = 64
    epochs: int = 5
    early_stopping: int | None = None
    seed: int = 0
    val_fraction: float = 0.1
    inputs: int = 784
    classes: int = 10
    input_mean: float | None = None  # pixels are standardised: (x/255 - mean) / std
    input_std: float | None = None

    def __post_init__(self) -> None:
        self.lr = DEFAULT_LR[self.optimizer] if self.lr is None else self.lr
        self.check()
        mean, std = PIXEL_STATISTICS[self.dataset]
        self.input_mean = mean if self.input_mean is None else self.input_mean
        self.input_std = std if self.input_std is None else self.input_std

    def check(self) -> None:
        """Refuse impossible settings with one clear sentence each."""
        choices = {"dataset": DATASETS, "activation": tuple(ACTIVATIONS),
                   "optimizer": OPTIMIZERS, "schedule": SCHEDULES}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}; choose one of "
                                 f"{', '.join(allowed)}")
        positive = {"epochs": self.epochs, "batch size": self.batch_size, "lr": self.lr}
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"the validation fraction must be in (0, 1), got "
                             f"{self.val_fraction}")
        if any(h <= 0 for h in self.hidden):
            raise ValueError(f"hidden sizes must be positive, got {self.hidden}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Recipe:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def build_model(recipe: Recipe) -> nn.Sequential:
    """Flatten, then per hidden size: Linear [→ BatchNorm1d] → activation [→ Dropout];
    then Linear to the classes. A plain Sequential, so its state_dict loads into PyTorch's
    Sequential of the same layers."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = recipe.inputs
    for size in recipe.hidden:
        layers.append(nn.Linear(width, size))
        if recipe.batchnorm:
            layers.append(nn.BatchNorm1d(size))
        layers.append(ACTIVATIONS[recipe.activation]())
        if recipe.dropout:
            layers.append(nn.Dropout(recipe.dropout))
        width = size
    layers.append(nn.Linear(width, recipe.classes))
    return nn.Sequential(*layers)


def build_optimizer(recipe: Recipe, parameters) -> optim.Optimizer:
    name, lr, wd = recipe.optimizer, recipe.lr, recipe.weight_decay
    if name == "sgd":
        return optim.SGD(parameters, lr=lr, weight_decay=wd)
    if name == "momentum":
        return optim.SGD(parameters, lr=lr, momentum=recipe.momentum, weight_decay=wd)
    if name == "adam":
        return optim.Adam(parameters, lr=lr, weight_decay=wd)
    if name == "adamw":
        return optim.AdamW(parameters, lr=lr, weight_decay=wd)
    return optim.RMSprop(parameters, lr=lr, weight_decay=wd)


def build_schedule(recipe: Recipe, optimizer: optim.Optimizer):
    """None, or a scheduler stepped once per epoch (plateau is stepped with the val loss)."""
    schedules = optim.lr_scheduler
    if recipe.schedule == "step":
        return schedules.StepLR(optimizer, step_size=max(1, recipe.epochs // 3), gamma=0.1)
    if recipe.schedule == "exponential":
        return schedules.ExponentialLR(optimizer, gamma=0.8)
    if recipe.schedule == "cosine":
        return schedules.CosineAnnealingLR(optimizer, T_max=recipe.epochs)
    if recipe.schedule == "plateau":
        return schedules.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    return None
