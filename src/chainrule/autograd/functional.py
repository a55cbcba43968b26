"""PyTorch's ``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``, ``hessian``,
``hvp``, ``vhp`` with PyTorch's signatures and return values.

``inputs`` is a tensor or a tuple of tensors, and results follow that choice. ``jvp`` here is
true forward mode (PyTorch computes it with the double-backward trick). ``create_graph=True``
keeps the results differentiable; ``strict=True`` refuses, in PyTorch's words, outputs that do
not depend on an input (and, for Hessians, gradients that do not).
"""

from __future__ import annotations

import contextlib

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


def _mode(create_graph: bool):
    """Recorded transforms for create_graph, plain values otherwise."""
    return transforms.recording() if create_graph else contextlib.nullcontext()


def _finish(result, is_tuple: bool, create_graph: bool):
    out = tuple(r if create_graph else r.detach() for r in result)
    return out if is_tuple else out[0]


def _inputs(inputs, create_graph: bool):
    """The inputs as given (attached to the caller's graph) for create_graph, else detached."""
    return tuple(t if create_graph else t.detach() for t in inputs)


def _ones_for(tensors, what: str):
    if any(t.numel() != 1 for t in tensors):
        raise RuntimeError(f"The vector v can only be None if the {what} is a single Tensor "
                           "with a single element.")
    return tuple(graph.wrap(np.ones_like(t._data)) for t in tensors)


def _strict_check(func, inputs, second_order: bool) -> None:
    """PyTorch's strict mode: every output must be computed from every input (and, for
    Hessians, every gradient must depend on the inputs)."""
    from . import grad
    from .grad_mode import enable_grad
    xs = tuple(t.detach().requires_grad_() for t in inputs)
    with enable_grad():
        outs, _ = _as_tuple(func(*xs), "outputs of the user-provided function")
        for j, o in enumerate(outs):
            if not o._requires_grad:
                raise RuntimeError(f"Output {j} of the user-provided function does not require "
                                   "gradients. The outputs must be computed in a differentiable "
                                   "manner from the input when running in strict mode.")
        live = [o for o in outs]
        grads = grad(live, xs, [graph.wrap(np.ones_like(o._data)) for o in live],
                     allow_unused=True, create_graph=second_order, retain_graph=True)
        for i, g in enumerate(grads):
            if g is None:
                raise RuntimeError(f"The output of the user-provided function is independent of "
                                   f"input {i}. This is not allowed in strict mode.")
            if second_order and not g._requires_grad:
                raise RuntimeError(
                    "While computing the hessian, found that the jacobian of the user-provided "
                    f"function with respect to input {i} is independent of the input. This is "
                    "not allowed in strict mode. You should ensure that your function is twice "
                    "differentiable and that the jacobian depends on the inputs (this would be "
                    "violated by a linear function for example).")


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), v^T J)``."""
    inputs, is_tuple = _as_tuple(inputs, "inputs")
    if strict:
        _strict_check(func, inputs, second_order=False)
    with _mode(create_graph):
        out, pullback = transforms.vjp(func, *_inputs(inputs, create_graph))
        outs, out_tuple = _as_tuple(out, "outputs of the user-provided function")
        vs = _ones_for(outs, "user-provided function's output") if v is None else \
            _as_tuple(v, "v")[0]
        grads = pullback(vs if out_tuple else vs[0])
    return _finish(outs, out_tuple, create_graph), _finish(grads, is_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), J v)`` by forward mode."""
    inputs, _ = _as_tuple(inputs, "inputs")
    if strict:
        _strict_check(func, inputs, second_order=False)
    vs = _ones_for(inputs, "input to the user-provided function") if v is None else \
        _as_tuple(v, "v")[0]
    with _mode(create_graph):
        out, tangent = transforms.jvp(func, _inputs(inputs, create_graph), vs)
    outs, out_tuple = _as_tuple(out, "outputs of the user-provided function")
    tangents, _ = _as_tuple(tangent, "outputs of the user-provided function")
    return _finish(outs, out_tuple, create_graph), _finish(tangents, out_tuple, create_graph)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian: for one input and one output a tensor of shape ``out.shape + in.shape``;
    tuples of them (indexed ``[output][input]``) for tuples."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    inputs, is_tuple = _as_tuple(inputs, "inputs")
    if strict:
        _strict_check(func, inputs, second_order=False)
    inputs = _inputs(inputs, create_graph)
    jac = transforms.jacrev if strategy == "reverse-mode" else transforms.jacfwd
    positions = tuple(range(len(inputs)))
    with _mode(create_graph):
        result = jac(func, positions)(*inputs)
    out_tuple = isinstance(result, tuple) and isinstance(result[0], tuple)
    rows = result if out_tuple else (result,)
    rows = tuple(tuple(j if create_graph else j.detach() for j in row) for row in rows)
    if not is_tuple:
        rows = tuple(row[0] for row in rows)
    return rows if out_tuple else rows[0]


def _scalar_output(func, inputs, name: str):
    out = func(*inputs)
    if not isinstance(out, graph.Tensor) or out.numel() != 1:
        raise RuntimeError(f"The function given to {name} should return a single Tensor with a "
                           "single element.")
    return out


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function (forward-over-reverse); for a tuple of inputs, a
    tuple of tuples indexed ``[i][j]``."""
    inputs, is_tuple = _as_tuple(inputs, "inputs")
    if strict:
        _strict_check(func, inputs, second_order=True)
    inputs = _inputs(inputs, create_graph)
    _scalar_output(func, inputs, "hessian")
    positions = tuple(range(len(inputs)))

    def scalar(*xs):
        return func(*xs).reshape(())

    with _mode(create_graph):
        hs = transforms.jacfwd(transforms.jacrev(scalar, positions), positions)(*inputs)
    hs = tuple(tuple(h if create_graph else h.detach() for h in row) for row in hs)
    return hs if is_tuple else hs[0][0]


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), H v)`` by forward-over-reverse."""
    inputs, is_tuple = _as_tuple(inputs, "inputs")
    if strict:
        _strict_check(func, inputs, second_order=True)
    vs = _ones_for(inputs, "input to the user-provided function") if v is None else \
        _as_tuple(v, "v")[0]
    inputs = _inputs(inputs, create_graph)
    with _mode(create_graph):
        out = _scalar_output(func, inputs, "hvp")
        product = transforms.hvp(func, inputs, vs)
    product = product if isinstance(product, tuple) else (product,)
    return _finish((out,), False, create_graph), _finish(product, is_tuple, create_graph)


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), v^T H)``; equal to ``hvp`` since Hessians are symmetric."""
    return hvp(func, inputs, v, create_graph, strict)
