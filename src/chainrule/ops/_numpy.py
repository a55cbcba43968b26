"""NumPy's functions applied to Tensors run chainrule's differentiable ops, so plain NumPy code
(``np.sum(np.tanh(x) ** 2)``) can be differentiated.

* ``__array_ufunc__`` (``np.sin(t)``, ``ndarray * t``, ``np.matmul(a, b)``) looks the ufunc up
  in the primitive table (``_BINARY``, ``_UNARY``...) or among ``_UFUNC_COMPOSITES``.
* ``__array_function__`` (``np.sum(t, axis=0)``, ``np.concatenate``, ``np.linalg.norm``...)
  looks the function up in ``_FUNCTIONS``. Each handler takes NumPy's arguments (``axis``,
  ``keepdims``, ``ddof``...) and calls chainrule's public functions; arrays mixed in become
  tensors of their own dtype. Functions whose results carry no gradient (``np.argmax``,
  ``np.zeros_like``, ``np.shape``...) run NumPy on the tensors' arrays.

Anything unknown gives NotImplemented (NumPy then raises its TypeError); arguments chainrule
cannot honour (``out=``, ``where=``, ``order=``...) raise TypeError.
"""

from __future__ import annotations

import inspect
import itertools
import math
import string

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .. import _dtype
from ..creation import as_tensor
from ..tensor import Tensor
from . import composite
from . import elementwise as ew
from . import linalg as la
from . import reduction as red
from . import shape as sh
from ._util import normalize_dim

# ---------------------------------------------------------------- ufuncs
_BINARY = {
    np.add: ew.add_p, np.subtract: ew.sub_p, np.multiply: ew.mul_p, np.power: ew.pow_p,
    np.remainder: ew.remainder_p, np.floor_divide: ew.floor_divide_p,
    np.maximum: ew.maximum_p, np.minimum: ew.minimum_p, np.equal: ew.eq_p,
    np.not_equal: ew.ne_p, np.less: ew.lt_p, np.less_equal: ew.le_p, np.greater: ew.gt_p,
    np.greater_equal: ew.ge_p, np.logical_and: ew.logical_and_p, np.logical_or: ew.logical_or_p,
    np.logical_xor: ew.logical_xor_p,
}
_UNARY = {
    np.exp: ew.exp_p, np.log: ew.log_p, np.log1p: ew.log1p_p, np.expm1: ew.expm1_p,
    np.sqrt: ew.sqrt_p, np.sin: ew.sin_p, np.cos: ew.cos_p, np.tan: ew.tan_p,
    np.arcsin: ew.asin_p, np.arccos: ew.acos_p, np.arctan: ew.atan_p, np.sinh: ew.sinh_p,
    np.cosh: ew.cosh_p, np.tanh: ew.tanh_p, np.fabs: ew.abs_p,
}
_UNARY_ANY_DTYPE = {
    np.negative: ew.neg_p, np.absolute: ew.abs_p, np.sign: ew.sign_p, np.floor: ew.floor_p,
    np.ceil: ew.ceil_p, np.rint: ew.round_p, np.logical_not: ew.logical_not_p,
    np.isnan: ew.isnan_p, np.isinf: ew.isinf_p, np.isfinite: ew.isfinite_p,
    np.positive: ew.clone_p, np.conjugate: ew.clone_p,  # tensors are real
}
_UFUNC_COMPOSITES = {
    np.square: composite.square, np.reciprocal: composite.reciprocal,
    np.exp2: lambda x: 2.0 ** x, np.log2: lambda x: ew.log(x) / math.log(2.0),
    np.log10: lambda x: ew.log(x) / math.log(10.0),
    np.vecdot: lambda x, y: red.sum(x * y, -1),
}


def array_ufunc(ufunc, method, inputs, kwargs):
    """``__array_ufunc__``: plain calls only, without ``out=``, ``dtype=``, ``where=``..."""
    if method != "__call__" or any(v is not None for v in kwargs.values()):
        return NotImplemented
    if ufunc is np.true_divide:
        return ew.binary(ew.div_p, *inputs, floating=True)
    if ufunc is np.matmul:
        return la.matmul(*inputs)
    prim = _BINARY.get(ufunc)
    if prim is not None:
        return ew.binary(prim, *inputs)
    prim = _UNARY.get(ufunc)
    if prim is not None:
        return ew.unary(prim, inputs[0])
    prim = _UNARY_ANY_DTYPE.get(ufunc)
    if prim is not None:
        return ew.unary(prim, inputs[0], floating=False)
    fn = _UFUNC_COMPOSITES.get(ufunc)
    return NotImplemented if fn is None else fn(*inputs)


# ---------------------------------------------------------------- functions
_FUNCTIONS: dict = {}


def _implements(*funcs):
    """Register the decorated handler for the NumPy functions ``funcs``."""
    def register(handler):
        _FUNCTIONS.update(dict.fromkeys(funcs, (handler, inspect.signature(handler))))
        return handler
    return register


def array_function(func, types, args, kwargs):
    """``__array_function__``: ``func`` run by its handler, NotImplemented when it has none."""
    entry = _FUNCTIONS.get(func)
    if entry is None or not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented
    handler, signature = entry
    if "out" in kwargs:
        if kwargs["out"] is not None:
            raise TypeError(f"{_name(func)}(): out= is not supported for chainrule tensors; use "
                            "the result")
        kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    try:
        return handler(*args, **kwargs)
    except TypeError:
        _check_arguments(func, signature, args, kwargs)
        raise


def _name(func) -> str:
    return f"{func.__module__}.{func.__name__}"


def _check_arguments(func, signature, args, kwargs) -> None:
    """A TypeError that names ``func`` and what chainrule supports, when the arguments do not
    fit its handler (``where=``, ``order=``...)."""
    try:
        signature.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{_name(func)}() on chainrule tensors: {e} (supported: {signature})"
                        ) from None


def _t(x) -> Tensor:
    """A Tensor for an operand; arrays, lists and scalars keep NumPy's dtype for them."""
    return x if isinstance(x, Tensor) else as_tensor(np.asarray(x))


def _operand(v):
    """Tensors, Python scalars and None as they are (chainrule promotes them); arrays as
    tensors."""
    return v if v is None or isinstance(v, (Tensor, int, float)) else _t(v)


def _in(x, dtype=None) -> Tensor:
    """``x`` as a Tensor, cast to ``dtype`` when one is given."""
    x = _t(x)
    return x if dtype is None else x.to(_dtype.to_numpy(dtype))


def _floating(x: Tensor) -> Tensor:
    """``x``, cast to the default float if it is not floating point (as ``np.sin(t)`` does)."""
    return x if x.dtype.is_floating_point else ew.to_dtype(x, _dtype.DEFAULT_FLOAT)


def _flat(x) -> Tensor:
    return sh.reshape(_t(x), -1)


def _along(axis: int, ndim: int, index) -> tuple:
    """An index tuple that applies ``index`` along ``axis``."""
    return (slice(None),) * normalize_dim(axis, ndim) + (index,)


def _on_arrays(func):
    """A handler for a function whose results carry no gradient (indices, masks, counts,
    shapes, new constants): NumPy computes it on the tensors' arrays."""
    def handler(*args, **kwargs):
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        kwargs = {k: v._data if isinstance(v, Tensor) else v for k, v in kwargs.items()}
        return _as_result(func(*arrays, **kwargs))
    return handler


def _as_result(r):
    """Arrays (also in tuples) as tensors; Python values as they are."""
    if isinstance(r, tuple):
        return tuple(_as_result(x) for x in r)
    return as_tensor(r) if isinstance(r, (np.ndarray, np.generic)) else r


for _func in (np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.empty_like,
              np.full_like, np.argmax, np.argmin, np.argsort, np.argwhere, np.nonzero,
              np.flatnonzero, np.count_nonzero, np.searchsorted, np.allclose, np.isclose,
              np.array_equal):
    _implements(_func)(_on_arrays(_func))


# Reductions
@_implements(np.sum)
def _sum(a, axis=None, dtype=None, keepdims=False):
    return red.sum(_in(a, dtype), axis, keepdims)


@_implements(np.mean)
def _mean(a, axis=None, dtype=None, keepdims=False):
    return red.mean(_floating(_in(a, dtype)), axis, keepdims)


@_implements(np.prod)
def _prod(a, axis=None, dtype=None, keepdims=False):
    return red.prod(_in(a, dtype), axis, keepdims)


@_implements(np.max, np.amax)
def _max(a, axis=None, keepdims=False):
    return red.amax(_t(a), () if axis is None else axis, keepdims)


@_implements(np.min, np.amin)
def _min(a, axis=None, keepdims=False):
    return red.amin(_t(a), () if axis is None else axis, keepdims)


@_implements(np.cumsum)
def _cumsum(a, axis=None, dtype=None):
    if axis is None:
        a, axis = _flat(a), 0
    return red.cumsum(_in(a, dtype), axis)


@_implements(np.var)
def _var(a, axis=None, dtype=None, ddof=0, keepdims=False, *, correction=None):
    return red.var(_floating(_in(a, dtype)), axis, keepdim=keepdims,
                   correction=ddof if correction is None else correction)


@_implements(np.std)
def _std(a, axis=None, dtype=None, ddof=0, keepdims=False, *, correction=None):
    return ew.sqrt(_var(a, axis, dtype, ddof, keepdims, correction=correction))


def _vector_norm(x: Tensor, ord, axis, keepdims):
    if ord == -math.inf:
        return red.amin(ew.abs(x), () if axis is None else axis, keepdims)
    if ord == 0 or isinstance(ord, str):
        raise TypeError(f"vector norm ord={ord!r} is not supported for chainrule tensors")
    return red.norm(x, ord, axis, keepdims)


@_implements(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms, and the Frobenius norm of matrices."""
    t = _floating(_t(x))
    if axis is None and ord is not None:
        axis = tuple(range(t.ndim))
    if np.ndim(axis) == 1 and len(axis) == 2:
        if ord not in (None, "fro"):
            raise TypeError(f"numpy.linalg.norm(): matrix norm ord={ord!r} is not supported "
                            "for chainrule tensors (only 'fro')")
        ord = 2
    elif np.ndim(axis) == 1 and len(axis) != 1:
        raise ValueError("Improper number of dimensions to norm.")
    return _vector_norm(t, 2 if ord is None else ord, axis, keepdims)


@_implements(np.linalg.vector_norm)
def _vector_norm_function(x, *, axis=None, keepdims=False, ord=2):
    return _vector_norm(_floating(_t(x)), ord, axis, keepdims)


# Shapes
@_implements(np.reshape)
def _reshape(a, shape):
    return sh.reshape(_t(a), shape)


@_implements(np.ravel)
def _ravel(a):
    return _flat(a)


@_implements(np.transpose, np.permute_dims)
def _transpose(a, axes=None):
    t = _t(a)
    return sh.permute(t, tuple(range(t.ndim))[::-1] if axes is None else tuple(axes))


@_implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    return sh.transpose(_t(a), axis1, axis2)


@_implements(np.matrix_transpose, np.linalg.matrix_transpose)
def _matrix_transpose(x):
    return sh.transpose(_t(x), -2, -1)


@_implements(np.moveaxis)
def _moveaxis(a, source, destination):
    t = _t(a)
    source = normalize_axis_tuple(source, t.ndim, "source")
    destination = normalize_axis_tuple(destination, t.ndim, "destination")
    if len(source) != len(destination):
        raise ValueError("`source` and `destination` arguments must have the same number of "
                         "elements")
    order = [d for d in range(t.ndim) if d not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return sh.permute(t, tuple(order))


@_implements(np.squeeze)
def _squeeze(a, axis=None):
    t = _t(a)
    if axis is not None and any(t.shape[d] != 1 for d in normalize_axis_tuple(axis, t.ndim)):
        raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return sh.squeeze(t, axis)


@_implements(np.expand_dims)
def _expand_dims(a, axis):
    t = _t(a)
    axis = axis if isinstance(axis, (tuple, list)) else (axis,)
    axis = normalize_axis_tuple(axis, t.ndim + len(axis))
    sizes = iter(t.shape)
    return sh.reshape(t, tuple(1 if d in axis else next(sizes) for d in range(t.ndim + len(axis))))


@_implements(np.broadcast_to)
def _broadcast_to(array, shape):
    return sh.broadcast_to(_t(array), shape if np.ndim(shape) else (shape,))


@_implements(np.flip)
def _flip(m, axis=None):
    t = _t(m)
    return sh.flip(t, tuple(range(t.ndim)) if axis is None else axis)


@_implements(np.tile)
def _tile(A, reps):
    t = _t(A)
    reps = tuple(reps) if np.ndim(reps) else (reps,)
    return sh.repeat(t, (1,) * (t.ndim - len(reps)) + reps)


@_implements(np.repeat)
def _repeat(a, repeats, axis=None):
    t = _t(a) if axis is not None else _flat(a)
    d = 0 if axis is None else normalize_dim(axis, t.ndim)
    return t[_along(d, t.ndim, np.repeat(np.arange(t.shape[d]), repeats))]


@_implements(np.astype)
def _astype(x, dtype, *, copy=True):
    return _t(x).to(_dtype.to_numpy(dtype), copy=copy)


@_implements(np.copy)
def _copy(a):
    return _t(a).clone()


# Joining and splitting
@_implements(np.concatenate, np.concat)
def _concatenate(arrays, axis=0):
    if axis is None:
        return sh.cat([_flat(x) for x in arrays], 0)
    return sh.cat([_t(x) for x in arrays], axis)


@_implements(np.stack)
def _stack(arrays, axis=0):
    return sh.stack([_t(x) for x in arrays], axis)


@_implements(np.vstack)
def _vstack(tup):
    return sh.cat([x if x.ndim >= 2 else sh.reshape(x, (1, -1)) for x in map(_t, tup)], 0)


@_implements(np.hstack)
def _hstack(tup):
    ts = [x if x.ndim else sh.reshape(x, 1) for x in map(_t, tup)]
    return sh.cat(ts, 0 if ts[0].ndim == 1 else 1)


@_implements(np.array_split)
def _array_split(ary, indices_or_sections, axis=0):
    """Pieces of ``ary`` along ``axis``: ``n`` near-equal ones, or cut at the given indices."""
    t = _t(ary)
    n = t.shape[normalize_dim(axis, t.ndim)]
    if np.ndim(indices_or_sections) == 0:
        size, extra = divmod(n, int(indices_or_sections))
        sizes = [size + 1] * extra + [size] * (int(indices_or_sections) - extra)
        bounds = np.cumsum([0] + sizes).tolist()
    else:
        bounds = [0, *indices_or_sections, n]
    return [t[_along(axis, t.ndim, slice(lo, hi))] for lo, hi in itertools.pairwise(bounds)]


@_implements(np.split)
def _split(ary, indices_or_sections, axis=0):
    t = _t(ary)
    if np.ndim(indices_or_sections) == 0 and t.shape[normalize_dim(axis, t.ndim)] % int(
            indices_or_sections):
        raise ValueError("array split does not result in an equal division")
    return _array_split(t, indices_or_sections, axis)


# Selection
@_implements(np.where)
def _where(condition, *x_y):
    """``np.where(c, x, y)``; ``np.where(c)`` gives the indices where ``c`` holds."""
    if len(x_y) == 1:
        raise ValueError("either both or neither of x and y should be given")
    cond = _t(condition)
    if cond.dtype is not _dtype.bool:
        cond = cond != 0
    return ew.where(cond, *map(_operand, x_y))


@_implements(np.clip)
def _clip(a, a_min=None, a_max=None, *, min=None, max=None):
    lo, hi = (a_min if min is None else min), (a_max if max is None else max)
    return ew.clamp(_t(a), _operand(lo), _operand(hi))


@_implements(np.take_along_axis)
def _take_along_axis(arr, indices, axis=-1):
    t = _t(arr) if axis is not None else _flat(arr)
    indices = np.asarray(indices)
    if indices.ndim != t.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    grid = list(np.indices(t.shape, sparse=True))
    grid[normalize_dim(0 if axis is None else axis, t.ndim)] = indices
    return t[tuple(grid)]


@_implements(np.sort)
def _sort(a, axis=-1, kind=None):
    t = _t(a) if axis is not None else _flat(a)
    axis = -1 if axis is None else axis
    return _take_along_axis(t, np.argsort(t._data, axis=axis, kind=kind), axis)


@_implements(np.diagonal)
def _diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal as the last dimension, as NumPy returns it."""
    t = _moveaxis(a, (axis1, axis2), (-2, -1))
    rows, cols = max(-offset, 0), max(offset, 0)
    k = max(0, min(t.shape[-2] - rows, t.shape[-1] - cols))
    return t[..., np.arange(rows, rows + k), np.arange(cols, cols + k)]


@_implements(np.trace)
def _trace(a, offset=0, axis1=0, axis2=1):
    return red.sum(_diagonal(a, offset, axis1, axis2), -1)


@_implements(np.diff)
def _diff(a, n=1, axis=-1):
    t = _t(a)
    for _ in range(n):
        t = t[_along(axis, t.ndim, slice(1, None))] - t[_along(axis, t.ndim, slice(None, -1))]
    return t


@_implements(np.round, np.around)
def _round(a, decimals=0):
    """Round half to even; the result carries no gradient (it is piecewise constant)."""
    t = _t(a)
    if decimals == 0:
        return ew.round(t)
    return ew.round(t * 10.0 ** decimals) / 10.0 ** decimals


# Products
@_implements(np.tensordot, np.linalg.tensordot)
def _tensordot(a, b, axes=2):
    a, b = _t(a), _t(b)
    if np.ndim(axes) == 0:
        axes = (tuple(range(a.ndim - axes, a.ndim)), tuple(range(axes)))
    axes_a, axes_b = normalize_axis_tuple(axes[0], a.ndim), normalize_axis_tuple(axes[1], b.ndim)
    if len(axes_a) != len(axes_b):
        raise ValueError("shape-mismatch for sum")
    sub_a = string.ascii_letters[:a.ndim]
    sub_b = list(string.ascii_letters[a.ndim:a.ndim + b.ndim])
    for i, j in zip(axes_a, axes_b):
        sub_b[j] = sub_a[i]
    out = [c for i, c in enumerate(sub_a) if i not in axes_a]
    out += [c for j, c in enumerate(sub_b) if j not in axes_b]
    return la.einsum(f"{sub_a},{''.join(sub_b)}->{''.join(out)}", a, b)


@_implements(np.dot)
def _dot(a, b):
    a, b = _t(a), _t(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return la.matmul(a, b) if b.ndim <= 2 else _tensordot(a, b, ([-1], [-2]))


@_implements(np.vdot)
def _vdot(a, b):
    return la.dot(_flat(a), _flat(b))


@_implements(np.inner)
def _inner(a, b):
    a, b = _t(a), _t(b)
    return a * b if a.ndim == 0 or b.ndim == 0 else _tensordot(a, b, ([-1], [-1]))


@_implements(np.outer)
def _outer(a, b):
    return la.outer(_flat(a), _flat(b))


@_implements(np.linalg.outer)
def _linalg_outer(x1, x2):
    return la.outer(_t(x1), _t(x2))


@_implements(np.linalg.matmul)
def _matmul(x1, x2):
    return la.matmul(_t(x1), _t(x2))


@_implements(np.einsum)
def _einsum(subscripts, *operands, optimize=False):
    """``optimize`` only chooses an order of contraction, so it is accepted and not needed."""
    if not isinstance(subscripts, str):
        raise TypeError("numpy.einsum(): chainrule tensors need the subscripts as a string "
                        "(the interleaved form is not supported)")
    return la.einsum(subscripts, *map(_t, operands))
