"""W4: full Hessian of the Rosenbrock function in float64 (n=100; n=1000 for information).

chainrule.hessian (forward-over-reverse) against torch.autograd.functional.hessian (one
backward per row: the target), torch.func.hessian and jax.hessian (eager and under jax.jit),
all checked against each other and against the analytical tridiagonal Hessian. torch and JAX
are optional peers here: a missing one gives a "not installed" row instead of numbers.
"""

from __future__ import annotations

import sys

import numpy as np
from _common import best_of, calls_per_sample, check_same, print_rows, row, timed

import chainrule

try:
    import torch
except ImportError:
    torch = None
try:
    import jax
    import jax.numpy as jnp
except ImportError:
    jax = None
else:
    jax.config.update("jax_enable_x64", True)

TARGET_PEER = "torch.autograd.functional.hessian"
SIZES = ((100, 20), (1000, 5))  # (n, repeats); the SPEC workload is n=100
SLOW_S = 60.0  # a peer whose first call takes longer is reported once, not repeated


def rosenbrock(x):
    """Same code for every library: works on chainrule / torch tensors and JAX arrays."""
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def analytic_hessian(x):
    """Rosenbrock's Hessian in closed form: tridiagonal."""
    n = x.size
    diag = np.zeros(n)
    diag[:-1] = 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    off = -400 * x[:-1]
    i = np.arange(n)
    h = np.zeros((n, n))
    h[i, i] = diag
    h[i[:-1], i[1:]] = off
    h[i[1:], i[:-1]] = off
    return h


def contenders(x0):
    """(name, zero-argument Hessian call) for chainrule and each installed peer; a peer that
    is missing comes as (name, None)."""
    h_cr, x_cr = chainrule.hessian(rosenbrock), chainrule.tensor(x0)
    yield "chainrule.hessian", lambda: h_cr(x_cr)
    if torch is None:
        yield "torch", None
    else:
        x_th = torch.tensor(x0)
        h_func = torch.func.hessian(rosenbrock)
        yield TARGET_PEER, lambda: torch.autograd.functional.hessian(rosenbrock, x_th)
        yield "torch.func.hessian", lambda: h_func(x_th)
    if jax is None:
        yield "jax", None
    else:
        x_jx = jnp.asarray(x0).block_until_ready()  # backend start-up stays out of first calls
        h_eager, h_jit = jax.hessian(rosenbrock), jax.jit(jax.hessian(rosenbrock))
        yield "jax.hessian", lambda: h_eager(x_jx).block_until_ready()
        yield "jax.jit(jax.hessian)", lambda: h_jit(x_jx).block_until_ready()


def measure(n, repeats):
    """{name: (first-call ms, best ms after warm-up or None)}; every Hessian checked."""
    x0 = np.random.default_rng(0).uniform(-2.0, 2.0, n)
    expected, reference, out = analytic_hessian(x0), None, {}
    for name, fn in contenders(x0):
        if fn is None:
            print(f"W4: {name} not installed, skipped", file=sys.stderr, flush=True)
            out[name] = None
            continue
        h, first = timed(fn)
        check_same(f"w4 n={n} {name} vs analytical", h, expected, rtol=1e-10, atol=1e-8)
        if reference is None:
            reference = h
        else:
            check_same(f"w4 n={n} {name} vs chainrule", reference, h, rtol=1e-10, atol=1e-8)
        if first > SLOW_S:
            print(f"W4: {name} n={n} took {first:.0f} s once, not repeated",
                  file=sys.stderr, flush=True)
            out[name] = (first * 1e3, None)
        else:
            number = calls_per_sample(fn)
            out[name] = (first * 1e3, best_of(fn, repeats, warmup=1, number=number) * 1e3)
    return out


def rows_for(n, res):
    cr_first, cr = res.pop("chainrule.hessian")
    label = f"W4 Rosenbrock Hessian n={n}, f64"
    rows = []
    for name, times in res.items():
        if times is None:
            rows.append(row(label, cr, None, "ms", "-", None, peer=f"{name}: not installed"))
            continue
        first, best = times
        target, met = "-", None
        if name == TARGET_PEER and n == 100:
            target = f"faster than {TARGET_PEER}"
            met = None if best is None else cr < best
        if best is None:
            rows.append(row(label, cr, None, "ms", target, met,
                            peer=f"{name}: skipped (one call {first / 1e3:.0f} s)"))
            continue
        peer = f"{name} (after warm-up)" if name.startswith("jax") else name
        rows.append(row(label, cr, best, "ms", target, met, peer=peer))
    for name, times in res.items():  # compilation shows in JAX's first call
        if name.startswith("jax") and times is not None:
            rows.append(row(f"{label}, first call", cr_first, times[0], "ms", "-", None,
                            peer=f"{name} (first call)"))
    return rows


def run():
    rows = []
    for n, repeats in SIZES:
        rows += rows_for(n, measure(n, repeats))
    return rows


if __name__ == "__main__":
    print_rows(run())
