"""Scripting at scale through the command line: long generated programs, many NAME=VALUE
pairs, options anywhere among them, and a process that writes all of its output.

Expected numbers are computed here with plain Python floats, never with bpcalc.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bpcalc.cli import cli


def grad_json(args: list[str], input: str | None = None) -> dict:
    result = CliRunner().invoke(cli, ["grad", *args], input=input, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def wide_loss(n: int) -> tuple[str, list[str], float, dict[str, float]]:
    """sum_i (w_i*x_i - y_i)^2 as one statement a term, its point, value and gradient."""
    lines, args, value, gradient = [], [], 0.0, {}
    for i in range(n):
        x, y, w = 0.5 + i % 7 / 10, 1.0 + i % 5 / 10, float(i % 3 + 1)
        lines.append(f"loss {'+' if i else ''}= (w_{i}*{x!r} - {y!r})^2")
        args.append(f"w_{i}={w!r}")
        r = w * x - y
        value += r * r
        gradient[f"w_{i}"] = 2 * r * x
    return "\n".join(lines) + "\n", args, value, gradient


def test_1e4_inputs_on_the_command_line(tmp_path):
    source, args, value, gradient = wide_loss(10**4)
    path = tmp_path / "loss.txt"
    path.write_text(source)
    d = grad_json(["-f", str(path), *args, "--format", "json", "--fields", "value,gradient"])
    assert d["value"] == pytest.approx(value, rel=1e-12)
    assert d["gradient"].keys() == gradient.keys()
    for k, g in gradient.items():
        assert d["gradient"][k] == pytest.approx(g, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_options_anywhere_among_the_pairs(tmp_path, mode):
    source, args, value, gradient = wide_loss(40)
    path = tmp_path / "loss.txt"
    path.write_text(source)
    argv = ["-f", str(path), *args[:10], "--mode", mode, *args[10:20], "--wrt", "w_3,w_17",
            "--format=json", *args[20:], "--fields", "gradient"]
    d = grad_json(argv)
    assert d == {"gradient": {k: pytest.approx(gradient[k]) for k in ("w_3", "w_17")}}


def test_option_values_that_look_like_pairs_stay_with_their_option():
    d = grad_json(["x*y", "x=2", "--direction", "x=1,y=0", "y=3", "--json"])
    assert d["inputs"] == {"x": 2, "y": 3}
    assert d["direction"] == {"x": 1, "y": 0}
    assert d["directional"] == {"v₁": 3}


def test_double_dash_keeps_its_meaning():
    d = grad_json(["--json", "--", "-x**2", "x=3"])
    assert d["gradient"] == {"x": -6}
    result = CliRunner().invoke(cli, ["grad", "--", "-x**2", "x=3", "--json"])
    assert result.exit_code == 2  # after --, `--json` is an argument, not an option
    assert "--json" in result.stderr


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_1e5_node_chain_in_every_mode_with_fields(mode):
    steps = 33_334  # x = sin(x)*a + b: 3 nodes a step, 10^5 nodes in all
    source = "x = x0\n" + "x = sin(x)*a + b\n" * steps
    x0, a, b = 0.5, 0.9, 0.1
    x, dx0, da, db = x0, 1.0, 0.0, 0.0
    for _ in range(steps):  # tangents by hand: dx' = cos(x)*a*dx, + sin(x) for a, + 1 for b
        c, s = math.cos(x), math.sin(x)
        dx0, da, db = c * a * dx0, c * a * da + s, c * a * db + 1.0
        x = s * a + b
    d = grad_json(["-", f"x0={x0}", f"a={a}", f"b={b}", "--mode", mode, "--format", "json",
                   "--fields", "value,gradient"], input=source)
    assert d["value"] == pytest.approx(x, rel=1e-12)
    assert d["gradient"]["a"] == pytest.approx(da, rel=1e-9)
    assert d["gradient"]["b"] == pytest.approx(db, rel=1e-9)
    assert abs(d["gradient"]["x0"] - dx0) <= 1e-300  # (0.9 cos)^33334 underflows to 0


def test_a_long_hostile_program_is_rejected_without_running_it(tmp_path):
    path = tmp_path / "evil.txt"
    path.write_text("y = x + 1\n" * 40 + "y = __import__('os').system('echo hi')\n")
    result = CliRunner().invoke(cli, ["grad", "-f", str(path), "x=1"])
    assert result.exit_code == 2
    assert "hi\n" not in result.output
    assert "line 41" in result.stderr


def test_the_process_writes_all_of_a_large_output_before_it_ends(tmp_path):
    path = tmp_path / "chain.txt"
    path.write_text("y = x\n" + "y = y*1.0001 + 0.5\n" * 20_000)
    proc = subprocess.run([sys.executable, "-m", "bpcalc", "grad", "-f", str(path), "x=1",
                           "--format", "json"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)  # the whole object: nothing lost at exit
    assert len(d["nodes"]) == 40_001 and len(d["edges"]) == 40_000


def test_a_reader_that_leaves_early_is_not_an_error(tmp_path):
    path = tmp_path / "chain.txt"
    path.write_text("y = x\n" + "y = y*1.0001 + 0.5\n" * 20_000)
    proc = subprocess.run(["bash", "-c", f"'{sys.executable}' -m bpcalc grad -f '{path}' x=1 "
                           "--format json | head -c 10; echo \" ${PIPESTATUS[0]}\""],
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout == '{"schema": 0\n'  # and bpcalc's own exit status is 0
    assert proc.stderr == ""


@pytest.mark.parametrize("redirect", [">&-", "> /dev/full"])
def test_output_that_cannot_be_written_is_an_error_not_a_traceback(redirect):
    if "full" in redirect and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    proc = subprocess.run(["bash", "-c", f"'{sys.executable}' -m bpcalc grad 'x*y' x=1 y=2 "
                           f"--format json {redirect}"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("Error: cannot write the output")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("option", ["--svg", "--output", "--fields", "--point", "-f"])
def test_an_option_without_its_value_at_the_end_is_still_a_usage_error(option):
    result = invoke(["grad", "x*y", "x=1", "y=2", "--format", "table", option])
    assert result.exit_code == 2
    assert f"Option '{option}' requires an argument" in result.stderr


def test_streamed_json_is_the_text_json_dumps_writes():
    import io

    from bpcalc.render import json_text
    from bpcalc.results.grad import Lazy
    from helpers import grad

    r = grad("y = x\n" + "y = y*y + y\n" * 5, {"x": "0.5"}, mode="paths")
    for data in (r.to_dict(lazy=True), r.graph_dict(),
                 {"a": Lazy(0, str), "b": 1.0, "c": [2.5, 3.0], "d": "é"}):
        plain = {k: list(v) if isinstance(v, Lazy) else v for k, v in data.items()}
        out = io.StringIO()
        json_text.write(data, out)
        assert out.getvalue() == json.dumps(json_text.normalize(plain)) + "\n"
        pretty = io.StringIO()
        json_text.write(data, pretty, pretty=True)
        assert pretty.getvalue() == json.dumps(json_text.normalize(plain), indent=2) + "\n"
    assert r.to_dict() == r.to_dict(lazy=True)  # lists and Lazy sequences compare equal
    assert isinstance(r.to_dict()["nodes"], list)


def test_a_big_dict_of_floats_is_written_as_its_floats_one_by_one():
    from bpcalc.render import json_text

    floats = [0.5, 3.0, -0.0, 2.0**53, 1 - 2.0**53, 1e300, -7.25] * 3  # copied whole
    big = {f"w{i}": v for i, v in enumerate(floats)}
    one_by_one = "{" + ", ".join(f'"{k}": {json.dumps(json_text.normalize(v))}'
                                 for k, v in big.items()) + "}"
    assert json.dumps(json_text.normalize(big)) == one_by_one
    assert json.dumps(json_text.normalize({"g": big})) == '{"g": ' + one_by_one + "}"


def test_a_non_finite_number_is_still_refused_when_streamed():
    import io

    from bpcalc.render import json_text
    from bpcalc.results.grad import Lazy

    with pytest.raises(ValueError):
        json_text.write({"nodes": Lazy(2, lambda i: {"value": math.inf})}, io.StringIO())


def invoke(args: list[str], input: str | None = None):
    return CliRunner().invoke(cli, args, input=input)


def test_point_file_gives_the_values(tmp_path):
    source, args, value, gradient = wide_loss(200)
    (tmp_path / "loss.txt").write_text(source)
    point = {a.split("=")[0]: float(a.split("=")[1]) for a in args}
    (tmp_path / "point.json").write_text(json.dumps(point))
    d = grad_json(["-f", str(tmp_path / "loss.txt"), "--point", str(tmp_path / "point.json"),
                   "--format", "json", "--fields", "value,gradient"])
    assert d["value"] == pytest.approx(value, rel=1e-12)
    assert d["gradient"] == {k: pytest.approx(g, rel=1e-12, abs=1e-12)
                             for k, g in gradient.items()}


def test_point_file_beside_pairs_with_strings_and_ints(tmp_path):
    (tmp_path / "p.json").write_text('{"a": 2, "k": "pi/4"}')
    d = grad_json(["(a+b)*sin(k)", "b=1", "--point", str(tmp_path / "p.json"), "--json"])
    assert d["inputs"] == {"a": 2, "b": 1, "k": pytest.approx(math.pi / 4)}
    assert list(d["inputs"]) == list(d["gradient"]) == ["a", "b", "k"]  # the program's order
    assert d["gradient"]["a"] == pytest.approx(math.sin(math.pi / 4))
    d = grad_json(["--point", "-", "--json", "--", "-x"], input='{"x": -0}')  # -0.0
    assert d["value"] == 0


def test_point_file_from_stdin_with_the_program_from_a_file(tmp_path):
    (tmp_path / "prog.txt").write_text("c = a + b\nd = b + 1\ne = c * d\n")
    d = grad_json(["-f", str(tmp_path / "prog.txt"), "--point", "-", "--json"],
                  input='{"a": 2, "b": 1}')
    assert d["gradient"] == {"a": 2, "b": 5}


@pytest.mark.parametrize(("text", "args", "needle"), [
    ('{"a": 2, "b": 1}', ["a=3"], "a is given a value twice"),
    ('{"a": 2, "b": 1}', ["b=3", "a=3"], "a is given a value twice: as a=VALUE"),  # file order
    ('{"b": 1, "a": 2, "b": 1, "a": 3}', [], "b is given a value twice in --point"),
    ("{'a': 2}", [], "not valid JSON"),
    ("[1, 2]", [], "one JSON object"),
    ('{"a": true, "b": 1}', [], "must be a number, a string"),
    ('{"a": null, "b": 1}', [], "must be a number, a string"),
    ('{"a": NaN, "b": 1}', [], "not a finite number"),
    ('{"a": 1e999, "b": 1}', [], "not a finite number"),
    ('{"a": 1, "b": 1, "z": 3}', [], "'z' is not an input"),
    ('{"a": "2x", "b": 1}', [], "value of a"),
])
def test_bad_point_files_are_input_errors(tmp_path, text, args, needle):
    (tmp_path / "p.json").write_text(text)
    result = invoke(["grad", "(a+b)*(b+1)", *args, "--point", str(tmp_path / "p.json")])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert "Traceback" not in result.output


def test_a_point_value_that_divides_by_zero_is_a_math_error_as_on_the_command_line(tmp_path):
    (tmp_path / "p.json").write_text('{"a": "1/0", "b": 1}')
    result = invoke(["grad", "(a+b)*(b+1)", "--point", str(tmp_path / "p.json")])
    assert result.exit_code == 1
    assert "division by zero" in result.stderr
    assert result.stderr == invoke(["grad", "(a+b)*(b+1)", "a=1/0", "b=1"]).stderr


def test_point_and_program_cannot_both_be_stdin(tmp_path):
    result = invoke(["grad", "-", "--point", "-"], input="x")
    assert result.exit_code == 2
    assert "standard input" in result.stderr
    result = invoke(["grad", "x", "--point", str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_every_command_takes_a_point_file(tmp_path):
    (tmp_path / "p.json").write_text('{"a": 2, "b": 1}')
    p = str(tmp_path / "p.json")
    for args in (["grad", "(a+b)*(b+1)"], ["hessian", "(a+b)*(b+1)"],
                 ["graph", "(a+b)*(b+1)"]):
        result = invoke([*args, "--point", p, "--format", "json"])
        assert result.exit_code == 0, (args, result.stderr)
        assert json.loads(result.stdout)["inputs"] == {"a": 2, "b": 1}


def test_point_file_with_direction_cotangent_and_batch(tmp_path):
    (tmp_path / "p.json").write_text('{"x": 1, "y": 2}')
    p = str(tmp_path / "p.json")
    d = grad_json(["x*y", "--point", p, "--direction", "x=1,y=0", "--json"])
    assert d["directional"] == {"v₁": 2}
    d = grad_json(["f = x*y", "--point", p, "--cotangent", "f=1", "--json"])
    assert d["inputs"] == {"x": 1, "y": 2}
    (tmp_path / "w.json").write_text('{"w": 0.5}')
    result = invoke(["grad", "(w*x - 1)^2", "--point", str(tmp_path / "w.json"), "--batch",
                     "-", "--wrt", "w"], input='{"x": 2}\n{"x": 4}\n')
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["gradient"]["w"] for line in lines] == [0.0, 2 * (0.5 * 4 - 1) * 4]


def test_a_name_twice_in_the_point_file_is_an_error(tmp_path):
    (tmp_path / "p.json").write_text('{"x": 1, "x": 5, "y": 2}')
    result = invoke(["grad", "x*y", "--point", str(tmp_path / "p.json")])
    assert result.exit_code == 2
    assert "x is given a value twice in --point" in result.stderr


def test_the_quick_path_makes_no_node_records_unless_a_kink_is_hit():
    from bpcalc.evaluate import evaluate
    from helpers import read

    g = read("y = x\n" + "y = relu(y) + max(y, 0.5)*0.25\n" * 100)
    ev = evaluate(g, {"x": 2.0})
    assert ev.warnings == [] and g._nodes is None and g._ids is None
    hit = evaluate(g, {"x": 0.0})  # relu(0) and a tie in max: kinks, with their nodes' text
    assert hit.warnings[0].startswith("kink at v₁ = relu(x): the operand is 0")
    assert hit.warnings[1].startswith("kink at v₁₄ = max(y.4, 0.5): the operands tie")


def test_lazy_sequences_behave_like_the_tuples_they_stand_for():
    from bpcalc.results.grad import Lazy

    seq = Lazy(4, lambda i: i * i)
    assert seq[:2] == (0, 1) and seq[-1] == 9 and list(reversed(seq)) == [9, 4, 1, 0]
    assert seq == (0, 1, 4, 9) and seq == [0, 1, 4, 9] and 4 in seq and seq.index(9) == 3
    assert repr(seq) == "Lazy(4 items)"
    with pytest.raises(IndexError, match="index -5 out of range for 4 items"):
        seq[-5]
