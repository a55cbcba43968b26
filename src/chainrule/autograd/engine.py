"""The reverse-mode walk. It knows nodes, parents, saved values and rules; nothing about ops.

Nodes are numbered as they are recorded, and a node's inputs are always older than the node,
so visiting pending nodes newest first (a heap on the number) is a topological order: no
recursion, no dependency-counting pass, and each gradient is popped once it is consumed.
"""

from __future__ import annotations

import heapq
import time

import numpy as np

from . import graph
from .grad_mode import _state
from .grad_mode import debug_state as _debug
from .grad_mode import forward_state as _fw_state
from .graph import Node

_ndarray = np.ndarray


def _sum_to(g, shape):
    """Sum a gradient over the dimensions its input was broadcast along."""
    lead = g.ndim - len(shape)
    if lead < 0:
        raise RuntimeError(f"a gradient of shape {list(g.shape)} cannot be summed to the "
                           f"input's shape {list(shape)}")
    gshape = g.shape
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and gshape[i + lead] != 1)
    if axes:
        g = _SUM(g, axis=axes, keepdims=True)
    if g.shape != shape:
        if lead == 0 and any(a != b and a != 1 for a, b in zip(g.shape, shape)):
            raise RuntimeError(f"a gradient of shape {list(g.shape)} does not match its input's "
                               f"shape {list(shape)}")
        g = _RESHAPE(g, shape=shape)
    return g


def _cast(g, dtype):
    """A gradient in its input's dtype: rules may promote (an integer count, a float64 constant);
    the gradient of a float32 input stays float32."""
    if isinstance(g, graph.Tensor):
        return _CAST(g, dtype=dtype, source=g._data.dtype)
    return g.astype(dtype)


def _version_error(t, expected: int, producer: str | None) -> RuntimeError:
    dtype_name = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                  "int64": "LongTensor", "int32": "IntTensor", "bool": "BoolTensor"}.get(
        t.dtype.name if hasattr(t, "dtype") else "", "Tensor")
    where = f", which is output 0 of {producer}," if producer else ""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [chainrule.{dtype_name} {list(t.shape)}]{where} is at version "
        f"{t._vc[0]}; expected version {expected} instead. Hint: the operation that modified it "
        "ran after it was saved; compute on a copy (x.clone()) or run the in-place operation "
        "after backward.")


_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


def _saved_values(node: Node, create_graph: bool):
    """The inputs and output as the node's rules want them: arrays for a plain backward,
    Tensors (still attached to the graph) when the backward itself is recorded."""
    if node.freed:
        raise RuntimeError(_FREED)
    vals = node.vals
    inputs = node.inputs
    if inputs is not None:
        versions = node.versions
        for i, a in enumerate(inputs):
            vc = getattr(a, "_vc", None)
            if vc is not None and vc[0] != (versions[i] if versions else 0):
                fn = a.grad_fn
                raise _version_error(a, versions[i] if versions else 0,
                                     fn.name() if fn is not None else None)
        if create_graph:
            vals = inputs
    elif vals is None:
        vals = [None] * len(node.parents)
    ans = node.ans
    if ans is not None:
        if node.out_vc[0] != 0:
            out = graph.wrap(ans)
            out._vc = node.out_vc
            raise _version_error(out, 0, node.name())
        if create_graph:
            ans = graph.wrap(ans, node)
            ans._fw = node.out_fw
    return vals, ans


def _debug_before(node: Node, g) -> float:
    """Graph drawing keeps the gradient that reached the node; the profiler starts a clock."""
    info = getattr(node, "debug", None)
    if _debug.values and info is not None:
        info["grad"] = g._data if isinstance(g, graph.Tensor) else np.asarray(g)
    return time.perf_counter() if _debug.profiler is not None else 0.0


def _debug_after(node: Node, started: float) -> None:
    if _debug.profiler is not None:
        _debug.profiler.add(node.name(), time.perf_counter() - started)


def _check_finite(node: Node, i: int, gi) -> None:
    """Anomaly mode: stop at the first NaN or Inf a backward function produces, and say where
    the operation was created."""
    a = gi._data if isinstance(gi, graph.Tensor) else np.asarray(gi)
    if a.dtype.kind != "f" or np.isfinite(a).all():
        return
    what = "nan" if np.isnan(a).any() else "inf"
    message = f"Function '{node.name()}' returned {what} values in its {i}th output."
    stack = (getattr(node, "debug", None) or {}).get("stack")
    if stack:
        import os
        import traceback
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        user = [f for f in stack if not os.path.abspath(f.filename).startswith(package)]
        message += ("\nTraceback of the forward call that caused the error (most recent call "
                    "last):\n" + "".join(traceback.format_list(user or stack)).rstrip())
    raise RuntimeError(message)


def _run_hooks(hooks, g, create_graph):
    for hook in hooks:
        t = g if create_graph else graph.wrap(g)
        r = hook(t)
        if r is not None:
            g = r if create_graph else r._data
    return g


def run_backward(roots, root_grads, *, retain_graph: bool, create_graph: bool,
                 inputs=None, accumulate: bool = True, stop_below: int | None = None):
    """Propagate ``root_grads`` from ``roots`` back through the graph.

    With ``accumulate``, gradients of leaves are added to their ``.grad`` (restricted to
    ``inputs`` when given). Without it (``autograd.grad``), returns the gradients of ``inputs``
    in order, None for those the graph does not reach. With ``stop_below`` (checkpointing),
    nodes numbered below it are not entered: returns ``(node_grads, leaf_grads)``, the
    gradients that arrive at those older nodes and at leaves.
    """
    Tensor = graph.Tensor
    # Under forward mode the backward pass runs on Tensors, so tangents flow through it
    # (forward-over-reverse: Hessian-vector products, jacfwd of jacrev).
    create_graph = create_graph or _fw_state.active > 0
    prev_mode = _state.enabled
    _state.enabled = create_graph
    # Infinities and NaNs propagate as IEEE arithmetic says, silently as in PyTorch (anomaly
    # mode is the tool that stops at them); one errstate for the whole walk costs ~1 us.
    errstate = np.errstate(divide="ignore", invalid="ignore", over="ignore")
    errstate.__enter__()
    try:
        grads: dict = {}
        leaf_grads: dict = {}
        heap: list = []
        captured: dict = {}
        capture_nodes = None
        if inputs is not None:
            capture_nodes = {t.grad_fn: t for t in inputs if t.grad_fn is not None}
        for t, g in zip(roots, root_grads):
            node = t.grad_fn
            if node is None:
                leaf_grads[t] = g if t not in leaf_grads else leaf_grads[t] + g
            elif node in grads:
                grads[node] = grads[node] + g
            else:
                grads[node] = g
                heapq.heappush(heap, (-node.seq, node))

        frontier = {}
        while heap:
            node = heapq.heappop(heap)[1]
            g = grads.pop(node)
            if stop_below is not None and node.seq < stop_below:
                frontier[node] = g
                continue
            if node.hooks:
                g = _run_hooks(node.hooks, g, create_graph)
            if node.retain is not None:
                owner = node.retain()
                if owner is not None and owner.grad_fn is node:
                    gt = g if create_graph else graph.wrap(np.array(g, copy=True))
                    owner._grad = gt if owner._grad is None else owner._grad + gt
            if capture_nodes is not None and node in capture_nodes:
                captured[capture_nodes[node]] = g
            debug = _debug.on
            if debug:
                started = _debug_before(node, g)
            prim = node.prim
            vals, ans = _saved_values(node, create_graph)
            params = node.params
            vjps = prim.vjps
            for i, parent in enumerate(node.parents):
                if parent is None:
                    continue
                gi = vjps[i](g, ans, *vals, **params)
                if gi is None:
                    continue
                if debug and _debug.anomaly:
                    _check_finite(node, i, gi)
                if type(parent) is Node:
                    shape = parent.out_shape
                    dtype = parent.out_dtype
                else:
                    shape = parent._data.shape
                    dtype = parent._data.dtype
                if gi.shape != shape:
                    gi = _sum_to(gi, shape)
                if (gi._data if create_graph and isinstance(gi, Tensor) else gi).dtype != dtype:
                    gi = _cast(gi, dtype)
                if type(parent) is Node:
                    prev = grads.get(parent)
                    if prev is None:
                        grads[parent] = gi
                        heapq.heappush(heap, (-parent.seq, parent))
                    else:
                        grads[parent] = prev + gi
                else:
                    prev = leaf_grads.get(parent)
                    leaf_grads[parent] = gi if prev is None else prev + gi
            if debug:
                _debug_after(node, started)
            if not retain_graph:
                node.release()

        if stop_below is not None:
            return frontier, leaf_grads
        if not accumulate:
            result = []
            for t in inputs:
                g = leaf_grads.get(t) if t.grad_fn is None else captured.get(t)
                if g is not None and not isinstance(g, Tensor):
                    g = graph.wrap(g if g.flags.writeable else np.array(g))
                result.append(g)
            return result

        wanted = None if inputs is None else {id(t) for t in inputs}
        # A fresh array that reaches one leaf only can become its .grad without a copy; the
        # root gradients (possibly the caller's) and arrays shared by two leaves are copied.
        shared = {id(g) for g in root_grads}
        for leaf, g in leaf_grads.items():
            if wanted is not None and id(leaf) not in wanted:
                continue
            owned = (type(g) is _ndarray and g.base is None and id(g) not in shared
                     and g.flags.writeable and g.dtype == leaf._data.dtype)
            shared.add(id(g))
            _accumulate(leaf, g, create_graph, owned)
        for t, g in captured.items():
            if t.grad_fn is not None and (wanted is None or id(t) in wanted):
                _accumulate(t, g, create_graph, False)
        return None
    finally:
        errstate.__exit__(None, None, None)
        _state.enabled = prev_mode


def _accumulate(leaf, g, create_graph: bool, owned: bool) -> None:
    """Add a gradient into ``leaf.grad``: in place on a plain backward, recorded otherwise.
    ``owned``: nothing else holds the array, so it can be stored without a copy."""
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g, create_graph)
        owned = False
    old = leaf._grad
    if create_graph:
        if not isinstance(g, graph.Tensor):
            g = graph.wrap(g)
        leaf._grad = g if old is None else old + g
    elif old is None:
        leaf._grad = graph.wrap(g if owned else np.array(g, dtype=leaf._data.dtype, copy=True))
    elif old._requires_grad:
        leaf._grad = graph.wrap(old._data + g)
    else:
        np.add(old._data, g, out=old._data, casting="unsafe")
        graph.bump_version(old)


_SUM = _RESHAPE = _CAST = None


def _bind(sum_prim, reshape_prim, cast_prim) -> None:
    """The engine unbroadcasts and casts gradients with the table's own primitives."""
    global _SUM, _RESHAPE, _CAST
    _SUM, _RESHAPE, _CAST = sum_prim, reshape_prim, cast_prim
