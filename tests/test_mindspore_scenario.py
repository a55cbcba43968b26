"""SPEC §8, second block: the MindSpore scenario of the source tutorials (functional grad with
grad_position, has_aux, weights and nn.Cell), run as the SPEC writes it, then checked against
an independent NumPy computation of the same gradients and against the relationships the SPEC
states (gw2 == gw + 1, gb2 == gb + 1, gw3 == gw, gb3 == gb, gw4 == gw, gb4 == gb).

The math: x = ones(5), y = zeros(3), z = x @ w + b, and with unit weights the loss is
mean_j softplus(z_j) - y_j z_j, so dloss/dz = (sigmoid(z) - y) / 3, gw = outer(x, dloss/dz),
gb = dloss/dz. ``function_with_logits`` also returns z; without has_aux both outputs are seeded
with ones, so it adds d(sum z)/dw = outer(x, ones(3)) = 1 (x is all ones) and d(sum z)/db = 1.
"""

import numpy as np
import pytest


def _run_scenario():
    # ---- the SPEC's code, as written (plus a seed) ------------------------------------------
    import numpy as np

    import chainrule as cr
    from chainrule import Parameter, Tensor, nn, ops
    np.random.seed(20240521)

    x = ops.ones(5, cr.float32); y = ops.zeros(3, cr.float32)
    w = Parameter(Tensor(np.random.randn(5, 3), cr.float32), name='w')
    b = Parameter(Tensor(np.random.randn(3,), cr.float32), name='b')

    def function(x, y, w, b):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y, ops.ones_like(z), ops.ones_like(z))

    def function_with_logits(x, y, w, b):
        z = ops.matmul(x, w) + b
        return function(x, y, w, b), z

    gw, gb = cr.grad(function, (2, 3))(x, y, w, b)
    gw2, gb2 = cr.grad(function_with_logits, (2, 3))(x, y, w, b)        # == gw + 1, gb + 1
    (gw3, gb3), (z,) = cr.grad(function_with_logits, (2, 3), has_aux=True)(x, y, w, b)  # == gw, gb

    class Network(nn.Cell):
        def __init__(self):
            super().__init__(); self.w = w; self.b = b
        def construct(self, x):
            return ops.matmul(x, self.w) + self.b

    model = Network(); loss_fn = nn.BCEWithLogitsLoss()
    def forward_fn(x, y):
        return loss_fn(model(x), y)
    loss, (gw4, gb4) = cr.value_and_grad(forward_fn, None, weights=model.trainable_params())(x, y)  # == gw, gb
    # -----------------------------------------------------------------------------------------
    return {"cr": cr, "x": x, "y": y, "w": w, "b": b, "model": model, "gw": gw, "gb": gb,
            "gw2": gw2, "gb2": gb2, "gw3": gw3, "gb3": gb3, "z": z, "loss": loss,
            "gw4": gw4, "gb4": gb4}


@pytest.fixture(scope="module")
def s():
    return _run_scenario()


def _np(t):
    return t.detach().numpy()


def _reference(w, b):
    """Independent float64 NumPy computation of the loss and its gradients."""
    x = np.ones(5)
    y = np.zeros(3)
    z = x @ w + b
    loss = np.mean(np.logaddexp(0.0, z) - y * z)   # BCE with logits, unit weights, mean
    dz = (1.0 / (1.0 + np.exp(-z)) - y) / z.size
    return z, loss, np.outer(x, dz), dz


TOL = {"rtol": 1e-5, "atol": 1e-6}  # float32 arithmetic against a float64 reference


def test_parameters(s):
    cr = s["cr"]
    assert s["w"].requires_grad and s["b"].requires_grad
    assert s["w"].dtype == cr.float32 and s["b"].dtype == cr.float32
    assert s["w"].name == "w" and s["b"].name == "b"
    params = list(s["model"].trainable_params())
    assert len(params) == 2 and params[0] is s["w"] and params[1] is s["b"]


def test_gradients_match_independent_computation(s):
    _, _, gw_ref, gb_ref = _reference(_np(s["w"]).astype(np.float64), _np(s["b"]).astype(np.float64))
    assert tuple(s["gw"].shape) == (5, 3) and tuple(s["gb"].shape) == (3,)
    assert s["gw"].dtype == s["cr"].float32
    np.testing.assert_allclose(_np(s["gw"]), gw_ref, **TOL)
    np.testing.assert_allclose(_np(s["gb"]), gb_ref, **TOL)
    # with x all ones, every row of gw equals gb
    for row in _np(s["gw"]):
        np.testing.assert_allclose(row, _np(s["gb"]), rtol=1e-6)


def test_several_outputs_add_the_gradient_of_the_sum_of_z(s):
    np.testing.assert_allclose(_np(s["gw2"]), _np(s["gw"]) + 1, **TOL)
    np.testing.assert_allclose(_np(s["gb2"]), _np(s["gb"]) + 1, **TOL)
    _, _, gw_ref, gb_ref = _reference(_np(s["w"]).astype(np.float64), _np(s["b"]).astype(np.float64))
    np.testing.assert_allclose(_np(s["gw2"]), gw_ref + 1, **TOL)
    np.testing.assert_allclose(_np(s["gb2"]), gb_ref + 1, **TOL)


def test_has_aux_differentiates_the_first_output_only(s):
    np.testing.assert_allclose(_np(s["gw3"]), _np(s["gw"]), **TOL)
    np.testing.assert_allclose(_np(s["gb3"]), _np(s["gb"]), **TOL)
    z_ref, _, _, _ = _reference(_np(s["w"]).astype(np.float64), _np(s["b"]).astype(np.float64))
    z = s["z"]
    assert tuple(z.shape) == (3,)
    np.testing.assert_allclose(_np(z), z_ref, **TOL)
    assert not z.requires_grad and z.grad_fn is None   # cut from the graph


def test_value_and_grad_with_weights(s):
    _, loss_ref, gw_ref, gb_ref = _reference(_np(s["w"]).astype(np.float64),
                                                 _np(s["b"]).astype(np.float64))
    loss = s["loss"]
    assert loss.numel() == 1
    np.testing.assert_allclose(float(_np(loss)), loss_ref, **TOL)
    np.testing.assert_allclose(_np(s["gw4"]), _np(s["gw"]), **TOL)
    np.testing.assert_allclose(_np(s["gb4"]), _np(s["gb"]), **TOL)
    np.testing.assert_allclose(_np(s["gw4"]), gw_ref, **TOL)
    np.testing.assert_allclose(_np(s["gb4"]), gb_ref, **TOL)


def test_parameters_grad_untouched(s):
    assert s["w"].grad is None and s["b"].grad is None


def test_against_torch(s):
    torch = pytest.importorskip("torch")
    w = torch.tensor(_np(s["w"]), requires_grad=True)
    b = torch.tensor(_np(s["b"]), requires_grad=True)
    x = torch.ones(5)
    y = torch.zeros(3)
    z = x @ w + b
    loss = torch.nn.BCEWithLogitsLoss()(z, y)
    gw, gb = torch.autograd.grad(loss, (w, b), retain_graph=True)
    np.testing.assert_allclose(float(_np(s["loss"])), loss.item(), **TOL)
    np.testing.assert_allclose(_np(s["gw"]), gw.numpy(), **TOL)
    np.testing.assert_allclose(_np(s["gb"]), gb.numpy(), **TOL)
    gw2, gb2 = torch.autograd.grad((loss, z), (w, b), (torch.tensor(1.0), torch.ones(3)))
    np.testing.assert_allclose(_np(s["gw2"]), gw2.numpy(), **TOL)
    np.testing.assert_allclose(_np(s["gb2"]), gb2.numpy(), **TOL)
