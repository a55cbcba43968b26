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


@contextlib.contextmanager
def dual_level():
    """Open a new forward-mode level; yields its id."""
    level = _next_level()
    _state.levels = _state.levels + (level,)
    _state.active += 1
    try:
        yield level
    finally:
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
    if tangent._data.shape != tensor._data.shape:
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(tensor._data.shape)} while the given forward gradient "
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
        _state.limit = level
        try:
            total = None
            for i, a in enumerate(args):
                if isinstance(a, Tensor) and a._fw:
                    tangent = a._fw.get(level)
                    if tangent is not None:
                        c = jvps[i](tangent, out, *args, **params)
                        total = c if total is None else total + c
            if not isinstance(total, Tensor):
                total = graph.wrap(total)
            if total._data.shape != data.shape:
                from ..ops.shape import broadcast_to_p
                total = broadcast_to_p(total, shape=data.shape)
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
