"""Seed 004, slides 12-16: gradient descent on a 1-D function with two minima.

f'(x) = 5(x + 2.5)(x - 0.5)(x - 1.5): a deep minimum at -2.5, a shallow one at 1.5 and a hill
at 0.5 between them. Shows a halving step size settling at -2.5, how the start decides the
minimum, and how a step too large jumps across the hill.
"""

from _common import figures

import glassnet
from glassnet import viz


def f(x):
    return 5 * (x**4 / 4 + x**3 / 6 - 2.125 * x**2 + 1.875 * x)


out = figures()
halving = viz.descent(f, x0=0.1, lr=0.1, steps=10, schedule="halving")
print("halving steps from 0.1:", [round(float(p), 3) for p in halving.points[:, 0]])
viz.plot_descent(f, halving, out / "gd_halving.png", xlim=(-3.8, 2.2), ylim=(-60, 30),
                 title="step size halving each iteration, from x = 0.1")

starts = viz.descent(f, x0=[-3.5, 1.0], lr=0.025, steps=40)
for run in starts:
    print(f"{run.label}: ends at {run.final[0]:.3f}")
viz.plot_descent(f, starts, out / "gd_starts.png", xlim=(-3.8, 2.2), ylim=(-60, 30),
                 title="the starting point decides which minimum you reach")

rates = viz.descent(f, x0=-3.5, lr=[0.05, 0.025], steps=40)
for run in rates:
    print(f"{run.label}: first step to {run.points[1, 0]:.3f}, ends at {run.final[0]:.3f}")
viz.plot_descent(f, rates, out / "gd_step_sizes.png", xlim=(-3.8, 2.2), ylim=(-60, 30),
                 title="from -3.5: η = 0.05 jumps over the hill, η = 0.025 stays")
assert abs(halving.final[0] + 2.5) < 0.05 and starts[1].final[0] > 0.5
assert rates[0].final[0] > 0.5 and rates[1].final[0] < 0
print(f"wrote {out}/gd_halving.png, gd_starts.png, gd_step_sizes.png "
      f"(glassnet {glassnet.__version__})")
