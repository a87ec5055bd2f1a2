"""Metrics from confusion-matrix counts at thresholds: Precision, Recall and AUC, as Keras 3.

Each keeps, per threshold t, the (weighted) counts of true and false positives and negatives,
where a prediction counts as positive when y_pred > t. Precision = TP / (TP + FP), recall =
TP / (TP + FN); AUC sums the area under the ROC curve (false-positive rate → recall) or the PR
curve (recall → precision) over ``num_thresholds`` thresholds spread evenly over [0, 1]
(Keras' default 200, the outer two nudged by ε = 1e-7 to catch predictions of exactly 0 and 1).
"""

from __future__ import annotations

import numpy as np

from .metrics import Metric, _numpy, _same_rank

NEG_INF = -1e10


def _divide_no_nan(a, b) -> np.ndarray:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def _filter_top_k(y_pred: np.ndarray, k: int) -> np.ndarray:
    """Keep each row's k largest predictions; the others become -1e10 (never positive)."""
    order = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    kept = np.full_like(y_pred, NEG_INF)
    np.put_along_axis(kept, order, np.take_along_axis(y_pred, order, axis=-1), axis=-1)
    return kept


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, top_k=None,
                     class_id=None) -> dict:
    """Weighted TP, FP, TN, FN at each threshold (Keras' update_confusion_matrix_variables,
    non multi-label): every entry of y_pred is one prediction."""
    y_true, y_pred = _numpy(y_true, np.float32), _numpy(y_pred, np.float32)
    y_pred, y_true = _same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = _numpy(sample_weight, np.float32)[..., None]
        _, sample_weight = _same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(f"class_id={class_id} needs y_pred of shape (samples, classes), "
                             f"got shape {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = np.ones_like(y_pred) if sample_weight is None else \
        np.broadcast_to(sample_weight, y_pred.shape)
    predicted = y_pred.reshape(1, -1) > np.asarray(thresholds, np.float32).reshape(-1, 1)
    actual = y_true.reshape(1, -1).astype(bool)
    weights = weights.reshape(1, -1).astype(np.float64)
    return {"tp": (weights * (predicted & actual)).sum(1),
            "fp": (weights * (predicted & ~actual)).sum(1),
            "tn": (weights * (~predicted & ~actual)).sum(1),
            "fn": (weights * (~predicted & actual)).sum(1)}


def _thresholds(thresholds, default: float) -> list:
    if thresholds is None:
        return [default]
    values = [thresholds] if isinstance(thresholds, (int, float)) else list(thresholds)
    for value in values:
        if not 0 <= value <= 1:
            raise ValueError(f"thresholds must be in [0, 1], got {value}; a prediction counts "
                             f"as positive when it is above the threshold")
    return values


class _Counts(Metric):
    """Shared by Precision and Recall: counts at thresholds, with top_k and class_id."""

    _kinds: tuple = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None,
                 dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self.thresholds = _thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        for kind in self._kinds:
            setattr(self, kind, self.add_variable((len(self.thresholds),), "zeros",
                                                  name=kind))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self.top_k,
                                  self.class_id)
        for kind in self._kinds:
            getattr(self, kind).assign_add(counts[_SHORT[kind]])

    def _ratio(self, other: str):
        value = _divide_no_nan(self.true_positives, self.true_positives + getattr(self, other))
        value = value.astype(np.float32)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


_SHORT = {"true_positives": "tp", "false_positives": "fp", "true_negatives": "tn",
          "false_negatives": "fn"}


class Precision(_Counts):
    """TP / (TP + FP): of the predictions called positive (y_pred > threshold, default 0.5),
    the weighted fraction that are. With ``top_k``, only each row's k largest count."""

    _kinds = ("true_positives", "false_positives")

    def result(self):
        return self._ratio("false_positives")


class Recall(_Counts):
    """TP / (TP + FN): of the actual positives, the weighted fraction predicted positive."""

    _kinds = ("true_positives", "false_negatives")

    def result(self):
        return self._ratio("false_negatives")


class AUC(Metric):
    """Area under the ROC (or PR) curve, from counts at ``num_thresholds`` thresholds.

    ROC: x = FP / (FP + TN), y = TP / (TP + FN); the area is Σ (x_i - x_i+1) · h_i with
    h_i = (y_i + y_i+1) / 2 (``"interpolation"``), min (``"minoring"``) or max
    (``"majoring"``). PR with interpolation follows Davis & Goadrich (2006), as Keras does.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False) -> None:
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: summation_method must be 'interpolation', 'minoring' or "
                             f"'majoring', got {summation_method!r}")
        if multi_label or label_weights is not None:
            raise NotImplementedError("AUC: multi_label and label_weights are not supported "
                                      "by glassnet yet; use one AUC per label")
        if thresholds is not None:
            inner = sorted(_thresholds(thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be an integer > 1, got "
                                 f"{num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._thresholds = np.array([-1e-7, *inner, 1.0 + 1e-7], dtype=np.float32)
        self.curve, self.summation_method = curve, summation_method
        self.multi_label, self.num_labels = multi_label, num_labels
        self._from_logits, self._init_thresholds = from_logits, thresholds
        super().__init__(name=name, dtype=dtype)
        for kind in _SHORT:
            setattr(self, kind, self.add_variable((self.num_thresholds,), "zeros", name=kind))

    @property
    def thresholds(self) -> list:
        return self._thresholds.tolist()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = _numpy(y_pred, np.float32)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        counts = confusion_counts(y_true, y_pred, self._thresholds, sample_weight)
        for kind, short in _SHORT.items():
            getattr(self, kind).assign_add(counts[short])

    def _interpolate_pr_auc(self) -> np.float32:
        tp = np.asarray(self.true_positives, np.float64)
        fn = np.asarray(self.false_negatives, np.float64)
        p = tp + np.asarray(self.false_positives, np.float64)
        dtp, dp = tp[:-1] - tp[1:], p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0),
                         _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increments = _divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                                    np.maximum(tp[1:] + fn[1:], 0))
        return np.float32(increments.sum())

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        tp, fp, tn, fn = (np.asarray(getattr(self, k), np.float64) for k in _SHORT)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return np.float32(((x[:-1] - x[1:]) * heights).sum())

    def get_config(self) -> dict:
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "curve": self.curve, "summation_method": self.summation_method,
                "multi_label": self.multi_label, "num_labels": self.num_labels,
                "from_logits": self._from_logits, "thresholds": self._init_thresholds}
