"""A TensorFlow-Playground run: a small MLP learns two spirals; snapshots of the boundary,
each hidden unit's output, and the weights."""

from _common import figures

import glassnet
import glassnet.nn as nn
from glassnet import viz
from glassnet.datasets import toy

out = figures()
X, y = toy.spirals(n=400, noise=0.2, seed=0)
glassnet.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                      nn.Linear(16, 2))
playground = viz.Playground(model, X, y, lr=0.02, epochs=600, every=100)
for epoch, loss, accuracy in playground.run():
    print(f"epoch {epoch:4d}  loss {loss:.4f}  accuracy {accuracy:.1%}")
playground.save(out / "playground.png")
playground.save(out / "playground.gif")
viz.plot_neurons(model, X, out / "playground_neurons.png")
viz.plot_weights(model, out / "playground_weights.png")
viz.plot_decision_boundary(model, X, y, out / "playground_boundary.png",
                           title="spirals, after training")
assert playground.snapshots[-1][2] > 0.9
print(f"wrote {out}/playground.png, playground.gif, playground_neurons.png, "
      f"playground_weights.png, playground_boundary.png")
