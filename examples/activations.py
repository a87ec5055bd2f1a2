"""Seed 001 §14.5: the activation functions and their derivatives (computed by autograd)."""

from _common import figures

from glassnet import viz
from glassnet.viz.activations import activation_and_derivative

out = figures()
viz.plot_activations(path=out / "activations.png")
import numpy as np  # noqa: E402

_, slope = activation_and_derivative("sigmoid", np.linspace(-5, 5, 101))
print(f"sigmoid's largest derivative: {slope.max():.3f} (saturation: at x = 5 it is "
      f"{slope[-1]:.4f})")
print(f"wrote {out}/activations.png")
