"""--check, --exact, --mode symbolic and `bpcalc diff` through the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import bpcalc.ops
from bpcalc.cli import cli

SEED = ["(a+b)*(b+1)", "a=2", "b=1"]
PROGRAM = "c = a + b; d = b + 1; e = c * d"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_check_json_passes_on_the_seed():
    r = run("grad", *SEED, "--check")
    assert r.exit_code == 0, r.output
    check = json.loads(r.output)["check"]
    assert check["passed"] is True
    assert {w: e["verdict"] for w, e in check["gradient"].items()} == {"a": "ok", "b": "ok"}
    assert check["gradient"]["b"]["symbolic_exact"] == "5"


@pytest.mark.parametrize("fmt", ["table", "plain"])
def test_check_views_say_passed(fmt):
    r = run("grad", *SEED, "--check", "--format", fmt)
    assert r.exit_code == 0
    assert "check passed" in r.output


def test_check_fails_with_a_broken_primitive(monkeypatch):
    row = bpcalc.ops.OPS["sin"]
    monkeypatch.setitem(bpcalc.ops.OPS, "sin", row._replace(
        partials=(lambda x, o: 1.01 * row.partials[0](x, o),)))
    r = run("grad", "sin(x)*y", "x=0.3", "y=2", "--check")
    assert r.exit_code == 1
    assert json.loads(r.stdout)["check"]["passed"] is False
    assert "--check failed" in r.stderr


def test_check_reports_a_kink_as_a_kink():
    r = run("grad", "relu(x) + x", "x=0", "--check")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["check"]["gradient"]["x"]["verdict"] == "kink"


def test_exact_rationals_and_irrationals():
    data = json.loads(run("grad", "x*x", "x=1/3", "--exact").output)
    assert data["value_exact"] == "1/9" and data["gradient_exact"] == {"x": "2/3"}
    data = json.loads(run("grad", "sin(x)", "x=pi/6", "--exact").output)
    assert data["value_exact"] == "1/2"
    assert data["gradient_exact"] == {"x": "sqrt(3)/2"}


def test_symbolic_mode_json_and_latex():
    data = json.loads(run("grad", PROGRAM, "a=2", "b=1", "--mode", "symbolic").output)
    assert data["mode"] == "symbolic"
    grad = data["symbolic"]["gradient"]
    assert grad["b"]["formula"] == "c + d" and grad["b"]["value"] == 5
    assert grad["b"]["expanded"] == "a + 2*b + 1"
    assert grad["a"]["latex"] == "d" and grad["a"]["expanded_latex"] == "b + 1"
    assert data["gradient"] == {"a": 2, "b": 5}
    text = run("grad", PROGRAM, "a=2", "b=1", "--mode", "symbolic", "--latex",
               "--format", "plain").output
    assert r"\frac{\partial e}{\partial b}" in text


def test_latex_needs_symbolic_mode():
    r = run("grad", *SEED, "--latex")
    assert r.exit_code == 2


def test_diff_needs_no_values():
    data = json.loads(run("diff", PROGRAM, "--wrt", "b").output)
    assert data["schema"] == "bpcalc/diff" and data["version"] == 2
    assert data["gradient"]["b"]["formula"] == "c + d"
    assert "expanded" not in data["gradient"]["b"]  # SymPy only with --expand
    data = json.loads(run("diff", PROGRAM, "--wrt", "b", "--expand").output)
    assert data["gradient"]["b"]["expanded"] == "a + 2*b + 1"
    table = run("diff", PROGRAM, "--format", "table", "--expand").output
    assert "a + 2*b + 1" in table and "c + d" in table


def test_diff_bad_input_exits_2():
    r = run("diff", "sinn(x)")
    assert r.exit_code == 2
    assert "sin" in r.output


def test_finite_differences_follow_a_small_input_scale():
    data = json.loads(run("grad", "log(x)", "x=1e-7", "--check").output)
    entry = data["check"]["gradient"]["x"]
    assert entry["fd"] is not None
    assert abs(entry["fd"] - 1e7) <= 10 * entry["fd_error"] + 1e-6 * 1e7
