"""Small convolutional networks for 28x28 and 32x32 images (torchvision's ``models``, in small).

- ``lenet5``: LeCun et al. (1998) with today's choices (ReLU, max-pooling): two 5x5
  convolutions (6 and 16 filters), each followed by a 2x2 max-pool, then 120-84-classes.
- ``mnist_convnet``: PyTorch's classic MNIST example: two 3x3 convolutions (32 and 64 filters),
  a 2x2 max-pool, dropout, a 128-unit hidden layer.

Both take NCHW images; ``in_channels`` and ``image_size`` adapt them to CIFAR-10 (3, 32).
"""

from __future__ import annotations

from .. import nn


def lenet5(in_channels: int = 1, num_classes: int = 10, image_size: int = 28) -> nn.Sequential:
    """LeNet-5: conv 5x5 (6) → pool → conv 5x5 (16) → pool → 120 → 84 → classes.

    A 28x28 input is padded by 2 so the first convolution sees 32x32, as in the paper; a 32x32
    input is not padded. Either way the second pool leaves 16 maps of 5x5 = 400 features.
    """
    padding = (32 - image_size) // 2
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5, padding=padding), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, num_classes),
    )


def mnist_convnet(in_channels: int = 1, num_classes: int = 10,
                  image_size: int = 28) -> nn.Sequential:
    """PyTorch's MNIST example net: conv 3x3 (32) → conv 3x3 (64) → pool → dropout 0.25 →
    128 → dropout 0.5 → classes (logits; the example's log-softmax is in the loss here)."""
    side = (image_size - 4) // 2
    return nn.Sequential(
        nn.Conv2d(in_channels, 32, 3, 1), nn.ReLU(),
        nn.Conv2d(32, 64, 3, 1), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
        nn.Linear(64 * side * side, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, num_classes),
    )
