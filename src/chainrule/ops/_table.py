"""The primitive table: one record per primitive with its forward, its reverse (VJP) rule per
input, its forward (JVP) rule per input, and the metadata its gradient test needs.

Rules have the signature ``rule(g, ans, *inputs, **params)`` (for a JVP rule ``g`` is the
input's tangent). They are written with operators and other primitives only, so the same rule
runs on NumPy arrays during a plain backward pass and on Tensors (recorded, so differentiable
again) when ``create_graph=True``. Rules never unbroadcast: the engine sums each gradient down
to its input's shape.
"""

from __future__ import annotations

from collections.abc import Callable

PRIMITIVES: dict[str, Primitive] = {}

# What a node keeps for the backward pass of a primitive.
SAVE_NOTHING, SAVE_SHAPES, SAVE_INPUTS = 0, 1, 2


class Primitive:
    """A differentiable operation known to the engine by its rules, not by its name."""

    __slots__ = (
        "batch_jvp",
        "differentiable",
        "forward",
        "jvps",
        "name",
        "node_name",
        "save",
        "save_ans",
        "test",
        "view",
        "vjps",
    )

    def __call__(self, *args, **params):
        """Apply to arrays (returns an array) or to Tensors (returns a recorded Tensor)."""
        for a in args:
            if isinstance(a, _Tensor):
                return _apply(self, args, params)
        return self.forward(*args, **params)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


class Variadic:
    """The rules of a primitive with any number of inputs: ``rules[i]`` binds the input index,
    so the engine indexes rules the same way for every primitive."""

    __slots__ = ("rule",)

    def __init__(self, rule: Callable) -> None:
        self.rule = rule

    def __getitem__(self, i: int) -> Callable:
        rule = self.rule
        return lambda g, ans, *inputs, **params: rule(i, g, ans, *inputs, **params)


def defprim(name: str, forward: Callable, *, vjps=None, jvps=None, elementwise: bool = False,
            multilinear: bool = False, save: int = SAVE_INPUTS, save_ans: bool = False,
            view: bool = False, differentiable: bool = True, node_name=None,
            test=None, register: bool = True, batch_jvp=None) -> Primitive:
    """Declare a primitive.

    vjps: one rule per input (a tuple, or a ``Variadic``); None for a non-differentiable op.
    jvps: one rule per input. ``elementwise=True`` means the Jacobian is diagonal, so each JVP
    rule is its VJP rule. ``multilinear=True`` means the op is linear in each input separately,
    so the JVP for input i is the op itself with the tangent in place of input i.
    save: what the backward pass needs of the inputs (nothing, their shapes, or their values);
    save_ans: whether it needs the output. view: the output shares memory with input 0.
    test: a callable ``rng -> [(args, params), ...]`` of float64 cases for the registry test.
    node_name: PyTorch's name for the node (default from ``name``), or a function of the
    params where PyTorch's name depends on them (``SumBackward1`` when a dim is given).
    register: False for the primitives of user-defined Functions, which stay out of the table.
    batch_jvp: ``(i, t, ans, *inputs, **params)`` for a tangent ``t`` that carries several
    directions along a leading dimension; needed where the JVP rule depends on axes or shapes
    (elementwise primitives need none; without one, directions are done one at a time).
    """
    if register and name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is already registered")
    p = Primitive()
    p.name = name
    p.node_name = node_name or "".join(w.capitalize() for w in name.split("_")) + "Backward0"
    p.forward = forward
    p.vjps = vjps
    if jvps is None and vjps is not None:
        if elementwise:
            jvps = vjps
        elif multilinear:
            jvps = _MultilinearJvp(p)
    p.jvps = jvps
    p.differentiable = differentiable and vjps is not None
    p.save = save if p.differentiable else SAVE_NOTHING
    p.save_ans = save_ans and p.differentiable
    p.view = view
    p.test = test
    p.batch_jvp = batch_jvp
    if register:
        PRIMITIVES[name] = p
    return p


class _MultilinearJvp:
    """JVP rules of an op linear in each input: apply the op with the tangent substituted."""

    __slots__ = ("prim",)

    def __init__(self, prim: Primitive) -> None:
        self.prim = prim

    def __getitem__(self, i: int) -> Callable:
        prim = self.prim

        def jvp(t, ans, *inputs, **params):
            args = list(inputs)
            args[i] = t
            return prim(*args, **params)

        return jvp


_Tensor = None
_apply = None


def _bind(tensor_cls, apply) -> None:
    """Called once by the core: the table needs the Tensor type and the recorder."""
    global _Tensor, _apply
    _Tensor = tensor_cls
    _apply = apply
