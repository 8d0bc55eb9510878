"""`bpcalc hessian` and `grad --direction/--cotangent` through the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bpcalc.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_hessian_json_of_the_seed():
    r = run("hessian", "(a+b)*(b+1)", "a=2", "b=1")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["schema"] == "bpcalc/hessian"
    assert data["hessian"] == {"a": {"a": 0, "b": 1}, "b": {"a": 1, "b": 2}}
    assert data["gradient"] == {"a": 2, "b": 5} and data["value"] == 6
    assert data["cost"]["passes"] == 2


@pytest.mark.parametrize("fmt", ["table", "plain"])
def test_hessian_views(fmt):
    out = run("hessian", "(a+b)*(b+1)", "a=2", "b=1", "--format", fmt).output
    rows = [line.split() for line in out.splitlines() if line.strip().startswith("∂a ")
            or line.strip().startswith("∂b ")]
    assert ["∂a", "0", "1"] in rows and ["∂b", "1", "2"] in rows


def test_hessian_one_output_only():
    r = run("hessian", "f = x*y; g = x + y", "x=1", "y=2", "--output", "f,g")
    assert r.exit_code == 2
    assert "one output" in r.output


def test_hessian_math_error_exits_1():
    r = run("hessian", "sqrt(x)", "x=0")
    assert r.exit_code == 1
    assert "sqrt" in r.output


def test_direction_is_the_gradient_dotted_with_the_vector():
    data = json.loads(run("grad", "x*y + x*x", "x=1", "y=2", "--direction", "x=1,y=-2").output)
    # gradient (y + 2x, x) = (4, 1); along (1, -2): 4 - 2 = 2
    assert data["directional"] == {"v₃": 2}
    assert data["cost"]["passes"] == 1


def test_cotangent_weights_the_jacobian_rows():
    data = json.loads(run("grad", "f = x*y; g = x + y", "x=1", "y=2",
                          "--cotangent", "f=1,g=0.5").output)
    # rows df = (y, x) = (2, 1), dg = (1, 1): 1*(2, 1) + 0.5*(1, 1) = (2.5, 1.5)
    assert data["vjp"] == {"x": 2.5, "y": 1.5}


def test_direction_rejects_mode_and_bad_names():
    r = run("grad", "x*y", "x=1", "y=2", "--direction", "x=1", "--mode", "paths")
    assert r.exit_code == 2 and "--mode" in r.output
    r = run("grad", "x*y", "x=1", "y=2", "--direction", "q=1")
    assert r.exit_code == 2 and "q" in r.output
    r = run("grad", "x*y", "x=1", "y=2", "--direction", "x=1", "--cotangent", "c=1")
    assert r.exit_code == 2


def test_direction_plain_view():
    out = run("grad", "x*y", "x=1", "y=2", "--direction", "x=1,y=1", "--format", "plain").output
    assert "∇v₁·v = 3" in out


def test_direction_refuses_check_and_exact():
    for extra in (["--check"], ["--exact"], ["--fields", "value"]):
        r = run("grad", "x*y", "x=1", "y=2", "--direction", "x=1", *extra)
        assert r.exit_code == 2, extra
        assert extra[0] in r.output and r.stdout == ""
