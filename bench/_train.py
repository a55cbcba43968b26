"""Shared code of the training-step benchmarks W2 and W7 (not a pytest module).

Every function takes the library (``chainrule`` or ``torch``) as an argument and nothing here
imports either at module level, so the memory worker (``_w2_memory.py``) can load only the
library it measures.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

import numpy as np

LR, MOMENTUM = 0.01, 0.9


# ------------------------------------------------------------------ models and data
def mlp(nn):
    """W2: 784-512-256-10 with ReLU (``nn`` is ``torch.nn`` or ``chainrule.nn``)."""
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def cnn(nn):
    """W7: conv3x3-32, relu, maxpool2, conv3x3-64, relu, maxpool2, flatten, linear-10 on
    1x28x28 (28 -> 26 -> 13 -> 11 -> 5)."""
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 5 * 5, 10))


def make_data(x_shape, n_classes=10, seed=0):
    """Inputs (float32, standard normal) and class labels (int64), as NumPy arrays."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(np.float32)
    y = rng.integers(0, n_classes, x_shape[0]).astype(np.int64)
    return x, y


def twin_models(builder, chainrule, torch, seed=0):
    """(chainrule model, torch model) with identical weights: torch initialises, chainrule
    loads NumPy copies of torch's state dict."""
    torch.manual_seed(seed)
    t_model = builder(torch.nn)
    c_model = builder(chainrule.nn)
    c_model.load_state_dict({k: v.detach().numpy().copy()
                             for k, v in t_model.state_dict().items()})
    return c_model, t_model


# ------------------------------------------------------------------ chainrule loss, optimiser
class _HandSGD:
    """Fallback while ``chainrule.optim.SGD`` is missing: PyTorch's SGD with momentum (no
    dampening, weight decay or Nesterov) done in NumPy on ``p._data``::

        buf = g (first step), else buf = momentum * buf + g;  p -= lr * buf
    """

    def __init__(self, params, lr, momentum):
        self.params, self.lr, self.momentum = list(params), lr, momentum
        self.buffers = [None] * len(self.params)

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad._data
            buf = self.buffers[i]
            if buf is None:
                buf = self.buffers[i] = g.copy()
            else:
                buf *= self.momentum
                buf += g
            p._data -= self.lr * buf


def _fallback_cross_entropy(chainrule):
    """Fallback while ``chainrule.nn.CrossEntropyLoss`` is missing: mean over the batch of
    ``-log_softmax(out)[i, y_i]`` (class-index targets), the arange index made once per
    batch size."""
    aranges = {}

    def loss(out, y):
        n = out.shape[0]
        if n not in aranges:
            aranges[n] = chainrule.arange(n)
        return -(chainrule.log_softmax(out, 1)[aranges[n], y]).mean()

    return loss


def chainrule_loss(chainrule):
    """(loss function, what it is): the library's CrossEntropyLoss once it exists."""
    try:
        return chainrule.nn.CrossEntropyLoss(), "chainrule.nn.CrossEntropyLoss"
    except (ImportError, AttributeError):
        return (_fallback_cross_entropy(chainrule),
                "fallback -(chainrule.log_softmax(out, 1)[arange, y]).mean()")


def chainrule_sgd(chainrule, params):
    """(optimiser, what it is): the library's SGD once it exists."""
    try:
        from chainrule.optim import SGD
    except (ImportError, AttributeError):
        return _HandSGD(params, LR, MOMENTUM), "fallback SGD momentum in NumPy on p._data"
    return SGD(params, lr=LR, momentum=MOMENTUM), "chainrule.optim.SGD"


def implementations(chainrule):
    """'loss: ..., optimiser: ...' for the chainrule side, as the benchmarks will use it."""
    _, loss_name = chainrule_loss(chainrule)
    _, opt_name = chainrule_sgd(chainrule, [chainrule.zeros(1, requires_grad=True)])
    return f"loss {loss_name}; optimiser {opt_name}"


def trainer(lib, model, x, y):
    """A zero-argument training step on fixed data: forward, loss, zero_grad, backward,
    optimizer.step(); returns the loss tensor."""
    if lib.__name__ == "torch":
        loss_fn = lib.nn.CrossEntropyLoss()
        opt = lib.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    else:
        loss_fn, _ = chainrule_loss(lib)
        opt, _ = chainrule_sgd(lib, model.parameters())
    x, y = lib.tensor(x), lib.tensor(y)

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


# ------------------------------------------------------------------ check and timing
def check_training(name, builder, x_shape, chainrule, torch, steps=5):
    """Train twin models ``steps`` steps on the same data; fail loudly unless the losses agree
    at every step, the loss falls, and the final weights agree (and moved)."""
    c_model, t_model = twin_models(builder, chainrule, torch)
    init = {k: v.detach().numpy().copy() for k, v in t_model.state_dict().items()}
    x, y = make_data(x_shape)
    c_step, t_step = trainer(chainrule, c_model, x, y), trainer(torch, t_model, x, y)
    c_loss = [float(c_step().item()) for _ in range(steps)]
    t_loss = [float(t_step().item()) for _ in range(steps)]
    if not np.allclose(c_loss, t_loss, rtol=1e-4, atol=1e-5):
        raise AssertionError(f"{name}: losses differ: chainrule {c_loss}, torch {t_loss}")
    if not t_loss[-1] < t_loss[0]:
        raise AssertionError(f"{name}: the loss does not fall: {t_loss}")
    c_state = c_model.state_dict()
    for k, v in t_model.state_dict().items():
        a, b = np.asarray(c_state[k].detach().numpy()), v.detach().numpy()
        if not np.allclose(a, b, rtol=1e-3, atol=1e-5):
            raise AssertionError(f"{name}: weights {k} differ after {steps} steps "
                                 f"(max abs diff {np.max(np.abs(a - b))})")
        if np.array_equal(b, init[k]):
            raise AssertionError(f"{name}: weights {k} did not change")
    return c_loss, t_loss


def step_times(steps, rounds=10, per_round=30, warmup=5):
    """Per-step wall times in seconds, ``{name: [seconds, ...]}`` for ``steps`` (``{name:
    zero-argument step}``): after ``warmup`` untimed steps each, the libraries take turns in
    ``rounds`` rounds of ``per_round`` steps (a slow spell on the machine cannot catch all of
    one library's samples); gc is collected before each round and disabled during it."""
    for fn in steps.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, fn in steps.items():
            gc.collect()
            gc.disable()
            try:
                for _ in range(per_round):
                    t0 = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - t0)
            finally:
                gc.enable()
    return times


def timing_rows(label, builder, x_shape, target_ratio, chainrule, torch, row, **kw):
    """Check the two libraries train alike, then time them: a best-of row and a median row
    (ms per step), both held to ``target_ratio`` x torch."""
    check_training(label, builder, x_shape, chainrule, torch)
    c_model, t_model = twin_models(builder, chainrule, torch)
    x, y = make_data(x_shape)
    times = step_times({"chainrule": trainer(chainrule, c_model, x, y),
                        "torch": trainer(torch, t_model, x, y)}, **kw)
    n = len(times["chainrule"])
    print(f"{label}: {n} timed steps per library", file=sys.stderr)
    rows = []
    for stat, f in (("best", min), ("median", statistics.median)):
        cr, th = f(times["chainrule"]) * 1e3, f(times["torch"]) * 1e3
        rows.append(row(f"{label}, {stat} of {n}", cr, th, "ms",
                        f"<= {target_ratio}x torch", cr <= target_ratio * th))
    return rows
