"""Derivatives checked against numerical differentiation.

``check_grads`` (HIPS autograd's way): along random directions, the reverse mode satisfies
``<u, J t> = <J^T u, t>`` and the forward mode ``J t`` equals central differences; at order 2
the same checks run on the derivative functions themselves (forward-over-reverse,
reverse-over-forward...). ``gradcheck`` / ``gradgradcheck`` (PyTorch's): full Jacobians,
element by element. ``check_primitive`` applies ``check_grads`` to one record of the primitive
table, which is how the test suite covers every registered primitive.
"""

from __future__ import annotations

import numpy as np

from . import graph


class GradcheckError(RuntimeError):
    """A derivative disagrees with its numerical estimate."""


def _arrays(args):
    Tensor = graph.Tensor
    return [a._data.astype(np.float64) if isinstance(a, Tensor) else np.asarray(a, np.float64)
            for a in args]


def _value(fn, xs) -> np.ndarray:
    from ..transforms import _to_tensor
    from .grad_mode import no_grad
    with no_grad():
        out = fn(*[graph.wrap(x) for x in xs])
    return np.asarray(_to_tensor(out)._data, np.float64)


def _directional(fn, xs, ts, eps) -> np.ndarray:
    """Central difference of ``fn`` at ``xs`` along ``ts``."""
    plus = _value(fn, [x + eps * t for x, t in zip(xs, ts)])
    minus = _value(fn, [x - eps * t for x, t in zip(xs, ts)])
    return (plus - minus) / (2 * eps)


def _close(analytical, numerical, atol, rtol, what):
    a = np.asarray(analytical, np.float64)
    n = np.asarray(numerical, np.float64)
    if a.shape != n.shape or not np.allclose(a, n, atol=atol, rtol=rtol):
        err = np.max(np.abs(a - n)) if a.shape == n.shape else "shapes differ"
        raise GradcheckError(f"{what}: analytical {np.ravel(a)[:6]} vs numerical "
                             f"{np.ravel(n)[:6]} (max abs error {err}; shapes {a.shape} "
                             f"{n.shape})")


def check_grads(fn, args, order: int = 2, modes=("fwd", "rev"), *, eps: float = 1e-6,
                atol: float = 1e-5, rtol: float = 1e-4, rng=None, name: str = "fn") -> None:
    """Check ``fn``'s derivatives at ``args`` (floating arrays or tensors, computed in
    float64) in forward and/or reverse mode, up to ``order``. Raises GradcheckError."""
    from ..transforms import jvp, vjp
    rng = rng if rng is not None else np.random.default_rng(0)
    xs = _arrays(args)
    ts = [rng.standard_normal(x.shape) for x in xs]
    numerical = _directional(fn, xs, ts, eps)
    u = rng.standard_normal(numerical.shape)
    inputs = [graph.wrap(x) for x in xs]
    if "fwd" in modes:
        _, tangent = jvp(fn, tuple(inputs), tuple(graph.wrap(t) for t in ts))
        _close(tangent._data, numerical, atol, rtol, f"{name}: forward mode (order {order})")
    if "rev" in modes:
        _, pullback = vjp(fn, *inputs)
        grads = pullback(graph.wrap(u))
        for x, g in zip(xs, grads):
            if tuple(g._data.shape) != x.shape:
                raise GradcheckError(f"{name}: a gradient has shape {g._data.shape}, its input "
                                     f"{x.shape}")
        _close(sum(np.vdot(g._data, t) for g, t in zip(grads, ts)), np.vdot(u, numerical),
               atol, rtol, f"{name}: reverse mode (order {order})")
    if order > 1:
        ws = [rng.standard_normal(x.shape) for x in xs]
        uw = graph.wrap(u)
        if "rev" in modes:
            def reverse(*xs_):
                _, pb = vjp(fn, *xs_)
                return sum((g * graph.wrap(w)).sum() for g, w in zip(pb(uw), ws))

            check_grads(reverse, xs, order - 1, modes, eps=eps, atol=atol * 10,
                        rtol=rtol * 10, rng=rng, name=f"{name}: derivative of reverse mode")
        if "fwd" in modes:
            def forward(*xs_):
                _, tan = jvp(fn, xs_, tuple(graph.wrap(t) for t in ts))
                return (tan * uw).sum()

            check_grads(forward, xs, order - 1, modes, eps=eps, atol=atol * 10,
                        rtol=rtol * 10, rng=rng, name=f"{name}: derivative of forward mode")


def check_primitive(prim, args, params, rng, **tolerances) -> None:
    """Check one primitive's VJP and JVP rules at one test case (float64 array arguments are
    differentiated, the others held constant), to order 2, and that float32 stays float32."""
    args = list(args)
    diff = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype == np.float64]
    if not diff:
        raise GradcheckError(f"{prim.name}: a test case needs a float64 array input")

    def fn(*xs):
        vals = list(args)
        for i, x in zip(diff, xs):
            vals[i] = x
        return prim(*vals, **params)

    check_grads(fn, [args[i] for i in diff], order=2, rng=rng, name=prim.name, **tolerances)
    _check_batched(prim, args, diff, params, rng)
    if "dtype" not in params:  # unless converting dtypes is the op's job
        _check_float32(prim, args, diff, params, rng)


def _check_batched(prim, args, diff, params, rng, batch: int = 3) -> None:
    """Several directions at once (the forward mode behind jacfwd and hessian) give the same
    tangents as one direction at a time."""
    from . import forward_ad
    tangents = [rng.standard_normal((batch,) + args[i].shape) for i in diff]

    def tangent_of(level_batch, ts):
        with forward_ad.dual_level(batch=level_batch) as level:
            vals = list(args)
            for i, t in zip(diff, ts):
                vals[i] = forward_ad.make_dual(graph.wrap(args[i]), graph.wrap(t), level=level)
            _, tangent = forward_ad.unpack_dual(prim(*vals, **params), level=level)
        return tangent._data

    together = tangent_of(batch, tangents)
    for b in range(batch):
        _close(together[b], tangent_of(None, [t[b] for t in tangents]), 1e-10, 1e-10,
               f"{prim.name}: batched forward mode, direction {b}")


def _check_float32(prim, args, diff, params, rng) -> None:
    from . import grad
    t32 = [graph.wrap(a.astype(np.float32)) if i in diff else a for i, a in enumerate(args)]
    for i in diff:
        t32[i].requires_grad = True
    out = prim(*t32, **params)
    if out._data.dtype != np.float32:
        raise GradcheckError(f"{prim.name}: float32 inputs gave a {out._data.dtype} output")
    u = graph.wrap(rng.standard_normal(out._data.shape).astype(np.float32))
    for i, g in zip(diff, grad(out, [t32[i] for i in diff], u, allow_unused=True)):
        if g is not None and g._data.dtype != np.float32:
            raise GradcheckError(f"{prim.name}: float32 input {i} got a {g._data.dtype} "
                                 "gradient")


# ---------------------------------------------------------------- PyTorch's gradcheck
def _numerical_jacobian(fn, xs, k, eps):
    """d out / d xs[k], column by column: shape (out.size, xs[k].size)."""
    x = xs[k]
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = 1.0
        ts = [np.zeros_like(y) for y in xs]
        ts[k] = e.reshape(x.shape)
        cols.append(_directional(fn, xs, ts, eps).ravel())
    out_size = _value(fn, xs).size
    return np.stack(cols, axis=1) if cols else np.zeros((out_size, 0))


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, check_forward_ad: bool = False,
              check_backward_ad: bool = True, **ignored) -> bool:
    """PyTorch's ``gradcheck``: the Jacobian of ``func`` with respect to each input that
    requires grad, analytical (reverse mode, and forward mode with ``check_forward_ad``)
    against central differences. Inputs should be float64."""
    from ..transforms import _to_tensor, jvp, vjp
    Tensor = graph.Tensor
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, a in enumerate(inputs) if isinstance(a, Tensor) and a._requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    xs = [inputs[i]._data.astype(np.float64) for i in diff]

    def f(*ys):
        vals = list(inputs)
        for i, y in zip(diff, ys):
            vals[i] = y
        return func(*vals)

    out = _value(f, xs)
    for k, i in enumerate(diff):
        numerical = _numerical_jacobian(f, xs, k, eps)
        if check_backward_ad:
            _, pullback = vjp(f, *[graph.wrap(x) for x in xs])
            rows = []
            for r in range(out.size):
                e = np.zeros(out.size)
                e[r] = 1.0
                rows.append(pullback(graph.wrap(e.reshape(out.shape)))[k]._data.ravel())
            analytical = np.stack(rows) if rows else np.zeros((0, xs[k].size))
            if not np.allclose(analytical, numerical, atol=atol, rtol=rtol):
                return _fail(f"Jacobian mismatch for output 0 with respect to input {i},\n"
                             f"numerical:{numerical}\nanalytical:{analytical}\n",
                             raise_exception)
        if check_forward_ad:
            cols = []
            for j in range(xs[k].size):
                e = np.zeros(xs[k].size)
                e[j] = 1.0
                ts = [graph.wrap(np.zeros_like(x)) for x in xs]
                ts[k] = graph.wrap(e.reshape(xs[k].shape))
                _, tan = jvp(f, tuple(graph.wrap(x) for x in xs), tuple(ts))
                cols.append(_to_tensor(tan)._data.ravel())
            analytical = np.stack(cols, axis=1) if cols else np.zeros((out.size, 0))
            if not np.allclose(analytical, numerical, atol=atol, rtol=rtol):
                return _fail(f"Jacobian computed with forward mode mismatch for output 0 with "
                             f"respect to input {i},\nnumerical:{numerical}\n"
                             f"analytical:{analytical}\n", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True,
                  check_fwd_over_rev: bool = False, **ignored) -> bool:
    """PyTorch's ``gradgradcheck``: ``gradcheck`` of the function
    ``(inputs, grad_outputs) -> J^T grad_outputs`` (random ``grad_outputs`` when None)."""
    from ..transforms import _to_tensor, vjp
    Tensor = graph.Tensor
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, a in enumerate(inputs) if isinstance(a, Tensor) and a._requires_grad]
    out = _to_tensor(func(*[graph.wrap(a._data) if isinstance(a, Tensor) else a
                            for a in inputs]))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = graph.wrap(rng.standard_normal(out._data.shape))
    v = grad_outputs if isinstance(grad_outputs, Tensor) else grad_outputs[0]
    v = v.detach().requires_grad_()

    def first_derivative(*args):
        ins, cot = args[:-1], args[-1]

        def f(*ys):
            vals = list(ins)
            for i, y in zip(diff, ys):
                vals[i] = y
            return func(*vals)

        _, pullback = vjp(f, *[ins[i] for i in diff])
        grads = pullback(cot)
        total = None
        for g in grads:
            flat = g.reshape(-1)
            total = flat if total is None else _cat(total, flat)
        return total

    return gradcheck(first_derivative, (*inputs, v), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, check_forward_ad=check_fwd_over_rev)


def _cat(a, b):
    from ..ops.shape import cat
    return cat([a, b])
