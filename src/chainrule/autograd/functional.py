"""PyTorch's ``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``, ``hessian``,
``hvp``, ``vhp`` with PyTorch's signatures and return values.

``inputs`` is a tensor or a tuple of tensors, and results follow that choice. ``jvp`` here is
true forward mode (PyTorch computes it with the double-backward trick). ``create_graph=True``
keeps the results differentiable; ``strict=True`` refuses outputs that do not depend on an
input.
"""

from __future__ import annotations

import numpy as np

from .. import transforms
from . import graph


def _as_tuple(x, name: str):
    Tensor = graph.Tensor
    if isinstance(x, Tensor):
        return (x,), False
    if isinstance(x, (tuple, list)) and all(isinstance(t, Tensor) for t in x):
        return tuple(x), True
    raise TypeError(f"The {name} given to autograd.functional must be either a Tensor or a "
                    f"tuple of Tensors but the given argument is {type(x).__name__}.")


def _finish(result, is_tuple: bool, create_graph: bool):
    out = tuple(r if create_graph else r.detach() for r in result)
    return out if is_tuple else out[0]


def _inputs(inputs, create_graph: bool):
    """Fresh inputs that require grad; attached to the callers' graph only with create_graph."""
    return tuple(t if create_graph else t.detach() for t in inputs)


def _check_strict(outputs, grads, strict: bool, what: str = "input") -> None:
    if not strict:
        return
    for i, g in enumerate(grads):
        if g is None or not np.any(g._data) and not g._requires_grad:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"{what} {i}. This is not allowed in strict mode.")


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), v^T J)``."""
    inputs, is_tuple = _as_tuple(inputs, "inputs")
    out, pullback = transforms.vjp(func, *_inputs(inputs, create_graph))
    outs, out_tuple = _as_tuple(out, "outputs of the user-provided function")
    if v is None:
        if any(o.numel() != 1 for o in outs):
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        v = tuple(graph.wrap(np.ones_like(o._data)) for o in outs)
    vs, _ = _as_tuple(v, "v")
    grads = pullback(vs if out_tuple else vs[0])
    _check_strict(outs, grads, strict)
    return _finish(outs, out_tuple, create_graph), _finish(grads, is_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), J v)`` by forward mode."""
    inputs, _ = _as_tuple(inputs, "inputs")
    if v is None:
        if any(t.numel() != 1 for t in inputs):
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        v = tuple(graph.wrap(np.ones_like(t._data)) for t in inputs)
    vs, _ = _as_tuple(v, "v")
    out, tangent = transforms.jvp(func, _inputs(inputs, create_graph), vs)
    outs, out_tuple = _as_tuple(out, "outputs of the user-provided function")
    tangents, _ = _as_tuple(tangent, "outputs of the user-provided function")
    if strict and all(not np.any(t._data) for t in tangents):
        raise RuntimeError("The output of the user-provided function is independent of the "
                           "input. This is not allowed in strict mode.")
    return _finish(outs, out_tuple, create_graph), _finish(tangents, out_tuple, create_graph)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian: for one input and one output a tensor of shape ``out.shape + in.shape``;
    tuples of them (indexed ``[output][input]``) for tuples."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    inputs, is_tuple = _as_tuple(inputs, "inputs")
    inputs = _inputs(inputs, create_graph)
    out = func(*inputs)
    outs, out_tuple = _as_tuple(out, "outputs of the user-provided function")
    jac = transforms.jacrev if strategy == "reverse-mode" else transforms.jacfwd
    rows = []
    for k in range(len(outs)):
        def single(*xs, k=k):
            o = func(*xs)
            return o[k] if out_tuple else o
        js = jac(single, tuple(range(len(inputs))))(*inputs)
        if strict:
            _check_strict(outs, js, strict)
        rows.append(tuple(j if create_graph else j.detach() for j in js))
    if out_tuple and is_tuple:
        return tuple(rows)
    if out_tuple:
        return tuple(r[0] for r in rows)
    return rows[0] if is_tuple else rows[0][0]


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function (forward-over-reverse); for a tuple of inputs, a
    tuple of tuples indexed ``[i][j]``."""
    inputs, is_tuple = _as_tuple(inputs, "inputs")
    inputs = _inputs(inputs, create_graph)
    out = func(*inputs)
    if not isinstance(out, graph.Tensor) or out.numel() != 1:
        raise RuntimeError("The function given to hessian should return a single Tensor with a "
                           "single element.")
    positions = tuple(range(len(inputs)))

    def scalar(*xs):
        return func(*xs).reshape(())

    hs = transforms.jacfwd(transforms.jacrev(scalar, positions), positions)(*inputs)
    hs = tuple(tuple(h if create_graph else h.detach() for h in row) for row in hs)
    return hs if is_tuple else hs[0][0]


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), H v)`` by forward-over-reverse."""
    inputs, is_tuple = _as_tuple(inputs, "inputs")
    if v is None:
        if any(t.numel() != 1 for t in inputs):
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        v = tuple(graph.wrap(np.ones_like(t._data)) for t in inputs)
    vs, _ = _as_tuple(v, "v")
    inputs = _inputs(inputs, create_graph)
    out = func(*inputs)
    if not isinstance(out, graph.Tensor) or out.numel() != 1:
        raise RuntimeError("The function given to hvp should return a single Tensor with a "
                           "single element.")
    product = transforms.hvp(func, inputs, vs)
    product = product if isinstance(product, tuple) else (product,)
    return _finish((out,), False, create_graph), _finish(product, is_tuple, create_graph)


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), v^T H)``; equal to ``hvp`` since Hessians are symmetric."""
    return hvp(func, inputs, v, create_graph, strict)
