"""The reverse-mode engine (SPEC §3, §7; issue 2 points 4 and 6): accumulation, retained and
freed graphs, higher-order derivatives, grad mode, hooks, graph inspection, deep graphs,
memory, in-place ops and shared memory. Expected values come from closed forms."""

import gc
import math
import threading
import tracemalloc
import weakref

import numpy as np
import pytest

import chainrule as torch


def arr(t):
    return t.detach().numpy()


# ---------------------------------------------------------------- accumulation, retain_graph
def test_grad_accumulates_across_backward_calls():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [2.0, 4.0, 6.0])
    (3 * x).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [5.0, 7.0, 9.0])
    x.grad.zero_()
    (x ** 3).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [3.0, 12.0, 27.0])
    x.grad = None
    x.sum().backward()
    np.testing.assert_allclose(arr(x.grad), [1.0, 1.0, 1.0])


def test_leaf_grad_is_none_until_backward():
    x = torch.ones(2, requires_grad=True)
    assert x.grad is None
    y = torch.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    assert y.grad is None


def test_retain_graph_allows_second_backward():
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    y = (x.exp() * x.sin()).sum()
    y.backward(retain_graph=True)
    first = arr(x.grad).copy()
    y.backward()
    xn = np.array([0.5, -1.0], np.float32)
    expected = np.exp(xn) * (np.sin(xn) + np.cos(xn))
    np.testing.assert_allclose(first, expected, rtol=1e-6)
    np.testing.assert_allclose(arr(x.grad), 2 * expected, rtol=1e-6)


# ---------------------------------------------------------------- higher order
def test_second_and_third_derivative_of_cube():
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    y = x ** 3
    (g1,) = torch.autograd.grad(y, x, create_graph=True)
    (g2,) = torch.autograd.grad(g1, x, create_graph=True)
    (g3,) = torch.autograd.grad(g2, x)
    assert g1.item() == pytest.approx(12.0)   # 3x^2
    assert g2.item() == pytest.approx(12.0)   # 6x
    assert g3.item() == pytest.approx(6.0)    # 6
    assert g1.requires_grad and g2.requires_grad


def test_higher_derivatives_of_sin():
    xs = np.array([0.3, 1.1, -2.0])
    x = torch.tensor(xs, requires_grad=True)
    (g1,) = torch.autograd.grad(x.sin().sum(), x, create_graph=True)
    (g2,) = torch.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = torch.autograd.grad(g2.sum(), x, create_graph=True)
    (g4,) = torch.autograd.grad(g3.sum(), x)
    np.testing.assert_allclose(arr(g1), np.cos(xs), rtol=1e-12)
    np.testing.assert_allclose(arr(g2), -np.sin(xs), rtol=1e-12)
    np.testing.assert_allclose(arr(g3), -np.cos(xs), rtol=1e-12)
    np.testing.assert_allclose(arr(g4), np.sin(xs), rtol=1e-12)


def test_higher_derivatives_of_exp_times_sin():
    xs = np.array([0.2, 0.9, 1.7])
    x = torch.tensor(xs, requires_grad=True)
    y = (x.exp() * x.sin()).sum()
    (g1,) = torch.autograd.grad(y, x, create_graph=True)
    (g2,) = torch.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = torch.autograd.grad(g2.sum(), x)
    e, s, c = np.exp(xs), np.sin(xs), np.cos(xs)
    np.testing.assert_allclose(arr(g1), e * (s + c), rtol=1e-12)
    np.testing.assert_allclose(arr(g2), 2 * e * c, rtol=1e-12)
    np.testing.assert_allclose(arr(g3), 2 * e * (c - s), rtol=1e-12)


def test_backward_create_graph_then_second_backward():
    x = torch.tensor([1.5, -0.5], dtype=torch.float64, requires_grad=True)
    y = (x ** 4).sum()
    y.backward(create_graph=True)
    g = x.grad
    np.testing.assert_allclose(arr(g), 4 * np.array([1.5, -0.5]) ** 3)
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(arr(x.grad), 12 * np.array([1.5, -0.5]) ** 2)


def test_mixed_second_derivative():
    a = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-0.7, dtype=torch.float64, requires_grad=True)
    f = a * a * b + (a * b).sin()
    ga, = torch.autograd.grad(f, a, create_graph=True)  # 2ab + b cos(ab)
    gab, = torch.autograd.grad(ga, b)                     # 2a + cos(ab) - ab sin(ab)
    av, bv = 1.5, -0.7
    assert ga.item() == pytest.approx(2 * av * bv + bv * math.cos(av * bv))
    assert gab.item() == pytest.approx(2 * av + math.cos(av * bv) - av * bv * math.sin(av * bv))


# ---------------------------------------------------------------- grad_outputs / gradient= / inputs=
def test_autograd_grad_with_grad_outputs():
    xs = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = torch.tensor(xs, requires_grad=True)
    v = np.array([[0.5, -1.0], [2.0, 0.25]])
    (g,) = torch.autograd.grad(x ** 2, x, grad_outputs=torch.tensor(v))
    np.testing.assert_allclose(arr(g), 2 * xs * v)
    assert x.grad is None  # autograd.grad does not accumulate


def test_autograd_grad_several_outputs_and_inputs():
    a = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([3.0, 5.0], dtype=torch.float64, requires_grad=True)
    ga, gb = torch.autograd.grad([(a * b).sum(), (a ** 2).sum()], [a, b])
    np.testing.assert_allclose(arr(ga), [3.0 + 2.0, 5.0 + 4.0])
    np.testing.assert_allclose(arr(gb), [1.0, 2.0])


def test_backward_with_gradient_on_non_scalar():
    xs = np.array([1.0, -2.0, 3.0], np.float32)
    x = torch.tensor(xs, requires_grad=True)
    y = x * x * 3
    y.backward(gradient=torch.tensor([1.0, 0.1, 0.01]))
    np.testing.assert_allclose(arr(x.grad), 6 * xs * np.array([1.0, 0.1, 0.01], np.float32),
                               rtol=1e-6)


def test_backward_inputs_accumulates_only_into_those():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    c = torch.tensor([5.0, 6.0], requires_grad=True)
    y = (a * b * c).sum()
    y.backward(inputs=[a, c], retain_graph=True)
    np.testing.assert_allclose(arr(a.grad), [15.0, 24.0])
    np.testing.assert_allclose(arr(c.grad), [3.0, 8.0])
    assert b.grad is None
    y.backward(inputs=[b])
    np.testing.assert_allclose(arr(b.grad), [5.0, 12.0])
    np.testing.assert_allclose(arr(a.grad), [15.0, 24.0])


def test_backward_inputs_non_leaf():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h ** 2).sum()
    y.backward(inputs=[h])
    np.testing.assert_allclose(arr(h.grad), [6.0, 12.0])
    assert x.grad is None


# ---------------------------------------------------------------- grad mode
def test_no_grad_context_manager():
    x = torch.ones(2, requires_grad=True)
    assert torch.is_grad_enabled()
    with torch.no_grad():
        assert not torch.is_grad_enabled()
        y = x * 2
        with torch.enable_grad():
            assert torch.is_grad_enabled()
            z = x * 2
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError), torch.no_grad():
        raise ValueError
    assert torch.is_grad_enabled()


def test_grad_mode_decorators():
    x = torch.ones(2, requires_grad=True)

    @torch.no_grad()
    def f(t):
        return t * 2

    @torch.enable_grad()
    def g(t):
        return t * 2

    @torch.set_grad_enabled(False)
    def h(t):
        return t * 2

    assert torch.is_grad_enabled()  # decorating does not switch the mode
    assert not f(x).requires_grad
    assert not h(x).requires_grad
    with torch.no_grad():
        assert g(x).requires_grad
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    assert f.__name__ == "f"


def test_bare_no_grad_decorator():
    # PyTorch >= 2.0 accepts ``@torch.no_grad`` without parentheses too.
    @torch.no_grad
    def f(t):
        return t * 2

    assert not f(torch.ones(2, requires_grad=True)).requires_grad
    assert torch.is_grad_enabled()


def test_set_grad_enabled_function_and_context():
    x = torch.ones(2, requires_grad=True)
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        torch.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with torch.no_grad():
        with torch.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not torch.is_grad_enabled()


def test_grad_mode_is_thread_local():
    x = torch.ones(2, requires_grad=True)
    inside, outside = threading.Event(), threading.Event()
    result = {}

    def worker():
        with torch.no_grad():
            result["worker_enabled"] = torch.is_grad_enabled()
            result["worker_rg"] = (x * 2).requires_grad
            inside.set()
            outside.wait(5)

    th = threading.Thread(target=worker)
    th.start()
    assert inside.wait(5)
    # the worker sits in no_grad right now; the main thread is not affected
    assert torch.is_grad_enabled()
    assert (x * 2).requires_grad
    outside.set()
    th.join()
    assert result == {"worker_enabled": False, "worker_rg": False}

    # and a fresh thread starts with grad enabled even when the main thread disabled it
    with torch.no_grad():
        th = threading.Thread(target=lambda: result.__setitem__("fresh", torch.is_grad_enabled()))
        th.start()
        th.join()
    assert result["fresh"] is True


# ---------------------------------------------------------------- detach, retain_grad, hooks
def test_detach_shares_memory_and_cuts_graph():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d[0] = 10.0
    np.testing.assert_array_equal(arr(y), [10.0, 4.0])
    dx = x.detach()
    dx.add_(1)
    np.testing.assert_array_equal(arr(x), [2.0, 3.0])
    assert np.shares_memory(dx.numpy(), x.detach().numpy())


def test_retain_grad_on_non_leaf():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    assert h.retains_grad
    y = (h ** 2).sum()
    y.backward()
    np.testing.assert_allclose(arr(h.grad), [6.0, 12.0])   # 2h
    np.testing.assert_allclose(arr(x.grad), [18.0, 36.0])  # 2h * 3


def test_non_leaf_grad_is_none_without_retain_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (h ** 2).sum().backward()
    with pytest.warns(UserWarning):
        assert h.grad is None


def test_hook_on_leaf_modifies_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []

    def hook(g):
        seen.append(arr(g).copy())
        return g * 10

    handle = x.register_hook(hook)
    (x * x).sum().backward()
    np.testing.assert_allclose(seen[0], [2.0, 4.0])
    np.testing.assert_allclose(arr(x.grad), [20.0, 40.0])
    handle.remove()
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [2.0, 4.0])
    assert len(seen) == 1


def test_hook_on_non_leaf_modifies_upstream_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    calls = []
    handle = h.register_hook(lambda g: calls.append(arr(g).copy()) or g * 2)
    (h ** 2).sum().backward()
    np.testing.assert_allclose(calls[0], [6.0, 12.0])
    np.testing.assert_allclose(arr(x.grad), [36.0, 72.0])  # 2h * 2 * 3
    handle.remove()
    x.grad = None
    h2 = x * 3
    (h2 ** 2).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [18.0, 36.0])


def test_hook_returning_none_keeps_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.register_hook(lambda g: None)
    (h * h).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [18.0, 36.0])


def test_two_hooks_compose_in_order():
    x = torch.tensor([1.0], requires_grad=True)
    h = x * 1
    h.register_hook(lambda g: g + 1)
    h.register_hook(lambda g: g * 10)
    h.sum().backward()
    np.testing.assert_allclose(arr(x.grad), [20.0])  # (1 + 1) * 10


# ---------------------------------------------------------------- graph inspection
def test_is_leaf():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2)
    assert a.is_leaf and b.is_leaf
    c = a * 2
    assert not c.is_leaf
    d = b * 2
    assert d.is_leaf  # does not require grad
    with torch.no_grad():
        e = a * 2
    assert e.is_leaf
    assert c.detach().is_leaf


@pytest.mark.parametrize("fn, name", [
    (lambda a, b: a + b, "AddBackward0"),
    (lambda a, b: a - b, "SubBackward0"),
    (lambda a, b: a * b, "MulBackward0"),
    (lambda a, b: a / b, "DivBackward0"),
    (lambda a, b: a.sum(), "SumBackward0"),
    (lambda a, b: a.mean(), "MeanBackward0"),
    (lambda a, b: a.exp(), "ExpBackward0"),
    (lambda a, b: a.log(), "LogBackward0"),
    (lambda a, b: a.sin(), "SinBackward0"),
    (lambda a, b: a.cos(), "CosBackward0"),
    (lambda a, b: a.tanh(), "TanhBackward0"),
    (lambda a, b: a.sigmoid(), "SigmoidBackward0"),
    (lambda a, b: a.relu(), "ReluBackward0"),
    (lambda a, b: -a, "NegBackward0"),
    (lambda a, b: a ** 2, "PowBackward0"),
    (lambda a, b: a ** b, "PowBackward1"),
    (lambda a, b: a.sqrt(), "SqrtBackward0"),
    (lambda a, b: a @ b.T, "MmBackward0"),
    (lambda a, b: a.reshape(-1), "ViewBackward0"),
    (lambda a, b: a.view(3, 2), "ViewBackward0"),
    (lambda a, b: a.T, "PermuteBackward0"),
    (lambda a, b: a.abs(), "AbsBackward0"),
    (lambda a, b: a.clone(), "CloneBackward0"),
])
def test_grad_fn_names(fn, name):
    a = torch.rand(2, 3, requires_grad=True)
    b = torch.rand(2, 3, requires_grad=True) + 0.5
    out = fn(a, b)
    assert out.grad_fn.name() == name
    assert repr(out.grad_fn).startswith(f"<{name} object at 0x")


def test_next_functions_with_accumulate_grad():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    c = torch.tensor([5.0, 6.0])
    y = (a * b + c).sum()
    assert y.grad_fn.name() == "SumBackward0"
    (add, i0), = y.grad_fn.next_functions
    assert i0 == 0 and add.name() == "AddBackward0"
    (mul, _), (none, _) = add.next_functions
    assert none is None
    assert mul.name() == "MulBackward0"
    (acc_a, ia), (acc_b, ib) = mul.next_functions
    assert ia == 0 and ib == 0
    assert acc_a.name() == "AccumulateGrad" and type(acc_a).__name__ == "AccumulateGrad"
    assert acc_a.variable is a
    assert acc_b.variable is b
    assert acc_a.next_functions == ()


# ---------------------------------------------------------------- deep graphs
def test_million_node_chain_backward_is_iterative():
    x0 = torch.tensor([0.5], requires_grad=True)
    x = x0
    for _ in range(1_000_000):
        x = x + 1.0
    x.backward(torch.ones(1))
    assert x0.grad.tolist() == [1.0]
    assert x.item() == pytest.approx(1_000_000.5)
    del x  # freeing a million-deep graph must not overflow the C stack either


def test_deep_chain_higher_values():
    # y = x * 1.001 repeated 10^4 times: dy/dx = 1.001^n
    x0 = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    x = x0
    for _ in range(10_000):
        x = x * 1.001
    x.backward()
    assert x0.grad.item() == pytest.approx(1.001 ** 10_000, rel=1e-9)


# ---------------------------------------------------------------- memory
def test_graph_freed_when_output_dropped_without_gc():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = torch.randn(10, requires_grad=True)
        y = (x.exp() * 2 + x.sin()).sum()
        inner = y.grad_fn.next_functions[0][0]
        refs = [weakref.ref(y.grad_fn), weakref.ref(inner)]
        big = (x * 3).exp()
        ref_big = weakref.ref(big.grad_fn)
        ref_y = weakref.ref(y)
        del inner
        del y
        assert ref_y() is None
        assert all(r() is None for r in refs)
        del big
        assert ref_big() is None
        # after a backward too
        y = (x * x).sum()
        r = weakref.ref(y.grad_fn)
        y.backward()
        del y
        assert r() is None
        # and the leaf is still alive and unchanged
        assert x.grad is not None
    finally:
        if was_enabled:
            gc.enable()


def test_graph_freed_with_create_graph_without_gc():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = torch.randn(5, dtype=torch.float64, requires_grad=True)
        y = (x ** 3).sum()
        (g,) = torch.autograd.grad(y, x, create_graph=True)
        refs = [weakref.ref(y.grad_fn), weakref.ref(g.grad_fn)]
        del y, g
        assert all(r() is None for r in refs)
    finally:
        if was_enabled:
            gc.enable()


def test_training_loop_does_not_grow_memory():
    torch.manual_seed(0)
    X = torch.randn(64, 20)
    Y = torch.randn(64, 1)
    w1 = (torch.randn(20, 32) * 0.1).requires_grad_()
    b1 = torch.zeros(32, requires_grad=True)
    w2 = (torch.randn(32, 1) * 0.1).requires_grad_()
    b2 = torch.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]

    def step():
        h = (X @ w1 + b1).relu()
        out = h @ w2 + b2
        loss = ((out - Y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.01 * p.grad
        for p in params:
            p.grad = None
        return loss.item()

    tracemalloc.start()
    try:
        losses = []
        for i in range(200):
            losses.append(step())
            if i == 19:
                gc.collect()
                mem20 = tracemalloc.get_traced_memory()[0]
        gc.collect()
        mem200 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert losses[-1] < losses[0]
    assert mem200 - mem20 < 64 * 1024, (mem20, mem200)


# ---------------------------------------------------------------- in place
def test_inplace_ops_on_non_leaf_are_differentiable():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.add_(1)
    y.mul_(3)
    np.testing.assert_allclose(arr(y), [9.0, 15.0])
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(arr(x.grad), [6.0, 6.0])


def test_inplace_chain_with_saved_values():
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = x * 1.0
    y.mul_(y.detach() + 0)      # y = x^2 (constant factor x)
    y.exp_()                    # y = exp(x * x_const)
    y.sum().backward()
    xs = np.array([1.0, 2.0])
    np.testing.assert_allclose(arr(x.grad), np.exp(xs * xs) * xs)


def test_setitem_with_value_requiring_grad():
    v = torch.tensor([2.0, 3.0], requires_grad=True)
    base = torch.zeros(4)
    base[1:3] = v
    assert base.requires_grad and base.grad_fn is not None
    (base * torch.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    np.testing.assert_allclose(arr(v.grad), [10.0, 100.0])


def test_setitem_into_non_leaf_blocks_overwritten_gradient():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = torch.tensor(5.0, requires_grad=True)
    y = x * 2
    y[1] = v * 3
    np.testing.assert_allclose(arr(y), [2.0, 15.0, 6.0])
    y.sum().backward()
    np.testing.assert_allclose(arr(x.grad), [2.0, 0.0, 2.0])
    assert v.grad.item() == 3.0


def test_setitem_advanced_index_with_grad():
    v = torch.tensor([1.0, 2.0], requires_grad=True)
    t = torch.zeros(2, 3)
    t[:, 1] = v
    (t ** 2).sum().backward()
    np.testing.assert_allclose(arr(v.grad), [2.0, 4.0])


def test_version_counter_increments():
    x = torch.ones(3)
    assert x._version == 0
    x.add_(1)
    assert x._version == 1
    x[0] = 2
    assert x._version == 2
    x.mul_(2)
    x.zero_()
    assert x._version == 4
    d = x.detach()
    d.add_(1)
    assert x._version == 5 and d._version == 5
    y = torch.ones(3, requires_grad=True) * 2
    assert y._version == 0
    y.mul_(3)
    assert y._version == 1
    y[0] = 1.0
    assert y._version == 2


def test_inplace_arithmetic_results():
    # in-place results are exact, including when the result is zero or the tensor has one element
    t = torch.tensor([-1.0])
    t.add_(1)
    assert t.tolist() == [0.0]
    t = torch.tensor(2.0)
    t.sub_(2)
    assert t.item() == 0.0
    t = torch.tensor([1.0, 2.0, 3.0])
    t.add_(1)
    t.mul_(2)
    t.sub_(torch.tensor([1.0, 1.0, 1.0]))
    t.div_(2)
    np.testing.assert_allclose(arr(t), [1.5, 2.5, 3.5])
    t += 1
    t *= 2
    t -= 1
    t /= 4
    np.testing.assert_allclose(arr(t), [1.0, 1.5, 2.0])


def test_sgd_update_in_no_grad():
    w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    np.testing.assert_allclose(arr(w), np.array([0.8, -1.6, 2.4], np.float32), rtol=1e-6)
    assert w.is_leaf and w.requires_grad


# ---------------------------------------------------------------- shared memory
def test_from_numpy_shares_memory():
    a = np.array([1.0, 2.0, 3.0])
    t = torch.from_numpy(a)
    assert t.dtype == torch.float64
    a[0] = 10.0
    assert t.tolist() == [10.0, 2.0, 3.0]
    t.add_(1)
    np.testing.assert_array_equal(a, [11.0, 3.0, 4.0])
    assert np.shares_memory(t.numpy(), a)


def test_numpy_shares_memory():
    t = torch.zeros(3)
    n = t.numpy()
    n[1] = 5.0
    assert t.tolist() == [0.0, 5.0, 0.0]
    t[2] = 7.0
    assert n.tolist() == [0.0, 5.0, 7.0]


def test_detach_numpy_shares_memory_with_leaf():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    n = w.detach().numpy()
    n[0] = -1.0
    assert w.tolist() == [-1.0, 2.0]
