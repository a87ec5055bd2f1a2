"""Seed 004's XOR network: first with the lecture's weights, then with weights it learns.

The lecture's network (hidden W all ones, b = [0, -1], ReLU; output w = [1, -2], b = 0)
computes XOR exactly; the decision-boundary picture also answers the lecture's question
"what should it output at (0.5, 0.5)?" — whatever the weights make of it.
"""

from _common import figures

import glassnet
import glassnet.nn as nn
from glassnet import viz

out = figures()
X = glassnet.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = glassnet.tensor([0, 1, 1, 0])

lecture = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
with glassnet.no_grad():
    lecture[0].weight.fill_(1.0)
    lecture[0].bias.copy_(glassnet.tensor([0.0, -1.0]))
    lecture[2].weight.copy_(glassnet.tensor([[1.0, -2.0]]))
    lecture[2].bias.fill_(0.0)
    print("lecture's weights:", lecture(X).flatten().tolist(),
          "at (0.5, 0.5):", lecture(glassnet.tensor([[0.5, 0.5]])).item())
viz.plot_decision_boundary(lecture, X.numpy(), y.numpy(), out / "xor_lecture_boundary.png",
                           output="raw", title="the lecture's weights: output over the plane "
                                               "(1 at (0.5, 0.5))")
viz.plot_weights(lecture, out / "xor_lecture_weights.png")

glassnet.manual_seed(3)
learned = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
optimizer = glassnet.optim.Adam(learned.parameters(), lr=0.05)
for _step in range(500):
    optimizer.zero_grad()
    loss = nn.functional.binary_cross_entropy_with_logits(learned(X).flatten(), y.float())
    loss.backward()
    optimizer.step()
with glassnet.no_grad():
    probabilities = learned(X).sigmoid().flatten()
print("learned:", [round(p, 3) for p in probabilities.tolist()], f"loss {loss.item():.4f}")
assert probabilities.round().tolist() == [0.0, 1.0, 1.0, 0.0]
viz.plot_decision_boundary(learned, X.numpy(), y.numpy(), out / "xor_learned_boundary.png",
                           title="learned weights: P(XOR = 1), shaded by confidence")
viz.plot_weights(learned, out / "xor_learned_weights.png")
print(f"wrote {out}/xor_lecture_boundary.png, xor_lecture_weights.png, "
      f"xor_learned_boundary.png, xor_learned_weights.png")
