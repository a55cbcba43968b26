"""Memory worker for W2, run by ``w2_mlp_step.py`` in a fresh interpreter per measurement.

    python bench/_w2_memory.py LIB MODE [STEPS]

LIB is ``chainrule`` or ``torch`` (only that library is imported). MODE:

- ``rss``: peak resident-set growth over STEPS training steps, from a baseline taken after
  the warm-up (library imported, model built and initialised, data made, optimiser created);
- ``rss-warm``: the same with one untimed training step in the warm-up, so that one-off costs
  (code paged in, thread pools, momentum buffers) stay out;
- ``tracemalloc``: peak of the allocations tracemalloc sees during the STEPS steps, after the
  same warm-up as ``rss`` (NumPy reports its array buffers to tracemalloc; torch's CPU
  allocator does not, so for torch only its Python objects show).

Prints one JSON object. The peak RSS is the address space's high-water mark ``VmHWM`` from
``/proc/self/status``, reset to the current RSS at the baseline by writing ``5`` to
``/proc/self/clear_refs``. The ``getrusage(RUSAGE_SELF).ru_maxrss`` delta is reported too,
but it is not usable as the measure: Linux carries the parent's peak over ``exec`` into the
child's ``ru_maxrss`` (a child of a 300 MB ``run_all.py`` starts at 300 MB, so its delta is 0),
nothing resets it, and even from a small parent a peak reached during the set-up above the
baseline RSS hides that much growth (1.5 MB for chainrule here). Without ``/proc`` (not Linux)
the ``ru_maxrss`` delta is all there is, and ``method`` says so.
"""

from __future__ import annotations

import gc
import importlib
import json
import resource
import sys
import tracemalloc

from _train import make_data, mlp, trainer

MB = 1024 * 1024


def proc_status_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def maxrss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def main():
    lib_name, mode = sys.argv[1], sys.argv[2]
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    lib = importlib.import_module(lib_name)
    lib.manual_seed(0)
    model = mlp(lib.nn)
    x, y = make_data((128, 784))
    step = trainer(lib, model, x, y)
    if mode == "rss-warm":
        step()
    gc.collect()
    out = {"lib": lib_name, "mode": mode, "steps": steps}
    if mode == "tracemalloc":
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            step()
        out["peak_mb"] = (tracemalloc.get_traced_memory()[1] - base) / MB
        out["method"] = "tracemalloc peak minus traced memory at the baseline"
        tracemalloc.stop()
    else:
        rss0, maxrss0 = proc_status_kb("VmRSS"), maxrss_kb()
        reset = rss0 is not None and reset_peak_rss()
        for _ in range(steps):
            step()
        maxrss1 = maxrss_kb()
        out["ru_maxrss_delta_mb"] = (maxrss1 - maxrss0) / 1024
        out["ru_maxrss_before_mb"], out["rss_before_mb"] = maxrss0 / 1024, (rss0 or 0) / 1024
        if reset:
            out["peak_mb"] = (proc_status_kb("VmHWM") - rss0) / 1024
            out["method"] = "VmHWM (reset at the baseline) minus VmRSS at the baseline"
        else:
            out["peak_mb"] = out["ru_maxrss_delta_mb"]
            out["method"] = "ru_maxrss delta (no /proc: understated if the parent was larger)"
    out["final_loss"] = float(step().item())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
