"""A small profiler: calls and time per operation, forward and backward, as a table.

    with chainrule.autograd.profiler.profile() as prof:
        with chainrule.autograd.profiler.record_function("step"):
            loss = model(x).sum()
            loss.backward()
    print(prof.key_averages().table(sort_by="cpu_time_total"))

Forward operations are named after their primitive (``mul``), backward ones after their node
(``MulBackward0``); ``record_function`` labels a whole region. Free while no profiler runs.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar, Self

from .grad_mode import debug_state


@dataclass
class FunctionEventAvg:
    """Totals for one name: ``count`` calls, ``cpu_time_total`` microseconds."""

    key: str
    count: int = 0
    cpu_time_total: float = 0.0

    @property
    def cpu_time(self) -> float:
        """Average microseconds per call."""
        return self.cpu_time_total / self.count if self.count else 0.0


class EventList(list):
    """The aggregated events of a profile (a list of ``FunctionEventAvg``)."""

    _SORT_KEYS: ClassVar[dict] = {"cpu_time_total": "cpu_time_total", "self_cpu_time_total": "cpu_time_total",
                  "cpu_time": "cpu_time", "count": "count", "calls": "count"}

    def table(self, sort_by: str | None = None, row_limit: int = 100) -> str:
        """A text table: name, calls, total and average time, share of the total."""
        rows = list(self)
        if sort_by is not None:
            key = self._SORT_KEYS.get(sort_by)
            if key is None:
                raise ValueError(f"unknown sort_by {sort_by!r}; use one of "
                                 f"{sorted(self._SORT_KEYS)}")
            rows.sort(key=lambda e: getattr(e, key), reverse=True)
        rows = rows[:row_limit]
        total = sum(e.cpu_time_total for e in self if not e.key.startswith("## ")) or 1.0
        width = max([len("Name")] + [len(e.key) for e in rows])
        head = f"{'Name':<{width}}  {'# of Calls':>10}  {'CPU total':>12}  {'CPU avg':>10}  " \
               f"{'% total':>7}"
        line = "-" * len(head)
        out = [line, head, line]
        for e in rows:
            share = "" if e.key.startswith("## ") else f"{100 * e.cpu_time_total / total:6.1f}%"
            out.append(f"{e.key:<{width}}  {e.count:>10}  {_us(e.cpu_time_total):>12}  "
                       f"{_us(e.cpu_time):>10}  {share:>7}")
        out.append(line)
        out.append(f"Self CPU time total: {_us(total)}")
        return "\n".join(out)


def _us(us: float) -> str:
    return f"{us / 1000:.3f}ms" if us >= 1000 else f"{us:.3f}us"


class profile:
    """Record every operation run inside the block (forward and backward)."""

    def __init__(self, enabled: bool = True, **ignored) -> None:
        self.enabled = enabled
        self._totals: dict = defaultdict(lambda: [0, 0.0])
        self._saved: dict = {}

    def add(self, name: str, seconds: float) -> None:
        entry = self._totals[name]
        entry[0] += 1
        entry[1] += seconds * 1e6

    def __enter__(self) -> Self:
        if not self.enabled:
            return self
        if debug_state.profiler is not None:
            raise RuntimeError("profiler is already enabled")
        from ..ops._table import PRIMITIVES
        for prim in PRIMITIVES.values():
            self._saved[prim] = prim.forward
            prim.forward = self._timed(prim.name, prim.forward)
        debug_state.profiler = self
        debug_state.refresh()
        return self

    def __exit__(self, *exc) -> None:
        if not self.enabled:
            return
        for prim, forward in self._saved.items():
            prim.forward = forward
        self._saved.clear()
        debug_state.profiler = None
        debug_state.refresh()

    def _timed(self, name: str, forward):
        @functools.wraps(forward)
        def timed(*args, **params):
            start = time.perf_counter()
            try:
                return forward(*args, **params)
            finally:
                self.add(name, time.perf_counter() - start)

        return timed

    def key_averages(self) -> EventList:
        return EventList(FunctionEventAvg(k, n, t) for k, (n, t) in self._totals.items())

    def table(self, sort_by: str | None = None, row_limit: int = 100) -> str:
        return self.key_averages().table(sort_by, row_limit)


class record_function:
    """Label a region (``with record_function("forward"): ...``); it shows in the table as
    ``## forward ##``, its time including the operations inside."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> Self:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        prof = debug_state.profiler
        if prof is not None:
            prof.add(f"## {self.name} ##", time.perf_counter() - self.start)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)

        return wrapper
