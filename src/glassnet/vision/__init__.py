"""glassnet.vision: image data sets, transforms, small convnets and image utilities
(torchvision's shape: ``from glassnet.vision import datasets, transforms``)."""

from . import models
