"""Functional transforms in the style of JAX and MindSpore: ``vjp``, ``jvp``, ``grad``,
``value_and_grad``, ``jacrev``, ``jacfwd``, ``hessian``, ``hvp``.

``vjp`` runs the reverse-mode engine, ``jvp`` the forward-mode rules (one forward pass with
tangents); everything else is built on those two. Transforms nest to any depth: inside another
transform, the backward pass is itself recorded (and carries tangents), so its result can be
differentiated again. Gradients are returned, never accumulated into ``.grad``.
"""

from __future__ import annotations

import contextlib
import functools
import threading

import numpy as np

from . import _dtype
from ._pytree import tree_flatten, tree_unflatten
from .autograd import forward_ad, graph
from .autograd import grad as _autograd_grad
from .autograd.grad_mode import _state as _grad_state
from .tensor import Tensor


class _Depth(threading.local):
    value = 0  # how many transforms are evaluating their function right now


_depth = _Depth()


def _to_tensor(x, what: str = "input") -> Tensor:
    if isinstance(x, Tensor):
        return x
    from .creation import as_tensor
    try:
        return as_tensor(x)
    except TypeError:
        raise TypeError(f"{what} of type {type(x).__name__} is not a tensor, an array or a "
                        "number") from None


def _differentiable_input(x) -> Tensor:
    """A fresh tensor standing for ``x`` that requires grad: linked to ``x``'s own graph (and
    tangents) when ``x`` has them, so that outer transforms see through it."""
    t = _to_tensor(x)
    if t._data.dtype.kind != "f":
        raise TypeError(f"grad requires real-valued inputs (a floating point dtype), but got "
                        f"{_dtype.from_numpy(t._data.dtype).name}. Convert it with .float() or "
                        "pass it at a position that is not differentiated.")
    if t._requires_grad or t._fw:
        out = forward_ad.alias(t)
        if not out._requires_grad:
            out._requires_grad = True
        return out
    out = graph.wrap(t._data)
    out._requires_grad = True
    return out


@contextlib.contextmanager
def recording():
    """Run transforms as if nested, so that their results stay differentiable (what
    ``create_graph=True`` asks of ``autograd.functional``)."""
    _depth.value += 1
    try:
        yield
    finally:
        _depth.value -= 1


def _call(fn, *args):
    """Evaluate ``fn`` with recording on, counting the nesting depth."""
    prev = _grad_state.enabled
    _grad_state.enabled = True
    _depth.value += 1
    try:
        return fn(*args)
    finally:
        _depth.value -= 1
        _grad_state.enabled = prev


def _nested() -> bool:
    """Whether a backward pass must itself be recorded (so that it can be differentiated
    again): inside another transform, or in forward mode."""
    return _depth.value > 0 or forward_ad._state.active > 0


def _zeros_like(t: Tensor) -> Tensor:
    return graph.wrap(np.zeros_like(t._data))


def _backward(outputs, inputs, cotangents, retain: bool):
    """Gradients of ``sum(<cotangent, output>)`` for each input (zeros where unused)."""
    live = [(o, c) for o, c in zip(outputs, cotangents) if o._requires_grad]
    if not live:
        return [_zeros_like(t) for t in inputs]
    nested = _nested()
    # A recorded backward keeps its graph: an enclosing transform walks it again.
    grads = _autograd_grad([o for o, _ in live], inputs, [c for _, c in live],
                           retain_graph=retain or nested, create_graph=nested, allow_unused=True)
    return [g if g is not None else _zeros_like(t) for g, t in zip(grads, inputs)]


# ---------------------------------------------------------------- vjp and jvp
def vjp(fn, *primals, has_aux: bool = False):
    """``(out, vjp_fn)``; ``vjp_fn(cotangent)`` returns one gradient per primal, each shaped
    like its primal (JAX's ``jax.vjp``). With ``has_aux``, ``fn`` returns ``(out, aux)`` and the
    result is ``(out, vjp_fn, aux)``."""
    flat, tree = tree_flatten(primals)
    inputs = [_differentiable_input(p) for p in flat]
    result = _call(fn, *tree_unflatten(tree, inputs))
    if has_aux:
        if not (isinstance(result, tuple) and len(result) == 2):
            raise ValueError("vjp with has_aux=True expects fn to return a pair (out, aux)")
        result, aux = result
    out_flat, out_tree = tree_flatten(result)
    out_flat = [_to_tensor(o, "output") for o in out_flat]

    def vjp_fn(cotangent):
        ct_flat, ct_tree = tree_flatten(cotangent)
        if len(ct_flat) != len(out_flat):
            raise ValueError(f"vjp_fn expected a cotangent structured like the output "
                             f"({out_tree}), got {ct_tree}")
        cts = []
        for o, c in zip(out_flat, ct_flat):
            c = _to_tensor(c, "cotangent")
            if c._data.shape != o._data.shape:
                raise ValueError(f"cotangent of shape {list(c._data.shape)} does not match "
                                 f"the output's shape {list(o._data.shape)}")
            cts.append(c)
        grads = _backward(out_flat, inputs, cts, retain=True)
        return tuple(tree_unflatten(tree, grads))

    out = tree_unflatten(out_tree, out_flat)
    return (out, vjp_fn, _cut(aux)) if has_aux else (out, vjp_fn)


def jvp(fn, primals, tangents, has_aux: bool = False, *, _batch: int | None = None):
    """``(out, tangent_out)`` in one forward pass with tangents (true forward mode).
    ``primals`` and ``tangents`` are tuples (or lists) of the same structure. (Internally,
    ``_batch=B`` pushes B directions at once: tangents have a leading dimension of size B.)"""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples or lists, got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    p_flat, p_tree = tree_flatten(tuple(primals))
    t_flat, t_tree = tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise ValueError(f"jvp: primal and tangent arguments must have the same tree "
                         f"structure; got {p_tree} and {t_tree}")
    with forward_ad.dual_level(batch=_batch) as level:
        duals = []
        for p, t in zip(p_flat, t_flat):
            p = _to_tensor(p)
            t = _to_tensor(t, "tangent")
            if t._data.shape[_batch is not None:] != p._data.shape:
                raise ValueError(f"jvp: primal and tangent must have the same shape, got "
                                 f"{list(p._data.shape)} and {list(t._data.shape)}")
            duals.append(forward_ad.make_dual(p, t, level=level))
        result = _call(fn, *tree_unflatten(p_tree, duals))
        if has_aux:
            result, aux = result
        out_flat, out_tree = tree_flatten(result)
        outs, tans = [], []
        for o in out_flat:
            o = _to_tensor(o, "output")
            primal, tangent = forward_ad.unpack_dual(o, level=level)
            outs.append(primal)
            if tangent is None:
                shape = o._data.shape if _batch is None else (_batch,) + o._data.shape
                tangent = graph.wrap(np.zeros(shape, o._data.dtype))
            tans.append(tangent)
    if _depth.value == 0 and forward_ad._state.active == 0 and not any(
            isinstance(p, Tensor) and p._requires_grad for p in p_flat):
        # At the top level the results are plain values (the tangent computation may have
        # recorded a backward pass, e.g. in a Hessian-vector product).
        outs = [o.detach() for o in outs]
        tans = [t.detach() for t in tans]
    out = (tree_unflatten(out_tree, outs), tree_unflatten(out_tree, tans))
    return (*out, _cut(aux)) if has_aux else out


def stop_gradient(x):
    """``x`` (a tensor or a pytree of them) cut from the graph: no gradient flows back through
    it (MindSpore's ``ops.stop_gradient``, JAX's ``lax.stop_gradient``)."""
    return _cut(x)


def _cut(tree):
    """Auxiliary outputs, cut from the graph."""
    flat, td = tree_flatten(tree)
    return tree_unflatten(td, [x.detach() if isinstance(x, Tensor) else x for x in flat])


# ---------------------------------------------------------------- grad and value_and_grad
def _positions(grad_position, nargs: int):
    if grad_position is None:
        return None
    single = isinstance(grad_position, int)
    positions = (grad_position,) if single else tuple(grad_position)
    if not positions:
        raise ValueError("grad_position must not be an empty tuple")
    for p in positions:
        if not isinstance(p, int) or isinstance(p, bool):
            raise TypeError(f"grad_position must be an int or a tuple of ints, got {p!r}")
        if not -nargs <= p < nargs:
            raise IndexError(f"grad_position {p} is out of range for a function called with "
                             f"{nargs} positional argument{'s' if nargs != 1 else ''}")
    normalized = tuple(p % nargs for p in positions)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"grad_position contains duplicate positions: {positions}")
    return normalized, single


def _weights(weights):
    if weights is None:
        return None, False
    single = isinstance(weights, Tensor)
    ws = [weights] if single else list(weights)
    for w in ws:
        if not isinstance(w, Tensor):
            raise TypeError(f"weights must be Parameters (tensors), got {type(w).__name__}")
        if not w._requires_grad:
            raise ValueError(f"weights must require grad: a weight of shape "
                             f"{list(w._data.shape)} has requires_grad=False")
    return ws, single


def _grad_impl(fn, grad_position, weights, has_aux, with_value):
    if grad_position is None and weights is None:
        raise ValueError("`grad_position` and `weights` can not be None at the same time.")

    def transformed(*args):
        positions = _positions(grad_position, len(args))
        ws, single_w = _weights(weights)
        args = list(args)
        trees, inputs = [], []
        for p in positions[0] if positions else ():
            flat, tree = tree_flatten(args[p])
            ts = [_differentiable_input(x) for x in flat]
            trees.append(tree)
            inputs.extend(ts)
            args[p] = tree_unflatten(tree, ts)
        result = _call(fn, *args)
        if has_aux:
            if not isinstance(result, tuple) or len(result) < 2:
                raise ValueError("With has_aux=True the function must return a tuple of at "
                                 "least two outputs: the one to differentiate, then the "
                                 "auxiliary ones.")
            target, aux = result[0], tuple(result[1:])
        else:
            target, aux = result, None
        outs = [_to_tensor(o, "output") for o in tree_flatten(target)[0]]
        for o in outs:
            if o._data.dtype.kind != "f":
                raise TypeError(f"grad: the function's output must be floating point, got "
                                f"{_dtype.from_numpy(o._data.dtype).name}")
        # Several outputs (or a non-scalar one) contribute the gradient of their sum, as in
        # MindSpore: each is seeded with ones.
        cts = [graph.wrap(np.ones_like(o._data)) for o in outs]
        targets = inputs + (ws or [])
        grads = _backward(outs, targets, cts, retain=False) if targets else []
        input_grads = None
        if positions:
            k, grouped = 0, []
            for tree in trees:
                n = tree.num_leaves
                grouped.append(tree_unflatten(tree, grads[k:k + n]))
                k += n
            input_grads = grouped[0] if positions[1] else tuple(grouped)
        weight_grads = None
        if ws is not None:
            wg = grads[len(inputs):]
            weight_grads = wg[0] if single_w else tuple(wg)
        if input_grads is not None and weight_grads is not None:
            grads_out = (input_grads, weight_grads)
        else:
            grads_out = input_grads if input_grads is not None else weight_grads
        if with_value:
            value = (target, *aux) if has_aux else target
            return _cut(value) if not _nested() else value, grads_out
        return (grads_out, _cut(aux)) if has_aux else grads_out

    return functools.wraps(fn)(transformed)


def grad(fn, grad_position=0, weights=None, has_aux: bool = False, *, argnums=None):
    """A function returning the gradient of ``fn`` (MindSpore's ``ops.grad``).

    ``grad_position``: int, tuple of ints or None (``argnums`` is JAX's name for it);
    ``weights``: a Parameter or a list of them (e.g. ``model.trainable_params()``). With both,
    the result is ``(input_grads, weight_grads)``. Several outputs give the gradient of their
    sum; ``has_aux=True`` differentiates the first output only and returns
    ``(grads, (aux, ...))`` with the other outputs cut from the graph.
    """
    if argnums is not None:
        grad_position = argnums
    return _grad_impl(fn, grad_position, weights, has_aux, with_value=False)


def value_and_grad(fn, grad_position=0, weights=None, has_aux: bool = False, *, argnums=None):
    """Like ``grad`` but returns ``(value, grads)``, where value is ``fn``'s output."""
    if argnums is not None:
        grad_position = argnums
    return _grad_impl(fn, grad_position, weights, has_aux, with_value=True)


# ---------------------------------------------------------------- Jacobians and Hessians
def _argnums(argnums, nargs):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    return tuple(a % nargs for a in nums), single


def _basis(t: Tensor):
    """The standard basis of ``t``'s space, one tensor at a time."""
    data = t._data
    for i in range(data.size):
        e = np.zeros(data.size, data.dtype)
        e[i] = 1
        yield graph.wrap(e.reshape(data.shape))


def _stack_rows(rows, lead_shape, trail_shape):
    from .ops.shape import reshape, stack
    if not rows:
        return graph.wrap(np.zeros(tuple(lead_shape) + tuple(trail_shape)))
    return reshape(stack(rows), tuple(lead_shape) + tuple(trail_shape))


def _partial(fn, args, nums):
    """``fn`` as a function of the arguments at positions ``nums`` only."""

    def partial(*xs):
        a = list(args)
        for n, x in zip(nums, xs):
            a[n] = x
        return fn(*a)

    return partial


def jacrev(fn, argnums=0, has_aux: bool = False):
    """Jacobian by reverse mode: one backward pass per output element. For each output (a
    pytree of them is kept) a tensor of shape ``out.shape + in.shape``, or a tuple of them
    over ``argnums`` when it is a tuple."""

    def jac(*args):
        nums, single = _argnums(argnums, len(args))
        res = vjp(_partial(fn, args, nums), *[args[n] for n in nums], has_aux=has_aux)
        out_flat, out_tree = tree_flatten(res[0])
        out_flat = [_to_tensor(o, "output") for o in out_flat]
        ins = [_to_tensor(args[n]) for n in nums]
        leaves = []
        for k, o in enumerate(out_flat):
            rows = []
            for e in _basis(o):
                cot = [e if j == k else _zeros_like(p) for j, p in enumerate(out_flat)]
                rows.append(res[1](tree_unflatten(out_tree, cot)))
            jacs = tuple(_stack_rows([r[m] for r in rows], o._data.shape, x._data.shape)
                         for m, x in enumerate(ins))
            leaves.append(jacs[0] if single else jacs)
        result = tree_unflatten(out_tree, leaves)
        return (result, res[2]) if has_aux else result

    return jac


def jacfwd(fn, argnums=0, has_aux: bool = False):
    """Jacobian by forward mode: every column in one forward pass, the tangents carrying all
    directions of an input at once. Structured like ``jacrev``'s result."""
    from .ops.shape import permute, reshape

    def jac(*args):
        nums, single = _argnums(argnums, len(args))
        ins = [_to_tensor(args[n]) for n in nums]
        per_input, aux, out_tree = [], None, None
        for m, x in enumerate(ins):
            size = x._data.size
            tangents = tuple(
                graph.wrap(np.eye(size, dtype=p._data.dtype).reshape((size,) + p._data.shape))
                if j == m else graph.wrap(np.zeros((size,) + p._data.shape, p._data.dtype))
                for j, p in enumerate(ins))
            res = jvp(_partial(fn, args, nums), tuple(args[n] for n in nums), tangents,
                      has_aux=has_aux, _batch=size)
            outs, out_tree = tree_flatten(res[0])
            if has_aux:
                aux = res[2]
            jacs = []
            for o, t in zip(outs, tree_flatten(res[1])[0]):
                nd = o._data.ndim
                moved = permute(t, tuple(range(1, nd + 1)) + (0,))  # directions last
                jacs.append(reshape(moved, o._data.shape + x._data.shape))
            per_input.append(jacs)
        leaves = [per_input[0][k] if single else tuple(j[k] for j in per_input)
                  for k in range(len(per_input[0]))]
        result = tree_unflatten(out_tree, leaves)
        return (result, aux) if has_aux else result

    return jac


def hessian(fn, argnums=0):
    """Hessian as forward-over-reverse: ``jacfwd(jacrev(fn))``."""
    return jacfwd(jacrev(fn, argnums), argnums)


def hvp(fn, primals, tangents):
    """Hessian-vector product of a scalar function, structured like ``primals``
    (forward-over-reverse: one forward pass through the gradient)."""
    if not isinstance(primals, (tuple, list)):
        primals, tangents = (primals,), (tangents,)
    positions = tuple(range(len(primals)))
    g = grad(fn, positions)
    _, tangent = jvp(lambda *xs: g(*xs), tuple(primals), tuple(tangents))
    return tangent if len(primals) > 1 else tangent[0]
