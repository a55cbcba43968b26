"""The primitive table (``PRIMITIVES``), organised by family, and MindSpore's spellings of
the functions that the source tutorials use (``ops.ones(shape, dtype)``, ``ops.matmul``...).
"""

from __future__ import annotations

from .. import tensor as _tensor  # noqa: F401  (first: the families below need the Tensor class)

# isort: split
from .. import creation as _creation
from . import composite, elementwise, indexing, linalg, reduction, shape, window
from ._table import PRIMITIVES, Primitive, defprim
from .linalg import matmul

__all__ = [
    "PRIMITIVES",
    "Primitive",
    "binary_cross_entropy_with_logits",
    "composite",
    "defprim",
    "elementwise",
    "indexing",
    "linalg",
    "matmul",
    "ones",
    "ones_like",
    "reduction",
    "shape",
    "stop_gradient",
    "window",
    "zeros",
    "zeros_like",
]


def stop_gradient(x):
    """MindSpore's ``ops.stop_gradient``: ``x`` cut from the graph."""
    from ..transforms import stop_gradient as _stop_gradient
    return _stop_gradient(x)


def binary_cross_entropy_with_logits(logits, label, weight=None, pos_weight=None,
                                     reduction: str = "mean"):
    """MindSpore's ``ops.binary_cross_entropy_with_logits`` (its argument order)."""
    from ..nn.functional import binary_cross_entropy_with_logits as bce
    return bce(logits, label, weight, reduction=reduction, pos_weight=pos_weight)


def ones(shape, dtype=None):
    """MindSpore's ``ops.ones(shape, dtype)``."""
    return _creation.ones(shape if isinstance(shape, (tuple, list)) else (shape,), dtype=dtype)


def zeros(shape, dtype=None):
    """MindSpore's ``ops.zeros(shape, dtype)``."""
    return _creation.zeros(shape if isinstance(shape, (tuple, list)) else (shape,), dtype=dtype)


def ones_like(input, dtype=None):
    return _creation.ones_like(input, dtype=dtype)


def zeros_like(input, dtype=None):
    return _creation.zeros_like(input, dtype=dtype)
