"""Small end-to-end trainings with ``chainrule.nn`` (SPEC §8): the loss falls / the model fits.

The optimiser updates are written by hand (``with chainrule.no_grad(): p -= lr * buf``), so these
tests depend only on layers, autograd and ``MSELoss``. Expected values come from NumPy formulas,
from the data's own labels, or from PyTorch running the same hand-written loop.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn


def _np(t):
    return np.asarray(t.detach().numpy())


# ---------------------------------------------------------------- (1) SPEC §8: MSELoss linear
def test_spec_mse_linear_layer_gradients():
    cr.manual_seed(0)
    x = cr.ones(2, 5)
    y = cr.zeros(2, 3)
    w = cr.randn(5, 3, requires_grad=True)
    b = cr.randn(3, requires_grad=True)
    loss = nn.MSELoss()(x.matmul(w) + b, y)
    loss.backward()
    wn, bn = _np(w).astype(np.float64), _np(b).astype(np.float64)
    z = np.ones((2, 5)) @ wn + bn
    np.testing.assert_allclose(float(_np(loss)), np.mean(z ** 2), rtol=1e-5)
    # d/dz mean(z^2) = 2 z / 6; b.grad sums over the batch; with x all ones, every row of
    # w.grad is the same sum
    dz = 2 * z / z.size
    np.testing.assert_allclose(_np(b.grad), dz.sum(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(w.grad), np.ones((2, 5)).T @ dz, rtol=1e-5, atol=1e-6)
    for row in _np(w.grad):
        np.testing.assert_allclose(row, _np(b.grad), rtol=1e-6, atol=1e-7)


def test_spec_mse_linear_layer_learns():
    cr.manual_seed(1)
    x = cr.ones(2, 5)
    y = cr.zeros(2, 3)
    w = cr.randn(5, 3, requires_grad=True)
    b = cr.randn(3, requires_grad=True)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(50):
        loss = loss_fn(x.matmul(w) + b, y)
        losses.append(float(_np(loss)))
        w.grad = None
        b.grad = None
        loss.backward()
        with cr.no_grad():
            w -= 0.05 * w.grad
            b -= 0.05 * b.grad
    assert losses[-1] < 1e-3 * losses[0]
    assert all(a >= c for a, c in itertools.pairwise(losses))  # a convex quadratic, small steps


# ---------------------------------------------------------------- (2) MLP, SGD with momentum
def _regression_data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n, 3))
    y = np.sin(2.0 * x[:, :1]) + x[:, 1:2] * x[:, 2:3] + 0.5 * x[:, 1:2]
    return x.astype(np.float32), y.astype(np.float32)


def _sgd_momentum(params, bufs, lr, momentum):
    with cr.no_grad():
        for p, buf in zip(params, bufs):
            buf *= momentum
            buf += p.grad
            p -= lr * buf


def test_mlp_sgd_momentum_regression_loss_falls_10x():
    cr.manual_seed(0)
    x_np, y_np = _regression_data()
    x, y = cr.tensor(x_np), cr.tensor(y_np)
    model = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1))
    loss_fn = nn.MSELoss()
    params = list(model.parameters())
    bufs = [cr.zeros(*p.shape) for p in params]
    losses = []
    for _ in range(300):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        losses.append(float(_np(loss)))
        _sgd_momentum(params, bufs, lr=0.05, momentum=0.9)
    final = float(np.mean((_np(model(x)) - y_np) ** 2))  # re-measured with NumPy
    assert np.isfinite(final)
    assert final < losses[0] / 10, (losses[0], final)
    # the parameters stayed leaves of the right type
    assert all(isinstance(p, nn.Parameter) and p.is_leaf and p.requires_grad for p in params)


def test_mlp_sgd_momentum_trajectory_matches_torch():
    """The same hand-written loop, same initial weights, in PyTorch: the losses agree."""
    torch = pytest.importorskip("torch")
    x_np, y_np = _regression_data(n=64, seed=1)
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.ReLU(),
                                 torch.nn.Linear(16, 1)).double()
    cmodel = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1)).double()
    cmodel.load_state_dict({k: cr.tensor(v.numpy().copy())
                            for k, v in tmodel.state_dict().items()})
    tx, ty = torch.tensor(x_np, dtype=torch.float64), torch.tensor(y_np, dtype=torch.float64)
    cx, cy = cr.tensor(x_np.astype(np.float64)), cr.tensor(y_np.astype(np.float64))
    tparams, cparams = list(tmodel.parameters()), list(cmodel.parameters())
    tbufs = [torch.zeros_like(p) for p in tparams]
    cbufs = [cr.zeros(*p.shape, dtype=cr.float64) for p in cparams]
    for step in range(40):
        tmodel.zero_grad()
        cmodel.zero_grad()
        tl = torch.nn.functional.mse_loss(tmodel(tx), ty)
        cl = nn.MSELoss()(cmodel(cx), cy)
        tl.backward()
        cl.backward()
        np.testing.assert_allclose(float(_np(cl)), tl.item(), rtol=1e-9, err_msg=f"step {step}")
        with torch.no_grad():
            for p, buf in zip(tparams, tbufs):
                buf.mul_(0.9).add_(p.grad)
                p -= 0.05 * buf
        _sgd_momentum(cparams, cbufs, lr=0.05, momentum=0.9)
    for (k, tp), cp in zip(tmodel.named_parameters(), cparams):
        np.testing.assert_allclose(_np(cp), tp.detach().numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=k)


# ---------------------------------------------------------------- (3) tiny CNN classifier
def _quadrant_images(n=128, seed=0):
    """8x8 noisy grey images; class 1 when the top-left quadrant is brighter, class 0 when
    the bottom-right one is (by 0.3, against uniform noise of width 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, (n, 1, 8, 8))
    y = rng.integers(0, 2, n)
    for i in range(n):
        if y[i] == 1:
            x[i, 0, :4, :4] += 0.3
        else:
            x[i, 0, 4:, 4:] += 0.3
    return x.astype(np.float32), y.astype(np.int64)


def test_tiny_cnn_learns_quadrant_classification():
    cr.manual_seed(0)
    x_np, y_np = _quadrant_images()
    n = len(y_np)
    x = cr.tensor(x_np)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 4 * 4, 2))
    params = list(model.parameters())

    def accuracy():
        with cr.no_grad():
            return float(np.mean(np.argmax(_np(model(x)), axis=1) == y_np))

    assert accuracy() < 0.75  # chance level before training
    first_loss = None
    for _ in range(200):
        model.zero_grad()
        out = model(x)
        loss = -(F.log_softmax(out, 1)[list(range(n)), list(y_np)]).mean()
        if first_loss is None:
            first_loss = float(_np(loss))
        loss.backward()
        with cr.no_grad():
            for p in params:
                p -= 0.05 * p.grad
    out = _np(model(x)).astype(np.float64)
    # the cross-entropy, re-computed with NumPy, fell
    logp = out - out.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    final_loss = -logp[np.arange(n), y_np].mean()
    assert final_loss < 0.25 * first_loss
    assert accuracy() > 0.9
    # and it generalises to fresh images of the same two kinds
    xt, yt = _quadrant_images(n=64, seed=1)
    with cr.no_grad():
        assert np.mean(np.argmax(_np(model(cr.tensor(xt))), axis=1) == yt) > 0.85


def test_mindspore_style_cell_trained_with_value_and_grad_weights_learns():
    """The MindSpore tutorial's loop: a Cell, value_and_grad(..., weights=trainable_params()),
    and an optimiser fed the returned gradients."""
    import chainrule as cr
    from chainrule import nn, ops

    rng = np.random.default_rng(0)
    x = cr.tensor(rng.standard_normal((64, 5)).astype(np.float32))
    true_w = rng.standard_normal((5, 3)).astype(np.float32)
    y = cr.tensor((x.numpy() @ true_w > 0).astype(np.float32))

    class Network(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(cr.zeros(5, 3), name="w")
            self.b = nn.Parameter(cr.zeros(3), name="b")

        def construct(self, x):
            return ops.matmul(x, self.w) + self.b

    model = Network()
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = cr.optim.SGD(model.trainable_params(), lr=0.5)

    def forward_fn(x, y):
        return loss_fn(model(x), y)

    grad_fn = cr.value_and_grad(forward_fn, None, weights=model.trainable_params())
    losses = []
    for _ in range(100):
        loss, grads = grad_fn(x, y)
        for p, g in zip(model.trainable_params(), grads):
            p.grad = g
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(np.log(2), rel=1e-5)  # zero weights: p = 1/2 everywhere
    assert losses[-1] < 0.35 * losses[0]
