"""Seed 001 §14.7: push a random signal through 50 ReLU layers and watch its scale.

He initialisation (std √(2/n_in)) keeps it O(1); half that scale makes it vanish, double
makes it explode.
"""

import numpy as np
from _common import figures

import glassnet
import glassnet.nn as nn
from glassnet.viz._mpl import pyplot, save_figure

out = figures()
glassnet.manual_seed(0)
x = glassnet.randn(256, 1)
curves = {}
for scale in (1.0, 0.5, 2.0):
    a, stds = x, []
    for _ in range(50):
        layer = nn.Linear(256, 256, bias=False)
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")  # He init
        with glassnet.no_grad():
            layer.weight.mul_(scale)
            a = layer(a.T).T.relu()
        stds.append(a.std().item())
    curves[scale] = stds
    print(f"scale {scale}: activation std after 50 layers = {stds[-1]:.4g}")

plt = pyplot()
figure, axis = plt.subplots(figsize=(6, 4))
for scale, stds in curves.items():
    axis.plot(range(1, 51), np.maximum(stds, 1e-30), label=f"{scale} × He std")
axis.set(yscale="log", xlabel="layer", ylabel="activation std",
         title="He init keeps the signal O(1) through 50 ReLU layers")
axis.legend()
save_figure(figure, out / "init_scales.png")
assert 0.1 < curves[1.0][-1] < 10 and curves[0.5][-1] < 1e-8 and curves[2.0][-1] > 1e8
print(f"wrote {out}/init_scales.png")
