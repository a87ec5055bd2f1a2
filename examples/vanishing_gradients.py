"""Seed 001 §14.11: gradient norms per layer in a deep sigmoid net vs a deep ReLU net, and
what gradient clipping does to an exploding gradient."""

import numpy as np
from _common import figures

import glassnet
import glassnet.nn as nn
from glassnet.viz._mpl import pyplot, save_figure

out = figures()


def deep_net(activation, depth=10, width=32):
    glassnet.manual_seed(0)
    layers = []
    for _ in range(depth):
        linear = nn.Linear(width, width)
        if activation is nn.ReLU:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        else:
            nn.init.xavier_normal_(linear.weight)
        layers += [linear, activation()]
    return nn.Sequential(*layers, nn.Linear(width, 1))


def layer_gradient_norms(model):
    x = glassnet.randn(64, 32)
    model.zero_grad()
    (model(x) ** 2).mean().backward()
    return [m.weight.grad.norm().item() for m in model if isinstance(m, nn.Linear)][:-1]


norms = {"sigmoid": layer_gradient_norms(deep_net(nn.Sigmoid)),
         "relu (He init)": layer_gradient_norms(deep_net(nn.ReLU))}
for name, values in norms.items():
    print(f"{name:15s} gradient norm, layer 1: {values[0]:.3g}   layer 10: {values[-1]:.3g}")

model = deep_net(nn.ReLU)
with glassnet.no_grad():
    for m in model:
        if isinstance(m, nn.Linear):
            m.weight.mul_(3.0)  # a bad init: gradients explode
x = glassnet.randn(64, 32)
(model(x) ** 2).mean().backward()
before = nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
after = np.sqrt(sum((p.grad.numpy().astype(np.float64) ** 2).sum() for p in model.parameters()))
print(f"exploding gradient norm {before.item():.3g} → clipped to {after:.3g}")

plt = pyplot()
figure, axis = plt.subplots(figsize=(6, 4))
for name, values in norms.items():
    axis.plot(range(1, len(values) + 1), values, "o-", label=name)
axis.set(yscale="log", xlabel="layer (1 = nearest the input)", ylabel="‖∂L/∂W‖",
         title="vanishing: sigmoid's gradients shrink toward the input")
axis.legend()
save_figure(figure, out / "gradient_norms.png")
assert norms["sigmoid"][0] < norms["sigmoid"][-1] / 100
assert after <= 5.0 + 1e-3 < before.item()
print(f"wrote {out}/gradient_norms.png")
