"""Import time of chainrule (and torch for reference), each in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import time

from _common import print_rows, row


def best_wall(code, repeats=5):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def import_seconds(module, repeats=5):
    """Best-of wall time of ``python -c 'import module'`` minus that of ``python -c pass``."""
    return best_wall(f"import {module}", repeats) - best_wall("pass", repeats)


def run(repeats=5):
    cr, th = import_seconds("chainrule", repeats), import_seconds("torch", repeats)
    return [row("import time", cr, th, "s", "< 0.3 s", cr < 0.3)]


if __name__ == "__main__":
    print_rows(run())
