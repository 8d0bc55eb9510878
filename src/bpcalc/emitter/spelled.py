"""Pieces of an emitted statement, spelled in one language: numbers, a constant power as a
person writes it, the chain rule's factor·weight, and the calls a formula repeats."""

from __future__ import annotations

import re

from ..graphs.graph import Graph
from ..ops import OPS, Code


def literal(x: float, lang: str) -> str:
    r = repr(float(x))
    if lang != "python" and "e" not in r and "." not in r:
        r += ".0"
    return f"({r})" if r.startswith("-") else r


def constant_power(g: Graph, i: int, lang: str) -> Code | None:
    """Node i as x^c with c a number, as a person writes it: no test of c at run time, the
    guard only what c needs (x != 0 for c < 0, x >= 0 for a fraction), x*x for c = 2, and
    c*x^(c-1) with c - 1 worked out; None for any other node."""
    key = g.keys[i]
    if key[0] != "pow" or key[2] >= 0 or key[1] < 0:
        return None
    c = g.consts[~key[2]]
    lit = literal(c, lang)
    whole = c == int(c)
    guard = "" if whole and c >= 0 else "{0} != 0.0" if whole else \
        "{0} >= 0.0" if c > 0 else "{0} > 0.0"
    fn = "math.pow" if lang == "python" else "Math.pow" if lang == "js" else "pow"
    value = "{0} * {0}" if c == 2 else f"{fn}({{0}}, {lit})"
    slope = "0.0" if c == 0 else "1.0" if c == 1 else f"{lit} * {{0}}" if c == 2 else \
        f"{lit} * {fn}({{0}}, {literal(c - 1, lang)})"
    return Code(value, (slope, ""), guard)


def risky(g: Graph, dst: int) -> bool:
    """The local derivatives into node dst can be infinite where the values are finite: a
    row with a domain has partials that blow up at its edge (a root, a logarithm, an
    arcsine at ±1, a power's exponent at 0, a tiny divisor); not a constant power of 0 or
    of 1 and more."""
    key = g.keys[dst]
    if constant_power(g, dst, "c") is not None:
        c = g.consts[~key[2]]
        return 0 < c < 1 or c < 0
    return bool(OPS[key[0]].domain)


def paren(w: str) -> str:
    simple = re.fullmatch(r"[\w.]+|\([^()]*\)|[\w.]+\([^()]*\)", w)
    return w if simple else f"({w})"


def product(factor: str | None, w: str, risky: bool, lang: str) -> str:
    """factor·w with 1s folded (`None` is the seed 1). `risky`: w may be infinite where
    the values are finite; then a zero factor gives 0, as bpcalc's passes take it."""
    if w in ("1.0", "(1.0)"):
        return factor or "1.0"
    if w in ("(-1.0)", "-1.0"):
        return f"-{factor}" if factor else "-1.0"
    if factor is None:
        return w
    if risky and not re.fullmatch(r"\w+|\(?-?[\d.]+\)?", w):
        if lang == "python":
            return f"(0.0 if {factor} == 0.0 else {factor} * {paren(w)})"
        return f"({factor} == 0.0 ? 0.0 : {factor} * {paren(w)})"
    return f"{factor} * {paren(w)}"


def repeated_calls(text: str) -> list[str]:
    """The function calls (`math.exp(-2.0 * math.fabs(n))`) that occur more than once in
    `text`, outermost first."""
    calls = []
    for m in re.finditer(r"[A-Za-z_][\w.]*\(", text):
        depth, end = 0, m.end() - 1
        for end in range(m.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        calls.append(text[m.start():end + 1])
    repeated = [c for c in dict.fromkeys(calls) if text.count(c) > 1]
    return [c for c in repeated if not any(c != d and c in d for d in repeated)]
