"""Gradient checks as public API: ``chainrule.autograd.gradcheck`` / ``gradgradcheck``
(PyTorch's signature, reverse and forward mode) and ``chainrule.testing.check_grads``.

A checker is tested both ways: it accepts correct derivatives and it rejects rules that are
wrong on purpose (custom Functions, custom_vjp, custom_jvp with known mistakes).
"""

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function, GradcheckError, gradcheck, gradgradcheck
from chainrule.testing import check_grads


def T(a, requires_grad=True):
    return cr.tensor(np.array(a, np.float64), requires_grad=requires_grad)


X0 = np.array([0.5, -1.0, 2.0])


def test_gradcheck_error_type():
    assert issubclass(GradcheckError, RuntimeError)
    assert cr.testing.GradcheckError is GradcheckError


# ---------------------------------------------------------------- correct functions pass
CORRECT = {
    "sin_exp": (lambda x, y: cr.sin(x) * cr.exp(y), [(3,), (3,)]),
    "matmul_tanh": (lambda a, b: cr.tanh(a @ b), [(2, 3), (3, 2)]),
    "softmax": (lambda x: cr.softmax(x, -1), [(2, 4)]),
    "logsumexp_axis": (lambda x: cr.logsumexp(x, 0), [(3, 2)]),
    "reduction_axes": (lambda x, y: (x ** 2).sum(1) * y.mean(0), [(3, 4), (2, 3)]),
    "indexing": (lambda x: x[[0, 2, 0]] * x[1], [(3, 2)]),
}


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [T(rng.uniform(0.5, 1.5, s)) for s in shapes]


@pytest.mark.parametrize("name", CORRECT)
def test_gradcheck_accepts_correct_functions(name):
    fn, shapes = CORRECT[name]
    inputs = _inputs(shapes)
    assert gradcheck(fn, inputs) is True
    assert gradcheck(fn, inputs, check_forward_ad=True) is True
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False) is True


@pytest.mark.parametrize("name", CORRECT)
def test_gradgradcheck_accepts_correct_functions(name):
    fn, shapes = CORRECT[name]
    assert gradgradcheck(fn, _inputs(shapes)) is True


@pytest.mark.parametrize("name", CORRECT)
def test_check_grads_accepts_correct_functions(name):
    fn, shapes = CORRECT[name]
    rng = np.random.default_rng(1)
    args = [rng.uniform(0.5, 1.5, s) for s in shapes]
    check_grads(fn, args, order=2)                       # both modes, second order
    check_grads(fn, args, order=1, modes=("rev",))
    check_grads(fn, [cr.tensor(a) for a in args], order=2, modes=("fwd",))


def test_gradcheck_only_differentiates_inputs_that_require_grad():
    x = T(X0)
    y = T([1.0, 2.0, 3.0], requires_grad=False)
    assert gradcheck(lambda x, y: x * y ** 2, (x, y)) is True
    with pytest.raises(ValueError):
        gradcheck(lambda y: y * 2, (y,))


# ---------------------------------------------------------------- wrong rules are caught
class CubeWrongBackward(Function):
    """x^3 whose backward says 2 x^2 (wrong) and whose jvp says 3 x^2 (right)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x ** 2 * g

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * t


class CubeWrongJvp(Function):
    """x^3 whose backward is right and whose jvp is wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * g

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return 3 * x * t


class CubeFirstOrderOnly(Function):
    """Right first derivatives in both modes, computed outside the graph: the second
    derivative seen through them is zero, which is wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return cr.tensor(3 * x.detach().numpy() ** 2 * g.detach().numpy())

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return cr.tensor(3 * x.detach().numpy() ** 2 * t.detach().numpy())


def test_gradcheck_catches_a_wrong_backward():
    with pytest.raises(GradcheckError):
        gradcheck(CubeWrongBackward.apply, (T(X0),))
    assert gradcheck(CubeWrongBackward.apply, (T(X0),), raise_exception=False) is False
    # a wrong gradient for one of two inputs
    with pytest.raises(GradcheckError):
        gradcheck(lambda x, y: CubeWrongBackward.apply(x) * y, (T(X0), T([1.0, 2.0, 3.0])))


def test_gradcheck_forward_ad():
    # the wrong jvp is only seen when forward mode is checked
    assert gradcheck(CubeWrongJvp.apply, (T(X0),)) is True
    with pytest.raises(GradcheckError):
        gradcheck(CubeWrongJvp.apply, (T(X0),), check_forward_ad=True)
    assert gradcheck(CubeWrongJvp.apply, (T(X0),), check_forward_ad=True,
                     raise_exception=False) is False
    # and the wrong backward is not excused by a right jvp
    assert gradcheck(CubeWrongBackward.apply, (T(X0),), check_forward_ad=True,
                     check_backward_ad=False) is True
    assert gradcheck(CubeWrongBackward.apply, (T(X0),), check_forward_ad=True,
                     raise_exception=False) is False


def test_gradgradcheck_catches_a_wrong_second_derivative():
    # first order is right
    assert gradcheck(CubeFirstOrderOnly.apply, (T(X0),), check_forward_ad=True) is True
    with pytest.raises(GradcheckError):
        gradgradcheck(CubeFirstOrderOnly.apply, (T(X0),))
    assert gradgradcheck(CubeFirstOrderOnly.apply, (T(X0),), raise_exception=False) is False
    with pytest.raises(GradcheckError):
        gradgradcheck(CubeFirstOrderOnly.apply, (T(X0),),
                      grad_outputs=(cr.tensor([1.0, -1.0, 0.5]),))


def test_check_grads_order_two_catches_a_wrong_second_derivative():
    check_grads(CubeFirstOrderOnly.apply, [X0], order=1)
    for modes in (("fwd",), ("rev",), ("fwd", "rev")):
        with pytest.raises(GradcheckError):
            check_grads(CubeFirstOrderOnly.apply, [X0], order=2, modes=modes)


def test_check_grads_catches_wrong_function_rules():
    with pytest.raises(GradcheckError):
        check_grads(CubeWrongBackward.apply, [X0], order=1, modes=("rev",))
    check_grads(CubeWrongBackward.apply, [X0], order=1, modes=("fwd",))
    with pytest.raises(GradcheckError):
        check_grads(CubeWrongJvp.apply, [X0], order=1, modes=("fwd",))
    check_grads(CubeWrongJvp.apply, [X0], order=1, modes=("rev",))


# ---------------------------------------------------------------- custom_vjp / custom_jvp
@cr.custom_vjp
def sin_good_vjp(x):
    return cr.sin(x)


sin_good_vjp.defvjp(lambda x: (cr.sin(x), x), lambda x, g: (cr.cos(x) * g,))


@cr.custom_vjp
def sin_bad_vjp(x):
    return cr.sin(x)


sin_bad_vjp.defvjp(lambda x: (cr.sin(x), x), lambda x, g: (-cr.cos(x) * g,))


@cr.custom_jvp
def sin_good_jvp(x):
    return cr.sin(x)


@sin_good_jvp.defjvp
def _good(primals, tangents):
    return cr.sin(primals[0]), cr.cos(primals[0]) * tangents[0]


@cr.custom_jvp
def sin_bad_jvp(x):
    return cr.sin(x)


@sin_bad_jvp.defjvp
def _bad(primals, tangents):
    return cr.sin(primals[0]), 2 * cr.cos(primals[0]) * tangents[0]


def test_check_grads_catches_a_wrong_custom_vjp_in_reverse_mode():
    check_grads(sin_good_vjp, [X0], order=2, modes=("rev",))
    with pytest.raises(GradcheckError):
        check_grads(sin_bad_vjp, [X0], order=1, modes=("rev",))
    with pytest.raises(GradcheckError):
        check_grads(sin_bad_vjp, [X0], order=2, modes=("rev",))
    assert gradcheck(sin_good_vjp, (T(X0),)) is True
    assert gradcheck(sin_bad_vjp, (T(X0),), raise_exception=False) is False


def test_check_grads_catches_a_wrong_custom_jvp_in_forward_mode():
    check_grads(sin_good_jvp, [X0], order=2, modes=("fwd",))
    with pytest.raises(GradcheckError):
        check_grads(sin_bad_jvp, [X0], order=1, modes=("fwd",))
    with pytest.raises(GradcheckError):
        check_grads(sin_bad_jvp, [X0], order=2, modes=("fwd",))
    # the reverse mode of a custom_jvp comes from its rule, so it is wrong as well
    with pytest.raises(GradcheckError):
        check_grads(sin_bad_jvp, [X0], order=1, modes=("rev",))
    assert gradcheck(sin_good_jvp, (T(X0),), check_forward_ad=True) is True
    assert gradcheck(sin_bad_jvp, (T(X0),), check_forward_ad=True,
                     raise_exception=False) is False


def test_check_grads_second_order_of_a_correct_custom_jvp():
    # A correct custom_jvp rule is differentiable to any order, in both modes.
    check_grads(sin_good_jvp, [X0], order=2)


def test_check_grads_several_arguments_and_tensor_args():
    def f(x, w, b):
        return cr.tanh(x @ w + b).sum(0)

    rng = np.random.default_rng(7)
    args = [rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)]
    check_grads(f, args, order=2)
    check_grads(f, [cr.tensor(a) for a in args], order=1, modes=("fwd", "rev"))

    def wrong(x, w, b):   # the gradient of b is wrong (custom rule with a factor 2)
        return cr.tanh(x @ w + _double_grad(b)).sum(0)

    with pytest.raises(GradcheckError):
        check_grads(wrong, args, order=1, modes=("rev",))


@cr.custom_vjp
def _double_grad(x):
    return x * 1.0


_double_grad.defvjp(lambda x: (x * 1.0, None), lambda res, g: (2 * g,))
