"""keras.random: random tensors drawn with Keras 3's signatures (``normal``, ``uniform``,
``truncated_normal``, ``randint``, ``dropout``, ``shuffle``) and ``SeedGenerator``.

``seed`` is as in Keras: None draws from glassnet's global generator (``keras.utils.
set_random_seed`` seeds it); an int gives the same numbers at every call with it; a
``SeedGenerator`` gives a new, reproducible stream of draws, as the guides' layers keep one
(``self.seed_generator = keras.random.SeedGenerator(1337)``).
"""

from __future__ import annotations

import numpy as np

from ..random import rng
from ..tensor import Tensor
from .ops.core import FLOATX, convert_to_tensor


class SeedGenerator:
    """A stream of random draws started at ``seed`` (None: from the global generator)."""

    def __init__(self, seed: int | None = None, name: str | None = None) -> None:
        start = seed if seed is not None else int(rng().integers(2**31))
        self.name = name or "seed_generator"
        self.generator = np.random.default_rng(start)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name}>"


def _generator(seed) -> np.random.Generator:
    if seed is None:
        return rng()
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise ValueError(f"seed must be None, an int or a keras.random.SeedGenerator, got "
                     f"{seed!r}; make one with keras.random.SeedGenerator(1337)")


def _shape(shape) -> tuple:
    shape = tuple(shape.tolist() if isinstance(shape, np.ndarray) else shape)
    return tuple(int(s.item() if isinstance(s, Tensor) else s) for s in shape)


def _tensor(values: np.ndarray, dtype) -> Tensor:
    return Tensor(values.astype(np.dtype(dtype or FLOATX)))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Draws from N(mean, stddev²)."""
    return _tensor(_generator(seed).normal(mean, stddev, _shape(shape)), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    """Draws from U[minval, maxval)."""
    return _tensor(_generator(seed).uniform(minval, maxval, _shape(shape)), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Draws from N(mean, stddev²), each beyond two standard deviations drawn again."""
    generator, size = _generator(seed), _shape(shape)
    values = generator.standard_normal(size)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = generator.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return _tensor(mean + stddev * values, dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None) -> Tensor:
    """Integers drawn uniformly from [minval, maxval)."""
    return _tensor(_generator(seed).integers(minval, maxval, _shape(shape)), dtype)


def dropout(inputs, rate: float, noise_shape=None, seed=None) -> Tensor:
    """inputs · mask / (1 - rate), each mask entry 0 with probability ``rate`` (else 1), so
    the expected value is unchanged; the gradient is the same mask / (1 - rate).
    ``noise_shape`` draws one mask entry per broadcast group (e.g. (batch, 1, features))."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate!r}")
    x = convert_to_tensor(inputs)
    shape = tuple(x.shape) if noise_shape is None else tuple(
        d if d is not None else s for d, s in zip(noise_shape, x.shape))
    keep = _generator(seed).uniform(size=shape) >= rate
    return x * Tensor((keep / (1 - rate)).astype(x.detach().numpy().dtype))


def shuffle(x, axis: int = 0, seed=None) -> Tensor:
    """``x`` with its entries along ``axis`` in a random order."""
    x = convert_to_tensor(x)
    order = _generator(seed).permutation(x.shape[axis])
    return x.index_select(axis, Tensor(order))
