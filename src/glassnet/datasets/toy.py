"""Small 2-D datasets for the playground (seeded, with noise): xor, circles, moons, spirals,
gaussian blobs, and the lesson's linear-regression points."""

from __future__ import annotations

import numpy as np


def _rng(seed):
    return np.random.default_rng(seed)


def xor(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Points near the four corners of the unit square; label 1 where exactly one coordinate
    is 1. Returns X float32 (n, 2), y int64 (n,)."""
    rng = _rng(seed)
    corners = rng.integers(0, 2, (n, 2))
    X = corners + rng.normal(0, noise, (n, 2))
    return X.astype(np.float32), (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def circles(n: int = 200, noise: float = 0.08, factor: float = 0.5, seed: int = 0):
    """An inner circle (label 1) inside an outer ring (label 0)."""
    rng = _rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n)
    y = rng.integers(0, 2, n)
    radius = np.where(y == 1, factor, 1.0)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return (X + rng.normal(0, noise, X.shape)).astype(np.float32), y.astype(np.int64)


def moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles."""
    rng = _rng(seed)
    y = rng.integers(0, 2, n)
    angle = rng.uniform(0, np.pi, n)
    X = np.where(y[:, None] == 0,
                 np.stack([np.cos(angle), np.sin(angle)], axis=1),
                 np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1))
    return (X + rng.normal(0, noise, X.shape)).astype(np.float32), y.astype(np.int64)


def spirals(n: int = 300, classes: int = 2, noise: float = 0.2, turns: float = 1.5,
            seed: int = 0):
    """``classes`` interleaved spiral arms, the classic hard case for a linear model."""
    rng = _rng(seed)
    y = np.arange(n) % classes
    t = rng.uniform(0.05, 1, n)
    angle = t * turns * 2 * np.pi + y * 2 * np.pi / classes
    X = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) * 2
    return (X + rng.normal(0, noise * 0.1, X.shape)).astype(np.float32), y.astype(np.int64)


def blobs(n: int = 200, centers: int = 3, std: float = 0.4, seed: int = 0):
    """Gaussian clusters around ``centers`` random centres in [-2, 2]²."""
    rng = _rng(seed)
    middle = rng.uniform(-2, 2, (centers, 2))
    y = rng.integers(0, centers, n)
    return (middle[y] + rng.normal(0, std, (n, 2))).astype(np.float32), y.astype(np.int64)


def linear_regression(n: int = 10, w1: float = 1.0, w2: float = 2.0, noise: float = 0.3,
                      seed: int = 0, x_range=(0.0, 2.0)):
    """n points of y = w1 + w2·x + noise with x in ``x_range`` (the lecture's ten points).
    Returns x float32 (n,), y float32 (n,)."""
    rng = _rng(seed)
    x = np.sort(rng.uniform(*x_range, n))
    return x.astype(np.float32), (w1 + w2 * x + rng.normal(0, noise, n)).astype(np.float32)
