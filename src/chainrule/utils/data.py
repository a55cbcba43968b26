"""Datasets, samplers and the DataLoader, shaped like ``torch.utils.data``.

Shuffling draws from a NumPy generator: the one passed as ``generator=`` (a
``numpy.random.Generator``, such as this module's :class:`Generator`), else the global one that
``chainrule.manual_seed`` seeds, read when an epoch starts. Batches are built in the calling
process.
"""

from __future__ import annotations

import bisect
import collections.abc
import copy
import itertools
import math
import numbers
import warnings
from typing import Generic, TypeVar

import numpy as np

from .. import _dtype, creation
from ..autograd.graph import wrap
from ..ops.shape import stack
from ..tensor import Tensor, check_device

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Generator",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "TensorDataset",
    "default_collate",
    "default_convert",
    "random_split",
]

T_co = TypeVar("T_co", covariant=True)

_DEFAULT_SEED = 67280421310721  # torch.Generator's seed before any manual_seed


class Generator(np.random.Generator):
    """A NumPy generator with PyTorch's seeding methods: ``Generator().manual_seed(42)``.

    Pass it as ``generator=`` to ``DataLoader``, ``RandomSampler``, ``random_split`` or
    ``chainrule.rand`` / ``randn`` / ``randperm``. Unseeded, it starts from PyTorch's default seed.
    """

    def __init__(self, device="cpu") -> None:
        check_device(device)
        super().__init__(np.random.PCG64(_DEFAULT_SEED))
        self._initial_seed = _DEFAULT_SEED

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``; returns the generator."""
        self._initial_seed = int(seed)
        self.bit_generator.state = np.random.PCG64(self._initial_seed).state
        return self

    def initial_seed(self) -> int:
        return self._initial_seed

    def seed(self) -> int:
        """Reseed from fresh entropy; returns the new seed."""
        new = int(np.random.SeedSequence().entropy % 2**63)
        self.manual_seed(new)
        return new


def _numpy_generator(generator) -> np.random.Generator:
    if generator is None:
        return creation.default_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError("generator must be a numpy.random.Generator (e.g. "
                    f"chainrule.utils.data.Generator) or None, not {type(generator).__name__}")


# ---------------------------------------------------------------- datasets
class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses define ``__getitem__`` and ``__len__``; ``a + b``
    concatenates."""

    def __getitem__(self, index) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __len__(self) -> int:
        raise NotImplementedError("Subclasses of Dataset should implement __len__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``; the tensors share their first dimension.
    (NumPy arrays are taken as tensors, without a copy.)"""

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else creation.as_tensor(t) for t in tensors)
        if any(t._data.ndim == 0 for t in tensors):
            raise ValueError("TensorDataset needs tensors with at least one dimension")
        if any(t._data.shape[0] != tensors[0]._data.shape[0] for t in tensors):
            raise ValueError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0]._data.shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after the other."""

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += n
        if idx >= n:
            raise IndexError(f"index {idx} is out of range for a dataset of length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset` s of the given lengths, or of
    the given fractions of its length (rounded down, the remainder dealt one item at a time from
    the first split on, as PyTorch does)."""
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=2)
        lengths = sizes
    if any(size < 0 for size in lengths):
        raise ValueError(f"lengths must not be negative, got {lengths}")
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = _numpy_generator(generator).permutation(n).tolist()
    return [Subset(dataset, perm[end - size:end])
            for end, size in zip(itertools.accumulate(lengths), lengths)]


# ---------------------------------------------------------------- samplers
class Sampler(Generic[T_co]):
    """Base class: an iterable over dataset indices (or over lists of them, for batches)."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of Sampler should implement __iter__.")


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """The indices in a new random order at every iteration; ``replacement=True`` draws
    ``num_samples`` of them independently."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError("replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        _numpy_generator(generator)
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        n = self.num_samples
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={n}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        rng = _numpy_generator(self.generator)
        n = len(self.data_source)
        if self.replacement:
            return iter(rng.integers(0, n, size=self.num_samples).tolist())
        full, rest = divmod(self.num_samples, n)
        perms = [rng.permutation(n) for _ in range(full)]
        if rest:
            perms.append(rng.permutation(n)[:rest])
        return iter(np.concatenate(perms).tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Groups the indices of ``sampler`` into lists of ``batch_size``; ``drop_last`` drops a
    final shorter list."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
                or batch_size <= 0):
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise TypeError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ---------------------------------------------------------------- collation
def _stack(tensors: list) -> Tensor:
    first = tensors[0]._data
    if all(not t.requires_grad and t._data.shape == first.shape and t._data.dtype == first.dtype
           for t in tensors):
        return wrap(np.stack([t._data for t in tensors]))
    return stack(tensors)


def _collate_mapping(elem, columns: dict):
    if isinstance(elem, collections.abc.MutableMapping):
        clone = copy.copy(elem)
        clone.update(columns)
        return clone
    return columns


def default_collate(batch):
    """Merge a list of samples into a batch, as PyTorch does.

    Tensors, NumPy arrays and NumPy scalars are stacked along a new first dimension, keeping
    their dtype; Python floats give a float64 tensor, ints int64, bools bool; strings stay a list.
    Dicts, named tuples, tuples and lists are collated field by field (tuples and lists give
    lists, dicts keep their type).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, np.ndarray):
        return _stack([creation.as_tensor(b) for b in batch])
    if isinstance(elem, (np.number, np.bool_)):
        return creation.as_tensor(np.asarray(batch))
    if isinstance(elem, float):
        return creation.tensor(batch, dtype=_dtype.float64)
    if isinstance(elem, int):
        return creation.tensor(batch)
    if isinstance(elem, collections.abc.Mapping):
        return _collate_mapping(elem, {k: default_collate([d[k] for d in batch]) for k in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(col)) for col in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(col)) for col in zip(*batch)]
    raise TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                    f"lists; found {type(elem)}")


def default_convert(data):
    """What the DataLoader applies to each sample when batching is off (``batch_size=None``):
    NumPy arrays and scalars become tensors, also inside dicts, tuples and lists."""
    if isinstance(data, (np.ndarray, np.number, np.bool_)):
        return creation.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _collate_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data


def _tensor_fetcher(dataset):
    """For a TensorDataset, or Subsets of one: a function from a list of indices to the collated
    batch, indexing each tensor once. None for other datasets."""
    getitem = getattr(type(dataset), "__getitem__", None)
    if getitem is TensorDataset.__getitem__:
        tensors = dataset.tensors

        def fetch(indices):
            idx = np.asarray(indices, dtype=np.intp)
            return [t[idx] for t in tensors]
        return fetch
    if getitem is Subset.__getitem__:
        inner = _tensor_fetcher(dataset.dataset)
        if inner is not None:
            mapping = np.asarray(dataset.indices, dtype=np.intp)
            return lambda indices: inner(mapping[np.asarray(indices, dtype=np.intp)])
    return None


# ---------------------------------------------------------------- loader
class DataLoader:
    """Batches of a dataset: ``for x, y in DataLoader(ds, batch_size=64, shuffle=True)``.

    ``shuffle`` draws a new order every epoch (seedable: ``generator=`` or
    ``chainrule.manual_seed``); ``drop_last`` drops a final short batch; ``collate_fn`` merges the
    samples of a batch (default :func:`default_collate`); ``batch_size=None`` turns batching off.
    With the default collate, batches of a :class:`TensorDataset` (or of Subsets of one) are cut
    from its tensors with one indexing per batch. ``num_workers`` and ``pin_memory`` are accepted
    for compatibility; loading happens in the calling process.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = False,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, generator=None) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            collate_fn = default_convert if batch_sampler is None else default_collate
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory

    def __len__(self) -> int:
        return len(self.sampler if self.batch_sampler is None else self.batch_sampler)

    def __iter__(self):
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        fetch = _tensor_fetcher(self.dataset) if self.collate_fn is default_collate else None
        for indices in self.batch_sampler:
            if fetch is not None:
                yield fetch(indices)
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])
