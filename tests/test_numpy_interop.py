"""NumPy's ufuncs and functions applied to tensors (``__array_ufunc__``,
``__array_function__``): each mapped function gives NumPy's values as a chainrule tensor in the
graph, and its gradient matches central differences of the same NumPy code on arrays."""

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.ops import _numpy

RNG = np.random.default_rng(0)


def normal(*shape):
    return RNG.standard_normal(shape)


def positive(*shape):
    return RNG.uniform(0.5, 2.0, shape)


MASK = RNG.random((3, 4)) > 0.5
INDICES = np.argsort(RNG.random((3, 4)), axis=1)[:, :3]

COVERED = set()


def case(func, arrays, f=None, id=None):
    """A gradient case for the NumPy function ``func``, called directly or by ``f``; every
    input array is differentiated."""
    COVERED.add(func)
    return pytest.param(f or func, arrays, id=id or func.__name__)


CASES = [
    # ufuncs
    case(np.sin, [normal(3, 4)]),
    case(np.tanh, [normal(3, 4)]),
    case(np.exp, [normal(3, 4)]),
    case(np.log, [positive(3, 4)]),
    case(np.log1p, [positive(5)]),
    case(np.expm1, [normal(5)]),
    case(np.sqrt, [positive(3, 4)]),
    case(np.abs, [normal(3, 4)]),
    case(np.fabs, [normal(3, 4)]),
    case(np.negative, [normal(3)]),
    case(np.square, [normal(3, 4)]),
    case(np.reciprocal, [positive(3, 4)]),
    case(np.exp2, [normal(4)]),
    case(np.log2, [positive(4)]),
    case(np.log10, [positive(4)]),
    case(np.arcsin, [RNG.uniform(-0.8, 0.8, 5)]),
    case(np.arctan, [normal(5)]),
    case(np.add, [normal(3, 4), normal(4)]),
    case(np.subtract, [normal(3, 4), normal(3, 1)]),
    case(np.multiply, [normal(3, 4), normal(4)]),
    case(np.true_divide, [normal(3, 4), positive(4)]),
    case(np.power, [positive(3, 4), normal(3, 4)]),
    case(np.maximum, [normal(3, 4), normal(3, 4)]),
    case(np.minimum, [normal(3, 4), normal(4)]),
    case(np.matmul, [normal(3, 4), normal(4, 2)]),
    case(np.matmul, [normal(2, 3, 4), normal(4)], id="matmul_batched"),
    case(np.vecdot, [normal(3, 4), normal(4)]),
    # reductions
    case(np.sum, [normal(3, 4)]),
    case(np.sum, [normal(3, 4)], lambda x: np.sum(x, axis=0), id="sum_axis"),
    case(np.sum, [normal(2, 3, 4)],
         lambda x: np.sum(x, axis=(0, 2), keepdims=True), id="sum_axes_keepdims"),
    case(np.mean, [normal(3, 4)], lambda x: np.mean(x, axis=-1)),
    case(np.prod, [normal(3, 4)], lambda x: np.prod(x, axis=1, keepdims=True)),
    case(np.max, [normal(3, 4)]),
    case(np.amax, [normal(3, 4)], lambda x: np.amax(x, axis=1), id="amax_axis"),
    case(np.min, [normal(3, 4)], lambda x: np.min(x, axis=0, keepdims=True), id="min_axis"),
    case(np.amin, [normal(3, 4)]),
    case(np.cumsum, [normal(3, 4)]),
    case(np.cumsum, [normal(3, 4)], lambda x: np.cumsum(x, axis=1), id="cumsum_axis"),
    case(np.var, [normal(3, 4)]),
    case(np.var, [normal(3, 4)], lambda x: np.var(x, axis=0, ddof=1, keepdims=True), id="var_ddof"),
    case(np.std, [normal(3, 4)], lambda x: np.std(x, axis=1)),
    case(np.std, [normal(3, 4)], lambda x: np.std(x, ddof=1), id="std_ddof"),
    case(np.linalg.norm, [normal(3, 4)]),
    case(np.linalg.norm, [normal(3, 4)],
         lambda x: np.linalg.norm(x, axis=1, keepdims=True), id="norm_axis_keepdims"),
    case(np.linalg.norm, [normal(5)], lambda x: np.linalg.norm(x, ord=1), id="norm_ord1"),
    case(np.linalg.norm, [normal(3, 4)],
         lambda x: np.linalg.norm(x, 2, axis=0), id="norm_ord2_axis"),
    case(np.linalg.norm, [normal(3, 4)],
         lambda x: np.linalg.norm(x, np.inf, axis=-1), id="norm_inf"),
    case(np.linalg.norm, [normal(5)], lambda x: np.linalg.norm(x, -np.inf), id="norm_minus_inf"),
    case(np.linalg.norm, [normal(5)], lambda x: np.linalg.norm(x, 3), id="norm_ord3"),
    case(np.linalg.norm, [normal(3, 4)], lambda x: np.linalg.norm(x, "fro"), id="norm_fro"),
    case(np.linalg.norm, [normal(2, 3, 4)],
         lambda x: np.linalg.norm(x, axis=(0, 2)), id="norm_fro_axes"),
    case(np.linalg.vector_norm, [normal(3, 4)], lambda x: np.linalg.vector_norm(x, axis=0, ord=1)),
    # shapes
    case(np.reshape, [normal(3, 4)], lambda x: np.reshape(x, (4, 3))),
    case(np.reshape, [normal(3, 4)], lambda x: np.reshape(x, -1), id="reshape_infer"),
    case(np.ravel, [normal(3, 4)]),
    case(np.transpose, [normal(2, 3, 4)]),
    case(np.transpose, [normal(2, 3, 4)],
         lambda x: np.transpose(x, (1, 2, 0)), id="transpose_axes"),
    case(np.permute_dims, [normal(2, 3, 4)], lambda x: np.permute_dims(x, (2, 0, 1))),
    case(np.swapaxes, [normal(2, 3, 4)], lambda x: np.swapaxes(x, 0, -1)),
    case(np.matrix_transpose, [normal(2, 3, 4)]),
    case(np.linalg.matrix_transpose, [normal(3, 4)], id="linalg_matrix_transpose"),
    case(np.moveaxis, [normal(2, 3, 4)], lambda x: np.moveaxis(x, 0, -1)),
    case(np.moveaxis, [normal(2, 3, 4)],
         lambda x: np.moveaxis(x, (0, 1), (2, 0)), id="moveaxis_many"),
    case(np.squeeze, [normal(3, 1, 4, 1)]),
    case(np.squeeze, [normal(3, 1, 4, 1)], lambda x: np.squeeze(x, axis=1), id="squeeze_axis"),
    case(np.expand_dims, [normal(3, 4)], lambda x: np.expand_dims(x, 1)),
    case(np.expand_dims, [normal(3, 4)],
         lambda x: np.expand_dims(x, (0, -1)), id="expand_dims_many"),
    case(np.broadcast_to, [normal(3, 1)], lambda x: np.broadcast_to(x, (2, 3, 4))),
    case(np.flip, [normal(3, 4)]),
    case(np.flip, [normal(3, 4)], lambda x: np.flip(x, axis=1), id="flip_axis"),
    case(np.tile, [normal(3, 4)], lambda x: np.tile(x, 2)),
    case(np.tile, [normal(3, 4)], lambda x: np.tile(x, (2, 1, 3)), id="tile_more_dims"),
    case(np.repeat, [normal(3, 4)], lambda x: np.repeat(x, 2)),
    case(np.repeat, [normal(3, 4)], lambda x: np.repeat(x, [1, 0, 3], axis=0), id="repeat_axis"),
    case(np.copy, [normal(3, 4)]),
    case(np.astype, [normal(3, 4)], lambda x: np.astype(x, "float64")),
    # joining and splitting
    case(np.concatenate, [normal(3, 4), normal(3, 2)], lambda x, y: np.concatenate([x, y], axis=1)),
    case(np.concatenate, [normal(3, 4), normal(2)],
         lambda x, y: np.concatenate((x, y), axis=None), id="concatenate_none"),
    case(np.concat, [normal(3, 4), normal(1, 4)], lambda x, y: np.concat([x, y])),
    case(np.stack, [normal(3, 4), normal(3, 4)], lambda x, y: np.stack([x, y], axis=-1)),
    case(np.vstack, [normal(4), normal(2, 4)], lambda x, y: np.vstack([x, y])),
    case(np.hstack, [normal(3), normal(2)], lambda x, y: np.hstack([x, y])),
    case(np.split, [normal(3, 4)], lambda x: np.split(x, 2, axis=1)),
    case(np.split, [normal(5, 2)], lambda x: np.split(x, [1, 3]), id="split_indices"),
    case(np.array_split, [normal(7)], lambda x: np.array_split(x, 3)),
    # selection
    case(np.where, [normal(3, 4), normal(4)], lambda x, y: np.where(MASK, x, y)),
    case(np.where, [normal(3, 4)], lambda x: np.where(MASK, x, 0.0), id="where_scalar"),
    case(np.clip, [normal(3, 4)], lambda x: np.clip(x, -0.5, 0.5)),
    case(np.clip, [normal(3, 4)], lambda x: np.clip(x, min=-0.3), id="clip_keywords"),
    case(np.take_along_axis, [normal(3, 4)], lambda x: np.take_along_axis(x, INDICES, axis=1)),
    case(np.sort, [normal(3, 4)]),
    case(np.sort, [normal(3, 4)], lambda x: np.sort(x, axis=0), id="sort_axis"),
    case(np.diagonal, [normal(4, 4)]),
    case(np.diagonal, [normal(2, 4, 3)], lambda x: np.diagonal(x, -1, 1, 2), id="diagonal_offset"),
    case(np.trace, [normal(3, 3)]),
    case(np.diff, [normal(3, 5)]),
    case(np.diff, [normal(4, 3)], lambda x: np.diff(x, n=2, axis=0), id="diff_twice"),
    # products
    case(np.dot, [normal(4), normal(4)], id="dot_vectors"),
    case(np.dot, [normal(3, 4), normal(4, 2)], id="dot_matrices"),
    case(np.dot, [normal(2, 3, 4), normal(5, 4, 2)], id="dot_nd"),
    case(np.dot, [normal(), normal(3)], id="dot_scalar"),
    case(np.vdot, [normal(3, 2), normal(6)]),
    case(np.inner, [normal(3, 4), normal(2, 4)]),
    case(np.outer, [normal(3), normal(2, 2)]),
    case(np.linalg.outer, [normal(3), normal(4)], id="linalg_outer"),
    case(np.linalg.matmul, [normal(3, 4), normal(4, 2)], id="linalg_matmul"),
    case(np.tensordot, [normal(2, 3, 4), normal(3, 4, 5)]),
    case(np.tensordot, [normal(2, 3, 4), normal(4, 5, 2)],
         lambda x, y: np.tensordot(x, y, axes=([0, 2], [2, 0])), id="tensordot_axes"),
    case(np.linalg.tensordot, [normal(3, 4), normal(4, 2)],
         lambda x, y: np.linalg.tensordot(x, y, axes=1), id="linalg_tensordot"),
    case(np.einsum, [normal(3, 4), normal(4, 2)], lambda x, y: np.einsum("ij,jk->ik", x, y)),
    case(np.einsum, [normal(3, 3)], lambda x: np.einsum("ii", x), id="einsum_implicit"),
]

NON_DIFFERENTIABLE_FUNCTIONS = {
    np.argmax, np.argmin, np.argsort, np.argwhere, np.nonzero, np.flatnonzero, np.count_nonzero,
    np.searchsorted, np.isclose, np.zeros_like, np.ones_like, np.empty_like, np.full_like,
    np.allclose, np.array_equal, np.shape, np.ndim, np.size, np.round, np.around,
}


def _outputs(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


def numerical_gradient(f, arrays, i, cotangents, eps=1e-6):
    """Central differences of ``sum(vdot(cot, out))`` with respect to ``arrays[i]``."""
    def objective(x):
        args = arrays[:i] + [x] + arrays[i + 1:]
        return sum(np.vdot(c, np.asarray(o, np.float64))
                   for c, o in zip(cotangents, _outputs(f(*args))))
    grad = np.zeros_like(arrays[i])
    for k in np.ndindex(grad.shape):
        step = np.zeros_like(grad)
        step[k] = eps
        grad[k] = (objective(arrays[i] + step) - objective(arrays[i] - step)) / (2 * eps)
    return grad


@pytest.mark.parametrize("f, arrays", CASES)
def test_forward_matches_numpy_and_gradient_matches_numerical(f, arrays):
    tensors = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]
    outs, expected = _outputs(f(*tensors)), _outputs(f(*arrays))
    assert len(outs) == len(expected)
    for out, want in zip(outs, expected):
        want = np.asarray(want)
        assert isinstance(out, cr.Tensor) and out.grad_fn is not None
        assert out.shape == want.shape and out.dtype.numpy == want.dtype
        np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-6, atol=1e-12)
    cotangents = [normal(*np.shape(e)) for e in expected]
    loss = sum((out * cr.tensor(c, dtype=out.dtype)).sum() for out, c in zip(outs, cotangents))
    grads = cr.autograd.grad(loss, tensors)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g.numpy(), numerical_gradient(f, arrays, i, cotangents),
                                   rtol=1e-5, atol=1e-7)


def test_every_mapped_function_is_checked():
    missing = [f.__name__ for f in _numpy._FUNCTIONS
               if f not in COVERED and f not in NON_DIFFERENTIABLE_FUNCTIONS]
    assert missing == []


# ---------------------------------------------------------------- the examples
def test_ufuncs_and_functions_on_tensors_stay_differentiable():
    t = cr.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=cr.float64, requires_grad=True)
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    s = np.sin(t)
    assert isinstance(s, cr.Tensor) and s.grad_fn.name() == "SinBackward0"
    terms = [np.sum(t + a, axis=0), np.sum(a * t, axis=1), np.matmul(a, t), a @ t]
    assert all(isinstance(x, cr.Tensor) and x.requires_grad for x in terms)
    sum(x.sum() for x in terms).backward()
    ones = np.ones((2, 2))
    np.testing.assert_allclose(t.grad.numpy(), ones + a + 2 * a.T @ ones)


def test_ndarray_on_the_left_keeps_the_tensor_in_the_graph():
    t = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for out in (np.ones(3) * t, np.ones(3) + t, np.ones(3) - t, np.ones(3) / t,
                np.full(3, 2.0) ** t, np.ones(3) < t):
        assert isinstance(out, cr.Tensor)
    out = np.array([2.0, 3.0, 4.0], dtype=np.float32) * t
    assert out.dtype == cr.float32 and out.grad_fn is not None
    out.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), [2.0, 3.0, 4.0])


def test_grad_of_plain_numpy_code():
    x = np.array([-1.5, -0.2, 0.3, 2.0])
    t = cr.tensor(x, requires_grad=True)
    (g,) = cr.autograd.grad(np.sum(np.tanh(t) ** 2), [t])
    th = np.tanh(x)
    np.testing.assert_allclose(g.numpy(), 2 * th * (1 - th ** 2), rtol=1e-12)
    g = cr.grad(lambda x: np.sum(np.tanh(x) ** 2))(x)
    np.testing.assert_allclose(np.asarray(g), 2 * th * (1 - th ** 2), rtol=1e-12)


def test_mixed_tensor_and_array_arguments_keep_the_arrays_dtypes():
    t32 = cr.tensor([1.0, 2.0], requires_grad=True)
    assert np.stack([np.zeros(2, np.float32), t32]).dtype == cr.float32
    assert np.concatenate([np.zeros(2), t32]).dtype == cr.float64
    assert np.concatenate([np.arange(2), t32]).dtype == cr.float32
    assert np.astype(t32, np.float64).dtype == cr.float64
    assert np.astype(t32, np.float64).grad_fn.name() == "ToCopyBackward0"
    t = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    out = np.dot(np.array([3.0, 4.0]), t) + np.where([True, False], t, np.array([5.0, 6.0])).sum()
    out.backward()
    np.testing.assert_allclose(t.grad.numpy(), [4.0, 4.0])


@pytest.mark.parametrize("f", [
    np.argmax, lambda x: np.argmin(x, axis=1, keepdims=True), lambda x: np.argsort(x, axis=0),
    lambda x: np.argwhere(x > 0), lambda x: np.nonzero(x > 0), lambda x: np.flatnonzero(x > 0),
    lambda x: np.searchsorted(np.sort(x, axis=None), [0.0, 1.0]),
    lambda x: np.isclose(x, 0.1), lambda x: np.round(x, 1), lambda x: np.around(x),
    np.zeros_like, np.ones_like, lambda x: np.full_like(x, 7.0),
    lambda x: np.zeros_like(x, np.int32),
])
def test_results_without_gradient_are_plain_tensors(f):
    x = normal(3, 4)
    t = cr.tensor(x, requires_grad=True)
    outs, expected = _outputs(f(t)), _outputs(f(x))
    for out, want in zip(outs, expected, strict=True):
        assert isinstance(out, cr.Tensor) and not out.requires_grad and out.grad_fn is None
        assert out.dtype.numpy == np.asarray(want).dtype
        np.testing.assert_array_equal(out.numpy(), want)


def test_python_values():
    t = cr.tensor(normal(3, 4), requires_grad=True)
    assert np.shape(t) == (3, 4) and type(np.shape(t)) is tuple
    assert np.ndim(t) == 2 and np.size(t) == 12 and np.size(t, 1) == 4
    assert np.count_nonzero(t > 100) == 0
    assert np.allclose(t, t.detach().numpy()) is True
    assert np.array_equal(t, t.detach().numpy() + 1) is False


def test_zeros_like_keeps_shape_and_dtype():
    t = cr.tensor(normal(2, 3), dtype=cr.float64, requires_grad=True)
    z = np.zeros_like(t)
    assert z.shape == (2, 3) and z.dtype == cr.float64 and not z.requires_grad
    assert np.ones_like(cr.tensor([1, 2])).dtype == cr.int64


def test_plain_tensors_give_tensors():
    t = cr.tensor([[1.0, 2.0], [3.0, 4.0]])
    for out in (np.sum(t, axis=0), np.sin(t), np.transpose(t), np.concatenate([t, t]),
                np.matmul(t, t), np.linalg.norm(t), t + np.ones(2), np.ones(2) * t):
        assert isinstance(out, cr.Tensor) and not out.requires_grad


def test_integer_tensors_follow_chainrule_dtypes():
    t = cr.tensor([[1, 2], [3, 4]])
    assert np.sum(t).dtype == cr.int64 and np.sum(t).item() == 10
    assert np.mean(t).dtype == cr.float32 and np.mean(t).item() == 2.5
    assert np.sum(t, dtype=np.float64).dtype == cr.float64
    assert np.sqrt(t).dtype == cr.float32
    np.testing.assert_allclose(np.linalg.norm(t).item(), math.sqrt(30), rtol=1e-6)


# ---------------------------------------------------------------- refusals
def test_unknown_functions_raise_type_error():
    t = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError):
        np.fft.fft(t)
    with pytest.raises(TypeError):
        np.linalg.inv(cr.tensor(np.eye(2), requires_grad=True))
    with pytest.raises(TypeError):
        np.add.reduce(t)
    with pytest.raises(TypeError):
        np.arctan2(t, t)


def test_arguments_chainrule_cannot_honour_raise_type_error():
    t = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(TypeError, match="out="):
        np.sum(t, out=np.empty(()))
    with pytest.raises(TypeError, match="where"):
        np.sum(t, where=np.array([True, False]))
    with pytest.raises(TypeError, match="order"):
        np.reshape(t, 4, order="F")
    with pytest.raises(TypeError):
        np.sin(t, out=np.empty((2, 2)))
    with pytest.raises(TypeError):
        np.add(t, t, dtype=np.float64)
    with pytest.raises(TypeError, match="matrix norm"):
        np.linalg.norm(t, ord="nuc")
    with pytest.raises(TypeError, match="interleaved"):
        np.einsum(t, [0, 1], [1, 0])
    assert np.sum(t, axis=0, out=None).shape == (2,)


def test_numpy_errors_are_kept():
    t = cr.tensor(normal(3, 4), requires_grad=True)
    with pytest.raises(ValueError, match="equal division"):
        np.split(t, 3, axis=1)
    with pytest.raises(ValueError, match="size not equal to one"):
        np.squeeze(t, axis=0)
