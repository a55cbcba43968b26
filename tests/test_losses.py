"""Losses (``chainrule.nn._loss_fns`` and the modules of ``chainrule.nn.loss``).

Torch-free tests first: values computed by hand on tiny inputs, derivatives against central
differences, errors and module plumbing. Then the oracle tests: values and input gradients
against PyTorch on the same data (skipped where torch is not installed).
"""

import itertools
import math
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck
from chainrule.nn import _loss_fns as F
from chainrule.nn import loss as L
from chainrule.testing import check_grads

LN2 = math.log(2.0)


def t64(data, requires_grad=False):
    return cr.tensor(np.asarray(data, dtype=np.float64), requires_grad=requires_grad)


def idx(data):
    return cr.tensor(np.asarray(data, dtype=np.int64))


def close(actual, expected, **kw):
    np.testing.assert_allclose(actual.detach().numpy(), expected, rtol=1e-12, atol=1e-12, **kw)


# ---------------------------------------------------------------- hand-computed values
def test_regression_losses_by_hand():
    x, y = t64([0.5, 3.0, -1.0]), t64([0.0, 0.0, 0.0])
    close(F.mse_loss(x, y), (0.25 + 9 + 1) / 3)
    close(F.mse_loss(x, y, reduction="sum"), 10.25)
    close(F.mse_loss(x, y, reduction="none"), [0.25, 9.0, 1.0])
    close(F.l1_loss(x, y), 4.5 / 3)
    close(F.l1_loss(x, y, reduction="none"), [0.5, 3.0, 1.0])
    close(F.huber_loss(x, y, reduction="none"), [0.125, 2.5, 0.5])
    close(F.huber_loss(x, y, reduction="none", delta=2.0), [0.125, 4.0, 0.5])
    close(F.smooth_l1_loss(x, y, reduction="none"), [0.125, 2.5, 0.5])
    close(F.smooth_l1_loss(x, y, reduction="none", beta=2.0), [0.0625, 2.0, 0.25])
    close(F.smooth_l1_loss(x, y, reduction="none", beta=0.0), [0.5, 3.0, 1.0])


def test_weighted_regression_losses_by_hand():
    x, y, w = t64([1.0, 2.0]), t64([0.0, 0.0]), t64([1.0, 3.0])
    close(F.mse_loss(x, y, weight=w), (1 + 12) / 4)  # divided by the summed weights
    close(F.l1_loss(x, y, weight=w), (1 + 6) / 4)
    close(F.huber_loss(x, y, weight=w), (0.5 + 3 * 1.5) / 2)  # a plain mean, as PyTorch
    close(F.mse_loss(x, y, weight=w, reduction="none"), [1.0, 12.0])


def test_binary_cross_entropy_by_hand():
    p, y = t64([0.5, 0.25, 0.0, 1.0, 1.0]), t64([1.0, 0.0, 1.0, 1.0, 0.0])
    close(F.binary_cross_entropy(p, y, reduction="none"),
          [LN2, -math.log(0.75), 100.0, 0.0, 100.0])  # the logs clamped at -100
    w = t64([2.0, 1.0, 0.0, 0.0, 0.0])
    close(F.binary_cross_entropy(p, y, w, reduction="sum"), 2 * LN2 - math.log(0.75))


def test_binary_cross_entropy_gradient_is_finite_at_0_and_1():
    p = t64([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    F.binary_cross_entropy(p, t64([0.0, 1.0, 1.0, 0.0]), reduction="sum").backward()
    assert np.all(np.isfinite(p.grad.numpy()))


def test_binary_cross_entropy_with_logits_by_hand():
    x, y = t64([0.0, 0.0, 1e4, -1e4]), t64([1.0, 0.0, 0.0, 1.0])
    close(F.binary_cross_entropy_with_logits(x, y, reduction="none"), [LN2, LN2, 1e4, 1e4])
    pw = t64([3.0])
    close(F.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=pw),
          [3 * LN2, LN2, 1e4, 3e4])


def test_binary_cross_entropy_with_logits_gradient_at_zero_logit():
    """d/dx = (1 - y) - (1 + (pos_weight - 1) y) sigmoid(-x): also at x = 0, where the form
    ``relu(-x) + log1p(exp(-|x|))`` used to give the subgradient 0 for its kinks."""
    x = t64([0.0, 0.0], requires_grad=True)
    F.binary_cross_entropy_with_logits(x, t64([1.0, 0.0]), reduction="sum",
                                       pos_weight=t64([3.0])).backward()
    close(x.grad, [-1.5, 0.5])


def test_nll_loss_by_hand():
    logp = t64([[-1.0, -2.0, -3.0], [-0.5, -1.5, -2.5]])
    target, w = idx([2, 0]), t64([1.0, 2.0, 3.0])
    close(F.nll_loss(logp, target), (3.0 + 0.5) / 2)
    close(F.nll_loss(logp, target, weight=w), (3 * 3.0 + 1 * 0.5) / 4)  # / summed weights
    close(F.nll_loss(logp, target, weight=w, ignore_index=0), 3.0)
    close(F.nll_loss(logp, target, ignore_index=2, reduction="none"), [0.0, 0.5])
    close(F.nll_loss(logp[0], idx(1)), 2.0)


def test_nll_loss_all_targets_ignored():
    logp = t64([[-1.0, -2.0]])
    with np.errstate(invalid="ignore"):
        assert math.isnan(F.nll_loss(logp, idx([-100])).item())
    close(F.nll_loss(logp, idx([-100]), reduction="sum"), 0.0)


def test_cross_entropy_by_hand():
    close(F.cross_entropy(t64([[0.0, 0.0, 0.0]]), idx([1])), math.log(3))
    close(F.cross_entropy(t64([0.0, 0.0]), idx(1)), LN2)
    logits = t64([[0.0, math.log(3.0)]])  # probabilities 1/4, 3/4
    close(F.cross_entropy(logits, idx([1])), -math.log(0.75))
    smoothed = 0.8 * -math.log(0.75) + 0.1 * -(math.log(0.25) + math.log(0.75))
    close(F.cross_entropy(logits, idx([1]), label_smoothing=0.2), smoothed)
    close(F.cross_entropy(logits, t64([[0.0, 1.0]]), label_smoothing=0.2), smoothed)
    close(F.cross_entropy(logits, t64([[0.5, 0.5]])), -0.5 * (math.log(0.25) + math.log(0.75)))
    close(F.cross_entropy(logits, t64([[0.0, 1.0]]), weight=t64([1.0, 2.0])),
          -2 * math.log(0.75))


def test_cross_entropy_uint8_target():
    close(F.cross_entropy(t64([[0.0, 0.0]]), cr.tensor(np.array([1], np.uint8))), LN2)


def test_cross_entropy_large_logits_stay_finite():
    x = t64([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]], requires_grad=True)
    loss = F.cross_entropy(x, idx([2, 2]), reduction="none")
    close(loss, [2e4, 0.0])
    loss.sum().backward()
    close(x.grad, [[1.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    probs = F.cross_entropy(x, t64([[0.0, 0.5, 0.5], [0.0, 0.0, 1.0]]), label_smoothing=0.1)
    assert np.isfinite(probs.item())


def test_legacy_size_average_and_reduce():
    x, y = t64([1.0, 2.0]), t64([0.0, 0.0])
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        close(F.mse_loss(x, y, size_average=False), 5.0)
    with pytest.warns(UserWarning, match="reduction='none'"):
        close(F.l1_loss(x, y, reduce=False), [1.0, 2.0])
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert L.MSELoss(size_average=False).reduction == "sum"


def test_broadcast_target_warns():
    with pytest.warns(UserWarning, match=r"Using a target size \(chainrule\.Size\(\[2, 1\]\)\) "
                                         r"that is different to the input size"):
        loss = F.mse_loss(t64([1.0, 2.0]), t64([[0.0], [1.0]]), reduction="none")
    assert loss.shape == (2, 2)


# ---------------------------------------------------------------- derivatives (numerical)
def _rng():
    return np.random.default_rng(7)


def _grad_cases():
    rng = _rng()
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    p = rng.uniform(0.05, 0.95, (3, 4))
    yb = rng.uniform(0, 1, (3, 4))
    w4 = rng.uniform(0.5, 2.0, 4)
    logits = rng.standard_normal((4, 3, 2, 2))
    target = rng.integers(0, 3, (4, 2, 2))
    target[0, 0, 0] = -100
    probs = rng.dirichlet(np.ones(3), (4, 2, 2)).transpose(0, 3, 1, 2)
    w3 = rng.uniform(0.5, 2.0, 3)
    lab = idx(target)
    return {
        "mse": (lambda a: F.mse_loss(a, t64(y)), [x]),
        "mse_weight": (lambda a: F.mse_loss(a, t64(y), weight=t64(p)), [x]),
        "l1_none": (lambda a: F.l1_loss(a, t64(y), reduction="none"), [x]),
        "huber": (lambda a: F.huber_loss(a, t64(y), delta=0.7, reduction="sum"), [x]),
        "smooth_l1": (lambda a: F.smooth_l1_loss(a, t64(y), beta=0.7), [x]),
        "bce": (lambda a: F.binary_cross_entropy(a, t64(yb), t64(w4)), [p]),
        "bce_logits": (lambda a, pw: F.binary_cross_entropy_with_logits(
            a, t64(yb), t64(p), pos_weight=pw), [x, w4]),
        "bce_logits_at_zero": (lambda a: F.binary_cross_entropy_with_logits(
            a, t64(yb[0]), reduction="none"), [np.zeros(4)]),
        "nll": (lambda a: F.nll_loss(a, lab, t64(w3)), [logits]),
        "cross_entropy": (lambda a: F.cross_entropy(a, lab, t64(w3), label_smoothing=0.2),
                          [logits]),
        "cross_entropy_none": (lambda a: F.cross_entropy(a, lab, reduction="none"), [logits]),
        "cross_entropy_1d": (lambda a: F.cross_entropy(a, idx(2), label_smoothing=0.3), [w4]),
        "cross_entropy_probs": (lambda a, w: F.cross_entropy(a, t64(probs), w,
                                                             label_smoothing=0.1),
                                [logits, w3]),
    }


@pytest.mark.parametrize("name", sorted(_grad_cases()))
def test_derivatives_match_central_differences(name):
    fn, args = _grad_cases()[name]
    check_grads(fn, args, order=2, modes=("fwd", "rev"))


def test_gradcheck_cross_entropy_with_ignored_targets():
    x = t64(_rng().standard_normal((5, 4)), requires_grad=True)
    target = idx([0, 3, -100, 2, 1])
    assert gradcheck(lambda a: F.cross_entropy(a, target, label_smoothing=0.1, reduction="none"),
                     (x,))


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("call, error, message", [
    (lambda: F.mse_loss(t64([1.0]), t64([1.0]), reduction="avg"), ValueError,
     "avg is not a valid value for reduction"),
    (lambda: F.cross_entropy(t64([[1.0]]), idx([0]), reduction="avg"), ValueError,
     "avg is not a valid value for reduction"),
    (lambda: F.mse_loss(t64([1.0, 2.0]), t64([1.0, 2.0]), weight=t64([1.0])), ValueError,
     "Weights and input must have the same size."),
    (lambda: F.huber_loss(t64([1.0]), t64([1.0]), delta=0.0), RuntimeError,
     "huber_loss does not support non-positive values for delta."),
    (lambda: F.smooth_l1_loss(t64([1.0]), t64([1.0]), beta=-1.0), RuntimeError,
     "smooth_l1_loss does not support negative values for beta."),
    (lambda: F.binary_cross_entropy(t64([0.5]), t64([[1.0]])), ValueError,
     (r"Using a target size \(chainrule.Size\(\[1, 1\]\)\) that is different to the input "
      r"size \(chainrule.Size\(\[1\]\)\) is deprecated")),
    (lambda: F.binary_cross_entropy(t64([1.5]), t64([1.0])), RuntimeError,
     "all elements of input should be between 0 and 1"),
    (lambda: F.binary_cross_entropy_with_logits(t64([0.5, 1.0]), t64([[1.0], [0.0]])),
     ValueError, (r"Target size \(chainrule.Size\(\[2, 1\]\)\) must be the same as input "
                  r"size \(chainrule.Size\(\[2\]\)\)")),
    (lambda: F.cross_entropy(t64([[1.0, 2.0]]), idx([[0, 1]])), RuntimeError,
     "Expected floating point type for target with class probabilities, got Long"),
    (lambda: F.cross_entropy(t64([[1.0, 2.0]]), t64([0.0])), RuntimeError,
     "expected target dtype to be Long or Byte, but got Double"),
    (lambda: F.nll_loss(t64([[1.0, 2.0]]), cr.tensor(np.array([0], np.int32))), RuntimeError,
     "expected target dtype to be Long or Byte, but got Int"),
    (lambda: F.cross_entropy(t64([[1.0, 2.0]] * 3), idx([0, 1])), ValueError,
     r"Expected input batch_size \(3\) to match target batch_size \(2\)."),
    (lambda: F.nll_loss(t64(1.0), idx(0)), ValueError, r"Expected 1 or more dimensions \(got 0\)"),
    (lambda: F.cross_entropy(t64(np.zeros((2, 3))), idx([[0], [1]])), RuntimeError,
     "0D or 1D target tensor expected, multi-target not supported"),
    (lambda: F.cross_entropy(t64(np.zeros((2, 3, 4))), idx(np.zeros((2, 5), np.int64))),
     RuntimeError, r"Expected target size \[2, 4\], got \[2, 5\]"),
    (lambda: F.cross_entropy(t64([[1.0, 2.0]]), idx([2])), IndexError,
     "Target 2 is out of bounds."),
    (lambda: F.nll_loss(t64([[1.0, 2.0]]), idx([-1])), IndexError,
     "Target -1 is out of bounds."),
    (lambda: F.cross_entropy(t64([[1.0, 2.0]]), idx([0]), weight=t64([1.0])), RuntimeError,
     ("weight tensor should be defined either for all 2 classes or no classes but got weight "
      r"tensor of shape: \[1\]")),
    (lambda: F.cross_entropy(t64([[1.0, 2.0]]), t64([[0.5, 0.5]]), weight=t64([1.0])),
     RuntimeError, "cross_entropy: weight tensor should be defined either for all 2 classes"),
    (lambda: F.cross_entropy(t64([[1.0, 2.0]]), t64([[0.5, 0.5]]), ignore_index=1),
     RuntimeError, "ignore_index is not supported for floating point target"),
    (lambda: F.cross_entropy(t64([[1.0, 2.0]]), idx([0]), label_smoothing=1.5), RuntimeError,
     r"label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- modules
def _module_cases():
    rng = _rng()
    x, y = t64(rng.standard_normal((3, 4))), t64(rng.standard_normal((3, 4)))
    p, yb = t64(rng.uniform(0.1, 0.9, (3, 4))), t64(rng.uniform(0, 1, (3, 4)))
    w, labels = t64(rng.uniform(0.5, 2, 4)), idx([3, -1, 0])
    cases = [
        (L.MSELoss(reduction="sum"), F.mse_loss(x, y, reduction="sum"), (x, y)),
        (L.L1Loss(reduction="none"), F.l1_loss(x, y, reduction="none"), (x, y)),
        (L.HuberLoss(delta=0.5), F.huber_loss(x, y, delta=0.5), (x, y)),
        (L.SmoothL1Loss(beta=0.5), F.smooth_l1_loss(x, y, beta=0.5), (x, y)),
        (L.BCELoss(weight=w), F.binary_cross_entropy(p, yb, w), (p, yb)),
        (L.BCEWithLogitsLoss(w, pos_weight=w), F.binary_cross_entropy_with_logits(
            x, yb, w, pos_weight=w), (x, yb)),
        (L.NLLLoss(w, ignore_index=-1), F.nll_loss(x, labels, w, ignore_index=-1), (x, labels)),
        (L.CrossEntropyLoss(w, ignore_index=-1, label_smoothing=0.1), F.cross_entropy(
            x, labels, w, ignore_index=-1, label_smoothing=0.1), (x, labels)),
    ]
    return {type(case[0]).__name__: case for case in cases}


@pytest.mark.parametrize("name", sorted(_module_cases()))
def test_modules_match_functions(name):
    module, expected, args = _module_cases()[name]
    close(module(*args), expected.numpy())


def test_loss_weights_are_buffers():
    w = t64([1.0, 2.0])
    assert list(L.CrossEntropyLoss(weight=w).state_dict()) == ["weight"]
    assert list(L.BCEWithLogitsLoss(w, pos_weight=w).state_dict()) == ["weight", "pos_weight"]
    assert list(L.NLLLoss().state_dict()) == []
    assert not list(L.CrossEntropyLoss(weight=w).parameters())


# ---------------------------------------------------------------- against PyTorch
@pytest.fixture
def torch():
    return pytest.importorskip("torch")


REDUCTIONS = ("mean", "sum", "none")


def _lib_tensor(lib, value, dtype):
    if not isinstance(value, np.ndarray):
        return value
    value = value.astype(dtype) if value.dtype.kind == "f" else value
    return lib.tensor(value.copy())


def _run(lib, fn, arrays, kwargs, dtype, upstream):
    """``fn`` on ``arrays`` (the first requires grad) and the gradient of the first."""
    args = [_lib_tensor(lib, a, dtype) for a in arrays]
    args[0].requires_grad_()
    kw = {k: _lib_tensor(lib, v, dtype) for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # broadcasting targets warn, in both libraries alike
        out = fn(*args, **kw)
    out.backward(lib.tensor(upstream.astype(dtype)) if out.ndim else None)
    return out.detach().numpy(), args[0].grad.numpy()


def _compare(torch, name, arrays, kwargs, dtype=np.float64, module=None):
    """F.<name> (or the modules ``module``: (chainrule's, torch's)) against PyTorch: values
    and gradients of the input, in ``dtype``; a random upstream gradient when unreduced."""
    if module is None:
        ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    else:
        ours, theirs = module
    input, target = arrays
    if name not in ("nll_loss", "cross_entropy"):
        shape = np.broadcast_shapes(input.shape, target.shape)
    elif target.dtype.kind in "iu":
        shape = target.shape
    else:  # class probabilities: the class dimension is reduced
        shape = target.sum(axis=min(1, target.ndim - 1)).shape
    upstream = np.random.default_rng(3).standard_normal(shape)
    value, grad = _run(cr, ours, arrays, kwargs, dtype, upstream)
    expected_value, expected_grad = _run(torch, theirs, arrays, kwargs, dtype, upstream)
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 2e-5, "atol": 2e-6}
    assert value.dtype == expected_value.dtype
    assert value.shape == expected_value.shape
    np.testing.assert_allclose(value, expected_value, **tol)
    np.testing.assert_allclose(grad, expected_grad, **tol)


def _regression_cases():
    rng = np.random.default_rng(0)
    x, y, w = rng.standard_normal((4, 5)), rng.standard_normal((4, 5)), rng.random((4, 5))
    for red in REDUCTIONS:
        for name in ("mse_loss", "l1_loss"):
            yield f"{name}-{red}", name, [x, y], {"reduction": red}
            yield f"{name}-weight-{red}", name, [x, y], {"reduction": red, "weight": w}
            yield f"{name}-broadcast-{red}", name, [x, y[:1]], {"reduction": red}
        for delta in (1.0, 0.3, 2.5):
            yield f"huber-{delta}-{red}", "huber_loss", [x, y], {"reduction": red, "delta": delta}
        yield f"huber-weight-{red}", "huber_loss", [x, y], {"reduction": red, "weight": w}
        for beta in (1.0, 0.3, 0.0):
            yield f"smooth_l1-{beta}-{red}", "smooth_l1_loss", [x, y], {"reduction": red,
                                                                      "beta": beta}


def _binary_cases():
    rng = np.random.default_rng(1)
    p, soft = rng.uniform(0.02, 0.98, (4, 5)), rng.uniform(0, 1, (4, 5))
    hard = rng.integers(0, 2, (4, 5)).astype(np.float64)
    logits = rng.standard_normal((4, 5)) * 3
    logits[0, :3] = [0.0, 1e4, -1e4]  # the kink at 0 and saturation
    weights = {"none": None, "C": rng.random(5) + 0.5, "N1": rng.random((4, 1)) + 0.5,
               "full": rng.random((4, 5)) + 0.5}
    for red, (wn, w), (yn, y) in itertools.product(REDUCTIONS, weights.items(),
                                                   [("soft", soft), ("hard", hard)]):
        kw = {"reduction": red} | ({} if w is None else {"weight": w})
        yield f"bce-{red}-w{wn}-{yn}", "binary_cross_entropy", [p, y], kw
        for pn, pw in weights.items():
            kw_pos = kw | ({} if pw is None else {"pos_weight": pw})
            yield f"bce_logits-{red}-w{wn}-pw{pn}-{yn}", "binary_cross_entropy_with_logits", \
                [logits, y], kw_pos
    x4, y4 = rng.standard_normal((2, 3, 4, 4)), rng.uniform(0, 1, (2, 3, 4, 4))
    for pw in (rng.random((3, 1, 1)) + 0.5, rng.random(4) + 0.5):
        yield f"bce_logits-4d-pw{pw.shape}", "binary_cross_entropy_with_logits", [x4, y4], \
            {"pos_weight": pw, "weight": rng.random((3, 1, 1))}


def _targets(rng, n_classes, shape, ignore_index):
    target = rng.integers(0, n_classes, shape)
    target.flat[::4] = ignore_index  # a quarter of the targets ignored
    return target


def _class_cases():
    rng = np.random.default_rng(2)
    c = 5
    for red, weighted, ignore_index in itertools.product(REDUCTIONS, (False, True), (-100, 2)):
        kw = {"reduction": red, "ignore_index": ignore_index}
        kw |= {"weight": rng.random(c) + 0.5} if weighted else {}
        x = rng.standard_normal((6, c))
        target = _targets(rng, c, 6, ignore_index)
        tag = f"{red}-w{weighted}-ignore{ignore_index}"
        log_probs = x - np.log(np.exp(x).sum(1, keepdims=True))
        yield f"nll-{tag}", "nll_loss", [log_probs, target], kw
        yield f"nll-4d-{tag}", "nll_loss", [rng.standard_normal((2, c, 3, 4)),
                                            _targets(rng, c, (2, 3, 4), ignore_index)], kw
        for ls in (0.0, 0.25):
            kw_ls = kw | {"label_smoothing": ls}
            yield f"ce-{tag}-ls{ls}", "cross_entropy", [x, target], kw_ls
            yield f"ce-4d-{tag}-ls{ls}", "cross_entropy", [
                rng.standard_normal((2, c, 3, 4)), _targets(rng, c, (2, 3, 4), ignore_index)], \
                kw_ls
            yield f"ce-1d-{tag}-ls{ls}", "cross_entropy", [x[0], np.array(target[1])], kw_ls
    for red, weighted, ls in itertools.product(REDUCTIONS, (False, True), (0.0, 0.25)):
        kw = {"reduction": red, "label_smoothing": ls}
        kw |= {"weight": rng.random(c) + 0.5} if weighted else {}
        tag = f"{red}-w{weighted}-ls{ls}"
        probs = rng.dirichlet(np.ones(c), 6)
        yield f"ce-probs-{tag}", "cross_entropy", [rng.standard_normal((6, c)), probs], kw
        probs4 = rng.dirichlet(np.ones(c), (2, 3, 4)).transpose(0, 3, 1, 2)
        yield f"ce-probs-4d-{tag}", "cross_entropy", [rng.standard_normal((2, c, 3, 4)),
                                                     probs4], kw
        yield f"ce-probs-1d-{tag}", "cross_entropy", [rng.standard_normal(c), probs[0]], kw
    big = rng.standard_normal((4, c)) * 1e4
    for ls in (0.0, 0.1):
        yield f"ce-large-ls{ls}", "cross_entropy", [big, np.array([0, 1, 2, 3])], \
            {"label_smoothing": ls}
        yield f"ce-probs-large-ls{ls}", "cross_entropy", [big, rng.dirichlet(np.ones(c), 4)], \
            {"label_smoothing": ls}
    yield "ce-uint8", "cross_entropy", [rng.standard_normal((3, c)),
                                        np.array([0, 4, 2], np.uint8)], {}
    counted = rng.integers(0, c, 6)  # no target ignored
    for red in REDUCTIONS:
        kw = {"reduction": red, "weight": rng.random(c) + 0.5}
        yield f"nll-all-counted-{red}", "nll_loss", [rng.standard_normal((6, c)), counted], kw
        yield f"ce-all-counted-{red}", "cross_entropy", [rng.standard_normal((6, c)), counted], \
            kw | {"label_smoothing": 0.1}


CASES = {case[0]: case[1:] for case in itertools.chain(
    _regression_cases(), _binary_cases(), _class_cases())}


@pytest.mark.parametrize("case", sorted(CASES))
def test_against_torch(torch, case):
    _compare(torch, *CASES[case])


@pytest.mark.parametrize("case", [
    "mse_loss-mean", "l1_loss-weight-mean", "huber-0.3-none", "smooth_l1-0.3-sum",
    "bce-mean-wC-soft", "bce_logits-none-wN1-pwC-hard", "nll-mean-wTrue-ignore-100",
    "ce-4d-mean-wTrue-ignore-100-ls0.25", "ce-probs-4d-none-wTrue-ls0.25", "ce-large-ls0.1",
])
def test_against_torch_float32(torch, case):
    _compare(torch, *CASES[case], dtype=np.float32)


def _module_pairs(torch, w):
    tnn, tw = torch.nn, torch.tensor(w)
    return {
        "MSELoss": (L.MSELoss(reduction="sum"), tnn.MSELoss(reduction="sum"), "mse_loss"),
        "L1Loss": (L.L1Loss(), tnn.L1Loss(), "l1_loss"),
        "HuberLoss": (L.HuberLoss("none", 0.5), tnn.HuberLoss("none", 0.5), "huber_loss"),
        "SmoothL1Loss": (L.SmoothL1Loss(beta=0.5), tnn.SmoothL1Loss(beta=0.5),
                         "smooth_l1_loss"),
        "BCELoss": (L.BCELoss(cr.tensor(w)), tnn.BCELoss(tw), "binary_cross_entropy"),
        "BCEWithLogitsLoss": (L.BCEWithLogitsLoss(cr.tensor(w), pos_weight=cr.tensor(w)),
                              tnn.BCEWithLogitsLoss(tw, pos_weight=tw),
                              "binary_cross_entropy_with_logits"),
        "NLLLoss": (L.NLLLoss(cr.tensor(w), ignore_index=1), tnn.NLLLoss(tw, ignore_index=1),
                    "nll_loss"),
        "CrossEntropyLoss": (L.CrossEntropyLoss(cr.tensor(w), ignore_index=1,
                                                label_smoothing=0.3),
                             tnn.CrossEntropyLoss(tw, ignore_index=1, label_smoothing=0.3),
                             "cross_entropy"),
    }


@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss",
                                  "BCEWithLogitsLoss", "NLLLoss", "CrossEntropyLoss"])
def test_modules_against_torch(torch, name):
    rng = np.random.default_rng(4)
    ours, theirs, fn = _module_pairs(torch, rng.random(5) + 0.5)[name]
    if fn in ("nll_loss", "cross_entropy"):
        arrays = [rng.standard_normal((6, 5)), np.array([0, 1, 4, 1, 3, 2])]
    else:
        arrays = [rng.uniform(0.05, 0.95, (6, 5)), rng.uniform(0, 1, (6, 5))]
    _compare(torch, fn, arrays, {}, module=(ours, theirs))
