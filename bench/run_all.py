"""Run every benchmark and print one markdown table with machine info.

Usage: python bench/run_all.py [> bench/RESULTS.md]
"""

from __future__ import annotations

import datetime
import os
import platform
import sys

import import_time
import numpy as np
import torch
import w1_op_overhead
import w2_mlp_step
import w3_large_chain
import w4_hessian
import w5_deep_backward
import w7_cnn_step
from _common import fmt_time
from _train import implementations

import chainrule


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info():
    return [
        f"- Date: {datetime.date.today().isoformat()}",
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores",
        f"- OS: {platform.platform()}",
        (f"- Python {platform.python_version()}, NumPy {np.__version__}, "
         f"chainrule {chainrule.__version__}, torch {torch.__version__}"),
        f"- torch.get_num_threads() = {torch.get_num_threads()} (torch left at its defaults)",
        f"- {jax_info()}",
        f"- W2/W7 chainrule side: {implementations(chainrule)}",
    ]


def jax_info():
    if w4_hessian.jax is None:
        return "jax: not installed (its W4 rows say so)"
    return (f"jax {w4_hessian.jax.__version__} (CPU, jax_enable_x64 on; a peer for W4 only, "
            "left at its defaults)")


def table(rows):
    out = ["| workload | chainrule | peer | peer time | unit | ratio (cr/peer) | target | met? |",
           "|---|---:|---|---:|---|---:|---|---|"]
    for r in rows:
        cr, pt = r["chainrule"], r["peer_time"]
        ratio = fmt_time(cr / pt) if cr is not None and pt else "-"
        met = {True: "yes", False: "**no**", None: "-"}[r["met"]]
        out.append(f"| {r['workload']} | {fmt_time(cr)} | {r['peer']} | {fmt_time(pt)} "
                   f"| {r['unit']} | {ratio} | {r['target']} | {met} |")
    return out


def main():
    rows = []
    for mod in (w1_op_overhead, w2_mlp_step, w3_large_chain, w4_hessian, w5_deep_backward,
                w7_cnn_step, import_time):
        print(f"running {mod.__name__} ...", file=sys.stderr, flush=True)
        rows += mod.run()
    note = ("Times are best-of-N wall clock (time.perf_counter, gc disabled while timing; W2 and "
            "W7 also give the median step). Ratio < 1 means chainrule is faster (uses less memory "
            "for the MB rows).")
    print("\n".join(["# chainrule benchmark results", "", *machine_info(), "",
                     *table(rows), "", note]))


if __name__ == "__main__":
    main()
