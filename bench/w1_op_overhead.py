"""W1: per-op overhead, a chain of 1000 elementwise ops on 8 float32 elements."""

from __future__ import annotations

import numpy as np
import torch
from _common import best_of, check_same, print_rows, row

import chainrule

N_OPS = 1000
X0 = np.linspace(-1.0, 1.0, 8, dtype=np.float32)


def chain(lib, x):
    for i in range(N_OPS // 4):
        x = x * 1.0001
        x = x + 0.001
        x = lib.tanh(x) if i % 2 else lib.sin(x)
        x = x - 0.0005
    return x


def forward_backward(lib):
    x = lib.tensor(X0, requires_grad=True)
    chain(lib, x).sum().backward()
    return x.grad


def forward_only(lib):
    x = lib.tensor(X0, requires_grad=True)
    return chain(lib, x)


def run(repeats=20):
    check_same("w1", forward_backward(chainrule), forward_backward(torch))
    rows = []
    for label, fn in (("W1 1000 ops x 8 el, fwd+bwd", forward_backward),
                      ("W1 1000 ops x 8 el, fwd only", forward_only)):
        us = [best_of(lambda lib=lib, fn=fn: fn(lib), repeats) / N_OPS * 1e6
              for lib in (chainrule, torch)]
        target = "<= 1.0x torch" if fn is forward_backward else "-"
        met = us[0] <= us[1] if fn is forward_backward else None
        rows.append(row(label, *us, "us/op", target, met))
    return rows


if __name__ == "__main__":
    print_rows(run())
