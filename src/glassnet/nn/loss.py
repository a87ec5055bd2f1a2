"""Loss modules (§14.8): each holds its options and calls the matching functional form."""

from __future__ import annotations

from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction = reduction

    # PyTorch's losses show no options in their repr: ``MSELoss(reduction='sum')`` prints as
    # ``MSELoss()``, and so do ours


class _LegacyLoss(_Loss):
    """A loss that also takes PyTorch's deprecated ``size_average`` / ``reduce`` flags."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(F.loss._legacy_reduction(size_average, reduce, reduction))


class MSELoss(_LegacyLoss):
    """Mean squared error (regression): mean of (ŷ - y)²."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_LegacyLoss):
    """Mean absolute error: mean of |ŷ - y|."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Squared error below ``delta``, absolute error above: robust to outliers."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)


class BCELoss(_LegacyLoss):
    """Binary cross-entropy on probabilities (after a sigmoid)."""

    def __init__(self, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight = weight

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_LegacyLoss):
    """Sigmoid + binary cross-entropy in one stable step: pass raw logits."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_LegacyLoss):
    """Softmax + cross-entropy in one stable step: pass raw logits and class indices (or
    class probabilities). Don't softmax twice."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight, self.ignore_index = weight, ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_LegacyLoss):
    """Negative log-likelihood for log-probabilities (after LogSoftmax)."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class SmoothL1Loss(_LegacyLoss):
    """½d²/β where |d| < β, else |d| - ½β, d = input - target: L1 with a rounded kink
    (Fast R-CNN's box regression loss). HuberLoss(delta=β) equals β·SmoothL1Loss(beta=β).

    Example: ``nn.SmoothL1Loss()(glassnet.tensor([0.5, 3.0]), glassnet.zeros(2)).item() ==
    (0.125 + 2.5) / 2``
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class KLDivLoss(Module):
    """KL(target ‖ model) for a model that outputs log-probabilities (after LogSoftmax).

    Use ``reduction='batchmean'`` for the KL divergence per example; 'mean' (the default, as
    in PyTorch) also divides by the number of classes. ``log_target=True`` if the target is
    given as log-probabilities.
    Shape: input (N, *) log-probabilities, target alike; output a scalar, or (N, *) for 'none'.
    Example: ``nn.KLDivLoss(reduction='batchmean')(glassnet.full((2, 4), 0.25).log(),
    glassnet.full((2, 4), 0.25)).item() == 0.0``
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__()
        reduction = F.loss._legacy_reduction(size_average, reduce, reduction)
        if reduction not in ("mean", "batchmean", "sum", "none"):
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class _MarginLoss(_LegacyLoss):
    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class CosineEmbeddingLoss(_MarginLoss):
    """1 - cos(x1, x2) for pairs labelled 1, max(0, cos(x1, x2) - margin) for pairs labelled
    -1: learns embeddings where similar things point the same way.

    Shape: input1, input2 (N, D) and target (N,) of ±1; or (D,), (D,) and a 0-d target.
    Example: ``nn.CosineEmbeddingLoss()(glassnet.ones(2, 3), glassnet.ones(2, 3),
    glassnet.tensor([1.0, 1.0])).item() == pytest.approx(0.0)``
    """

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, self.margin,
                                       reduction=self.reduction)


class MarginRankingLoss(_MarginLoss):
    """max(0, -y·(x1 - x2) + margin): y = 1 means x1 should score higher than x2.

    Shape: input1, input2, target (N,) or 0-d, all with the same number of dimensions.
    Example: ``nn.MarginRankingLoss(0.5)(glassnet.tensor([2.0]), glassnet.tensor([1.8]),
    glassnet.tensor([1.0])).item() == pytest.approx(0.3)``
    """

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class TripletMarginLoss(_LegacyLoss):
    """max(0, d(a, p) - d(a, n) + margin) with d the p-norm distance: the anchor should be
    nearer the positive than the negative by a margin (FaceNet).

    Args: margin > 0; p, the norm of the distance; eps, added to the difference inside the
    norm; swap, use min(d(a, n), d(p, n)) (the harder negative distance).
    Shape: anchor, positive, negative (N, D) or (D,).
    Example: ``nn.TripletMarginLoss(eps=0)(glassnet.zeros(1, 2), glassnet.ones(1, 2),
    glassnet.full((1, 2), 3.0)).item() == pytest.approx(max(0, 2**0.5 - 18**0.5 + 1))``
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                     self.swap, reduction=self.reduction)


class SoftMarginLoss(_LegacyLoss):
    """log(1 + e^(-y·x)), y ∈ {1, -1}."""

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_LegacyLoss):
    """One binary cross-entropy per label, averaged over the labels of each sample."""

    def __init__(self, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight = weight

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, self.weight,
                                             reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """x where y = 1, max(0, margin - x) where y = -1."""

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class PoissonNLLLoss(_LegacyLoss):
    """The Poisson negative log-likelihood of counts (see ``F.poisson_nll_loss``)."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None,
                 eps: float = 1e-8, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """The negative log-likelihood of the target under N(input, var) (see
    ``F.gaussian_nll_loss``)."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class MultiMarginLoss(_LegacyLoss):
    """The multi-class hinge: Σ over wrong classes of max(0, margin - x[y] + x[i])ᵖ / C."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        self.p, self.margin, self.weight = p, margin, weight

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                   reduction=self.reduction)

