"""06_convnets.ipynb: LeNet-5 on MNIST, then what it learned and where it looks."""

from _cell import code, md

CELLS = [
    md("""
# Lesson 6 — Convolutional networks: LeNet-5 on MNIST

**What this notebook teaches**: what a convolution does to an image; **LeNet-5** (two
convolutions with pooling, then three fully connected layers) written as a PyTorch module and
trained briefly on MNIST with a live curve; then a look inside: the **filters** of the first
layer, the **feature maps** one digit produces, and **saliency**, the pixels that move the
predicted class's score the most.

**Run time:** about 10 s on a 2-core CPU (one pass over 30,000 training images), up to 30 s
on a busy one. No network.
"""),
    code("""
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import glassnet as torch  # was: import torch
import glassnet.nn as nn  # was: import torch.nn as nn
import glassnet.nn.functional as F  # was: import torch.nn.functional as F
from glassnet import viz
from glassnet.vision import datasets, transforms  # was: from torchvision import ...

torch.manual_seed(0)  # the same weights and batches every run
started = time.perf_counter()
"""),
    md("""
## 1. A convolution by hand

A 3x3 kernel slides over the image; at each position the output is the sum of the kernel times
the pixels under it. A kernel with −1 on the left and +1 on the right answers where the image
gets brighter from left to right: it detects vertical edges. A convnet learns its kernels.
"""),
    code("""
train_data = datasets.MNIST(root=None, train=True, transform=transforms.ToTensor())
test_data = datasets.MNIST(root=None, train=False, transform=transforms.ToTensor())
digit, label = train_data[0]  # 1 x 28 x 28
edges = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])  # Sobel, x
response = F.conv2d(digit[None], edges[None, None], padding=1)[0, 0]
figure, axes = plt.subplots(1, 3, figsize=(9, 3))
panels = [(digit[0], f"a {label}", "gray"), (edges, "the kernel", "RdBu_r"),
          (response, "conv2d: left-to-right edges", "RdBu_r")]
for axis, (picture, title, colours) in zip(axes, panels):
    axis.imshow(picture.numpy(), cmap=colours)
    axis.set_title(title)
    axis.axis("off")
"""),
    md("""
## 2. LeNet-5

Input 1x28x28, padded to 32x32 as in the paper → conv 5x5, 6 channels (6x28x28) → max-pool 2
(6x14x14) → conv 5x5, 16 channels (16x10x10) → max-pool 2 (16x5x5) → 400 → 120 → 84 → 10
logits. Written the PyTorch way:
"""),
    code("""
class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


model = LeNet5()
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()),
      "(the 784-128-64-10 MLP of lesson 1 has 109,386)")
"""),
    md("""
## 3. A short training run, with a live curve

One pass over the first 30,000 training images, batch 64, Adam at 2e-3. (`glassnet train
--model lenet5` trains it for 5 full epochs to about 99.2%.)
"""),
    code("""
loader = torch.utils.data.DataLoader(torch.utils.data.Subset(train_data, range(30_000)),
                                     batch_size=64, shuffle=True)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
live = viz.LiveCurves(every=25)
model.train()
for step, (images, labels) in enumerate(loader, start=1):
    optimizer.zero_grad()
    logits = model(images)
    loss = criterion(logits, labels)
    loss.backward()
    optimizer.step()
    live.update(step=step, loss=loss.item(),
                accuracy=(logits.argmax(dim=1) == labels).float().mean().item())
live.draw()
"""),
    code("""
test_images = test_data.data.float().unsqueeze(1) / 255  # 10000 x 1 x 28 x 28
test_labels = test_data.targets.numpy()
model.eval()
with torch.no_grad():
    predictions = torch.cat([model(test_images[i:i + 1000]).argmax(dim=1)
                             for i in range(0, 10_000, 1000)]).numpy()
print(f"test accuracy after one pass over 30,000 images: "
      f"{np.mean(predictions == test_labels):.2%}")
"""),
    md("""
## 4. The filters

The six 5x5 kernels of the first convolution, on one colour scale (red: a bright pixel there
raises the output; blue: lowers it). Most show a light side against a dark one at some angle:
edge and stroke detectors like the hand-made kernel above, still rough after one short pass.
"""),
    code("""
figure = viz.plot_filters(model.conv1)
"""),
    md("""
## 5. Feature maps

One test digit through both convolutions: each map is one channel's response over the image
(before the ReLU). The first layer's maps are still images of the digit with some strokes
lit; the second layer's, at lower resolution, respond to combinations of strokes.
"""),
    code("""
figure = viz.plot_feature_maps(model, test_images[0])
""", tags=["main-figure"]),
    md("""
## 6. Saliency: where does it look?

The gradient of the predicted class's score with respect to the input pixels: large where
changing a pixel would change the score most. After one short pass it is still noisy, but it
gathers on and around the strokes, and often in empty places where a look-alike digit would
have ink (under the 7's bar, where a 9 closes its loop); trained longer, it sharpens.
"""),
    code("""
figure = viz.plot_saliency(model, test_images[:4])
"""),
    md("""
**Try it:** train on more images (`range(60_000)`), compare `viz.plot_filters(model.conv1)`
before and after training, or look at the saliency of the digits it gets wrong
(`np.flatnonzero(predictions != test_labels)`).
"""),
    code("""
print(f"this notebook ran in {time.perf_counter() - started:.0f} s")
"""),
]
