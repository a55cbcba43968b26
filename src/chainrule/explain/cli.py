"""``chainrule diff`` (the four ways to differentiate an expression) and ``chainrule graph``
(its computation graph with values and gradients)."""

from __future__ import annotations

import re
import sys

_AT_HELP = ("the point: NAME=VALUE for each variable, e.g. --at x=1.5 y=0.3 (a value may be a "
            "constant expression such as pi/4; commas also separate)")
_EXPR_HELP = ("an expression in the variables, e.g. \"x**2 * sin(y)\": numbers, + - * / **, "
              "parentheses, pi, e and the functions sin cos tan asin acos atan sinh cosh tanh "
              "exp log log1p expm1 sqrt rsqrt abs erf sigmoid relu softplus pow max min (one "
              "starting with '-' needs a leading space: \" -x**2\")")


class UsageError(ValueError):
    """A mistake on the command line: reported in one line, exit status 2."""


def add_parsers(sub) -> None:
    """Add the ``diff`` and ``graph`` subcommands to the ``chainrule`` parser."""
    d = sub.add_parser(
        "diff", help="differentiate an expression the four ways and compare",
        description="Differentiate an expression at a point symbolically (SymPy), "
                    "numerically (central and forward differences), by forward- and "
                    "reverse-mode AD, and by your own formula, and show how far apart they "
                    "are.",
        epilog="example: chainrule diff \"x**2 * sin(y)\" --at x=1.5 y=0.3 "
               "--manual \"2*x*sin(y)\"")
    d.add_argument("expression", help=_EXPR_HELP)
    d.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                   help=_AT_HELP)
    d.add_argument("--manual", nargs="+", action="extend", default=[], metavar="FORMULA",
                   help="your derivative formula(s): NAME=FORMULA (e.g. x=\"2*x*sin(y)\"; for "
                        "--order 2, x,y=FORMULA), or plain formulas in the report's order "
                        "(df/dx, df/dy, ...; for --order 2: d2f/dx2, d2f/dxdy, ...)")
    d.add_argument("--order", type=int, choices=(1, 2), default=1,
                   help="1: first derivatives (default); 2: second derivatives (the Hessian)")
    d.add_argument("--step", type=float, default=None, metavar="H",
                   help="finite-difference step (default: about the best step for float64)")

    g = sub.add_parser(
        "graph", help="draw an expression's computation graph with values and gradients",
        description="Evaluate an expression at a point, run backward, and draw its "
                    "computation graph with each node's value and gradient: DOT text for "
                    "-o FILE.dot (or on standard output without -o), a picture for .svg, "
                    ".png or .pdf (needs Graphviz's dot program).",
        epilog="example: chainrule graph \"x**2 * sin(y)\" --at x=1.5 y=0.3 -o graph.svg")
    g.add_argument("expression", help=_EXPR_HELP)
    g.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                   help=_AT_HELP)
    g.add_argument("-o", "--output", metavar="FILE",
                   help="where to write the graph: .dot (DOT text), .svg, .png or .pdf "
                        "(default: DOT text on standard output)")
    g.add_argument("--backward", action="store_true",
                   help="draw the backward view: arrows from the output to the inputs, "
                        "carrying the gradients")
    g.add_argument("--no-values", action="store_true", help="leave out forward values")
    g.add_argument("--no-grads", action="store_true", help="leave out gradients")


def run(args) -> int:
    """Run ``diff`` or ``graph``; returns the exit status (2, with a one-line message on
    standard error, for a bad expression, point or option)."""
    import numpy as np

    from .expr import ExpressionError
    try:
        with np.errstate(all="ignore"):
            if args.command == "diff":
                return _diff(args)
            if args.command == "graph":
                return _graph(args)
    except (UsageError, ExpressionError, ValueError, TypeError, KeyError, ArithmeticError,
            ImportError, OSError, RuntimeError) as e:
        message = " ".join(str(e).split()) or type(e).__name__
        print(f"chainrule {args.command}: error: {message}", file=sys.stderr)
        return 2
    raise ValueError(f"unknown command {args.command!r}")


# ---------------------------------------------------------------- helpers
_NAME = r"[^\W\d]\w*"


def parse_point(items) -> dict:
    """``["x=1.5", "y=0.3"]`` (or ``["x=1.5,y=0.3"]``) -> ``{"x": 1.5, "y": 0.3}``; values
    may be constant expressions (``pi/4``)."""
    from .expr import ExpressionError, evaluate_constant
    point = {}
    for item in items:
        for part in _split_commas(item):
            m = re.fullmatch(rf"\s*({_NAME})\s*=(?!=)(.*)", part)
            if not m:
                raise UsageError(f"--at takes NAME=VALUE, got {part!r}")
            name, text = m.group(1), m.group(2).strip()
            if name in point:
                raise UsageError(f"--at gives {name} twice")
            if not text:
                raise UsageError(f"--at {name}= has no value")
            try:
                point[name] = evaluate_constant(text)
            except ExpressionError as e:
                raise UsageError(f"--at {name}={text}: {e}") from None
    return point


def _split_commas(item: str):
    """Split ``x=1,y=2`` at the commas that start a new ``NAME=``, not inside ``max(1,2)``."""
    parts = re.split(rf",\s*(?={_NAME}\s*=(?!=))", item)
    return [p for p in parts if p.strip()]


def _check_point(expr, point) -> None:
    from .expr import CONSTANTS
    if not expr.variables:
        raise UsageError(f"the expression {expr.text!r} has no variables")
    for name in point:
        if name not in expr.variables:
            what = "a constant" if name in CONSTANTS else "not a variable of the expression"
            raise UsageError(f"--at gives {name}, which is {what} (variables: "
                             f"{', '.join(expr.variables)})")
    missing = [v for v in expr.variables if v not in point]
    if missing:
        at = " ".join(f"{v}=..." for v in missing)
        raise UsageError(f"no value for {', '.join(missing)}: add --at {at}")


def parse_manual(items, variables, order):
    """``--manual`` items -> the ``manual`` argument of ``derivatives`` (a dict keyed by the
    derivative: ``"x"`` or ``"x,y"``)."""
    if not items:
        return None
    if order == 1:
        wrts = [v for v in variables]
    else:
        wrts = [f"{a},{b}" for i, a in enumerate(variables) for b in variables[i:]]
    out = {}
    positional = 0
    for item in items:
        m = re.fullmatch(rf"\s*({_NAME}(?:\s*,\s*{_NAME})?)\s*=(?!=)(.*)", item)
        if m:
            names = [n.strip() for n in m.group(1).split(",")]
            for n in names:
                if n not in variables:
                    raise UsageError(f"--manual {item!r}: {n} is not a variable of the "
                                     f"expression (variables: {', '.join(variables)})")
            if order == 1 and len(names) != 1:
                raise UsageError(f"--manual {item!r}: name one variable for a first "
                                 "derivative (x=...)")
            key = names[0] if order == 1 else ",".join(names * (3 - len(names)))
            formula = m.group(2).strip()
        else:
            if positional >= len(wrts):
                raise UsageError(f"more --manual formulas than derivatives "
                                 f"({len(wrts)}: {', '.join(wrts)})")
            key = wrts[positional]
            positional += 1
            formula = item
        if key in out or (order == 2 and ",".join(key.split(",")[::-1]) in out):
            raise UsageError(f"--manual gives the derivative for {key} twice")
        out[key] = formula
    return out


# ---------------------------------------------------------------- diff
def _diff(args) -> int:
    from .expr import parse
    from .fourways import derivatives
    expr = parse(args.expression)
    point = parse_point(args.at)
    _check_point(expr, point)
    manual = parse_manual(args.manual, expr.variables, args.order)
    if manual:  # check the formulas before any work, for a one-line error
        for formula in manual.values():
            m = parse(formula)
            unknown = [v for v in m.variables if v not in expr.variables]
            if unknown:
                raise UsageError(f"the manual formula {formula!r} uses {', '.join(unknown)}, "
                                 f"not a variable of the expression (variables: "
                                 f"{', '.join(expr.variables)})")
    if args.step is not None and not args.step > 0:
        raise UsageError(f"--step must be positive, got {args.step}")
    report = derivatives(expr, point, manual=manual, order=args.order, step=args.step,
                         verbose=False)
    print(report)
    return 0


# ---------------------------------------------------------------- graph
def _graph(args) -> int:
    import chainrule as cr

    from .expr import parse
    expr = parse(args.expression)
    point = parse_point(args.at)
    _check_point(expr, point)
    try:
        from chainrule import viz
        draw_graph = viz.draw_graph
    except (ImportError, AttributeError):
        raise UsageError("chainrule.viz.draw_graph is not available in this version") \
            from None
    leaves = {v: cr.tensor(point[v], dtype=cr.float64, requires_grad=True)
              for v in expr.variables}
    fn = expr.to_function()
    with viz.capture():
        out = fn(*leaves.values())
        if not isinstance(out, cr.Tensor) or out.grad_fn is None:
            raise UsageError(f"the expression {expr.text!r} does not depend on its variables "
                             "through any operation: nothing to draw")
        out.backward()
    g = draw_graph(out, params=leaves, show_values=not args.no_values,
                   show_grads=not args.no_grads,
                   direction="backward" if args.backward else "forward", title=expr.text)
    summary = (f"f = {out.item()!r}; "
               + ", ".join(f"df/d{k} = {t.grad.item()!r}" for k, t in leaves.items()))
    if args.output is None:
        sys.stdout.write(g.source if g.source.endswith("\n") else g.source + "\n")
        print(f"// {summary}", file=sys.stderr)
        return 0
    path = args.output
    if path.lower().endswith((".dot", ".gv")):
        g.render(path, format="dot")
    else:
        if "." not in path.rsplit("/", 1)[-1]:
            raise UsageError(f"cannot tell the format of {path!r}: end it with .svg, .png, "
                             ".pdf or .dot")
        try:
            g.render(path)
        except RuntimeError as e:
            import shutil
            if shutil.which("dot") is None:
                stem = path.rsplit(".", 1)[0]
                raise UsageError(f"cannot write {path}: Graphviz's dot program is not "
                                 f"installed (apt-get install graphviz / brew install "
                                 f"graphviz); write the DOT text instead with -o "
                                 f"{stem}.dot") from None
            raise UsageError(f"cannot write {path}: {e}") from None
    print(summary)
    print(f"wrote {path}")
    return 0
