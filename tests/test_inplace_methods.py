"""Every in-place method equals its out-of-place form, in values and, on tensors in a graph,
in gradients."""

import numpy as np
import pytest

import chainrule as cr

X = np.array([0.3, 1.2, 2.5, 0.7])

INPLACE = {
    "exp_": lambda t: t.exp_(), "sigmoid_": lambda t: t.sigmoid_(),
    "relu_": lambda t: t.relu_(), "tanh_": lambda t: t.tanh_(), "sqrt_": lambda t: t.sqrt_(),
    "abs_": lambda t: t.abs_(), "neg_": lambda t: t.neg_(), "pow_": lambda t: t.pow_(3),
    "clamp_": lambda t: t.clamp_(0.5, 2.0), "mul_": lambda t: t.mul_(2.5),
    "add_": lambda t: t.add_(1.5, alpha=2), "sub_": lambda t: t.sub_(0.25),
    "div_": lambda t: t.div_(4.0),
    "index_put_": lambda t: t.index_put_((cr.tensor([0, 2]),), cr.tensor([9.0, 8.0],
                                                                           dtype=cr.float64)),
    "scatter_add_": lambda t: t.scatter_add_(0, cr.tensor([1, 1]),
                                             cr.tensor([1.0, 2.0], dtype=cr.float64)),
    "masked_fill_": lambda t: t.masked_fill_(cr.tensor([True, False, True, False]), -1.0),
}
OUT_OF_PLACE = {
    "exp_": np.exp, "sigmoid_": lambda a: 1 / (1 + np.exp(-a)), "relu_": lambda a: np.maximum(a, 0),
    "tanh_": np.tanh, "sqrt_": np.sqrt, "abs_": np.abs, "neg_": np.negative,
    "pow_": lambda a: a ** 3, "clamp_": lambda a: np.clip(a, 0.5, 2.0),
    "mul_": lambda a: a * 2.5, "add_": lambda a: a + 3.0, "sub_": lambda a: a - 0.25,
    "div_": lambda a: a / 4.0,
    "index_put_": lambda a: np.where(np.isin(np.arange(4), [0, 2]), [9.0, 0, 8.0, 0], a),
    "scatter_add_": lambda a: a + np.array([0.0, 3.0, 0.0, 0.0]),
    "masked_fill_": lambda a: np.where([True, False, True, False], -1.0, a),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_method_values(name):
    t = cr.tensor(X, dtype=cr.float64)
    out = INPLACE[name](t)
    assert out is t and t._version == 1
    np.testing.assert_allclose(t.numpy(), OUT_OF_PLACE[name](X), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_method_gradients_on_a_non_leaf(name):
    x = cr.tensor(X, dtype=cr.float64, requires_grad=True)
    y = x * 1.0
    INPLACE[name](y)
    y.sum().backward()
    eps = 1e-6
    numerical = np.array([(OUT_OF_PLACE[name](X + eps * e).sum()
                           - OUT_OF_PLACE[name](X - eps * e).sum()) / (2 * eps)
                          for e in np.eye(4)])
    np.testing.assert_allclose(x.grad.numpy(), numerical, rtol=1e-6, atol=1e-8)


def test_small_tensor_attributes():
    t = cr.zeros(2, 3)
    assert t.element_size() == 4 and t.is_contiguous() and not t.is_cuda
    assert cr.ones(2, dtype=cr.int64).type_as(t).dtype == cr.float32
    assert cr.is_tensor(t) and not cr.is_tensor(t.numpy())
