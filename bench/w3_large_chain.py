"""W3: 10 elementwise ops on 4,000,000 float32 elements, then mean() and backward()."""

from __future__ import annotations

import numpy as np
import torch
from _common import best_of, check_same, print_rows, row

import chainrule

N = 4_000_000
X0 = np.random.default_rng(0).uniform(-1.0, 1.0, N).astype(np.float32)


def step(lib):
    x = lib.tensor(X0, requires_grad=True)
    y = x * 1.5
    y = lib.sin(y)
    y = y + 0.25
    y = lib.exp(y)
    y = y * y
    y = lib.tanh(y)
    y = y - 0.5
    y = y * x
    y = lib.sigmoid(y)
    y = y / 2.0
    y.mean().backward()
    return x.grad


def run(rounds=5, repeats=5):
    check_same("w3", step(chainrule), step(torch), atol=1e-9)
    # Interleave the libraries in rounds so a slow spell on the machine (torch's threaded
    # kernels suffer most) cannot catch all of one library's samples.
    ms = [float("inf")] * 2
    for _ in range(rounds):
        for i, lib in enumerate((chainrule, torch)):
            ms[i] = min(ms[i], best_of(lambda lib=lib: step(lib), repeats, warmup=1) * 1e3)
    return [row("W3 10 ops x 4M el, fwd+bwd", *ms, "ms", "<= 1.5x torch",
                ms[0] <= 1.5 * ms[1])]


if __name__ == "__main__":
    print_rows(run())
