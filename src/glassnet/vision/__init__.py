"""glassnet.vision: image data sets, transforms, small convnets and image utilities
(torchvision's shape: ``from glassnet.vision import datasets, transforms``).

- ``datasets.py``: MNIST, FashionMNIST, CIFAR10 (items are PIL images, as torchvision's)
- ``transforms.py``: Compose, ToTensor, Normalize, RandomCrop, RandomHorizontalFlip, Resize, ...
- ``utils.py``: make_grid, save_image; ``models.py``: LeNet-5 and PyTorch's MNIST convnet
"""

from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
