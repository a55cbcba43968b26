"""Elementwise primitives: arithmetic, math functions, comparisons, and their public forms.

Binary ops promote dtypes (PyTorch's rules) and broadcast (NumPy's) here, once; the
primitives themselves always see operands of one dtype.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from ..autograd import graph as _graph
from ..tensor import Tensor
from . import _cases as C
from ._special import erf as _erf
from ._table import SAVE_NOTHING, defprim

_EMPTY: dict = {}
_record = _graph.record
_SCALARS = (int, float, bool)
_FLOAT32 = _dtype.DEFAULT_FLOAT


def _zero_at_zero(g):
    return g * 0


# ---------------------------------------------------------------- the primitives
add_p = defprim("add", np.add, vjps=(lambda g, *_: g, lambda g, *_: g), elementwise=True,
                save=SAVE_NOTHING, test=C.elementwise(2))
sub_p = defprim("sub", np.subtract, vjps=(lambda g, *_: g, lambda g, *_: -g), elementwise=True,
                save=SAVE_NOTHING, test=C.elementwise(2))
mul_p = defprim("mul", np.multiply, vjps=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x),
                elementwise=True, test=C.elementwise(2))
div_p = defprim("div", np.true_divide,
                vjps=(lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * x / (y * y)),
                elementwise=True, test=C.elementwise(2, domains=[C.uniform(), C.away_from_zero(0.5)]))


def _pow_vjp_base(g, ans, x, y):
    # d/dx x**y = y * x**(y-1); where y == 0 the derivative is 0, also at x == 0.
    return where_p(y == 0, 0.0, g * y * pow_p(x, y - 1))


def _pow_vjp_exponent(g, ans, x, y):
    # d/dy x**y = x**y * log(x); PyTorch defines it as 0 where x == 0 and y >= 0.
    safe = where_p(x == 0, 1.0, x)
    return where_p((x == 0) & (y >= 0), 0.0, g * ans * log_p(safe))


pow_p = defprim("pow", np.power, vjps=(_pow_vjp_base, _pow_vjp_exponent), elementwise=True,
                save_ans=True, node_name="PowBackward1",
                test=C.elementwise(2, domains=[C.uniform(0.5, 2.0), C.uniform()]))


def _pow_scalar(x, exponent):
    return np.power(x, exponent)


def _pow_scalar_vjp(g, ans, x, exponent):
    if exponent == 0:
        return _zero_at_zero(g)
    return g * (exponent * pow_scalar_p(x, exponent - 1))


pow_scalar_p = defprim("pow_scalar", _pow_scalar, vjps=(_pow_scalar_vjp,), elementwise=True,
                       node_name="PowBackward0",
                       test=C.cases((((3, 4),), {"exponent": 2}), (((3,),), {"exponent": 3.0}),
                                    ((C.uniform(0.5, 2)(np.random.default_rng(0), (4,)),),
                                     {"exponent": -1.5})))


def _remainder_vjp_divisor(g, ans, x, y):
    return -g * floor_p(x / y)


remainder_p = defprim("remainder", np.remainder,
                      vjps=(lambda g, *_: g, _remainder_vjp_divisor), elementwise=True,
                      test=C.elementwise(2, domains=[C.uniform(0.1, 0.9), C.uniform(1.1, 2.0)]))
clone_p = defprim("clone", np.copy, vjps=(lambda g, *_: g,), elementwise=True,
                  save=SAVE_NOTHING, test=C.elementwise(1))
neg_p = defprim("neg", np.negative, vjps=(lambda g, *_: -g,), elementwise=True,
                save=SAVE_NOTHING, test=C.elementwise(1))
exp_p = defprim("exp", np.exp, vjps=(lambda g, ans, x: g * ans,), elementwise=True,
                save=SAVE_NOTHING, save_ans=True, test=C.elementwise(1))
log_p = defprim("log", np.log, vjps=(lambda g, ans, x: g / x,), elementwise=True,
                test=C.elementwise(1, C.uniform(0.2, 3.0)))
log1p_p = defprim("log1p", np.log1p, vjps=(lambda g, ans, x: g / (x + 1),), elementwise=True,
                  node_name="Log1PBackward0",
                  test=C.elementwise(1, C.uniform(-0.8, 3.0)))
expm1_p = defprim("expm1", np.expm1, vjps=(lambda g, ans, x: g * (ans + 1),), elementwise=True,
                  save=SAVE_NOTHING, save_ans=True, test=C.elementwise(1))
sqrt_p = defprim("sqrt", np.sqrt, vjps=(lambda g, ans, x: g / (ans * 2),), elementwise=True,
                 save=SAVE_NOTHING, save_ans=True, test=C.elementwise(1, C.uniform(0.2, 3.0)))


def _rsqrt(x):
    return 1 / np.sqrt(x)


rsqrt_p = defprim("rsqrt", _rsqrt, vjps=(lambda g, ans, x: g * (ans * ans * ans) * -0.5,),
                  elementwise=True, save=SAVE_NOTHING, save_ans=True,
                  test=C.elementwise(1, C.uniform(0.2, 3.0)))
sin_p = defprim("sin", np.sin, vjps=(lambda g, ans, x: g * cos_p(x),), elementwise=True,
                test=C.elementwise(1))
cos_p = defprim("cos", np.cos, vjps=(lambda g, ans, x: -g * sin_p(x),), elementwise=True,
                test=C.elementwise(1))
tan_p = defprim("tan", np.tan, vjps=(lambda g, ans, x: g * (ans * ans + 1),), elementwise=True,
                save=SAVE_NOTHING, save_ans=True, test=C.elementwise(1, C.uniform(-1.2, 1.2)))
asin_p = defprim("asin", np.arcsin, vjps=(lambda g, ans, x: g / sqrt_p(1 - x * x),),
                 elementwise=True, test=C.elementwise(1, C.uniform(-0.9, 0.9)))
acos_p = defprim("acos", np.arccos, vjps=(lambda g, ans, x: -g / sqrt_p(1 - x * x),),
                 elementwise=True, test=C.elementwise(1, C.uniform(-0.9, 0.9)))
atan_p = defprim("atan", np.arctan, vjps=(lambda g, ans, x: g / (x * x + 1),), elementwise=True,
                 test=C.elementwise(1))
sinh_p = defprim("sinh", np.sinh, vjps=(lambda g, ans, x: g * cosh_p(x),), elementwise=True,
                 test=C.elementwise(1))
cosh_p = defprim("cosh", np.cosh, vjps=(lambda g, ans, x: g * sinh_p(x),), elementwise=True,
                 test=C.elementwise(1))
tanh_p = defprim("tanh", np.tanh, vjps=(lambda g, ans, x: g * (1 - ans * ans),),
                 elementwise=True, save=SAVE_NOTHING, save_ans=True, test=C.elementwise(1))


def _sigmoid(x):
    # 1 / (1 + exp(-x)) as PyTorch computes it, in one buffer; exp overflowing to inf gives the
    # exact limit 0. float16 is computed in float32 (its exp overflows already at 11).
    if x.dtype == np.float16:
        return _sigmoid(x.astype(np.float32)).astype(np.float16)
    t = np.negative(x, out=np.empty_like(x))
    with np.errstate(over="ignore"):
        np.exp(t, out=t)
    t += 1
    return np.reciprocal(t, out=t)


# A primitive rather than 1 / (1 + exp(-x)) for stability and speed.
sigmoid_p = defprim("sigmoid", _sigmoid, vjps=(lambda g, ans, x: g * (ans * (1 - ans)),),
                    elementwise=True, save=SAVE_NOTHING, save_ans=True, test=C.elementwise(1))


def _relu(x):
    return np.maximum(x, 0)


# A primitive for speed: the most common activation.
relu_p = defprim("relu", _relu, vjps=(lambda g, ans, x: g * (ans > 0),), elementwise=True,
                 save=SAVE_NOTHING, save_ans=True,
                 test=C.elementwise(1, C.away_from_zero()))
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
erf_p = defprim("erf", _erf, vjps=(lambda g, ans, x: g * (exp_p(-(x * x)) * _TWO_OVER_SQRT_PI),),
                elementwise=True, test=C.elementwise(1))
abs_p = defprim("abs", np.abs, vjps=(lambda g, ans, x: g * sign_p(x),), elementwise=True,
                test=C.elementwise(1, C.away_from_zero()))


def _max_vjp(g, ans, x, y):
    # Ties share the gradient equally, as in PyTorch.
    return where_p(x > y, g, where_p(x == y, g * 0.5, 0.0))


def _min_vjp(g, ans, x, y):
    return where_p(x < y, g, where_p(x == y, g * 0.5, 0.0))


maximum_p = defprim("maximum", np.maximum, vjps=(_max_vjp, lambda g, ans, x, y: _max_vjp(g, ans, y, x)),
                    elementwise=True, test=C.elementwise(2))
minimum_p = defprim("minimum", np.minimum, vjps=(_min_vjp, lambda g, ans, x, y: _min_vjp(g, ans, y, x)),
                    elementwise=True, test=C.elementwise(2))


def _bool_arg(rng, shape):
    return rng.random(shape) > 0.5


where_p = defprim("where", np.where,
                  vjps=(None, lambda g, ans, c, x, y: where_p(c, g, 0.0),
                        lambda g, ans, c, x, y: where_p(c, 0.0, g)),
                  elementwise=True, node_name="WhereBackward0",
                  test=C.cases(((lambda r: _bool_arg(r, (3, 4)), (3, 4), (3, 4)), {}),
                               ((lambda r: _bool_arg(r, (3, 1)), (4,), ()), {})))


def _clamp(x, min=None, max=None):
    return np.clip(x, min, max)


def _clamp_vjp(g, ans, x, min=None, max=None):
    if min is not None:
        g = where_p(x >= min, g, 0.0)
    if max is not None:
        g = where_p(x <= max, g, 0.0)
    return g


clamp_p = defprim("clamp", _clamp, vjps=(_clamp_vjp,), elementwise=True,
                  node_name="ClampBackward1",
                  test=C.cases((((3, 4),), {"min": -0.5, "max": 0.7}), (((5,),), {"min": 0.1}),
                               (((2, 3),), {"max": 0.3})))


def _cast(x, dtype, source):
    return x.astype(dtype)


cast_p = defprim("cast", _cast,
                 vjps=(lambda g, ans, x, dtype, source: cast_p(g, dtype=source, source=dtype),),
                 multilinear=True, save=SAVE_NOTHING, node_name="ToCopyBackward0",
                 batch_jvp=lambda i, t, ans, x, dtype, source: cast_p(t, dtype=dtype,
                                                                      source=source),
                 test=C.cases((((3, 2),), {"dtype": np.dtype(np.float64),
                                            "source": np.dtype(np.float64)})))

# Non-differentiable: results never require grad (PyTorch's floor/sign/round have zero
# gradients; chainrule makes that explicit by cutting the graph).
sign_p = defprim("sign", np.sign, differentiable=False)
floor_p = defprim("floor", np.floor, differentiable=False)
ceil_p = defprim("ceil", np.ceil, differentiable=False)
round_p = defprim("round", np.rint, differentiable=False)
floor_divide_p = defprim("floor_divide", np.floor_divide, differentiable=False)
eq_p = defprim("eq", np.equal, differentiable=False)
ne_p = defprim("ne", np.not_equal, differentiable=False)
lt_p = defprim("lt", np.less, differentiable=False)
le_p = defprim("le", np.less_equal, differentiable=False)
gt_p = defprim("gt", np.greater, differentiable=False)
ge_p = defprim("ge", np.greater_equal, differentiable=False)
logical_and_p = defprim("logical_and", np.logical_and, differentiable=False)
logical_or_p = defprim("logical_or", np.logical_or, differentiable=False)
logical_xor_p = defprim("logical_xor", np.logical_xor, differentiable=False)
logical_not_p = defprim("logical_not", np.logical_not, differentiable=False)
isnan_p = defprim("isnan", np.isnan, differentiable=False)
isinf_p = defprim("isinf", np.isinf, differentiable=False)
isfinite_p = defprim("isfinite", np.isfinite, differentiable=False)


# ---------------------------------------------------------------- promotion and broadcasting
def as_tensor_operand(v):
    """A Tensor for an operand that is neither a Tensor nor a Python scalar (arrays, lists)."""
    if isinstance(v, Tensor):
        return v
    if isinstance(v, np.generic):
        return v.item()
    from ..creation import tensor
    return tensor(v)


def to_dtype(x, np_dtype):
    """``x`` as ``np_dtype``; differentiable between floating types, cut from the graph
    otherwise (an integer result cannot carry a gradient)."""
    src = x._data.dtype
    if src == np_dtype:
        return x
    if np_dtype.kind == "f" and src.kind == "f":
        return cast_p(x, dtype=np_dtype, source=src)
    return _graph.wrap(x._data.astype(np_dtype))


def _promote(x, y, floating: bool):
    """Cast two operands to PyTorch's result dtype (float32 at least when ``floating``)."""
    if not isinstance(x, (Tensor, *_SCALARS)):
        x = as_tensor_operand(x)
    if not isinstance(y, (Tensor, *_SCALARS)):
        y = as_tensor_operand(y)
    dims, zero_dims, scalars = [], [], []
    for v in (x, y):
        if isinstance(v, Tensor):
            (dims if v._data.ndim else zero_dims).append(v._data.dtype)
        else:
            scalars.append(v)
    result = _dtype.result_type(dims, zero_dims, scalars)
    if floating and result.kind != "f":
        result = _FLOAT32
    if isinstance(x, Tensor):
        x = to_dtype(x, result)
    elif floating or result.kind == "f":
        x = float(x)
    if isinstance(y, Tensor):
        y = to_dtype(y, result)
    elif floating or result.kind == "f":
        y = float(y)
    return x, y


def _shape_error(xa, ya) -> RuntimeError:
    xs, ys = np.shape(xa), np.shape(ya)
    n = max(len(xs), len(ys))
    px, py = (1,) * (n - len(xs)) + xs, (1,) * (n - len(ys)) + ys
    for dim in range(n - 1, -1, -1):
        if px[dim] != py[dim] and px[dim] != 1 and py[dim] != 1:
            return RuntimeError(
                f"The size of tensor a ({px[dim]}) must match the size of tensor b ({py[dim]}) "
                f"at non-singleton dimension {dim - n + len(xs) if dim >= n - len(xs) else dim}"
                f" (shapes {list(xs)} and {list(ys)})")
    return RuntimeError(f"shapes {list(xs)} and {list(ys)} cannot be broadcast together")


def binary(prim, x, y, floating: bool = False):
    """Apply a binary elementwise primitive with promotion and broadcasting."""
    if isinstance(x, Tensor):
        xa = x._data
        if isinstance(y, Tensor) and y._data.dtype == xa.dtype and (
                not floating or xa.dtype.kind == "f"):
            ya = y._data
        elif type(y) is float and xa.dtype.kind == "f":
            ya = y
        else:
            x, y = _promote(x, y, floating)
            xa = x._data if isinstance(x, Tensor) else x
            ya = y._data if isinstance(y, Tensor) else y
    else:
        x, y = _promote(x, y, floating)
        xa = x._data if isinstance(x, Tensor) else x
        ya = y._data if isinstance(y, Tensor) else y
    try:
        out = prim.forward(xa, ya)
    except ValueError:
        raise _shape_error(xa, ya) from None
    return _record(prim, out, (x, y), (xa, ya), _EMPTY)


def unary(prim, x, floating: bool = True):
    """Apply a unary elementwise primitive (integer inputs become float32 where the math is
    floating point, as in PyTorch)."""
    if not isinstance(x, Tensor):
        x = as_tensor_operand(x)
        if not isinstance(x, Tensor):
            from ..creation import tensor
            x = tensor(x)
    if floating and x._data.dtype.kind != "f":
        x = to_dtype(x, _FLOAT32)
    xa = x._data
    return _record(prim, prim.forward(xa), (x,), (xa,), _EMPTY)


# ---------------------------------------------------------------- public functions
def add(input, other, *, alpha=1):
    """``input + alpha * other``."""
    return binary(add_p, input, other if alpha == 1 else mul(other, alpha))


def sub(input, other, *, alpha=1):
    """``input - alpha * other``."""
    return binary(sub_p, input, other if alpha == 1 else mul(other, alpha))


subtract = sub


def mul(input, other):
    return binary(mul_p, input, other)


multiply = mul


def div(input, other, *, rounding_mode=None):
    """True division (integers give float32); ``rounding_mode`` 'floor' or 'trunc' as PyTorch."""
    if rounding_mode is None:
        return binary(div_p, input, other, floating=True)
    if rounding_mode == "floor":
        return binary(floor_divide_p, input, other)
    if rounding_mode == "trunc":
        q = binary(div_p, input, other, floating=True)
        result = unary(sign_p, q, floating=False) * unary(floor_p, abs(q), floating=False)
        ref = input if isinstance(input, Tensor) else other
        return result if ref._data.dtype.kind == "f" else to_dtype(result, ref._data.dtype)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                     f"found '{rounding_mode}'")


divide = true_divide = div


def floor_divide(input, other):
    return binary(floor_divide_p, input, other)


def remainder(input, other):
    """Python's ``%``: the result has the sign of the divisor."""
    return binary(remainder_p, input, other)


def pow(input, exponent):
    """``input ** exponent`` for a tensor or Python-number exponent (or a number base)."""
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)) and not isinstance(
            exponent, bool):
        dt = input._data.dtype
        if dt.kind != "f":
            if isinstance(exponent, float):
                input = to_dtype(input, _FLOAT32)
            elif exponent < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
        xa = input._data
        params = {"exponent": exponent}
        return _record(pow_scalar_p, pow_scalar_p.forward(xa, exponent), (input,), (xa,), params)
    return binary(pow_p, input, exponent)


def neg(input):
    return unary(neg_p, input, floating=False)


negative = neg


def abs(input):
    return unary(abs_p, input, floating=False)


def exp(input):
    return unary(exp_p, input)


def log(input):
    return unary(log_p, input)


def log1p(input):
    return unary(log1p_p, input)


def expm1(input):
    return unary(expm1_p, input)


def sqrt(input):
    return unary(sqrt_p, input)


def rsqrt(input):
    return unary(rsqrt_p, input)


def sin(input):
    return unary(sin_p, input)


def cos(input):
    return unary(cos_p, input)


def tan(input):
    return unary(tan_p, input)


def asin(input):
    return unary(asin_p, input)


def acos(input):
    return unary(acos_p, input)


def atan(input):
    return unary(atan_p, input)


arcsin, arccos, arctan = asin, acos, atan


def sinh(input):
    return unary(sinh_p, input)


def cosh(input):
    return unary(cosh_p, input)


def tanh(input):
    return unary(tanh_p, input)


def sigmoid(input):
    return unary(sigmoid_p, input)


def relu(input):
    return unary(relu_p, input, floating=False)


def erf(input):
    return unary(erf_p, input)


def sign(input):
    return unary(sign_p, input, floating=False)


def floor(input):
    return unary(floor_p, input, floating=False)


def ceil(input):
    return unary(ceil_p, input, floating=False)


def round(input):
    return unary(round_p, input, floating=False)


def isnan(input):
    return unary(isnan_p, input, floating=False)


def isinf(input):
    return unary(isinf_p, input, floating=False)


def isfinite(input):
    return unary(isfinite_p, input, floating=False)


def logical_not(input):
    return unary(logical_not_p, input, floating=False)


def logical_and(input, other):
    return binary(logical_and_p, input, other)


def logical_or(input, other):
    return binary(logical_or_p, input, other)


def logical_xor(input, other):
    return binary(logical_xor_p, input, other)


def bitwise(ufunc, logical_prim, input, other):
    """``&``, ``|``, ``^``: logical on booleans, bitwise on integers (never differentiable)."""
    x, y = _promote(input, other, floating=False)
    xa = x._data if isinstance(x, Tensor) else x
    ya = y._data if isinstance(y, Tensor) else y
    if np.result_type(xa, ya).kind == "b":
        return binary(logical_prim, x, y)
    if np.result_type(xa, ya).kind not in "iu":
        raise RuntimeError(f"\"{ufunc.__name__}_cpu\" not implemented for 'Float'")
    return _graph.wrap(ufunc(xa, ya))


def maximum(input, other):
    return binary(maximum_p, input, other)


def minimum(input, other):
    return binary(minimum_p, input, other)


def eq(input, other):
    return binary(eq_p, input, other)


def ne(input, other):
    return binary(ne_p, input, other)


def lt(input, other):
    return binary(lt_p, input, other)


def le(input, other):
    return binary(le_p, input, other)


def gt(input, other):
    return binary(gt_p, input, other)


def ge(input, other):
    return binary(ge_p, input, other)


less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def where(condition, input=None, other=None):
    """Elementwise choice: ``input`` where ``condition`` holds, else ``other``.
    With only a condition, the indices where it holds (as ``nonzero(as_tuple=True)``)."""
    if not isinstance(condition, Tensor):
        condition = as_tensor_operand(condition)
    cond = condition._data
    if input is None and other is None:
        return tuple(_graph.wrap(i) for i in np.nonzero(cond))
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_dtype.scalar_type_name(cond.dtype)}")
    x, y = _promote(input, other, floating=False)
    xa = x._data if isinstance(x, Tensor) else x
    ya = y._data if isinstance(y, Tensor) else y
    try:
        out = np.where(cond, xa, ya)
    except ValueError:
        raise _shape_error(cond, np.broadcast_shapes(np.shape(xa), np.shape(ya))) from None
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        out = out.astype(_dtype.result_type([], [], [input, other]))
    return _record(where_p, out, (condition, x, y), (cond, xa, ya), _EMPTY)


def clamp(input, min=None, max=None):
    """Limit values to ``[min, max]`` (either may be None, a number or a tensor)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input if min is None else maximum(input, min)
        return out if max is None else minimum(out, max)
    if input._data.dtype.kind != "f" and any(isinstance(b, float) for b in (min, max)):
        input = to_dtype(input, _FLOAT32)
    xa = input._data
    params = {"min": min, "max": max}
    return _record(clamp_p, clamp_p.forward(xa, min, max), (input,), (xa,), params)


clip = clamp
