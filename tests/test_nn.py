"""Tests of ``chainrule.nn``: layers, functional forms, initialisation, the Module API and
gradient clipping.

Every expected value is independent of chainrule: PyTorch (a test oracle, used only where it is
installed) with the same weights and inputs, central finite differences (``gradcheck``), closed
formulas from ``math``, or NumPy.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.nn import init

RTOL, ATOL = 1e-9, 1e-11


# ================================================================ helpers
def _np(t):
    return None if t is None else np.asarray(t.detach().numpy())


def _load_from_torch(cmod, tmod, strict=True):
    """Copy the torch module's state (parameters and buffers) into the chainrule module."""
    return cmod.load_state_dict({k: cr.tensor(v.detach().numpy().copy())
                                 for k, v in tmod.state_dict().items()}, strict=strict)


def _close(actual, expected, what="", rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def _compare(cmod, tmod, x_np, *, seed=0, int_input=False, check_state=False):
    """Run both modules (float64) on ``x_np``; compare the outputs and, for a random upstream
    gradient, the gradients w.r.t. the input and every parameter."""
    torch = pytest.importorskip("torch")
    if int_input:
        tx, cx = torch.tensor(x_np), cr.tensor(x_np)
    else:
        tx = torch.tensor(x_np, dtype=torch.float64, requires_grad=True)
        cx = cr.tensor(x_np.astype(np.float64), requires_grad=True)
    tout = tmod(tx)
    cout = cmod(cx)
    assert tuple(cout.shape) == tuple(tout.shape)
    assert cout.dtype == cr.float64
    _close(_np(cout), _np(tout), "forward")
    g = np.random.default_rng(seed).standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(g))
    cout.backward(cr.tensor(g))
    if not int_input:
        _close(_np(cx.grad), _np(tx.grad), "input grad")
    tparams = dict(tmod.named_parameters())
    cparams = dict(cmod.named_parameters())
    assert list(cparams) == list(tparams)
    for name, tp in tparams.items():
        if tp.grad is None:
            assert cparams[name].grad is None, name
        else:
            assert cparams[name].grad is not None, name
            _close(_np(cparams[name].grad), _np(tp.grad), f"grad of {name}")
    if check_state:
        tsd, csd = tmod.state_dict(), cmod.state_dict()
        assert list(csd) == list(tsd)
        for k in tsd:
            _close(_np(csd[k]), _np(tsd[k]), f"state {k}")
    return cout, tout


def _pair_modules(make_torch, make_cr, x_np, **kw):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tmod = make_torch(torch.nn).double()
    cmod = make_cr(nn).double()
    _load_from_torch(cmod, tmod)
    return _compare(cmod, tmod, x_np, **kw)


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ================================================================ layers against torch
LINEAR_CASES = [
    ("plain", lambda n: n.Linear(5, 3), (4, 5)),
    ("no_bias", lambda n: n.Linear(5, 3, bias=False), (4, 5)),
    ("3d_input", lambda n: n.Linear(5, 3), (2, 3, 5)),
    ("1d_input", lambda n: n.Linear(5, 3), (5,)),
]


@pytest.mark.parametrize("name,make,shape", LINEAR_CASES, ids=[c[0] for c in LINEAR_CASES])
def test_linear_vs_torch(name, make, shape):
    _pair_modules(make, make, _rand(*shape))


def _kw(i, o, k, **kw):
    return {"in_channels": i, "out_channels": o, "kernel_size": k, **kw}


CONV2D_CASES = [
    ("basic", _kw(3, 4, 3), (2, 3, 7, 6)),
    ("stride2_pad1", _kw(3, 4, 3, stride=2, padding=1), (2, 3, 8, 7)),
    ("rect_kernel_stride_pad", _kw(2, 3, (3, 2), stride=(2, 1), padding=(1, 0)), (2, 2, 7, 6)),
    ("dilation2", _kw(2, 3, 3, dilation=2), (1, 2, 9, 8)),
    ("dilation_stride_pad", _kw(2, 2, 3, dilation=(2, 1), stride=(1, 2), padding=(2, 1)),
     (2, 2, 7, 7)),
    ("same_odd", _kw(2, 3, 3, padding="same"), (2, 2, 5, 6)),
    ("same_dilated", _kw(2, 3, 3, padding="same", dilation=2), (2, 2, 7, 6)),
    ("same_even_kernel", _kw(2, 3, (4, 2), padding="same"), (2, 2, 6, 5)),
    ("valid", _kw(2, 3, 3, padding="valid"), (2, 2, 5, 6)),
    ("groups2", _kw(4, 6, 3, groups=2, padding=1), (2, 4, 5, 5)),
    ("depthwise", _kw(3, 3, 3, groups=3, padding=1), (2, 3, 5, 6)),
    ("depthwise_multiplier", _kw(3, 6, 3, groups=3, stride=2), (2, 3, 7, 7)),
    ("no_bias", _kw(3, 2, 2, bias=False), (2, 3, 4, 4)),
    ("1x1", _kw(3, 5, 1), (2, 3, 4, 4)),
    ("unbatched", _kw(3, 4, 3, padding=1), (3, 5, 5)),
    ("unbatched_groups", _kw(4, 2, 2, groups=2, stride=2), (4, 6, 6)),
]


@pytest.mark.parametrize("name,kw,shape", CONV2D_CASES, ids=[c[0] for c in CONV2D_CASES])
def test_conv2d_vs_torch(name, kw, shape):
    make = lambda n: n.Conv2d(**kw)
    _pair_modules(make, make, _rand(*shape))


CONV1D_CASES = [
    ("basic", _kw(3, 4, 3), (2, 3, 9)),
    ("stride2_pad1", _kw(3, 4, 3, stride=2, padding=1), (2, 3, 10)),
    ("dilation", _kw(2, 3, 3, dilation=2, padding=1), (2, 2, 11)),
    ("groups", _kw(4, 4, 2, groups=2), (2, 4, 7)),
    ("depthwise", _kw(3, 3, 3, groups=3, padding=1), (2, 3, 8)),
    ("same", _kw(2, 3, 5, padding="same"), (2, 2, 9)),
    ("same_even_kernel", _kw(2, 3, 4, padding="same"), (2, 2, 9)),
    ("valid", _kw(2, 3, 4, padding="valid"), (2, 2, 9)),
    ("no_bias", _kw(2, 3, 2, bias=False), (2, 2, 6)),
    ("unbatched", _kw(3, 2, 3, stride=2), (3, 9)),
]


@pytest.mark.parametrize("name,kw,shape", CONV1D_CASES, ids=[c[0] for c in CONV1D_CASES])
def test_conv1d_vs_torch(name, kw, shape):
    make = lambda n: n.Conv1d(**kw)
    _pair_modules(make, make, _rand(*shape))


def test_conv2d_weights_copied_from_chainrule_into_torch():
    """The reverse direction: chainrule's own initialisation, loaded into torch."""
    torch = pytest.importorskip("torch")
    cr.manual_seed(3)
    cmod = nn.Conv2d(2, 4, 3, stride=2, padding=1).double()
    tmod = torch.nn.Conv2d(2, 4, 3, stride=2, padding=1).double()
    tmod.load_state_dict({k: torch.tensor(_np(v)) for k, v in cmod.state_dict().items()})
    _compare(cmod, tmod, _rand(2, 2, 6, 6))


def test_conv_same_with_stride_is_rejected():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.nn.Conv2d(2, 2, 3, stride=2, padding="same")
    with pytest.raises((ValueError, RuntimeError)):
        m = nn.Conv2d(2, 2, 3, stride=2, padding="same")
        m(cr.randn(1, 2, 6, 6))


def _distinct(*shape, seed=0):
    """Values without ties (a shuffled arithmetic progression), so a max is unique."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) * 0.1 - n * 0.05).reshape(shape)


POOL_CASES = [
    ("max_k2", lambda n: n.MaxPool2d(2), (2, 3, 6, 6)),
    ("max_k2_odd_input", lambda n: n.MaxPool2d(2), (2, 2, 7, 5)),
    ("max_k3_s2_p1", lambda n: n.MaxPool2d(3, stride=2, padding=1), (2, 2, 7, 6)),
    ("max_k3_s1_p1", lambda n: n.MaxPool2d(3, stride=1, padding=1), (1, 2, 5, 5)),
    ("max_rect", lambda n: n.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1)), (2, 2, 6, 7)),
    ("max_dilation", lambda n: n.MaxPool2d(2, stride=1, dilation=2), (1, 2, 6, 6)),
    ("max_unbatched", lambda n: n.MaxPool2d(2), (3, 6, 4)),
    ("avg_k2", lambda n: n.AvgPool2d(2), (2, 3, 6, 6)),
    ("avg_k3_s2_p1", lambda n: n.AvgPool2d(3, stride=2, padding=1), (2, 2, 7, 6)),
    ("avg_k3_s2_p1_excl_pad", lambda n: n.AvgPool2d(3, stride=2, padding=1,
                                                    count_include_pad=False), (2, 2, 7, 6)),
    ("avg_k3_s1_p1_excl_pad", lambda n: n.AvgPool2d(3, stride=1, padding=1,
                                                    count_include_pad=False), (1, 2, 5, 4)),
    ("avg_rect_excl_pad", lambda n: n.AvgPool2d((2, 4), stride=(2, 1), padding=(1, 2),
                                                count_include_pad=False), (2, 2, 5, 6)),
    ("avg_divisor_override", lambda n: n.AvgPool2d(2, padding=1, divisor_override=3),
     (1, 2, 5, 5)),
    ("avg_unbatched", lambda n: n.AvgPool2d(2, stride=1), (2, 4, 5)),
]


@pytest.mark.parametrize("name,make,shape", POOL_CASES, ids=[c[0] for c in POOL_CASES])
def test_pooling_vs_torch(name, make, shape):
    _pair_modules(make, make, _distinct(*shape))


def test_max_pool_gradient_goes_to_the_first_maximum_on_ties():
    # the oracle decides which of the tied elements gets the gradient
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = 2.0
    _pair_modules(lambda n: n.MaxPool2d(2), lambda n: n.MaxPool2d(2), x)


@pytest.mark.parametrize("kind,shape,kw", [
    ("1d", (6, 4), {}),
    ("1d", (5, 3, 4), {}),
    ("2d", (4, 3, 3, 2), {}),
    ("2d", (4, 3, 3, 2), {"momentum": 0.3, "eps": 1e-3}),
    ("1d", (6, 4), {"affine": False}),
    ("2d", (3, 2, 2, 3), {"track_running_stats": False}),
    ("1d", (6, 4), {"momentum": None}),
], ids=["1d", "1d_3d_input", "2d", "2d_momentum_eps", "1d_no_affine", "2d_no_running_stats",
        "1d_cumulative_average"])
def test_batchnorm_train_then_eval_vs_torch(kind, shape, kw):
    torch = pytest.importorskip("torch")
    c = shape[1]
    tcls = torch.nn.BatchNorm1d if kind == "1d" else torch.nn.BatchNorm2d
    ccls = nn.BatchNorm1d if kind == "1d" else nn.BatchNorm2d
    tmod = tcls(c, **kw).double()
    cmod = ccls(c, **kw).double()
    if tmod.affine:  # non-trivial affine parameters
        with torch.no_grad():
            tmod.weight.uniform_(0.5, 1.5)
            tmod.bias.uniform_(-0.5, 0.5)
    _load_from_torch(cmod, tmod)
    for step in range(4):  # several training steps: outputs, gradients, running statistics
        x = _rand(*shape, seed=step) * (step + 1) + step
        tmod.zero_grad()
        cmod.zero_grad()
        _compare(cmod, tmod, x, seed=step, check_state=True)
    if tmod.track_running_stats:
        assert int(_np(cmod.num_batches_tracked)) == 4
    tmod.eval()
    cmod.eval()
    assert not cmod.training
    tmod.zero_grad()
    cmod.zero_grad()
    before = {k: _np(v).copy() for k, v in cmod.state_dict().items()}
    _compare(cmod, tmod, _rand(*shape, seed=10) * 2 + 1, seed=10, check_state=True)
    for k, v in cmod.state_dict().items():  # eval leaves the running statistics alone
        np.testing.assert_array_equal(_np(v), before[k])


def test_batchnorm_rejects_wrong_rank():
    with pytest.raises(ValueError):
        nn.BatchNorm2d(3)(cr.randn(4, 3))
    with pytest.raises(ValueError):
        nn.BatchNorm1d(3)(cr.randn(4, 3, 2, 2))


@pytest.mark.parametrize("shape,normalized,kw", [
    ((4, 5), 5, {}),
    ((2, 3, 5), (5,), {}),
    ((2, 3, 4), (3, 4), {}),
    ((2, 3, 4), (3, 4), {"elementwise_affine": False}),
    ((3, 6), 6, {"bias": False}),
    ((3, 6), 6, {"eps": 1e-2}),
], ids=["last_dim", "last_dim_3d", "two_dims", "no_affine", "no_bias", "eps"])
def test_layernorm_vs_torch(shape, normalized, kw):
    torch = pytest.importorskip("torch")
    tmod = torch.nn.LayerNorm(normalized, **kw).double()
    cmod = nn.LayerNorm(normalized, **kw).double()
    with torch.no_grad():
        for p in tmod.parameters():
            p.uniform_(0.5, 1.5)
    _load_from_torch(cmod, tmod)
    _compare(cmod, tmod, _rand(*shape) * 3 + 1)


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_vs_torch(padding_idx):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tmod = torch.nn.Embedding(6, 3, padding_idx=padding_idx).double()
    cmod = nn.Embedding(6, 3, padding_idx=padding_idx).double()
    with torch.no_grad():  # the padding row non-zero, to see that it still gets no gradient
        tmod.weight.normal_()
    _load_from_torch(cmod, tmod)
    idx = np.array([[0, 2, 5, 2], [1, 2, 3, 5]], dtype=np.int64)
    _compare(cmod, tmod, idx, int_input=True)
    if padding_idx is not None:
        row = padding_idx % 6
        np.testing.assert_array_equal(_np(cmod.weight.grad)[row], np.zeros(3))


@pytest.mark.parametrize("kw", [{"max_norm": 1.0}, {"scale_grad_by_freq": True}],
                         ids=["max_norm", "scale_grad_by_freq"])
def test_embedding_options_match_torch_or_are_refused(kw):
    """An option is either implemented as PyTorch does it or refused, never silently
    ignored."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tmod = torch.nn.Embedding(6, 3, **kw).double()
    cmod = nn.Embedding(6, 3, **kw).double()
    with torch.no_grad():
        tmod.weight.mul_(3.0)  # rows with norms above max_norm
    _load_from_torch(cmod, tmod)
    idx = np.array([[0, 2, 5, 2], [1, 2, 3, 5]], dtype=np.int64)
    try:
        cmod(cr.tensor(idx))
    except NotImplementedError:
        return
    _compare(cmod, tmod, idx, int_input=True)


def test_embedding_padding_row_is_initialised_to_zero():
    cr.manual_seed(0)
    e = nn.Embedding(10, 4, padding_idx=3)
    w = _np(e.weight)
    np.testing.assert_array_equal(w[3], np.zeros(4))
    assert np.all(w[np.arange(10) != 3] != 0)


ACT_CASES = [
    ("relu", lambda n: n.ReLU(), (3, 4)),
    ("leaky_default", lambda n: n.LeakyReLU(), (3, 4)),
    ("leaky_0.2", lambda n: n.LeakyReLU(0.2), (3, 4)),
    ("leaky_negative_slope_kw", lambda n: n.LeakyReLU(negative_slope=1.7), (3, 4)),
    ("sigmoid", lambda n: n.Sigmoid(), (3, 4)),
    ("tanh", lambda n: n.Tanh(), (3, 4)),
    ("gelu", lambda n: n.GELU(), (3, 4)),
    ("gelu_tanh", lambda n: n.GELU(approximate="tanh"), (3, 4)),
    ("softmax_dim1", lambda n: n.Softmax(dim=1), (3, 4)),
    ("softmax_dim0", lambda n: n.Softmax(dim=0), (3, 4)),
    ("softmax_dim_neg", lambda n: n.Softmax(dim=-1), (2, 3, 4)),
    ("softmax_dim1_3d", lambda n: n.Softmax(dim=1), (2, 3, 4)),
    ("log_softmax_dim1", lambda n: n.LogSoftmax(dim=1), (3, 4)),
    ("log_softmax_dim0_3d", lambda n: n.LogSoftmax(dim=0), (2, 3, 4)),
    ("softplus", lambda n: n.Softplus(), (3, 4)),
    ("softplus_beta_threshold", lambda n: n.Softplus(beta=2.0, threshold=1.5), (3, 4)),
    ("flatten_default", lambda n: n.Flatten(), (2, 3, 4, 5)),
    ("flatten_all", lambda n: n.Flatten(0, -1), (2, 3, 4)),
    ("flatten_middle", lambda n: n.Flatten(1, 2), (2, 3, 4, 5)),
    ("flatten_tail", lambda n: n.Flatten(2), (2, 3, 4, 5)),
    ("identity", lambda n: n.Identity(), (2, 3)),
]


@pytest.mark.parametrize("name,make,shape", ACT_CASES, ids=[c[0] for c in ACT_CASES])
def test_activation_and_shape_layers_vs_torch(name, make, shape):
    x = _rand(*shape) * 2.5
    x.flat[0] = 30.0  # far into the saturated / linear regions
    x.flat[1] = -30.0
    x.flat[2] = 0.0  # the kink of ReLU / LeakyReLU: the oracle fixes the subgradient
    _pair_modules(make, make, x)


def test_dropout_eval_vs_torch_is_identity():
    torch = pytest.importorskip("torch")
    t, c = torch.nn.Dropout(0.4).eval(), nn.Dropout(0.4).eval()
    _compare(c, t, _rand(3, 5))


def test_whole_model_vs_torch():
    """A small CNN and MLP assembled from several layer types, one forward/backward."""
    torch = pytest.importorskip("torch")

    def cnn(n):
        return n.Sequential(n.Conv2d(2, 4, 3, padding=1), n.BatchNorm2d(4), n.ReLU(),
                            n.MaxPool2d(2), n.Conv2d(4, 4, 3, groups=2), n.GELU(),
                            n.Flatten(), n.Linear(4, 3), n.LayerNorm(3), n.LogSoftmax(dim=1))

    torch.manual_seed(1)
    tmod = cnn(torch.nn).double()
    cmod = cnn(nn).double()
    _load_from_torch(cmod, tmod)
    _compare(cmod, tmod, _rand(3, 2, 6, 6), check_state=True)


# ================================================================ finite differences
def _t(a, grad=True):
    return cr.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_gradcheck_conv2d():
    rng = np.random.default_rng(0)
    x, w, b = _t(rng.standard_normal((1, 2, 5, 4))), _t(rng.standard_normal((4, 1, 3, 2))), \
        _t(rng.standard_normal(4))
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=1,
                                              groups=2), (x, w, b))
    w2 = _t(rng.standard_normal((3, 2, 2, 2)))
    assert gradcheck(lambda x, w: F.conv2d(x, w, None, stride=1, padding=(0, 1), dilation=2),
                     (x, w2))


def test_gradcheck_conv1d():
    rng = np.random.default_rng(1)
    x, w, b = _t(rng.standard_normal((2, 2, 7))), _t(rng.standard_normal((3, 2, 3))), \
        _t(rng.standard_normal(3))
    assert gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
                     (x, w, b))


def test_gradcheck_max_pool2d():
    x = _t(_distinct(2, 2, 5, 5, seed=2))
    assert gradcheck(lambda x: F.max_pool2d(x, 3, stride=2, padding=1), (x,))
    assert gradcheck(lambda x: F.max_pool2d(x, 2), (x,))


def test_gradcheck_avg_pool2d():
    x = _t(_rand(2, 2, 5, 5, seed=3))
    assert gradcheck(lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), (x,))
    assert gradcheck(lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
                     (x,))


def test_gradcheck_batch_norm_training():
    rng = np.random.default_rng(4)
    x, w, b = _t(rng.standard_normal((4, 3, 2))), _t(rng.uniform(0.5, 1.5, 3)), \
        _t(rng.standard_normal(3))
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                     (x, w, b))


def test_gradcheck_batch_norm_eval():
    rng = np.random.default_rng(5)
    x, w, b = _t(rng.standard_normal((4, 3))), _t(rng.uniform(0.5, 1.5, 3)), \
        _t(rng.standard_normal(3))
    rm, rv = cr.tensor(rng.standard_normal(3)), cr.tensor(rng.uniform(0.5, 2, 3))
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), (x, w, b))


def test_gradcheck_layer_norm():
    rng = np.random.default_rng(6)
    x, w, b = _t(rng.standard_normal((2, 3, 4))), _t(rng.uniform(0.5, 1.5, (3, 4))), \
        _t(rng.standard_normal((3, 4)))
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (3, 4), w, b), (x, w, b))
    assert gradcheck(lambda x: F.layer_norm(x, 4), (x,))


def test_gradcheck_linear():
    rng = np.random.default_rng(7)
    x, w, b = _t(rng.standard_normal((3, 4))), _t(rng.standard_normal((2, 4))), \
        _t(rng.standard_normal(2))
    assert gradcheck(F.linear, (x, w, b))
    assert gradcheck(lambda x, w: F.linear(x, w), (x, w))


def test_gradcheck_embedding():
    w = _t(_rand(5, 3, seed=8))
    idx = cr.tensor(np.array([[0, 4, 4], [2, 1, 0]], dtype=np.int64))
    assert gradcheck(lambda w: F.embedding(idx, w), (w,))
    # with padding_idx, the padding row gets a zero gradient (by definition, not a derivative)
    F.embedding(idx, w, padding_idx=4).sum().backward()
    expected = np.zeros((5, 3))
    for i in [0, 2, 1, 0]:  # every occurrence except padding index 4 contributes ones
        expected[i] += 1
    np.testing.assert_array_equal(_np(w.grad), expected)


@pytest.mark.parametrize("fn", [
    lambda x: F.gelu(x), lambda x: F.gelu(x, approximate="tanh"),
    lambda x: F.leaky_relu(x, 0.3), lambda x: F.softmax(x, 1), lambda x: F.log_softmax(x, 0),
    lambda x: F.softplus(x), lambda x: F.sigmoid(x), lambda x: F.tanh(x),
], ids=["gelu", "gelu_tanh", "leaky_relu", "softmax", "log_softmax", "softplus", "sigmoid",
        "tanh"])
def test_gradcheck_activations(fn):
    x = _t(_rand(3, 4, seed=9) * 2 + 0.05)  # away from the kink of leaky_relu at 0
    assert gradcheck(fn, (x,))


def test_softplus_gradient_at_zero_is_one_half():
    """softplus is smooth: d/dx log(1 + exp(beta x)) / beta = sigmoid(beta x) = 1/2 at 0."""
    x = _t([0.0, 0.0])
    y = F.softplus(x[:1]).sum() + F.softplus(x[1:], beta=3.0).sum()
    y.backward()
    np.testing.assert_allclose(_np(x.grad), [0.5, 0.5], rtol=1e-12)
    assert gradcheck(lambda x: F.softplus(x), (_t([0.0, -1.0, 2.0]),))


# ================================================================ dropout
def test_dropout_eval_is_identity():
    d = nn.Dropout(0.7)
    d.eval()
    x = cr.randn(50, 40)
    np.testing.assert_array_equal(_np(d(x)), _np(x))
    np.testing.assert_array_equal(_np(F.dropout(x, 0.7, training=False)), _np(x))


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_train_zeros_p_and_scales(p):
    cr.manual_seed(0)
    d = nn.Dropout(p)
    assert d.training
    x_np = np.random.default_rng(0).uniform(1.0, 2.0, (200, 500))
    x = cr.tensor(x_np, requires_grad=True)
    y = _np(d(x))
    dropped = y == 0
    n = dropped.size
    # binomial: the fraction is within 5 standard deviations of p
    assert abs(dropped.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(y[~dropped], x_np[~dropped] / (1 - p), rtol=1e-12)
    # the gradient is the same mask, scaled
    out = d(x)
    out.sum().backward()
    kept = _np(out) != 0
    np.testing.assert_allclose(_np(x.grad), kept / (1 - p), rtol=1e-12)


def test_dropout_p_edge_cases():
    x = cr.randn(10, 10)
    np.testing.assert_array_equal(_np(nn.Dropout(0.0)(x)), _np(x))
    np.testing.assert_array_equal(_np(nn.Dropout(1.0)(x)), np.zeros((10, 10)))
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
    with pytest.raises(ValueError):
        nn.Dropout(-0.1)


def test_dropout_seeded_reproducibility():
    x = cr.ones(30, 30)
    cr.manual_seed(123)
    a = _np(F.dropout(x, 0.5))
    b = _np(F.dropout(x, 0.5))
    cr.manual_seed(123)
    a2 = _np(F.dropout(x, 0.5))
    b2 = _np(F.dropout(x, 0.5))
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(b, b2)
    assert not np.array_equal(a, b)
    cr.manual_seed(124)
    assert not np.array_equal(a, _np(F.dropout(x, 0.5)))


# ================================================================ initialisation
@pytest.mark.parametrize("make,fan_in", [
    (lambda: nn.Linear(50, 400), 50),
    (lambda: nn.Linear(7, 2000), 7),
    (lambda: nn.Conv2d(4, 200, 3), 36),
    (lambda: nn.Conv2d(6, 300, (3, 2), groups=3), 12),
    (lambda: nn.Conv1d(3, 500, 5), 15),
])
def test_layer_init_bounds_like_pytorch(make, fan_in):
    cr.manual_seed(0)
    m = make()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)): gain*sqrt(3/fan_in) = 1/sqrt
    w, b = _np(m.weight), _np(m.bias)
    assert np.all(np.abs(w) <= bound)
    assert np.abs(w).max() > 0.97 * bound  # the whole interval is used
    assert abs(w.mean()) < 0.05 * bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.06)
    assert np.all(np.abs(b) <= bound)
    assert np.abs(b).max() > 0.9 * bound
    np.testing.assert_allclose(b.std(), bound / math.sqrt(3), rtol=0.15)


def test_layer_init_without_bias_and_default_dtype():
    m = nn.Linear(3, 4, bias=False)
    assert m.bias is None
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    assert m.weight.dtype == cr.float32
    assert m.weight.requires_grad and m.weight.is_leaf


def test_norm_layers_init():
    bn, ln = nn.BatchNorm2d(5), nn.LayerNorm((2, 3))
    np.testing.assert_array_equal(_np(bn.weight), np.ones(5))
    np.testing.assert_array_equal(_np(bn.bias), np.zeros(5))
    np.testing.assert_array_equal(_np(bn.running_mean), np.zeros(5))
    np.testing.assert_array_equal(_np(bn.running_var), np.ones(5))
    assert int(_np(bn.num_batches_tracked)) == 0
    np.testing.assert_array_equal(_np(ln.weight), np.ones((2, 3)))
    np.testing.assert_array_equal(_np(ln.bias), np.zeros((2, 3)))


def _big(*shape):
    return cr.empty(*shape, dtype=cr.float64)


@pytest.mark.parametrize("fn,shape,expected_std", [
    (lambda t: init.kaiming_normal_(t), (600, 400), math.sqrt(2.0) / math.sqrt(400)),
    (lambda t: init.kaiming_normal_(t, mode="fan_out"), (600, 400),
     math.sqrt(2.0) / math.sqrt(600)),
    (lambda t: init.kaiming_normal_(t, a=0.2, nonlinearity="leaky_relu"), (600, 400),
     math.sqrt(2.0 / 1.04) / math.sqrt(400)),
    (lambda t: init.kaiming_normal_(t, nonlinearity="relu"), (100, 16, 3, 3),
     math.sqrt(2.0) / math.sqrt(144)),
    (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh"), (16, 100, 3, 3),
     (5 / 3) / math.sqrt(144)),
    (lambda t: init.xavier_normal_(t), (600, 400), math.sqrt(2.0 / 1000)),
    (lambda t: init.xavier_normal_(t, gain=2.5), (300, 200, 2), 2.5 * math.sqrt(2.0 / 1000)),
    (lambda t: init.kaiming_uniform_(t), (600, 400), math.sqrt(2.0) / math.sqrt(400)),
    (lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), (600, 400),
     math.sqrt(2.0) / math.sqrt(600)),
    (lambda t: init.xavier_uniform_(t), (600, 400), math.sqrt(2.0 / 1000)),
    (lambda t: init.normal_(t, 0.5, 3.0), (400, 400), 3.0),
    (lambda t: init.uniform_(t, -2.0, 4.0), (400, 400), 6 / math.sqrt(12)),
], ids=["kaiming_normal", "kaiming_normal_fan_out", "kaiming_normal_leaky",
        "kaiming_normal_conv", "kaiming_normal_conv_fan_out_tanh", "xavier_normal",
        "xavier_normal_gain_3d", "kaiming_uniform", "kaiming_uniform_fan_out",
        "xavier_uniform", "normal", "uniform"])
def test_init_empirical_std(fn, shape, expected_std):
    cr.manual_seed(0)
    t = _big(*shape)
    out = fn(t)
    assert out is t  # in place, returns its argument
    a = _np(t)
    np.testing.assert_allclose(a.std(), expected_std, rtol=0.03)


@pytest.mark.parametrize("fn,shape,bound", [
    (lambda t: init.kaiming_uniform_(t, nonlinearity="relu"), (300, 200),
     math.sqrt(6.0 / 200)),
    (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)), (300, 200), 1 / math.sqrt(200)),
    (lambda t: init.xavier_uniform_(t, gain=init.calculate_gain("tanh")), (30, 20, 5),
     (5 / 3) * math.sqrt(6.0 / (100 + 150))),
    (lambda t: init.uniform_(t, -0.25, 0.25), (300, 200), 0.25),
])
def test_init_uniform_bounds(fn, shape, bound):
    cr.manual_seed(1)
    t = _big(*shape)
    fn(t)
    a = _np(t)
    assert np.all(np.abs(a) <= bound)
    assert np.abs(a).max() > 0.99 * bound


def test_init_mean_and_constants():
    cr.manual_seed(2)
    t = _big(300, 300)
    init.normal_(t, mean=1.5, std=0.5)
    assert abs(_np(t).mean() - 1.5) < 0.01
    init.uniform_(t, 2.0, 3.0)
    assert _np(t).min() >= 2.0 and _np(t).max() < 3.0
    assert abs(_np(t).mean() - 2.5) < 0.01
    init.zeros_(t)
    np.testing.assert_array_equal(_np(t), np.zeros((300, 300)))
    init.ones_(t)
    np.testing.assert_array_equal(_np(t), np.ones((300, 300)))
    init.constant_(t, -0.75)
    np.testing.assert_array_equal(_np(t), np.full((300, 300), -0.75))


def test_init_on_parameter_keeps_it_a_leaf_without_grad_history():
    m = nn.Linear(4, 3)
    init.constant_(m.weight, 0.5)
    assert m.weight.is_leaf and m.weight.grad_fn is None and m.weight.requires_grad
    np.testing.assert_array_equal(_np(m.weight), np.full((3, 4), 0.5))


def test_init_fan_errors():
    with pytest.raises(ValueError):
        init.kaiming_uniform_(cr.empty(5))
    with pytest.raises(ValueError):
        init.xavier_normal_(cr.empty(5))
    with pytest.raises(ValueError):
        init.kaiming_normal_(cr.empty(4, 4), mode="fan_avg")


def test_init_is_seeded():
    cr.manual_seed(7)
    a = _np(nn.Linear(5, 4).weight).copy()
    cr.manual_seed(7)
    b = _np(nn.Linear(5, 4).weight)
    np.testing.assert_array_equal(a, b)


GAIN_CASES = [("linear", None), ("conv1d", None), ("conv2d", None), ("sigmoid", None),
              ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
              ("leaky_relu", 0), ("selu", None)]


@pytest.mark.parametrize("nl,param", GAIN_CASES)
def test_calculate_gain_vs_torch(nl, param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nl, param) == pytest.approx(
        torch.nn.init.calculate_gain(nl, param), rel=1e-12)


def test_calculate_gain_formulas():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.5) == pytest.approx(math.sqrt(2 / 1.25))
    assert init.calculate_gain("selu") == pytest.approx(0.75)
    with pytest.raises(ValueError):
        init.calculate_gain("swish_unknown")


# ================================================================ Module API
def _mlp(n):
    return n.Sequential(n.Linear(4, 8), n.BatchNorm1d(8), n.ReLU(), n.Linear(8, 2))


class _Block:
    """The same nested architecture built for either library."""

    @staticmethod
    def make(n):
        class Block(n.Module):
            def __init__(self):
                super().__init__()
                self.conv = n.Conv2d(2, 3, 3)
                self.norm = n.BatchNorm2d(3)
                self.heads = n.ModuleList([n.Linear(3, 2), n.Linear(3, 1)])
                self.extra = n.ModuleDict({"b": n.Linear(2, 2), "a": n.LayerNorm(2)})
                self.scale = n.Parameter(torch_or_cr(n).ones(1))
                self.register_buffer("count", torch_or_cr(n).zeros(2))

            def forward(self, x):
                return x

        return Block()


def torch_or_cr(n):
    return cr if n is nn else __import__("torch")


def test_named_parameters_and_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    for make in (_mlp, _Block.make):
        t, c = make(torch.nn), make(nn)
        assert [k for k, _ in c.named_parameters()] == [k for k, _ in t.named_parameters()]
        assert list(c.state_dict()) == list(t.state_dict())
        for (k, tv), cv in zip(t.state_dict().items(), c.state_dict().values()):
            assert tuple(cv.shape) == tuple(tv.shape), k
        assert [k for k, _ in c.named_buffers()] == [k for k, _ in t.named_buffers()]
        assert [k for k, _ in c.named_modules()] == [k for k, _ in t.named_modules()]
        assert [k for k, _ in c.named_children()] == [k for k, _ in t.named_children()]
        assert [type(m).__name__ for m in c.children()] == \
            [type(m).__name__ for m in t.children()]
        assert [type(m).__name__ for m in c.modules()] == \
            [type(m).__name__ for m in t.modules()]
        assert len(list(c.parameters())) == len(list(t.parameters()))
    sd = _mlp(nn).state_dict()
    assert "1.running_mean" in sd and "1.running_var" in sd and "1.num_batches_tracked" in sd


def test_mlp_with_torch_weights_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t, c = _mlp(torch.nn).double(), _mlp(nn).double()
    _load_from_torch(c, t)
    _compare(c, t, _rand(6, 4), check_state=True)


def test_state_dict_is_detached_and_keep_vars():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    assert not sd["weight"].requires_grad
    np.testing.assert_array_equal(_np(sd["weight"]), _np(m.weight))
    kv = m.state_dict(keep_vars=True)
    assert kv["weight"] is m.weight


def _snapshot(m):
    return {k: _np(v).copy() for k, v in m.state_dict().items()}


def _assert_unchanged(m, snap):
    now = _snapshot(m)
    assert list(now) == list(snap)
    for k in snap:
        np.testing.assert_array_equal(now[k], snap[k], err_msg=k)


def test_load_state_dict_roundtrip_copies_values():
    a, b = _mlp(nn), _mlp(nn)
    sd = {k: cr.tensor(_np(v) + 1.0 if _np(v).dtype.kind == "f" else _np(v) + 3)
          for k, v in a.state_dict().items()}
    res = b.load_state_dict(sd)
    assert list(res.missing_keys) == [] and list(res.unexpected_keys) == []
    for k, v in b.state_dict().items():
        np.testing.assert_array_equal(_np(v), _np(sd[k]))
    # a copy: changing the source afterwards leaves the model alone
    src = _np(sd["0.weight"]).copy()
    sd["0.weight"].add_(5.0)
    np.testing.assert_array_equal(_np(b[0].weight), src)
    assert isinstance(b[0].weight, nn.Parameter) and b[0].weight.requires_grad


def test_load_state_dict_missing_key_raises_and_changes_nothing():
    m = _mlp(nn)
    snap = _snapshot(m)
    sd = {k: cr.tensor(_np(v) + 1) for k, v in m.state_dict().items()}
    del sd["3.bias"]
    del sd["1.running_var"]
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert "Missing key" in msg and "3.bias" in msg and "1.running_var" in msg
    _assert_unchanged(m, snap)


def test_load_state_dict_unexpected_key_raises_and_changes_nothing():
    m = _mlp(nn)
    snap = _snapshot(m)
    sd = {k: cr.tensor(_np(v) + 1) for k, v in m.state_dict().items()}
    sd["4.weight"] = cr.ones(2, 2)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert "Unexpected key" in msg and "4.weight" in msg
    _assert_unchanged(m, snap)


def test_load_state_dict_shape_mismatch_raises_and_changes_nothing():
    m = _mlp(nn)
    snap = _snapshot(m)
    sd = {k: cr.tensor(_np(v) + 1) for k, v in m.state_dict().items()}
    sd["3.weight"] = cr.ones(2, 7)  # after the good keys, in order
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert "3.weight" in msg and "[2, 7]" in msg and "[2, 8]" in msg
    _assert_unchanged(m, snap)
    # a shape mismatch is an error even when not strict
    with pytest.raises(RuntimeError):
        m.load_state_dict(sd, strict=False)
    _assert_unchanged(m, snap)


def test_load_state_dict_error_messages_name_the_same_keys_as_torch():
    torch = pytest.importorskip("torch")
    t, c = _mlp(torch.nn), _mlp(nn)
    tsd = dict(t.state_dict())
    del tsd["0.bias"]
    tsd["extra.weight"] = torch.ones(1)
    tsd["3.weight"] = torch.ones(3, 8)
    with pytest.raises(RuntimeError) as te:
        t.load_state_dict(tsd)
    with pytest.raises(RuntimeError) as ce:
        c.load_state_dict({k: cr.tensor(v.numpy()) for k, v in tsd.items()})
    for needle in ['"0.bias"', '"extra.weight"', "size mismatch for 3.weight", "[3, 8]",
                   "[2, 8]"]:
        assert needle in str(te.value)
        assert needle in str(ce.value), needle


def test_load_state_dict_not_strict():
    m = _mlp(nn)
    sd = {k: cr.tensor(_np(v) + 1) for k, v in m.state_dict().items()}
    expected_w = _np(sd["0.weight"]).copy()
    old_bias = _np(m[3].bias).copy()
    del sd["3.bias"]
    sd["foo.bar"] = cr.ones(3)
    res = m.load_state_dict(sd, strict=False)
    assert list(res.missing_keys) == ["3.bias"]
    assert list(res.unexpected_keys) == ["foo.bar"]
    assert list(res[0]) == ["3.bias"] and list(res[1]) == ["foo.bar"]
    np.testing.assert_array_equal(_np(m[0].weight), expected_w)
    np.testing.assert_array_equal(_np(m[3].bias), old_bias)


def test_load_state_dict_not_strict_vs_torch():
    torch = pytest.importorskip("torch")
    t, c = _mlp(torch.nn), _mlp(nn)
    tsd = t.state_dict()  # keeps torch's version metadata, so nothing is filled in
    del tsd["1.num_batches_tracked"]
    del tsd["0.weight"]
    tsd["z"] = torch.ones(1)
    tres = t.load_state_dict(tsd, strict=False)
    cres = c.load_state_dict({k: cr.tensor(v.numpy()) for k, v in tsd.items()},
                             strict=False)
    assert list(cres.missing_keys) == list(tres.missing_keys)
    assert list(cres.unexpected_keys) == list(tres.unexpected_keys)


def test_train_eval_recursive():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(2)))
    assert all(x.training for x in m.modules())
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    assert m[1][1].training is False
    assert m.train() is m
    assert all(x.training for x in m.modules())
    m.train(False)
    assert not any(x.training for x in m.modules())
    m[1].train()
    assert not m.training and not m[0].training
    assert m[1].training and m[1][0].training and m[1][1].training


def test_zero_grad():
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    m(cr.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    for p in m.parameters():
        np.testing.assert_array_equal(_np(p.grad), np.zeros(tuple(p.shape)))
    m(cr.randn(5, 3)).sum().backward()
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_gradients_accumulate_until_zero_grad():
    m = nn.Linear(3, 1, bias=False)
    x = np.random.default_rng(0).standard_normal((4, 3))
    m(cr.tensor(x, dtype=cr.float32)).sum().backward()
    m(cr.tensor(x, dtype=cr.float32)).sum().backward()
    np.testing.assert_allclose(_np(m.weight.grad), 2 * x.sum(0, keepdims=True), rtol=1e-5)


def test_forward_hook_modifies_output_and_is_removed():
    m = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
    seen = []

    def record(module, inputs, output):
        assert isinstance(inputs, tuple) and len(inputs) == 1
        seen.append((module, tuple(inputs[0].shape), tuple(output.shape)))

    def double(module, inputs, output):
        return output * 2

    x = cr.randn(2, 3)
    base = _np(m(x))
    h1 = m[0].register_forward_hook(record)
    h2 = m.register_forward_hook(double)
    np.testing.assert_allclose(_np(m(x)), 2 * base, rtol=1e-6)
    assert seen == [(m[0], (2, 3), (2, 3))]
    h2.remove()
    np.testing.assert_allclose(_np(m(x)), base, rtol=1e-6)
    assert len(seen) == 2
    h1.remove()
    m(x)
    assert len(seen) == 2


def test_forward_hook_output_change_flows_into_backward():
    lin = nn.Linear(2, 1, bias=False)
    lin.register_forward_hook(lambda mod, inp, out: out * 3)
    x = np.array([[1.0, 2.0]])
    lin(cr.tensor(x, dtype=cr.float32)).sum().backward()
    np.testing.assert_allclose(_np(lin.weight.grad), 3 * x, rtol=1e-6)


def test_apply_visits_children_then_self_like_torch_and_reinitialises():
    torch = pytest.importorskip("torch")
    order_t, order_c = [], []
    _mlp(torch.nn).apply(lambda m: order_t.append(type(m).__name__))
    m = _mlp(nn)
    assert m.apply(lambda x: order_c.append(type(x).__name__)) is m
    assert order_c == order_t

    def reinit(mod):
        if isinstance(mod, nn.Linear):
            init.constant_(mod.weight, 0.25)
            init.zeros_(mod.bias)

    m.apply(reinit)
    for lin in (m[0], m[3]):
        assert np.all(_np(lin.weight) == 0.25) and np.all(_np(lin.bias) == 0)
    assert not np.all(_np(m[1].weight) == 0.25)


def test_sequential_indexing_slicing_len_iteration():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh()]
    m = nn.Sequential(*layers)
    assert len(m) == 4
    assert m[0] is layers[0] and m[-1] is layers[3] and m[2] is layers[2]
    assert list(m) == layers
    sub = m[1:3]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2
    assert list(sub) == layers[1:3]
    assert m[::2][1] is layers[2]
    with pytest.raises(IndexError):
        m[4]
    with pytest.raises(IndexError):
        m[-5]
    # forward of a slice == composing its layers
    x = cr.randn(5, 2)
    np.testing.assert_allclose(_np(m[:2](x)), _np(layers[1](layers[0](x))))
    np.testing.assert_allclose(_np(m(x)), _np(m[2:](m[:2](x))), rtol=1e-6)


def test_sequential_slice_names_and_ordered_dict_vs_torch():
    torch = pytest.importorskip("torch")

    def build(n):
        return n.Sequential(OrderedDict([("fc1", n.Linear(2, 3)), ("act", n.ReLU()),
                                         ("fc2", n.Linear(3, 1))]))

    t, c = build(torch.nn), build(nn)
    assert [k for k, _ in c.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert c.fc1 is c[0] and c.fc2 is c[2]
    t_sub, c_sub = t[1:], c[1:]
    assert list(c_sub.state_dict()) == list(t_sub.state_dict())
    t2, c2 = _mlp(torch.nn), _mlp(nn)
    t2.append(torch.nn.Linear(2, 2))
    c2.append(nn.Linear(2, 2))
    assert list(c2.state_dict()) == list(t2.state_dict())


def test_modulelist_and_moduledict_registration():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
            self.heads = nn.ModuleDict({"cls": nn.Linear(2, 3), "reg": nn.Linear(2, 1)})

    net = Net()
    names = [k for k, _ in net.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                     "layers.2.weight", "layers.2.bias", "heads.cls.weight", "heads.cls.bias",
                     "heads.reg.weight", "heads.reg.bias"]
    net.layers.append(nn.Linear(2, 5))
    assert "layers.3.weight" in dict(net.named_parameters())
    net.heads["new"] = nn.Linear(1, 1)
    assert "heads.new.bias" in net.state_dict()
    assert len(net.layers) == 4 and len(net.heads) == 3
    assert list(net.heads) == ["cls", "reg", "new"] and "reg" in net.heads
    assert isinstance(net.layers[-1], nn.Linear) and net.layers[-1].out_features == 5
    assert [type(m).__name__ for m in net.layers] == ["Linear"] * 4
    del net.heads["reg"]
    assert "heads.reg.weight" not in net.state_dict()
    assert sorted(net.heads.keys()) == ["cls", "new"]


def test_plain_list_of_modules_is_not_registered_but_attributes_are():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.hidden = [nn.Linear(2, 2)]  # a plain list: not registered, as in PyTorch
            self.note = "x"

    net = Net()
    assert [k for k, _ in net.named_parameters()] == ["fc.weight", "fc.bias"]
    assert net.note == "x"
    with pytest.raises(AttributeError):
        _ = net.missing_attribute


def test_shared_parameter_counted_once():
    lin = nn.Linear(3, 3)
    m = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(m.parameters())) == 2


def test_parameter_from_non_leaf_is_leaf():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    assert not y.is_leaf
    p = nn.Parameter(y)
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
    np.testing.assert_array_equal(_np(p), [2.0, 4.0, 6.0])
    (p * p).sum().backward()
    np.testing.assert_allclose(_np(p.grad), [4.0, 8.0, 12.0])
    assert x.grad is None
    assert isinstance(p, cr.Tensor)


def test_parameter_options_and_repr():
    p = nn.Parameter(cr.ones(2, 2))
    assert repr(p).startswith("Parameter containing:")
    assert nn.Parameter(cr.ones(2), requires_grad=False).requires_grad is False
    q = nn.Parameter(cr.zeros(3), name="w")
    assert q.name == "w" and q.requires_grad
    m = nn.Linear(2, 2)
    assert isinstance(m.weight, nn.Parameter)
    assert repr(m.weight).startswith("Parameter containing:")


def test_parameter_assignment_registers():
    m = nn.Module()
    m.w = nn.Parameter(cr.ones(2))
    m.t = cr.ones(2)  # a plain tensor is not a parameter
    assert [k for k, _ in m.named_parameters()] == ["w"]
    m.w = nn.Parameter(cr.zeros(3))
    assert tuple(m.w.shape) == (3,)
    del m.w
    assert list(m.named_parameters()) == []


def test_cell_with_construct():
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(cr.tensor(np.array([[1.0], [2.0]])), name="w")
            self.b = nn.Parameter(cr.tensor(np.array([0.5])), name="b")

        def construct(self, x):
            return cr.matmul(x, self.w) + self.b

    net = Net()
    x = np.array([[1.0, 1.0], [2.0, -1.0]])
    out = net(cr.tensor(x))
    np.testing.assert_allclose(_np(out), x @ np.array([[1.0], [2.0]]) + 0.5)
    assert [k for k, _ in net.named_parameters()] == ["w", "b"]
    tp = net.trainable_params()
    assert len(tp) == 2 and tp[0] is net.w and tp[1] is net.b
    out.sum().backward()
    np.testing.assert_allclose(_np(net.w.grad), x.sum(0)[:, None])

    class Empty(nn.Cell):
        pass

    with pytest.raises(NotImplementedError):
        Empty()(cr.ones(1))


def test_module_without_forward_raises():
    with pytest.raises(NotImplementedError):
        nn.Module()(cr.ones(1))


def test_trainable_params_excludes_frozen():
    m = _mlp(nn)
    m[0].weight.requires_grad_(False)
    tp = m.trainable_params()
    assert len(tp) == 5
    assert not any(p is m[0].weight for p in tp)
    assert all(p.requires_grad for p in tp)
    ids = [id(p) for p in m.parameters() if p.requires_grad]
    assert [id(p) for p in tp] == ids
    m.requires_grad_(False)
    assert m.trainable_params() == []


def test_double_float_to_convert_params_and_buffers():
    m = _mlp(nn)
    assert m[0].weight.dtype == cr.float32
    assert m.double() is m
    for name, t in list(m.named_parameters()) + list(m.named_buffers()):
        if name.endswith("num_batches_tracked"):
            assert t.dtype == cr.int64
        else:
            assert t.dtype == cr.float64, name
    assert m(cr.randn(3, 4, dtype=cr.float64)).dtype == cr.float64
    m.float()
    assert m[1].running_var.dtype == cr.float32 and m[3].bias.dtype == cr.float32
    m.to(cr.float64)
    assert m[1].running_mean.dtype == cr.float64 and m[0].weight.dtype == cr.float64
    m.to(dtype=cr.float32)
    assert m[0].weight.dtype == cr.float32
    assert isinstance(m[0].weight, nn.Parameter) and m[0].weight.requires_grad


def test_double_keeps_the_same_parameter_objects():
    m = nn.Linear(2, 2)
    w = m.weight
    m.double()
    assert m.weight is w and w.dtype == cr.float64


def test_register_buffer_persistent_and_not():
    m = nn.Module()
    m.register_buffer("a", cr.ones(2))
    m.register_buffer("b", cr.zeros(2), persistent=False)
    assert [k for k, _ in m.named_buffers()] == ["a", "b"]
    assert list(m.state_dict()) == ["a"]
    assert list(m.named_parameters()) == []
    m.a = cr.tensor([5.0, 6.0])  # re-assigning a buffer keeps it a buffer
    np.testing.assert_array_equal(_np(m.state_dict()["a"]), [5.0, 6.0])
    with pytest.raises(KeyError):
        m.register_buffer("x.y", cr.ones(1))


def test_module_repr_nested():
    r = repr(_mlp(nn))
    assert r.startswith("Sequential(") and "(0): Linear(in_features=4, out_features=8" in r


# ================================================================ gradient clipping
def _grad_sets(torch, dtype_np, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (5,), (2, 2, 2)]
    grads = [rng.standard_normal(s).astype(dtype_np) * 3 for s in shapes]
    tps, cps = [], []
    for g in grads:
        tp = torch.zeros(g.shape, dtype=torch.float64 if dtype_np == np.float64 else
                         torch.float32, requires_grad=True)
        tp.grad = torch.tensor(g.copy())
        tps.append(tp)
        cp = nn.Parameter(cr.zeros(*g.shape, dtype=cr.float64 if dtype_np == np.float64 else
                                   cr.float32))
        cp.grad = cr.tensor(g.copy())
        cps.append(cp)
    # one parameter without a gradient is skipped by both
    tps.append(torch.zeros(2, requires_grad=True))
    cps.append(nn.Parameter(cr.zeros(2)))
    return tps, cps


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (1e3, 2.0), (0.5, 1.0),
                                                (2.0, float("inf")), (0.7, 3.0),
                                                (1e3, float("inf")), (0.1, "inf")])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_norm_vs_torch(max_norm, norm_type, dtype):
    torch = pytest.importorskip("torch")
    tps, cps = _grad_sets(torch, dtype)
    tn = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type=norm_type)
    cn = nn.utils.clip_grad_norm_(cps, max_norm, norm_type=norm_type)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(float(_np(cn)), float(tn), rtol=rtol)
    for tp, cp in zip(tps, cps):
        if tp.grad is None:
            assert cp.grad is None
        else:
            np.testing.assert_allclose(_np(cp.grad), tp.grad.numpy(), rtol=rtol, atol=1e-7)


def test_clip_grad_norm_formula_and_single_tensor():
    g = np.array([3.0, 4.0])
    p = nn.Parameter(cr.zeros(2, dtype=cr.float64))
    p.grad = cr.tensor(g.copy())
    total = nn.utils.clip_grad_norm_(p, 1.0)
    assert float(_np(total)) == pytest.approx(5.0)
    np.testing.assert_allclose(_np(p.grad), g / (5.0 + 1e-6), rtol=1e-12)
    p.grad = cr.tensor(g.copy())
    nn.utils.clip_grad_norm_([p], 10.0)
    np.testing.assert_array_equal(_np(p.grad), g)
    p.grad = cr.tensor(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("clip", [0.5, 2.0, 10.0])
def test_clip_grad_value_vs_torch(clip):
    torch = pytest.importorskip("torch")
    tps, cps = _grad_sets(torch, np.float64, seed=1)
    assert torch.nn.utils.clip_grad_value_(tps, clip) is None
    nn.utils.clip_grad_value_(cps, clip)
    for tp, cp in zip(tps, cps):
        if tp.grad is None:
            assert cp.grad is None
        else:
            np.testing.assert_array_equal(_np(cp.grad), tp.grad.numpy())


def test_clip_grad_value_formula():
    p = nn.Parameter(cr.zeros(4, dtype=cr.float64))
    p.grad = cr.tensor(np.array([-3.0, -0.5, 0.2, 7.0]))
    nn.utils.clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(_np(p.grad), [-1.0, -0.5, 0.2, 1.0])


def test_clip_grad_norm_on_model_after_backward():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t, c = _mlp(torch.nn).double(), _mlp(nn).double()
    _load_from_torch(c, t)
    x = _rand(8, 4)
    t(torch.tensor(x)).pow(2).sum().backward()
    (c(cr.tensor(x)) ** 2).sum().backward()
    tn = torch.nn.utils.clip_grad_norm_(t.parameters(), 0.3)
    cn = nn.utils.clip_grad_norm_(c.parameters(), 0.3)
    np.testing.assert_allclose(float(_np(cn)), float(tn), rtol=1e-9)
    for (k, tp), cp in zip(t.named_parameters(), c.parameters()):
        np.testing.assert_allclose(_np(cp.grad), tp.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=k)
