"""Image data sets shaped like torchvision's: MNIST, FashionMNIST, CIFAR10.

``ds[i]`` is ``(image, target)``: the image as a PIL image (mode 'L' for MNIST, 'RGB' for
CIFAR-10) when Pillow is installed, else as a uint8 NumPy array (H x W, or H x W x 3), then
passed through ``transform``; the target an int, then through ``target_transform``.

The files are found as ``glassnet.datasets`` finds them: in ``root`` alone, which must exist
and hold something unless ``download=True`` (``root=None`` searches ``$GLASSNET_DATA``, the
repository's ``data/``, ``~/.cache/glassnet``). With ``download=True``, files missing from
``root`` are taken from a checksummed copy in those places, else downloaded (checksummed), and
kept in ``root`` either way, as torchvision's download keeps them; so PyTorch's
``datasets.MNIST('../data', download=True)`` works without touching the network, and the
following ``datasets.MNIST('../data', train=False)`` finds the files there. Image/label counts,
label ranges and checksums are checked; a failure is one line naming the file and the fix.

A DataLoader asks for a whole batch at once (``__getitems__``); when the transform is made of
ToTensor and Normalize only, the batch is converted in one NumPy operation, with the same
values as item by item.
"""

from __future__ import annotations

import numpy as np

from ..datasets import cifar, mnist
from ..tensor import Tensor
from ..utils.data import Dataset, default_collate
from ._image import pil_image_module

__all__ = ["CIFAR10", "MNIST", "FashionMNIST", "VisionDataset"]


class VisionDataset(Dataset):
    """What the image data sets share: transforms, ``class_to_idx``, item and batch access.

    Subclasses set ``self.data`` (uint8 images, N x H x W or N x H x W x 3, a tensor or an
    array), ``self.targets`` (a tensor, an array or a list) and ``self.classes``; items are read
    from them each time, so replacing ``data`` and ``targets`` (to keep a subset, say) works as
    in torchvision.
    """

    def __init__(self, root, transform=None, target_transform=None) -> None:
        self.root, self.transform, self.target_transform = root, transform, target_transform

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def _images(self) -> np.ndarray:
        return self.data._data if isinstance(self.data, Tensor) else np.asarray(self.data)

    def _target(self, index: int) -> int:
        targets = self.targets
        return int(targets._data[index] if isinstance(targets, Tensor) else targets[index])

    def _targets(self, indices: np.ndarray) -> np.ndarray:
        targets = self.targets
        if isinstance(targets, (Tensor, np.ndarray)):
            return np.asarray(targets._data if isinstance(targets, Tensor) else targets)[indices]
        return np.array([targets[i] for i in indices], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int):
        array, target = self._images()[index], self._target(index)
        image_module = pil_image_module()
        img = image_module.fromarray(array) if image_module is not None else array
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices):
        """A collated batch: in one go when the transform has a batch form, else item by
        item."""
        indices = np.asarray(indices, dtype=np.int64)
        batch = getattr(self.transform, "batch", None)
        images = batch(self._images()[indices]) if batch is not None else None
        if images is None:
            return default_collate([self[int(i)] for i in indices])
        labels = self._targets(indices).astype(np.int64)
        if self.target_transform is None:
            targets = Tensor._make(labels)
        else:
            targets = default_collate([self.target_transform(int(t)) for t in labels])
        return images, targets

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}"]
        lines += [line for line in self.extra_repr().splitlines() if line]
        if self.transform is not None:
            lines.append("StandardTransform")
            transform = repr(self.transform).splitlines()
            lines.append(f"Transform: {transform[0]}")
            lines += [" " * 11 + line for line in transform[1:]]
        body = "".join(f"\n    {line}" for line in lines)
        return f"Dataset {type(self).__name__}{body}"


class MNIST(VisionDataset):
    """The MNIST handwritten digits (60,000 training and 10,000 test 28x28 grey images).

    Args:
        root: the folder holding the files (``<root>/mnist/``, ``<root>/``, or torchvision's
            ``<root>/MNIST/raw/``); it must exist and hold files unless ``download=True``,
            which fills it. ``None`` searches the usual places.
        train: the training set (True) or the test set.
        transform: applied to each image (a PIL image, or an array without Pillow).
        target_transform: applied to each label.
        download: fetch the files (checksummed) if no local copy is found.

    Attributes: ``data`` (uint8 tensor, N x 28 x 28), ``targets`` (int64 tensor), ``classes``.
    """

    source = mnist.MNIST_SOURCE

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform, target_transform)
        self.train = train
        (x, y), (xt, yt) = mnist.load_arrays(self.source, root, download)
        images, labels = (x, y) if train else (xt, yt)
        self.data, self.targets = Tensor._make(images), Tensor._make(labels)
        self.classes = list(self.source.classes)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same format as MNIST, ten kinds of clothing."""

    source = mnist.FASHION_SOURCE


class CIFAR10(VisionDataset):
    """CIFAR-10 (50,000 training and 10,000 test 32x32 colour images, ten classes), read from
    the official binary distribution, ``cifar-10-binary.tar.gz``.

    Args:
        root: the folder holding ``cifar-10-batches-bin/`` or the archive; it must exist and
            hold something unless ``download=True``, which fills it. ``None`` searches the
            usual places.
        train: the five training batches (True) or the test batch.
        transform: applied to each image (a PIL RGB image, or an H x W x 3 array).
        target_transform: applied to each label.
        download: fetch the archive (md5 checked) if no local copy is found.

    Attributes: ``data`` (uint8 NumPy array, N x 32 x 32 x 3, as torchvision), ``targets``
    (list of int), ``classes``.
    """

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform, target_transform)
        self.train = train
        train_set, test_set, self.classes = cifar.load_arrays(root, download)
        images, labels = train_set if train else test_set
        self.data, self.targets = images, labels.tolist()

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"
