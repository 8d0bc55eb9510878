"""`grad --check`: AD against finite differences and SymPy on every reference case, a broken
primitive caught, kinks reported as kinks, huge programs skipped in time, and no SymPy import
on the default path."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bpcalc.analysis import load
from bpcalc.errors import MathError
from bpcalc.ops import OPS
from bpcalc.render import json_text, symbolic_view
from bpcalc.symbolic import check as checking
from helpers import check

CASES_DIR = Path(__file__).parent / "cases"
SEED_POINT = {"a": "2", "b": "1"}


def _load(name: str) -> list[dict]:
    with open(CASES_DIR / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


RANDOM = _load("random.jsonl")
OTHERS = [c for c in _load("seed.jsonl") + _load("programs.jsonl") if c["id"] != "explosion-20"]


def _truth(case: dict) -> dict[str, dict[str, float]]:
    if "jacobian" in case:
        return case["jacobian"]
    return {"": case["gradient"]}


@pytest.mark.parametrize("case", RANDOM + OTHERS, ids=lambda c: c["id"])
def test_check_passes_on_every_reference_case(case):
    c = check(case["expr"], case["values"], outputs=case.get("outputs"))
    assert c.passed and c.exit_code == 0, c.to_dict()
    assert c.symbolic == "ok"
    assert all(e.verdict == "ok" for e in c.entries)
    assert [m.status for m in c.modes] == ["ok", "ok", "ok"]
    truth = _truth(case)
    for e in c.entries:
        want = truth.get(e.output, truth.get(""))[e.input]  # type: ignore[index]
        assert math.isclose(e.symbolic, want, rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]
        # The finite-difference error estimate is honest: the true error lies within it.
        assert abs(e.fd - want) <= 3 * e.fd_error + 1e-12, (e.fd, e.fd_error, want)  # type: ignore[operator]
        assert e.fd_agrees


def test_seed_check():
    c = check("(a+b)*(b+1)", SEED_POINT)
    g = c.to_dict()["gradient"]
    assert (g["a"]["ad"], g["a"]["symbolic"], g["a"]["symbolic_exact"]) == (2.0, 2.0, "2")
    assert (g["b"]["ad"], g["b"]["symbolic"], g["b"]["symbolic_exact"]) == (5.0, 5.0, "5")
    assert g["b"]["verdict"] == "ok" and g["b"]["diff_symbolic"] == 0
    assert abs(g["b"]["fd"] - 5) <= 3 * g["b"]["fd_error"]
    assert g["b"]["fd_step"] == pytest.approx(sys.float_info.epsilon ** (1 / 3))
    d = c.to_dict()
    assert list(d) == ["passed", "mode", "rtol", "atol", "budget", "symbolic", "modes",
                       "jacobian", "gradient", "kinks", "local", "direction", "notes"]
    assert d["passed"] is True and d["modes"]["paths"] == {"status": "ok", "max_diff": 0.0}
    json.loads(json_text.render(d))  # no NaN, no infinity


def test_rtol_and_atol_are_used_and_reported():
    c = check("x*x", {"x": "3"}, rtol=1e-3, atol=0.5, mode="forward")
    d = c.to_dict()
    assert (d["rtol"], d["atol"], d["mode"]) == (1e-3, 0.5, "forward")
    assert d["gradient"]["x"]["tolerance"] >= 0.5 + 1e-3 * 6


@pytest.fixture
def broken_sin(monkeypatch):
    """A test-only wrong primitive: sin's partial returns -cos(x) instead of cos(x)."""
    monkeypatch.setitem(OPS, "sin", OPS["sin"]._replace(partials=(lambda x, o: -math.cos(x),)))


def test_a_broken_primitive_fails_the_check(broken_sin):
    c = check("sin(x)*y", {"x": "0.5", "y": "2"})
    assert not c.passed and c.exit_code == 1
    by_input = {e.input: e for e in c.entries}
    assert by_input["x"].verdict == "mismatch"
    assert by_input["x"].ad == pytest.approx(-2 * math.cos(0.5))
    assert by_input["x"].symbolic == pytest.approx(2 * math.cos(0.5))
    assert by_input["x"].fd_agrees is False  # finite differences see it too
    assert by_input["y"].verdict == "ok"  # dy does not go through sin's partial
    lines = symbolic_view.check_lines(c)
    assert "check FAILED: AD and SymPy disagree" in lines
    # located to its edge: the op's own differences disagree with the broken rule
    assert (c.local.src, c.local.dst, c.local.formula) == ("x", "v₁", "cos(x)")
    assert not c.local.agrees and c.local.fd == pytest.approx(math.cos(0.5), rel=1e-8)
    assert "the likely cause: the edge x → v₁" in " ".join(lines)


def test_the_local_check_agrees_on_every_row_of_a_correct_table():
    program = ("a = sin(x)*cos(y) + tan(x/3) + exp(y/4) + log(x) + log2(x) + log10(y)\n"
               "b = sqrt(x)*asin(x/3) + acos(y/5) + atan(x) + sinh(y) + cosh(x) + tanh(y)\n"
               "a*b + sigmoid(x) + softplus(y) + relu(x - 1) + abs(x - y) + x^y + pow(y, x)"
               " + max(x, y) + min(x, y) - x/y")
    c = check(program, {"x": "0.7", "y": "1.3"})
    assert c.passed and c.local is not None and c.local.agrees
    assert c.local.checked == len(load(program).graph().esrc)


def test_jvp_and_vjp_agree_and_disagree_when_a_pass_is_wrong(monkeypatch):
    c = check("r = sqrt(x*x + y*y); phi = atan(y/x)", {"x": "0.6", "y": "0.8"},
              outputs=["r", "phi"])
    assert c.direction.status == "ok" and c.direction.jvp == pytest.approx(c.direction.vjp)
    from bpcalc.modes import reverse

    real = reverse.adjoints

    def doubled(graph, weights, seed, zero=0.0, one=1.0):
        if isinstance(seed, dict):  # only the VJP's pass is wrong
            return [2 * a for a in real(graph, weights, seed, zero, one)]
        return real(graph, weights, seed, zero, one)

    monkeypatch.setattr(reverse, "adjoints", doubled)
    c = check("sin(x)*y", {"x": "0.5", "y": "2"})
    assert c.direction.status == "mismatch" and not c.passed
    assert "JVP and VJP disagree" in c.failures


def test_one_sided_differences_at_a_kink():
    c = check("relu(x)*y + abs(x - y)", {"x": "0", "y": "0"})
    x = next(e for e in c.entries if e.input == "x")
    assert x.verdict == "kink" and (x.fd_left, x.fd_right) == pytest.approx((-1, 1))
    assert c.passed
    # max(x, 0) - relu(x) is 0 everywhere, but the conventions give 0.5 - 0 at x = 0
    c = check("max(x, 0) - relu(x)", {"x": "0"})
    (e,) = c.entries
    assert e.ad == 0.5 and (e.fd_left, e.fd_right) == pytest.approx((0, 0), abs=1e-9)
    assert e.verdict == "mismatch" and c.failures == [
        "AD is outside the one-sided derivatives at a kink"]


def test_where_finite_differences_cannot_judge_the_check_says_so():
    c = check("sin(1/x)", {"x": "1e-4"})  # wildly oscillating a step away
    assert any("finite differences cannot judge" in n for n in c.notes), c.notes
    c = check("x/(((4+x)-(x-pi))*3)", {"x": "1e16"})
    assert any("its paths cancel" in n for n in c.notes), c.notes


def test_the_broken_primitive_is_gone_after_the_test():
    assert check("sin(x)", {"x": "0.5"}).passed


@pytest.mark.parametrize(("text", "point", "kinked", "smooth"), [
    ("relu(x) + y", {"x": "0", "y": "1"}, ["x"], ["y"]),
    ("abs(x)*y", {"x": "0", "y": "3"}, ["x"], ["y"]),  # y does not pass through abs
    ("max(x, y) + z", {"x": "1", "y": "1", "z": "2"}, ["x", "y"], ["z"]),
    ("min(x, 2*y)", {"x": "1", "y": "0.5"}, ["x", "y"], []),
])
def test_kinks_are_reported_as_kinks_not_failures(text, point, kinked, smooth):
    c = check(text, point)
    assert c.passed and c.exit_code == 0
    verdicts = {e.input: e.verdict for e in c.entries}
    assert [w for w, v in verdicts.items() if v == "kink"] == kinked
    assert [w for w, v in verdicts.items() if v == "ok"] == smooth
    assert c.kinks and all(k.startswith("kink at") for k in c.kinks)


def test_relu_kink_shows_where_finite_differences_disagree():
    (e,) = check("relu(x)", {"x": "0"}).entries
    assert (e.ad, e.symbolic, e.verdict) == (0.0, 0.0, "kink")
    assert e.fd == pytest.approx(0.5) and e.fd_agrees is False


def test_huge_program_skips_symbolic_in_time_and_still_passes():
    chain = "y = x\n" + "y = sin(y)*y + y\n" * 200
    t = time.monotonic()
    c = check(chain, {"x": "0.5"}, budget=1.0)
    assert time.monotonic() - t < 10
    assert c.symbolic == "skipped (time budget)"
    assert [e.verdict for e in c.entries] == ["skipped"]
    assert c.passed  # nothing disagreed; the symbolic leg did not run
    assert c.entries[0].fd_agrees
    assert dict((m.mode, m.status) for m in c.modes)["paths"] == "skipped (paths truncated)"


def test_explosion_case_paths_truncated_and_symbolic_skipped():
    (case,) = [c for c in _load("seed.jsonl") if c["id"] == "explosion-20"]
    c = check(case["expr"], case["values"], budget=1.0)
    assert c.passed and c.symbolic == "skipped (time budget)"
    assert c.to_dict()["modes"]["paths"] == {"status": "skipped (paths truncated)",
                                             "max_diff": None}


def test_finite_differences_undefined_a_step_away():
    # x - 0.5 is 1e-6 here, inside either step (about 6e-6 and 3e-6 at this scale)
    (e,) = check("sqrt(x - 0.5)", {"x": "0.500001"}).entries
    assert e.fd is None and "undefined a step away" in e.note
    assert e.verdict == "ok"


def test_check_raises_the_engines_math_errors():
    with pytest.raises(MathError):
        check("log(x)", {"x": "0"})


def test_check_plain_lines():
    lines = symbolic_view.check_lines(check("(a+b)*(b+1)", SEED_POINT))
    assert lines[0] == "check"
    assert lines[1].split() == ["derivative", "AD", "finite", "differences", "±", "error",
                                "SymPy", "verdict"]
    assert lines[2].split()[:2] == ["∂v₃/∂a", "2"] and lines[2].split()[-2:] == ["2", "ok"]
    assert lines[3].split()[:2] == ["∂v₃/∂b", "5"] and lines[3].split()[-2:] == ["5", "ok"]
    assert "modes agree with reverse: reverse ok · forward ok · paths ok" in lines
    assert lines[-1] == "check passed"


SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, sys
    import bpcalc.symbolic.check, bpcalc.render.symbolic_view  # must not load SymPy
    sys.argv = ["bpcalc", "grad", "(a+b)*(b+1)", "a=2", "b=1", "--format", "json"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        from bpcalc.cli import main
        try:
            main()
        except SystemExit:
            pass
    print(json.dumps({"sympy": "sympy" in sys.modules, "stdout": out.getvalue()}))
    """
)


def test_default_path_and_check_modules_do_not_import_sympy():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert json.loads(got["stdout"])["gradient"] == {"a": 2, "b": 5}
    assert got["sympy"] is False


def test_defaults():
    from bpcalc.symbolic import budget

    assert checking.RTOL == 1e-9 and checking.ATOL == 1e-12
    assert checking.BUDGET == budget.DEFAULT_BUDGET


@pytest.mark.parametrize(("text", "ad", "sym"), [
    ("abs(x*3 - 0.3)", 3.0, 0.0),  # 0.1*3 - 0.3 is 5.6e-17 in floats, 0 exactly
    ("max(x*3, 0.3)", 3.0, 1.5),
])
def test_a_kink_only_the_exact_point_hits_is_a_kink(text, ad, sym):
    c = check(text, {"x": "0.1"})
    (e,) = c.entries
    assert (e.ad, e.symbolic, e.verdict) == (ad, sym, "kink")
    assert c.passed
    assert c.kinks and "exact point" in c.kinks[0]


def test_a_mode_that_disagrees_fails_the_check(monkeypatch):
    from bpcalc.modes import forward

    real = forward.tangents

    def off_by_one(graph, weights, seed, zero=0.0, one=1.0):
        return [t + one for t in real(graph, weights, seed, zero, one)]

    monkeypatch.setattr(forward, "tangents", off_by_one)
    c = check("(a+b)*(b+1)", SEED_POINT)
    assert [(m.mode, m.status) for m in c.modes] == [
        ("reverse", "ok"), ("forward", "mismatch"), ("paths", "ok")]
    assert not c.passed and c.exit_code == 1
    assert all(e.verdict == "ok" for e in c.entries)  # reverse, the mode checked, is right


def test_skipped_check_renders_as_json():
    chain = "y = x\n" + "y = sin(y)*y + y\n" * 200
    d = json.loads(json_text.render(check(chain, {"x": "0.5"}, budget=0.5).to_dict()))
    assert d["gradient"]["x"]["symbolic"] is None and d["passed"] is True
