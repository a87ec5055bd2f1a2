"""``torch.distributions``' everyday four: ``Normal``, ``Uniform``, ``Bernoulli`` and
``Categorical``, with ``kl_divergence`` between two Normals.

Each has PyTorch's arguments and methods: ``sample(shape)`` (no gradient), ``rsample(shape)``
(the reparameterisation trick, for Normal and Uniform: x = μ + σ·ε with ε drawn alone, so the
gradient reaches μ and σ, as a VAE needs), ``log_prob(x)``, ``entropy()``, ``mean``,
``variance``, ``stddev``, ``batch_shape`` and ``event_shape``. ``log_prob`` and ``entropy`` are
written with differentiable ops, so REINFORCE's loss -log π(a)·R trains the policy. Draws come
from glassnet's generator (``glassnet.manual_seed``).
"""

from __future__ import annotations

import math

import numpy as np

from .ops.methods import _t
from .random import rng
from .tensor import Size, Tensor


def _params(*values) -> list[Tensor]:
    """The parameters as float tensors broadcast to one shape (numbers become tensors)."""
    tensors = [_t(v) if isinstance(v, Tensor) else Tensor._make(
        np.asarray(v, dtype=np.float32 if isinstance(v, (int, float)) else None))
        for v in values]
    tensors = [t if t._data.dtype.kind == "f" else t.float() for t in tensors]
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return [t if tuple(t.shape) == shape else t.expand(*shape) for t in tensors]


def _shape(sample_shape) -> tuple:
    if isinstance(sample_shape, int):
        return (sample_shape,)
    return tuple(sample_shape)


class Distribution:
    """What every distribution here has: shapes, sample (no gradient) and the checks."""

    has_rsample = False
    batch_shape: Size = Size(())
    event_shape: Size = Size(())

    def sample(self, sample_shape=()) -> Tensor:
        """Draws of shape sample_shape + batch_shape, cut from the graph."""
        return self._draw(_shape(sample_shape)).detach()

    def rsample(self, sample_shape=()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sample "
                                  f"(rsample); use sample(), whose draws carry no gradient")

    def expand_shape(self, sample_shape) -> tuple:
        return _shape(sample_shape) + tuple(self.batch_shape)

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}: {tuple(getattr(self, name).shape)!s}"
                           for name in self.arg_names)
        return f"{type(self).__name__}({fields})"


class Normal(Distribution):
    """N(loc, scale²): log p(x) = -(x - μ)²/(2σ²) - log σ - ½ log 2π."""

    has_rsample = True
    arg_names = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None) -> None:
        self.loc, self.scale = _params(loc, scale)
        if validate_args is not False and (self.scale._data <= 0).any():
            raise ValueError(f"Normal: expected scale > 0, got {self.scale}")
        self.batch_shape = Size(tuple(self.loc.shape))

    def _draw(self, sample_shape):
        noise = rng().standard_normal(self.expand_shape(sample_shape))
        return self.loc + self.scale * Tensor._make(noise.astype(self.loc._data.dtype))

    def rsample(self, sample_shape=()) -> Tensor:
        """μ + σ·ε, ε ~ N(0, 1) drawn alone: the gradient flows to loc and scale."""
        return self._draw(_shape(sample_shape))

    def log_prob(self, value) -> Tensor:
        value = _t(value)
        return (-((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log()
                - 0.5 * math.log(2 * math.pi))

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()

    def cdf(self, value) -> Tensor:
        return 0.5 * (1 + ((_t(value) - self.loc) / (self.scale * math.sqrt(2))).erf())

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self.scale ** 2

    @property
    def stddev(self) -> Tensor:
        return self.scale


class Uniform(Distribution):
    """U(low, high): density 1/(high - low) inside, log p = -log(high - low)."""

    has_rsample = True
    arg_names = ("low", "high")

    def __init__(self, low, high, validate_args=None) -> None:
        self.low, self.high = _params(low, high)
        if validate_args is not False and (self.low._data >= self.high._data).any():
            raise ValueError("Uniform: expected low < high")
        self.batch_shape = Size(tuple(self.low.shape))

    def _draw(self, sample_shape):
        unit = rng().random(self.expand_shape(sample_shape)).astype(self.low._data.dtype)
        return self.low + (self.high - self.low) * Tensor._make(unit)

    def rsample(self, sample_shape=()) -> Tensor:
        return self._draw(_shape(sample_shape))

    def log_prob(self, value) -> Tensor:
        value = _t(value)
        inside = (value._data >= self.low._data) & (value._data < self.high._data)
        density = -(self.high - self.low).log()
        return density + Tensor._make(np.where(inside, 0.0, -np.inf).astype(
            density._data.dtype))

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()

    @property
    def mean(self) -> Tensor:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low) ** 2 / 12


class Bernoulli(Distribution):
    """1 with probability p, else 0 (``probs`` or ``logits`` = log p/(1-p))."""

    arg_names = ("probs",)

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: pass either probs or logits, not both")
        if probs is not None:
            (self.probs,) = _params(probs)
            self.logits = (self.probs / (1 - self.probs)).log()
        else:
            (self.logits,) = _params(logits)
            self.probs = self.logits.sigmoid()
        self.batch_shape = Size(tuple(self.probs.shape))

    def _draw(self, sample_shape):
        unit = rng().random(self.expand_shape(sample_shape))
        return Tensor._make((unit < self.probs._data).astype(self.probs._data.dtype))

    def log_prob(self, value) -> Tensor:
        """y·log p + (1 - y)·log(1 - p), from the logits: -softplus(-l)·y - softplus(l)·(1-y)."""
        from .nn.functional import softplus

        value = _t(value)
        return -(value * softplus(-self.logits) + (1 - value) * softplus(self.logits))

    def entropy(self) -> Tensor:
        p = self.probs
        return -(p * self.log_prob(1.0) + (1 - p) * self.log_prob(0.0))

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)


class Categorical(Distribution):
    """One of K classes with probabilities ``probs`` (normalised along the last dim) or
    ``logits`` (log-probabilities up to a constant); samples are int64 class indices."""

    arg_names = ("probs",)

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Categorical: pass either probs or logits, not both")
        if probs is not None:
            probs = _t(probs)
            probs = probs if probs._data.dtype.kind == "f" else probs.float()
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = self.probs.log()
        else:
            logits = _t(logits)
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self.probs = self.logits.exp()
        if self.probs.ndim < 1:
            raise ValueError("Categorical: probs/logits need at least one dim (the classes)")
        self.batch_shape = Size(tuple(self.probs.shape[:-1]))

    def _draw(self, sample_shape):
        shape = self.expand_shape(sample_shape)
        p = np.broadcast_to(self.probs._data, shape + (self.probs.shape[-1],))
        cumulative = np.cumsum(p, axis=-1)
        unit = rng().random(shape + (1,)) * cumulative[..., -1:]
        index = (unit > cumulative).sum(-1)
        return Tensor._make(np.minimum(index, p.shape[-1] - 1).astype(np.int64))

    def log_prob(self, value) -> Tensor:
        """log p[value]: picked from the log-probabilities, so it carries their gradient."""
        index = _t(value).long()
        logits = self.logits
        shape = np.broadcast_shapes(tuple(index.shape), tuple(logits.shape[:-1]))
        logits = logits.expand(*shape, logits.shape[-1])
        return logits.gather(-1, index.expand(*shape).unsqueeze(-1)).squeeze(-1)

    def entropy(self) -> Tensor:
        return -(self.probs * self.logits).sum(-1)

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError("Categorical has no mean (its values are class labels)")


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p ‖ q) = E_p[log p - log q], in closed form for two Normals:
    log(σq/σp) + (σp² + (μp - μq)²)/(2σq²) - ½ (a VAE's regulariser)."""
    if isinstance(p, Normal) and isinstance(q, Normal):
        ratio = (p.scale / q.scale) ** 2
        return 0.5 * (ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1 - ratio.log())
    raise NotImplementedError(f"kl_divergence: only Normal ‖ Normal is implemented, got "
                              f"{type(p).__name__} ‖ {type(q).__name__}")


__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal", "Uniform", "kl_divergence"]
