"""Whether operations are recorded for differentiation: thread-local, like PyTorch's."""

from __future__ import annotations

import functools
import threading


class _State(threading.local):
    enabled = True


_state = _State()


class _ForwardState(threading.local):
    """Forward-mode state (see forward_ad): kept here, with no imports, so the recorder can
    read it on every op without an import cycle."""

    active = 0      # how many dual levels are open
    levels: tuple = ()
    limit = None    # while the tangent of level L is computed, only levels below L propagate


forward_state = _ForwardState()


def is_grad_enabled() -> bool:
    """True when new operations are recorded in the graph (the default)."""
    return _state.enabled


class _GradModeContext:
    """Base of the grad-mode switches: usable as a context manager and as a decorator."""

    _target: bool

    def __enter__(self) -> None:
        self._prev = _state.enabled
        _state.enabled = self._target

    def __exit__(self, *exc) -> None:
        _state.enabled = self._prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__._fresh(self):
                return fn(*args, **kwargs)

        return wrapper

    @staticmethod
    def _fresh(ctx):
        return type(ctx)()


class _NoParamContext(_GradModeContext):
    """Also usable as a bare decorator (``@no_grad`` as well as ``@no_grad()``)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamContext):
    """Disable recording: ``with chainrule.no_grad(): ...`` or ``@chainrule.no_grad()``."""

    _target = False


class enable_grad(_NoParamContext):
    """Enable recording inside a ``no_grad`` region."""

    _target = True


class set_grad_enabled(_GradModeContext):
    """Set recording on or off. Takes effect at once when called as a function, and is undone on
    leaving the block when used as a context manager (as in PyTorch)."""

    def __init__(self, mode: bool) -> None:
        self._target = bool(mode)
        self._prev = _state.enabled
        _state.enabled = self._target

    def __enter__(self) -> None:
        pass

    def __call__(self, fn):
        _state.enabled = self._prev  # decorating must not switch the mode for the caller
        return super().__call__(fn)

    @staticmethod
    def _fresh(ctx):
        return set_grad_enabled(ctx._target)


class _DebugState:
    """Opt-in instrumentation (anomaly detection, value capture for graph drawing, the
    profiler). ``on`` is the one flag the recorder and the engine test, so all of it is free
    while off."""

    on = False
    anomaly = False
    values = False
    profiler = None

    def refresh(self) -> None:
        self.on = self.anomaly or self.values or self.profiler is not None


debug_state = _DebugState()
