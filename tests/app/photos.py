"""Make photographed-style digits from MNIST test images: large, dark ink on light paper,
off-centre, RGB, with noise and uneven lighting, saved as PNG or JPEG."""

from __future__ import annotations

import numpy as np
from PIL import Image


def photograph(digit: np.ndarray, path, seed: int, size=(320, 240), fmt="PNG") -> None:
    rng = np.random.default_rng(seed)
    width, height = size
    scale = rng.uniform(4.5, 6.5)
    big = Image.fromarray(digit).resize((int(28 * scale), int(28 * scale)),
                                        Image.Resampling.BICUBIC)
    ink = np.zeros((height, width), dtype=np.float32)
    top = rng.integers(0, height - big.height)
    left = rng.integers(0, width - big.width)
    ink[top:top + big.height, left:left + big.width] = np.asarray(big) / 255
    paper = 0.85 + 0.1 * np.linspace(0, 1, width)[None, :]  # uneven light
    gray = paper * (1 - 0.9 * ink) + rng.normal(0, 0.03, ink.shape)
    tint = np.array([1.0, 0.97, 0.9])  # warm paper, RGB
    rgb = np.clip(gray[..., None] * tint * 255, 0, 255).astype(np.uint8)
    Image.fromarray(rgb, "RGB").save(path, fmt)
