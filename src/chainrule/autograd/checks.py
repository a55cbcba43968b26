"""Derivatives checked against numerical differentiation.

``check_primitive`` checks one record of the primitive table: its VJP rules (through the
engine, so unbroadcasting is covered) by the inner-product identity ``<u, J t> = <J^T u, t>``,
its JVP rules against central differences along a random direction, both again at second order
(the rules are differentiated by the engine with ``create_graph``), and that gradients keep
their input's shape and dtype.
"""

from __future__ import annotations

import numpy as np

from . import graph


class GradcheckError(AssertionError):
    """A derivative disagrees with its numerical estimate."""


def _close(a, b, atol: float, rtol: float, what: str) -> None:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape or not np.allclose(a, b, atol=atol, rtol=rtol):
        err = np.max(np.abs(a - b)) if a.shape == b.shape else "shapes differ"
        raise GradcheckError(f"{what}: analytical {a.ravel()[:6]} vs numerical "
                             f"{b.ravel()[:6]} (max abs error {err}; shapes {a.shape} "
                             f"{b.shape})")


def _vjp(prim, args, diff, cotangent, params, create_graph=False):
    """Gradients of ``<cotangent, prim(args)>`` for the inputs in ``diff`` (Tensors in, Tensors
    out), through the engine."""
    from . import grad
    out = prim(*args, **params)
    return grad(out, [args[i] for i in diff], cotangent, create_graph=create_graph,
                allow_unused=True)


def _jvp(prim, args, diff, tangents, params):
    """Sum of the JVP rules' contributions, broadcast to the output's shape."""
    # On Tensors the output is recorded too, as forward mode would have it.
    ans = prim(*args, **params)
    total = None
    for i, t in zip(diff, tangents):
        c = prim.jvps[i](t, ans, *args, **params)
        total = c if total is None else total + c
    if tuple(total.shape) != tuple(ans.shape):
        total = total + (np.zeros(np.shape(ans)) if not isinstance(total, graph.Tensor)
                         else graph.wrap(np.zeros(np.shape(ans))))
    return total


def check_primitive(prim, args, params, rng, *, eps: float = 1e-6, atol: float = 1e-5,
                    rtol: float = 1e-4, order: int = 2) -> None:
    """Raise GradcheckError unless the primitive's rules match numerical derivatives."""
    args = list(args)
    diff = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype == np.float64]
    if not diff:
        raise GradcheckError(f"{prim.name}: a test case needs a float64 array input")

    def f(*xs):
        vals = list(args)
        for i, x in zip(diff, xs):
            vals[i] = x
        return np.asarray(prim.forward(*vals, **params), np.float64)

    xs = [args[i] for i in diff]
    ans = f(*xs)
    tangents = [rng.standard_normal(x.shape) for x in xs]
    u = rng.standard_normal(ans.shape)
    numerical = (f(*[x + eps * t for x, t in zip(xs, tangents)])
                 - f(*[x - eps * t for x, t in zip(xs, tangents)])) / (2 * eps)

    # JVP rules on arrays.
    jvp = _jvp(prim, args, diff, tangents, params)
    _close(jvp, numerical, atol, rtol, f"{prim.name} JVP")

    # VJP rules through the engine: <u, J t> == <J^T u, t>.
    tensors = [graph.wrap(a) if i in diff else a for i, a in enumerate(args)]
    for i in diff:
        tensors[i].requires_grad = True
    grads = _vjp(prim, tensors, diff, graph.wrap(u), params)
    for i, g in zip(diff, grads):
        if g is None:
            raise GradcheckError(f"{prim.name}: no gradient for input {i}")
        if g.shape != args[i].shape:
            raise GradcheckError(f"{prim.name}: gradient of input {i} has shape {g.shape}, "
                                 f"input has {args[i].shape}")
    _close(sum(np.vdot(g._data, t) for g, t in zip(grads, tangents)), np.vdot(u, numerical),
           atol, rtol, f"{prim.name} VJP")

    # float32 stays float32 through both rules (unless converting dtypes is the op's job).
    if "dtype" not in params:
        _check_float32(prim, args, diff, u, params)

    if order < 2:
        return

    # Reverse over reverse: h(x) = sum_i <vjp_i(x; u), w_i>, differentiated by the engine.
    ws = [rng.standard_normal(x.shape) for x in xs]

    def h(*xs_):
        ts = [graph.wrap(a) for a in args]
        for i, x in zip(diff, xs_):
            ts[i] = graph.wrap(x)
            ts[i].requires_grad = True
        gs = _vjp(prim, ts, diff, graph.wrap(u), params)
        return sum(np.vdot(g._data, w) for g, w in zip(gs, ws) if g is not None)

    tensors = [graph.wrap(a) if i in diff else a for i, a in enumerate(args)]
    for i in diff:
        tensors[i].requires_grad = True
    gs = _vjp(prim, tensors, diff, graph.wrap(u), params, create_graph=True)
    total = None
    for g, w in zip(gs, ws):
        if g is not None and g._requires_grad:
            term = (g * graph.wrap(w)).sum()
            total = term if total is None else total + term
    numerical2 = (h(*[x + eps * t for x, t in zip(xs, tangents)])
                  - h(*[x - eps * t for x, t in zip(xs, tangents)])) / (2 * eps)
    analytical2 = _directional(total, [tensors[i] for i in diff], tangents)
    _close(analytical2, numerical2, atol * 10, rtol * 10, f"{prim.name} VJP, second order")

    # Reverse over forward: k(x) = <u, jvp(x; t)>, with the JVP rules run on Tensors.
    def k(*xs_):
        vals = list(args)
        for i, x in zip(diff, xs_):
            vals[i] = x
        return np.vdot(u, np.asarray(_jvp(prim, vals, diff, tangents, params), np.float64))

    tensors = [graph.wrap(a) if i in diff else a for i, a in enumerate(args)]
    for i in diff:
        tensors[i].requires_grad = True
    jt = _jvp(prim, tensors, diff, [graph.wrap(t) for t in tangents], params)
    kt = (jt * graph.wrap(u)).sum() if isinstance(jt, graph.Tensor) else None
    numerical3 = (k(*[x + eps * t for x, t in zip(xs, ws)])
                  - k(*[x - eps * t for x, t in zip(xs, ws)])) / (2 * eps)
    analytical3 = _directional(kt, [tensors[i] for i in diff], ws)
    _close(analytical3, numerical3, atol * 10, rtol * 10, f"{prim.name} JVP, second order")


def _check_float32(prim, args, diff, u, params) -> None:
    t32 = [graph.wrap(a.astype(np.float32)) if i in diff else a for i, a in enumerate(args)]
    for i in diff:
        t32[i].requires_grad = True
    out32 = prim(*t32, **params)
    if out32._data.dtype != np.float32:
        raise GradcheckError(f"{prim.name}: float32 inputs gave a {out32._data.dtype} output")
    for i, g in zip(diff, _vjp(prim, t32, diff, graph.wrap(u.astype(np.float32)), params)):
        if g is not None and g._data.dtype != np.float32:
            raise GradcheckError(f"{prim.name}: float32 input {i} got a {g._data.dtype} "
                                 "gradient")


def _directional(scalar, inputs, directions) -> float:
    """``<d scalar / d inputs, directions>`` by the engine; 0 when nothing depends on them."""
    from . import grad
    if scalar is None or not scalar._requires_grad:
        return 0.0
    gs = grad(scalar, inputs, allow_unused=True)
    return sum(float(np.vdot(g._data, d)) for g, d in zip(gs, directions) if g is not None)

