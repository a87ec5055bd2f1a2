"""LeNet-5 on MNIST with the PyTorch-style API, then a look inside: the first layer's filters,
the feature maps of both convolutions for one test digit, and saliency (which pixels move the
class score) for a few digits.

    python examples/lenet5_mnist.py [figures-folder] [training-images]

One pass over the first 30,000 training images (pass 60000 for the full epoch) reaches 96.9%
test accuracy; measured: 33 s of CPU time for the whole script (training, test, figures), so
it fits in CI's 90 s. ``glassnet train --model lenet5`` trains it longer.
"""

import sys
import time

from _common import figures

import glassnet as torch  # was: import torch
import glassnet.nn as nn  # was: import torch.nn as nn
import glassnet.optim as optim  # was: import torch.optim as optim
from glassnet import datasets, viz
from glassnet.utils.data import DataLoader, Subset
from glassnet.vision.models import lenet5

out = figures()
training_images = int(sys.argv[2]) if len(sys.argv) > 2 else 30_000

torch.manual_seed(0)
train_data = datasets.MNIST("./data", train=True, download=True)
train_loader = DataLoader(Subset(train_data, range(training_images)), batch_size=64,
                          shuffle=True)
model = lenet5()  # conv 5x5 (6) → pool → conv 5x5 (16) → pool → 120 → 84 → 10
print(model)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=2e-3)

start = time.perf_counter()
model.train()
for step, (images, labels) in enumerate(train_loader):
    optimizer.zero_grad()
    loss = criterion(model(images), labels)
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        print(f"step {step:4d}/{len(train_loader)}  loss {loss.item():.4f}")
print(f"trained on {training_images} images in {time.perf_counter() - start:.1f} s")

test_data = datasets.MNIST("./data", train=False)
model.eval()
with torch.no_grad():
    images = test_data.data.float().unsqueeze(1) / 255  # N x 1 x 28 x 28
    labels = test_data.targets
    predictions = torch.cat([model(images[i:i + 1000]).argmax(dim=1)
                             for i in range(0, len(images), 1000)])
    accuracy = (predictions == labels).float().mean().item()
print(f"test accuracy {accuracy:.4f}")

# What the first layer learned: 6 kernels of 5x5, red where a bright pixel raises the output.
viz.plot_filters(model[0], out / "lenet5_filters.png")
# One test digit through both convolutions (their outputs, before the ReLU).
viz.plot_feature_maps(model, images[0], path=out / "lenet5_feature_maps.png")
# Which pixels move the predicted class's score the most, for four digits.
viz.plot_saliency(model, images[:4], path=out / "lenet5_saliency.png")
print(f"figures in {out}/: lenet5_filters.png, lenet5_feature_maps.png, lenet5_saliency.png")
