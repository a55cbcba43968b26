"""Derivatives explained: the four ways to differentiate compared on one function.

* :func:`derivatives` — symbolic (SymPy), numerical (central and forward differences),
  forward-mode and reverse-mode AD, and your manual formula, side by side with their
  differences (``order=2`` for second derivatives);
* :mod:`chainrule.explain.expr` — the safe expression language (``parse``) that the formulas
  and the ``chainrule diff`` / ``chainrule graph`` commands use.
"""

from .expr import Expression, ExpressionError, parse
from .fourways import Derivative, DerivativeReport, Method, derivatives

__all__ = ["Derivative", "DerivativeReport", "Expression", "ExpressionError", "Method",
           "derivatives", "parse"]
