"""The SymPy translation: one rule per op, exact constants and values, --exact, symbolic
gradients and `diff`, LaTeX, the time budget, and the renderers of these results."""

from __future__ import annotations

import io
import json
import math
import time

import pytest
import sympy as sp
from rich.console import Console

from bpcalc.analysis import load
from bpcalc.errors import InputError, MathError
from bpcalc.ops import OPS
from bpcalc.render import json_text, symbolic_view
from bpcalc.symbolic import budget, printing
from bpcalc.symbolic import translate as symbolic
from helpers import derive, exact, grad

SEED = "c = a + b; d = b + 1; e = c * d"  # the seed in the article's names
SEED_PROGRAM = "c = a + b; d = b + 1; e = c * d"
SEED_POINT = {"a": "2", "b": "1"}
CHAIN_200 = "y = x\n" + "y = sin(y)*y + y\n" * 200

# One row per op: a point inside its domain (exact texts) for the table tests below.
POINTS = {
    "add": ("1/3", "2"), "sub": ("1/3", "2"), "mul": ("1/3", "2"), "div": ("1/3", "2"),
    "neg": ("1/3",), "pow": ("3/2", "5/4"), "sin": ("1/3",), "cos": ("1/3",), "tan": ("1/3",),
    "asin": ("1/3",), "acos": ("1/3",), "atan": ("1/3",), "sinh": ("1/3",), "cosh": ("1/3",),
    "tanh": ("1/3",), "exp": ("1/3",), "log": ("1/3",), "log2": ("1/3",), "log10": ("1/3",),
    "sqrt": ("1/3",), "abs": ("-1/3",), "sigmoid": ("-1/3",), "relu": ("1/3",),
    "softplus": ("-1/3",), "max": ("1/3", "2"), "min": ("1/3", "2"),
    "lt": ("1/3", "2"), "gt": ("1/3", "2"), "le": ("2", "1/3"), "ge": ("2", "1/3"),
}


def _call(op: str, args: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """`op(x, y)` in bpcalc's language (binary operators as functions of two inputs)."""
    names = ["x", "y"][: len(args)]
    infix = {"add": "+", "sub": "-", "mul": "*", "div": "/", "lt": "<", "gt": ">", "le": "<=",
             "ge": ">="}
    if op in infix:
        text = f"x {infix[op]} y"
    elif op == "neg":
        text = "-x"
    else:
        text = f"{op}({', '.join(names)})"
    return text, dict(zip(names, args))


# --- the translation table -------------------------------------------------------------

def test_every_op_has_a_rule():
    assert symbolic.missing_rules() == []
    assert set(POINTS) == set(OPS)  # the table of test points covers every op too


def test_a_missing_rule_fails_loudly_naming_the_op(monkeypatch):
    monkeypatch.delitem(symbolic.RULES, "softplus")
    assert symbolic.missing_rules() == ["softplus"]
    with pytest.raises(symbolic.MissingRuleError, match="'softplus'"):
        symbolic.prepare(load("softplus(x) + 1"), None, None, None)


@pytest.mark.parametrize("op", sorted(POINTS))
def test_each_rule_and_its_derivatives_match_the_op_table(op):
    """SymPy's value and diff of each rule agree with ops.py's value and partials."""
    text, point = _call(op, POINTS[op])
    r = grad(text, point)
    ex = exact(text, point, budget=None)
    assert ex.status == "ok"
    (out,) = r.outputs
    value = float(sp.N(_parse_exact(ex.values[out]), 30))
    assert math.isclose(value, r.values[out], rel_tol=1e-14, abs_tol=1e-15)
    for e_float, (_, _, e_exact) in zip(r.edges, ex.edges):
        got = float(sp.N(_parse_exact(e_exact), 30))
        assert math.isclose(got, e_float.value, rel_tol=1e-13, abs_tol=1e-15), (op, e_exact)


def _parse_exact(s: str | None) -> sp.Expr:
    """Read an exact string back with bpcalc's own parser (no sympify)."""
    assert s is not None
    return symbolic.exact_value(s)


@pytest.mark.parametrize(("text", "point", "edges"), [
    ("relu(x)", {"x": "0"}, ["0"]),
    ("abs(x)", {"x": "0"}, ["0"]),
    ("max(x, y)", {"x": "1/2", "y": "1/2"}, ["1/2", "1/2"]),
    ("min(x, y)", {"x": "1/2", "y": "1/2"}, ["1/2", "1/2"]),
])
def test_exact_kink_conventions_match_ops(text, point, edges):
    ex = exact(text, point, budget=None)
    assert [e[2] for e in ex.edges] == edges
    assert [e.value for e in grad(text, point).edges] == [float(sp.Rational(s)) for s in edges]


# --- exact constants and values ---------------------------------------------------------

@pytest.mark.parametrize(("text", "want"), [
    ("1/3", sp.Rational(1, 3)), ("-1/3", sp.Rational(-1, 3)), ("pi/4", sp.pi / 4),
    ("0.1", sp.Rational(1, 10)), ("1e-3", sp.Rational(1, 1000)), ("sqrt(2)", sp.sqrt(2)),
    ("2^-2", sp.Rational(1, 4)), ("exp(1)", sp.E), ("log(2)", sp.log(2)), ("sin(1)", sp.sin(1)),
    ("0.1 + 0.2", sp.Rational(3, 10)),
])
def test_exact_values_from_value_text(text, want):
    assert symbolic.exact_value(text) == want


def test_value_text_errors_are_input_errors():
    with pytest.raises(InputError, match="x"):
        symbolic.exact_value("y + 1", "x")
    with pytest.raises(InputError):
        symbolic.exact_value("1 +", "x")


def test_folded_constants_stay_exact():
    ex = exact("x*log2(7) + tanh(sin(1))*x + 0.1*x + pi*x", {"x": "1"}, budget=None)
    nodes = dict(ex.nodes)
    assert "log(7)/log(2)" in nodes.values()
    assert "tanh(sin(1))" in nodes.values()
    assert "1/10" in nodes.values() and "pi" in nodes.values()


def test_names_are_plain_symbols_never_sympified():
    """E, I, S and N are ordinary input names, not SymPy's e, imaginary unit or singletons."""
    dv = derive("E*I + S*N", budget=None)
    got = {p.wrt: p.inputs.text for p in dv.partials}
    assert got == {"E": "I", "I": "E", "S": "N", "N": "S"}


# --- --exact ----------------------------------------------------------------------------

def test_seed_exact():
    ex = exact(SEED, SEED_POINT, budget=None)
    d = ex.to_dict()
    assert d["value"] == "6" and d["gradient"] == {"a": "2", "b": "5"}
    assert [(n["id"], n["exact"]) for n in d["nodes"]] == [
        ("a", "2"), ("b", "1"), ("c", "3"), ("d", "2"), ("e", "6")]
    assert [e["exact"] for e in d["edges"]] == ["1", "1", "1", "2", "3"]
    assert [n["adjoint"]["e"] for n in d["nodes"]] == ["2", "5", "2", "3", "1"]


def test_rationals_stay_rational():
    ex = exact("x*x", {"x": "1/3"}, budget=None)
    assert ex.inputs == {"x": "1/3"}
    assert ex.values == {"v₁": "1/9"} and ex.jacobian == {"v₁": {"x": "2/3"}}
    assert [e[2] for e in ex.edges] == ["1/3", "1/3"]  # x*x: two edges, one per operand


def test_irrationals_stay_exact():
    ex = exact("sin(x)", {"x": "pi/6"}, mode="forward", budget=None)
    assert ex.values == {"v₁": "1/2"} and ex.jacobian == {"v₁": {"x": "sqrt(3)/2"}}
    assert ex.tangents == ({"x": "1"}, {"x": "sqrt(3)/2"}) and ex.adjoints is None


def test_exact_merge_puts_exact_strings_beside_numbers():
    merged = exact(SEED, SEED_POINT, budget=None).merge(grad(SEED, SEED_POINT).to_dict())
    keys = list(merged)
    assert keys[keys.index("gradient") + 1] == "gradient_exact"
    assert keys[keys.index("inputs") + 1] == "inputs_exact"
    assert list(merged["nodes"][2]) == ["id", "op", "expr", "value", "exact", "adjoint",
                                        "adjoint_exact"]
    assert merged["edges"][3] == {"from": "c", "to": "e", "local": "d", "value": 2.0,
                                  "exact": "2"}
    assert merged["gradient_exact"] == {"a": "2", "b": "5"} and merged["exact_status"] == "ok"
    json.loads(json_text.render(merged))


def test_exact_raises_the_engines_errors():
    with pytest.raises(MathError):
        exact("log(x)", {"x": "-1"})
    with pytest.raises(InputError):
        exact("x + y", {"x": "1"})


# --- symbolic gradients and diff ---------------------------------------------------------

def test_seed_program_expanded_in_the_inputs():
    dv = derive(SEED_PROGRAM, budget=None)
    assert dv.status == "ok" and dv.point is None
    assert dv.partial("e", "b").inputs.text == "a + 2*b + 1"
    assert dv.partial("e", "a").inputs.text == "b + 1"


def test_seed_latex():
    dv = derive(SEED, budget=None)
    assert [p.inputs.latex for p in dv.partials] == ["b + 1", "a + 2 b + 1"]


def test_symbolic_gradient_at_a_point():
    dv = derive("sin(x)*y", {"x": "pi/6", "y": "2"}, budget=None)
    x = dv.partial("v₂", "x")
    assert x.inputs.text == "y*cos(x)" and x.inputs.exact == "sqrt(3)"
    assert x.inputs.value == pytest.approx(math.sqrt(3), rel=1e-15)
    assert dv.point == {"x": "pi/6", "y": "2"}
    assert dv.partial("v₂", "y").inputs.exact == "1/2"


def test_diff_wrt_and_outputs():
    dv = derive("r = sqrt(x*x + y*y); phi = atan(y/x)", wrt=["y"], outputs=["r", "phi"],
                budget=None)
    assert [(p.output, p.wrt) for p in dv.partials] == [("r", "y"), ("phi", "y")]
    assert dv.partial("r", "y").inputs.text == "y/sqrt(x^2 + y^2)"
    assert dv.partial("phi", "y").inputs.text == "1/(x*(1 + y^2/x^2))"  # no simplify


def test_square():
    assert derive("c*c", budget=None).partials[0].inputs.text == "2*c"


def test_kinks_print_as_indicators_never_piecewise():
    dv = derive("relu(x)*y + max(x, y)", budget=None)
    x = dv.partial(dv.outputs[0], "x").inputs
    assert x.text == "y*(x > 0) + step(x - y)"
    assert "Piecewise" not in (x.latex or "") and "cases" not in (x.latex or "")
    assert r"\mathbb{1}" in (x.latex or "") and r"\operatorname{step}" in (x.latex or "")


def test_text_is_bpcalcs_language():
    assert printing.text(sp.E * sp.Abs(sp.Symbol("x")) ** 2) == "exp(1)*abs(x)^2"


# --- the time budget ---------------------------------------------------------------------

def _sleeper(first: object = None):
    def job():
        if first is not None:
            yield first
        time.sleep(30)
        yield "late"
    return job


def test_budget_stops_a_job_and_keeps_its_last_result():
    t = time.monotonic()
    assert budget.within_budget(_sleeper(), 0.3).status == "timeout"
    partial = budget.within_budget(_sleeper("early"), 0.3)
    assert (partial.status, partial.value) == ("partial", "early")
    assert time.monotonic() - t < 5


def test_budget_reports_errors_and_results():
    def boom():
        yield 1
        raise ValueError("nope")

    assert budget.within_budget(boom, 5).status == "error"
    assert "nope" in budget.within_budget(boom, 5).reason
    assert budget.within_budget(lambda: iter([1, 2]), 5) == ("ok", 2, "")
    assert budget.within_budget(lambda: iter([1, 2]), None) == ("ok", 2, "")


def test_thread_fallback_abandons_at_the_deadline():
    t = time.monotonic()
    assert budget._Threaded(_sleeper("early"), 0.3).result() == ("partial", "early", "")
    assert budget._Threaded(lambda: iter([3]), 5).result() == ("ok", 3, "")
    assert time.monotonic() - t < 5


def test_started_jobs_run_while_the_caller_works():
    t = time.monotonic()
    running = budget.start(_sleeper("early"), 0.5)
    time.sleep(0.4)  # the caller's own work, while the job runs
    assert running.result() == ("partial", "early", "")
    assert time.monotonic() - t < 1.5


def test_a_huge_program_is_skipped_not_hung():
    t = time.monotonic()
    dv = derive(CHAIN_200, {"x": "0.5"}, budget=1.0)
    assert dv.status == "skipped (time budget)" and dv.partials == ()
    ex = exact(CHAIN_200, {"x": "0.5"}, budget=1.0)
    assert ex.status == "skipped (time budget)"
    assert ex.merge({"value": 1.0}) == {"value": 1.0, "exact_status": "skipped (time budget)"}
    assert time.monotonic() - t < 10


def test_over_long_strings_are_left_out():
    ex = exact("y = x\n" + "y = y*y + y\n" * 12, {"x": "1/3"}, budget=None, max_chars=200)
    assert ex.values["y"] is None  # a rational with thousands of digits
    assert dict(ex.nodes)["x"] == "1/3"


# --- renderers ---------------------------------------------------------------------------

def test_exact_plain_lines_and_rich_view():
    r = grad("sin(x)*y", {"x": "pi/6", "y": "1/3"})
    ex = exact("sin(x)*y", {"x": "pi/6", "y": "1/3"}, budget=None)
    lines = symbolic_view.exact_lines(r, ex)
    assert lines[0] == "exact (ok)"
    assert "  v₁  sin(x)      0.49999999999999994  1/2" in lines
    assert "  ∂v₂/∂x      0.28867513459481287  sqrt(3)/6" in lines
    console = Console(color_system=None, width=80, file=io.StringIO())
    console.print(symbolic_view.exact_view(r, ex))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "sqrt(3)/6" in out
