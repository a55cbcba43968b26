"""NumPy ufuncs applied to Tensors (``np.sin(t)``, ``ndarray * t``) run the table's
primitives, so they stay differentiable. Unknown ufuncs give NotImplemented (NumPy then raises
its TypeError)."""

from __future__ import annotations

import numpy as np

from . import elementwise as ew
from .linalg import matmul

_BINARY = {
    np.add: ew.add_p, np.subtract: ew.sub_p, np.multiply: ew.mul_p, np.power: ew.pow_p,
    np.remainder: ew.remainder_p, np.floor_divide: ew.floor_divide_p,
    np.maximum: ew.maximum_p, np.minimum: ew.minimum_p, np.equal: ew.eq_p,
    np.not_equal: ew.ne_p, np.less: ew.lt_p, np.less_equal: ew.le_p, np.greater: ew.gt_p,
    np.greater_equal: ew.ge_p, np.logical_and: ew.logical_and_p, np.logical_or: ew.logical_or_p,
    np.logical_xor: ew.logical_xor_p,
}
_UNARY = {
    np.exp: ew.exp_p, np.log: ew.log_p, np.log1p: ew.log1p_p, np.expm1: ew.expm1_p,
    np.sqrt: ew.sqrt_p, np.sin: ew.sin_p, np.cos: ew.cos_p, np.tan: ew.tan_p,
    np.arcsin: ew.asin_p, np.arccos: ew.acos_p, np.arctan: ew.atan_p, np.sinh: ew.sinh_p,
    np.cosh: ew.cosh_p, np.tanh: ew.tanh_p,
}
_UNARY_ANY_DTYPE = {
    np.negative: ew.neg_p, np.absolute: ew.abs_p, np.sign: ew.sign_p, np.floor: ew.floor_p,
    np.ceil: ew.ceil_p, np.logical_not: ew.logical_not_p, np.isnan: ew.isnan_p,
    np.isinf: ew.isinf_p, np.isfinite: ew.isfinite_p, np.positive: ew.clone_p,
}


def array_ufunc(ufunc, method, inputs, kwargs):
    if method != "__call__" or kwargs.get("out") is not None:
        return NotImplemented
    if ufunc is np.true_divide:
        return ew.binary(ew.div_p, *inputs, floating=True)
    if ufunc is np.matmul:
        return matmul(*inputs)
    prim = _BINARY.get(ufunc)
    if prim is not None:
        return ew.binary(prim, *inputs)
    prim = _UNARY.get(ufunc)
    if prim is not None:
        return ew.unary(prim, inputs[0])
    prim = _UNARY_ANY_DTYPE.get(ufunc)
    if prim is not None:
        return ew.unary(prim, inputs[0], floating=False)
    return NotImplemented


def array_function(func, types, args, kwargs):
    """NumPy functions on Tensors: none are mapped yet, so NumPy raises its TypeError."""
    return NotImplemented
