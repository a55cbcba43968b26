"""Reverse-mode automatic differentiation: ``backward``, ``grad`` and grad mode."""

from __future__ import annotations

import numpy as np

from . import forward_ad, graph, profiler
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .checks import GradcheckError, gradcheck, gradgradcheck
from .engine import run_backward
from .function import Function, FunctionCtx, custom_jvp, custom_vjp
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["backward", "enable_grad", "grad", "is_grad_enabled", "no_grad", "set_grad_enabled"]


def _as_tuple(x) -> tuple:
    if isinstance(x, graph.Tensor):
        return (x,)
    return tuple(x)


def _root_grads(outputs: tuple, grad_outputs, create_graph: bool) -> list:
    """The gradient each output starts from: given, or 1 for scalars (as arrays for a plain
    backward, as Tensors when the backward is recorded)."""
    Tensor = graph.Tensor
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs) if not isinstance(grad_outputs, (list, tuple)) \
            else tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError("grad can be implicitly created only for scalar outputs"
                           if not grad_outputs else
                           f"Mismatch in number of gradients: got {len(grad_outputs)} gradients "
                           f"for {len(outputs)} outputs")
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"expected a Tensor as output {i}, got {type(out).__name__}")
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            arr = np.ones(out._data.shape, out._data.dtype)
            grads.append(graph.wrap(arr) if create_graph else arr)
            continue
        if not isinstance(g, Tensor):
            g = graph.wrap(np.asarray(g, dtype=out._data.dtype))
        if g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"chainrule.Size({list(g._data.shape)}) and output[{i}] has a "
                               f"shape of chainrule.Size({list(out._data.shape)}).")
        if g._data.dtype != out._data.dtype:
            g = g.to(out.dtype)
        grads.append(g if create_graph else g._data)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves of their graph
    (only of ``inputs`` when given)."""
    tensors = _as_tuple(tensors)
    grads = _root_grads(tensors, grad_tensors, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    run_backward(tensors, grads, retain_graph=retain_graph, create_graph=create_graph,
                 inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused=None, is_grads_batched: bool = False, materialize_grads: bool = False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned as a tuple (nothing is
    written to ``.grad``)."""
    outputs = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    for t in inputs_t:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _root_grads(outputs, grad_outputs, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outputs, grads, retain_graph=retain_graph, create_graph=create_graph,
                          inputs=inputs_t, accumulate=False)
    if allow_unused is None:
        allow_unused = materialize_grads
    for i, g in enumerate(result):
        if g is None:
            if materialize_grads:
                result[i] = graph.wrap(np.zeros_like(inputs_t[i]._data))
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
    return tuple(result)
