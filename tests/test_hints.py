"""The hints for a newcomer's usual mistakes, each message byte for byte as a user sees it:
Unicode operators, a point inside the expression, a sum without a for, a function never
called, and the warning for an assignment that leaves the gradient no inputs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import bpcalc.cli.common
from bpcalc.cli import cli
from bpcalc.text.hints import ascii_text


def run(args: list[str], terminal: bool = False) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of one command line."""
    with pytest.MonkeyPatch.context() as mp:
        if terminal:
            mp.setattr(bpcalc.cli.common, "stdout_is_terminal", lambda: True)
        r = CliRunner().invoke(cli, args, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert "Traceback" not in r.stdout + r.stderr
    return r.exit_code, r.stdout, r.stderr


def error(*args: str) -> str:
    """The error a command line gives, after checking that it is bad input (exit 2) and
    writes nothing to stdout."""
    code, out, err = run(list(args))
    assert (code, out) == (2, ""), (code, out, err)
    return err


UNICODE = [
    ("x × y", 3, "did you mean x * y? (bpcalc writes × as *)"),
    ("x · y", 3, "did you mean x * y? (bpcalc writes · as *)"),
    ("√x", 1, "did you mean sqrt(x)? (bpcalc writes √ as sqrt(...))"),
    ("x²", 2, "did you mean x^2? (bpcalc writes ² as ^2)"),
    ("x³", 2, "did you mean x^3? (bpcalc writes ³ as ^3)"),
    ("−x", 1, "did you mean -x? (bpcalc writes − as -)"),
    ("x ÷ y", 3, "did you mean x / y? (bpcalc writes ÷ as /)"),
]


@pytest.mark.parametrize("text, column, hint", UNICODE, ids=[u[0] for u in UNICODE])
def test_a_unicode_operator_is_spelled_in_ascii(text, column, hint):
    ch = text[column - 1]
    assert error("grad", text, "x=2", "y=3") == (
        f"Error: syntax error at column {column}: unexpected character {ch!r}\n"
        f"  {text}\n"
        f"  {' ' * (column - 1)}^\n"
        f"{hint}\n")


def test_the_whole_line_is_spelled_in_ascii():
    assert ascii_text("√(x+1) × y² − π·x¹⁰ ÷ √z") == "sqrt(x+1) * y^2 - pi*x^10 / sqrt(z)"
    # the ASCII line reads: what the hint proposes is a program bpcalc takes
    code, out, _ = run(["grad", ascii_text("√(x+1) × y² − π·x¹⁰ ÷ √z"), "x=1", "y=2", "z=4",
                        "--json"])
    assert code == 0 and set(json.loads(out)["gradient"]) == {"x", "y", "z"}


def test_a_generated_id_copied_from_a_view():
    assert error("grad", "v₁ * 2", "a=1") == (
        "Error: syntax error at column 2: unexpected character '₁'\n"
        "  v₁ * 2\n"
        "   ^\n"
        "v₁, v₂, … are the ids bpcalc gives unnamed steps, and no program can write them: "
        "name the step (c = a + b) and use its name\n")


def test_a_long_line_gets_the_spelling_alone():
    text = "y = " + " + ".join(f"w{i}*x{i}" for i in range(12)) + " × 2"
    assert error("grad", text).splitlines()[-1] == "bpcalc writes × as *"


def test_a_point_inside_the_expression_goes_in_arguments():
    assert error("grad", "y = x^2 x=3") == (
        "Error: syntax error at column 9: x=3 inside the expression: give the point as "
        "separate arguments\n"
        "  y = x^2 x=3\n"
        "          ^\n"
        'did you mean: bpcalc grad "y = x^2" x=3\n')


def test_the_retry_names_the_command_run_and_every_value():
    assert error("hessian", "y = x^2*w, x = pi / 4, w=-1").splitlines()[-1] == \
        'did you mean: bpcalc hessian "y = x^2*w" x=pi/4 w=-1'


def test_a_point_inside_a_program_of_several_lines():
    assert error("grad", "h = x^2\ny = h*w w=2").splitlines()[-1] == \
        "leave w=2 out of the program and give it after it on the command line (or in " \
        "--point FILE)"


def test_implicit_multiplication_keeps_its_hint():
    assert error("grad", "y = x^2 x", "x=3").splitlines()[-1] == "did you mean 2*x?"


def test_a_function_never_called():
    assert error("grad", "sq(x) = x*x", "x=3") == (
        "Error: syntax error at column 12: the program defines functions but computes "
        "nothing\n"
        "  sq(x) = x*x\n"
        "             ^\n"
        "a function is computed where a later statement calls it: did you mean "
        "sq(x) = x*x; y = sq(x)? (or the expression alone: x*x)\n")
    assert "sqrt" not in error("grad", "sq(x) = x*x", "x=3")


def test_a_function_never_called_named_after_its_output():
    hint = error("grad", "y(u, v) = u*v").splitlines()[-1]
    assert hint == "a function is computed where a later statement calls it: did you mean " \
                   "y(u, v) = u*v; out = y(u, v)? (or the expression alone: u*v)"


def test_a_sum_without_a_for():
    assert error("grad", "sum(w*x)", "w=1", "x=2") == (
        "Error: syntax error at column 8: sum needs a for: the index it runs over\n"
        "  sum(w*x)\n"
        "         ^\n"
        "did you mean sum(w[i]*x[i] for i)? (sum(W) takes every element of a family W)\n")


def test_a_sum_without_a_for_keeps_the_index_it_has():
    assert error("grad", "y = max(exp(w[j])*x - i)").splitlines()[-1] == \
        "did you mean max(exp(w[j])*x[j] - i[j] for j)? (max(W) takes every element of a " \
        "family W; max(a, b) of two values)"


def test_the_suggested_sum_runs():
    code, out, _ = run(["grad", "sum(w[i]*x[i] for i)", "w=[1,2]", "x=[3,4]", "--json"])
    assert code == 0 and json.loads(out)["value"] == 11


def test_an_assignment_that_leaves_no_inputs_warns():
    code, out, err = run(["grad", "x = 3; y = x^2"], terminal=True)
    assert code == 0 and "Gradient of y = 9" in out
    assert err == ("warning: x = 3 makes x a constant, so the gradient has no inputs; to make "
                   'x an input, give its value as an argument instead: bpcalc grad "y = x^2" '
                   "x=3\n")
    # the command it proposes has x as an input
    code, out, _ = run(["grad", "y = x^2", "x=3", "--json"])
    assert code == 0 and json.loads(out)["gradient"] == {"x": 6}


def test_the_warning_is_in_json_too():
    code, out, err = run(["grad", "x = pi/4; z = 2 * 1; y = sin(x)*z", "--json"])
    assert code == 0 and err == ""
    assert json.loads(out)["warnings"] == [
        "x = pi/4 and z = 2 * 1 make x and z constants, so the gradient has no inputs; to "
        'make them inputs, give their values as arguments instead: bpcalc grad "y = '
        'sin(x)*z" x=pi/4 "z=2*1"']


def test_the_warning_for_a_program_of_several_lines(tmp_path):
    (tmp_path / "p.txt").write_text("x = 3\ny = x^2\n")
    code, out, _ = run(["grad", "-f", str(tmp_path / "p.txt"), "--json"])
    assert json.loads(out)["warnings"] == [
        "x = 3 makes x a constant, so the gradient has no inputs; to make x an input, "
        "delete that statement and give x=3 on the command line"]


@pytest.mark.parametrize("text", ["y = 3", "n = 3; y = sum(i for i in 1..n)",
                                  "c = 2; y = c*x"])
def test_no_warning_where_no_input_was_meant(text):
    args = ["grad", text, "--json"] + (["x=1"] if "c*x" in text else [])
    code, out, err = run(args)
    assert code == 0, err
    assert json.loads(out)["warnings"] == []
