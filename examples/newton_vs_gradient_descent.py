"""Newton's method beside gradient descent on seed 004's 1-D function, with second derivatives
from double backward; then a Hessian-vector product on a small network.

Seed 004 names Newton's method among the optimisers deep learning passes over because "they
require information (like second derivatives) that's too expensive to compute". On one
variable it is cheap: x ← x - f'(x)/f''(x), with f'' from differentiating f' again
(``autograd.grad(..., create_graph=True)``). Near a minimum it converges in a handful of steps
where gradient descent takes dozens, but it heads for the nearest point where f' = 0, and
where f'' < 0 (here between the two minima) that point is the hill at 0.5, a maximum.

For a network, the full Hessian is too big, but H·v costs two backward passes
(``autograd.functional.hvp``), checked here against finite differences of the gradient.
"""

import numpy as np
from _common import figures

import glassnet
from glassnet import viz
from glassnet.autograd.functional import hvp
from glassnet.viz.descent import Trajectory


def f(x):
    """Seed 004's curve: f'(x) = 5(x + 2.5)(x - 0.5)(x - 1.5), minima at -2.5 and 1.5."""
    return 5 * (x**4 / 4 + x**3 / 6 - 2.125 * x**2 + 1.875 * x)


def first_and_second_derivative(x: float) -> tuple[float, float]:
    point = glassnet.tensor(x, dtype=glassnet.float64, requires_grad=True)
    (slope,) = glassnet.autograd.grad(f(point), point, create_graph=True)
    (curvature,) = glassnet.autograd.grad(slope, point)
    return slope.item(), curvature.item()


def newton(x0: float, steps: int) -> Trajectory:
    points = [x0]
    for _ in range(steps):
        slope, curvature = first_and_second_derivative(points[-1])
        points.append(points[-1] - slope / curvature)
    values = [f(glassnet.tensor(p, dtype=glassnet.float64)).item() for p in points]
    return Trajectory(np.array(points)[:, None], np.array(values), np.ones(steps),
                      f"Newton from {x0:g}")


def side_by_side(start: float, lr: float, schedule: str, steps: int = 8):
    descent = viz.descent(f, x0=start, lr=lr, steps=steps, schedule=schedule)
    newton_run = newton(start, steps)
    print(f"\nfrom x0 = {start:g}:  gradient descent (η = {lr:g}, {schedule})  |  "
          f"Newton (x - f'/f'')")
    for t in range(steps + 1):
        print(f"  step {t}:  {descent.points[t, 0]:+.6f}  |  {newton_run.points[t, 0]:+.6f}")
    return descent, newton_run


out = figures()
runs = []
# the seed's runs: from -3.5 and from 1.2 with η = 0.025, and from 0.1 with η = 0.1 halving
for start, lr, schedule in ((-3.5, 0.025, "constant"), (1.2, 0.025, "constant"),
                            (0.1, 0.1, "halving")):
    runs.extend(side_by_side(start, lr, schedule))
gd_left, newton_left, gd_right, newton_right, gd_hill, newton_hill = runs
slope, curvature = first_and_second_derivative(0.1)
print(f"\nat 0.1, f''(x) = {curvature:.3f} < 0: Newton climbs to the hill at 0.5 "
      f"(f'(0.5) = 0 too); gradient descent goes downhill")
viz.plot_descent(f, runs[:4], out / "newton_vs_gd.png", xlim=(-3.8, 2.2), ylim=(-60, 30),
                 title="Newton (x - f'/f'') beside gradient descent (x - η·f')")

# ----- a Hessian-vector product on a small network -------------------------------------------
generator = np.random.default_rng(0)
inputs = glassnet.tensor(generator.standard_normal((16, 3)))
targets = glassnet.tensor(generator.standard_normal((16, 1)))
shapes = [(4, 3), (4,), (1, 4), (1,)]
parameters = tuple(glassnet.tensor(generator.standard_normal(s) * 0.5) for s in shapes)
direction = tuple(glassnet.tensor(generator.standard_normal(s)) for s in shapes)
F = glassnet.nn.functional


def loss(w1, b1, w2, b2):
    hidden = glassnet.tanh(F.linear(inputs, w1, b1))
    return F.mse_loss(F.linear(hidden, w2, b2), targets)


def gradient(params):
    params = tuple(p.detach().requires_grad_() for p in params)
    return glassnet.autograd.grad(loss(*params), params)


value, product = hvp(loss, parameters, direction)
eps = 1e-5
plus = gradient(tuple(p + eps * v for p, v in zip(parameters, direction)))
minus = gradient(tuple(p - eps * v for p, v in zip(parameters, direction)))
numeric = [(a - b) / (2 * eps) for a, b in zip(plus, minus)]
error = max(float((h - n).abs().max()) for h, n in zip(product, numeric))
print(f"\nnetwork 3-4-1 (tanh), MSE loss {value.item():.4f}: H·v from hvp against finite "
      f"differences of the gradient: max difference {error:.2e}")
assert abs(newton_left.final[0] + 2.5) < 1e-9 and abs(newton_right.final[0] - 1.5) < 1e-9
assert abs(newton_hill.final[0] - 0.5) < 1e-9 and abs(gd_hill.final[0] + 2.5) < 0.1
assert abs(gd_left.final[0] + 2.5) > 1e-3  # descent is still on its way after 8 steps
assert error < 1e-7
print(f"wrote {out}/newton_vs_gd.png")
