"""grad --batch through the command line: JSON Lines or CSV in, one JSON line out a point."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bpcalc.cli import cli


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def test_jsonl_file_in_order(tmp_path):
    points = tmp_path / "p.jsonl"
    points.write_text('{"a": 2, "b": 1}\n{"a": 0, "b": 0}\n{"a": -1, "b": 3}\n')
    r = run("grad", "(a+b)*(b+1)", "--batch", str(points))
    assert r.exit_code == 0, r.output
    assert lines(r.output) == [
        {"value": 6, "gradient": {"a": 2, "b": 5}},
        {"value": 0, "gradient": {"a": 1, "b": 1}},
        {"value": 8, "gradient": {"a": 4, "b": 6}},
    ]


def test_csv_from_stdin_with_a_constant():
    r = run("grad", "(w*x - y)^2", "--batch", "-", "w=0.5", "--wrt", "w",
            input="x,y\n1,2\n3,4\n")
    assert r.exit_code == 0, r.output
    # d/dw (w x - y)^2 = 2 x (w x - y): 2*1*(0.5-2) = -3, 2*3*(1.5-4) = -15
    assert lines(r.output) == [{"value": 2.25, "gradient": {"w": -3}},
                               {"value": 6.25, "gradient": {"w": -15}}]


def test_bad_point_is_a_line_and_exit_1():
    r = run("grad", "log(x)", "--batch", "-",
            input='{"x": 1}\n{"x": -1}\n{"y": 2}\n{"x": 2}\n')
    assert r.exit_code == 1
    out = lines(r.stdout)
    assert out[0] == {"value": 0, "gradient": {"x": 1}}
    assert out[1]["line"] == 2 and "log" in out[1]["error"]
    assert out[2]["line"] == 3
    assert out[3] == {"value": 0.6931471805599453, "gradient": {"x": 0.5}}
    assert "2 of 4 points failed" in r.stderr


def test_several_outputs_give_jacobian_lines():
    r = run("grad", "f = x*y; g = x + y", "--output", "f,g", "--batch", "-",
            input='{"x": 2, "y": 3}\n')
    assert lines(r.output) == [{"values": {"f": 6, "g": 5},
                                "jacobian": {"f": {"x": 3, "y": 2}, "g": {"x": 1, "y": 1}}}]


def test_batch_refuses_what_does_not_apply():
    for extra in (["--format", "table"], ["--steps"], ["--check"], ["--mode", "symbolic"]):
        r = run("grad", "x*x", "--batch", "-", *extra, input='{"x": 1}\n')
        assert r.exit_code == 2, extra
    r = run("grad", "-", "--batch", "-", input='{"x": 1}\n')
    assert r.exit_code == 2


def test_missing_batch_file_exits_2(tmp_path):
    r = run("grad", "x*x", "--batch", str(tmp_path / "nope.jsonl"))
    assert r.exit_code == 2
    assert "cannot read" in r.output


def test_batch_names_the_refused_option_as_typed():
    r = run("grad", "x*x", "--batch", "-", "--check", input='{"x": 1}\n')
    assert r.exit_code == 2
    assert "--check does not go with --batch" in r.output
