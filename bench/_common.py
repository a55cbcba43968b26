"""Shared helpers for the hand-run benchmarks (not a pytest module)."""

from __future__ import annotations

import gc
import time

import numpy as np


def best_of(fn, repeats=20, warmup=2):
    """Best wall time in seconds of ``fn()`` over ``repeats`` runs, gc off while timing."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        finally:
            gc.enable()
    return best


def timed(fn):
    """(result, seconds) of a single call, gc off."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        return out, time.perf_counter() - t0
    finally:
        gc.enable()


def to_numpy(t):
    return np.asarray(t.detach().numpy())


def check_same(name, a, b, rtol=1e-3, atol=1e-5):
    """Fail loudly if the two libraries' gradients differ."""
    a, b = to_numpy(a), to_numpy(b)
    if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol):
        raise AssertionError(f"{name}: gradients differ (max abs diff "
                             f"{np.max(np.abs(a - b)) if a.shape == b.shape else 'shape'})")


def row(workload, cr, th, unit, target, met):
    """One line of the results table; ``target`` is text, ``met`` True/False/None."""
    return {"workload": workload, "chainrule": cr, "torch": th, "unit": unit,
            "target": target, "met": met}


def print_rows(rows):
    for r in rows:
        th = r["torch"]
        ratio = f"  ratio {r['chainrule'] / th:.2f}" if th else ""
        print(f"{r['workload']:<40} chainrule {r['chainrule']:10.3f} {r['unit']:<6}"
              f" torch {th if th is None else f'{th:10.3f}'}{ratio}")
