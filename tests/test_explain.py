"""chainrule.explain: the safe expression language, the four ways to differentiate
(``derivatives``) and the ``chainrule diff`` / ``chainrule graph`` commands."""

import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule import explain
from chainrule.cli import main
from chainrule.explain import ExpressionError, derivatives, parse

# expression, point: polynomials, trig, exp/log, products, quotients, sqrt, compositions
CASES = [
    ("3*x**3 - 2*x*y + y**2 - 5", {"x": 1.3, "y": -0.7}),
    ("sin(x)*cos(y) + tan(x*y)", {"x": 0.4, "y": 1.1}),
    ("exp(x)*log(y) + log1p(x*y)", {"x": 0.8, "y": 2.5}),
    ("x*y*exp(-x*y)", {"x": 1.2, "y": 0.9}),
    ("(x**2 + 1)/(y - 3)", {"x": 0.5, "y": 1.25}),
    ("sqrt(x**2 + y**2)", {"x": 3.0, "y": 4.0}),
    ("sin(exp(cos(x*y)))", {"x": 0.7, "y": 1.3}),
    ("tanh(sigmoid(x) * atan(y)) + erf(x - y)", {"x": 0.3, "y": -0.6}),
    ("x**y", {"x": 1.7, "y": 2.3}),
    ("asin(x/2) + acos(y/3) + sinh(x)*cosh(y) + expm1(x) - rsqrt(y)", {"x": 0.6, "y": 1.4}),
    ("softplus(x*y) + abs(x - 2*y) + max(x, y) - min(x, y)", {"x": 0.9, "y": 0.2}),
    ("1/(1 + x**2)", {"x": 0.75}),
    ("x*y*z + sin(x*z)/y", {"x": 0.5, "y": 2.0, "z": -1.5}),
]
IDS = [c[0] for c in CASES]


def _close(a, b, rtol):
    return abs(a - b) <= rtol * max(1.0, abs(b))


def _exact(report, key, tol):
    for e in report:
        assert e[key].value is not None, (e.label, e[key].note)
        assert _close(e[key].value, e.value, tol), (e.label, key, e[key].value, e.value)


# ---------------------------------------------------------------- the four ways agree
@pytest.mark.parametrize("text,point", CASES, ids=IDS)
def test_first_order_ways_agree(text, point):
    r = derivatives(text, point, verbose=False)
    assert r.order == 1 and r.reference == "reverse_ad"
    assert [e.wrt for e in r] == [(v,) for v in point]
    # reverse-mode AD against an independent chainrule.grad of the compiled expression
    f = parse(text).to_function()
    xs = [cr.tensor(v, dtype=cr.float64) for v in point.values()]
    g = cr.grad(f, tuple(range(len(xs))))(*xs)
    np.testing.assert_allclose(r.gradient, [t.item() for t in g], rtol=1e-14)
    _exact(r, "forward_ad", 1e-13)
    for e in r:
        assert e["reverse_ad"].difference == 0
        c, fd = e["central_difference"], e["forward_difference"]
        assert _close(c.value, e.value, 1e-8)
        assert c.step > 0 and c.error_estimate > 0
        assert c.difference <= c.error_estimate  # the estimate bounds the actual error here
        assert _close(fd.value, e.value, 1e-4)


@pytest.mark.parametrize("text,point", CASES, ids=IDS)
def test_second_order_ways_agree(text, point):
    r = derivatives(text, point, order=2, verbose=False)
    n = len(point)
    assert len(r) == n * (n + 1) // 2 and r.hessian.shape == (n, n)
    np.testing.assert_allclose(r.hessian, r.hessian.T, rtol=1e-12, atol=1e-14)
    f = parse(text).to_function()
    xs = [cr.tensor(v, dtype=cr.float64) for v in point.values()]
    H = cr.hessian(f, tuple(range(n)))(*xs)
    for i, a in enumerate(point):
        for j, b in enumerate(point):
            assert _close(r[a, b].value, H[i][j].item(), 1e-12)
    for key in ("forward_over_reverse", "forward_over_forward"):
        _exact(r, key, 1e-12)
    for e in r:
        c = e["central_difference"]
        assert _close(c.value, e.value, 1e-6), (e.label, c.value, e.value)
        assert c.error_estimate > 0 and c.difference <= c.error_estimate


@pytest.mark.parametrize("text,point", CASES, ids=IDS)
def test_symbolic_agrees(text, point):
    sp = pytest.importorskip("sympy")
    for order in (1, 2):
        r = derivatives(text, point, order=order, verbose=False)
        _exact(r, "symbolic", 1e-12)
        for e in r:  # the formula shown is SymPy's derivative of the expression
            symbols = parse(text).symbols()
            d = sp.diff(parse(text).to_sympy(), *[symbols[list(point).index(w)]
                                                  for w in e.wrt])
            assert e["symbolic"].expression == sp.sstr(d)


def test_forward_difference_error_is_larger_than_central():
    for text, point in CASES:
        r = derivatives(text, point, verbose=False)
        for e in r:
            c, fd = e["central_difference"], e["forward_difference"]
            assert fd.step == c.step
            assert fd.error_estimate > 10 * c.error_estimate, (text, e.label)
            assert fd.difference > 10 * c.difference, (text, e.label)
    for text, point in CASES[1:]:  # (the first is a polynomial: some are exact)
        r = derivatives(text, point, order=2, verbose=False)
        for e in r:
            c, fd = e["central_difference"], e["forward_difference"]
            assert fd.difference > 5 * c.difference, (text, e.label)


def test_report_text():
    r = derivatives("x**2 * sin(y)", x=1.5, y=0.3, manual="2*x*sin(y)", verbose=False)
    s = str(r)
    assert s.startswith("f(x, y) = x**2 * sin(y)\nat x = 1.5, y = 0.3:")
    for part in ("df/dx", "df/dy", "central difference", "forward difference",
                 "forward-mode AD (jvp)", "reverse-mode AD (grad)", "manual formula",
                 "h = 9.08e-06", "est. error", "(reference)", "|diff|",
                 "manual:   df/dx = 2*x*sin(y)"):
        assert part in s, part
    assert repr(r.value) in s and repr(r["x"].value) in s
    assert "<-- differs" not in s and "!" not in s
    assert r["x"]["manual"].difference < 1e-15
    assert r.point == {"x": 1.5, "y": 0.3}
    assert math.isclose(r.value, 1.5 ** 2 * math.sin(0.3), rel_tol=1e-15)
    assert "DerivativeReport" in repr(r)


def test_prints_by_default(capsys):
    r = derivatives("x**3", x=2.0)
    assert capsys.readouterr().out.strip() == str(r)
    assert r["x"].value == 12.0
    derivatives("x**3", {"x": 2.0}, verbose=False)
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------- manual formulas
def test_wrong_manual_formula_shows_a_large_difference():
    r = derivatives("x**2 * sin(y)", x=1.5, y=0.3, manual={"x": "2*x*cos(y)",
                                                           "y": "x**2*cos(y)"},
                    verbose=False)
    assert r["x"]["manual"].difference > 1.0
    assert r["y"]["manual"].difference < 1e-15
    s = str(r)
    assert "<-- differs" in s
    assert "! the manual formula for df/dx differs from reverse-mode AD by 2.0e+00" in s


def test_manual_forms():
    expr, pt = "x**2 * sin(y)", {"x": 1.5, "y": 0.3}
    right = [2 * 1.5 * math.sin(0.3), 1.5 ** 2 * math.cos(0.3)]
    # a list in the report's order; a callable giving the gradient; numbers
    for manual in (["2*x*sin(y)", "x**2*cos(y)"],
                   lambda x, y: (2 * x * math.sin(y), x * x * math.cos(y)),
                   right):
        r = derivatives(expr, pt, manual=manual, verbose=False)
        assert [e["manual"].difference < 1e-14 for e in r] == [True, True]
    # a single formula is the first input's
    r = derivatives(expr, pt, manual=lambda x, y: 2 * x * math.sin(y), verbose=False)
    assert "manual" in r["x"] and "manual" not in r["y"]
    # second order: by pair name, either order, and the full Hessian from a callable
    r = derivatives(expr, pt, order=2, manual={"y,x": "2*x*cos(y)", "y": "-x**2*sin(y)",
                                               ("x", "x"): "2*sin(y) + 1"}, verbose=False)
    assert r["x", "y"]["manual"].difference < 1e-14
    assert r["y"]["manual"].difference < 1e-14
    assert abs(r["x"]["manual"].difference - 1) < 1e-12
    r = derivatives(expr, pt, order=2, verbose=False, manual=lambda x, y: [
        [2 * math.sin(y), 2 * x * math.cos(y)], [2 * x * math.cos(y), -x * x * math.sin(y)]])
    assert all(e["manual"].difference < 1e-14 for e in r)
    with pytest.raises(ExpressionError, match="uses z, which is not an input"):
        derivatives(expr, pt, manual="z*x", verbose=False)
    with pytest.raises(ValueError, match="3 manual formulas for 2 derivatives"):
        derivatives(expr, pt, manual=["1", "2", "3"], verbose=False)


# ---------------------------------------------------------------- Python functions
def test_python_function_of_tensors():
    def f(x, w):
        return cr.sin(x) * (w ** 2).sum()

    r = derivatives(f, 0.5, cr.tensor([1.0, 2.0]), verbose=False)
    assert r.kind == "function" and r.names == ("x", "w[0]", "w[1]")
    np.testing.assert_allclose(r.gradient, [math.cos(0.5) * 5, 2 * math.sin(0.5),
                                            4 * math.sin(0.5)], rtol=1e-14)
    _exact(r, "forward_ad", 1e-14)
    assert "not available" in r["x"]["symbolic"].note  # (array inputs, or no SymPy)
    r2 = derivatives(f, 0.5, [1.0, 2.0], order=2, verbose=False)
    assert r2.hessian.shape == (3, 3)
    assert _close(r2["w[0]", "w[0]"].value, 2 * math.sin(0.5), 1e-14)
    _exact(r2, "forward_over_reverse", 1e-13)


def test_python_function_symbolic_when_sympy_able():
    pytest.importorskip("sympy")
    r = derivatives(lambda x, y: x ** 3 * y + x / y, 0.5, 2.0, verbose=False)
    assert r["x"]["symbolic"].expression == "3*x**2*y + 1/y"
    _exact(r, "symbolic", 1e-14)
    r = derivatives(lambda x, y: x ** 2 * cr.sin(y), 1.5, 0.3, verbose=False)
    assert "does not accept SymPy symbols" in r["x"]["symbolic"].note
    assert r["x"]["symbolic"].value is None


def test_function_that_leaves_the_graph_is_flagged():
    r = derivatives(lambda x: math.sin(x), 1.5, verbose=False)  # float(): no gradient
    assert r["x"].value == 0.0
    assert abs(r["x"]["central_difference"].value - math.cos(1.5)) < 1e-9
    assert "far off" in str(r) and "leave chainrule's graph" in str(r)


def test_without_sympy(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)  # import sympy -> ImportError
    r = derivatives("x**2 * sin(y)", x=1.5, y=0.3, order=2, verbose=False)
    assert "SymPy is not installed" in r["x"]["symbolic"].note
    _exact(r, "forward_over_reverse", 1e-14)
    assert "not available" in str(r)
    with pytest.raises(ImportError, match="symbolic"):
        parse("x").to_sympy()


def test_bad_calls():
    with pytest.raises(ValueError, match="no value given for y"):
        derivatives("x*y", x=1.0, verbose=False)
    with pytest.raises(ValueError, match="'z' is not a variable"):
        derivatives("x*y", x=1.0, y=2.0, z=3.0, verbose=False)
    with pytest.raises(ValueError, match="'pi' is a constant"):
        derivatives("x*pi", x=1.0, pi=3.0, verbose=False)
    with pytest.raises(ValueError, match="no variables"):
        derivatives("2*pi", verbose=False)
    with pytest.raises(TypeError, match="as a dict or as keywords"):
        derivatives("x*y", 1.0, 2.0, verbose=False)
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        derivatives("x", x=1.0, order=3, verbose=False)
    with pytest.raises(ValueError, match="must return a scalar"):
        derivatives(lambda w: w * 2, [1.0, 2.0], verbose=False)
    with pytest.raises(ValueError, match="step must be a positive number"):
        derivatives("x", x=1.0, step=-1, verbose=False)
    r = derivatives("x**3", x=1.0, step=1e-3, verbose=False)
    assert r["x"]["central_difference"].step == pytest.approx(1e-3, rel=1e-12)


# ---------------------------------------------------------------- the expression language
def test_parse_and_compile():
    e = parse("x**2 * sin(y) + pi*e - 1/z")
    assert e.variables == ("x", "y", "z")
    v = e.evaluate(x=1.5, y=0.3, z=4.0)
    assert math.isclose(v, 2.25 * math.sin(0.3) + math.pi * math.e - 0.25, rel_tol=1e-15)
    x = cr.tensor(1.5, dtype=cr.float64, requires_grad=True)
    out = parse("x**2 * sin(x)").to_function()(x)
    out.backward()
    assert math.isclose(x.grad.item(), 3 * math.sin(1.5) + 2.25 * math.cos(1.5),
                        rel_tol=1e-14)
    assert parse("2/0 + x").evaluate(x=0) == math.inf  # IEEE arithmetic, not Python's
    assert explain.expr.evaluate_constant("pi/4") == math.pi / 4


def test_to_sympy():
    sp = pytest.importorskip("sympy")
    x, y = sp.symbols("x y", real=True)
    assert parse("x**2 * sin(y) + 0.5*x").to_sympy() == x ** 2 * sp.sin(y) + x / 2
    assert parse("sigmoid(x)").to_sympy() == 1 / (1 + sp.exp(-x))
    assert parse("9**9**9").to_sympy().is_Float  # no exact power with 370 million digits


REFUSED = [
    ("__import__('os')", "names starting with '_'"),
    ("__import__('os').system('echo pwned')", "not allowed"),
    ("os.system('ls')", "attribute access"),
    ("x.real", "attribute access"),
    ("(1).__class__", "attribute access"),
    ("lambda: 1", "lambda"),
    ("[i for i in x]", "comprehensions"),
    ("(i for i in x)", "generator expressions"),
    ("x[0]", "subscripts"),
    ("'abc'", "strings"),
    ("b'abc'", "strings"),
    ("f'{x}'", "f-strings"),
    ("(y := 2)", "assignment expressions"),
    ("sin(*x)", "starred"),
    ("sin(x=1)", "keyword arguments"),
    ("open('f', 'w')", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("foo(x)", "unknown function 'foo'"),
    ("__builtins__", "names starting with '_'"),
    ("_x + 1", "names starting with '_'"),
    ("x^2", "'\\^' \\(write powers as x\\*\\*2\\)"),
    ("x < 1", "comparisons"),
    ("x if y else z", "conditional expressions"),
    ("x and y", "'and'/'or'"),
    ("True", "the constant True"),
    ("[x, y]", "lists"),
    ("sin(x)(y)", "calling anything but a math function"),
    ("sin", "'sin' is a function"),
    ("sin(x, y)", "sin\\(\\) takes 1 argument, got 2"),
    ("x +", "cannot parse"),
    ("x = 1", "cannot parse"),
    ("import os", "cannot parse"),
    ("x\n+ 1", "one line"),
    ("", "empty"),
    ("(" * 300 + "x" + ")" * 300, "cannot parse|nested"),
    ("x+" * 300 + "x", "nested more than"),
]


@pytest.mark.parametrize("text,message", REFUSED, ids=[t[:30] for t, _ in REFUSED])
def test_parser_refuses(text, message):
    with pytest.raises(ExpressionError, match=message) as info:
        parse(text)
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


def test_malicious_expressions_never_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "pwned"
    attacks = [
        f"__import__('os').system('touch {target}')",
        f"open('{target}', 'w')",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        f"(lambda: __import__('pathlib').Path('{target}').touch())()",
        f"exec(\"open('{target}','w')\")",
        f"x + __import__('os').system('touch {target}')",
    ]
    for text in attacks:
        with pytest.raises(ExpressionError):
            parse(text)
        with pytest.raises(ExpressionError):
            derivatives(text, x=1.0, verbose=False)
        assert main(["diff", text, "--at", "x=1"]) == 2
        assert main(["graph", text, "--at", "x=1", "-o", "g.dot"]) == 2
        assert main(["diff", "x", "--at", f"x={text}"]) == 2
        assert main(["diff", "x", "--at", "x=1", "--manual", text]) == 2
    assert not target.exists()
    assert not (tmp_path / "g.dot").exists()
    err = capsys.readouterr().err
    assert "Traceback" not in err and "pwned" not in os.listdir(tmp_path)


# ---------------------------------------------------------------- chainrule diff
def test_cli_diff(capsys):
    assert main(["diff", "x**2 * sin(y)", "--at", "x=1.5", "y=0.3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("f(x, y) = x**2 * sin(y)")
    assert "df/dx" in out and "df/dy" in out and "reverse-mode AD (grad)" in out
    assert repr(2 * 1.5 * math.sin(0.3)) in out or "0.886560619984018" in out
    assert "manual" not in out


def test_cli_diff_manual_and_order(capsys):
    assert main(["diff", "x**2 * sin(y)", "--at", "x=1.5,y=pi/6",
                 "--manual", "2*x*sin(y)", "y=x**2*sin(y)"]) == 0
    out = capsys.readouterr().out
    assert "at x = 1.5, y = 0.5235987755982988" in out
    assert "manual:   df/dx = 2*x*sin(y)" in out and "manual:   df/dy = x**2*sin(y)" in out
    assert out.count("<-- differs") == 1 and "! the manual formula for df/dy" in out
    assert main(["diff", "x*y**2", "--at", "x=2", "y=3", "--order", "2",
                 "--manual", "x,y=2*y", "y=2*x", "--step", "1e-3"]) == 0
    out = capsys.readouterr().out
    assert "d2f/dx2" in out and "d2f/dxdy" in out and "d2f/dy2" in out
    assert "fwd-over-rev AD (hessian)" in out and "rev-over-rev AD (jacrev^2)" in out
    assert "h = 1.00e-03" in out and "<-- differs" not in out


@pytest.mark.parametrize("argv,message", [
    (["diff", "x**2 * sin(y)", "--at", "x=1.5"], "no value for y: add --at y=..."),
    (["diff", "x**2", "--at", "x=1", "z=2"], "--at gives z, which is not a variable"),
    (["diff", "x**2", "--at", "x=1", "pi=2"], "which is a constant"),
    (["diff", "x**2", "--at", "x=abc"], "--at x=abc: 'abc' is not a number"),
    (["diff", "x**2", "--at", "x"], "--at takes NAME=VALUE"),
    (["diff", "x**2", "--at", "x=1", "x=2"], "gives x twice"),
    (["diff", "x**2 +", "--at", "x=1"], "cannot parse"),
    (["diff", "x.y", "--at", "x=1"], "attribute access"),
    (["diff", "sin(x, 2)", "--at", "x=1"], "takes 1 argument"),
    (["diff", "frobnicate(x)", "--at", "x=1"], "unknown function 'frobnicate'"),
    (["diff", "x", "--at", "x=1", "--manual", "2*z"], "uses z"),
    (["diff", "x", "--at", "x=1", "--manual", "1", "2"], "more --manual formulas"),
    (["diff", "x", "--at", "x=1", "--manual", "q=1"], "q is not a variable"),
    (["diff", "x", "--at", "x=1", "--step", "0"], "--step must be positive"),
    (["diff", "2*pi", "--at", "x=1"], "no variables"),
    (["graph", "x*y", "--at", "x=1"], "no value for y"),
])
def test_cli_errors(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == ""
    assert err.startswith(f"chainrule {argv[0]}: error: ") and message in err, err
    assert "\n" not in err and "Traceback" not in err


def test_cli_subprocess_exit_codes(tmp_path):
    cmd = [sys.executable, "-m", "chainrule", "diff", "x**2 * sin(y)", "--at", "x=1.5"]
    p = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip() == "chainrule diff: error: no value for y: add --at y=..."
    p = subprocess.run(cmd + ["y=0.3"], check=False, capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)
    assert p.returncode == 0 and p.stderr == "" and "df/dy" in p.stdout


# ---------------------------------------------------------------- chainrule graph
def test_cli_graph_dot(tmp_path, capsys):
    path = tmp_path / "graph.dot"
    assert main(["graph", "x**2 * sin(y)", "--at", "x=1.5", "y=0.3", "-o", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {path}" in out and "df/dx = 0.886560619984018" in out
    dot = path.read_text()
    assert dot.lstrip().startswith("digraph")
    for op in ("PowBackward0", "SinBackward0", "MulBackward0"):
        assert op in dot, op
    assert ">x<" in dot and ">y<" in dot  # the leaves carry the variables' names
    assert "value 1.5" in dot and "value 0.3" in dot  # values
    assert "grad 0.8866" in dot and "grad 2.15" in dot  # and gradients
    assert "x**2 * sin(y)" in dot
    # the backward view, and DOT on standard output without -o
    assert main(["graph", "exp(-x/y)", "--at", "x=1", "y=2"]) == 0
    forward = capsys.readouterr().out
    assert forward.lstrip().startswith("digraph")
    for op in ("ExpBackward0", "DivBackward0", "NegBackward0"):
        assert op in forward
    assert main(["graph", "exp(-x/y)", "--at", "x=1", "y=2", "--backward"]) == 0
    backward = capsys.readouterr().out
    assert backward.lstrip().startswith("digraph") and "ExpBackward0" in backward
    assert backward != forward


def test_cli_graph_without_dot(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    path = tmp_path / "graph.svg"
    assert main(["graph", "x*y", "--at", "x=1", "y=2", "-o", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "dot" in err and f"-o {tmp_path / 'graph'}.dot" in err
    assert not path.exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_cli_graph_svg(tmp_path, capsys):
    path = tmp_path / "graph.svg"
    assert main(["graph", "x**2 * sin(y)", "--at", "x=1.5", "y=0.3", "-o", str(path)]) == 0
    svg = path.read_text()
    assert "<svg" in svg and "SinBackward0" in svg
