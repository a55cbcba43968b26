"""Custom differentiable operations: PyTorch's ``autograd.Function`` and JAX's
``custom_vjp`` / ``custom_jvp``.

A Function becomes a primitive of its own (outside the registry) whose rules call the user's
``backward`` and ``jvp``, so the engine, forward mode and every transform treat it like any
other op. Functions with several outputs get one node per output; their ``backward`` is linear
in the output gradients, so each node passes zeros for the others.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import forward_ad, graph
from .grad_mode import _state as _grad_state


class FunctionCtx:
    """What ``forward`` leaves for ``backward`` / ``jvp``."""

    def __init__(self) -> None:
        self.saved_tensors_ = ()
        self.needs_input_grad = ()
        self.non_differentiable = set()
        self.materialize_grads = True
        self._outputs = ()
        self._cache = None
        self._cls = None

    def save_for_backward(self, *tensors) -> None:
        self.saved_tensors_ = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The saved tensors; a saved output comes back attached to this Function's node, so
        a backward that uses it can be differentiated again."""
        out = []
        for t in self.saved_tensors_:
            if isinstance(t, _SavedOutput):
                node = t.node()
                out.append(graph.wrap(t.data, node) if node is not None else graph.wrap(t.data))
            else:
                out.append(t)
        return tuple(out)

    def save_for_forward(self, *tensors) -> None:
        self.saved_tensors_ = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self.non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value

    def mark_dirty(self, *tensors) -> None:
        """Accepted for compatibility; in-place forwards are not tracked specially."""


class _SavedOutput:
    """A saved output, kept as its array and a weak reference to its node: the ctx lives in
    that node, so a strong reference would be a cycle."""

    __slots__ = ("data", "node")

    def __init__(self, data, node) -> None:
        self.data = data
        self.node = weakref.ref(node)


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``
    (optionally ``jvp(ctx, *tangents)``), then call ``MyFunction.apply(*args)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = graph.Tensor
        ctx = FunctionCtx()
        ctx._cls = cls
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx._last_input = max((i for i, n in enumerate(ctx.needs_input_grad) if n), default=-1)
        prev_grad, prev_limit = _grad_state.enabled, forward_ad._state.limit
        _grad_state.enabled = False
        forward_ad._state.limit = 0  # the forward runs on primals only
        try:
            result = cls.forward(ctx, *args, **kwargs)
        finally:
            _grad_state.enabled = prev_grad
            forward_ad._state.limit = prev_limit
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        ctx._outputs = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None
                             for o in outputs)
        prim = _primitive(cls)
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        wrapped = []
        for k, o in enumerate(outputs):
            if not isinstance(o, Tensor) or id(o) in ctx.non_differentiable or \
                    o._data.dtype.kind != "f":
                wrapped.append(o)
                continue
            wrapped.append(graph.record(prim, o._data, args, arrays,
                                        {"ctx": ctx, "output": k}))
        by_id = {id(o): w for o, w in zip(outputs, wrapped) if w is not o}
        ctx.saved_tensors_ = tuple(
            _SavedOutput(by_id[id(t)]._data, by_id[id(t)].grad_fn)
            if id(t) in by_id and by_id[id(t)].grad_fn is not None else t
            for t in ctx.saved_tensors_)
        return wrapped[0] if single else tuple(wrapped)


def _primitive(cls):
    prim = cls.__dict__.get("_chainrule_primitive")
    if prim is None:
        from ..ops._table import SAVE_NOTHING, Variadic, defprim
        prim = defprim(cls.__name__, None, vjps=Variadic(_function_vjp),
                       jvps=Variadic(_function_jvp), save=SAVE_NOTHING,
                       node_name=f"{cls.__name__}Backward", register=False)
        prim.forward = _no_direct_call
        cls._chainrule_primitive = prim
    return prim


def _no_direct_call(*args, **params):
    raise RuntimeError("a custom Function's primitive is applied through Function.apply")


def _grad_outputs(ctx, k, g):
    """Output gradients for ``backward``: ``g`` for output k, zeros for the others."""
    Tensor = graph.Tensor
    outs = []
    for j, meta in enumerate(ctx._outputs):
        if j == k:
            outs.append(g if isinstance(g, Tensor) else graph.wrap(g))
        elif meta is None:
            outs.append(None)
        else:
            outs.append(graph.wrap(np.zeros(meta[0], meta[1])) if ctx.materialize_grads
                        else None)
    return outs


def _function_vjp(i, g, ans, *inputs, ctx, output):
    """Gradient for input i: the user's backward runs once per (output, gradient)."""
    cache = ctx._cache
    if cache is None or cache[0] != output or cache[1] is not g:
        cls = ctx._cls
        grads = cls.backward(ctx, *_grad_outputs(ctx, output, g))
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(inputs):
            raise RuntimeError(f"function {cls.__name__}Backward returned an incorrect number "
                               f"of gradients (expected {len(inputs)}, got {len(grads)})")
        ctx._cache = cache = (output, g, grads)
    gi = cache[2][i]
    if i == ctx._last_input:
        ctx._cache = None  # the engine asks inputs in order: the last one frees the cache
    if gi is None:
        return None
    if not isinstance(g, graph.Tensor):
        return gi._data if isinstance(gi, graph.Tensor) else np.asarray(gi)
    return gi


def _function_jvp(i, t, ans, *inputs, ctx, output):
    """Tangent of output ``output`` from input i's tangent (zeros for the other inputs)."""
    Tensor = graph.Tensor
    tangents = [t if j == i else (graph.wrap(np.zeros_like(a._data)) if isinstance(a, Tensor)
                                  else None) for j, a in enumerate(inputs)]
    out = ctx._cls.jvp(ctx, *tangents)
    if isinstance(out, tuple):
        out = out[output]
    return out


class _CustomRule:
    """What custom_vjp and custom_jvp share: the wrapped function's name and docstring, and one
    Function built from the rules on first call (and rebuilt when the rules change)."""

    _missing = ""

    def __init__(self, fun) -> None:
        self.fun = fun
        self._function = None
        self.__name__ = getattr(fun, "__name__", type(self).__name__)
        self.__doc__ = getattr(fun, "__doc__", None)

    def _ready(self) -> bool:
        raise NotImplementedError

    def __call__(self, *args):
        if not self._ready():
            raise RuntimeError(self._missing.format(name=self.__name__))
        if self._function is None:
            self._function = self._make_function()
            self._function.__name__ = self.__name__
        return self._function.apply(*args)


class custom_vjp(_CustomRule):
    """JAX's ``custom_vjp``: ``f.defvjp(f_fwd, f_bwd)`` where ``f_fwd(*args)`` returns
    ``(out, residuals)`` and ``f_bwd(residuals, g)`` a tuple with one gradient per argument."""

    _missing = "No VJP defined for custom_vjp function {name} using defvjp."

    def __init__(self, fun) -> None:
        super().__init__(fun)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd) -> None:
        self.fwd, self.bwd = fwd, bwd
        self._function = None

    def _ready(self) -> bool:
        return self.fwd is not None

    def _make_function(self):
        """The Function (made once) whose forward and backward are fwd and bwd."""
        owner = self

        class _Fn(Function):
            @staticmethod
            def forward(ctx, *xs):
                out, ctx.residuals = owner.fwd(*xs)
                return out

            @staticmethod
            def backward(ctx, *gs):
                grads = owner.bwd(ctx.residuals, gs[0] if len(gs) == 1 else gs)
                if not isinstance(grads, tuple):
                    raise TypeError(f"Custom VJP bwd rule must produce a tuple, got "
                                    f"{type(grads).__name__}")
                return grads

            @staticmethod
            def jvp(ctx, *tangents):
                raise NotImplementedError(f"can't apply forward-mode autodiff (jvp) to a "
                                          f"custom_vjp function ({owner.__name__}).")

        return _Fn


class custom_jvp(_CustomRule):
    """JAX's ``custom_jvp``: ``@f.defjvp`` on ``f_jvp(primals, tangents)`` returning
    ``(out, tangent_out)``. Reverse mode comes from the same rule: it is linear in the
    tangents, so its transpose is a gradient with respect to them."""

    _missing = "No JVP defined for custom_jvp function {name} using defjvp."

    def __init__(self, fun) -> None:
        super().__init__(fun)
        self.jvp_rule = None

    def defjvp(self, jvp_rule):
        self.jvp_rule = jvp_rule
        self._function = None
        return jvp_rule

    def _ready(self) -> bool:
        return self.jvp_rule is not None

    def _make_function(self):
        """The Function (made once) whose forward is fun and whose rules come from jvp_rule."""
        owner = self

        class _Fn(Function):
            @staticmethod
            def forward(ctx, *xs):
                ctx.primals = xs
                return owner.fun(*xs)

            @staticmethod
            def jvp(ctx, *tangents):
                return owner.jvp_rule(ctx.primals, tangents)[1]

            @staticmethod
            def backward(ctx, *gs):
                from . import grad
                Tensor = graph.Tensor
                # The primals stay attached to their graph, so that this gradient can be
                # differentiated again (second derivatives through a custom_jvp).
                tangents = [graph.wrap(np.zeros_like(p._data)) if isinstance(p, Tensor)
                            else None for p in ctx.primals]
                wanted = [t for t in tangents if t is not None]
                for t in wanted:
                    t.requires_grad = True
                recorded = _grad_state.enabled
                _grad_state.enabled = True
                try:
                    tangent_out = owner.jvp_rule(tuple(ctx.primals), tuple(tangents))[1]
                    gs_ = grad(tangent_out, wanted, gs[0], allow_unused=True,
                               create_graph=recorded, retain_graph=recorded)
                finally:
                    _grad_state.enabled = recorded
                it = iter(gs_)
                return tuple(next(it) if t is not None else None for t in tangents)

        return _Fn
