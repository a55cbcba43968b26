"""W5: backward through a very deep graph (100,000 ops; plus a 1,000,000-node check)."""

from __future__ import annotations

import numpy as np
import torch
from _common import best_of, check_same, print_rows, row, timed

import chainrule

X0 = np.linspace(-1.0, 1.0, 4, dtype=np.float32)


def build(lib, n_ops):
    x = lib.tensor(X0, requires_grad=True)
    y = x
    for _ in range(n_ops // 2):
        y = y * 1.0001
        y = y + 0.0001
    return x, y.sum()


def fwd_bwd_times(lib, n_ops, repeats):
    """Best forward time and best backward time (each graph is built untimed for backward)."""
    fwd = best_of(lambda: build(lib, n_ops), repeats, warmup=1)
    bwd = float("inf")
    for _ in range(repeats):
        _, loss = build(lib, n_ops)
        bwd = min(bwd, timed(loss.backward)[1])
    return fwd, bwd


def run(repeats=5):
    grads = []
    for lib in (chainrule, torch):
        x, loss = build(lib, 100_000)
        loss.backward()
        grads.append(x.grad)
    check_same("w5", *grads)
    (cf, cb), (tf, tb) = (fwd_bwd_times(lib, 100_000, repeats) for lib in (chainrule, torch))
    x, loss = build(chainrule, 1_000_000)
    _, t1m = timed(loss.backward)
    expected = np.float32(1.0001) ** 500_000  # d/dx of the chain, same for every element
    ok = np.allclose(x.grad.numpy(), expected, rtol=1e-2)
    return [
        row("W5 100k-op chain, forward", cf * 1e3, tf * 1e3, "ms", "-", None),
        row("W5 100k-op chain, backward", cb * 1e3, tb * 1e3, "ms", "-", None),
        row("W5 1M-node chain, backward (chainrule)", t1m * 1e3, None, "ms",
            "runs, grad correct", ok, peer="-"),
    ]


if __name__ == "__main__":
    print_rows(run())
