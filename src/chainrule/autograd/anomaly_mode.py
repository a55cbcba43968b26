"""Anomaly detection: every node remembers where in the user's code it was created, and the
backward pass stops at the first NaN or Inf a gradient rule produces, naming the operation and
that place. Off by default, and free while off."""

from __future__ import annotations

import functools

from .grad_mode import debug_state


def _set(mode: bool) -> None:
    debug_state.anomaly = bool(mode)
    debug_state.refresh()


def is_anomaly_enabled() -> bool:
    return debug_state.anomaly


class set_detect_anomaly:
    """Turn anomaly detection on or off: at once when called, and back to the previous setting
    on leaving a ``with`` block (as PyTorch)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = debug_state.anomaly
        _set(mode and check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _set(self.prev)


class detect_anomaly:
    """Anomaly detection inside a ``with`` block, or for a decorated function."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self.prev = debug_state.anomaly
        _set(self.check_nan)

    def __exit__(self, *exc) -> None:
        _set(self.prev)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper
