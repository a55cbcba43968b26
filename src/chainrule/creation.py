"""Creating tensors: from data, filled, ranges, random (seeded by ``manual_seed``)."""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from . import _dtype
from .autograd.graph import wrap
from .ops._util import sizes_arg
from .tensor import Tensor, check_device

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator behind ``rand``, ``randn``, ``randint``, ``normal``, dropout and
    shuffling. (The numbers differ from PyTorch's: the generator is NumPy's PCG64.)"""
    global _rng
    _rng = np.random.default_rng(int(seed))
    return _rng


seed = manual_seed


def default_generator() -> np.random.Generator:
    return _rng


def _infer_dtype(data) -> np.dtype:
    """dtype for Python data, as PyTorch infers it: floats give float32, ints int64."""
    arr = np.asarray(data)
    kind = arr.dtype.kind
    if kind == "f":
        return _dtype.DEFAULT_FLOAT
    if kind in "iu":
        return _dtype.DEFAULT_INT
    if kind == "b":
        return _dtype.BOOL
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data


def as_array(data, dtype=None, copy: bool = True) -> np.ndarray:
    """An array for any data a tensor can be made from, in PyTorch's dtype: NumPy arrays keep
    theirs, Python numbers and lists get float32 / int64 / bool."""
    npd = None if dtype is None else _dtype.to_numpy(dtype)
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        _dtype.from_numpy(data.dtype)
        arr = data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
        _dtype.from_numpy(arr.dtype)
    else:
        data = _unwrap_nested(data)
        if npd is None:
            npd = _infer_dtype(data)
        try:
            return np.array(data, dtype=npd)
        except (ValueError, TypeError) as e:
            raise TypeError(f"can't build a tensor from {type(data).__name__}: {e}") from None
    if npd is not None and arr.dtype != npd:
        return arr.astype(npd)
    return arr.copy() if copy else arr


def tensor(data, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor (its own copy of ``data``): ``tensor([1., 2.], requires_grad=True)``."""
    check_device(device)
    t = wrap(as_array(data, dtype, copy=True))
    if requires_grad:
        t.requires_grad = True
    return t


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but without a copy when ``data`` is already an array or tensor of the
    requested dtype."""
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or data._data.dtype == _dtype.to_numpy(dtype)):
        return data
    return wrap(as_array(data, dtype, copy=False))


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (changes show in both)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy(ndarray.dtype)
    return wrap(ndarray)


def _new(array: np.ndarray, requires_grad: bool, device) -> Tensor:
    check_device(device)
    t = wrap(array)
    if requires_grad:
        t.requires_grad = True
    return t


def _float_dtype(dtype) -> np.dtype:
    return _dtype.DEFAULT_FLOAT if dtype is None else _dtype.to_numpy(dtype)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(sizes_arg(size), _float_dtype(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(sizes_arg(size), _float_dtype(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _new(np.empty(sizes_arg(size), _float_dtype(dtype)), requires_grad, device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        dtype = _infer_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _new(np.full(sizes_arg((size,)), value, _dtype.to_numpy(dtype)), requires_grad,
                device)


def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    return _new(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


def _like(input: Tensor, dtype):
    return input._data.dtype if dtype is None else _dtype.to_numpy(dtype)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(input._data.shape, _like(input, dtype)), requires_grad, device)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(input._data.shape, _like(input, dtype)), requires_grad, device)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _new(np.empty(input._data.shape, _like(input, dtype)), requires_grad, device)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    return _new(np.full(input._data.shape, fill_value, _like(input, dtype)), requires_grad,
                device)


def arange(start, end=None, step=1, *, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """``[start, end)`` in steps; integers unless an argument (or ``dtype``) is floating."""
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if dtype is None:
        floating = any(isinstance(v, float) for v in values)
        npd = _dtype.DEFAULT_FLOAT if floating else _dtype.DEFAULT_INT
    else:
        npd = _dtype.to_numpy(dtype)
    if values[2] == 0:
        raise RuntimeError("step must be nonzero")
    n = builtins.max(0, int(np.ceil((values[1] - values[0]) / values[2])))
    array = (values[0] + np.arange(n, dtype=np.float64) * values[2]).astype(npd)
    return _new(array, requires_grad, device)


def linspace(start, end, steps: int, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    return _new(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad,
                device)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    return _new(np.logspace(start, end, steps, base=base).astype(_float_dtype(dtype)),
                requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    rng = generator or _rng
    return _new(rng.random(sizes_arg(size)).astype(_float_dtype(dtype)), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    rng = generator or _rng
    return _new(rng.standard_normal(sizes_arg(size)).astype(_float_dtype(dtype)), requires_grad,
                device)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers uniform on ``[low, high)``: ``randint(10, (3,))`` or ``randint(2, 10, (3,))``."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    rng = generator or _rng
    npd = _dtype.DEFAULT_INT if dtype is None else _dtype.to_numpy(dtype)
    return _new(rng.integers(low, high, tuple(size)).astype(npd), requires_grad, device)


def randperm(n: int, *, generator=None, dtype=None, device=None) -> Tensor:
    rng = generator or _rng
    npd = _dtype.DEFAULT_INT if dtype is None else _dtype.to_numpy(dtype)
    return _new(rng.permutation(n).astype(npd), False, device)


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return rand(input._data.shape, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return randn(input._data.shape, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples: ``normal(0., 1., size=(2, 3))``, or elementwise from tensors of means
    and standard deviations."""
    rng = generator or _rng
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if size is None:
        size = np.broadcast_shapes(np.shape(m), np.shape(s))
    elif isinstance(size, numbers.Integral):
        size = (size,)
    ref = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    npd = (ref._data.dtype if ref is not None else _dtype.DEFAULT_FLOAT) if dtype is None \
        else _dtype.to_numpy(dtype)
    return _new(rng.normal(m, s, tuple(size)).astype(npd), requires_grad, device)
