"""chainrule.optim: optimiser trajectories and LR schedules against PyTorch's (when installed)
and against the update formulas written out in NumPy; state dicts, zero_grad, errors, and a
model that learns."""

import math

import numpy as np
import pytest

import chainrule
from chainrule import nn, optim
from chainrule.nn import Parameter
from chainrule.optim import lr_scheduler

_rng = np.random.default_rng(0)
X = _rng.standard_normal((8, 3))
Y = _rng.standard_normal((8, 2))
W0 = _rng.standard_normal((3, 2))
B0 = _rng.standard_normal(2)
STEPS = 15


def _loss(w, b, x, y, maximize):
    """A least-squares fit plus a quartic term (so the curvature changes along the way);
    written once for both libraries."""
    r = x @ w + b - y
    loss = (r * r).mean() + 0.1 * (w ** 4).sum()
    return -loss if maximize else loss


def _groups(w, b):
    # two groups, the second with its own learning rate
    return [{"params": [w]}, {"params": [b], "lr": 0.03}]


def _chainrule_run(cls, kwargs, steps=STEPS):
    w, b = Parameter(chainrule.tensor(W0)), Parameter(chainrule.tensor(B0))
    opt = cls(_groups(w, b), **kwargs)
    x, y = chainrule.tensor(X), chainrule.tensor(Y)
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(w, b, x, y, kwargs.get("maximize", False)).backward()
        opt.step()
        trajectory.append(np.concatenate([w._data.ravel(), b._data.ravel()]))
    return np.array(trajectory), opt


def _torch_run(torch, name, kwargs, steps=STEPS):
    w = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    opt = getattr(torch.optim, name)(_groups(w, b), **kwargs)
    x, y = torch.tensor(X), torch.tensor(Y)
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(w, b, x, y, kwargs.get("maximize", False)).backward()
        opt.step()
        trajectory.append(np.concatenate([w.detach().numpy().ravel(),
                                          b.detach().numpy().ravel()]))
    return np.array(trajectory), opt


CASES = [
    (optim.SGD, {"lr": 0.05}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    (optim.SGD, {"lr": 0.05, "weight_decay": 0.1}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1, "maximize": True}),
    (optim.Adam, {"lr": 0.05}),
    (optim.Adam, {"lr": 0.05, "amsgrad": True}),
    (optim.Adam, {"lr": 0.05, "weight_decay": 0.1}),
    (optim.Adam, {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-6}),
    (optim.Adam, {"lr": 0.05, "betas": (0.3, 0.5)}),
    (optim.Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    (optim.AdamW, {"lr": 0.05}),
    (optim.AdamW, {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    (optim.AdamW, {"lr": 0.05, "maximize": True}),
    (optim.RMSprop, {"lr": 0.01}),
    (optim.RMSprop, {"lr": 0.01, "centered": True}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.9}),
    (optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    (optim.RMSprop, {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "maximize": True}),
    (optim.Adagrad, {"lr": 0.1}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.1}),
    (optim.Adagrad, {"lr": 0.1, "weight_decay": 0.1}),
    (optim.Adagrad, {"lr": 0.1, "initial_accumulator_value": 0.5}),
    (optim.Adagrad, {"lr": 0.1, "eps": 1e-5, "maximize": True}),
]
IDS = [f"{cls.__name__}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for cls, kw in CASES]


# ---------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize(("cls", "kwargs"), CASES, ids=IDS)
def test_trajectory_matches_torch(cls, kwargs):
    torch = pytest.importorskip("torch")
    ours, opt = _chainrule_run(cls, kwargs)
    theirs, topt = _torch_run(torch, cls.__name__, kwargs)
    assert np.abs(ours[-1] - np.concatenate([W0.ravel(), B0])).max() > 1e-2  # it moved
    np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-13)
    # the state dicts agree: same hyperparameters, same buffers under the same names
    sd, tsd = opt.state_dict(), topt.state_dict()
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert g["params"] == tg["params"]
        assert {k: v for k, v in g.items() if k in tg} == {k: tg[k] for k in g if k in tg}
    assert sd["state"].keys() == tsd["state"].keys()
    for i, state in sd["state"].items():
        assert state.keys() == tsd["state"][i].keys()
        for name, value in state.items():
            assert isinstance(value, chainrule.Tensor)
            np.testing.assert_allclose(value._data, tsd["state"][i][name].numpy(), rtol=1e-11,
                                       atol=1e-13)


def _schedule(sched_cls, kwargs, opt, epochs=30, metrics=None):
    scheduler = sched_cls(opt, **kwargs)
    lrs = [scheduler.get_last_lr()]
    for epoch in range(epochs):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch])
        lrs.append(scheduler.get_last_lr())
    return lrs


PLATEAU_METRICS = [1.0, 0.9, 0.9, 0.95, 0.9, 0.91, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.7, 0.7, 0.7,
                   0.71, 0.72, 0.7, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
                   0.4, 0.4]
SCHEDULES = [
    (lr_scheduler.StepLR, {"step_size": 7, "gamma": 0.5}, None),
    (lr_scheduler.StepLR, {"step_size": 1}, None),
    (lr_scheduler.ExponentialLR, {"gamma": 0.9}, None),
    (lr_scheduler.CosineAnnealingLR, {"T_max": 10}, None),
    (lr_scheduler.CosineAnnealingLR, {"T_max": 7, "eta_min": 0.01}, None),
    (lr_scheduler.ReduceLROnPlateau, {"patience": 2}, PLATEAU_METRICS),
    (lr_scheduler.ReduceLROnPlateau, {"patience": 1, "factor": 0.5, "threshold": 0.05,
                                      "threshold_mode": "abs", "cooldown": 2,
                                      "min_lr": [0.02, 0.001]}, PLATEAU_METRICS),
    (lr_scheduler.ReduceLROnPlateau, {"mode": "max", "patience": 0, "min_lr": 0.01},
     [-m for m in PLATEAU_METRICS]),
    (lr_scheduler.ReduceLROnPlateau, {"mode": "max", "threshold_mode": "abs", "patience": 1},
     PLATEAU_METRICS),
]


@pytest.mark.parametrize(("sched_cls", "kwargs", "metrics"), SCHEDULES,
                         ids=[f"{c.__name__}{i}" for i, (c, _, _) in enumerate(SCHEDULES)])
def test_schedule_matches_torch(sched_cls, kwargs, metrics):
    torch = pytest.importorskip("torch")
    ours = _schedule(sched_cls, kwargs, _sgd_two_groups(), metrics=metrics)
    t_opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)]},
                             {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.05}],
                            lr=0.1)
    theirs = _schedule(getattr(torch.optim.lr_scheduler, sched_cls.__name__), kwargs, t_opt,
                       metrics=metrics)
    assert ours == theirs  # the same float arithmetic: equal to the last bit
    assert len({lrs[0] for lrs in ours}) > 1


def _sgd_two_groups(**kwargs):
    return optim.SGD([{"params": [Parameter(chainrule.zeros(1))]},
                      {"params": [Parameter(chainrule.zeros(1))], "lr": 0.05}], lr=0.1, **kwargs)


# ---------------------------------------------------------------- formulas by hand (no torch)
def _steps_by_hand(cls, kwargs, grads, p0):
    """Apply ``cls`` to one parameter whose gradients are given, step by step."""
    p = Parameter(chainrule.tensor(p0))
    opt = cls([p], **kwargs)
    for g in grads:
        p.grad = chainrule.tensor(g)
        opt.step()
    return p._data


P0 = np.array([0.5, -1.5, 2.0])
G1 = np.array([0.3, -0.2, 1.0])
G2 = np.array([-0.1, 0.4, 0.5])
G3 = np.array([0.2, 0.2, -0.7])


def test_sgd_formula():
    lr, mom, damp, wd = 0.1, 0.9, 0.2, 0.01
    got = _steps_by_hand(optim.SGD, {"lr": lr, "momentum": mom, "dampening": damp,
                                     "weight_decay": wd}, [G1, G2], P0)
    g1 = G1 + wd * P0
    buf = g1  # the first step takes the gradient as the buffer, undampened
    p1 = P0 - lr * buf
    g2 = G2 + wd * p1
    buf = mom * buf + (1 - damp) * g2
    np.testing.assert_allclose(got, p1 - lr * buf, rtol=1e-14)

    got = _steps_by_hand(optim.SGD, {"lr": lr, "momentum": mom, "nesterov": True}, [G1, G2], P0)
    p1 = P0 - lr * (G1 + mom * G1)
    buf = mom * G1 + G2
    np.testing.assert_allclose(got, p1 - lr * (G2 + mom * buf), rtol=1e-14)

    got = _steps_by_hand(optim.SGD, {"lr": lr, "maximize": True}, [G1], P0)
    np.testing.assert_allclose(got, P0 + lr * G1, rtol=1e-14)


def test_adam_formula():
    # Adam divides by sqrt(v / (1 - beta2^t)) + eps: check against the textbook form
    got = _steps_by_hand(optim.Adam, {"lr": 0.1, "betas": (0.8, 0.9), "eps": 1e-3},
                         [G1, G2, G3], P0)
    p = P0
    m = v = 0
    for t, g in enumerate([G1, G2, G3], start=1):
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        p = p - 0.1 * (m / (1 - 0.8 ** t)) / (np.sqrt(v / (1 - 0.9 ** t)) + 1e-3)
    np.testing.assert_allclose(got, p, rtol=1e-13)

    got = _steps_by_hand(optim.Adam, {"lr": 0.1, "weight_decay": 0.5, "amsgrad": True},
                         [G1, G2, G3], P0)
    p, m, v, v_max = P0, 0, 0, 0
    for t, g in enumerate([G1, G2, G3], start=1):
        g = g + 0.5 * p
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        v_max = np.maximum(v_max, v)
        p = p - 0.1 * (m / (1 - 0.9 ** t)) / (np.sqrt(v_max / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(got, p, rtol=1e-13)


def test_adamw_formula():
    got = _steps_by_hand(optim.AdamW, {"lr": 0.1, "weight_decay": 0.5}, [G1, G2], P0)
    p, m, v = P0, 0, 0
    for t, g in enumerate([G1, G2], start=1):
        p = p * (1 - 0.1 * 0.5)  # decoupled: the weights shrink, the moments never see it
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        p = p - 0.1 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(got, p, rtol=1e-13)
    assert optim.AdamW([Parameter(chainrule.zeros(1))]).defaults["weight_decay"] == 1e-2


def test_rmsprop_formula():
    lr, alpha, eps, mom = 0.01, 0.9, 1e-6, 0.5
    got = _steps_by_hand(optim.RMSprop, {"lr": lr, "alpha": alpha, "eps": eps}, [G1, G2], P0)
    p, v = P0, 0
    for g in [G1, G2]:
        v = alpha * v + (1 - alpha) * g * g
        p = p - lr * g / (np.sqrt(v) + eps)
    np.testing.assert_allclose(got, p, rtol=1e-13)

    got = _steps_by_hand(optim.RMSprop, {"lr": lr, "alpha": alpha, "eps": eps,
                                         "momentum": mom, "centered": True}, [G1, G2, G3], P0)
    p, v, mean_g, buf = P0, 0, 0, 0
    for g in [G1, G2, G3]:
        v = alpha * v + (1 - alpha) * g * g
        mean_g = alpha * mean_g + (1 - alpha) * g
        buf = mom * buf + g / (np.sqrt(v - mean_g ** 2) + eps)
        p = p - lr * buf
    np.testing.assert_allclose(got, p, rtol=1e-13)


def test_adagrad_formula():
    lr, lr_decay, init, eps = 0.1, 0.5, 0.2, 1e-10
    got = _steps_by_hand(optim.Adagrad, {"lr": lr, "lr_decay": lr_decay,
                                         "initial_accumulator_value": init}, [G1, G2, G3], P0)
    p, total = P0, init
    for t, g in enumerate([G1, G2, G3], start=1):
        total = total + g * g
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(total) + eps)
    np.testing.assert_allclose(got, p, rtol=1e-13)


def test_schedules_by_hand():
    lrs = _schedule(lr_scheduler.StepLR, {"step_size": 3, "gamma": 0.5}, _sgd_two_groups(), 10)
    assert lrs == [[0.1 * 0.5 ** (e // 3), 0.05 * 0.5 ** (e // 3)] for e in range(11)]

    lrs = _schedule(lr_scheduler.ExponentialLR, {"gamma": 0.9}, _sgd_two_groups(), 10)
    for e, (a, b) in enumerate(lrs):
        assert a == pytest.approx(0.1 * 0.9 ** e, rel=1e-14)
        assert b == pytest.approx(0.05 * 0.9 ** e, rel=1e-14)

    # the recursive formula follows the closed form, through the trough and back up
    t_max, eta_min = 6, 0.01
    lrs = _schedule(lr_scheduler.CosineAnnealingLR, {"T_max": t_max, "eta_min": eta_min},
                    _sgd_two_groups(), 3 * t_max)
    for e, pair in enumerate(lrs):
        for lr, base in zip(pair, [0.1, 0.05]):
            closed = eta_min + (base - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2
            assert lr == pytest.approx(closed, rel=1e-12, abs=1e-15)

    # patience 2: the third epoch without improvement divides the rates by 10; cooldown 1
    # ignores the epoch after a reduction, so the next one comes 4 epochs later, not 3
    metrics = [1.0] * 10
    lrs = _schedule(lr_scheduler.ReduceLROnPlateau, {"patience": 2, "cooldown": 1,
                                                    "min_lr": 0.002}, _sgd_two_groups(),
                    len(metrics), metrics)
    expected = [[0.1, 0.05]] * 4 + [[0.01, 0.005]] * 4 + [[0.002, 0.002]] * 3
    np.testing.assert_allclose(lrs, expected, rtol=1e-14)


def test_reduce_on_plateau_takes_a_tensor_and_skips_tiny_changes():
    opt = optim.SGD([Parameter(chainrule.zeros(1))], lr=1e-9)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    for _ in range(3):
        scheduler.step(chainrule.tensor(1.0))
    assert scheduler.get_last_lr() == [1e-9]  # a change below eps=1e-8 is skipped
    assert scheduler.last_epoch == 3


# ---------------------------------------------------------------- state dicts
STATEFUL = [c for c in CASES if c[1].get("momentum") or c[0] is not optim.SGD]


@pytest.mark.parametrize(("cls", "kwargs"), STATEFUL,
                         ids=[i for i, c in zip(IDS, CASES) if c in STATEFUL])
def test_state_dict_round_trip(cls, kwargs):
    full, _ = _chainrule_run(cls, kwargs, steps=10)
    _, opt = _chainrule_run(cls, kwargs, steps=5)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.03
    assert sorted(sd["state"]) == [0, 1]
    for state in sd["state"].values():
        assert all(isinstance(v, chainrule.Tensor) for v in state.values())
        assert "step" not in state or state["step"]._data.dtype == np.float32

    # a fresh optimizer over parameters holding the values after 5 steps, given the state
    w = Parameter(chainrule.tensor(full[4, :6].reshape(3, 2)))
    b = Parameter(chainrule.tensor(full[4, 6:]))
    fresh = cls([{"params": [w]}, {"params": [b]}], **{**kwargs, "lr": 123.0})
    fresh.load_state_dict(sd)
    assert fresh.param_groups[1]["lr"] == 0.03 and fresh.param_groups[0]["params"] == [w]
    x, y = chainrule.tensor(X), chainrule.tensor(Y)
    for step in range(5, 10):
        fresh.zero_grad()
        _loss(w, b, x, y, kwargs.get("maximize", False)).backward()
        fresh.step()
        np.testing.assert_array_equal(np.concatenate([w._data.ravel(), b._data.ravel()]),
                                      full[step])
    # loading copied the buffers: the first optimizer's state did not move
    for i, (old, new) in enumerate(zip([g["params"][0] for g in opt.param_groups], [w, b])):
        for name, value in opt.state[old].items():
            if name != "step":
                np.testing.assert_array_equal(value, sd["state"][i][name]._data)
                assert not np.shares_memory(value, fresh.state[new][name])


def test_adagrad_state_exists_before_the_first_step():
    p = Parameter(chainrule.zeros(2, dtype=chainrule.float64))
    sd = optim.Adagrad([p], initial_accumulator_value=0.3).state_dict()
    assert float(sd["state"][0]["step"]) == 0.0
    np.testing.assert_array_equal(sd["state"][0]["sum"]._data, [0.3, 0.3])


def test_load_state_dict_errors_leave_the_optimizer_unchanged():
    w, b = Parameter(chainrule.ones(2)), Parameter(chainrule.ones(3))
    opt = optim.Adam([w, b], lr=0.5)
    w.grad, b.grad = chainrule.ones(2), chainrule.ones(3)
    opt.step()
    sd = opt.state_dict()
    other = optim.Adam([{"params": [w]}, {"params": [b]}])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        other.load_state_dict(sd)
    smaller = optim.Adam([w])
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        smaller.load_state_dict(sd)
    swapped = optim.Adam([b, w], lr=0.1)
    with pytest.raises(ValueError, match=r"'exp_avg' of shape \(2,\) for parameter 0, whose "
                                         r"shape is \(3,\)"):
        swapped.load_state_dict(sd)
    assert swapped.param_groups[0]["lr"] == 0.1 and not swapped.state
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        swapped.load_state_dict({"state": {}})
    bad = {"state": {5: {}}, "param_groups": sd["param_groups"]}
    with pytest.raises(ValueError, match="state for parameter 5"):
        optim.Adam([w, b]).load_state_dict(bad)


def test_load_state_dict_accepts_string_keys_and_casts_to_the_parameter_dtype():
    # a state dict that went through a text format (string keys, float64 buffers)
    p = Parameter(chainrule.zeros(2, dtype=chainrule.float32))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.load_state_dict({"state": {"0": {"momentum_buffer": np.array([1.0, 2.0])}},
                         "param_groups": [{**opt.state_dict()["param_groups"][0]}]})
    assert opt.state[p]["momentum_buffer"].dtype == np.float32
    p.grad = chainrule.zeros(2, dtype=chainrule.float32)
    opt.step()
    np.testing.assert_allclose(p._data, [-0.09, -0.18], rtol=1e-6)


def test_scheduler_state_dict_round_trip():
    opt = _sgd_two_groups()
    scheduler = lr_scheduler.CosineAnnealingLR(opt, T_max=8, eta_min=0.001)
    for _ in range(5):
        opt.step()
        scheduler.step()
    opt2 = _sgd_two_groups()
    scheduler2 = lr_scheduler.CosineAnnealingLR(opt2, T_max=1)
    opt2.load_state_dict(opt.state_dict())
    scheduler2.load_state_dict(scheduler.state_dict())
    assert "optimizer" not in scheduler.state_dict()
    for _ in range(10):
        for o, s in ((opt, scheduler), (opt2, scheduler2)):
            o.step()
            s.step()
        assert scheduler2.get_last_lr() == scheduler.get_last_lr()
        assert [g["lr"] for g in opt2.param_groups] == scheduler.get_last_lr()

    plateau = lr_scheduler.ReduceLROnPlateau(_sgd_two_groups(), patience=0)
    plateau.step(1.0)
    plateau.step(2.0)
    again = lr_scheduler.ReduceLROnPlateau(_sgd_two_groups())
    again.load_state_dict(plateau.state_dict())
    assert (again.best, again.patience, again.last_epoch) == (1.0, 0, 2)


def test_scheduler_resume_needs_initial_lr():
    opt = _sgd_two_groups()
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=4)
    lr_scheduler.StepLR(opt, step_size=2)
    resumed = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5, last_epoch=4)
    assert resumed.last_epoch == 5 and resumed.base_lrs == [0.1, 0.05]


# ---------------------------------------------------------------- behaviour
@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    p, q = Parameter(chainrule.ones(3)), Parameter(chainrule.ones(2))
    opt = optim.SGD([p, q], lr=0.1)
    (p * 2).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert p.grad is None
    else:
        assert p.grad is grad and not p.grad.requires_grad
        np.testing.assert_array_equal(p.grad._data, np.zeros(3))
    assert q.grad is None


@pytest.mark.parametrize(("cls", "kwargs"), [(optim.SGD, {"momentum": 0.9}), (optim.Adam, {}),
                                             (optim.RMSprop, {"centered": True}),
                                             (optim.Adagrad, {})])
def test_parameters_without_grad_are_skipped(cls, kwargs):
    p, frozen = Parameter(chainrule.ones(2)), Parameter(chainrule.ones(2))
    opt = cls([p, frozen], lr=0.1, **kwargs)
    version = frozen._version
    state_before = dict(opt.state[frozen])
    p.grad = chainrule.ones(2)
    opt.step()
    np.testing.assert_array_equal(frozen._data, [1.0, 1.0])
    assert frozen._version == version and opt.state[frozen].keys() == state_before.keys()
    assert (p._data < 1).all() and p._version > 0  # changed in place, version bumped


def test_step_with_closure_returns_the_loss():
    p = Parameter(chainrule.tensor([1.0, -2.0]))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 5.0
    np.testing.assert_allclose(p._data, [0.5, -1.0])


def test_add_param_group_and_repr():
    p, q = Parameter(chainrule.ones(2)), Parameter(chainrule.ones(2))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": q, "lr": 0.01})
    assert opt.param_groups[1] == {"params": [q], "lr": 0.01, "momentum": 0.9, "dampening": 0,
                                   "weight_decay": 0, "nesterov": False, "maximize": False}
    assert "Parameter Group 1" in repr(opt) and "lr: 0.01" in repr(opt)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p])


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda p: optim.SGD(p, lr=-1.0), ValueError, "Invalid learning rate: -1.0"),
    (lambda p: optim.SGD(p, momentum=-0.5), ValueError, "Invalid momentum value: -0.5"),
    (lambda p: optim.SGD(p, weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, nesterov=True), ValueError, "Nesterov momentum requires"),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires"),
    (lambda p: optim.SGD([{"params": p, "lr": -2.0}]), ValueError, "Invalid learning rate"),
    (lambda p: optim.Adam(p, lr=-1.0), ValueError, "Invalid learning rate: -1.0"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), ValueError,
     "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), ValueError,
     "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.AdamW(p, eps=-1e-8), ValueError, "Invalid epsilon value"),
    (lambda p: optim.AdamW(p, weight_decay=-0.1), ValueError, "Invalid weight_decay value"),
    (lambda p: optim.RMSprop(p, alpha=-0.5), ValueError, "Invalid alpha value: -0.5"),
    (lambda p: optim.RMSprop(p, momentum=-1), ValueError, "Invalid momentum value"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), ValueError, "Invalid lr_decay value: -1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), ValueError,
     "Invalid initial_accumulator_value value: -1"),
    (lambda p: optim.SGD([]), ValueError, "optimizer got an empty parameter list"),
    (lambda p: optim.SGD(iter([])), ValueError, "optimizer got an empty parameter list"),
    (lambda p: optim.SGD(p[0]), TypeError, "should be an iterable of Tensors or dicts"),
    (lambda p: optim.SGD([{"params": set(p)}]), TypeError, "ordered collections"),
    (lambda p: optim.SGD([p[0] * 2]), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda p: optim.SGD([np.ones(2)]), TypeError, "can only optimize Tensors"),
    (lambda p: optim.SGD(p).add_param_group(p), TypeError, "param_group must be a dict"),
    (lambda p: lr_scheduler.StepLR(object(), 3), TypeError, "object is not an Optimizer"),
    (lambda p: lr_scheduler.ReduceLROnPlateau(optim.SGD(p), factor=1.0), ValueError,
     "Factor should be < 1.0."),
    (lambda p: lr_scheduler.ReduceLROnPlateau(optim.SGD(p), mode="avg"), ValueError,
     "mode avg is unknown!"),
    (lambda p: lr_scheduler.ReduceLROnPlateau(optim.SGD(p), threshold_mode="x"), ValueError,
     "threshold mode x is unknown!"),
    (lambda p: lr_scheduler.ReduceLROnPlateau(optim.SGD(p), min_lr=[0.1, 0.2]), ValueError,
     "expected 1 min_lrs, got 2"),
])
def test_errors(make, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(".", r"\.")):
        make([Parameter(chainrule.ones(2))])


def test_a_linear_model_learns():
    class Line(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = Parameter(chainrule.zeros(1))
            self.bias = Parameter(chainrule.zeros(1))

        def forward(self, x):
            return x * self.weight + self.bias

    rng = np.random.default_rng(1)
    x = chainrule.tensor(rng.uniform(-1, 1, 64))
    y = 3 * x + 2
    model = Line()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(200):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 1e-3 < losses[0]
    np.testing.assert_allclose([float(model.weight), float(model.bias)], [3, 2], atol=0.02)
