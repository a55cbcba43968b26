"""Every registered primitive, checked against numerical differentiation in float64: its VJP
and JVP rules, on broadcasting shapes, at first and second order. Driven by the registry, so a
new primitive is covered without a hand-written test, and one without test metadata fails."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd.checks import check_primitive
from chainrule.ops import PRIMITIVES

DIFFERENTIABLE = sorted(name for name, p in PRIMITIVES.items() if p.differentiable)
NON_DIFFERENTIABLE = sorted(name for name, p in PRIMITIVES.items() if not p.differentiable)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_rules_match_numerical_derivatives(name):
    prim = PRIMITIVES[name]
    assert prim.test is not None, f"primitive {name!r} has no test metadata"
    assert prim.jvps is not None, f"primitive {name!r} has no JVP rule"
    rng = np.random.default_rng(sum(map(ord, name)))
    cases = prim.test(rng)
    assert cases, f"primitive {name!r} has no test cases"
    for args, params in cases:
        check_primitive(prim, args, params, rng)


@pytest.mark.parametrize("name", NON_DIFFERENTIABLE)
def test_non_differentiable_results_do_not_require_grad(name):
    prim = PRIMITIVES[name]
    x = cr.tensor([0.5, -1.5, 2.0], dtype=cr.float64, requires_grad=True)
    nin = prim.forward.nin if isinstance(prim.forward, np.ufunc) else 1
    params = {} if isinstance(prim.forward, np.ufunc) else {"axis": 0, "keepdims": False}
    out = prim(*([x] * nin), **params)
    assert not out.requires_grad and out.grad_fn is None


def test_registry_has_the_core_primitives():
    expected = {"add", "sub", "mul", "div", "pow", "exp", "log", "sin", "tanh", "sum", "mean",
                "amax", "reshape", "permute", "broadcast_to", "cat", "index", "matmul", "einsum"}
    assert expected <= set(PRIMITIVES)


def _sin_with(**rules):
    from chainrule.ops._table import Primitive

    bad = Primitive()
    for slot in Primitive.__slots__:
        setattr(bad, slot, getattr(PRIMITIVES["sin"], slot))
    for name, rule in rules.items():
        setattr(bad, name, rule)
    return bad


def _cos_as_constant(x):
    """cos(x) computed outside the graph: right values, but not differentiable again."""
    from chainrule.autograd import graph
    return graph.wrap(np.cos(x._data)) if isinstance(x, cr.Tensor) else np.cos(x)


@pytest.mark.parametrize("rules", [
    {"vjps": (lambda g, ans, x: g * 2.0,)},
    {"jvps": (lambda t, ans, x: t * 2.0,)},
    {"vjps": (lambda g, ans, x: g * _cos_as_constant(x),)},
    {"jvps": (lambda t, ans, x: t * _cos_as_constant(x),)},
], ids=["wrong VJP", "wrong JVP", "VJP not differentiable", "JVP not differentiable"])
def test_a_wrong_rule_is_caught(rules):
    """The checker fails on a primitive whose rule is wrong, at first or second order."""
    from chainrule.autograd.checks import GradcheckError

    rng = np.random.default_rng(0)
    with pytest.raises(GradcheckError):
        check_primitive(_sin_with(**rules), [rng.standard_normal((3,))], {}, rng)
