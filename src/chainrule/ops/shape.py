"""Shape primitives (reshape, permute, broadcast, flip, tile, concatenate) and the shape
functions built from them (view, squeeze, unsqueeze, flatten, transpose, expand, stack,
split, chunk)."""

from __future__ import annotations

import builtins
import math

import numpy as np

from ..autograd.forward_ad import align
from ..autograd.graph import record
from ..tensor import Tensor
from . import _cases as C
from ._table import SAVE_NOTHING, SAVE_SHAPES, Variadic, defprim
from ._util import normalize_dim, normalize_dims, sizes_arg, zeros


def _reshape(x, shape):
    return np.reshape(x, shape)


def _reshape_batched(i, t, ans, x, shape):
    return reshape_p(t, shape=t.shape[:1] + tuple(shape))


reshape_p = defprim("reshape", _reshape, batch_jvp=_reshape_batched,
                    vjps=(lambda g, ans, x, shape: reshape_p(g, shape=x.shape),),
                    multilinear=True, save=SAVE_SHAPES, view=True, node_name="ViewBackward0",
                    test=C.cases((((3, 4),), {"shape": (2, 6)}), (((2, 3, 1),), {"shape": (6,)}),
                                 (((),), {"shape": (1, 1)})))


def _permute(x, axes):
    return np.transpose(x, axes)


def _permute_vjp(g, ans, x, axes):
    return permute_p(g, axes=tuple(np.argsort(axes)))


def _permute_batched(i, t, ans, x, axes):
    return permute_p(t, axes=(0,) + tuple(a + 1 for a in axes))


permute_p = defprim("permute", _permute, vjps=(_permute_vjp,), multilinear=True,
                    batch_jvp=_permute_batched,
                    save=SAVE_NOTHING, view=True,
                    test=C.cases((((3, 4),), {"axes": (1, 0)}),
                                 (((2, 3, 4),), {"axes": (2, 0, 1)})))


def _broadcast_to(x, shape):
    return np.broadcast_to(x, shape)


# The engine sums the gradient back to the input's shape, so the rule is the identity.
def _broadcast_to_batched(i, t, ans, x, shape):
    return broadcast_to_p(align(t, len(shape)), shape=t.shape[:1] + tuple(shape))


broadcast_to_p = defprim("broadcast_to", _broadcast_to, vjps=(lambda g, *_, **__: g,),
                         batch_jvp=_broadcast_to_batched,
                         multilinear=True, save=SAVE_NOTHING, view=True,
                         node_name="ExpandBackward0",
                         test=C.cases((((3, 1),), {"shape": (2, 3, 4)}), (((4,),), {"shape": (3, 4)}),
                                      (((),), {"shape": (2, 2)})))


def _flip(x, axes):
    return np.flip(x, axes)


flip_p = defprim("flip", _flip, vjps=(lambda g, ans, x, axes: flip_p(g, axes=axes),),
                 batch_jvp=lambda i, t, ans, x, axes: flip_p(t, axes=tuple(a + 1 for a in axes)),
                 multilinear=True, save=SAVE_NOTHING,
                 test=C.cases((((3, 4),), {"axes": (0,)}), (((2, 3, 4),), {"axes": (0, 2)})))


def _tile(x, reps):
    return np.tile(x, reps)


def _tile_vjp(g, ans, x, reps):
    # Output dim i has reps[i] blocks of the input's size: split each dim and sum the blocks.
    shape = (1,) * (len(reps) - x.ndim) + tuple(x.shape)
    split = []
    for r, n in zip(reps, shape):
        split += [r, n]
    g = reshape_p(g, shape=tuple(split))
    from .reduction import sum_p
    g = sum_p(g, axis=tuple(range(0, 2 * len(reps), 2)), keepdims=False)
    return reshape_p(g, shape=x.shape)


def _tile_batched(i, t, ans, x, reps):
    return tile_p(align(t, len(reps)), reps=(1,) + tuple(reps))


tile_p = defprim("tile", _tile, vjps=(_tile_vjp,), multilinear=True, save=SAVE_SHAPES,
                 batch_jvp=_tile_batched,
                 node_name="RepeatBackward0",
                 test=C.cases((((3, 2),), {"reps": (2, 3)}), (((2,),), {"reps": (2, 1, 3)})))


def _concatenate(*xs, axis):
    return np.concatenate(xs, axis=axis)


def _cat_vjp(i, g, ans, *xs, axis):
    start = builtins.sum(x.shape[axis] for x in xs[:i])
    index = (slice(None),) * axis + (slice(start, start + xs[i].shape[axis]),)
    from .indexing import basic_index_p
    return basic_index_p(g, index=index)


def _cat_jvp(i, t, ans, *xs, axis):
    parts = [t if j == i else zeros(x.shape, t) for j, x in enumerate(xs)]
    return cat_p(*parts, axis=axis)


def _cat_batched(i, t, ans, *xs, axis):
    parts = [t if j == i else zeros(t.shape[:1] + tuple(x.shape), t) for j, x in enumerate(xs)]
    return cat_p(*parts, axis=axis + 1)


cat_p = defprim("cat", _concatenate, vjps=Variadic(_cat_vjp), jvps=Variadic(_cat_jvp),
                batch_jvp=_cat_batched,
                save=SAVE_SHAPES,
                test=C.cases((((2, 3), (4, 3)), {"axis": 0}), (((2, 3), (2, 1), (2, 2)), {"axis": 1})))


# ---------------------------------------------------------------- public functions
def _apply(prim, x, **params):
    xa = x._data
    return record(prim, prim.forward(xa, **params), (x,), (xa,), params)


def _infer_shape(shape: tuple, numel: int, have: tuple) -> tuple:
    if builtins.sum(1 for s in shape if s == -1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    if math.prod(shape) != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input: Tensor, *shape) -> Tensor:
    """The same elements in a new shape (``-1`` infers one dimension)."""
    shape = _infer_shape(sizes_arg(shape), input._data.size, input._data.shape)
    return _apply(reshape_p, input, shape=shape)


view = reshape


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = input._data.shape
    if not shape:
        return reshape(input, 1)
    s, e = normalize_dim(start_dim, len(shape)), normalize_dim(end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in ``dim``)."""
    shape = input._data.shape
    if dim is None:
        new = tuple(n for n in shape if n != 1)
    else:
        dims = normalize_dims(dim, len(shape)) or ()
        new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    return reshape(input, new)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    shape = input._data.shape
    d = normalize_dim(dim, len(shape) + 1)
    return reshape(input, shape[:d] + (1,) + shape[d:])


def permute(input: Tensor, *dims) -> Tensor:
    dims = sizes_arg(dims) if dims and not isinstance(dims[0], (tuple, list)) else tuple(dims[0])
    nd = input._data.ndim
    axes = tuple(normalize_dim(d, nd) for d in dims)
    if len(axes) != nd or len(set(axes)) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}"
                           if len(axes) != nd else "permute(): duplicate dims are not allowed.")
    return _apply(permute_p, input, axes=axes)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    nd = input._data.ndim
    if nd == 0:
        return input
    axes = list(range(nd))
    a, b = normalize_dim(dim0, nd), normalize_dim(dim1, nd)
    axes[a], axes[b] = axes[b], axes[a]
    return _apply(permute_p, input, axes=tuple(axes))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")
    return transpose(input, 0, -1) if input._data.ndim == 2 else input


def broadcast_to(input: Tensor, size) -> Tensor:
    size = tuple(size)
    shape = input._data.shape
    lead = len(size) - len(shape)
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(size)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({len(shape)})")
    size = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(size))
    for i, n in enumerate(shape):
        if n != 1 and n != size[i + lead]:
            raise RuntimeError(
                f"The expanded size of the tensor ({size[i + lead]}) must match the existing "
                f"size ({n}) at non-singleton dimension {i + lead}.  Target sizes: {list(size)}."
                f"  Tensor sizes: {list(shape)}")
    return _apply(broadcast_to_p, input, shape=size)


def expand(input: Tensor, *sizes) -> Tensor:
    return broadcast_to(input, sizes_arg(sizes))


def flip(input: Tensor, dims) -> Tensor:
    if isinstance(dims, int):
        dims = (dims,)
    return _apply(flip_p, input, axes=normalize_dims(tuple(dims), input._data.ndim) or ())


def repeat(input: Tensor, *sizes) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along dimension ``i`` (PyTorch's ``Tensor.repeat``)."""
    reps = sizes_arg(sizes)
    if len(reps) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    return _apply(tile_p, input, reps=reps)


def cat(tensors, dim: int = 0) -> Tensor:
    """Concatenate along an existing dimension."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    from .._dtype import promote_types
    from .elementwise import to_dtype
    dt = tensors[0]._data.dtype
    for x in tensors[1:]:
        dt = promote_types(dt, x._data.dtype)
    tensors = [to_dtype(x, dt) for x in tensors]
    nd = tensors[0]._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = normalize_dim(dim, nd)
    ref = tensors[0]._data.shape
    for k, x in enumerate(tensors):
        s = x._data.shape
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {len(s)}")
        for d in range(nd):
            if d != axis and s[d] != ref[d]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {axis}. "
                                   f"Expected size {ref[d]} but got size {s[d]} for tensor "
                                   f"number {k} in the list.")
    arrays = [x._data for x in tensors]
    params = {"axis": axis}
    return record(cat_p, _concatenate(*arrays, axis=axis), tuple(tensors), arrays, params)


concat = concatenate = cat


def stack(tensors, dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dimension."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for k, x in enumerate(tensors):
        if x._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)}"
                               f" at entry 0 and {list(x._data.shape)} at entry {k}")
    d = normalize_dim(dim, len(shape) + 1)
    return cat([unsqueeze(x, d) for x in tensors], d)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    d = normalize_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        sizes = [builtins.min(size, n - s) for s in range(0, n, size)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(tensor[(slice(None),) * d + (slice(start, start + s),)])
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    n = input._data.shape[normalize_dim(dim, input._data.ndim)]
    return split(input, -(-n // chunks) if n else 1, dim)


def movedim(input: Tensor, source: int, destination: int) -> Tensor:
    nd = input._data.ndim
    order = [d for d in range(nd) if d != normalize_dim(source, nd)]
    order.insert(normalize_dim(destination, nd), normalize_dim(source, nd))
    return _apply(permute_p, input, axes=tuple(order))
