"""Shared helpers for the hand-run benchmarks (not a pytest module)."""

from __future__ import annotations

import gc
import math
import time

import numpy as np


def best_of(fn, repeats=20, warmup=2, number=1):
    """Best wall time in seconds of ``fn()`` over ``repeats`` runs, gc off while timing.

    With ``number`` > 1 each run times that many back-to-back calls and counts their mean:
    for sub-millisecond calls, which a single call after ``gc.collect()`` (cold caches) would
    overstate several times over (see ``calls_per_sample``)."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best = min(best, (time.perf_counter() - t0) / number)
        finally:
            gc.enable()
    return best


def calls_per_sample(fn, min_seconds=0.05, most=1000):
    """How many back-to-back calls of a warm ``fn`` fill ``min_seconds`` (``number`` for
    ``best_of``), from one timed call; 1 for calls already that long."""
    fn()
    t0 = time.perf_counter()
    fn()
    return max(1, min(most, math.ceil(min_seconds / max(time.perf_counter() - t0, 1e-9))))


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
    """A NumPy copy of a chainrule or torch tensor (detached), or of a JAX / NumPy array."""
    if hasattr(t, "detach"):
        t = t.detach().numpy()
    return np.asarray(t)


def check_same(name, a, b, rtol=1e-3, atol=1e-5):
    """Fail loudly if the two libraries' gradients differ."""
    a, b = to_numpy(a), to_numpy(b)
    if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol):
        raise AssertionError(f"{name}: gradients differ (max abs diff "
                             f"{np.max(np.abs(a - b)) if a.shape == b.shape else 'shape'})")


def row(workload, cr, peer_time, unit, target, met, peer="torch"):
    """One line of the results table: chainrule's time and a peer library's (``peer`` names it,
    ``peer_time`` None when the peer has no number); ``target`` is text, ``met`` True/False/None.
    """
    return {"workload": workload, "chainrule": cr, "peer": peer, "peer_time": peer_time,
            "unit": unit, "target": target, "met": met}


def fmt_time(v):
    return "-" if v is None else f"{v:.3f}"


def print_rows(rows):
    for r in rows:
        pt = r["peer_time"]
        ratio = f"  ratio {r['chainrule'] / pt:.2f}" if pt and r["chainrule"] is not None else ""
        print(f"{r['workload']:<40} chainrule {fmt_time(r['chainrule']):>10} {r['unit']:<6}"
              f" {r['peer']} {fmt_time(pt)}{ratio}")
