"""compile / fit / evaluate / predict: Keras' training loop over glassnet's autograd.

As in Keras 3's trainer, one step per batch does the work and the loops around it only feed
batches and call hooks: ``train_step`` (forward pass, loss, backward pass, optimizer step,
metrics), ``test_step`` (forward pass, loss, metrics) and ``predict_step`` (forward pass).
``compile_utils`` matches losses and metrics to the model's outputs, ``data_adapters`` turns
arrays, PyDatasets, generators and DataLoaders into batches, ``trainer_loops`` holds the loops.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ..utils.data._keywords import suggest_keywords
from . import compile_utils
from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers as optimizers_module
from .data_adapters import flatten, map_structure
from .trainer_loops import Loops


def _tensor(array):
    return array if isinstance(array, Tensor) else Tensor._make(np.asarray(array))


def _leaves(spec) -> list:
    """The entries of a compile argument given as one value, a list or a dict of them."""
    if spec is None:
        return []
    if isinstance(spec, dict):
        spec = list(spec.values())
    if isinstance(spec, (list, tuple)):
        return [leaf for item in spec for leaf in _leaves(item)]
    return [spec]


class Trainer(Loops):
    """The training half of a Keras model (mixed into Sequential and Model)."""

    def __init__(self) -> None:
        self.optimizer = None
        self.loss = None
        self.loss_weights = None
        self.compiled_metrics: list = []
        self.compiled_weighted_metrics = None
        self.stop_training = False
        self._initial_epoch = None  # set by BackupAndRestore.on_train_begin to resume
        self.history = None
        self.compiled = False
        self._compiled_loss = self._compiled_metrics = None
        self._loss_tracker = metrics_module.Mean(name="loss")

    # ----- compile ----------------------------------------------------------------------
    @suggest_keywords
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True) -> None:
        """Choose the optimizer, the loss(es) and the metrics (by name or object).

        ``loss``: one loss (a name, a ``keras.losses`` object or a function ``fn(y_true,
        y_pred)``), or a list / dict keyed by output name for several outputs, or None when
        the layers add their own (``add_loss``);
        ``loss_weights`` weigh them in the total; ``metrics`` are computed unweighted,
        ``weighted_metrics`` with the sample weights. ``run_eagerly``,
        ``steps_per_execution``, ``jit_compile`` and ``auto_scale_loss`` are accepted and change
        nothing (glassnet runs eagerly, one step at a time, in float32). An unknown keyword
        raises TypeError naming the closest valid one."""
        for spec in _leaves(loss):
            if spec is not None and str(spec).lower() not in ("crossentropy", "ce"):
                losses_module.get(spec)  # an unknown name raises here, not at fit
        for spec in _leaves(metrics) + _leaves(weighted_metrics):
            if not (isinstance(spec, str) and spec.lower() in ("accuracy", "acc")):
                metrics_module.get(spec)
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict,
                                                                      int, float)):
            raise ValueError(f"compile: loss_weights must be a number, a list or a dict keyed "
                             f"by output name, got {loss_weights!r}")
        self.optimizer = optimizers_module.get(optimizer)
        if loss is not None and not isinstance(loss, (list, tuple, dict)) and \
                str(loss).lower() not in ("crossentropy", "ce"):
            loss = losses_module.as_loss(loss)  # one Loss object (a name serializes back)
        self.loss, self.loss_weights = loss, loss_weights
        self.compiled_metrics = metrics if metrics is not None else []
        self.compiled_weighted_metrics = weighted_metrics
        self._compiled_loss = self._compiled_metrics = None  # built on the first batch
        self.compiled = True
        if self.built:
            self._bind_optimizer()

    def _bind_optimizer(self) -> None:
        if not self.optimizer.built:
            self.optimizer.build(self.trainable_weights)

    def _compile_config(self):
        if not self.compiled:
            return None
        loss = losses_module.serialize(self.loss)
        return None if loss is None else {
            "optimizer": optimizers_module.serialize(self.optimizer), "loss": loss,
            "metrics": self.compiled_metrics}

    def _compile_from_config(self, config: dict) -> None:
        self.compile(optimizers_module.deserialize(config["optimizer"]),
                     losses_module.deserialize(config["loss"]), metrics=config["metrics"])

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"{what}: call model.compile(optimizer=..., loss=...) first")

    # ----- outputs, targets and weights as flat lists --------------------------------------
    def _output_names(self, y_pred) -> list[str]:
        names = list(getattr(self, "output_names", None) or [])
        if isinstance(y_pred, dict):
            return names if set(names) == set(y_pred) else list(y_pred)
        count = len(y_pred) if isinstance(y_pred, (list, tuple)) else 1
        return names if len(names) == count else [f"output_{i}" for i in range(count)]

    def _flat_outputs(self, y_pred) -> tuple[list[str], list]:
        names = self._output_names(y_pred)
        if isinstance(y_pred, dict):
            return names, [y_pred[name] for name in names]
        return names, list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]

    @staticmethod
    def _per_output(data, names: list[str], what: str, share: bool) -> list:
        """y or sample_weight as one entry per output (``share``: one array for all)."""
        if data is None:
            return [None] * len(names)
        if isinstance(data, dict):
            unknown = set(data) - set(names)
            if unknown:
                raise ValueError(f"{what} has keys {sorted(unknown)} but the model's outputs "
                                 f"are {names}")
            return [data.get(name) for name in names]
        if isinstance(data, (list, tuple)) and len(names) > 1:
            if len(data) != len(names):
                raise ValueError(f"{what} has {len(data)} entries but the model has "
                                 f"{len(names)} outputs ({', '.join(names)})")
            return list(data)
        if len(names) > 1 and not share:
            raise ValueError(f"the model has {len(names)} outputs ({', '.join(names)}) but "
                             f"{what} is a single array; pass a list or a dict keyed by "
                             f"output name")
        return [data] * len(names)

    def _build_compiled(self, names, y_true, y_pred) -> None:
        if self._compiled_loss is None or self._compiled_loss.names != names:
            self._compiled_loss = compile_utils.CompiledLoss(self.loss, self.loss_weights,
                                                             names, y_true, y_pred)
            self._compiled_metrics = compile_utils.CompiledMetrics(
                self.compiled_metrics, self.compiled_weighted_metrics, names, y_true, y_pred)

    # ----- the steps ------------------------------------------------------------------------
    def _forward(self, x, training: bool):
        """(y_pred, (logits, activation) or None): the logits before a final softmax/sigmoid
        when the model can give them (Sequential does), for the fused cross-entropy."""
        x = map_structure(_tensor, x)
        self.train(training)
        if hasattr(self, "forward_with_logits"):
            result = self.forward_with_logits(x)
            if isinstance(result, tuple) and len(result) == 3:
                output, logits, activation = result
                return output, (logits, activation)
            return result, None
        return self(x, training=training), None

    @staticmethod
    def _flat_like(structure, names: list[str]) -> list:
        """A structure shaped like the outputs (e.g. their logits) as one entry per output."""
        if isinstance(structure, dict):
            return [structure.get(name) for name in names]
        if isinstance(structure, (list, tuple)) and len(names) > 1:
            return list(structure)
        return [structure] * len(names) if structure is None else [structure]

    def _extra_losses(self) -> list:
        """The layers' own losses: ``model.losses`` (add_loss and weight penalties) where the
        model has it, else each layer's weight penalties."""
        losses = getattr(self, "losses", None)
        if isinstance(losses, (list, tuple)):
            return list(losses)
        return [p for layer in getattr(self, "layers", []) for p in
                layer.regularization_losses()]

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True,
                     logits=None):
        """The total loss: the compiled loss(es), weighted and summed, plus the layers'
        losses. Also updates the ``<output>_loss`` trackers."""
        names, flat_pred = self._flat_outputs(y_pred)
        flat_true = self._per_output(y, names, "y", share=False)
        flat_weight = self._per_output(sample_weight, names, "sample_weight", share=True)
        self._build_compiled(names, flat_true, flat_pred)
        flat_logits = [None] * len(names) if logits is None else list(zip(
            self._flat_like(logits[0], names), self._flat_like(logits[1], names)))
        total = self._compiled_loss([None if t is None else _tensor(t) for t in flat_true],
                                    flat_pred, flat_weight, flat_logits)
        for penalty in self._extra_losses():
            total = penalty if total is None else total + penalty
        if total is None:
            raise ValueError("the model has no loss to compute: pass one to compile, e.g. "
                             "compile(loss='mse'), or add one in a layer with add_loss()")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Update the compiled metrics with this batch; the results so far."""
        self._update_compiled_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _update_compiled_metrics(self, y, y_pred, sample_weight) -> None:
        if self._compiled_metrics is None:
            raise RuntimeError("the compiled metrics are made on the first compute_loss; call "
                               "self.compute_loss(y=y, y_pred=y_pred) before updating them")
        names, flat_pred = self._flat_outputs(y_pred)
        flat_true = self._per_output(y, names, "y", share=False)
        flat_weight = self._per_output(sample_weight, names, "sample_weight", share=True)
        flat_pred = [p.detach() if isinstance(p, Tensor) else p for p in flat_pred]
        pairs = [(t, p, w) for t, p, w in zip(flat_true, flat_pred, flat_weight)]
        self._compiled_metrics.update_state([None if t is None else _tensor(t)
                                             for t, _, _ in pairs],
                                            [p for _, p, _ in pairs], [w for _, _, w in pairs])

    @property
    def metrics(self) -> list:
        """Keras' ``model.metrics``: the loss tracker, then (once the first batch has made
        them) the compiled metrics as one ``compile_metrics`` entry, and with several outputs
        the ``<output>_loss`` trackers. A custom train_step updates them."""
        metrics = [self._loss_tracker]
        if self._compiled_metrics is not None:
            metrics.append(_CompileMetricsView(self))
            metrics.extend(self._compiled_loss.trackers.values())
        return metrics

    def get_metrics_result(self) -> dict:
        """loss, the per-output losses and the metrics, by Keras' names (sorted, as Keras'
        logs are)."""
        logs = {"loss": float(self._loss_tracker.result())}
        if self._compiled_loss is not None:
            logs.update(self._compiled_loss.result())
            logs.update(self._compiled_metrics.result())
        return dict(sorted(logs.items()))

    @property
    def metrics_names(self) -> list[str]:
        """The names evaluate's list follows: loss, per-output losses, then the metrics."""
        names = ["loss"]
        if self._compiled_loss is not None:
            names += list(self._compiled_loss.result()) + list(self._compiled_metrics.result())
        return names

    def reset_metrics(self) -> None:
        self._loss_tracker.reset_state()
        if self._compiled_loss is not None:
            self._compiled_loss.reset_state()
            self._compiled_metrics.reset_state()

    def _batch_size(self, x) -> int:
        return int(flatten(x)[0].shape[0])

    def train_step(self, data) -> dict:
        """One optimizer step on ``data`` = (x, y) or (x, y, sample_weight); the logs."""
        x, y, sample_weight = (tuple(data) + (None, None))[:3]
        y_pred, logits = self._forward(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=True, logits=logits)
        self._bind_optimizer()
        if self.trainable_weights:  # as Keras: a model with nothing to learn only measures
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        self._loss_tracker.update_state(float(loss.item()), sample_weight=self._batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data) -> dict:
        """The loss and metrics on ``data`` in inference mode (no gradients kept)."""
        x, y, sample_weight = (tuple(data) + (None, None))[:3]
        y_pred, logits = self._forward(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False, logits=logits)
        self._loss_tracker.update_state(float(loss.item()), sample_weight=self._batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for ``data`` = (x,) or x, as NumPy (a list/dict for several
        outputs)."""
        x = data[0] if isinstance(data, tuple) else data
        y_pred, _ = self._forward(x, training=False)
        return map_structure(lambda t: t.detach().numpy() if isinstance(t, Tensor) else
                             np.asarray(t), y_pred)


class _CompileMetricsView:
    """The compiled metrics as one metric named ``compile_metrics``, as Keras lists them in
    ``model.metrics``: ``update_state(y, y_pred, sample_weight=None)`` takes the model's
    targets and outputs (any structure); ``result()`` is a dict by Keras' log names."""

    name = "compile_metrics"

    def __init__(self, model) -> None:
        self.model = model

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        self.model._update_compiled_metrics(y_true, y_pred, sample_weight)

    def result(self) -> dict:
        return self.model._compiled_metrics.result()

    def reset_state(self) -> None:
        self.model._compiled_metrics.reset_state()
