"""Reductions: sum, mean, prod, amax/amin, cumsum as primitives; max/min with indices, var,
std, logsumexp and norm built from them."""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from .. import _dtype
from ..autograd.forward_ad import shift_axes
from ..autograd.graph import record, wrap
from ..tensor import Tensor
from . import _cases as C
from ._table import SAVE_NOTHING, SAVE_SHAPES, defprim
from ._util import kept_shape, normalize_dim, normalize_dims
from .elementwise import where_p
from .shape import broadcast_to_p, flip_p, permute_p, reshape_p


def _by_dim(stem: str):
    """PyTorch names a full reduction ``XBackward0`` and one over dims ``XBackward1``."""
    return lambda params: f"{stem}Backward{0 if params['axis'] is None else 1}"


def _expand_back(g, x, axis, keepdims):
    """A reduced gradient broadcast back over the reduced axes to the input's shape."""
    if not keepdims:
        g = reshape_p(g, shape=kept_shape(x.shape, axis))
    return broadcast_to_p(g, shape=x.shape)


def _sum(x, axis, keepdims):
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_batched(i, t, ans, x, axis, keepdims):
    return sum_p(t, axis=shift_axes(axis, x.ndim), keepdims=keepdims)


sum_p = defprim("sum", _sum, batch_jvp=_sum_batched,
                vjps=(lambda g, ans, x, axis, keepdims: _expand_back(g, x, axis, keepdims),),
                multilinear=True, save=SAVE_SHAPES, node_name=_by_dim("Sum"),
                test=C.cases((((3, 4),), {"axis": None, "keepdims": False}),
                             (((3, 4),), {"axis": (1,), "keepdims": False}),
                             (((2, 3, 4),), {"axis": (0, 2), "keepdims": True})))


def _mean(x, axis, keepdims):
    return np.mean(x, axis=axis, keepdims=keepdims)


def _mean_vjp(g, ans, x, axis, keepdims):
    n = int(np.prod(x.shape if axis is None else [x.shape[a] for a in axis]))
    return _expand_back(g / float(builtins.max(n, 1)), x, axis, keepdims)


mean_p = defprim("mean", _mean, vjps=(_mean_vjp,), multilinear=True, save=SAVE_SHAPES,
                 batch_jvp=lambda i, t, ans, x, axis, keepdims: mean_p(
                     t, axis=shift_axes(axis, x.ndim), keepdims=keepdims),
                 node_name=_by_dim("Mean"),
                 test=C.cases((((3, 4),), {"axis": None, "keepdims": False}),
                              (((2, 3, 4),), {"axis": (1,), "keepdims": True})))


def _prod(x, axis, keepdims):
    return np.prod(x, axis=axis, keepdims=keepdims)


def _prod_partials(ans, x, axis, keepdims):
    """d prod / d x_i = the product of the other elements of x_i's slice.

    Without zeros that is prod / x_i. With zeros it is computed exactly (to any order of
    differentiation) as a product over an n-by-n copy of each slice with the diagonal set to
    1; zeros are rare, so the quadratic cost is paid only then."""
    values = x._data if isinstance(x, Tensor) else x
    if not (values == 0).any():
        return _expand_back(ans, x, axis, keepdims) / x
    nd = len(x.shape)
    reduced = tuple(range(nd)) if axis is None else axis
    kept = tuple(d for d in range(nd) if d not in reduced)
    order = kept + reduced
    moved = permute_p(x, axes=order)
    batch = tuple(x.shape[d] for d in kept)
    n = int(np.prod([x.shape[d] for d in reduced]))
    rows = broadcast_to_p(reshape_p(moved, shape=batch + (1, n)), shape=batch + (n, n))
    others = prod_p(where_p(np.eye(n, dtype=bool), 1.0, rows), axis=(len(batch) + 1,),
                    keepdims=False)
    others = reshape_p(others, shape=tuple(moved.shape))
    return permute_p(others, axes=tuple(np.argsort(order)))


def _weighted_sum_rules(weights):
    """JVP rules of a reduction whose derivative weights each element: the tangent is the
    weighted sum over the reduced axes (also for a tangent carrying several directions)."""

    def jvp(t, ans, x, axis, keepdims):
        return sum_p(t * weights(ans, x, axis, keepdims), axis=axis, keepdims=keepdims)

    def batched(i, t, ans, x, axis, keepdims):
        return sum_p(t * weights(ans, x, axis, keepdims), axis=shift_axes(axis, x.ndim),
                     keepdims=keepdims)

    return (jvp,), batched


def _prod_vjp(g, ans, x, axis, keepdims):
    return _expand_back(g, x, axis, keepdims) * _prod_partials(ans, x, axis, keepdims)


_prod_jvps, _prod_batched = _weighted_sum_rules(_prod_partials)
prod_p = defprim("prod", _prod, vjps=(_prod_vjp,), jvps=_prod_jvps, save_ans=True,
                 batch_jvp=_prod_batched,
                 node_name=_by_dim("Prod"),
                 test=C.cases((((3, 4),), {"axis": None, "keepdims": False}),
                              (((3, 4),), {"axis": (0,), "keepdims": False}),
                              ((lambda r: np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5]]),),
                               {"axis": (1,), "keepdims": True})))


def _extremum_weights(ans, x, axis, keepdims):
    """How the gradient of a max/min splits over its input: ties share it equally (PyTorch's
    amax/amin and full max/min)."""
    hit = x == _expand_back(ans, x, axis, keepdims)
    count = _expand_back(sum_p(hit, axis=axis, keepdims=True), x, axis, True)
    return where_p(hit, 1.0 / count, 0.0)


def _extremum_vjp(g, ans, x, axis, keepdims):
    return _expand_back(g, x, axis, keepdims) * _extremum_weights(ans, x, axis, keepdims)


def _amax(x, axis, keepdims):
    return np.amax(x, axis=axis, keepdims=keepdims)


def _amin(x, axis, keepdims):
    return np.amin(x, axis=axis, keepdims=keepdims)


# Ties are not differentiable points, so the numerical check avoids them; the even split of
# the gradient between tied elements is checked against PyTorch in the parity tests.
_extremum_cases = C.cases((((3, 4),), {"axis": None, "keepdims": False}),
                          (((3, 4),), {"axis": (1,), "keepdims": False}),
                          (((2, 3, 4),), {"axis": (0, 2), "keepdims": True}))
_extremum_jvps, _extremum_batched = _weighted_sum_rules(_extremum_weights)
amax_p = defprim("amax", _amax, vjps=(_extremum_vjp,), jvps=_extremum_jvps, save_ans=True,
                 batch_jvp=_extremum_batched,
                 test=_extremum_cases)
amin_p = defprim("amin", _amin, vjps=(_extremum_vjp,), jvps=_extremum_jvps, save_ans=True,
                 batch_jvp=_extremum_batched,
                 test=_extremum_cases)


def _cumsum(x, axis):
    return np.cumsum(x, axis=axis)


cumsum_p = defprim("cumsum", _cumsum,
                   vjps=(lambda g, ans, x, axis: flip_p(cumsum_p(flip_p(g, axes=(axis,)),
                                                                 axis=axis), axes=(axis,)),),
                   multilinear=True, save=SAVE_NOTHING,
                   batch_jvp=lambda i, t, ans, x, axis: cumsum_p(t, axis=axis + 1),
                   test=C.cases((((3, 4),), {"axis": 1}), (((5,),), {"axis": 0})))


def _argmax(x, axis, keepdims):
    return np.argmax(x, axis=axis, keepdims=keepdims)


def _argmin(x, axis, keepdims):
    return np.argmin(x, axis=axis, keepdims=keepdims)


argmax_p = defprim("argmax", _argmax, differentiable=False)
argmin_p = defprim("argmin", _argmin, differentiable=False)


# ---------------------------------------------------------------- public functions
def _reduce(prim, input, dim, keepdim, **extra):
    xa = input._data
    axis = normalize_dims(dim, xa.ndim)
    params = {"axis": axis, "keepdims": bool(keepdim), **extra}
    return record(prim, prim.forward(xa, **params), (input,), (xa,), params)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over all elements or over ``dim`` (an int or a tuple). Integers sum to int64."""
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "bi" and input._data.dtype != np.int64:
        input = input.to(np.int64)
    return _reduce(sum_p, input, dim, keepdim)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: "
                           f"{_dtype.scalar_type_name(input._data.dtype)}")
    return _reduce(mean_p, input, dim, keepdim)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    return _reduce(prod_p, input, dim, keepdim)


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    return _reduce(amax_p, input, None if dim == () else dim, keepdim)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    return _reduce(amin_p, input, None if dim == () else dim, keepdim)


def _empty_check(input, name):
    if input._data.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    xa = input._data
    if dim is None:
        _empty_check(input, "argmax")
        return wrap(np.asarray(np.argmax(xa)))
    return wrap(np.argmax(xa, axis=normalize_dim(dim, xa.ndim), keepdims=keepdim))


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    xa = input._data
    if dim is None:
        _empty_check(input, "argmin")
        return wrap(np.asarray(np.argmin(xa)))
    return wrap(np.argmin(xa, axis=normalize_dim(dim, xa.ndim), keepdims=keepdim))


_max_result = namedtuple("max", ["values", "indices"])
_min_result = namedtuple("min", ["values", "indices"])


def _select_extremum(input, dim, keepdim, pick, result):
    from .indexing import gather
    xa = input._data
    d = normalize_dim(dim, xa.ndim)
    idx = pick(xa, axis=d, keepdims=True)
    values = gather(input, d, wrap(idx))
    if not keepdim:
        from .shape import squeeze
        values = squeeze(values, d)
        idx = np.squeeze(idx, d)
    return result(values, wrap(idx))


def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None):
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a second tensor,
    the elementwise maximum (as ``torch.max(a, b)``)."""
    if isinstance(dim, Tensor):
        from .elementwise import maximum
        return maximum(input, dim)
    if dim is None:
        _empty_check(input, "max")
        return _reduce(amax_p, input, None, False)
    return _select_extremum(input, dim, keepdim, np.argmax, _max_result)


def min(input: Tensor, dim=None, keepdim: bool = False):
    """The smallest element; with ``dim``, ``(values, indices)``; with a tensor, elementwise."""
    if isinstance(dim, Tensor):
        from .elementwise import minimum
        return minimum(input, dim)
    if dim is None:
        _empty_check(input, "min")
        return _reduce(amin_p, input, None, False)
    return _select_extremum(input, dim, keepdim, np.argmin, _min_result)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    xa = input._data
    params = {"axis": normalize_dim(dim, xa.ndim)}
    if xa.ndim == 0:
        return record(reshape_p, xa.reshape(()), (input,), (xa,), {"shape": ()})
    return record(cumsum_p, _cumsum(xa, **params), (input,), (xa,), params)


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance with Bessel's correction by default (``correction=1``), as in PyTorch."""
    if isinstance(unbiased, bool):
        correction = 1 if unbiased else 0
    elif unbiased is not None and dim is None:
        dim = unbiased
    if correction is None:
        correction = 1
    axis = normalize_dims(dim, input._data.ndim)
    n = input._data.size if axis is None else int(np.prod([input._data.shape[a] for a in axis]))
    centered = input - mean(input, axis, keepdim=True)
    return sum(centered * centered, axis, keepdim) / builtins.max(n - correction, 0)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    from .elementwise import sqrt
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction))


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` computed stably by shifting with the (constant) maximum."""
    from .elementwise import exp, log
    axis = normalize_dims(dim, input._data.ndim)
    shift = np.amax(input._data, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0)
    out = log(sum(exp(input - wrap(shift)), axis, keepdim=True)) + wrap(shift)
    if not keepdim:
        from .shape import reshape
        out = reshape(out, tuple(n for i, n in enumerate(out._data.shape)
                                 if axis is not None and i not in axis))
    return out


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False) -> Tensor:
    """Vector p-norm over all elements or ``dim`` (``p`` a number, ``inf``, or 'fro' = 2)."""
    from .elementwise import abs, sqrt
    if p == "fro" or p == 2:
        return sqrt(sum(input * input, dim, keepdim))
    if p == float("inf"):
        return amax(abs(input), () if dim is None else dim, keepdim)
    if p == -float("inf"):
        return amin(abs(input), () if dim is None else dim, keepdim)
    if p == 0:
        return sum(input != 0, dim, keepdim).to(input.dtype)
    if p == 1:
        return sum(abs(input), dim, keepdim)
    return sum(abs(input) ** p, dim, keepdim) ** (1.0 / p)
