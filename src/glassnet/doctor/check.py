"""doctor.check: one forward and backward pass on a batch, looking for the mistakes learners
make most. Everything it touches (gradients, modes, running statistics, random state) is put
back. Each finding's ``str()`` is a sentence saying what is wrong and what to change."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from .. import nn
from ..advice import quiet
from ..autograd.grad_mode import no_grad
from ..random import default_generator
from ..tensor import Tensor
from .reports import activation_report, gradient_report


@dataclass(frozen=True)
class Finding:
    """One problem: a short ``code`` to test against, and the advice as ``message``."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return f"`{self.code}`: {self.message}\n"


class Findings(list):
    """What ``check`` returns: a list of ``Finding`` (empty when nothing is wrong) that
    Jupyter shows as a bulleted list of the advice."""

    def _repr_markdown_(self) -> str:
        if not self:
            return "**doctor:** no problems found\n"
        return "**doctor found:**\n\n" + "\n".join(
            f"- `{finding.code}`: {finding.message}" for finding in self) + "\n"


def _modules(model) -> list:
    return [m for _, m in model.named_modules()]


def _is(module, *names: str) -> bool:
    """isinstance against glassnet.nn classes by name (skipping any this build lacks)."""
    return isinstance(module, tuple(getattr(nn, name) for name in names if hasattr(nn, name)))


def _last_module(model):
    modules = [m for m in _modules(model) if not m._modules]
    return modules[-1] if modules else None


def _loss_kind(loss_fn) -> str:
    name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
    if isinstance(loss_fn, nn.CrossEntropyLoss) or name == "cross_entropy":
        return "cross_entropy"
    if isinstance(loss_fn, nn.BCEWithLogitsLoss) or name == "binary_cross_entropy_with_logits":
        return "bce_logits"
    if isinstance(loss_fn, nn.NLLLoss) or name == "nll_loss":
        return "nll"
    return "other"


def _static_findings(model, kind: str, x: np.ndarray, y: np.ndarray) -> list[Finding]:
    found = []
    modules = _modules(model)
    has_dropout = any(_is(m, "Dropout", "Dropout2d") for m in modules)
    has_batchnorm = any(_is(m, "BatchNorm1d", "BatchNorm2d") for m in modules)
    last = _last_module(model)
    if kind == "cross_entropy" and isinstance(last, (nn.Softmax, nn.LogSoftmax)):
        found.append(Finding("softmax_before_cross_entropy",
                             f"the model ends in {type(last).__name__}, but CrossEntropyLoss "
                             f"applies log-softmax itself: a double softmax flattens the "
                             f"gradients. Remove the last {type(last).__name__} layer and "
                             f"pass raw logits."))
    if kind == "bce_logits" and isinstance(last, nn.Sigmoid):
        found.append(Finding("sigmoid_before_bce_with_logits",
                             "the model ends in Sigmoid, but BCEWithLogitsLoss applies the "
                             "sigmoid itself. Remove the Sigmoid layer (or use BCELoss)."))
    if not model.training and (has_dropout or has_batchnorm):
        found.append(Finding("eval_mode_in_training",
                             "the model is in eval mode while it has Dropout or BatchNorm, so "
                             "they behave as at inference time. Call model.train() before "
                             "training (and model.eval() only for evaluation)."))
    if any(_is(m, "BatchNorm1d") for m in modules) and len(x) == 1:
        found.append(Finding("batchnorm_batch_of_one",
                             "BatchNorm with a batch of 1: the batch statistics of a single "
                             "example are meaningless. Use batches of at least 8, or "
                             "LayerNorm."))
    found += _label_findings(kind, y)
    if x.dtype.kind in "iu" or (x.size and (np.abs(x).max() > 20)):
        found.append(Finding("unscaled_inputs",
                             f"the inputs range from {x.min():.4g} to {x.max():.4g}: unscaled "
                             f"inputs (e.g. pixels 0-255) make training slow or unstable. "
                             f"Divide by 255, or standardise each feature."))
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if _is(module, "Linear", "Conv1d", "Conv2d") and weight.shape[0] > 1 and \
                np.allclose(weight._data, weight._data[:1]):
            unit = "unit" if _is(module, "Linear") else "filter"
            found.append(Finding("identical_weights",
                                 f"every {unit} of {name or 'the layer'} starts with the same "
                                 f"weights, so they all compute the same thing and stay "
                                 f"identical (the symmetry problem). Initialise randomly, e.g. "
                                 f"nn.init.kaiming_uniform_."))
            break
    return found


def _label_findings(kind: str, y: np.ndarray) -> list[Finding]:
    if kind not in ("cross_entropy", "nll"):
        return []
    if y.dtype.kind == "f":
        return [Finding("float_labels",
                        f"the labels are {y.dtype} but CrossEntropyLoss/NLLLoss need int64 "
                        f"class indices. Use y.long() (or, for one-hot targets, pass "
                        f"probabilities of the output's shape).")]
    if y.ndim != 1:
        return [Finding("label_shape",
                        f"the labels have shape {y.shape}; class indices should have shape "
                        f"(N,). Use y.view(-1) (or y.squeeze(1)).")]
    return []


def _output_findings(kind: str, output: np.ndarray, y: np.ndarray) -> list[Finding]:
    found = []
    if kind in ("cross_entropy", "nll") and output.ndim == 2 and y.dtype.kind in "iu" \
            and y.ndim == 1 and y.size:
        classes = output.shape[1]
        if y.max() >= classes or y.min() < 0:
            found.append(Finding("labels_out_of_range",
                                 f"the labels go from {y.min()} to {y.max()} but the model "
                                 f"has {classes} output units: give the last layer one output "
                                 f"per class ({y.max() + 1}) and use 0-based labels."))
        if kind == "cross_entropy" and output.min() >= 0 and output.max() <= 1 and \
                np.allclose(output.sum(axis=1), 1, atol=1e-3):
            found.append(Finding("softmax_before_cross_entropy",
                                 "the model's outputs are probabilities (rows in [0, 1] "
                                 "summing to 1), but CrossEntropyLoss applies softmax itself. "
                                 "Remove the softmax and pass raw logits."))
        if kind == "cross_entropy" and output.max() <= 0 and np.allclose(
                np.log(np.exp(output).sum(axis=1)), 0, atol=1e-3):
            found.append(Finding("softmax_before_cross_entropy",
                                 "the model's outputs are log-probabilities (log-softmax), "
                                 "but CrossEntropyLoss applies log-softmax itself. Remove "
                                 "LogSoftmax, or use NLLLoss."))
    return found


def _snapshot(model, optimizer):
    saved = {
        "modes": [(m, m.training) for m in _modules(model)],
        "state": {k: v._data.copy() for k, v in model.state_dict().items()},
        "grads": [(p, None if p.grad is None else p.grad, p._grad_passes)
                  for p in model.parameters()],
        "rng": copy.deepcopy(default_generator.get_state()),
    }
    if optimizer is not None:
        saved["optimizer"] = optimizer.state_dict()
    return saved


def _restore(model, optimizer, saved) -> None:
    for module, mode in saved["modes"]:
        module.__dict__["training"] = mode
    model.load_state_dict(saved["state"])
    for p, grad, passes in saved["grads"]:
        p.grad, p._grad_passes = grad, passes
    default_generator.set_state(saved["rng"])
    if optimizer is not None:
        optimizer.load_state_dict(saved["optimizer"])


def check(model, loss_fn, batch, optimizer=None) -> Findings:
    """Look for common mistakes with one forward/backward pass on ``batch = (x, y)``; returns
    the findings (a list, empty for a correct setup, that shows as Markdown in Jupyter). The
    model, its gradients and the optimizer are left exactly as they were."""
    x, y = batch
    x_array = x._data if isinstance(x, Tensor) else np.asarray(x)
    y_array = y._data if isinstance(y, Tensor) else np.asarray(y)
    kind = _loss_kind(loss_fn)
    findings = _static_findings(model, kind, x_array, y_array)
    saved = _snapshot(model, optimizer)
    try:
        with quiet():
            findings += _run(model, loss_fn, kind, x_array, y_array, optimizer)
    finally:
        _restore(model, optimizer, saved)
    unique, seen = Findings(), set()
    for finding in findings:
        if finding.code not in seen:
            seen.add(finding.code)
            unique.append(finding)
    return unique


def _run(model, loss_fn, kind, x, y, optimizer) -> list[Finding]:
    found = []
    inputs = Tensor._make(x.astype(np.float32) if x.dtype.kind in "iu" else x)
    model.zero_grad()
    if len(x) == 1 and any(isinstance(m, nn.BatchNorm1d) for m in _modules(model)):
        model.eval()  # a batch of one cannot go through training-mode batch norm
    batchnorm, one_value = _batchnorm2d_findings(model, inputs)
    found += batchnorm
    for module in one_value:  # these would raise in training mode, as in PyTorch
        module.eval()
    output = model(inputs)
    found += _output_findings(kind, output._data, y)
    if any(f.code in ("labels_out_of_range", "float_labels", "label_shape") for f in found +
           _label_findings(kind, y)):
        return found
    try:
        loss = loss_fn(output, Tensor._make(y))
    except (ValueError, TypeError, IndexError, RuntimeError) as error:
        return found + [Finding("loss_error", f"the loss cannot be computed: {error}")]
    if not math.isfinite(loss.item()):
        return found + [Finding("nan_loss", f"the loss is {loss.item()} on this batch: check "
                                            f"the inputs for NaN and the learning rate")]
    loss.backward()
    report = gradient_report(model, optimizer)
    if report.exploding:
        found.append(Finding("exploding_gradients", next(f for f in report.flags
                                                         if f.startswith("exploding"))))
    if report.vanishing:
        found.append(Finding("vanishing_gradients", next(f for f in report.flags
                                                         if f.startswith("vanishing"))))
    rows = activation_report(model, inputs).layers
    found += _dead_filter_findings(rows)
    for layer in rows:
        if layer["dead_channels"] is None and layer["dead_fraction"] is not None and \
                layer["dead_fraction"] > 0.5:
            found.append(Finding("dead_relus",
                                 f"{layer['dead_fraction']:.0%} of the ReLU units in "
                                 f"{layer['name']} are dead (zero for every example in the "
                                 f"batch), so they never learn. Lower the learning rate, use "
                                 f"He initialisation, or try LeakyReLU."))
            break
    return found


MIN_BATCHNORM_VALUES = 16  # fewer values per channel than this make noisy batch statistics


def _batchnorm2d_findings(model, inputs) -> tuple[list[Finding], list]:
    """BatchNorm2d layers in training mode that see too few values per channel (N·H·W), found
    by recording their input shapes in one eval-mode pass; also returns those that would
    raise (one value per channel) so the training pass can run them in eval mode."""
    norms = [(name, m) for name, m in model.named_modules()
             if m.training and _is(m, "BatchNorm2d")]
    if not norms:
        return [], []
    shapes: dict[str, tuple] = {}
    handles = []
    for name, module in norms:
        def record(m, args, name=name):
            shapes[name] = tuple(args[0].shape)

        handles.append(module.register_forward_pre_hook(record))
    modes = [(m, m.training) for m in _modules(model)]
    try:
        model.eval()
        with no_grad():
            model(inputs)
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes:
            module.__dict__["training"] = mode
    found, one_value = [], []
    for name, module in norms:
        if name not in shapes or len(shapes[name]) != 4:
            continue
        n, _, h, w = shapes[name]
        values = n * h * w
        if values == 1:
            one_value.append(module)
            found.append(Finding("batchnorm2d_one_value",
                                 f"{name} (BatchNorm2d) gets input of shape {shapes[name]} in "
                                 f"training mode: one value per channel, whose batch variance "
                                 f"is 0 (PyTorch raises 'Expected more than 1 value per "
                                 f"channel when training'). Train with batches larger than 1, "
                                 f"or call model.eval() to predict single images."))
        elif values < MIN_BATCHNORM_VALUES:
            found.append(Finding("batchnorm2d_tiny_batch",
                                 f"{name} (BatchNorm2d) normalises each channel over only "
                                 f"N·H·W = {n}·{h}·{w} = {values} values in training mode, so "
                                 f"its batch mean and variance are noise. Use larger batches "
                                 f"(at least {MIN_BATCHNORM_VALUES} values per channel) or "
                                 f"normalise earlier, where the maps are bigger."))
    return found, one_value


def _dead_filter_findings(rows: list[dict]) -> list[Finding]:
    """One finding naming every conv layer with channels that are zero after its ReLU."""
    dead = [row for row in rows if row["dead_channels"]]
    if not dead:
        return []
    parts = []
    for row in dead:
        layer = f"{row['after']} ({row['after_type']})" if row["after"] is not None \
            else f"the layer before {row['name']}"
        parts.append(f"{len(row['dead_channels'])} of the {row['channels']} filters of "
                     f"{layer} (channels {row['dead_channels'][:8]})")
    return [Finding("dead_filters",
                    f"{'; '.join(parts)} are dead: after the ReLU their maps are zero for "
                    f"every example and position in the batch, so they get no gradient and "
                    f"never learn. Lower the learning rate, use He initialisation (the "
                    f"default), or put BatchNorm2d before the ReLU or use LeakyReLU.")]
