"""chainrule.viz: graph structure, labels (names, shapes, dtypes, values, gradients), the
backward view, value capture, rendering through Graphviz's dot, and the example script.

Everything but the rendering runs without Graphviz; the rendering tests are skipped when
the ``dot`` program is not installed.
"""

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, viz
from chainrule.autograd.grad_mode import debug_state

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed")
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "computation_graph.py"
EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)"', re.MULTILINE)


def dot_edges(source):
    """The edges as written in the DOT text."""
    return EDGE.findall(source)


def number(text):
    """The number in a one-number label part such as '2.584'."""
    return float(text)


def expression(capture=True, backward=True):
    """z = x * y + sin(x) at x = 2, y = 3."""
    x = cr.tensor(2.0, requires_grad=True)
    y = cr.tensor(3.0, requires_grad=True)
    if capture:
        with viz.capture():
            z = x * y + cr.sin(x)
            if backward:
                z.backward()
    else:
        z = x * y + cr.sin(x)
        if backward:
            z.backward()
    return x, y, z


def model_loss(seed=0, capture=True):
    cr.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    xb, yb = cr.randn(5, 3), cr.randn(5, 1)
    if capture:
        with viz.capture():
            loss = nn.MSELoss()(model(xb), yb)
            loss.backward()
    else:
        loss = nn.MSELoss()(model(xb), yb)
        loss.backward()
    return model, loss


# ---------------------------------------------------------------- structure

def test_expression_nodes_and_edges():
    x, y, z = expression()
    g = viz.draw_graph(z, params={"x": x, "y": y})
    kinds = [n.kind for n in g.nodes.values()]
    assert len(g.nodes) == 6
    assert kinds.count("leaf") == 2 and kinds.count("op") == 3 and kinds.count("output") == 1
    assert kinds.count("constant") == 0
    ix, iy, iz = g.id_of(x), g.id_of(y), g.id_of(z)
    mul, sin = g.id_of(z.grad_fn.parents[0]), g.id_of(z.grad_fn.parents[1])
    assert g.nodes[mul].subtitle == "MulBackward0" and g.nodes[sin].subtitle == "SinBackward0"
    assert g.nodes[iz].subtitle == "AddBackward0"
    expected = {(ix, mul), (iy, mul), (ix, sin), (mul, iz), (sin, iz), (iz, "out0")}
    assert {(e.src, e.dst) for e in g.edges} == expected
    assert len(g.edges) == 6
    # the DOT text says the same
    assert sorted(dot_edges(g.source)) == sorted(expected)
    assert g.source.startswith("digraph") and g.source.rstrip().endswith("}")
    assert str(g) == g.source
    assert "6 nodes, 6 edges" in repr(g)


def test_ids_are_stable():
    sources = []
    for _ in range(2):
        x, y, z = expression()
        sources.append(viz.draw_graph(z, params={"x": x, "y": y}).source)
    assert sources[0] == sources[1]
    assert "0x" not in sources[0]  # no memory addresses
    _, loss1 = model_loss(seed=3)
    _, loss2 = model_loss(seed=3)
    assert viz.draw_graph(loss1).source == viz.draw_graph(loss2).source


def test_labels_names_shapes_dtypes():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    y = cr.tensor([3.0, 4.0], dtype=cr.float64, requires_grad=True)
    z = x * y + cr.sin(x)
    g = viz.draw_graph(z, params={"x": x, "y": y})
    label = {n.id: n.label for n in g.nodes.values()}
    assert label[g.id_of(x)].startswith("x\n") and label[g.id_of(y)].startswith("y\n")
    for nid in (g.id_of(x), g.id_of(y), g.id_of(z), "out0"):
        assert "[2]  float64" in label[nid]
    assert "add\nAddBackward0" in label[g.id_of(z)]
    assert "mul" in g.source and "MulBackward0" in g.source and "sin" in g.source
    # scalars say so
    x, y, z = expression(capture=False, backward=False)
    assert "scalar  float32" in viz.draw_graph(z).nodes["out0"].label


def test_values_need_capture():
    x, y, z = expression(capture=False, backward=False)
    g = viz.draw_graph(z, params={"x": x, "y": y})
    sin = g.id_of(z.grad_fn.parents[1])
    assert g.nodes[sin].value is None                 # not kept by default
    assert number(g.nodes[g.id_of(x)].value) == 2     # leaves always are
    assert number(g.nodes["out0"].value) == pytest.approx(6 + math.sin(2), abs=1e-3)

    x, y, z = expression(capture=True, backward=False)
    g = viz.draw_graph(z, params={"x": x, "y": y})
    mul, sin = (g.id_of(p) for p in z.grad_fn.parents)
    assert number(g.nodes[mul].value) == 6
    assert number(g.nodes[sin].value) == pytest.approx(math.sin(2), abs=1e-4)
    assert number(g.nodes[g.id_of(z)].value) == pytest.approx(6 + math.sin(2), abs=1e-3)
    assert "value 0.9093" in g.source
    assert all(n.grad is None for n in g.nodes.values())  # no backward yet


def test_gradients_after_backward_match_hand_computed():
    x, y, z = expression()
    g = viz.draw_graph(z, params={"x": x, "y": y})
    # dz/dx = y + cos(x), dz/dy = x; every op's output reaches z with gradient 1
    assert number(g.nodes[g.id_of(x)].grad) == pytest.approx(3 + math.cos(2), abs=1e-3)
    assert number(g.nodes[g.id_of(y)].grad) == 2
    for p in (*z.grad_fn.parents, z.grad_fn):
        assert number(g.nodes[g.id_of(p)].grad) == 1
    assert number(g.nodes["out0"].grad) == 1
    assert "grad 2.584" in g.source and "#c62828" in g.source  # in red

    # without capture: only the leaves' .grad is known
    x, y, z = expression(capture=False)
    g = viz.draw_graph(z, params={"x": x, "y": y})
    assert number(g.nodes[g.id_of(x)].grad) == pytest.approx(3 + math.cos(2), abs=1e-3)
    assert g.nodes[g.id_of(z.grad_fn.parents[1])].grad is None


def test_vector_values_and_grads():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor([3.0, 4.0], requires_grad=True)
    with viz.capture():
        z = x * y + cr.sin(x)
        z.sum().backward()
    g = viz.draw_graph(z, params={"x": x, "y": y})
    mul = g.id_of(z.grad_fn.parents[0])
    assert g.nodes[mul].value == "[3, 8]"
    assert g.nodes[g.id_of(y)].grad == "[1, 2]"
    hand = np.array([3.0, 4.0], np.float32) + np.cos(np.array([1.0, 2.0], np.float32))  # y + cos x
    assert g.nodes[g.id_of(x)].grad == viz.summarize(hand) == "[3.54, 3.584]"


def test_summaries():
    s = viz.summarize
    assert s(np.float32(2.5)) == "2.5" and s(np.array(3.0)) == "3" and s(np.array(True)) == "True"
    assert s(np.array([1.0, 0.5])) == "[1, 0.5]"
    a = np.arange(6, dtype=np.float32).reshape(2, 3) / 10
    assert s(a) == "mean 0.25, range [0, 0.5]"
    assert s(np.full(7, 0.2)) == "all 0.2"
    assert s(np.sin(np.linspace(0, 2 * np.pi, 25))) == "mean 0, range [-1, 1]"  # no 1e-17
    assert s(np.array([1.0, np.nan, 3.0, 4.0, 5.0])) == "mean 3.25, range [1, 5], has nan"
    assert s(np.zeros((0, 3))) == "empty"
    assert s(np.array([True, False, True, True, True])) == "4 of 5 true"


def test_capture_restores_state():
    assert not debug_state.values and not debug_state.on
    with pytest.raises(ZeroDivisionError), viz.capture():
        assert debug_state.values and debug_state.on
        with viz.capture():
            pass
        assert debug_state.values  # nested: still on
        raise ZeroDivisionError
    assert not debug_state.values and not debug_state.on
    x = cr.tensor(1.0, requires_grad=True)
    assert getattr((x * 2).grad_fn, "debug", None) is None

    @viz.capture()
    def f(t):
        return t.exp()

    assert "value" in f(x).grad_fn.debug
    assert not debug_state.on


# ---------------------------------------------------------------- names and models

def test_params_from_named_parameters_and_one_node_per_op():
    model, loss = model_loss()
    names = {"0.weight", "0.bias", "2.weight", "2.bias"}
    for params in (dict(model.named_parameters()), model, model.named_parameters()):
        g = viz.draw_graph(loss, params=params)
        assert {n.title for n in g.nodes_of_kind("leaf")} == names
    g = viz.draw_graph(loss, params=dict(model.named_parameters()))
    # one node per recorded op: linear, relu, linear, sub (the error), mul (error * error), mean
    walk, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if id(node) not in walk:
            walk.add(id(node))
            stack.extend(p for p in node.parents if p is not None and not isinstance(p, cr.Tensor))
    ops = g.nodes_of_kind("op")
    assert len(ops) == len(walk) == 6
    assert [n.subtitle for n in ops] == ["AddmmBackward0", "ReluBackward0", "AddmmBackward0",
                                         "SubBackward0", "MulBackward0", "MeanBackward0"]
    sub, mul = ops[3].id, ops[4].id
    assert [(e.src, e.dst) for e in g.edges].count((sub, mul)) == 2  # error * error
    w = g.id_of(model[0].weight)
    assert g.nodes[w].shape == "[4, 3]  float32" and g.nodes[w].grad.startswith("mean ")
    assert g.nodes[w].subtitle == "parameter"
    # every op's value and grad were captured
    assert all(n.value is not None and n.grad is not None for n in ops)
    # the inputs without grad (the data, the target) are small grey constants, or left out
    assert len(g.nodes_of_kind("constant")) == 2
    assert not viz.draw_graph(loss, show_constants=False).nodes_of_kind("constant")


def test_names_from_parameter_and_intermediates():
    w = nn.Parameter(cr.tensor([1.0, 2.0]), name="w")
    u = cr.tensor([1.0, 1.0], requires_grad=True)
    h = cr.relu(w * u)
    out = h.sum()
    g = viz.draw_graph(out, params={"h": h, "loss": out})
    assert g.nodes[g.id_of(w)].title == "w"
    assert g.nodes[g.id_of(u)].title == "leaf"
    assert g.nodes[g.id_of(h)].title == "h = relu"
    assert g.nodes["out0"].title == "loss"
    assert g.nodes[g.id_of(h)].value == "[1, 2]"  # relu keeps its output for backward


def test_constants():
    a = cr.linspace(0.0, 1.0, steps=5, requires_grad=True)
    d = 2 * cr.sin(a) + 1
    g = viz.draw_graph(d, params={"a": a})
    consts = g.nodes_of_kind("constant")
    assert len(consts) == 2
    assert "2" in [c.title for c in consts]  # mul saved its constant; add did not
    assert "constant" in [c.title for c in consts]
    x = cr.randn(3)
    w = cr.randn(2, 3, requires_grad=True)
    g = viz.draw_graph(w @ x, params={"x": x, "w": w})
    (c,) = g.nodes_of_kind("constant")
    assert c.title == "x" and c.shape == "[3]  float32"  # named from params, value known


# ---------------------------------------------------------------- backward view

def test_backward_view_reverses_edges():
    x, y, z = expression()
    fwd = viz.draw_graph(z, params={"x": x, "y": y})
    bwd = viz.draw_graph(z, params={"x": x, "y": y}, direction="backward")
    assert sorted((e.dst, e.src) for e in bwd.edges) == sorted((e.src, e.dst) for e in fwd.edges)
    assert sorted(dot_edges(bwd.source)) == sorted((e.src, e.dst) for e in bwd.edges)
    assert bwd.nodes.keys() == fwd.nodes.keys()
    assert "rankdir=BT" in bwd.source and "rankdir=TB" in fwd.source
    labels = {(e.src, e.dst): e.label for e in bwd.edges}
    ix, iy = bwd.id_of(x), bwd.id_of(y)
    mul, sin = (bwd.id_of(p) for p in z.grad_fn.parents)
    assert labels[("out0", bwd.id_of(z))] == "1"
    assert labels[(mul, iy)] == "2"                               # used once: its gradient
    # x is used twice: each arrow carries its term, y and cos(x), and they add up to x.grad
    assert number(labels[(mul, ix)]) == 3
    assert number(labels[(sin, ix)]) == pytest.approx(math.cos(2), abs=1e-4)
    assert number(labels[(mul, ix)]) + number(labels[(sin, ix)]) == pytest.approx(
        x.grad.item(), abs=1e-3)
    assert 'label=" 2 "' in bwd.source


def test_backward_view_of_a_model():
    model, loss = model_loss()
    fwd = viz.draw_graph(loss, params=model)
    bwd = viz.draw_graph(loss, params=model, direction="backward")
    assert not bwd.nodes_of_kind("constant")  # no gradient flows to the data
    kept = [(e.src, e.dst) for e in fwd.edges if fwd.nodes[e.src].kind != "constant"]
    assert sorted((e.dst, e.src) for e in bwd.edges) == sorted(kept)
    assert all(e.label is not None for e in bwd.edges)
    w = bwd.id_of(model[2].weight)
    (edge,) = [e for e in bwd.edges if e.dst == w]
    assert edge.label == bwd.nodes[w].grad


def test_options_and_errors():
    *_, z = expression()
    g = viz.draw_graph(z, show_values=False, show_grads=False)
    assert all(n.value is None and n.grad is None for n in g.nodes.values())
    assert "value " not in g.source and "grad " not in g.source
    assert [n.title for n in g.nodes_of_kind("leaf")] == ["leaf", "leaf"]
    assert 'label="my title"' in viz.draw_graph(z, title="my title").source
    assert "rankdir=LR" in viz.draw_graph(z, rankdir="LR").source
    with pytest.raises(ValueError, match="direction"):
        viz.draw_graph(z, direction="sideways")
    with pytest.raises(ValueError, match="at least one"):
        viz.draw_graph()
    with pytest.raises(TypeError, match="tensors"):
        viz.draw_graph(3.0)
    with pytest.raises(TypeError, match="not a tensor"):
        viz.draw_graph(z, params={"x": 1.0})
    with pytest.raises(KeyError):
        g.id_of(cr.tensor(1.0))
    # several outputs, a leaf as output, and a tensor with no graph at all
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    g = viz.draw_graph([a * 2, a.exp()], a, cr.tensor(5.0))
    assert [n.title for n in g.nodes_of_kind("output")] == [f"output {k}" for k in range(4)]
    assert (g.id_of(a), "out2") in [(e.src, e.dst) for e in g.edges]
    assert not [e for e in g.edges if e.dst == "out3"]


# ---------------------------------------------------------------- rendering

def test_dot_file_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    *_, z = expression()
    g = viz.draw_graph(z)
    path = g.render(tmp_path / "sub" / "z.dot")
    assert path.read_text() == g.source
    assert g.save(tmp_path / "z.gv").read_text() == g.source


def test_missing_dot_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot there
    *_, z = expression()
    g = viz.draw_graph(z)
    for name in ("z.png", "z.svg"):
        with pytest.raises(RuntimeError, match=r"dot.*not found.*apt-get install graphviz"):
            g.render(tmp_path / name)
        assert not (tmp_path / name).exists()
    assert g._repr_svg_() is None
    with pytest.raises(ValueError, match="extension"):
        g.render(tmp_path / "noext")


@needs_dot
def test_render_png_and_svg(tmp_path):
    model, loss = model_loss()
    g = viz.draw_graph(loss, params=model)
    png = g.render(tmp_path / "loss.png")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 300 and height > 300
    svg = g.render(tmp_path / "loss.svg").read_text()
    assert "<svg" in svg and "0.weight" in svg and "AddmmBackward0" in svg
    assert g._repr_svg_().startswith("<?xml") or "<svg" in g._repr_svg_()
    back = viz.draw_graph(loss, params=model, direction="backward")
    assert back.render(tmp_path / "back.svg").read_text().count("<g id=\"edge") == len(back.edges)


# ---------------------------------------------------------------- the example

def run_example(out, env=None):
    proc = subprocess.run([sys.executable, str(EXAMPLE), "--out", str(out)], cwd=out.parent,
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_example_script(tmp_path):
    out = tmp_path / "graphs"
    stdout = run_example(out)
    diffs = [float(v) for v in re.findall(r"max \|autograd - by hand\| = ([-+0-9.e]+)", stdout)]
    assert len(diffs) == 2 and max(diffs) < 1e-5
    assert "14 operations, 2 parameters" in stdout
    for stem in ("forward_graph", "backward_graph"):
        source = (out / f"{stem}.dot").read_text()
        assert "W1" in source and "W2" in source and "J = add" in source
        if HAVE_DOT:
            assert (out / f"{stem}.png").read_bytes().startswith(b"\x89PNG")
    assert "grad " in (out / "backward_graph.dot").read_text()
    assert "grad " not in (out / "forward_graph.dot").read_text()


def test_example_without_dot(tmp_path):
    out = tmp_path / "graphs"
    env = dict(os.environ, PATH=str(tmp_path))
    stdout = run_example(out, env=env)
    assert "dot program was not found" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["backward_graph.dot", "forward_graph.dot"]
