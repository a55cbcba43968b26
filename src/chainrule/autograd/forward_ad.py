"""Forward mode: tangents carried by tensors and pushed through each primitive's JVP rule in
the same forward pass (no double-backward trick).

A *dual level* is one forward-mode computation; levels nest (``jvp`` of ``jvp``) and never
see each other's tangents: while the tangent of level L is computed, only lower levels
propagate. PyTorch's spelling is kept: ``with dual_level(): d = make_dual(x, t); ...;
primal, tangent = unpack_dual(y)``.
"""

from __future__ import annotations

import contextlib
import itertools

from . import graph
from .grad_mode import forward_state

_state = forward_state
_next_level = itertools.count(1).__next__
_batch_sizes: dict = {}  # level -> number of directions its tangents carry at once


@contextlib.contextmanager
def dual_level(batch: int | None = None):
    """Open a new forward-mode level; yields its id. With ``batch=B`` its tangents carry B
    directions at once along a leading dimension (one pass computes B Jacobian columns)."""
    level = _next_level()
    _state.levels = _state.levels + (level,)
    _state.active += 1
    if batch is not None:
        _batch_sizes[level] = batch
    try:
        yield level
    finally:
        _batch_sizes.pop(level, None)
        _state.active -= 1
        _state.levels = tuple(lv for lv in _state.levels if lv != level)


def _current(level):
    if level is not None:
        return level
    if not _state.levels:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    return _state.levels[-1]


def make_dual(tensor, tangent, *, level=None):
    """A tensor with ``tangent`` attached at ``level`` (the innermost by default). It stays in
    the reverse-mode graph of ``tensor`` and shares its memory."""
    Tensor = graph.Tensor
    level = _current(level)
    if not isinstance(tangent, Tensor):
        from ..creation import as_tensor
        tangent = as_tensor(tangent, dtype=tensor.dtype)
    expected = tensor._data.shape
    if level in _batch_sizes:
        expected = (_batch_sizes[level],) + expected
    if tangent._data.shape != expected:
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(expected)} while the given forward gradient "
                           f"is of size {list(tangent._data.shape)}.")
    if tangent._data.dtype != tensor._data.dtype:
        tangent = tangent.to(tensor.dtype)
    dual = alias(tensor)
    dual._fw = dict(dual._fw or {})
    dual._fw[level] = tangent
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)``: the primal without this level's tangent, and the tangent (None
    when the tensor has none at this level)."""
    level = _current(level)
    fw = tensor._fw
    tangent = fw.get(level) if fw else None
    primal = alias(tensor)
    if fw and level in fw:
        rest = {k: v for k, v in fw.items() if k != level}
        primal._fw = rest or None
    return primal, tangent


def alias(tensor):
    """A new tensor object for the same values, in the same reverse graph, with the same
    tangents: a recorded identity when the tensor is in a graph, a plain wrapper otherwise."""
    if tensor._requires_grad:
        from ..ops.shape import reshape_p
        return reshape_p(tensor, shape=tensor._data.shape)
    t = graph.wrap(tensor._data)
    t._vc = graph.version_counter(tensor)
    t._fw = tensor._fw
    return t


def propagate(prim, out, args, params) -> None:
    """Attach to ``out`` the tangent of every level its inputs carry, from the JVP rules."""
    Tensor = graph.Tensor
    limit = _state.limit
    levels = set()
    for a in args:
        if isinstance(a, Tensor) and a._fw:
            levels.update(lv for lv in a._fw if limit is None or lv < limit)
    if not levels:
        return
    jvps = prim.jvps
    data = out._data
    for level in sorted(levels):
        batch = _batch_sizes.get(level)
        _state.limit = level
        try:
            total = None
            for i, a in enumerate(args):
                if isinstance(a, Tensor) and a._fw:
                    tangent = a._fw.get(level)
                    if tangent is not None:
                        c = (jvps[i](tangent, out, *args, **params) if batch is None
                             else _batched_jvp(prim, i, tangent, out, args, params))
                        total = c if total is None else total + c
            if not isinstance(total, Tensor):
                total = graph.wrap(total)
            target = data.shape if batch is None else (batch,) + data.shape
            if total._data.shape != target:
                from ..ops.shape import broadcast_to_p
                if batch is not None:
                    total = align(total, data.ndim)
                total = broadcast_to_p(total, shape=target)
            if total._data.dtype != data.dtype:
                from ..ops.elementwise import cast_p
                total = cast_p(total, dtype=data.dtype, source=total._data.dtype)
        finally:
            _state.limit = limit
        if out._fw is None:
            out._fw = {}
        out._fw[level] = total
    node = out.grad_fn
    if node is not None and node.ans is not None:
        node.out_fw = out._fw


# ---------------------------------------------------------------- several directions at once
def align(t, rank: int):
    """A batched tangent ``(B, *shape)`` with unit dimensions inserted after B so that its
    per-direction rank is ``rank``: broadcasting then lines the directions up in front."""
    shape = t._data.shape
    missing = rank - (len(shape) - 1)
    if missing <= 0:
        return t
    from ..ops.shape import reshape_p
    return reshape_p(t, shape=shape[:1] + (1,) * missing + shape[1:])


def shift_axes(axis, ndim: int) -> tuple:
    """Reduction axes of one direction, as axes of the batched tangent."""
    return tuple(range(1, ndim + 1)) if axis is None else tuple(a + 1 for a in axis)


def _batched_jvp(prim, i, t, ans, args, params):
    """The tangent of ``ans`` for B directions of input i at once: the primitive's batch rule;
    for elementwise primitives, the JVP rule itself once ranks are aligned; otherwise one
    direction at a time."""
    rule = prim.batch_jvp
    if rule is not None:
        return rule(i, t, ans, *args, **params)
    if prim.jvps is prim.vjps:
        return prim.jvps[i](align(t, ans._data.ndim), ans, *args, **params)
    return per_direction(prim, i, t, ans, args, params)


def per_direction(prim, i, t, ans, args, params):
    """Fallback: the JVP rule applied direction by direction, stacked."""
    from ..ops.indexing import basic_index_p
    from ..ops.shape import broadcast_to_p, cat_p, reshape_p
    shape = ans._data.shape
    parts = []
    for b in range(t._data.shape[0]):
        c = prim.jvps[i](basic_index_p(t, index=(b, Ellipsis)), ans, *args, **params)
        if not isinstance(c, graph.Tensor):
            c = graph.wrap(c)
        if c._data.shape != shape:
            c = broadcast_to_p(c, shape=shape)
        parts.append(reshape_p(c, shape=(1,) + shape))
    return cat_p(*parts, axis=0)
