"""compile's losses and metrics matched to the model's outputs, as Keras 3's compile_utils.

A model returns one tensor, a list, or a dict name -> tensor (``model.output_names`` orders
them). ``loss`` may be one loss (used for every output), a list (one per output) or a dict
keyed by output name (outputs left out get no loss); ``loss_weights`` a list or dict alike;
``metrics`` a list (one output) or, for several outputs, a list with one entry per output or a
dict of lists. Names in the logs follow Keras: ``loss``; ``<output>_loss`` (unweighted) when
two or more outputs have a loss; ``<output>_<metric>`` with several outputs; ``"accuracy"``
becomes binary, sparse
categorical or categorical accuracy from y_true's and y_pred's shapes.
"""

from __future__ import annotations

import numpy as np

from . import losses as losses_module
from . import metrics as metrics_module


def is_binary_or_sparse_categorical(y_true, y_pred) -> tuple[bool, bool]:
    """Keras' test: binary when y_pred ends in 1 unit; sparse when y_true has a lower rank, or
    ends in 1 while y_pred ends in more."""
    true_shape = tuple(y_true.shape) if hasattr(y_true, "shape") else np.shape(y_true)
    pred_shape = tuple(y_pred.shape)
    is_binary = pred_shape[-1] == 1
    is_sparse = len(true_shape) < len(pred_shape) or (true_shape[-1:] == (1,) and
                                                      pred_shape[-1] > 1)
    return is_binary, is_sparse


def get_metric(identifier, y_true, y_pred):
    """The metric object for one compile entry, named as Keras names it in the logs."""
    if identifier is None:
        raise ValueError("compile: a metric is None; remove it from metrics=")
    if str(identifier).lower() in ("accuracy", "acc"):
        binary, sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        cls = (metrics_module.BinaryAccuracy if binary else
               metrics_module.SparseCategoricalAccuracy if sparse else
               metrics_module.CategoricalAccuracy)
        metric = cls(name=str(identifier))
    else:
        metric = metrics_module.get(identifier)
    if isinstance(identifier, str):
        name = identifier
    else:
        name = getattr(metric, "name", None) or getattr(metric, "__name__", "metric")
    if not isinstance(metric, metrics_module.Metric):
        metric = metrics_module.MeanMetricWrapper(metric)
    metric.name = name
    return metric


def get_loss(identifier, y_true, y_pred):
    """The Loss object for one output; "crossentropy"/"ce" choose by shapes, as in Keras."""
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        binary, sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        identifier = ("binary_crossentropy" if binary else
                      "sparse_categorical_crossentropy" if sparse else
                      "categorical_crossentropy")
    return losses_module.as_loss(identifier)


def per_output(spec, names: list[str], what: str) -> list:
    """``spec`` as one entry per output: a dict by output name (missing names get None), a
    list in output order, or one value for every output."""
    if isinstance(spec, dict):
        unknown = set(spec) - set(names)
        if unknown:
            raise ValueError(f"compile: {what} names outputs {sorted(unknown)} that the model "
                             f"does not have; its outputs are {names}")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != len(names):
            raise ValueError(f"compile: {what} has {len(spec)} entries but the model has "
                             f"{len(names)} output(s) ({', '.join(names)}); give one per "
                             f"output or a dict keyed by output name")
        return list(spec)
    return [spec] * len(names)


class CompiledLoss:
    """The total loss Σ weight_i · loss_i(y_true_i, y_pred_i, sample_weight_i), and the
    unweighted per-output values for the ``<output>_loss`` logs."""

    def __init__(self, loss, loss_weights, names: list[str], y_true: list, y_pred: list):
        losses = per_output(loss, names, "loss")
        weights = per_output(loss_weights, names, "loss_weights")
        self.names = names
        self.losses = [get_loss(spec, t, p) for spec, t, p in zip(losses, y_true, y_pred)]
        self.weights = weights
        used = [name for name, loss in zip(names, self.losses) if loss is not None]
        self.trackers = {f"{name}_loss": metrics_module.Mean(name=f"{name}_loss")
                         for name in used} if len(used) > 1 else {}  # as Keras: 2+ losses

    def __call__(self, y_true: list, y_pred: list, sample_weight: list, logits: list):
        """The weighted total. ``logits[i]``, (logits, activation name) or None, lets a
        cross-entropy on an output made by a softmax/sigmoid use the fused, exact form."""
        total = None
        for i, (name, loss) in enumerate(zip(self.names, self.losses)):
            if loss is None:
                continue
            found = logits[i] if logits[i] is not None else (None, None)
            fuse = (found[0] is not None and loss.wants_logits_of == found[1] and
                    not getattr(loss, "from_logits", False))
            if fuse:
                value = loss.on_logits(y_true[i], found[0], sample_weight[i])
            else:
                value = loss(y_true[i], y_pred[i], sample_weight[i])
            if value.ndim:
                raise ValueError(f"loss {loss.name!r} returned shape {tuple(value.shape)}, "
                                 f"not a single value; compile needs reduction "
                                 f"'sum_over_batch_size' or 'sum', not None")
            if f"{name}_loss" in self.trackers:
                self.trackers[f"{name}_loss"].update_state(float(value.item()),
                                                           sample_weight=len(y_pred[i]))
            if self.weights[i] is not None:
                value = value * float(self.weights[i])
            total = value if total is None else total + value
        return total

    def reset_state(self) -> None:
        for tracker in self.trackers.values():
            tracker.reset_state()

    def result(self) -> dict:
        return {name: float(tracker.result()) for name, tracker in self.trackers.items()}


class CompiledMetrics:
    """``metrics`` (unweighted) and ``weighted_metrics`` (given sample_weight) per output."""

    def __init__(self, metrics, weighted_metrics, names: list[str], y_true: list,
                 y_pred: list):
        self.names = names
        self.plain = self._build(metrics, y_true, y_pred, "metrics")
        self.weighted = self._build(weighted_metrics, y_true, y_pred, "weighted_metrics")

    def _build(self, spec, y_true, y_pred, what: str) -> list:
        if not spec:
            return [[] for _ in self.names]
        if not isinstance(spec, (list, tuple, dict)):
            raise ValueError(f"compile: {what} must be a list (or a dict keyed by output "
                             f"name), got {spec!r}; write {what}=[{spec!r}]")
        if len(self.names) == 1 and not isinstance(spec, dict):
            entries = [spec]  # one output: the whole list is its metrics
        else:
            entries = per_output(spec, self.names, what)
        built = []
        for entry, t, p in zip(entries, y_true, y_pred):
            entry = [] if entry is None else (list(entry) if isinstance(entry, (list, tuple))
                                              else [entry])
            built.append([get_metric(m, t, p) for m in entry])
        return built

    def update_state(self, y_true: list, y_pred: list, sample_weight: list) -> None:
        for i, (t, p) in enumerate(zip(y_true, y_pred)):
            for metric in self.plain[i]:
                metric.update_state(t, p)
            for metric in self.weighted[i]:
                metric.update_state(t, p, sample_weight=sample_weight[i])

    def reset_state(self) -> None:
        for group in self.plain + self.weighted:
            for metric in group:
                metric.reset_state()

    def result(self) -> dict:
        """Keras' names: ``<output>_<name>`` with several outputs; a weighted metric that
        clashes with a plain one becomes ``weighted_<name>``; repeats get ``_1``, ``_2``."""
        results, seen = {}, {}
        prefix = (lambda i: f"{self.names[i]}_") if len(self.names) > 1 else (lambda i: "")
        for weighted, groups in ((False, self.plain), (True, self.weighted)):
            for i, group in enumerate(groups):
                for metric in group:
                    name = prefix(i) + metric.name
                    if name in seen and weighted:
                        name = prefix(i) + f"weighted_{metric.name}"
                    if name in seen:
                        seen[name] += 1
                        name = f"{name}_{seen[name] - 1}"
                    else:
                        seen[name] = 1
                    results[name] = _python(metric.result())
        return results


def _python(value):
    """A result as a Python float (arrays, e.g. Precision at several thresholds, stay)."""
    array = np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)
    return float(array) if array.ndim == 0 else array
