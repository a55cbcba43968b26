"""The four ways to differentiate, side by side on one function.

``derivatives(fn, *args, manual=None, order=1)`` computes each derivative of a scalar function

* **symbolically** with SymPy (the ``symbolic`` extra): the derivative's formula and its value,
  evaluated with 30 significant digits;
* **numerically** by central differences (with the step ``h`` used and an error estimate from
  comparing steps ``h`` and ``2h``, Richardson's way) and by forward differences with the same
  step, whose error is of order ``h`` instead of ``h**2``;
* by **forward-mode AD** (``chainrule.jvp``: one forward pass with a tangent per input);
* by **reverse-mode AD** (``chainrule.grad``: one backward pass for all inputs);
* by the user's **manual** formula, when given;

and shows how far each is from reverse-mode AD. With ``order=2`` it does the same for the
second derivatives (the Hessian's entries): symbolic, numerical second differences, and AD as
forward-over-reverse (``chainrule.hessian``), reverse-over-reverse (``jacrev(jacrev(f))``) and
forward-over-forward (``jacfwd(jacfwd(f))``).

Everything is computed in float64.
"""

from __future__ import annotations

import inspect
import math
import re
import textwrap
from dataclasses import dataclass, field

import numpy as np

from .expr import CONSTANTS, Expression, ExpressionError, parse

__all__ = ["Derivative", "DerivativeReport", "Method", "derivatives"]

EPS = float(np.finfo(np.float64).eps)
MAX_INPUTS = {1: 64, 2: 16}  # scalar inputs that a report explains

# method keys, in the order of the table, and their labels
LABELS = {
    "symbolic": "symbolic (SymPy)",
    "central_difference": "central difference",
    "forward_difference": "forward difference",
    "forward_ad": "forward-mode AD (jvp)",
    "reverse_ad": "reverse-mode AD (grad)",
    "forward_over_reverse": "fwd-over-rev AD (hessian)",
    "reverse_over_reverse": "rev-over-rev AD (jacrev^2)",
    "forward_over_forward": "fwd-over-fwd AD (jacfwd^2)",
    "manual": "manual formula",
}
EXACT = ("symbolic", "forward_ad", "reverse_ad", "forward_over_reverse", "reverse_over_reverse",
         "forward_over_forward", "manual")
REFERENCE = {1: "reverse_ad", 2: "reverse_over_reverse"}


# ---------------------------------------------------------------- results
@dataclass
class Method:
    """One way's value for one derivative.

    ``value`` is None when the way is not available (``note`` says why); ``difference`` is
    ``|value - reference|`` (the reference is reverse-mode AD); for the finite differences
    ``step`` is the step h and ``error_estimate`` the estimated error; ``expression`` is the
    symbolic derivative's formula or the manual formula."""

    key: str
    label: str
    value: float | None = None
    difference: float | None = None
    step: float | None = None
    error_estimate: float | None = None
    expression: str | None = None
    note: str = ""

    @property
    def available(self) -> bool:
        return self.value is not None


@dataclass
class Derivative:
    """All the ways' values for one derivative: ``wrt`` is ``("x",)`` for df/dx or
    ``("x", "y")`` for d2f/dxdy. ``entry["central_difference"]`` is that :class:`Method`;
    ``entry.values`` maps each available way to its value."""

    wrt: tuple[str, ...]
    methods: dict[str, Method] = field(default_factory=dict)
    reference: str = "reverse_ad"

    @property
    def label(self) -> str:
        if len(self.wrt) == 1:
            return f"df/d{self.wrt[0]}"
        a, b = self.wrt
        return f"d2f/d{a}2" if a == b else f"d2f/d{a}d{b}"

    @property
    def value(self) -> float | None:
        """The reference value (reverse-mode AD, or the first way that worked)."""
        m = self.methods.get(self.reference)
        return m.value if m is not None else None

    @property
    def values(self) -> dict[str, float]:
        return {k: m.value for k, m in self.methods.items() if m.value is not None}

    def __getitem__(self, key: str) -> Method:
        return self.methods[key]

    def __contains__(self, key: str) -> bool:
        return key in self.methods


class DerivativeReport:
    """What :func:`derivatives` found. ``str(report)`` is the printed report.

    Attributes: ``function`` (the expression, or a description of the Python function),
    ``kind`` (``"expression"`` or ``"function"``), ``names`` (the scalar inputs), ``point``
    (name -> value), ``value`` (f at the point), ``order``, ``entries`` (a list of
    :class:`Derivative`), ``reference`` (the method the differences are taken from),
    ``gradient`` / ``hessian`` (NumPy arrays of the reference values). ``report["x"]`` (or
    ``report["x", "y"]`` / ``report["x,y"]`` for order 2) is one :class:`Derivative`."""

    def __init__(self, function, kind, names, point, value, order, entries, reference, matrix,
                 notes):
        self.function = function
        self.kind = kind  # "expression" or "function"
        self.names = tuple(names)
        self.point = dict(point)
        self.value = value
        self.order = order
        self.entries = entries
        self.reference = reference
        self._matrix = matrix
        self.notes = list(notes)

    @property
    def gradient(self) -> np.ndarray | None:
        return self._matrix if self.order == 1 else None

    @property
    def hessian(self) -> np.ndarray | None:
        return self._matrix if self.order == 2 else None

    def __getitem__(self, key) -> Derivative:
        wrt = _wrt_key(key, self.order)
        if self.order == 2 and wrt not in self._by_wrt():
            wrt = wrt[::-1]
        try:
            return self._by_wrt()[wrt]
        except KeyError:
            raise KeyError(f"no derivative with respect to {key!r}; the inputs are "
                           f"{', '.join(self.names)}") from None

    def _by_wrt(self):
        return {e.wrt: e for e in self.entries}

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def max_difference(self, key: str) -> float:
        """The largest ``|difference from the reference|`` of one way over all entries (nan if
        it is available nowhere)."""
        ds = [e.methods[key].difference for e in self.entries
              if key in e.methods and e.methods[key].difference is not None]
        return max(ds) if ds else math.nan

    def __repr__(self) -> str:
        return (f"<DerivativeReport order={self.order} of {self.function!r} at "
                f"{_point_text(self.point)}>")

    def __str__(self) -> str:
        return _format(self)


def _wrt_key(key, order):
    if isinstance(key, str):
        parts = tuple(p for p in re.split(r"[,\s]+", key.strip()) if p)
    else:
        parts = tuple(key)
    if order == 2 and len(parts) == 1:
        parts = parts * 2
    return parts


# ---------------------------------------------------------------- inputs
@dataclass
class _Inputs:
    description: str
    arg_names: list[str]  # one per argument
    shapes: list[tuple]
    names: list[str]  # one per scalar
    x0: np.ndarray  # all scalars, flat, float64
    fn: object  # function of chainrule tensors, positional arguments
    sympy_builder: object  # () -> (sympy expr, symbols) or raises
    expression: Expression | None

    def split(self, v):
        """The arguments (of shapes ``self.shapes``) from the flat vector ``v``."""
        out, k = [], 0
        for shape in self.shapes:
            n = int(np.prod(shape, dtype=np.int64))
            if shape == ():
                out.append(v[k])
            else:
                out.append(v[k:k + n].reshape(shape))
            k += n
        return out

    def point_args(self):
        """The arguments as floats (scalars) or float64 arrays, for a manual callable."""
        return [float(a) if np.ndim(a) == 0 else np.array(a) for a in self.split(self.x0)]


def _float_value(name, v) -> float:
    import chainrule as cr
    if isinstance(v, cr.Tensor):
        if v.numel() != 1:
            raise ValueError(f"the value of {name} must be a number, got a tensor of shape "
                             f"{list(v.shape)}")
        return float(v.detach().item())
    if isinstance(v, str):
        from .expr import evaluate_constant
        return evaluate_constant(v)
    if isinstance(v, (bool, np.bool_)) or not np.isscalar(v) and np.ndim(v) != 0:
        raise ValueError(f"the value of {name} must be a real number, got {v!r}")
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"the value of {name} must be a real number, got {v!r}") from None
    return f


def _from_expression(expr: Expression, args, values) -> _Inputs:
    if len(args) > 1 or (args and not isinstance(args[0], dict)):
        raise TypeError("for an expression, give the variables' values as a dict or as "
                        "keywords, e.g. derivatives('x**2 * sin(y)', x=1.5, y=0.3)")
    given = {**(args[0] if args else {}), **values}
    if not expr.variables:
        raise ValueError(f"the expression {expr.text!r} has no variables: nothing to "
                         "differentiate")
    for name in given:
        if name not in expr.variables:
            what = "is a constant" if name in CONSTANTS else "is not a variable of it"
            raise ValueError(f"a value is given for {name!r}, but {name!r} {what} "
                             f"(the expression's variables: {', '.join(expr.variables)})")
    missing = [v for v in expr.variables if v not in given]
    if missing:
        raise ValueError(f"no value given for {', '.join(missing)}")
    x0 = np.array([_float_value(v, given[v]) for v in expr.variables], dtype=np.float64)

    def sympy_builder():
        return expr.to_sympy(), expr.symbols()

    names = list(expr.variables)
    return _Inputs(expr.text, names, [()] * len(names), names, x0, expr.to_function(),
                   sympy_builder, expr)


def _from_callable(fn, args, values) -> _Inputs:
    import chainrule as cr
    if values:
        raise TypeError(f"give the inputs of a function positionally, e.g. "
                        f"derivatives(f, 1.5, 0.3); got keywords {', '.join(values)}")
    if not args:
        raise ValueError("no inputs given: call derivatives(f, x, ...) with the point to "
                         "differentiate at")
    arg_names = _param_names(fn, len(args))
    arrays = []
    for name, a in zip(arg_names, args):
        if isinstance(a, cr.Tensor):
            a = a.detach().numpy()
        try:
            arr = np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"input {name} must be a number, an array or a tensor, got "
                            f"{type(a).__name__}") from None
        if arr.size == 0:
            raise ValueError(f"input {name} is empty")
        arrays.append(arr)
    names = []
    for name, arr in zip(arg_names, arrays):
        if arr.ndim == 0:
            names.append(name)
        else:
            names.extend(f"{name}[{','.join(map(str, i))}]" for i in np.ndindex(arr.shape))
    x0 = np.concatenate([a.ravel() for a in arrays])
    scalar = all(a.ndim == 0 for a in arrays)

    def sympy_builder():
        import sympy as sp
        if not scalar:
            raise _NotAvailable("not available for array inputs")
        symbols = tuple(sp.Symbol(n, real=True) for n in arg_names)
        try:
            out = fn(*symbols)
        except Exception as e:  # noqa: BLE001 (the function is not written for SymPy)
            raise _NotAvailable(f"not available: the function does not accept SymPy symbols "
                                f"({type(e).__name__}: {_one_line(e)})") from None
        if not isinstance(out, sp.Expr):
            raise _NotAvailable("not available: the function does not give a SymPy "
                                "expression for SymPy symbols")
        return out, symbols

    name = getattr(fn, "__name__", type(fn).__name__)
    desc = f"{name}({', '.join(arg_names)})"
    return _Inputs(desc, arg_names, [a.shape for a in arrays], names, x0, fn, sympy_builder,
                   None)


def _param_names(fn, n):
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:n]]
    if len(names) < n or len(set(names)) < n:
        names = [f"x{i}" for i in range(n)]
    return names


class _NotAvailable(Exception):
    pass


def _one_line(e) -> str:
    s = " ".join(str(e).split())
    return s if len(s) <= 120 else s[:117] + "..."


# ---------------------------------------------------------------- the ways
def _tensor(v):
    import chainrule as cr
    return cr.tensor(np.asarray(v, dtype=np.float64), dtype=cr.float64)


def _scalar_out(out, what="the function") -> object:
    """``out`` as a 0-d chainrule tensor (or a Python number); an error when it has more than
    one element."""
    import chainrule as cr
    if isinstance(out, cr.Tensor):
        if out.numel() != 1:
            raise ValueError(f"{what} must return a scalar to be explained, got a tensor of "
                             f"shape {list(out.shape)}")
        return out.reshape(()) if out.ndim else out
    if isinstance(out, (int, float, np.number)) and not isinstance(out, bool):
        return out
    if isinstance(out, np.ndarray) and out.size == 1:
        return float(out.reshape(()))
    raise TypeError(f"{what} must return a number or a one-element tensor, got "
                    f"{type(out).__name__}")


def _as_float(x) -> float:
    import chainrule as cr
    if isinstance(x, cr.Tensor):
        return float(x.detach().numpy().reshape(-1)[0])
    return float(np.asarray(x, dtype=np.float64).reshape(-1)[0])


class _Ways:
    """The function of the flat vector of all scalar inputs, and each way to differentiate
    it."""

    def __init__(self, inp: _Inputs):
        self.inp = inp
        self.n = len(inp.x0)
        self._fmax = 0.0

    def g(self, v):
        return _scalar_out(self.inp.fn(*self.inp.split(v)))

    def f(self, x: np.ndarray) -> float:
        import chainrule as cr
        with cr.no_grad():
            return _as_float(self.g(_tensor(x)))

    # ---- automatic
    def reverse(self) -> np.ndarray:
        import chainrule as cr
        return cr.grad(self.g)(_tensor(self.inp.x0)).numpy().reshape(-1)

    def forward(self, i: int) -> float:
        import chainrule as cr
        e = np.zeros(self.n)
        e[i] = 1.0
        _, t = cr.jvp(self.g, (_tensor(self.inp.x0),), (_tensor(e),))
        return _as_float(t)

    def hessian(self, how: str) -> np.ndarray:
        import chainrule as cr
        if how == "forward_over_reverse":
            h = cr.hessian(self.g)
        elif how == "reverse_over_reverse":
            h = cr.jacrev(cr.jacrev(self.g))
        else:
            h = cr.jacfwd(cr.jacfwd(self.g))
        return h(_tensor(self.inp.x0)).numpy().reshape(self.n, self.n)

    # ---- numerical
    def step(self, i: int, order: int, step) -> float:
        x = self.inp.x0[i]
        h = step if step is not None else EPS ** (1 / (2 + order)) * max(1.0, abs(x))
        h = float((x + h) - x)  # a step that is exactly representable around x
        if h == 0 or not math.isfinite(h):
            raise ValueError(f"the step h = {step!r} vanishes next to {x!r}")
        return h

    def _at(self, shifts) -> float:
        x = self.inp.x0.copy()
        for i, d in shifts:
            x[i] += d
        v = self.f(x)
        if math.isfinite(v):
            self._fmax = max(self._fmax, abs(v))
        return v

    def first_differences(self, i, h, f0):
        self._fmax = abs(f0)
        def central(h):
            return (self._at([(i, h)]) - self._at([(i, -h)])) / (2 * h)

        def forward(h):
            return (self._at([(i, h)]) - f0) / h

        c1, c2 = central(h), central(2 * h)
        d1, d2 = forward(h), forward(2 * h)
        noise = 2 * EPS * self._fmax / h  # rounding in f, magnified by 1/h
        # Richardson: D(h) - D(2h) = (2**p - 1) * (error of D(h)), p = 2 (central), 1 (forward)
        return c1, abs(c1 - c2) / 3 + noise, d1, abs(d1 - d2) + noise

    def second_differences(self, i, j, hi, hj, f0):
        self._fmax = abs(f0)
        if i == j:
            def central(h):
                return (self._at([(i, h)]) - 2 * f0 + self._at([(i, -h)])) / (h * h)

            def forward(h):
                return (self._at([(i, 2 * h)]) - 2 * self._at([(i, h)]) + f0) / (h * h)

            c1, c2 = central(hi), central(2 * hi)
            d1, d2 = forward(hi), forward(2 * hi)
            noise = 4 * EPS * self._fmax / (hi * hi)
        else:
            def central(s):
                a, b = s * hi, s * hj
                return (self._at([(i, a), (j, b)]) - self._at([(i, a), (j, -b)])
                        - self._at([(i, -a), (j, b)]) + self._at([(i, -a), (j, -b)])) / (4 * a * b)

            def forward(s):
                a, b = s * hi, s * hj
                return (self._at([(i, a), (j, b)]) - self._at([(i, a)]) - self._at([(j, b)])
                        + f0) / (a * b)

            c1, c2 = central(1), central(2)
            d1, d2 = forward(1), forward(2)
            noise = 4 * EPS * self._fmax / (hi * hj)
        return c1, abs(c1 - c2) / 3 + noise, d1, abs(d1 - d2) + noise


def _sympy_value(expr, subs) -> tuple[float, str]:
    """The value of a SymPy expression at ``subs`` (to 30 digits), as a float, and a note."""
    import sympy as sp
    try:
        val = expr.evalf(30, subs=subs)
        c = complex(val)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return math.nan, "not a real number at this point"
    if c.imag != 0 and abs(c.imag) > 1e-12 * max(1.0, abs(c.real)):
        return math.nan, "complex at this point"
    if val.has(sp.zoo, sp.nan):
        return math.nan, "undefined at this point"
    return c.real, ""


def _format_formula(s: str, limit: int = 300) -> str:
    return s if len(s) <= limit else s[:limit - 3] + "..."


# ---------------------------------------------------------------- manual formulas
def _manual_specs(manual, inp: _Inputs, wrts: list[tuple], order: int) -> dict:
    """wrt -> (description, value or exception)."""
    if manual is None:
        return {}
    point = dict(zip(inp.names, inp.x0))
    index = {n: k for k, n in enumerate(inp.names)}

    def evaluate(item, wrt):
        if isinstance(item, (str, Expression)):
            e = parse(item)
            unknown = [v for v in e.variables if v not in point]
            if unknown:
                raise ExpressionError(
                    f"the manual formula {e.text!r} for {_label(wrt)} uses "
                    f"{', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not "
                    f"an input (inputs: {', '.join(inp.names)})")
            return e.text, e.evaluate({v: point[v] for v in e.variables})
        if callable(item):
            name = getattr(item, "__name__", type(item).__name__)
            return f"{name}(...)", _as_float(np.asarray(_num(item(*inp.point_args()))))
        if isinstance(item, (int, float, np.number)) and not isinstance(item, bool):
            return "a number", float(item)
        raise TypeError(f"a manual formula must be an expression string, a callable or a "
                        f"number, got {type(item).__name__}")

    out = {}
    if isinstance(manual, dict):
        for key, item in manual.items():
            wrt = _wrt_key(key, order)
            if any(w not in index for w in wrt) or len(wrt) != order:
                raise ValueError(f"manual formula for {key!r}: the inputs are "
                                 f"{', '.join(inp.names)}"
                                 + (" (name a second derivative as 'x,y')" if order == 2
                                    else ""))
            if order == 2 and wrt not in wrts:
                wrt = wrt[::-1]
            out[wrt] = evaluate(item, wrt)
        return out
    if isinstance(manual, (list, tuple)):
        if len(manual) > len(wrts):
            raise ValueError(f"{len(manual)} manual formulas for {len(wrts)} derivatives "
                             f"({', '.join(_label(w) for w in wrts)})")
        for wrt, item in zip(wrts, manual):
            if item is not None:
                out[wrt] = evaluate(item, wrt)
        return out
    if callable(manual) and not isinstance(manual, Expression):
        name = getattr(manual, "__name__", type(manual).__name__)
        res = np.asarray(_num(manual(*inp.point_args())), dtype=np.float64).reshape(-1)
        n = len(inp.names)
        if res.size == 1:
            return {wrts[0]: (f"{name}(...)", float(res[0]))}
        if order == 1 and res.size == n:
            return {w: (f"{name}(...)[{k}]", float(res[k])) for k, w in enumerate(wrts)}
        if order == 2 and res.size == n * n:
            mat = res.reshape(n, n)
            return {w: (f"{name}(...)[{index[w[0]]},{index[w[1]]}]",
                        float(mat[index[w[0]], index[w[1]]])) for w in wrts}
        raise ValueError(f"the manual callable returned {res.size} numbers; expected 1, or "
                         f"{n if order == 1 else n * n} (one per "
                         f"{'input' if order == 1 else 'Hessian entry'})")
    return {wrts[0]: evaluate(manual, wrts[0])}


def _num(x):
    """Tensors (and sequences of them) as NumPy values."""
    import chainrule as cr
    if isinstance(x, cr.Tensor):
        return x.detach().numpy()
    if isinstance(x, (list, tuple)):
        parts = [np.asarray(_num(p), dtype=np.float64).reshape(-1) for p in x]
        return np.concatenate(parts) if parts else np.zeros(0)
    return x


def _label(wrt) -> str:
    return Derivative(tuple(wrt)).label


# ---------------------------------------------------------------- the entry point
def derivatives(fn, *args, manual=None, order: int = 1, step: float | None = None,
                verbose: bool = True, **values) -> DerivativeReport:
    """Compare the ways to differentiate ``fn`` at one point, print the report and return it.

    ``fn`` is an expression string such as ``"x**2 * sin(y)"`` (then give the variables' values
    as a dict or as keywords: ``derivatives("x**2 * sin(y)", x=1.5, y=0.3)``) or a Python
    function of chainrule tensors (then give its inputs positionally: numbers, arrays or
    tensors; each element of an array is an input). ``fn`` must return a scalar.

    ``manual``: your own formula(s) for the derivative(s), each an expression string in the same
    language (using the inputs' names), a callable taking the same arguments as ``fn``, or a
    number. A single one is the derivative with respect to the first input (order 1) or the
    first Hessian entry; a list gives them in the report's order; a dict maps input names
    (``"x"``; for order 2 ``"x,y"`` or ``("x", "y")``) to formulas; a callable may also return
    the whole gradient (or Hessian).

    ``order``: 1 (first derivatives) or 2 (second derivatives: the Hessian's entries).
    ``step``: the finite-difference step h (default: ``eps**(1/3) * max(1, |x|)`` for order 1,
    ``eps**(1/4) * max(1, |x|)`` for order 2, about the steps with the smallest error).
    ``verbose``: print the report (default True).

    Returns a :class:`DerivativeReport`; ``str(report)`` is the printed text.
    """
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    if step is not None:
        try:
            ok = not isinstance(step, bool) and math.isfinite(float(step)) and float(step) > 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"step must be a positive number, got {step!r}")
        step = float(step)
    if isinstance(fn, (str, Expression)):
        inp = _from_expression(parse(fn), args, values)
    elif callable(fn):
        inp = _from_callable(fn, args, values)
    else:
        raise TypeError(f"fn must be an expression string or a function, got "
                        f"{type(fn).__name__}")
    n = len(inp.names)
    if n > MAX_INPUTS[order]:
        raise ValueError(f"{n} scalar inputs are too many to explain one by one (at most "
                         f"{MAX_INPUTS[order]} for order {order}); chainrule.testing."
                         f"check_grads checks larger functions")
    with np.errstate(all="ignore"):
        report = _compute(inp, order, manual, step)
    if verbose:
        print(report)
    return report


def _compute(inp: _Inputs, order: int, manual, step) -> DerivativeReport:
    ways = _Ways(inp)
    n = len(inp.names)
    f0 = ways.f(inp.x0)  # also checks that fn gives a scalar
    notes = []
    if not math.isfinite(f0):
        notes.append(f"f is not finite at this point (f = {f0!r}): the derivatives are not "
                     "meaningful")
    if order == 1:
        wrts = [(name,) for name in inp.names]
    else:
        wrts = [(inp.names[i], inp.names[j]) for i in range(n) for j in range(i, n)]
    index = {name: k for k, name in enumerate(inp.names)}
    entries = {w: Derivative(w, reference=REFERENCE[order]) for w in wrts}

    def put(wrt, key, **kw):
        entries[wrt].methods[key] = Method(key, LABELS[key], **kw)

    # symbolic
    sym_note = None
    try:
        import sympy  # noqa: F401
    except ImportError:
        sym_note = "not available: SymPy is not installed (pip install 'chainrule[symbolic]')"
    if sym_note is None:
        try:
            expr, symbols = inp.sympy_builder()
        except _NotAvailable as e:
            sym_note = str(e)
        except Exception as e:  # noqa: BLE001 (SymPy could not handle it)
            sym_note = f"not available: {type(e).__name__}: {_one_line(e)}"
    if sym_note is not None:
        for w in wrts:
            put(w, "symbolic", note=sym_note)
    else:
        import sympy as sp
        subs = {s: sp.Float(float(x), 30) for s, x in zip(symbols, inp.x0)}
        for w in wrts:
            try:
                d = sp.diff(expr, *[symbols[index[v]] for v in w])
                value, note = _sympy_value(d, subs)
                put(w, "symbolic", value=value, expression=_format_formula(sp.sstr(d)),
                    note=note)
            except Exception as e:  # noqa: BLE001 (reported in the table)
                put(w, "symbolic", note=f"failed: {type(e).__name__}: {_one_line(e)}")

    # numerical
    steps = {}
    for i, name in enumerate(inp.names):
        steps[i] = ways.step(i, order, step)
    for w in wrts:
        i, j = index[w[0]], index[w[-1]]
        try:
            if order == 1:
                c, ce, d, de = ways.first_differences(i, steps[i], f0)
                h = steps[i]
            else:
                c, ce, d, de = ways.second_differences(i, j, steps[i], steps[j], f0)
                h = steps[i] if i == j else max(steps[i], steps[j])
            put(w, "central_difference", value=c, step=h, error_estimate=ce)
            put(w, "forward_difference", value=d, step=h, error_estimate=de)
        except Exception as e:  # noqa: BLE001 (reported in the table)
            for key in ("central_difference", "forward_difference"):
                put(w, key, note=f"failed: {type(e).__name__}: {_one_line(e)}")

    # automatic
    matrix = None
    if order == 1:
        for i, w in enumerate(wrts):
            try:
                put(w, "forward_ad", value=ways.forward(i))
            except Exception as e:  # noqa: BLE001 (reported in the table)
                put(w, "forward_ad", note=f"failed: {type(e).__name__}: {_one_line(e)}")
        try:
            g = ways.reverse()
            matrix = g
            for i, w in enumerate(wrts):
                put(w, "reverse_ad", value=float(g[i]))
        except Exception as e:  # noqa: BLE001 (reported in the table)
            for w in wrts:
                put(w, "reverse_ad", note=f"failed: {type(e).__name__}: {_one_line(e)}")
    else:
        for key in ("forward_over_reverse", "reverse_over_reverse", "forward_over_forward"):
            try:
                H = ways.hessian(key)
                if key == REFERENCE[2] or matrix is None:
                    matrix = H
                for w in wrts:
                    put(w, key, value=float(H[index[w[0]], index[w[1]]]))
            except Exception as e:  # noqa: BLE001 (reported in the table)
                for w in wrts:
                    put(w, key, note=f"failed: {type(e).__name__}: {_one_line(e)}")

    # manual
    for w, (desc, value) in _manual_specs(manual, inp, wrts, order).items():
        put(w, "manual", value=float(value), expression=desc)

    # differences from the reference
    out = []
    for w in wrts:
        e = entries[w]
        e.methods = {k: e.methods[k] for k in LABELS if k in e.methods}  # the table's order
        ref = e.methods.get(e.reference)
        if ref is None or ref.value is None:
            fallback = next((k for k in ("forward_over_reverse", "forward_ad", "symbolic")
                             if k in e.methods and e.methods[k].value is not None), None)
            if fallback is not None:
                e.reference = fallback
                ref = e.methods[fallback]
        if ref is not None and ref.value is not None:
            for m in e.methods.values():
                if m.value is not None:
                    same = m is ref or m.value == ref.value  # (also the same infinity)
                    m.difference = 0.0 if same else abs(m.value - ref.value)
        out.append(e)
    point = dict(zip(inp.names, (float(x) for x in inp.x0)))
    if matrix is None:
        matrix = np.full((n,) if order == 1 else (n, n), np.nan)
    kind = "expression" if inp.expression is not None else "function"
    return DerivativeReport(inp.description, kind, inp.names, point, f0, order, out,
                            REFERENCE[order], np.asarray(matrix, dtype=np.float64), notes)


# ---------------------------------------------------------------- the text
def _point_text(point) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in point.items())


def _num_text(v) -> str:
    if v is None:
        return "-"
    return repr(float(v))


def _diff_text(d) -> str:
    if d is None:
        return ""
    if d == 0:
        return "0"
    return f"{d:.1e}"


def _mismatch(m: Method, ref: Method | None) -> bool:
    if ref is None or m.difference is None or ref.value is None:
        return False
    if not math.isfinite(m.difference):
        return math.isfinite(ref.value) or math.isfinite(m.value)
    return m.difference > 1e-7 * max(1.0, abs(ref.value))


def _format(r: DerivativeReport) -> str:
    lines = []
    args = ", ".join(r.names) if len(r.names) <= 6 else f"{r.names[0]}, ..., {r.names[-1]}"
    if r.kind == "function":
        lines.append(f"f = the Python function {r.function}")
    else:
        lines.append(f"f({args}) = {r.function}")
    lines.append(f"at {_point_text(r.point)}:  f = {r.value!r}   (float64)")
    what = "first derivatives" if r.order == 1 else "second derivatives"
    ref_label = LABELS[r.reference].split(" (")[0]
    lines.append(f"{what}; |diff| is the distance from {ref_label}")
    warnings = []
    for e in r.entries:
        lines.append("")
        lines.append(e.label)
        sym = e.methods.get("symbolic")
        if sym is not None and sym.expression:
            lines.append(f"  symbolic: {e.label} = {sym.expression}")
        man = e.methods.get("manual")
        if man is not None and man.expression:
            lines.append(f"  manual:   {e.label} = {man.expression}")
        lines.append(f"  {'method':<28}{'value':<25}|diff|")
        ref = e.methods.get(e.reference)
        for key, m in e.methods.items():
            if m.value is None:
                lines.append(f"  {m.label:<28}{m.note}")
                continue
            diff = "(reference)" if key == e.reference else _diff_text(m.difference)
            extra = ""
            if m.step is not None:
                extra = f"h = {m.step:.2e}, est. error {m.error_estimate:.1e}"
            elif m.note:
                extra = m.note
            flag = ""
            if key in EXACT and key != e.reference and _mismatch(m, ref):
                flag = "  <-- differs"
                if key == "manual":
                    warnings.append(f"the manual formula for {e.label} differs from "
                                    f"{ref_label} by {_diff_text(m.difference)}: check it")
                else:
                    warnings.append(f"{m.label} differs from {ref_label} for {e.label} by "
                                    f"{_diff_text(m.difference)}")
            if (key == "central_difference" and ref is not None and ref.value is not None
                    and m.difference is not None and math.isfinite(ref.value)
                    and m.difference > max(100 * m.error_estimate,
                                           1e-6 * max(1.0, abs(ref.value)))):
                flag = "  <-- far off"
                warnings.append(
                    f"{ref_label} and the central difference disagree on {e.label} by "
                    f"{_diff_text(m.difference)}, far more than the difference's estimated "
                    f"error: the function may leave chainrule's graph (math.sin, float(), "
                    f".item() or NumPy on a tensor), or not be differentiable here")
            lines.append(f"  {m.label:<28}{_num_text(m.value):<25}{diff:<12}"
                         f"{extra}{flag}".rstrip())
    lines.append("")
    if r.order == 1:
        text = ("central difference: (f(x+h) - f(x-h)) / 2h, error O(h^2); forward "
                "difference: (f(x+h) - f(x)) / h, error O(h); est. error: from steps h and 2h "
                "(Richardson), plus rounding.")
    else:
        text = ("central second difference: (f(x+h) - 2f(x) + f(x-h)) / h^2, error O(h^2); "
                "forward: (f(x+2h) - 2f(x+h) + f(x)) / h^2, error O(h); mixed entries step "
                "both inputs; est. error: from steps h and 2h, plus rounding.")
    text += (" AD and symbolic differentiation are exact up to float64 rounding; finite "
             "differences are not.")
    lines.extend(textwrap.wrap(text, 92))
    for note in r.notes + warnings:
        lines.extend(textwrap.wrap(note, 92, initial_indent="! ", subsequent_indent="  "))
    return "\n".join(line.rstrip() for line in lines)

