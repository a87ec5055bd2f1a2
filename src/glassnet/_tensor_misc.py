"""Tensor's random fills (``x.normal_()``), new_* constructors (``x.new_zeros(2, 3)``) and facts
about a tensor (``stride``, ``is_contiguous``, ``mT``), as methods: ``Tensor`` inherits
``MiscMethods``. Also ``glassnet.is_tensor`` and ``glassnet.numel``.

The fills draw from a ``glassnet.Generator`` (``generator=``, or the default one seeded by
``glassnet.manual_seed``); the draws themselves are in ``glassnet/random_functions.py``. Like
every in-place op they bump the tensor's version, and refuse a leaf that requires grad unless
the change is made under ``glassnet.no_grad()`` (``m.weight.data.normal_(0, 0.02)`` works too).
The package is looked up when a method runs, because this class exists before ``Tensor`` does.

Example::

    >>> w = glassnet.empty(2, 3).uniform_(-1, 1)
    >>> w.new_zeros(4).dtype, w.stride(), w.t().is_contiguous()
    (glassnet.float32, (3, 1), False)
"""

from __future__ import annotations

import numpy as np

import glassnet


def _random():
    return glassnet.random_functions


def is_tensor(obj) -> bool:
    """True if ``obj`` is a glassnet Tensor (a Parameter counts: it is one)."""
    return isinstance(obj, glassnet.Tensor)


def is_floating_point(input) -> bool:
    """True if ``input``'s dtype is a floating-point one (float16, float32, float64)."""
    if not isinstance(input, glassnet.Tensor):
        raise TypeError(f"is_floating_point(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    return input._data.dtype.kind == "f"


def numel(input) -> int:
    """The number of elements in ``input``: the product of its shape (1 for a 0-d tensor)."""
    if not isinstance(input, glassnet.Tensor):
        raise TypeError(f"numel(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    return int(input._data.size)


def _new_size(size: tuple, method: str) -> tuple:
    """new_zeros(2, 3) and new_zeros((2, 3)) both mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{method}(): the size must be integers (e.g. {method}(2, 3) or "
                            f"{method}((2, 3))), got {size!r}")
    return tuple(int(s) for s in size)


class MiscMethods:
    """Methods for random fills, new_* constructors and tensor facts (stride, numel, mT)."""

    __slots__ = ()

    # ----- random fills, in place --------------------------------------------------------
    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None):
        """Fill with draws from N(mean, std²)."""
        return _random().normal_(self, mean, std, generator)

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator=None):
        """Fill with draws from U(from_, to) (PyTorch's ``from``, a Python keyword, is
        ``from_`` here; positional calls are the same)."""
        return _random().uniform_(self, from_, to, generator)

    def exponential_(self, lambd: float = 1.0, *, generator=None):
        """Fill with draws from the exponential distribution of rate ``lambd`` (mean 1/lambd)."""
        return _random().exponential_(self, lambd, generator)

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator=None):
        """Fill with draws from the Cauchy distribution centred on ``median``."""
        return _random().cauchy_(self, median, sigma, generator)

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator=None):
        """Fill with exp(N(mean, std²)): ``mean`` and ``std`` are those of the logarithm."""
        return _random().log_normal_(self, mean, std, generator)

    def geometric_(self, p: float, *, generator=None):
        """Fill with the number of trials up to the first success, each succeeding with p."""
        return _random().geometric_(self, p, generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill with 1 with probability ``p`` (a number, or a tensor of them), else 0."""
        return _random().bernoulli_(self, p, generator)

    def random_(self, from_=None, to=None, *, generator=None):
        """Fill with integers drawn uniformly: ``random_(to)`` from [0, to), ``random_(from_,
        to)`` from [from_, to), ``random_()`` from every integer the dtype holds exactly
        ([0, 2**24] for float32, [0, 2**63 - 1] for int64)."""
        return _random().random_(self, from_, to, generator)

    def bernoulli(self, p=None, *, generator=None):
        """Draw 1 with probability given by each element (or ``p``), else 0."""
        return _random().bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples: int, replacement: bool = False, *, generator=None):
        """Indices drawn from this tensor's weights; see ``glassnet.multinomial``."""
        return _random().multinomial(self, num_samples, replacement, generator=generator)

    # ----- new tensors like this one -----------------------------------------------------
    def _new(self, array: np.ndarray, dtype, device, requires_grad: bool):
        glassnet.devices.check_device(device)
        numpy_dtype = self._data.dtype if dtype is None else glassnet.dtypes.to_dtype(
            dtype).numpy
        result = glassnet.Tensor._make(array.astype(numpy_dtype, copy=False))
        return result.requires_grad_() if requires_grad else result

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False):
        """Zeros of the given size, with this tensor's dtype unless ``dtype`` is given."""
        shape = _new_size(size, "new_zeros")
        return self._new(np.zeros(shape, self._data.dtype), dtype, device, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False):
        """Ones of the given size, with this tensor's dtype unless ``dtype`` is given."""
        shape = _new_size(size, "new_ones")
        return self._new(np.ones(shape, self._data.dtype), dtype, device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False):
        """An uninitialised tensor of the given size, with this tensor's dtype by default."""
        shape = _new_size(size, "new_empty")
        return self._new(np.empty(shape, self._data.dtype), dtype, device, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None,
                 requires_grad: bool = False):
        """``fill_value`` everywhere, of the given size, with this tensor's dtype by default."""
        shape = _new_size((size,), "new_full")
        target = self._data.dtype if dtype is None else glassnet.dtypes.to_dtype(dtype).numpy
        return self._new(np.full(shape, fill_value, dtype=target), dtype, device, requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad: bool = False):
        """A new tensor holding a copy of ``data``, with this tensor's dtype by default (as
        PyTorch: ``int_tensor.new_tensor([1.5])`` is ``tensor([1])``)."""
        if isinstance(data, glassnet.Tensor):
            array = data._data.copy()
        else:
            array = np.array(data)
        return self._new(array, dtype, device, requires_grad)

    def type_as(self, other):
        """This tensor in ``other``'s dtype (itself if they already match)."""
        return self.to(other.dtype)

    # ----- layout --------------------------------------------------------------------------
    def stride(self, dim: int | None = None):
        """The step in elements between neighbours along each dim: a tuple, or one int for
        ``dim``. A row-major (2, 3) tensor has strides (3, 1); its transpose (1, 3)."""
        data = self._data
        if data.size == 0:  # NumPy reports byte strides of 0 here; PyTorch row-major ones
            strides = tuple(int(np.prod([max(s, 1) for s in data.shape[i + 1:]], dtype=np.int64))
                            for i in range(data.ndim))
        else:
            strides = tuple(s // data.itemsize for s in data.strides)
        if dim is None:
            return strides
        return strides[_dim(dim, data.ndim, "stride")]

    def is_contiguous(self, memory_format=None) -> bool:
        """True if the elements lie in memory in row-major order with no gaps (dims of size 1
        do not count, as in PyTorch)."""
        _row_major_only(memory_format, "is_contiguous")
        return bool(self._data.flags.c_contiguous)

    def contiguous(self, memory_format=None):
        """This tensor if it is contiguous, else a row-major copy (differentiable, as
        PyTorch's ``CloneBackward0``)."""
        _row_major_only(memory_format, "contiguous")
        if self._data.flags.c_contiguous:
            return self
        return glassnet.ops.Clone.apply(self)

    # ----- transposes ----------------------------------------------------------------------
    @property
    def mT(self):  # noqa: N802  (PyTorch's name)
        """The last two dims swapped: a batch of matrices transposed (a 0-d tensor is itself,
        as in PyTorch, which warns that this is deprecated)."""
        if self._data.ndim == 1:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of "
                               "matrices. Got 1-D tensor.")
        return self if self._data.ndim == 0 else self.transpose(-2, -1)

    @property
    def mH(self):  # noqa: N802
        """The conjugate transpose of each matrix: ``mT``, since glassnet's values are real."""
        if self._data.ndim == 1:
            raise RuntimeError("tensor.mH is only supported on matrices or batches of "
                               "matrices. Got 1-D tensor.")
        return self if self._data.ndim == 0 else self.transpose(-2, -1)

    @property
    def H(self):  # noqa: N802
        """The conjugate transpose of a matrix (the transpose, for real values)."""
        if self._data.ndim not in (0, 2):
            extra = (" For batches of matrices, consider using tensor.mH"
                     if self._data.ndim > 2 else "")
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self._data.ndim}-D tensor.{extra}")
        return self if self._data.ndim == 0 else self.transpose(0, 1)

    def ndimension(self) -> int:
        """The number of dims (an older name of ``dim()``)."""
        return self._data.ndim


def _row_major_only(memory_format, method: str) -> None:
    if memory_format is not None:
        raise NotImplementedError(
            f"{method}(memory_format={memory_format!r}): glassnet tensors have one memory "
            f"format, row-major (PyTorch's contiguous_format); leave memory_format out")


def _dim(dim: int, ndim: int, method: str) -> int:
    if ndim == 0:
        raise IndexError(f"{method}(): dimension specified as {dim} but tensor has no "
                         f"dimensions; call {method}() for the (empty) tuple")
    if not -ndim <= dim < ndim:
        raise IndexError(f"{method}(): dimension out of range (expected to be in range of "
                         f"[{-ndim}, {ndim - 1}], but got {dim})")
    return dim % ndim
