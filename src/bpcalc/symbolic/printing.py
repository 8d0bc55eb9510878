"""SymPy expressions -> text in bpcalc's language, LaTeX, floats; tidying within a size."""

from __future__ import annotations

import math
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

MAX_CHARS = 10_000  # a longer exact string or formula is left out (None), not printed
SORTED_SIZE = 300  # print sums in the usual order up to this many tree nodes
TIDY_SIZE = 150  # simplify only expressions of at most this many tree nodes


class _Printer(StrPrinter):
    """SymPy's text, but in bpcalc's language where it can be: exp(1) not E, abs not Abs."""

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "exp(1)"

    def _print_Abs(self, expr: sp.Expr) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr: sp.Expr) -> str:  # as the op table writes max's
        return f"step({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr: sp.Expr) -> str:
        return _indicators(self, expr, "({})", "*")


def tree_size(expr: sp.Expr, limit: int) -> int:
    """Nodes of the expression as a tree (a shared subexpression counts at every use), counted
    over the DAG without recursion and capped at limit + 1: printing or simplifying a tree
    costs at least this much, and nested programs make trees exponentially large."""
    sizes: dict[int, int] = {}
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if id(e) in sizes:
            continue
        if ready or not e.args:
            sizes[id(e)] = min(limit + 1, 1 + sum(sizes[id(a)] for a in e.args))
        else:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if id(a) not in sizes)
    return sizes[id(expr)]


def _order(expr: sp.Expr, max_chars: int) -> str | None:
    """The printing order, or None when the expression would print longer than max_chars.

    SymPy sorts a sum's terms by value, evaluating every term numerically at each level:
    exponential on nested numbers. Past a few hundred nodes terms keep their stored order."""
    size = tree_size(expr, max_chars)
    if size > max_chars:  # every node prints at least one character: too long, skip it
        return None
    return "lex" if size <= SORTED_SIZE else "none"


def text(expr: sp.Expr, max_chars: int = MAX_CHARS) -> str | None:
    """`a + 2*b + 1`, `sqrt(3)/2`, `x^2` (bpcalc writes powers with ^); None when too long."""
    order = _order(expr, max_chars)
    if order is None:
        return None
    s = _Printer({"order": order}).doprint(expr).replace("**", "^")
    return s if len(s) <= max_chars else None


def latex(expr: sp.Expr, max_chars: int = MAX_CHARS,
          names: dict[sp.Symbol, str] | None = None) -> str | None:
    """`names`: each symbol's LaTeX, as the factored formulas write it (formulas/tex.py)."""
    order = _order(expr, max_chars)
    if order is None:
        return None
    s = _LatexPrinter({"order": order, "symbol_names": names or {}}).doprint(expr)
    return s if len(s) <= max_chars else None


class _LatexPrinter(LatexPrinter):  # type: ignore[misc]  # SymPy has no type hints (Any)
    r"""SymPy's LaTeX with relu's and max's pieces as indicators, as formulas.py writes
    them: `x \mathbb{1}[x > 0]`, `\operatorname{step}(t)`; never `cases` or θ."""

    def _print_Heaviside(self, expr: sp.Expr, exp: Any = None) -> str:
        s = rf"\operatorname{{step}}\left({self._print(expr.args[0])}\right)"
        return s if exp is None else f"{s}^{{{exp}}}"

    def _print_Piecewise(self, expr: sp.Expr) -> str:
        return _indicators(self, expr, r"\mathbb{{1}}\left[{}\right]", " ")


def _indicators(printer: Any, expr: sp.Expr, indicator: str, times: str) -> str:
    """A piecewise expression (relu's value and derivative) as the op table writes it: each
    piece times the indicator of its condition, `x*(x > 0)`, `(x > 0)` for a piece of 1;
    a last piece of 0 (`True`) left out."""
    terms = []
    for e, c in expr.args:
        if c is sp.true:
            if e != 0:
                terms.append(printer._print(e))
            break
        cond = indicator.format(printer._print(c))
        terms.append(cond if e == 1 else f"{printer.parenthesize(e, 50)}{times}{cond}")
    return " + ".join(terms) if terms else "0"


def tidy(expr: sp.Expr, max_size: int = TIDY_SIZE) -> sp.Expr:
    """SymPy's simplify on expressions of at most `max_size` tree nodes (simplify's cost
    grows fast: minutes for a few hundred nodes of nested sin), kept only when it prints no
    longer: simplify's own measure turns 1/10 + log(7)/log(2) into
    log(564950498)/(10*log(2))."""
    if tree_size(expr, max_size) > max_size:
        return expr
    simpler = sp.simplify(expr)
    return simpler if len(str(simpler)) <= len(str(expr)) else expr


def to_float(expr: sp.Expr) -> float | None:
    """The double nearest an exact real number; None when it is not a finite real."""
    try:
        re, im = sp.N(expr, 30).as_real_imag()
        re_f = float(re)
        if not math.isfinite(re_f) or abs(float(im)) > 1e-20 * (1.0 + abs(re_f)):
            return None
        return re_f
    except (TypeError, ValueError):
        return None


