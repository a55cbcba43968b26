"""Linear algebra: ``matmul`` and ``einsum`` as primitives; ``mm``, ``bmm``, ``mv``, ``dot``,
``outer`` as checked spellings of them."""

from __future__ import annotations

import numpy as np

from ..autograd.graph import record
from ..tensor import Tensor
from . import _cases as C
from ._table import Variadic, defprim
from .shape import permute_p, reshape_p


def _mT(x):
    """Swap the last two dimensions."""
    nd = len(x.shape)
    return permute_p(x, axes=tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _matmul_vjp_a(g, ans, a, b):
    # Vectors are matrices with a unit dimension that is dropped again; batch dimensions that
    # were broadcast are summed by the engine.
    if b.ndim == 1:
        g = reshape_p(g, shape=tuple(g.shape) + (1,))
        b = reshape_p(b, shape=(b.shape[0], 1))
    if a.ndim == 1:
        g = reshape_p(g, shape=tuple(g.shape[:-1]) + (1, g.shape[-1]))
    ga = matmul_p(g, _mT(b))
    if a.ndim == 1:
        ga = reshape_p(ga, shape=tuple(ga.shape[:-2]) + (ga.shape[-1],))
    return ga


def _matmul_vjp_b(g, ans, a, b):
    if a.ndim == 1:
        g = reshape_p(g, shape=tuple(g.shape[:-1]) + (1, g.shape[-1]) if b.ndim > 1
                      else tuple(g.shape) + (1,))
        a = reshape_p(a, shape=(1, a.shape[0]))
    if b.ndim == 1:
        g = reshape_p(g, shape=tuple(g.shape) + (1,))
    gb = matmul_p(_mT(a), g)
    if b.ndim == 1:
        gb = reshape_p(gb, shape=tuple(gb.shape[:-1]))
    return gb


def _matmul_batched(i, t, ans, a, b):
    # Vectors become matrices, the batched operand's directions go in front of every batch
    # dimension, and the unit dimensions are dropped from the result again.
    B = t.shape[0]
    mats = []
    for j, x in enumerate((a, b)):
        shape = tuple(x.shape)
        if len(shape) == 1:
            shape = (1, shape[0]) if j == 0 else (shape[0], 1)
        mats.append(shape)
    rank = max(len(mats[0]), len(mats[1]))
    operands = []
    for j, x in enumerate((a, b)):
        if j == i:
            x = reshape_p(t, shape=(B,) + (1,) * (rank - len(mats[j])) + mats[j])
        elif tuple(x.shape) != mats[j]:
            x = reshape_p(x, shape=mats[j])
        operands.append(x)
    return reshape_p(matmul_p(*operands), shape=(B,) + tuple(ans.shape))


matmul_p = defprim("matmul", np.matmul, vjps=(_matmul_vjp_a, _matmul_vjp_b), multilinear=True,
                   batch_jvp=_matmul_batched,
                   node_name="MmBackward0",
                   test=C.cases((((3, 4), (4, 2)), {}), (((4,), (4, 2)), {}), (((3, 4), (4,)), {}),
                                (((4,), (4,)), {}), (((2, 3, 4), (4, 5)), {}),
                                (((2, 1, 3, 4), (3, 4, 2)), {})))


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def explicit_equation(equation: str, ndims: list[int]) -> str:
    """The equation with ``...`` spelled out in letters and the output written explicitly
    (implicit mode: broadcast dimensions, then the letters that occur once, sorted)."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(ndims) > len(ins) else
                           "einsum(): fewer operands were provided than specified in the equation")
    free = [c for c in _LETTERS if c not in equation]
    n_ell = max((nd - (len(s) - 3) for s, nd in zip(ins, ndims) if "..." in s), default=0)
    ell = "".join(free[:n_ell])
    ins = [s.replace("...", ell[n_ell - (nd - (len(s) - 3)):]) if "..." in s else s
           for s, nd in zip(ins, ndims)]
    if arrow:
        out = rhs.replace("...", ell)
    else:
        letters = "".join(ins)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1
                                   and c not in ell))
    for s, nd in zip(ins, ndims):
        if len(s) != nd:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions ({nd}) for operand")
    return ",".join(ins) + "->" + out


def _einsum(*operands, subscripts):
    return np.einsum(subscripts, *operands, optimize=len(operands) > 2)


def _einsum_vjp(i, g, ans, *operands, subscripts):
    lhs, out = subscripts.split("->")
    ins = lhs.split(",")
    target = ins[i]
    unique = "".join(dict.fromkeys(target))
    others = [(s, op) for j, (s, op) in enumerate(zip(ins, operands)) if j != i]
    reachable = set(out).union(*[set(s) for s, _ in others])
    kept = "".join(c for c in unique if c in reachable)
    expr = ",".join([out] + [s for s, _ in others]) + "->" + kept
    grad = einsum_p(g, *[op for _, op in others], subscripts=expr)
    sizes = dict(zip(target, operands[i].shape))
    if kept != unique:
        # Indices summed away by this operand alone: the gradient is constant along them.
        grad = reshape_p(grad, shape=tuple(sizes[c] if c in reachable else 1 for c in unique))
        from .shape import broadcast_to_p
        grad = broadcast_to_p(grad, shape=tuple(sizes[c] for c in unique))
    if unique != target:
        # A repeated index (a diagonal): place the gradient on it with identity matrices.
        free = [c for c in _LETTERS if c not in subscripts]
        renamed, eyes, seen = "", [], set()
        for c in target:
            if c in seen:
                fresh = free.pop(0)
                renamed += fresh
                eyes.append((c + fresh, np.eye(sizes[c], dtype=bool)))
            else:
                renamed += c
                seen.add(c)
        expr = ",".join([unique] + [s for s, _ in eyes]) + "->" + renamed
        grad = einsum_p(grad, *[e for _, e in eyes], subscripts=expr)
    return grad


def _einsum_batched(i, t, ans, *operands, subscripts):
    lhs, out = subscripts.split("->")
    ins = lhs.split(",")
    letter = next(c for c in _LETTERS if c not in subscripts)
    ins[i] = letter + ins[i]
    args = list(operands)
    args[i] = t
    return einsum_p(*args, subscripts=",".join(ins) + "->" + letter + out)


# Subscripts are always explicit here (``einsum()`` spells out ``...`` and the output).
einsum_p = defprim("einsum", _einsum, vjps=Variadic(_einsum_vjp), multilinear=True,
                   batch_jvp=_einsum_batched,
                   test=C.cases((((3, 4), (4, 5)), {"subscripts": "ij,jk->ik"}),
                                (((3, 4),), {"subscripts": "ij->j"}),
                                (((2, 3), (3, 4), (4,)), {"subscripts": "ij,jk,k->i"}),
                                (((3,), (4,)), {"subscripts": "i,j->ij"}),
                                (((2, 3, 4), (2, 4)), {"subscripts": "bij,bj->bi"}),
                                (((3, 3),), {"subscripts": "ii->i"}),
                                (((3, 3),), {"subscripts": "ii->"}),
                                (((2, 2, 3), (3,)), {"subscripts": "iij,j->"})))


def _linear(x, w, b=None):
    out = np.matmul(x, np.swapaxes(w, -1, -2))
    if b is not None:
        out += b  # the product is a fresh array: add the bias in place
    return out


def _linear_vjp_w(g, ans, x, w, b=None):
    n_out, n_in = w.shape[-2], w.shape[-1]
    g2 = reshape_p(g, shape=(-1, n_out)) if len(g.shape) != 2 else g
    x2 = reshape_p(x, shape=(-1, n_in)) if len(x.shape) != 2 else x
    return matmul_p(_mT(g2), x2)


def _linear_vjp_b(g, ans, x, w, b=None):
    from .reduction import sum_p
    return sum_p(g, axis=tuple(range(len(g.shape) - 1)), keepdims=False)


def _linear_batched(i, t, ans, x, w, b=None):
    if i == 0:
        return linear_p(t, w)
    if i == 2:
        from ..autograd.forward_ad import align
        return align(t, len(ans.shape))
    if len(x.shape) != 2:
        from ..autograd.forward_ad import per_direction
        return per_direction(linear_p, i, t, ans, (x, w) if b is None else (x, w, b), {})
    return matmul_p(x, permute_p(t, axes=(0, 2, 1)))


# ``x @ w.T + b`` as one primitive, for speed: no transposed-weight and bias-add nodes, and the
# weight's gradient comes out in the weight's own layout (PyTorch's addmm).
linear_p = defprim(
    "linear", _linear,
    vjps=(lambda g, ans, x, w, b=None: matmul_p(g, w), _linear_vjp_w, _linear_vjp_b),
    jvps=(lambda t, ans, x, w, b=None: linear_p(t, w),
          lambda t, ans, x, w, b=None: linear_p(x, t),
          lambda t, ans, x, w, b=None: t),
    node_name="AddmmBackward0", batch_jvp=_linear_batched,
    test=C.cases((((5, 4), (3, 4), (3,)), {}), (((5, 4), (3, 4)), {}),
                 (((2, 5, 4), (3, 4), (3,)), {}), (((4,), (3, 4), (3,)), {})))


# ---------------------------------------------------------------- public functions
def _matmul_error(a, b) -> RuntimeError:
    sa, sb = a.shape, b.shape
    if len(sa) == 2 and len(sb) == 2:
        return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and "
                            f"{sb[0]}x{sb[1]})")
    if len(sa) == 1 and len(sb) == 1:
        return RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src "
                            f"[{sb[0]}] to have the same number of elements, but got {sa[0]} and "
                            f"{sb[0]} elements respectively")
    return RuntimeError(f"Expected size for first two dimensions of batch2 tensor to match: "
                        f"shapes {list(sa)} and {list(sb)} cannot be multiplied")


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with NumPy's rules for vectors and broadcast batch dimensions."""
    from .elementwise import _promote
    if not (isinstance(input, Tensor) and isinstance(other, Tensor)
            and input._data.dtype == other._data.dtype):
        input, other = _promote(input, other, floating=False)
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    try:
        out = np.matmul(a, b)
    except ValueError:
        raise _matmul_error(a, b) from None
    return record(matmul_p, out, (input, other), (a, b), {})


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` (PyTorch's ``nn.functional.linear``)."""
    from .elementwise import _promote
    if input._data.dtype != weight._data.dtype:
        input, weight = _promote(input, weight, floating=False)
    if bias is not None and bias._data.dtype != weight._data.dtype:
        bias = bias.to(weight.dtype)
    x, w = input._data, weight._data
    if x.shape[-1] != w.shape[-1]:
        rows = int(np.prod(x.shape[:-1]))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} "
                           f"and {w.shape[-1]}x{w.shape[0]})")
    if bias is None:
        return record(linear_p, _linear(x, w), (input, weight), (x, w), {})
    bd = bias._data
    return record(linear_p, _linear(x, w, bd), (input, weight, bias), (x, w, bd), {})


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError("self must be a matrix" if input.ndim != 2 else "mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if input.ndim != 3
                           else "batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, "
                           f"{mat2.shape[1]}].")
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError("vector + matrix @ vector expected, got "
                           f"{vec.ndim}, {input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D "
                           "tensors")
    return matmul(input, tensor)


inner = dot


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    return einsum("i,j->ij", input, vec2)


ger = outer


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, e.g. ``einsum("ij,jk->ik", a, b)``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    from .._dtype import promote_types
    from .elementwise import to_dtype
    dt = operands[0]._data.dtype
    for op in operands[1:]:
        dt = promote_types(dt, op._data.dtype)
    operands = tuple(to_dtype(op, dt) for op in operands)
    equation = explicit_equation(equation, [op._data.ndim for op in operands])
    arrays = [op._data for op in operands]
    params = {"subscripts": equation}
    try:
        out = _einsum(*arrays, subscripts=equation)
    except ValueError as e:
        raise RuntimeError(f"einsum(): {e} (operand shapes "
                           f"{[list(a.shape) for a in arrays]})") from None
    return record(einsum_p, out, operands, arrays, params)
