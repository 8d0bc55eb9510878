"""Property test: on random expressions over the whole function set, forward, reverse and
sum-over-paths agree with each other, and with central finite differences of the values the
engine itself computes.

Expressions are built so they stay in their domain (log/sqrt of abs(..)+0.5, asin/acos of
tanh(..)*0.9, division by abs(..)+0.5, exp/sinh/cosh of bounded arguments, ...); points where
the engine still raises a MathError, or reports a kink, are skipped.
"""

from __future__ import annotations

import math
import re
import sys

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bpcalc.errors import MathError
from helpers import grad

NAMES = ("x", "y", "w_1")
NUMBERS = ("0.5", "2", "1.5", "3", ".25", "1e-1", "0.75", "2.5E-1", "pi")
EPS = sys.float_info.epsilon
LIMIT = 1000

# Plain one-argument functions, defined and smooth enough everywhere.
PLAIN = ("sin", "cos", "atan", "tanh", "sigmoid", "softplus", "abs", "relu")


def _wrap(kind: str, a: str, b: str) -> str:
    """Turn operands a, b (already text) into an in-domain expression of the given kind."""
    bounded = f"tanh({a})"
    return {
        "add": f"({a} + {b})",
        "sub": f"({a} - {b})",
        "mul": f"({a} * {b})",
        "div": f"({a} / (abs({b}) + 0.5))",
        "neg": f"(-{a})",
        "pos": f"(+{a})",
        "sq": f"({a})**2",
        "cube": f"({a})^3",
        "negpow": f"(abs({a}) + 0.5)**-1.5",
        "varpow": f"(abs({a}) + 0.5)^(tanh({b})*2)",
        "pow": f"pow(exp({bounded}), {b})",
        "pow2": f"pow(abs({a}) + 0.5, sin({b}))",
        "tan": f"tan({bounded}*1.2)",
        "exp": f"exp({bounded}*2)",
        "sinh": f"sinh({bounded}*2)",
        "cosh": f"cosh(sin({a})*2)",
        "log": f"log(abs({a}) + 0.5)",
        "log2": f"log2(abs({a}) + 0.5)",
        "log10": f"log10(abs({a}) + 0.5)",
        "sqrt": f"sqrt(abs({a}) + 0.5)",
        "asin": f"asin({bounded}*0.9)",
        "acos": f"acos(sin({a})*0.9)",
        "max": f"max({a}, {b})",
        "min": f"min({a}, {b})",
        **{f: f"{f}({a})" for f in PLAIN},
    }[kind]


KINDS = ("add", "sub", "mul", "div", "neg", "pos", "sq", "cube", "negpow", "varpow", "pow",
         "pow2", "tan", "exp", "sinh", "cosh", "log", "log2", "log10", "sqrt", "asin", "acos",
         "max", "min", *PLAIN)


@st.composite
def expressions(draw, names: tuple[str, ...], depth: int = 4) -> str:
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(names + NUMBERS if draw(st.booleans()) else names))
    kind = draw(st.sampled_from(KINDS))
    a = draw(expressions(names, depth - 1))
    b = draw(expressions(names, depth - 1))
    return _wrap(kind, a, b)


@st.composite
def problems(draw) -> tuple[str, dict[str, float]]:
    k = draw(st.integers(1, 3))
    names = NAMES[:k]
    text = draw(expressions(names))
    # Every given name must be an input: add the ones the expression does not read.
    for n in names:
        if not re.search(rf"\b{n}\b", text):
            text = f"{text} + 0.25*{n}"
    point = {n: draw(st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)) for n in names}
    return text, point


def _grad(text: str, point: dict[str, float], **kw):
    try:
        return grad(text, {n: repr(v) for n, v in point.items()}, **kw)
    except MathError:
        assume(False)
        raise AssertionError("unreachable") from None


KINK_OPS = ("abs", "relu", "max", "min")


def _kink_distance(result) -> float:
    """How far the point is from the nearest kink: |operand| of abs/relu, the gap of max/min.

    Operands are read from each node's `expr` (ids of other nodes, or folded numbers).
    """
    values = {n.id: n.value for n in result.nodes}
    dist = math.inf
    for n in result.nodes:
        if n.op not in KINK_OPS:
            continue
        inner = n.expr[n.expr.index("(") + 1:-1]
        args = [values[t] if t in values else float(t) for t in inner.split(", ")]
        dist = min(dist, abs(args[0]) if len(args) == 1 else abs(args[0] - args[1]))
    return dist


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_modes_agree_with_each_other_and_finite_differences(problem) -> None:
    text, point = problem
    rev = _grad(text, point, mode="reverse")
    assume(not rev.warnings)  # a kink: the derivative there is a convention, not a limit
    fwd = _grad(text, point, mode="forward")
    pth = _grad(text, point, mode="paths", limit=LIMIT)
    (out,) = rev.outputs
    assert fwd.outputs == pth.outputs == rev.outputs
    assert set(rev.jacobian[out]) == set(point)
    assert set(fwd.jacobian[out]) == set(point)
    assert set(pth.jacobian[out]) == set(point)
    value = rev.values[out]
    assert math.isfinite(value)
    assert fwd.values[out] == value == pth.values[out]

    total = sum(pth.path_counts[out].values())
    if total <= LIMIT:
        assert not pth.paths_truncated
        assert len(pth.paths) == total
    else:
        assert pth.paths_truncated

    # A kink within reach of the finite-difference step makes it inaccurate (O(h), not O(h^2)).
    assume(_kink_distance(rev) > 1e-4)
    # Magnitudes in the graph bound the rounding error of a finite difference.
    scale = max(abs(n.value) for n in rev.nodes)
    assume(scale < 1e6)

    for name, x in point.items():
        g_rev = rev.jacobian[out][name]
        g_fwd = fwd.jacobian[out][name]
        assert _close(g_fwd, g_rev), (name, g_fwd, g_rev)
        if not pth.paths_truncated:
            g_pth = pth.jacobian[out][name]
            assert _close(g_pth, g_rev), (name, g_pth, g_rev)
            listed = sum(p.product for p in pth.paths if p.input == name)
            assert _close(listed, g_rev), (name, listed, g_rev)

        h = 1e-6 * max(1.0, abs(x))
        plus = _grad(text, {**point, name: x + h}, mode="reverse")
        minus = _grad(text, {**point, name: x - h}, mode="reverse")
        # A kink between x-h and x+h makes the difference quotient meaningless: skip when
        # the derivative itself jumps across the step, or a kink is hit exactly.
        assume(not plus.warnings and not minus.warnings)
        g_plus, g_minus = plus.jacobian[out][name], minus.jacobian[out][name]
        assume(abs(g_plus - g_minus) <= 1e-3 * (1.0 + abs(g_rev)))
        fd = (plus.values[out] - minus.values[out]) / ((x + h) - (x - h))
        tol = 1e-5 * abs(g_rev) + 1e-6 + 64 * EPS * scale / h
        assert abs(fd - g_rev) <= tol, (text, point, name, fd, g_rev)


def test_generator_covers_the_function_set() -> None:
    # Every function of the spec and every operator appears in some generated form.
    spec = ("sin cos tan asin acos atan sinh cosh tanh exp log log2 log10 sqrt abs sigmoid relu "
            "softplus pow max min").split()
    texts = " ".join(_wrap(k, "A", "B") for k in KINDS)
    for f in spec:
        assert re.search(rf"\b{f}\(", texts), f
    for op in (" + ", " - ", " * ", " / ", "**", "^", "(-", "(+"):
        assert op in texts, op
    assert "pi" in NUMBERS
