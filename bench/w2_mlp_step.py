"""W2: one training step of an MLP 784-512-256-10 (batch 128, ReLU, cross-entropy, SGD
momentum 0.9, lr 0.01, float32), chainrule against PyTorch eager; plus the peak memory of
20 steps, each library in a fresh interpreter (``_w2_memory.py``).

A step is forward, loss, zero_grad, backward, optimizer.step(). Both libraries start from
the same weights (torch's initialisation, loaded into chainrule) and see the same data; a
few steps of each are checked against each other before anything is timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import torch
from _common import print_rows, row
from _train import implementations, mlp, timing_rows

import chainrule

X_SHAPE = (128, 784)
MEMORY_STEPS = 20
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_w2_memory.py")


def memory(lib, mode, steps=MEMORY_STEPS):
    """The worker's JSON result for one library and mode, in a fresh interpreter."""
    out = subprocess.run([sys.executable, WORKER, lib, mode, str(steps)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def memory_rows(repeats=3):
    """Peak RSS growth of 20 steps (the target row; the smallest of ``repeats`` fresh runs
    per library), the same after one warm-up step, and chainrule's tracemalloc peak."""
    rows = []
    for mode, label, target in (
            ("rss", f"W2 peak RSS growth, {MEMORY_STEPS} steps", "<= 1.3x torch"),
            ("rss-warm", f"W2 peak RSS growth, {MEMORY_STEPS} steps after 1 warm-up step",
             "-")):
        mb = {}
        for lib in ("chainrule", "torch"):
            runs = [memory(lib, mode) for _ in range(repeats)]
            mb[lib] = min(r["peak_mb"] for r in runs)
            print(f"{label} {lib}: " + ", ".join(f"{r['peak_mb']:.2f}" for r in runs)
                  + f" MB ({runs[0]['method']}; ru_maxrss deltas "
                  + ", ".join(f"{r['ru_maxrss_delta_mb']:.2f}" for r in runs) + " MB)",
                  file=sys.stderr)
        met = mb["chainrule"] <= 1.3 * mb["torch"] if target != "-" else None
        rows.append(row(label, mb["chainrule"], mb["torch"], "MB", target, met))
    traced = memory("chainrule", "tracemalloc")
    rows.append(row(f"W2 tracemalloc peak, {MEMORY_STEPS} steps (chainrule)", traced["peak_mb"],
                    None, "MB", "-", None, peer="- (torch's allocator is not traced)"))
    return rows


def run(memory_too=True):
    print(f"W2 chainrule side: {implementations(chainrule)}", file=sys.stderr)
    rows = timing_rows("W2 MLP 784-512-256-10 step, batch 128", mlp, X_SHAPE, 1.2,
                       chainrule, torch, row, rounds=10, per_round=30)
    if memory_too:
        rows += memory_rows()
    return rows


if __name__ == "__main__":
    print_rows(run(memory_too="--no-memory" not in sys.argv))
