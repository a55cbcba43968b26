"""The recorded graph: one ``Node`` per differentiable operation, made while the program runs.

A node knows its primitive, its parents (one per input: the input's node, the leaf tensor
itself, or None where no gradient flows) and what the primitive's rules need. It never holds
its own output tensor, only the output's array, so graphs have no reference cycles and die by
reference counting as soon as their outputs are dropped.
"""

from __future__ import annotations

import itertools

import numpy as np

from .grad_mode import _state
from .grad_mode import debug_state as _debug
from .grad_mode import forward_state as _fw_state

Tensor = None  # bound by chainrule.tensor once the class exists (the two modules need each other)
_next_seq = itertools.count().__next__
_ndarray = np.ndarray
_asarray = np.asarray
_new = object.__new__


class Node:
    """A recorded operation (``grad_fn``). Named like PyTorch's nodes (``MulBackward0``).

    ``vals`` holds what the rules take for the inputs on a plain backward (their arrays, or
    their shapes only), ``inputs`` the input Tensors for a recorded (create_graph) backward,
    ``ans`` the output's array when the rules need it. ``out_shape``/``out_dtype`` describe the
    output, which is the gradient's target shape and dtype for the nodes that consume it.
    ``debug`` exists only while instrumentation is on (anomaly mode, value capture).
    """

    __slots__ = (
        "__weakref__",
        "ans",
        "debug",
        "freed",
        "hooks",
        "inputs",
        "out_dtype",
        "out_fw",
        "out_shape",
        "out_vc",
        "params",
        "parents",
        "prim",
        "retain",
        "seq",
        "vals",
        "versions",
    )

    def name(self) -> str:
        name = self.prim.node_name
        return name if type(name) is str else name(self.params)

    @property
    def next_functions(self) -> tuple:
        """``((parent_node, 0), ...)`` in input order; leaves appear as ``AccumulateGrad``."""
        return tuple((p if p is None or type(p) is Node else AccumulateGrad(p), 0)
                     for p in self.parents)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    def release(self) -> None:
        """Drop the values saved for backward (after a backward without retain_graph)."""
        if self.inputs is not None or self.ans is not None:
            self.inputs = self.vals = self.ans = None
            self.freed = True


class Shape:
    """Stands in for an input whose rules need only its shape (``save=SAVE_SHAPES``)."""

    __slots__ = ("ndim", "shape")

    def __init__(self, shape: tuple) -> None:
        self.shape = shape
        self.ndim = len(shape)


class AccumulateGrad:
    """The node that stands for a leaf tensor in ``next_functions``."""

    __slots__ = ("variable",)

    def __init__(self, variable) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def __eq__(self, other) -> bool:
        return type(other) is AccumulateGrad and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


class RemovableHandle:
    """Returned by ``register_hook``; ``handle.remove()`` takes the hook away."""

    __slots__ = ("_hook", "_hooks")

    def __init__(self, hooks: list, hook) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def wrap(data, node=None):
    """A new Tensor around an array (no copy). With a node it is that node's output."""
    if type(data) is not _ndarray:
        data = _asarray(data)
    t = _new(Tensor)
    t._data = data
    t._grad = None
    t.grad_fn = node
    t._requires_grad = node is not None
    t._vc = None
    t._base = None
    t._hooks = None
    t._fw = None
    return t


def version_counter(t) -> list:
    """The tensor's version counter, made on first need: most tensors never see an in-place
    op, and a missing counter means version 0."""
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    return vc


def bump_version(t) -> None:
    vc = t._vc
    if vc is None:
        t._vc = [1]
    else:
        vc[0] += 1


def record(prim, out, args, arrays, params):
    """Wrap a primitive's output and, when grad mode is on and an input requires grad, record
    the node that will differentiate it; in forward mode, attach the output's tangents."""
    t = wrap(out)
    if prim.view:
        base = args[0]
        t._vc = version_counter(base)
        # (base, index): in-place ops on a view made by basic indexing of a tensor that is not
        # itself a view are recorded on the base too; other views refuse them (see _inplace).
        t._base = (base, params.get("index") if base._base is None else None)
    if not prim.differentiable:
        return t
    if _state.enabled:
        _record_node(prim, t, args, arrays, params)
        if _debug.on and t.grad_fn is not None:
            _debug_node(t.grad_fn, t._data, arrays)
    if _fw_state.active:
        from .forward_ad import propagate
        propagate(prim, t, args, params)
    return t


def _record_node(prim, t, args, arrays, params) -> None:
    parents = []
    needed = False
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            fn = a.grad_fn
            parents.append(a if fn is None else fn)
            needed = True
        else:
            parents.append(None)
    if not needed:
        return
    node = _new(Node)
    node.prim = prim
    node.parents = parents
    node.params = params
    data = t._data
    node.out_shape = data.shape
    node.out_dtype = data.dtype
    node.seq = _next_seq()
    node.hooks = node.retain = node.out_fw = None
    node.freed = False
    save = prim.save
    if save == 2:
        node.inputs = args
        node.vals = arrays
        versions = None
        for a in args:
            if isinstance(a, Tensor) and a._vc is not None:
                versions = [a._vc[0] if isinstance(a, Tensor) and a._vc else 0 for a in args]
                break
        node.versions = versions
    else:
        node.inputs = node.versions = None
        node.vals = [Shape(a.shape) if isinstance(a, _ndarray) else None for a in arrays] \
            if save == 1 else None
    if prim.save_ans:
        node.ans = data
        node.out_vc = version_counter(t)
    else:
        node.ans = node.out_vc = None
    t.grad_fn = node
    t._requires_grad = True


def _debug_node(node, value, inputs) -> None:
    """Anomaly mode keeps where the node was created; graph drawing keeps its value and its
    inputs' values."""
    info = {}
    if _debug.anomaly:
        import traceback
        info["stack"] = traceback.extract_stack()[:-3]
    if _debug.values:
        info["value"] = value
        info["inputs"] = inputs
    node.debug = info


def apply(prim, args, params):
    """Run a primitive on Tensors (and constants) and record it."""
    arrays = [a._data if isinstance(a, Tensor) else a for a in args]
    return record(prim, prim.forward(*arrays, **params), args, arrays, params)
