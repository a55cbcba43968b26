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
import w3_large_chain
import w5_deep_backward

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
    ]


def fmt(v):
    return "-" if v is None else f"{v:.3f}"


def table(rows):
    out = ["| workload | chainrule | torch | unit | ratio (cr/torch) | target | met? |",
           "|---|---:|---:|---|---:|---|---|"]
    for r in rows:
        ratio = fmt(r["chainrule"] / r["torch"]) if r["torch"] else "-"
        met = {True: "yes", False: "**no**", None: "-"}[r["met"]]
        out.append(f"| {r['workload']} | {fmt(r['chainrule'])} | {fmt(r['torch'])} "
                   f"| {r['unit']} | {ratio} | {r['target']} | {met} |")
    return out


def main():
    rows = []
    for mod in (w1_op_overhead, w3_large_chain, w5_deep_backward, import_time):
        print(f"running {mod.__name__} ...", file=sys.stderr, flush=True)
        rows += mod.run()
    note = ("Times are best-of-N wall clock (time.perf_counter, gc disabled while timing). "
            "Ratio < 1 means chainrule is faster.")
    print("\n".join(["# chainrule benchmark results", "", *machine_info(), "",
                     *table(rows), "", note]))


if __name__ == "__main__":
    main()
