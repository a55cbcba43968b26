"""Custom differentiable operations: PyTorch's ``autograd.Function`` (save_for_backward,
saved_tensors, needs_input_grad, mark_non_differentiable, several outputs, optional jvp, double
backward) and JAX's ``custom_vjp`` / ``custom_jvp``, through every transform.

Expected values are derived by hand (closed-form derivatives). Several rules are deliberately
*not* the derivative of the forward computation (straight-through estimators, scaled
gradients), so that a result can only come from the custom rule.
"""

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function


def A(t):
    return t.detach().numpy() if isinstance(t, cr.Tensor) else np.asarray(t)


def close(actual, expected, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(A(actual), expected, rtol=rtol, atol=atol)


def T(a, requires_grad=False):
    return cr.tensor(np.array(a, np.float64), requires_grad=requires_grad)


X0 = np.array([0.3, -1.2, 0.8, 2.0])


# ---------------------------------------------------------------- autograd.Function
class ExpSavingOutput(Function):
    @staticmethod
    def forward(ctx, x):
        y = cr.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y   # differentiable ops on the saved output: double backward works


CALLS = {"backward": 0, "jvp": 0}


class CubeSavingInput(Function):

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        CALLS["backward"] += 1
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * g

    @staticmethod
    def jvp(ctx, t):
        CALLS["jvp"] += 1
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * t


class NoJvpSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


def test_function_saving_output():
    x = T(X0, requires_grad=True)
    y = ExpSavingOutput.apply(x)
    assert y.requires_grad and y.grad_fn is not None
    close(y, np.exp(X0))
    y.sum().backward()
    close(x.grad, np.exp(X0))
    # grad transform
    close(cr.grad(lambda x: ExpSavingOutput.apply(x).sum())(X0), np.exp(X0))


def test_function_saving_input_and_weighted_upstream():
    x = T(X0, requires_grad=True)
    u = np.array([1.0, -2.0, 0.5, 3.0])
    (CubeSavingInput.apply(x) * T(u)).sum().backward()
    close(x.grad, 3 * X0 ** 2 * u)


@pytest.mark.parametrize("fn, d1, d2, d3", [
    (ExpSavingOutput, np.exp, np.exp, np.exp),
    (CubeSavingInput, lambda x: 3 * x ** 2, lambda x: 6 * x, lambda x: 6 + 0 * x),
])
def test_function_double_and_triple_backward(fn, d1, d2, d3):
    x = T(X0, requires_grad=True)
    (g,) = cr.autograd.grad(fn.apply(x).sum(), x, create_graph=True)
    close(g, d1(X0))
    assert g.requires_grad
    (h,) = cr.autograd.grad(g.sum(), x, create_graph=True)
    close(h, d2(X0))
    h.sum().backward()
    close(x.grad, d3(X0))
    # the same through the functional transforms
    gg = cr.grad(lambda x: cr.grad(lambda y: fn.apply(y).sum())(x).sum())(X0)
    close(gg, d2(X0))
    H = cr.jacrev(cr.jacrev(lambda x: fn.apply(x).sum()))(X0)
    close(H, np.diag(d2(X0)))


def test_needs_input_grad():
    seen = {}

    class ScaledMul(Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            seen["forward"] = ctx.needs_input_grad
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            seen["backward"] = ctx.needs_input_grad
            a, b = ctx.saved_tensors
            ga = g * b * ctx.scale if ctx.needs_input_grad[0] else None
            gb = g * a * ctx.scale if ctx.needs_input_grad[1] else None
            return ga, gb, None

    a = T([1.0, 2.0], requires_grad=True)
    b = T([3.0, -4.0])
    ScaledMul.apply(a, b, 0.5).sum().backward()
    assert tuple(seen["forward"]) == (True, False, False)
    assert tuple(seen["backward"]) == (True, False, False)
    close(a.grad, [1.5, -2.0])
    assert b.grad is None
    b2 = T([3.0, -4.0], requires_grad=True)
    a2 = T([1.0, 2.0])
    ScaledMul.apply(a2, b2, 2.0).sum().backward()
    assert tuple(seen["backward"]) == (False, True, False)
    close(b2.grad, [2.0, 4.0])
    # nothing requires grad: the output does not either, backward is never needed
    out = ScaledMul.apply(T([1.0]), T([2.0]), 3.0)
    assert not out.requires_grad
    close(out, [6.0])


class SortWithIndices(Function):
    @staticmethod
    def forward(ctx, x):
        idx = np.argsort(A(x), kind="stable")
        values = cr.tensor(A(x)[idx])
        indices = cr.tensor(idx)
        ctx.mark_non_differentiable(indices)
        ctx.idx = idx
        ctx.n = A(x).size
        return values, indices

    @staticmethod
    def backward(ctx, g_values, g_indices):
        out = np.zeros(ctx.n)
        out[ctx.idx] = A(g_values)
        return cr.tensor(out)


def test_mark_non_differentiable_sort():
    x = T([3.0, -1.0, 2.0, 0.5], requires_grad=True)
    values, indices = SortWithIndices.apply(x)
    close(values, [-1.0, 0.5, 2.0, 3.0])
    assert list(A(indices)) == [1, 3, 2, 0]
    assert values.requires_grad
    assert not indices.requires_grad and indices.grad_fn is None
    w = np.array([10.0, 20.0, 30.0, 40.0])
    (values * T(w)).sum().backward()
    # d/dx_j sum_i w_i x_{idx_i} = w_{i : idx_i = j}
    close(x.grad, [40.0, 10.0, 30.0, 20.0])
    g = cr.grad(lambda x: (SortWithIndices.apply(x)[0] * T(w)).sum())(A(x))
    close(g, [40.0, 10.0, 30.0, 20.0])


def test_mark_non_differentiable_float_output():
    class WithMask(Function):
        @staticmethod
        def forward(ctx, x):
            mask = (x > 0).to(cr.float64)
            ctx.mark_non_differentiable(mask)
            ctx.save_for_backward(mask)
            return x * mask, mask

        @staticmethod
        def backward(ctx, g, g_mask):
            (mask,) = ctx.saved_tensors
            return g * mask

    x = T([1.0, -2.0, 3.0], requires_grad=True)
    y, mask = WithMask.apply(x)
    assert y.requires_grad and not mask.requires_grad
    close(mask, [1.0, 0.0, 1.0])
    (y * T([5.0, 6.0, 7.0])).sum().backward()
    close(x.grad, [5.0, 0.0, 7.0])


class SinCos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return cr.sin(x), cr.cos(x)

    @staticmethod
    def backward(ctx, g_sin, g_cos):
        (x,) = ctx.saved_tensors
        return g_sin * cr.cos(x) - g_cos * cr.sin(x)

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return cr.cos(x) * t, -cr.sin(x) * t


def test_function_multiple_outputs():
    x = T(X0, requires_grad=True)
    s, c = SinCos.apply(x)
    close(s, np.sin(X0))
    close(c, np.cos(X0))
    (2 * s + 3 * c).sum().backward()
    close(x.grad, 2 * np.cos(X0) - 3 * np.sin(X0))
    # only one of the outputs used: the other's gradient is materialised as zeros
    x2 = T(X0, requires_grad=True)
    SinCos.apply(x2)[1].sum().backward()
    close(x2.grad, -np.sin(X0))
    # jacrev over a tuple output
    js, jc = cr.jacrev(SinCos.apply)(X0)
    close(js, np.diag(np.cos(X0)))
    close(jc, np.diag(-np.sin(X0)))


def test_function_jvp_used_by_forward_mode():
    CALLS.update(backward=0, jvp=0)
    t = np.array([1.0, 0.5, -1.0, 2.0])
    out, tan = cr.jvp(CubeSavingInput.apply, (T(X0),), (T(t),))
    close(out, X0 ** 3)
    close(tan, 3 * X0 ** 2 * t)
    assert CALLS["jvp"] >= 1
    assert CALLS["backward"] == 0
    close(cr.jacfwd(CubeSavingInput.apply)(X0), np.diag(3 * X0 ** 2))
    # several outputs
    _, (ts, tc) = cr.jvp(SinCos.apply, (T(X0),), (T(t),))
    close(ts, np.cos(X0) * t)
    close(tc, -np.sin(X0) * t)
    js, jc = cr.jacfwd(SinCos.apply)(X0)
    close(js, np.diag(np.cos(X0)))
    close(jc, np.diag(-np.sin(X0)))
    # forward-over-reverse (hessian) uses the jvp rule for the forward pass and the
    # differentiable backward for the reverse one: d^2/dx^2 sum x^3 = 6x
    close(cr.hessian(lambda x: CubeSavingInput.apply(x).sum())(X0), np.diag(6 * X0))
    close(cr.hvp(lambda x: CubeSavingInput.apply(x).sum(), T(X0), T(t)), 6 * X0 * t)
    # PyTorch's forward_ad API
    from chainrule.autograd import forward_ad as fwAD
    with fwAD.dual_level():
        d = fwAD.make_dual(T(X0), T(t))
        _, tangent = fwAD.unpack_dual(CubeSavingInput.apply(d))
    close(tangent, 3 * X0 ** 2 * t)


def test_function_without_jvp_in_forward_mode_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="jvp"):
        cr.jvp(NoJvpSquare.apply, (T(X0),), (T(np.ones(4)),))
    with pytest.raises(NotImplementedError, match="jvp"):
        cr.jacfwd(NoJvpSquare.apply)(X0)
    with pytest.raises(NotImplementedError, match="jvp"):
        cr.hessian(lambda x: NoJvpSquare.apply(x).sum())(X0)
    # reverse mode is fine
    close(cr.grad(lambda x: NoJvpSquare.apply(x).sum())(X0), 2 * X0)
    close(cr.jacrev(NoJvpSquare.apply)(X0), np.diag(2 * X0))


def test_function_without_backward_in_reverse_mode_is_a_clear_error():
    class ForwardOnly(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def jvp(ctx, t):
            return t * 2

    close(cr.jvp(ForwardOnly.apply, (T(X0),), (T(np.ones(4)),))[1], 2 * np.ones(4))
    with pytest.raises(NotImplementedError, match="backward"):
        cr.grad(lambda x: ForwardOnly.apply(x).sum())(X0)


def test_function_wrong_number_of_gradients():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x, y = T([1.0], requires_grad=True), T([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x, y).sum().backward()


def test_function_rule_is_used_not_the_forward_ops():
    class StraightThroughRound(Function):
        @staticmethod
        def forward(ctx, x):
            return cr.round(x)

        @staticmethod
        def backward(ctx, g):
            return g

        @staticmethod
        def jvp(ctx, t):
            return t

    x0 = np.array([0.2, 1.7, -2.4])
    close(StraightThroughRound.apply(T(x0)), np.round(x0))
    close(cr.grad(lambda x: (StraightThroughRound.apply(x) * T([1.0, 2.0, 3.0])).sum())(x0),
          [1.0, 2.0, 3.0])
    close(cr.jacrev(StraightThroughRound.apply)(x0), np.eye(3))
    close(cr.jacfwd(StraightThroughRound.apply)(x0), np.eye(3))


# ---------------------------------------------------------------- custom_vjp
@cr.custom_vjp
def clip_gradient(x):
    return x * 1.0


def _clip_fwd(x):
    return x * 1.0, None


def _clip_bwd(res, g):
    return (cr.clamp(g, -1.0, 1.0),)


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


@cr.custom_vjp
def sin_x(x):
    return cr.sin(x) * x


def _sin_x_fwd(x):
    return cr.sin(x) * x, (x, cr.sin(x), cr.cos(x))


def _sin_x_bwd(res, g):
    x, s, c = res
    return ((c * x + s) * g,)


sin_x.defvjp(_sin_x_fwd, _sin_x_bwd)


@cr.custom_vjp
def cube_vjp(x):
    return x ** 3


cube_vjp.defvjp(lambda x: (x ** 3, x), lambda x, g: (3 * x ** 2 * g,))


@cr.custom_vjp
def mul_scaled_grad(x, y):
    """x * y whose gradient rule is deliberately scaled by 10 (so it can be recognised)."""
    return x * y


mul_scaled_grad.defvjp(lambda x, y: (x * y, (x, y)),
                       lambda res, g: (10 * g * res[1], 10 * g * res[0]))


def test_custom_vjp_rule_with_residuals():
    close(sin_x(T(X0)), np.sin(X0) * X0)
    d = np.cos(X0) * X0 + np.sin(X0)
    close(cr.grad(lambda x: sin_x(x).sum())(X0), d)
    _, pullback = cr.vjp(sin_x, T(X0))
    u = np.array([1.0, 2.0, -1.0, 0.5])
    close(pullback(T(u))[0], d * u)
    close(cr.jacrev(sin_x)(X0), np.diag(d))
    x = T(X0, requires_grad=True)
    sin_x(x).sum().backward()
    close(x.grad, d)


def test_custom_vjp_rule_is_respected():
    # clip_gradient: identity forward, gradients clipped to [-1, 1]
    g = cr.grad(lambda x: (clip_gradient(x) * T([5.0, -0.5, -3.0])).sum())(np.zeros(3))
    close(g, [1.0, -0.5, -1.0])
    close(cr.jacrev(lambda x: clip_gradient(x) * 4.0)(np.zeros(2)), np.eye(2))
    _, pullback = cr.vjp(clip_gradient, T([0.0, 0.0]))
    close(pullback(T([7.0, -0.25]))[0], [1.0, -0.25])
    # two arguments, scaled rule
    gx, gy = cr.grad(lambda x, y: mul_scaled_grad(x, y).sum(), (0, 1))(
        np.array([2.0, 3.0]), np.array([5.0, 7.0]))
    close(gx, [50.0, 70.0])
    close(gy, [20.0, 30.0])
    jx, jy = cr.jacrev(mul_scaled_grad, (0, 1))(np.array([2.0, 3.0]), np.array([5.0, 7.0]))
    close(jx, np.diag([50.0, 70.0]))
    close(jy, np.diag([20.0, 30.0]))


def test_custom_vjp_higher_order_reverse():
    close(cr.grad(lambda x: cr.grad(lambda y: cube_vjp(y).sum())(x).sum())(X0), 6 * X0)
    close(cr.jacrev(cr.jacrev(lambda x: cube_vjp(x).sum()))(X0), np.diag(6 * X0))


def test_custom_vjp_in_forward_mode_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="jvp|forward"):
        cr.jvp(sin_x, (T(X0),), (T(np.ones(4)),))
    with pytest.raises(NotImplementedError, match="jvp|forward"):
        cr.jacfwd(sin_x)(X0)
    with pytest.raises(NotImplementedError, match="jvp|forward"):
        cr.hessian(lambda x: sin_x(x).sum())(X0)


def test_custom_vjp_without_defvjp():
    @cr.custom_vjp
    def f(x):
        return x

    with pytest.raises(RuntimeError, match="defvjp"):
        f(T([1.0]))


# ---------------------------------------------------------------- custom_jvp
@cr.custom_jvp
def softplus(x):
    return cr.log1p(cr.exp(x))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), cr.sigmoid(x) * t


@cr.custom_jvp
def st_round(x):
    return cr.round(x)


@st_round.defjvp
def _st_round_jvp(primals, tangents):
    return st_round(primals[0]), tangents[0] * 1.0


@cr.custom_jvp
def mul_jvp(x, y):
    return x * y


@mul_jvp.defjvp
def _mul_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    # deliberately weighted rule (2 tx y + 3 x ty), so the result can only come from it
    return x * y, 2 * tx * y + 3 * x * ty


def _sig(x):
    return 1 / (1 + np.exp(-x))


def test_custom_jvp_forward_mode():
    t = np.array([1.0, -1.0, 2.0, 0.5])
    out, tan = cr.jvp(softplus, (T(X0),), (T(t),))
    close(out, np.log1p(np.exp(X0)))
    close(tan, _sig(X0) * t)
    close(cr.jacfwd(softplus)(X0), np.diag(_sig(X0)))
    close(cr.jvp(st_round, (T([0.4, 1.6]),), (T([3.0, 4.0]),))[1], [3.0, 4.0])
    x0, y0 = np.array([2.0, 3.0]), np.array([5.0, 7.0])
    _, tan = cr.jvp(mul_jvp, (T(x0), T(y0)), (T([1.0, 1.0]), T([1.0, -1.0])))
    close(tan, 2 * y0 + 3 * x0 * np.array([1.0, -1.0]))


def test_custom_jvp_reverse_mode_is_derived_from_the_rule():
    close(cr.grad(lambda x: softplus(x).sum())(X0), _sig(X0))
    close(cr.jacrev(softplus)(X0), np.diag(_sig(X0)))
    _, pullback = cr.vjp(softplus, T(X0))
    u = np.array([1.0, 2.0, 3.0, 4.0])
    close(pullback(T(u))[0], _sig(X0) * u)
    close(cr.grad(lambda x: (st_round(x) * T([1.0, 2.0])).sum())(np.array([0.4, 1.6])),
          [1.0, 2.0])
    x0, y0 = np.array([2.0, 3.0]), np.array([5.0, 7.0])
    gx, gy = cr.grad(lambda x, y: mul_jvp(x, y).sum(), (0, 1))(x0, y0)
    close(gx, 2 * y0)
    close(gy, 3 * x0)
    x = T(X0, requires_grad=True)
    softplus(x).sum().backward()
    close(x.grad, _sig(X0))


def test_custom_jvp_second_order():
    s = _sig(X0)
    # forward-over-forward: the rule's own ops (sigmoid) are differentiated
    _, vhv = cr.jvp(lambda x: cr.jvp(softplus, (x,), (T(np.ones(4)),))[1], (T(X0),),
                    (T(np.ones(4)),))
    close(vhv, s * (1 - s))
    # forward-over-reverse and reverse-over-reverse: d^2 softplus = sigmoid (1 - sigmoid)
    close(cr.hessian(lambda x: softplus(x).sum())(X0), np.diag(s * (1 - s)))
    close(cr.grad(lambda x: cr.grad(lambda y: softplus(y).sum())(x).sum())(X0), s * (1 - s))
    close(cr.jacrev(cr.jacrev(lambda x: softplus(x).sum()))(X0), np.diag(s * (1 - s)))


def test_custom_jvp_without_defjvp():
    @cr.custom_jvp
    def f(x):
        return x

    with pytest.raises(RuntimeError, match="defjvp"):
        f(T([1.0]))
