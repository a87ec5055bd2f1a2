"""What ``fit``/``evaluate``/``predict`` accept as data, turned into batches of (x, y, w).

Keras 3 takes arrays (and lists or dicts of them, for several inputs or outputs), a
``keras.utils.PyDataset``, a Python generator, and iterable loaders; so does glassnet, plus its
own ``DataLoader`` and ``utils.data`` datasets (PyTorch-style loaders work the same way). Each
adapter yields one epoch of batches at a time; a batch is ``x``, ``(x,)``, ``(x, y)`` or
``(x, y, sample_weight)``, unpacked as Keras does.
"""

from __future__ import annotations

import math
import types

import numpy as np

from ..tensor import Tensor
from ..utils.data.dataloader import DataLoader
from ..utils.data.dataset import Dataset, IterableDataset
from .utils import PyDataset

ACCEPTED = ("a NumPy array or Tensor (or a list/dict of them), a keras.utils.PyDataset, a "
            "glassnet or PyTorch DataLoader, a glassnet Dataset, or a Python generator")


def to_array(x) -> np.ndarray:
    """Batches as NumPy: glassnet tensors, PyTorch tensors (anything with ``.numpy()``),
    lists; float64 becomes float32, as fit trains in float32."""
    if isinstance(x, Tensor):
        return x._data
    if not isinstance(x, np.ndarray) and hasattr(x, "numpy"):
        x = (x.detach() if hasattr(x, "detach") else x).numpy()
    array = np.asarray(x)
    return array.astype(np.float32) if array.dtype == np.float64 else array


def map_structure(fn, data):
    """``fn`` on every array of a (nested) list, tuple or dict."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {key: map_structure(fn, value) for key, value in data.items()}
    if isinstance(data, (list, tuple)) and not _is_number_list(data):
        return type(data)(map_structure(fn, value) for value in data)
    return fn(data)


def _is_number_list(data) -> bool:
    """A (nested) Python list of numbers is one array, not a list of inputs."""
    return not any(isinstance(v, (np.ndarray, Tensor, dict)) or hasattr(v, "shape")
                   for v in data)


def flatten(data) -> list:
    if data is None:
        return []
    if isinstance(data, dict):
        return [a for value in data.values() for a in flatten(value)]
    if isinstance(data, (list, tuple)) and not _is_number_list(data):
        return [a for value in data for a in flatten(value)]
    return [data]


def unpack_x_y_sample_weight(batch):
    """Keras' rule: a tuple of 1, 2 or 3 is (x,), (x, y), (x, y, w); anything else is x."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(f"a batch must be x, (x,), (x, y) or (x, y, sample_weight); got a "
                         f"tuple of {len(batch)} items")
    return batch, None, None


def _convert(batch, from_loader: bool = False):
    if from_loader and isinstance(batch, list) and len(batch) in (2, 3):
        batch = tuple(batch)  # DataLoaders collate (x, y) samples into [x, y] batches
    x, y, w = unpack_x_y_sample_weight(batch)
    return map_structure(to_array, x), map_structure(to_array, y), map_structure(to_array, w)


class ArrayAdapter:
    """In-memory arrays, sliced into batches; shuffled each epoch when asked (the last batch
    may be smaller)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                 what="fit") -> None:
        self.x = map_structure(to_array, x)
        self.y = map_structure(to_array, y)
        self.sample_weight = map_structure(to_array, sample_weight)
        sizes = {len(a) for a in flatten(self.x) + flatten(self.y) + flatten(self.sample_weight)}
        if len(sizes) > 1:
            raise ValueError(f"{what}: x, y and sample_weight must have the same number of "
                             f"samples, got sizes {sorted(sizes)}")
        self.size = sizes.pop() if sizes else 0
        self.batch_size = batch_size or 32
        self.shuffle = shuffle

    @property
    def num_batches(self) -> int:
        return math.ceil(self.size / self.batch_size)

    def epoch(self):
        order = np.random.permutation(self.size) if self.shuffle else np.arange(self.size)
        take = lambda index: (lambda a: a[index])  # noqa: E731
        for start in range(0, self.size, self.batch_size):
            index = order[start:start + self.batch_size]
            yield (map_structure(take(index), self.x), map_structure(take(index), self.y),
                   map_structure(take(index), self.sample_weight))

    def on_epoch_begin(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass


class PyDatasetAdapter:
    """A keras.utils.PyDataset: batch i is ``dataset[i]``, in order (as in Keras, fit's
    ``shuffle`` does not apply: shuffle in ``on_epoch_end``); its epoch hooks are called."""

    def __init__(self, dataset) -> None:
        self.dataset = dataset

    @property
    def num_batches(self) -> int:
        return len(self.dataset)

    def epoch(self):
        for index in range(len(self.dataset)):
            yield _convert(self.dataset[index])

    def on_epoch_begin(self) -> None:
        self.dataset.on_epoch_begin()

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()


class IterableAdapter:
    """A re-iterable loader (glassnet or PyTorch DataLoader): a new pass every epoch."""

    def __init__(self, loader) -> None:
        self.loader = loader

    @property
    def num_batches(self):
        try:
            return len(self.loader)
        except TypeError:
            return None

    def epoch(self):
        for batch in self.loader:
            yield _convert(batch, from_loader=True)

    def on_epoch_begin(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass


class GeneratorAdapter:
    """A Python generator: one stream shared by all epochs, as in Keras (each epoch takes
    ``steps_per_epoch`` batches from where the last stopped, or runs it to the end)."""

    def __init__(self, generator) -> None:
        self.generator = generator

    num_batches = None

    def epoch(self):
        for batch in self.generator:
            yield _convert(batch)

    def on_epoch_begin(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass


def _is_array_like(x) -> bool:
    if isinstance(x, (np.ndarray, Tensor)):
        return True
    if type(x).__module__.startswith("torch") and hasattr(x, "numpy") and hasattr(x, "shape"):
        return True
    if isinstance(x, dict):
        return all(_is_array_like(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return len(x) > 0 and (_is_number_list(x) or all(_is_array_like(v) for v in x))
    return False


def get_adapter(x, y=None, sample_weight=None, batch_size=None, shuffle=False, what="fit"):
    """The adapter for ``x``; a clear error naming what is accepted otherwise."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{what}: x must be {ACCEPTED}; got {type(x).__name__}")
    iterator_like = isinstance(x, (PyDataset, DataLoader, types.GeneratorType, Dataset)) or (
        not _is_array_like(x) and hasattr(x, "__iter__"))
    if iterator_like and (y is not None or sample_weight is not None):
        raise ValueError(f"{what}: when x is a {type(x).__name__}, it must yield the targets "
                         f"itself; pass y and sample_weight inside its batches, not as "
                         f"arguments")
    if isinstance(x, PyDataset):
        return PyDatasetAdapter(x)
    if isinstance(x, DataLoader) or (iterator_like and hasattr(x, "__len__") and
                                     not isinstance(x, Dataset)):
        return IterableAdapter(x)
    if isinstance(x, IterableDataset):
        return IterableAdapter(DataLoader(x, batch_size=batch_size or 32))
    if isinstance(x, Dataset):
        return IterableAdapter(DataLoader(x, batch_size=batch_size or 32, shuffle=shuffle))
    if isinstance(x, types.GeneratorType) or (iterator_like and hasattr(x, "__next__")):
        return GeneratorAdapter(x)
    if _is_array_like(x):
        return ArrayAdapter(x, y, sample_weight, batch_size, shuffle, what)
    raise TypeError(f"{what}: x must be {ACCEPTED}; got {type(x).__name__}")


def split_validation(x, y, sample_weight, validation_split: float):
    """Keras' validation_split: the *last* fraction of the samples, taken before shuffling;
    arrays only."""
    if not _is_array_like(x):
        raise ValueError(f"fit: validation_split works only with arrays, got x of type "
                         f"{type(x).__name__}; pass validation_data instead")
    if not 0 < validation_split < 1:
        raise ValueError(f"fit: validation_split must be in (0, 1), got {validation_split}")
    size = len(flatten(map_structure(to_array, x))[0])
    split_at = int(math.floor(size * (1 - validation_split)))
    if split_at in (0, size):
        raise ValueError(f"fit: {size} samples are too few to hold out "
                         f"validation_split={validation_split}")
    head = lambda a: to_array(a)[:split_at]  # noqa: E731
    tail = lambda a: to_array(a)[split_at:]  # noqa: E731
    train = (map_structure(head, x), map_structure(head, y), map_structure(head, sample_weight))
    held = (map_structure(tail, x), map_structure(tail, y), map_structure(tail, sample_weight))
    return train, held


def class_weights_to_sample_weights(y, class_weight: dict) -> np.ndarray:
    """One weight per sample from its class (argmax of one-hot rows, else the rounded label);
    a class missing from ``class_weight`` weighs 1, as in Keras."""
    y = to_array(y)
    if y.ndim > 1:
        y = y.argmax(-1) if y.shape[-1] != 1 else y[..., 0]
    labels = np.round(y).astype(np.int64)
    return np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float32)
