"""Hessians by forward-over-reverse: exact small cases, a quadratic form, the op table's second
partials against finite differences of its first, symmetry, and SymPy's `hessian` on the
reference cases and on random expressions (SymPy is the independent truth, used in tests only).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bpcalc.errors import InputError, MathError
from bpcalc.ops import OPS, second_index
from helpers import hessian_result

CASES_DIR = Path(__file__).parent / "cases"
RTOL = 1e-8


def _load(name: str) -> list[dict]:
    with open(CASES_DIR / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# ---------------------------------------------------------------- exact cases


@pytest.mark.parametrize("source", ["(a+b)*(b+1)", "c = a + b; d = b + 1; e = c * d"])
def test_seed_hessian_is_exact(source: str) -> None:
    r = hessian_result(source, {"a": "2", "b": "1"})
    assert r.output == ("e" if "=" in source else "v₃")
    assert r.value == 6
    assert r.gradient == {"a": 2, "b": 5}
    assert r.hessian == {"a": {"a": 0, "b": 1}, "b": {"a": 1, "b": 2}}
    assert r.passes == 2


def test_seed_hessian_json() -> None:
    d = hessian_result("(a+b)*(b+1)", {"a": "2", "b": "1"}).to_dict()
    assert list(d) == ["schema", "version", "expression", "inputs", "output", "value",
                       "gradient", "hessian", "cost", "warnings"]
    assert d["schema"] == "bpcalc/hessian" and d["version"] == 2
    assert d["hessian"] == {"a": {"a": 0, "b": 1}, "b": {"a": 1, "b": 2}}
    assert d["cost"]["passes"] == 2
    # the gradient's pass (5 edges), then per input: forward 5 + reverse 2*5 + 2 second terms
    assert d["cost"]["edge_ops"] == 5 + 2 * (15 + 2)
    json.dumps(d, allow_nan=False)


A = [[2.0, -1.0, 3.0], [0.5, 4.0, 1.0], [-2.0, 1.5, 1.0]]
X = ("x", "y", "z")


def test_quadratic_form_hessian_is_a_plus_a_transpose() -> None:
    text = " + ".join(f"{A[i][j]}*{X[i]}*{X[j]}" for i in range(3) for j in range(3))
    r = hessian_result(text, {"x": "0.3", "y": "-1.25", "z": "2"})
    for i in range(3):
        for j in range(3):
            assert r.hessian[X[i]][X[j]] == A[i][j] + A[j][i], (i, j)
    point = (0.3, -1.25, 2.0)
    for i in range(3):  # the gradient of x^T A x is (A + A^T) x
        want = sum((A[i][j] + A[j][i]) * point[j] for j in range(3))
        assert math.isclose(r.gradient[X[i]], want, rel_tol=1e-14)


def test_wrt_picks_and_orders_rows_and_columns() -> None:
    r = hessian_result("x*x*y + sin(z)*y", {"x": "1", "y": "2", "z": "0.5"}, wrt=["z", "x"])
    assert list(r.hessian) == ["z", "x"] and list(r.hessian["z"]) == ["z", "x"]
    assert math.isclose(r.hessian["z"]["z"], -math.sin(0.5) * 2, rel_tol=1e-15)
    assert r.hessian["x"]["x"] == 4 and r.hessian["x"]["z"] == 0
    assert r.passes == 2


def test_repeated_operand_and_reassignment() -> None:
    r = hessian_result("h = x\nh = h*h + h\nh = h*h", {"x": "0.5"})
    # h = (x^2 + x)^2: h'' = 2(2x + 1)^2 + 2(x^2 + x)*2
    x = 0.5
    assert math.isclose(r.hessian["x"]["x"], 2 * (2 * x + 1) ** 2 + 4 * (x * x + x),
                        rel_tol=1e-15)


@pytest.mark.parametrize(("source", "point", "want"), [
    ("x^2", {"x": "0"}, [[2]]),
    ("x^3", {"x": "0"}, [[0]]),
    ("x^1 + x^0", {"x": "0"}, [[0]]),
    ("x^y", {"x": "0", "y": "3"}, [[0, 0], [0, 0]]),
    ("x^y", {"x": "0", "y": "2"}, [[2, 0], [0, 0]]),
    ("x^3", {"x": "-2"}, [[-12]]),
    ("y * x^1.5", {"x": "0", "y": "0"}, [[0, 0], [0, 0]]),  # y = 0 flattens the kink away
])
def test_pow_at_and_below_zero(source: str, point: dict[str, str], want: list) -> None:
    r = hessian_result(source, point)
    names = list(r.inputs)
    assert [[r.hessian[a][b] for b in names] for a in names] == want


def test_x_to_the_zero_has_derivative_zero_at_zero() -> None:
    assert hessian_result("x^0 + x", {"x": "0"}).gradient == {"x": 1}


def test_kinks_have_second_derivative_zero_and_warn() -> None:
    r = hessian_result("relu(x)*x^2 + abs(y)*y + max(x, y)*x", {"x": "0", "y": "0"})
    # relu'' = abs'' = 0 and abs'(0) = relu'(0) = 0; at the tie, max's partials are 0.5 each
    assert r.hessian == {"x": {"x": 1, "y": 0.5}, "y": {"x": 0.5, "y": 0}}
    assert any("kink" in w for w in r.warnings)


@pytest.mark.parametrize(("source", "point", "words"), [
    ("x^1.5", {"x": "0"}, ("node", "pow", "second derivative", "infinite")),
    ("x^y", {"x": "0", "y": "1"}, ("node", "pow", "second derivative", "x and y")),
    ("(1e300*x)*(1e300*x)", {"x": "1e-300"}, ("second derivative", "overflows")),
])
def test_non_finite_second_derivatives_are_math_errors(source, point, words) -> None:
    with pytest.raises(MathError) as err:
        hessian_result(source, point)
    for w in words:
        assert w in str(err.value)
    assert err.value.exit_code == 1


@pytest.mark.parametrize(("kw", "words"), [
    ({"output": ["f", "g"]}, ("--output", "one output")),
    ({"wrt": ["q"]}, ("--wrt", "'q'")),
    ({"output": ["nope"]}, ("unknown output",)),
])
def test_input_errors(kw, words) -> None:
    with pytest.raises(InputError) as err:
        hessian_result("f = x*y; g = x + y", {"x": "1", "y": "2"}, **kw)
    for w in words:
        assert w in str(err.value)
    assert err.value.exit_code == 2


def test_one_named_output_of_several() -> None:
    r = hessian_result("f = x*y; g = sin(x)*y", {"x": "1", "y": "2"}, output=["g"])
    assert r.output == "g"
    assert math.isclose(r.hessian["x"]["x"], -math.sin(1) * 2, rel_tol=1e-15)
    assert r.hessian["x"]["y"] == r.hessian["y"]["x"] == math.cos(1)


# ---------------------------------------------------------------- the op table

# In-domain points away from kinks, per op; a new op without a row here fails below.
POINTS: dict[str, list[tuple[float, ...]]] = {
    "add": [(0.3, -1.2), (2.0, 0.5)],
    "sub": [(0.3, -1.2), (2.0, 0.5)],
    "mul": [(0.3, -1.2), (2.0, 0.5)],
    "div": [(0.3, -1.2), (2.0, 0.5), (-1.5, 2.5)],
    "neg": [(0.3,), (-2.0,)],
    "pow": [(1.3, 2.5), (0.7, -1.5), (2.0, 0.3), (0.4, 3.0)],
    "sin": [(0.3,), (-2.0,), (4.0,)],
    "cos": [(0.3,), (-2.0,), (4.0,)],
    "tan": [(0.3,), (-1.2,), (2.0,)],
    "asin": [(0.3,), (-0.8,)],
    "acos": [(0.3,), (-0.8,)],
    "atan": [(0.3,), (-2.0,)],
    "sinh": [(0.3,), (-2.0,)],
    "cosh": [(0.3,), (-2.0,)],
    "tanh": [(0.3,), (-2.0,)],
    "exp": [(0.3,), (-2.0,)],
    "log": [(0.3,), (2.0,)],
    "log2": [(0.3,), (2.0,)],
    "log10": [(0.3,), (2.0,)],
    "sqrt": [(0.3,), (2.0,)],
    "abs": [(0.3,), (-2.0,)],
    "sigmoid": [(0.3,), (-2.0,), (5.0,)],
    "relu": [(0.3,), (-2.0,)],
    "softplus": [(0.3,), (-2.0,), (5.0,)],
    "max": [(0.3, -1.2), (-2.0, 0.5)],
    "min": [(0.3, -1.2), (-2.0, 0.5)],
    **{c: [(0.3, -1.2), (-2.0, 0.5)] for c in ("lt", "gt", "le", "ge")},
}


def test_every_op_has_points_and_second_partials() -> None:
    assert set(POINTS) == set(OPS)
    for name, op in OPS.items():
        assert len(op.second) == (1 if op.arity == 1 else 3), name


def _partial(op, slot: int, args: tuple[float, ...]) -> float:
    return op.partials[slot](*args, op.value(*args))


@pytest.mark.parametrize("name", sorted(OPS))
def test_second_partials_match_finite_differences_of_partials(name: str) -> None:
    op = OPS[name]
    for args in POINTS[name]:
        out = op.value(*args)
        for s in range(op.arity):
            for q in range(op.arity):
                h = 1e-5 * max(1.0, abs(args[q]))
                up = tuple(a + h if i == q else a for i, a in enumerate(args))
                down = tuple(a - h if i == q else a for i, a in enumerate(args))
                fd = (_partial(op, s, up) - _partial(op, s, down)) / (up[q] - down[q])
                got = op.second[second_index(s, q)](*args, out)
                assert math.isclose(got, fd, rel_tol=1e-6, abs_tol=1e-7), (name, args, s, q)


# ---------------------------------------------------------------- against SymPy

SP_FUNCS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "asin": sp.asin, "acos": sp.acos,
    "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "exp": sp.exp,
    "log": sp.log, "log2": lambda x: sp.log(x, 2), "log10": lambda x: sp.log(x, 10),
    "sqrt": sp.sqrt, "abs": sp.Abs, "sigmoid": lambda x: 1 / (1 + sp.exp(-x)),
    "relu": lambda x: sp.Max(x, 0), "softplus": lambda x: sp.log(1 + sp.exp(x)),
    "max": sp.Max, "min": sp.Min, "pow": lambda x, y: x**y, "pi": sp.pi,
}


def sympy_expr(text: str, names: list[str]) -> sp.Expr:
    """bpcalc expression text -> SymPy: `^` is `**`, bpcalc-only functions are spelled out."""
    local = {**SP_FUNCS, **{n: sp.Symbol(n, real=True) for n in names}}
    return sp.parse_expr(text.replace("^", "**"), local_dict=local)


def sympy_program(text: str, names: list[str]) -> sp.Expr:
    """A straight-line program (`name = expr`, `name op= expr`) -> the last statement's value."""
    env: dict[str, sp.Expr] = {}
    last: sp.Expr = sp.Integer(0)
    for stmt in _statements(text):
        target, op, rhs = _assignment(stmt)
        value = sympy_expr(rhs, [*names, *env]).subs(
            {sp.Symbol(k, real=True): v for k, v in env.items()})
        if op:
            old = env.get(target, sp.Symbol(target, real=True))
            value = {"+": old + value, "-": old - value, "*": old * value, "/": old / value}[op]
        if target:
            env[target] = value
        last = value
    return last


def _statements(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch in "\n;" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += " " if ch == "\n" else ch
    return [s.strip() for s in [*out, cur] if s.strip()]


def _assignment(st: str) -> tuple[str, str, str]:
    """(target or "", augmented operator or "", right-hand side)."""
    for i, ch in enumerate(st):
        if ch == "=" and st[i + 1:i + 2] != "=":
            lhs = st[:i].strip()
            op = lhs[-1] if lhs[-1:] in "+-*/" else ""
            return (lhs[:-1].strip() if op else lhs), op, st[i + 1:]
        if ch in "()":
            break
    return "", "", st


def sympy_hessian(expr: sp.Expr, names: list[str], point: dict[str, str]) -> list[list[float]]:
    syms = [sp.Symbol(n, real=True) for n in names]
    at = {s: sp.Rational(point[n]) for s, n in zip(syms, names)}
    hess = sp.hessian(expr, syms)
    return [[_number(hess[i, j].subs(at).evalf(30)) for j in range(len(names))]
            for i in range(len(names))]


def _number(v: sp.Expr) -> float:
    if not v.is_number or not v.is_real:
        return math.nan
    return float(v)


def assert_close_matrix(got: list[list[float]], want: list[list[float]], what) -> None:
    scale = max([1.0, *(abs(v) for row in want for v in row)])
    for i, row in enumerate(want):
        for j, w in enumerate(row):
            assert math.isclose(got[i][j], w, rel_tol=RTOL, abs_tol=RTOL * scale), \
                (what, i, j, got[i][j], w)


def _matrix(r) -> list[list[float]]:
    return [[r.hessian[a][b] for b in r.wrt] for a in r.wrt]


RANDOM = _load("random.jsonl")
PROGRAMS = [c for c in _load("seed.jsonl") + _load("programs.jsonl")
            if "outputs" not in c and c["id"] != "explosion-20"]  # 3^20 paths: too big for SymPy


@pytest.mark.parametrize("case", RANDOM + PROGRAMS, ids=lambda c: c["id"])
def test_reference_cases_against_sympy(case: dict) -> None:
    r = hessian_result(case["expr"], case["values"])
    if r.warnings:
        pytest.skip("a kink at the point: the second derivative there is a convention")
    names = list(r.wrt)
    translate = sympy_program if case in PROGRAMS else sympy_expr
    want = sympy_hessian(translate(case["expr"], names), names, case["values"])
    assert all(math.isfinite(v) for row in want for v in row), want
    assert_close_matrix(_matrix(r), want, case["id"])
    assert math.isclose(r.value, case["value"], rel_tol=1e-9, abs_tol=1e-9)


def test_most_reference_cases_are_compared() -> None:
    kinked = [c["id"] for c in RANDOM if hessian_result(c["expr"], c["values"]).warnings]
    assert len(kinked) <= 5, kinked


# Random expressions written in text both bpcalc and SymPy read, kept inside their domains.
NAMES = ("x", "y", "w_1")
NUMBERS = ("0.5", "2", "1.5", "3", "0.25")
FORMS = (
    "({a} + {b})", "({a} - {b})", "({a} * {b})", "({a} / ({b}**2 + 0.5))", "(-{a})",
    "({a})**2", "({a})**3", "pow({a}**2 + 0.5, {b})", "sin({a})", "cos({a})",
    "exp(tanh({a}))", "log({a}**2 + 0.25)", "sqrt({a}**2 + 0.5)", "tanh({a})", "atan({a})",
    "pow(exp(tanh({a})), tanh({b}))",
)


@st.composite
def expressions(draw, depth: int = 4) -> str:
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        pool = NAMES + NUMBERS if draw(st.booleans()) else NAMES
        return draw(st.sampled_from(pool))
    form = draw(st.sampled_from(FORMS))
    return form.format(a=draw(expressions(depth - 1)), b=draw(expressions(depth - 1)))


@st.composite
def problems(draw) -> tuple[str, dict[str, str]]:
    text = draw(expressions())
    text += " + 0.25*x*y*w_1"  # every name is an input, and the Hessian has cross terms
    values = st.floats(-2.0, 2.0, allow_nan=False).map(lambda v: repr(round(v, 3)))
    return text, {n: draw(values) for n in NAMES}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_expressions_against_sympy_and_symmetric(problem) -> None:
    text, point = problem
    try:
        r = hessian_result(text, point)
    except MathError:
        assume(False)
        return
    m = _matrix(r)
    scale = max([1.0, *(abs(v) for row in m for v in row)])
    for i in range(3):
        for j in range(i):
            assert math.isclose(m[i][j], m[j][i], rel_tol=1e-10, abs_tol=1e-12 * scale)
    names = list(r.wrt)
    want = sympy_hessian(sympy_expr(text, names), names, point)
    assume(scale < 1e12)  # rounding in the graph grows with the magnitudes in it
    assert_close_matrix(m, want, text)
