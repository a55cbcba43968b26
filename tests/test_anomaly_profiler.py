"""Anomaly detection and the profiler (issue 6, items 4 and 5)."""

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import profiler
from chainrule.ops import PRIMITIVES


def _nan_from_sqrt_at_zero():
    x = cr.tensor([0.0, 4.0], requires_grad=True)
    y = x.sqrt()                       # the forward line anomaly mode must point at
    (y * 0.0).sum().backward()         # d/dx sqrt(x) at 0 is inf; times 0 gives nan
    return x


def test_nan_propagates_silently_by_default():
    assert not cr.autograd.is_anomaly_enabled()
    x = _nan_from_sqrt_at_zero()
    assert math.isnan(x.grad[0].item()) and x.grad[1].item() == 0.0


def test_anomaly_mode_names_the_operation_and_the_forward_line():
    with cr.autograd.detect_anomaly(), pytest.raises(RuntimeError) as info:
        _nan_from_sqrt_at_zero()
    message = str(info.value)
    assert message.startswith("Function 'SqrtBackward0' returned nan values in its 0th output.")
    assert "test_anomaly_profiler.py" in message and "y = x.sqrt()" in message
    assert not cr.autograd.is_anomaly_enabled()


def test_anomaly_mode_reports_inf_too_and_set_detect_anomaly_forms():
    cr.autograd.set_detect_anomaly(True)
    try:
        assert cr.autograd.is_anomaly_enabled()
        x = cr.tensor([0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="SqrtBackward0' returned inf values"):
            x.sqrt().sum().backward()
    finally:
        cr.autograd.set_detect_anomaly(False)
    with cr.autograd.set_detect_anomaly(True):
        assert cr.autograd.is_anomaly_enabled()
    assert not cr.autograd.is_anomaly_enabled()


def test_anomaly_mode_as_decorator_and_finite_gradients_pass():
    @cr.autograd.detect_anomaly()
    def step():
        w = cr.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        return w.grad

    np.testing.assert_array_equal(step().numpy(), [2.0, 4.0])
    assert not cr.autograd.is_anomaly_enabled()


def test_anomaly_mode_checks_a_recorded_backward():
    x = cr.tensor([0.0], requires_grad=True)
    with cr.autograd.detect_anomaly():
        y = x.sqrt() * 0.0
        with pytest.raises(RuntimeError, match="SqrtBackward0' returned nan"):
            cr.autograd.grad(y.sum(), x, create_graph=True)


def test_profiler_counts_calls_forward_and_backward():
    x = cr.tensor([0.5, 1.0, 1.5], requires_grad=True)
    with profiler.profile() as prof, profiler.record_function("my step"):
        y = x * 2.0
        y = y * y
        y = y * 3.0
        z = y.sin().sum()
        z.backward()
    events = {e.key: e for e in prof.key_averages()}
    assert events["mul"].count == 3          # three multiplications recorded in forward
    assert events["MulBackward0"].count == 3  # and three backward nodes run
    assert events["SinBackward0"].count == 1
    assert events["SumBackward0"].count == 1
    assert events["## my step ##"].count == 1
    assert all(e.cpu_time_total > 0 for e in events.values())
    region = events["## my step ##"].cpu_time_total
    assert region >= events["MulBackward0"].cpu_time_total
    table = prof.key_averages().table(sort_by="count")
    lines = table.splitlines()
    assert "Name" in lines[1] and "# of Calls" in lines[1]
    assert lines[3].split()[0] in ("mul", "MulBackward0")  # sorted by count: 3 calls first
    with pytest.raises(ValueError, match="sort_by"):
        prof.key_averages().table(sort_by="nope")


def test_profiler_is_free_when_off():
    forwards = {name: p.forward for name, p in PRIMITIVES.items()}
    with profiler.profile() as prof:
        (cr.ones(2, requires_grad=True) * 2).sum().backward()
    assert {name: p.forward for name, p in PRIMITIVES.items()} == forwards
    count = sum(e.count for e in prof.key_averages())
    (cr.ones(2, requires_grad=True) * 2).sum().backward()  # nothing recorded after exit
    assert sum(e.count for e in prof.key_averages()) == count
    with profiler.record_function("outside"):
        pass
    with pytest.raises(RuntimeError, match="already enabled"), profiler.profile(), \
            profiler.profile():
        pass
