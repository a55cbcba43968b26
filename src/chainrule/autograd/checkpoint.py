"""Activation checkpointing: keep a block's inputs, drop its intermediate values, and
recompute them during the backward pass.

The block runs once with recording on, to find where its graph meets the rest (older nodes,
leaves, parameters it closes over); then its own nodes are dropped and one checkpoint node
takes their place, with those meeting points as parents. In backward the block runs again and
its fresh graph is walked down to the meeting points only.
"""

from __future__ import annotations

import numpy as np

from .. import creation
from . import forward_ad, graph
from .engine import run_backward
from .grad_mode import _state as _grad_state


def checkpoint(fn, *args, use_reentrant=None, preserve_rng_state: bool = True, **kwargs):
    """``fn(*args, **kwargs)`` whose intermediate values are recomputed in backward instead of
    stored: same gradients, lower peak memory."""
    if not _grad_state.enabled or forward_ad._state.active:
        return fn(*args, **kwargs)
    rng_state = creation.default_generator().bit_generator.state if preserve_rng_state else None
    start = graph._next_seq()
    result = fn(*args, **kwargs)
    single = not isinstance(result, tuple)
    outputs = (result,) if single else result
    frontier = _frontier([o.grad_fn for o in outputs
                          if isinstance(o, graph.Tensor) and o.grad_fn is not None], start)
    if not frontier:
        return result
    stand_ins = [p if isinstance(p, graph.Tensor) else _stand_in(p) for p in frontier]
    block = {"fn": fn, "args": args, "kwargs": kwargs, "rng": rng_state, "start": start,
             "frontier": frontier, "cache": [None]}
    wrapped = []
    for k, o in enumerate(outputs):
        if isinstance(o, graph.Tensor) and o.grad_fn is not None and o.grad_fn.seq > start:
            o = graph.record(_checkpoint_p, o._data, stand_ins, [None] * len(stand_ins),
                             {"block": block, "output": k})
        wrapped.append(o)
    return wrapped[0] if single else tuple(wrapped)


def _stand_in(node):
    """A tensor whose history is ``node``: how a node becomes a parent of the checkpoint."""
    t = graph.wrap(np.empty(0))
    t.grad_fn = node
    t._requires_grad = True
    return t


def _frontier(nodes, start: int) -> list:
    """The older nodes and the leaves that the block's nodes (numbered after ``start``) use."""
    seen, frontier, stack = set(), [], list(nodes)
    while stack:
        node = stack.pop()
        for p in node.parents:
            if p is None or id(p) in seen:
                continue
            seen.add(id(p))
            if type(p) is graph.Node and p.seq > start:
                stack.append(p)
            else:
                frontier.append(p)
    return frontier


def _vjp(i, g, ans, *stand_ins, block, output):
    """Gradient for frontier entry i: recompute the block once per output gradient."""
    cache = block["cache"]
    if cache[0] is None or cache[0][0] != output or cache[0][1] is not g:
        cache[0] = (output, g, _recompute(block, output, g))
    node_grads, leaf_grads = cache[0][2]
    frontier = block["frontier"]
    p = frontier[i]
    if i == len(frontier) - 1:
        cache[0] = None  # the engine asks for every entry in order: nothing outlives its use
    return leaf_grads.get(p) if isinstance(p, graph.Tensor) else node_grads.get(p)


def _recompute(block, output, g):
    generator = creation.default_generator()
    if block["rng"] is not None:
        now = generator.bit_generator.state
        generator.bit_generator.state = block["rng"]
    create_graph = isinstance(g, graph.Tensor)
    prev = _grad_state.enabled
    _grad_state.enabled = True
    try:
        start = graph._next_seq()
        result = block["fn"](*block["args"], **block["kwargs"])
    finally:
        _grad_state.enabled = prev
        if block["rng"] is not None:
            generator.bit_generator.state = now
    out = result if output == 0 and not isinstance(result, tuple) else result[output]
    return run_backward([out], [g], retain_graph=create_graph, create_graph=create_graph,
                        accumulate=False, stop_below=start)


def _no_direct_call(*args, **params):
    raise RuntimeError("the checkpoint primitive is applied by checkpoint() only")


def _make_primitive():
    from ..ops._table import SAVE_NOTHING, Variadic, defprim
    return defprim("checkpoint", _no_direct_call, vjps=Variadic(_vjp), jvps=None,
                   save=SAVE_NOTHING, node_name="CheckpointFunctionBackward", register=False)


_checkpoint_p = _make_primitive()
