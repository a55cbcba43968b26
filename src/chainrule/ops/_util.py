"""Small helpers shared by the op families: dimension arguments and constants that work the
same whether a rule is running on arrays or on Tensors."""

from __future__ import annotations

import builtins

import numpy as np

from ..autograd import graph as _graph
from ..tensor import Tensor


def normalize_dim(dim: int, ndim: int) -> int:
    """A dimension index in ``[0, ndim)``; IndexError in PyTorch's words otherwise."""
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if dim < lo or dim > hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {dim})")
    return builtins.int(dim) % builtins.max(ndim, 1)


def normalize_dims(dim, ndim: int):
    """``None`` (all dimensions) or a sorted tuple of dimension indices."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        dims = tuple(sorted({normalize_dim(d, ndim) for d in dim}))
        return dims if ndim else None
    return (normalize_dim(dim, ndim),) if ndim else None


def kept_shape(shape: tuple, axis) -> tuple:
    """The shape of a reduction over ``axis`` with ``keepdims=True``."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def zeros(shape, like):
    """Zeros of ``shape`` in the dtype of ``like``: an array, or a constant Tensor."""
    if isinstance(like, Tensor):
        return _graph.wrap(np.zeros(shape, like._data.dtype))
    return np.zeros(shape, like.dtype)


def sizes_arg(size) -> tuple:
    """Shapes as PyTorch accepts them: ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif len(size) == 1 and isinstance(size[0], Tensor):
        size = tuple(size[0].tolist())
    return tuple(builtins.int(s) for s in size)
