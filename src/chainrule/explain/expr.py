"""A small, safe expression language for formulas such as ``"x**2 * sin(y)"``.

The text is parsed with Python's :mod:`ast` and checked against a whitelist: numbers, variable
names, ``+ - * / **`` (and unary ``-``/``+``), parentheses, the constants ``pi`` and ``e``, and
calls of the math functions in :data:`FUNCTIONS` by their bare name with the right number of
arguments. Anything else (attribute access, subscripts, strings, lambdas, comprehensions, keyword
arguments, calls of other names, names starting with ``_``, ...) is refused with an
:class:`ExpressionError` that names what is not allowed. Nothing is ever passed to ``eval``: the
checked tree is compiled into

* a function of chainrule tensors (:meth:`Expression.to_function`), built from chainrule's
  differentiable ops, and
* a SymPy expression (:meth:`Expression.to_sympy`, when SymPy is installed: the ``symbolic``
  extra).

>>> e = parse("x**2 * sin(y)")
>>> e.variables
('x', 'y')
>>> round(e.evaluate(x=1.5, y=0.3), 6)
0.664946
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass

import numpy as np

__all__ = ["CONSTANTS", "FUNCTIONS", "Expression", "ExpressionError", "evaluate_constant", "parse"]

MAX_LENGTH = 10_000  # characters
MAX_DEPTH = 200  # nesting levels of the expression tree


class ExpressionError(ValueError):
    """The text is not a valid expression of the language (or uses something not allowed)."""


# ---------------------------------------------------------------- the vocabulary
def _cr():
    import chainrule
    return chainrule


def _softplus(x):
    from chainrule.nn.functional import softplus
    return softplus(x)


def _sympy_sigmoid(sp, x):
    return 1 / (1 + sp.exp(-x))


def _sympy_relu(sp, x):
    return sp.Max(0, x)


def _sympy_softplus(sp, x):
    return sp.log(1 + sp.exp(x))


@dataclass(frozen=True)
class _Function:
    name: str
    arity: int
    chainrule: object  # callable of tensors
    sympy: object  # callable (sympy_module, *args) -> sympy expression
    doc: str


def _unary(name, sympy_name=None, doc=""):
    sympy_name = sympy_name or name
    return _Function(name, 1, lambda x: getattr(_cr(), name)(x),
                     lambda sp, x: getattr(sp, sympy_name)(x), doc)


FUNCTIONS: dict[str, _Function] = {f.name: f for f in [
    _unary("sin"), _unary("cos"), _unary("tan"),
    _unary("asin"), _unary("acos"), _unary("atan"),
    _unary("sinh"), _unary("cosh"), _unary("tanh"),
    _unary("exp"), _unary("log", doc="natural logarithm"),
    _Function("log1p", 1, lambda x: _cr().log1p(x), lambda sp, x: sp.log(1 + x), "log(1 + x)"),
    _Function("expm1", 1, lambda x: _cr().expm1(x), lambda sp, x: sp.exp(x) - 1, "exp(x) - 1"),
    _unary("sqrt"),
    _Function("rsqrt", 1, lambda x: _cr().rsqrt(x), lambda sp, x: 1 / sp.sqrt(x), "1/sqrt(x)"),
    _unary("abs", "Abs"),
    _unary("erf"),
    _Function("sigmoid", 1, lambda x: _cr().sigmoid(x), _sympy_sigmoid, "1/(1 + exp(-x))"),
    _Function("relu", 1, lambda x: _cr().relu(x), _sympy_relu, "max(0, x)"),
    _Function("softplus", 1, _softplus, _sympy_softplus, "log(1 + exp(x))"),
    _Function("pow", 2, lambda x, y: x ** y, lambda sp, x, y: _sympy_pow(sp, x, y), "x**y"),
    _Function("max", 2, lambda x, y: _cr().maximum(x, y), lambda sp, x, y: sp.Max(x, y),
              "the larger of x and y"),
    _Function("min", 2, lambda x, y: _cr().minimum(x, y), lambda sp, x, y: sp.Min(x, y),
              "the smaller of x and y"),
]}

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARYOPS = {ast.USub: "-", ast.UAdd: "+"}

# What is refused, in words (for the error messages).
_REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Slice: "slices",
    ast.Lambda: "lambda functions", ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions", ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings", ast.NamedExpr: "assignment expressions (:=)",
    ast.Starred: "starred arguments (*)", ast.List: "lists", ast.Tuple: "tuples",
    ast.Set: "sets", ast.Dict: "dictionaries", ast.Compare: "comparisons",
    ast.BoolOp: "'and'/'or'", ast.IfExp: "conditional expressions (if/else)",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
}
_BINOP_WORDS = {ast.BitXor: "'^' (write powers as x**2)", ast.FloorDiv: "'//'",
                ast.Mod: "'%'", ast.MatMult: "'@'", ast.LShift: "'<<'", ast.RShift: "'>>'",
                ast.BitOr: "'|'", ast.BitAnd: "'&'"}


def _sympy_pow(sp, base, exponent):
    """``base**exponent``, but never an exact power of two numbers that would be huge."""
    if isinstance(base, sp.Number) and isinstance(exponent, sp.Number):
        b, x = abs(float(base)), abs(float(exponent))
        if not (math.isfinite(b) and math.isfinite(x)) or x * math.log2(b + 2) > 4096:
            return sp.Float(float(base)) ** sp.Float(float(exponent))
    return base ** exponent


# ---------------------------------------------------------------- the checked tree
# Nodes: ("num", value, text) ("const", name) ("var", name) ("neg", a) ("pos", a)
#        ("bin", op, a, b) ("call", name, args)


def _snippet(node, text: str) -> str:
    s = ast.get_source_segment(text, node) or ""
    s = " ".join(s.split())
    return s if len(s) <= 40 else s[:37] + "..."


def _not_allowed(what: str, node, text: str) -> ExpressionError:
    s = _snippet(node, text)
    where = f" ({s!r})" if s and repr(s) not in what else ""
    return ExpressionError(f"not allowed in an expression: {what}{where}. Allowed: numbers, "
                           f"variable names, + - * / **, parentheses and math functions such "
                           f"as sin(x)")


def _check_depth(tree) -> None:
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _convert(node, text: str):
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or v is None or v is Ellipsis:
            raise _not_allowed(f"the constant {v!r}", node, text)
        if isinstance(v, (str, bytes)):
            raise _not_allowed("strings", node, text)
        if isinstance(v, complex):
            raise _not_allowed("complex numbers", node, text)
        if isinstance(v, int) and abs(v) >= 2 ** 53:
            try:
                v = float(v)
            except OverflowError:
                v = math.inf
        return ("num", v, _snippet(node, text) or repr(v))
    if isinstance(node, ast.Name):
        name = node.id
        if name.startswith("_"):
            raise _not_allowed(f"names starting with '_' ({name!r})", node, text)
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function: call it, as in {name}(x)")
        if name in CONSTANTS:
            return ("const", name)
        return ("var", name)
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARYOPS:
            word = "'not'" if isinstance(node.op, ast.Not) else "'~'"
            raise _not_allowed(f"{word}", node, text)
        kind = "neg" if isinstance(node.op, ast.USub) else "pos"
        return (kind, _convert(node.operand, text))
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise _not_allowed(f"{_BINOP_WORDS.get(type(node.op), 'this operator')}",
                               node, text)
        return ("bin", op, _convert(node.left, text), _convert(node.right, text))
    if isinstance(node, ast.Call):
        func = node.func
        if not isinstance(func, ast.Name):
            what = "attribute access" if isinstance(func, ast.Attribute) else \
                "calling anything but a math function by its name"
            raise _not_allowed(what, node, text)
        name = func.id
        if name.startswith("_"):
            raise _not_allowed(f"names starting with '_' ({name!r})", node, text)
        f = FUNCTIONS.get(name)
        if f is None:
            raise ExpressionError(f"unknown function {name!r}: the functions are "
                                  f"{', '.join(sorted(FUNCTIONS))}")
        if node.keywords:
            raise _not_allowed("keyword arguments", node, text)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise _not_allowed("starred arguments (*)", node, text)
        if len(node.args) != f.arity:
            s = "" if f.arity == 1 else "s"
            raise ExpressionError(f"{name}() takes {f.arity} argument{s}, got {len(node.args)}")
        return ("call", name, tuple(_convert(a, text) for a in node.args))
    what = _REFUSED.get(type(node), f"{type(node).__name__} expressions")
    raise _not_allowed(what, node, text)


def _variables(tree) -> tuple[str, ...]:
    out: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = node[0]
        if kind == "var":
            if node[1] not in out:
                out.append(node[1])
        elif kind in ("neg", "pos"):
            stack.append(node[1])
        elif kind == "bin":
            stack.extend((node[3], node[2]))
        elif kind == "call":
            stack.extend(reversed(node[2]))
    return tuple(out)


def parse(text: str) -> Expression:
    """Check ``text`` and return an :class:`Expression`; :class:`ExpressionError` (a
    ``ValueError``) when it is not a valid expression of the language."""
    if isinstance(text, Expression):
        return text
    if not isinstance(text, str):
        raise TypeError(f"an expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    source = text.strip()
    if not source:
        raise ExpressionError("empty expression")
    if "\n" in source or "\r" in source:
        raise ExpressionError("an expression must be on one line")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        msg = (e.msg or "invalid syntax").split(" (")[0]
        raise ExpressionError(f"cannot parse {_short(source)!r}: {msg}{col}") from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as e:
        raise ExpressionError(f"cannot parse {_short(source)!r}: {e}") from None
    _check_depth(tree)
    try:
        converted = _convert(tree.body, source)
    except RecursionError:
        raise ExpressionError("expression too deeply nested") from None
    return Expression(source, converted, _variables(converted))


def _short(s: str) -> str:
    return s if len(s) <= 60 else s[:57] + "..."


def evaluate_constant(text: str) -> float:
    """The value of an expression without variables, e.g. ``"pi/4"`` or ``"-1.5e-3"``."""
    e = parse(text)
    if e.variables:
        raise ExpressionError(f"{text.strip()!r} is not a number or a constant expression "
                              f"(such as 1.5 or pi/4)")
    return e.evaluate()


# ---------------------------------------------------------------- compiled forms
class Expression:
    """A checked expression: ``.text``, ``.variables`` (in order of first appearance),
    ``to_function()``, ``evaluate(**values)``, ``to_sympy()``."""

    def __init__(self, text: str, tree, variables: tuple[str, ...]):
        self.text = text
        self.tree = tree
        self.variables = variables

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def __str__(self) -> str:
        return self.text

    # ---- chainrule
    def to_function(self, variables=None):
        """A function of chainrule tensors (or numbers) taking the variables positionally, in
        the order ``variables`` (default: ``self.variables``), built from chainrule's ops, so
        that every transform (``grad``, ``jvp``, ``hessian``...) applies to it."""
        order = tuple(self.variables if variables is None else variables)
        missing = [v for v in self.variables if v not in order]
        if missing:
            raise ExpressionError(f"no value for {', '.join(missing)}")
        tree = self.tree

        def fn(*args):
            if len(args) != len(order):
                raise TypeError(f"expected {len(order)} arguments ({', '.join(order)}), got "
                                f"{len(args)}")
            return _eval(tree, dict(zip(order, args)))

        fn.__name__ = "expression"
        fn.__qualname__ = "expression"
        fn.__doc__ = f"The expression {self.text!r} of ({', '.join(order)})."
        return fn

    def evaluate(self, values=None, **kwargs) -> float:
        """The value (a float, computed in float64 with chainrule's ops) at the given values."""
        values = {**(values or {}), **kwargs}
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise ExpressionError(f"no value for {', '.join(missing)}")
        cr = _cr()
        with cr.no_grad(), np.errstate(all="ignore"):
            env = {k: cr.tensor(float(values[k]), dtype=cr.float64) for k in self.variables}
            out = _eval(self.tree, env)
        return float(out.item() if isinstance(out, cr.Tensor) else out)

    # ---- sympy
    def to_sympy(self, symbols=None):
        """The SymPy expression (variables are real symbols, or those given in ``symbols``, a
        dict name -> SymPy expression). Needs SymPy (the ``symbolic`` extra)."""
        sp = _sympy()
        symbols = dict(symbols or {})
        for v in self.variables:
            symbols.setdefault(v, sp.Symbol(v, real=True))
        return _to_sympy(self.tree, sp, symbols)

    def symbols(self):
        """The SymPy symbols of the variables, in order."""
        sp = _sympy()
        return tuple(sp.Symbol(v, real=True) for v in self.variables)


def _sympy():
    try:
        import sympy
    except ImportError:
        raise ImportError("symbolic differentiation needs SymPy: pip install "
                          "'chainrule[symbolic]'") from None
    return sympy


def _as_tensor(v):
    cr = _cr()
    if isinstance(v, cr.Tensor):
        return v
    return cr.tensor(float(v), dtype=cr.float64)


def _eval(node, env):
    cr = _cr()
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "const":
        return CONSTANTS[node[1]]
    if kind == "var":
        return env[node[1]]
    if kind == "neg":
        return -_eval(node[1], env)
    if kind == "pos":
        return _eval(node[1], env)
    if kind == "bin":
        a, b = _eval(node[2], env), _eval(node[3], env)
        if not isinstance(a, cr.Tensor) and not isinstance(b, cr.Tensor):
            a = _as_tensor(a)  # two numbers: IEEE arithmetic (1/0 = inf), not Python's
        return _ARITHMETIC[node[1]](a, b)
    if kind == "call":
        f = FUNCTIONS[node[1]]
        args = [_eval(a, env) for a in node[2]]
        if not any(isinstance(a, cr.Tensor) for a in args):
            args[0] = _as_tensor(args[0])
        if f.arity == 1:
            args = [_as_tensor(args[0])]
        return f.chainrule(*args)
    raise AssertionError(kind)


_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
               "**": operator.pow}


def _to_sympy(node, sp, symbols):
    kind = node[0]
    if kind == "num":
        v, text = node[1], node[2]
        if isinstance(v, float) and not math.isfinite(v):
            return sp.oo if v > 0 else (-sp.oo if v < 0 else sp.nan)
        if isinstance(v, int):
            return sp.Integer(v)
        try:
            return sp.Rational(text.replace("_", ""))  # 0.1 -> 1/10: prints as x/10
        except (TypeError, ValueError):
            return sp.Rational(v)
    if kind == "const":
        return sp.pi if node[1] == "pi" else sp.E
    if kind == "var":
        return symbols[node[1]]
    if kind == "neg":
        return -_to_sympy(node[1], sp, symbols)
    if kind == "pos":
        return _to_sympy(node[1], sp, symbols)
    if kind == "bin":
        a, b = _to_sympy(node[2], sp, symbols), _to_sympy(node[3], sp, symbols)
        if node[1] == "**":
            return _sympy_pow(sp, a, b)
        return _ARITHMETIC[node[1]](a, b)
    if kind == "call":
        f = FUNCTIONS[node[1]]
        return f.sympy(sp, *[_to_sympy(a, sp, symbols) for a in node[2]])
    raise AssertionError(kind)
