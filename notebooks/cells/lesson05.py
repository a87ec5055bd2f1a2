"""05_playground.ipynb: TensorFlow Playground in the notebook, on toy data and your own points."""

from _cell import code, md

CELLS = [
    md("""
# Lesson 5 — The playground

**What this notebook teaches**: what hidden layers buy you, seen on 2-D data the way
[TensorFlow Playground](https://playground.tensorflow.org) shows it: the **toy data sets**
(XOR, circles, moons, spirals, blobs); a linear model failing where a hidden layer succeeds;
the **decision boundary** as training runs; **what each hidden unit computes**; the
**weights**; how activation, width and learning rate change the result; an **interactive
playground** with sliders (ipywidgets); and all of it on **points you make yourself**.

**Run time:** about 10 s on a 2-core CPU (the widgets wait for you; the cells after them run
the same experiments from code). No network.
"""),
    code("""
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import glassnet as torch
import glassnet.nn as nn
from glassnet import viz
from glassnet.datasets import toy

started = time.perf_counter()
"""),
    md("""
## 1. The toy data sets

Two numbers per point (its x and y), a class per point (its colour). Each set is seeded, so it
is the same every run; `noise` blurs it.
"""),
    code("""
data_sets = {"xor": toy.xor(n=200, noise=0.15), "circles": toy.circles(n=300),
             "moons": toy.moons(n=300), "spirals": toy.spirals(n=400, noise=0.2),
             "blobs": toy.blobs(n=300, centers=3)}
figure, axes = plt.subplots(1, 5, figsize=(16, 3.2))
for axis, (name, (X, y)) in zip(axes, data_sets.items()):
    axis.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=8)
    axis.set_title(f"{name}: {len(X)} points, {len(np.unique(y))} classes")
    axis.set_xticks([])
    axis.set_yticks([])
"""),
    md("""
## 2. No hidden layer: a straight line, whatever you do

A model without a hidden layer (logistic regression, `nn.Linear(2, 2)`) can only split the
plane with a straight line. On the circles, a ring around a disc, it stays far from 100%
however long it trains:
"""),
    code("""
X, y = data_sets["circles"]
torch.manual_seed(0)
linear = nn.Sequential(nn.Linear(2, 2))
epoch, loss, accuracy = viz.Playground(linear, X, y, lr=0.05, epochs=200, every=200).run()[-1]
print(f"no hidden layer, after {epoch} epochs: loss {loss:.3f}, accuracy {accuracy:.0%}")
figure = viz.plot_decision_boundary(linear, X, y, title="no hidden layer: one straight line")
"""),
    md("""
## 3. One hidden layer: the playground

Eight tanh units between input and output. `viz.Playground` trains full-batch with Adam and
takes a snapshot of the decision boundary every `every` epochs; the playground shows itself as
those snapshots (colour: the predicted class; paler where the model is unsure).
"""),
    code("""
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
playground = viz.Playground(model, X, y, lr=0.03, epochs=300, every=100)
for epoch, loss, accuracy in playground.run():
    print(f"epoch {epoch:3d}: loss {loss:.4f}, accuracy {accuracy:.0%}")
playground
"""),
    md("""
What does each hidden unit compute? Each one is a tanh of a weighted sum of x and y: a soft
step across one straight line. The output layer adds these steps up; the curved boundary is
made of straight pieces.
"""),
    code("""
figure = viz.plot_neurons(model, X)
"""),
    code("""
figure = viz.plot_weights(model)
"""),
    md("""
## 4. The interactive playground

Sliders and choices for the data set, noise, hidden layer sizes, activation, learning rate,
batch size and L2 regularisation, with train / pause / step / reset buttons; the decision
boundary and every hidden unit are redrawn as it trains. "your points" is the data the
playground was made with. (Needs `ipywidgets`, installed by `make notebooks`; in a notebook
viewer without a kernel, nothing shows here: the next sections run the same experiments
without widgets.)
"""),
    code("""
controls = viz.Playground(nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2)), X,
                          y).interact()
controls
"""),
    md("""
The controls can be set from code too, exactly as a click sets them: the widget's value
changes, its handler rebuilds the data and the network, and `step()` is the step button (10
epochs a press). The widget above follows along; the picture below is the one it shows.
"""),
    code("""
from IPython.display import Image

controls.widgets["dataset"].value = "moons"
controls.widgets["hidden"].value = "8, 8"
controls.widgets["lr"].value = 0.1
for _ in range(10):
    controls.step()
print(controls.status())
Image(controls.widgets["picture"].value)
""", tags=["main-figure"]),
    md("""
## 5. The same experiments without widgets

`experiment` does what one setting of the sliders does: make the data, build the network,
train it, and report. Change the arguments and rerun.
"""),
    code("""
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def experiment(data="spirals", hidden=(16, 16), activation="tanh", lr=0.02, epochs=150,
               noise=0.2, seed=0):
    \"\"\"Train one network on one toy data set; returns (model, X, y, final accuracy).\"\"\"
    makers = {"xor": toy.xor, "circles": toy.circles, "moons": toy.moons,
              "spirals": toy.spirals, "blobs": toy.blobs}
    X, y = makers[data](seed=seed) if data == "blobs" else makers[data](noise=noise, seed=seed)
    torch.manual_seed(seed)
    layers, width = [], 2
    for units in hidden:
        layers += [nn.Linear(width, units), ACTIVATIONS[activation]()]
        width = units
    model = nn.Sequential(*layers, nn.Linear(width, int(y.max()) + 1))
    run = viz.Playground(model, X, y, lr=lr, epochs=epochs, every=epochs).run()
    return model, X, y, run[-1][2]


figure, axes = plt.subplots(1, 3, figsize=(13, 4))
for axis, activation in zip(axes, ["relu", "tanh", "sigmoid"]):
    net, X_s, y_s, accuracy = experiment("spirals", activation=activation)
    viz.plot_decision_boundary(net, X_s, y_s, axis=axis,
                               title=f"spirals, {activation}: {accuracy:.0%} right")
"""),
    md("""
On the spirals, in 150 epochs at this learning rate, tanh and ReLU wind their boundary around
the arms while sigmoid, whose derivative is at most a quarter, is still far behind (lesson 2's
vanishing gradients, on a small scale).
Try `hidden=(4,)`, `lr=0.1`, or `data="moons", noise=0.4`.

## 6. Your own points

Edit the coordinates and classes below (any number of points, any number of classes), then
rerun. The example is a ring of class 1 around a cluster of class 0, with a second cluster of
class 0 outside: a shape no straight line separates.
"""),
    code("""
my_points = np.array([
    [0.0, 0.0], [0.2, 0.1], [-0.1, 0.2], [0.1, -0.2], [-0.2, -0.1],  # the inner cluster: 0
    [1.0, 0.0], [0.7, 0.7], [0.0, 1.0], [-0.7, 0.7], [-1.0, 0.0],  # the ring: 1
    [-0.7, -0.7], [0.0, -1.0], [0.7, -0.7],
    [1.8, 1.8], [2.0, 1.6], [1.6, 2.0],  # a cluster outside the ring: 0
], dtype=np.float32)
my_labels = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0])

torch.manual_seed(0)
mine = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
mine_playground = viz.Playground(mine, my_points, my_labels, lr=0.05, epochs=300, every=100)
epoch, loss, accuracy = mine_playground.run()[-1]
print(f"your points, after {epoch} epochs: loss {loss:.4f}, accuracy {accuracy:.0%}")
figure = viz.plot_decision_boundary(mine, my_points, my_labels,
                                    title="your points, your boundary")
"""),
    md("""
With only 16 points the network is free to draw almost anything between them, as seed 004's
XOR network was free to answer anything at (0.5, 0.5). The interactive playground trains on
these points too:
"""),
    code("""
viz.Playground(nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2)),
               my_points, my_labels).interact()
"""),
    code("""
print(f"this notebook ran in {time.perf_counter() - started:.0f} s")
"""),
]
