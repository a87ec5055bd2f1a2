"""Per-layer reports: gradient norms after a backward pass (§14.11's first diagnostic), and
activation statistics from forward hooks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..advice import quiet
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

VANISHING = 1e-7  # a layer's gradient norm below this is vanishing
VANISHING_RATIO = 1e-4  # or this far below the largest layer's
EXPLODING = 1e3  # a layer's gradient norm above this is exploding


@dataclass
class GradientReport:
    """Rows per parameter and per layer; ``flags`` say what is wrong; print it for a table."""

    parameters: list[dict] = field(default_factory=list)
    layers: list[dict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def vanishing(self) -> bool:
        return any(layer["flag"] == "vanishing" for layer in self.layers)

    @property
    def exploding(self) -> bool:
        return any(layer["flag"] == "exploding" for layer in self.layers)

    def __str__(self) -> str:
        has_ratio = any(row["update_ratio"] is not None for row in self.parameters)
        head = f"{'parameter':<24} {'shape':<14} {'‖w‖':>10} {'‖grad‖':>10}"
        head += f" {'‖Δw‖/‖w‖':>10}" if has_ratio else ""
        lines = [head, "-" * len(head)]
        for row in self.parameters:
            line = (f"{row['name']:<24} {str(row['shape']):<14} {row['weight_norm']:>10.4g} "
                    f"{row['grad_norm']:>10.4g}")
            if has_ratio:
                ratio = row["update_ratio"]
                line += f" {ratio:>10.2e}" if ratio is not None else f" {'-':>10}"
            lines.append(line)
        lines += ["", f"{'layer':<24} {'type':<16} {'‖grad‖':>10}  flag", "-" * 61]
        for layer in self.layers:
            lines.append(f"{layer['name']:<24} {layer['type']:<16} {layer['grad_norm']:>10.4g}  "
                         f"{layer['flag']}")
        if self.flags:
            lines += [""] + [f"! {flag}" for flag in self.flags]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        """Jupyter shows the report as tables, the flags in bold underneath."""
        from ..viz._display import markdown_table

        has_ratio = any(row["update_ratio"] is not None for row in self.parameters)
        header = ["parameter", "shape", "‖w‖", "‖grad‖"] + (["‖Δw‖/‖w‖"] if has_ratio else [])
        rows = []
        for row in self.parameters:
            cells = [f"`{row['name']}`", str(row["shape"]), f"{row['weight_norm']:.4g}",
                     f"{row['grad_norm']:.4g}"]
            if has_ratio:
                ratio = row["update_ratio"]
                cells.append(f"{ratio:.2e}" if ratio is not None else "-")
            rows.append(cells)
        parts = ["**gradient report**", "", markdown_table(header, rows)] if rows else \
            ["**gradient report**"]
        if self.layers:
            parts += ["", markdown_table(
                ["layer", "type", "‖grad‖", "flag"],
                [[f"`{layer['name']}`", layer["type"], f"{layer['grad_norm']:.4g}",
                  f"**{layer['flag']}**" if layer["flag"] else ""] for layer in self.layers])]
        parts += [""] + [f"- **{flag}**" for flag in self.flags]
        return "\n".join(parts).rstrip() + "\n"


def _layer_of(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name


def gradient_report(model, optimizer=None) -> GradientReport:
    """Gradient norms per parameter and per layer after ``loss.backward()``; with the
    optimizer, each parameter's last update relative to its size (healthy: around 1e-3)."""
    from .explain import last_update

    report = GradientReport()
    per_layer: dict[str, float] = {}
    modules = dict(model.named_modules())
    types: dict[str, str] = {}  # layer name -> its class, e.g. Conv2d
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        grad = p.grad._data.astype(np.float64)
        grad_norm = float(np.sqrt((grad * grad).sum()))
        weight_norm = float(np.linalg.norm(p._data.astype(np.float64)))
        ratio = None
        if optimizer is not None:
            update = last_update(optimizer, p)
            if update is not None and weight_norm > 0:
                ratio = float(np.linalg.norm(update)) / weight_norm
        report.parameters.append(dict(name=name, shape=tuple(p.shape), weight_norm=weight_norm,
                                      grad_norm=grad_norm, update_ratio=ratio))
        layer = _layer_of(name)
        per_layer[layer] = per_layer.get(layer, 0.0) + grad_norm**2
        types[layer] = type(modules.get(name.rpartition(".")[0], model)).__name__
    if not per_layer:
        report.flags.append("no parameter has a gradient: run loss.backward() first")
        return report
    norms = {layer: math.sqrt(total) for layer, total in per_layer.items()}
    largest = max((n for n in norms.values() if math.isfinite(n)), default=0.0)
    for layer, norm in norms.items():
        flag = ""
        if not math.isfinite(norm) or norm > EXPLODING:
            flag = "exploding"
        elif norm < VANISHING or (largest > 0 and norm < largest * VANISHING_RATIO):
            flag = "vanishing"
        report.layers.append(dict(name=layer, type=types[layer], grad_norm=norm, flag=flag))
    if report.exploding:
        names = ", ".join(layer["name"] for layer in report.layers if layer["flag"])
        report.flags.append(f"exploding gradients in {names}: clip them "
                            f"(nn.utils.clip_grad_norm_) or lower the learning rate")
    if report.vanishing:
        names = ", ".join(layer["name"] for layer in report.layers
                          if layer["flag"] == "vanishing")
        report.flags.append(f"vanishing gradients in {names}: these layers barely learn; use "
                            f"ReLU/GELU, He/Xavier initialisation or normalisation layers")
    return report


ACTIVATIONS = {"ReLU": "relu", "LeakyReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh",
               "GELU": "relu", "ELU": "relu"}


def _kind(module) -> str | None:
    kind = ACTIVATIONS.get(type(module).__name__)
    if kind is None:
        name = getattr(getattr(module, "activation", None), "__name__", None)
        kind = {"relu": "relu", "leaky_relu": "relu", "gelu": "relu", "elu": "relu",
                "sigmoid": "sigmoid", "tanh": "tanh"}.get(name)
    return kind


def _dead_and_saturated(row: dict) -> tuple[str, str]:
    """The 'dead' and 'saturated' cells of an activation row ('-' where they don't apply)."""
    dead = f"{row['dead_fraction']:.0%}" if row["dead_fraction"] is not None else "-"
    if row["dead_channels"] is not None:  # conv maps: dead filters out of all
        dead = f"{len(row['dead_channels'])}/{row['channels']}"
    saturated = f"{row['saturated_fraction']:.0%}" \
        if row["saturated_fraction"] is not None else "-"
    return dead, saturated


@dataclass
class ActivationReport:
    """One row per activation layer; ``after`` names the Linear or conv layer feeding it."""

    layers: list[dict] = field(default_factory=list)

    def __str__(self) -> str:
        head = (f"{'layer':<14} {'after':<20} {'kind':<8} {'mean':>8} {'std':>8} {'dead':>7} "
                f"{'saturated':>10}")
        lines = [head, "-" * len(head)]
        for row in self.layers:
            dead, saturated = _dead_and_saturated(row)
            after = f"{row['after']} ({row['after_type']})" if row["after"] is not None else "-"
            lines.append(f"{row['name']:<14} {after:<20} {row['kind']:<8} {row['mean']:>8.3f} "
                         f"{row['std']:>8.3f} {dead:>7} {saturated:>10}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        """Jupyter shows the report as a table (the same columns as ``str``)."""
        from ..viz._display import markdown_table

        cells = []
        for row in self.layers:
            dead, saturated = _dead_and_saturated(row)
            after = f"`{row['after']}` ({row['after_type']})" if row["after"] is not None \
                else "-"
            cells.append([f"`{row['name']}`", after, row["kind"], f"{row['mean']:.3f}",
                          f"{row['std']:.3f}", dead, saturated])
        return "**activation report**\n\n" + markdown_table(
            ["layer", "after", "kind", "mean", "std", "dead", "saturated"], cells) + "\n"


# layers whose units can die, PyTorch's and Keras' names
WEIGHTED = ("Linear", "Conv1d", "Conv2d", "ConvTranspose2d", "Dense", "Conv1D", "Conv2D",
            "Conv2DTranspose")


def _channel_axis(module) -> int:
    """Keras layers are channels_last (N, H, W, C); PyTorch's are channels first (N, C, H, W)."""
    keras_layer = type(module).__module__.startswith("glassnet.keras")
    channels_last = getattr(module, "data_format", "channels_last") == "channels_last"
    return -1 if keras_layer and channels_last else 1


def _relu_rows(module, data: np.ndarray) -> tuple:
    """(dead fraction, dead channels or None): on maps of 3 or more axes a unit is a channel."""
    if data.ndim < 3:
        values = data.reshape(len(data), -1)
        return float((values <= 0).all(axis=0).mean()), None
    per_channel = np.moveaxis(data, _channel_axis(module), 0).reshape(
        data.shape[_channel_axis(module)], -1)
    dead = [int(c) for c in np.flatnonzero((per_channel <= 0).all(axis=1))]
    return len(dead) / len(per_channel), dead


def activation_report(model, x) -> ActivationReport:
    """Per activation layer on the batch ``x``: mean and std of its outputs, the fraction of
    ReLU units that are dead (zero for every example), and the fraction of sigmoid/tanh
    outputs that are saturated (within 0.01 of their limits, where the slope is nearly 0).

    On convolutional maps (N, C, H, W) a unit is a channel, since one filter's weights are
    shared by every position: ``dead_channels`` lists the channels that are zero for every
    example at every position, and ``dead_fraction`` is their share. ``after`` is the Linear
    or conv layer that ran last before the activation (the one whose units die)."""
    report = ActivationReport()
    handles = []
    last = {"name": None, "type": None}
    for name, module in model.named_modules():
        if type(module).__name__ in WEIGHTED:
            def weighted_hook(m, inputs, output, name=name):
                last["name"], last["type"] = name, type(m).__name__

            handles.append(module.register_forward_hook(weighted_hook))
        kind = _kind(module)
        if kind is None or not name:
            continue

        def hook(m, inputs, output, name=name, kind=kind):
            data = output._data
            values = data.reshape(len(data), -1).astype(np.float64)
            dead = saturated = dead_channels = None
            if kind == "relu":
                dead, dead_channels = _relu_rows(m, data)
            elif kind == "sigmoid":
                saturated = float(((values < 0.01) | (values > 0.99)).mean())
            else:
                saturated = float((np.abs(values) > 0.99).mean())
            channels = data.shape[_channel_axis(m)] if data.ndim >= 3 else None
            report.layers.append(dict(
                name=name, kind=kind, after=last["name"], after_type=last["type"],
                mean=float(values.mean()), std=float(values.std()), dead_fraction=dead,
                saturated_fraction=saturated, dead_channels=dead_channels, channels=channels))

        handles.append(module.register_forward_hook(hook))
    try:
        with no_grad(), quiet():
            model(x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32)))
    finally:
        for handle in handles:
            handle.remove()
    return report
