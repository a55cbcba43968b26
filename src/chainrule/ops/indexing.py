"""Indexing primitives: reading (basic and advanced indexing, gather), writing (index_put,
scatter_add) and the transposes that their gradients need."""

from __future__ import annotations

import numpy as np

from ..autograd.forward_ad import align, per_direction
from ..autograd.graph import record, wrap
from ..tensor import Tensor
from . import _cases as C
from ._table import SAVE_NOTHING, SAVE_SHAPES, defprim
from ._util import normalize_dim, zeros


def _index(x, index):
    return x[index]


def _index_vjp(g, ans, x, index):
    return index_backward_p(g, shape=x.shape, index=index)


def _index_backward(g, shape, index):
    out = np.zeros(shape, g.dtype)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _batched_index(index):
    """``index`` for a tensor with a leading batch dimension; None where prepending a slice
    would move NumPy's advanced-index dimensions (advanced indices split by slices)."""
    seen, gap = False, False
    for i in index:
        advanced = isinstance(i, np.ndarray)
        if advanced and gap:
            return None
        if seen and not advanced:
            gap = True
        seen = seen or advanced
    return (slice(None),) + index


def _index_batched(i, t, ans, x, index):
    shifted = _batched_index(index)
    if shifted is None:
        return per_direction(index_p, i, t, ans, (x,), {"index": index})
    return (basic_index_p if _is_basic(index) else index_p)(t, index=shifted)


def _index_backward_batched(i, t, ans, x, shape, index):
    shifted = _batched_index(index)
    if shifted is None:
        return per_direction(index_backward_p, i, t, ans, (x,), {"shape": shape, "index": index})
    # The scattered values broadcast to the indexed region: line their directions up first.
    region = np.broadcast_to(np.zeros((), bool), shape)[index].ndim
    return index_backward_p(align(t, region), shape=t.shape[:1] + tuple(shape), index=shifted)


_index_cases = C.cases((((4, 5),), {"index": (1,)}),
                       (((4, 5),), {"index": (slice(1, 3), slice(None, None, 2))}),
                       (((4, 5),), {"index": (np.array([0, 2, 2]),)}),
                       (((3, 4, 2),), {"index": (np.array([0, 2]), slice(None), np.array([1, 0]))}))

# Basic indexing returns a view (PyTorch's SliceBackward0/SelectBackward0); advanced indexing
# copies (IndexBackward0). Same rules; two records so that only the first shares memory.
basic_index_p = defprim("basic_index", _index, vjps=(_index_vjp,), multilinear=True,
                        batch_jvp=_index_batched,
                        save=SAVE_SHAPES, view=True, node_name="SliceBackward0",
                        test=C.cases((((4, 5),), {"index": (1,)}),
                                     (((4, 5),), {"index": (slice(1, 3), None, Ellipsis)})))
index_p = defprim("index", _index, vjps=(_index_vjp,), multilinear=True, save=SAVE_SHAPES,
                  batch_jvp=_index_batched,
                  test=_index_cases)
index_backward_p = defprim(
    "index_backward", _index_backward,
    vjps=(lambda g, ans, x, shape, index: index_p(g, index=index),), multilinear=True,
    batch_jvp=lambda i, t, ans, x, shape, index: _index_backward_batched(i, t, ans, x, shape,
                                                                        index),
    save=SAVE_NOTHING,
    test=C.cases((((3,),), {"shape": (4, 5), "index": (np.array([0, 2, 2]), slice(None, 3))}),
                 (((2, 5),), {"shape": (4, 5), "index": (slice(1, 3),)})))


def _index_put(x, v, index, accumulate):
    out = x.copy()
    if accumulate:
        np.add.at(out, index, v)
    else:
        out[index] = v
    return out


def _index_put_vjp_x(g, ans, x, v, index, accumulate):
    return g if accumulate else index_put_p(g, 0.0, index=index, accumulate=False)


def _index_put_vjp_v(g, ans, x, v, index, accumulate):
    return index_p(g, index=index)


def _index_put_jvp_v(t, ans, x, v, index, accumulate):
    return index_put_p(zeros(x.shape, t), t, index=index, accumulate=accumulate)


index_put_p = defprim(
    "index_put", _index_put, vjps=(_index_put_vjp_x, _index_put_vjp_v),
    jvps=(_index_put_vjp_x, _index_put_jvp_v), save=SAVE_SHAPES, node_name="IndexPutBackward0",
    test=C.cases((((4, 3), (3,)), {"index": (1,), "accumulate": False}),
                 (((4, 3), (2, 3)), {"index": (np.array([0, 3]),), "accumulate": False}),
                 (((4, 3), (3, 3)), {"index": (np.array([0, 3, 0]),), "accumulate": True})))


def _gather(x, dim, index):
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return x[tuple(grid)]


def _gather_vjp(g, ans, x, dim, index):
    return scatter_add_p(zeros(x.shape, g), g, dim=dim, index=index)


def _gather_batched(i, t, ans, x, dim, index):
    return gather_p(t, dim=dim + 1, index=np.broadcast_to(index, t.shape[:1] + index.shape))


gather_p = defprim("gather", _gather, vjps=(_gather_vjp,), multilinear=True, save=SAVE_SHAPES,
                   batch_jvp=_gather_batched,
                   test=C.cases((((3, 4),), {"dim": 1, "index": np.array([[0, 3], [1, 1], [2, 0]])}),
                                (((3, 4),), {"dim": 0, "index": np.array([[0, 2, 2, 1]])})))


def _scatter_add(x, src, dim, index):
    out = x.copy()
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    np.add.at(out, tuple(grid), src[tuple(slice(0, n) for n in index.shape)])
    return out


scatter_add_p = defprim(
    "scatter_add", _scatter_add,
    vjps=(lambda g, ans, x, src, dim, index: g,
          lambda g, ans, x, src, dim, index: _pad_to(gather_p(g, dim=dim, index=index), src)),
    multilinear=False, save=SAVE_SHAPES,
    batch_jvp=lambda i, t, ans, x, src, dim, index: t if i == 0 else scatter_add_p(
        zeros(t.shape[:1] + tuple(x.shape), t), t, dim=dim + 1,
        index=np.broadcast_to(index, t.shape[:1] + index.shape)),
    jvps=(lambda t, ans, x, src, dim, index: t,
          lambda t, ans, x, src, dim, index: scatter_add_p(zeros(x.shape, t), t, dim=dim,
                                                            index=index)),
    test=C.cases((((3, 4), (3, 2)), {"dim": 1, "index": np.array([[0, 3], [1, 1], [2, 0]])}),
                 (((3, 4), (2, 4)), {"dim": 0, "index": np.array([[0, 2, 2, 1]])})))


def _pad_to(g, src):
    """The gradient of a scatter source that was larger than its index: zeros beyond it."""
    if tuple(g.shape) == tuple(src.shape):
        return g
    return index_backward_p(g, shape=src.shape,
                            index=tuple(slice(0, n) for n in g.shape))


# ---------------------------------------------------------------- index normalisation
def _is_basic(index: tuple) -> bool:
    for i in index:
        if not (i is None or i is Ellipsis or type(i) is slice or type(i) is int):
            return False
    return True


def normalize_index(index) -> tuple:
    """A NumPy index tuple for a PyTorch-style index: tensors become arrays, boolean masks
    become integer arrays (so gradients can scatter with them), ranges and lists arrays."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, Tensor):
            i = i._data
        elif isinstance(i, range):
            i = np.arange(i.start, i.stop, i.step)
        elif isinstance(i, list):
            i = np.asarray([j.item() if isinstance(j, Tensor) else j for j in i])
        elif isinstance(i, np.integer):
            i = int(i)
        if isinstance(i, np.ndarray):
            if i.dtype == np.bool_:
                out.extend(np.nonzero(i) if i.ndim else [i])
                continue
            if i.dtype.kind not in "iu":
                if i.size == 0:
                    i = i.astype(np.int64)
                else:
                    raise IndexError("tensors used as indices must be long, int, byte or bool "
                                     "tensors")
        elif not (i is None or i is Ellipsis or isinstance(i, (int, slice))):
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(i).__name__})")
        out.append(i)
    return tuple(out)


def getitem(x: Tensor, index) -> Tensor:
    index = normalize_index(index)
    xa = x._data
    if _is_basic(index):
        prim = basic_index_p
        if Ellipsis not in index:
            index += (Ellipsis,)  # NumPy then returns a 0-d view, not a scalar copy
    else:
        prim = index_p
    try:
        out = xa[index]
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None
    params = {"index": index}
    return record(prim, out, (x,), (xa,), params)


def index_put(x: Tensor, index, value, accumulate: bool = False) -> Tensor:
    """Out of place: a copy of ``x`` with ``value`` written (or added) at ``index``."""
    from .elementwise import as_tensor_operand, to_dtype
    index = normalize_index(index)
    if isinstance(value, Tensor):
        value = to_dtype(value, x._data.dtype)
        va = value._data
    else:
        value = as_tensor_operand(value) if not isinstance(value, (int, float, bool)) else value
        va = value._data.astype(x._data.dtype) if isinstance(value, Tensor) else value
        value = wrap(va) if isinstance(value, Tensor) else value
    xa = x._data
    params = {"index": index, "accumulate": accumulate}
    try:
        out = _index_put(xa, va, index, accumulate)
    except ValueError as e:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(va))} cannot be "
                           f"broadcast to indexing result of shape "
                           f"{list(xa[index].shape)}") from e
    return record(index_put_p, out, (x, value), (xa, va), params)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and likewise for other dims)."""
    xa = input._data
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    d = normalize_dim(dim, xa.ndim)
    if idx.dtype.kind not in "iu":
        raise RuntimeError("gather(): Expected dtype int64 for index")
    if idx.ndim != xa.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    params = {"dim": d, "index": idx}
    return record(gather_p, _gather(xa, d, idx), (input,), (xa,), params)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Out of place: ``input`` with ``src`` added at ``index`` along ``dim``."""
    from .elementwise import to_dtype
    xa = input._data
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    d = normalize_dim(dim, xa.ndim)
    src = to_dtype(src, xa.dtype)
    sa = src._data
    params = {"dim": d, "index": idx}
    return record(scatter_add_p, _scatter_add(xa, sa, d, idx), (input, src), (xa, sa), params)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    d = normalize_dim(dim, input._data.ndim)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    return getitem(input, (slice(None),) * d + (idx.reshape(-1),))


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``value`` where ``mask`` is True, ``input`` elsewhere."""
    from .elementwise import where
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{m.dtype}")
    if isinstance(value, Tensor):
        value = value.to(input.dtype)
    else:
        value = wrap(np.asarray(value, dtype=input._data.dtype))
    return where(wrap(m), value, input)
