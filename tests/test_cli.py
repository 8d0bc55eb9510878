"""The command line as a user meets it: options, inputs, output formats and every error kind.

Every invocation goes through `run`, which never lets a Python exception escape
unnoticed (`catch_exceptions=False`), and checks the invariants that hold for
every call: no traceback anywhere, no NaN/Infinity on stdout, and on failure an
empty stdout.
"""

from __future__ import annotations

import builtins
import json
import math
import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner, Result

from bpcalc import __version__
from bpcalc.cli import cli

SEED = "(a+b)*(b+1)"
SEED_ARGS = ["grad", SEED, "a=2", "b=1"]
SEED_PROGRAM = "c = a + b; d = b + 1; e = c * d"
MODES = ("reverse", "forward", "paths")
BOX_DRAWING = re.compile("[\u2500-\u257f]")  # ┃ │ ─ ┏ ... (the Unicode box-drawing block)


def run(args: list[str], input: str | bytes | None = None, env: dict | None = None) -> Result:
    result = CliRunner().invoke(cli, args, input=input, env=env, catch_exceptions=False)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    everything = result.stdout + result.stderr + result.output
    assert "Traceback" not in everything
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    if result.exit_code != 0:
        assert result.stdout == "", f"stdout must be empty on failure, got {result.stdout!r}"
    return result


def ok_json(args: list[str], input: str | None = None) -> dict:
    result = run(args, input=input)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def fails(args: list[str], status: int = 2, *needles: str, input: str | None = None) -> str:
    """Run, expect exit `status`, and check that stderr names each needle; return stderr."""
    result = run(args, input=input)
    assert result.exit_code == status, (result.exit_code, result.stderr)
    err = result.stderr
    assert err.strip(), "an error must say what went wrong"
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    return err


def caret_column(err: str, text: str) -> int:
    """The 0-based column under `text` that the caret line of a syntax error points at."""
    lines = err.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == text.strip() and lines[i + 1].strip() == "^":
            return lines[i + 1].index("^") - line.index(text)
    raise AssertionError(f"no source line {text!r} followed by a caret line in {err!r}")


# --- help and version ------------------------------------------------------------------


def test_group_help_lists_examples():
    result = run(["--help"])
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    assert 'grad "(a+b)*(b+1)" a=2 b=1' in result.stdout
    for name in cli.commands:
        assert name in result.stdout


def test_every_command_has_help_with_examples():
    assert "grad" in cli.commands
    for name, command in cli.commands.items():
        result = run([name, "--help"])
        assert result.exit_code == 0, name
        assert len(result.stdout.strip()) > 200, name
        assert "Examples" in result.stdout, name
        assert f"bpcalc {name} " in result.stdout, name
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in result.stdout, (name, opt)


def test_short_help_option():
    assert run(["-h"]).stdout == run(["--help"]).stdout
    assert run(["grad", "-h"]).stdout == run(["grad", "--help"]).stdout


def test_version():
    result = run(["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout
    assert "bpcalc" in result.stdout
    assert re.search(r"\d+\.\d+", result.stdout)


# --- the seed example ------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_seed_gradient_in_each_mode(mode):
    d = ok_json([*SEED_ARGS, "--mode", mode, "--format", "json"])
    assert d["schema"] == "bpcalc/grad"
    assert d["mode"] == mode
    assert d["inputs"] == {"a": 2, "b": 1}
    assert d["outputs"] == ["v₃"]
    assert d["value"] == 6 and isinstance(d["value"], int)
    assert d["gradient"] == {"a": 2, "b": 5}
    assert list(d["gradient"]) == ["a", "b"]
    assert all(isinstance(v, int) for v in d["gradient"].values())
    assert d["jacobian"] == {"v₃": {"a": 2, "b": 5}}
    assert [n["id"] for n in d["nodes"]] == ["a", "b", "v₁", "v₂", "v₃"]
    edges = {(e["from"], e["to"]): e["value"] for e in d["edges"]}
    assert edges == {("a", "v₁"): 1, ("b", "v₁"): 1, ("b", "v₂"): 1, ("v₁", "v₃"): 2,
                     ("v₂", "v₃"): 3}


def test_seed_mode_specific_keys():
    rev = ok_json([*SEED_ARGS, "--mode", "reverse"])
    assert {n["id"]: n["adjoint"]["v₃"] for n in rev["nodes"]} == {
        "a": 2, "b": 5, "v₁": 2, "v₂": 3, "v₃": 1}
    fwd = ok_json([*SEED_ARGS, "--mode", "forward"])
    assert {n["id"]: n["tangent"] for n in fwd["nodes"]}["v₃"] == {"a": 2, "b": 5}
    assert {n["id"]: n["tangent"] for n in fwd["nodes"]}["v₂"] == {"a": 0, "b": 1}
    pth = ok_json([*SEED_ARGS, "--mode", "paths"])
    assert pth["path_count"] == {"a": 1, "b": 2}
    assert pth["paths_truncated"] is False
    b_paths = {tuple(p["nodes"]): p["product"] for p in pth["paths"] if p["input"] == "b"}
    assert b_paths == {("b", "v₁", "v₃"): 2, ("b", "v₂", "v₃"): 3}


def test_seed_as_program_names_the_nodes():
    d = ok_json(["grad", SEED_PROGRAM, "a=2", "b=1"])
    assert [n["id"] for n in d["nodes"]] == ["a", "b", "c", "d", "e"]
    assert d["gradient"] == {"a": 2, "b": 5}


def test_auto_format_in_a_pipe_is_json():
    auto = run(SEED_ARGS)
    assert auto.exit_code == 0
    explicit = run([*SEED_ARGS, "--format", "auto"])
    assert json.loads(auto.stdout) == json.loads(explicit.stdout)
    assert json.loads(auto.stdout)["gradient"] == {"a": 2, "b": 5}
    assert auto.stderr == ""


def test_json_flag_is_format_json():
    a = run([*SEED_ARGS, "--json"])
    b = run([*SEED_ARGS, "--format", "json"])
    assert a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout
    assert json.loads(a.stdout)["gradient"] == {"a": 2, "b": 5}


def test_json_stdout_is_one_object_only():
    result = run([*SEED_ARGS, "--json"])
    assert result.stdout.strip().startswith("{")
    json.loads(result.stdout)  # raises if anything else is on stdout


@pytest.mark.parametrize("mode", MODES)
def test_plain_format(mode):
    result = run(["grad", SEED_PROGRAM, "a=2", "b=1", "--format", "plain", "--mode", mode])
    assert result.exit_code == 0
    out = result.stdout
    assert not out.lstrip().startswith("{")
    assert not BOX_DRAWING.search(out), BOX_DRAWING.findall(out)
    assert re.search(r"∂e/∂a\s*=\s*2\b", out), out
    assert re.search(r"∂e/∂b\s*=\s*5\b", out), out


def test_explicit_format_wins_over_json_default():
    # In CliRunner stdout is a pipe; --format plain must still give text.
    out = run([*SEED_ARGS, "--format", "plain"]).stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


@pytest.mark.parametrize("fmt", ["table", "tree"])
def test_table_and_tree_formats_are_accepted(fmt):
    result = run([*SEED_ARGS, "--format", fmt, "--color", "never"])
    assert result.exit_code == 0, result.stderr
    assert "5" in result.stdout
    assert "\x1b[" not in result.stdout  # --color never: no escape sequences


def test_no_color_and_color_option():
    table = [*SEED_ARGS, "--format", "table"]
    assert "\x1b[" not in run(table, env={"NO_COLOR": "1"}).stdout
    forced = run([*table, "--color", "always"], env={"NO_COLOR": "1"})
    assert forced.exit_code == 0
    assert "\x1b[" in forced.stdout  # --color overrides NO_COLOR
    assert "\x1b[" not in run([*table, "--color", "never"]).stdout


# --- where the expression comes from ---------------------------------------------------


def test_expression_from_file(tmp_path):
    path = tmp_path / "model.txt"
    path.write_text("# the seed as a program\nc = a + b\nd = b + 1\ne = c * d\n", "utf-8")
    d = ok_json(["grad", "-f", str(path), "a=2", "b=1"])
    assert d["gradient"] == {"a": 2, "b": 5}
    assert d["outputs"] == ["e"]
    d = ok_json(["grad", "--file", str(path), "a=2", "b=1", "--mode", "paths"])
    assert d["path_count"] == {"a": 1, "b": 2}


def test_file_with_bare_expression_and_newline_in_parentheses(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("((a+b)\n*(b+1))\n", "utf-8")
    assert ok_json(["grad", "-f", str(path), "a=2", "b=1"])["gradient"] == {"a": 2, "b": 5}
    path.write_text("(a+b)*\n(b+1)\n", "utf-8")  # outside parentheses a newline ends it
    fails(["grad", "-f", str(path), "a=2", "b=1"], 2)


def test_expression_from_stdin_dash():
    d = ok_json(["grad", "-", "a=2", "b=1"], input=SEED + "\n")
    assert d["gradient"] == {"a": 2, "b": 5}


def test_expression_from_stdin_file_dash():
    d = ok_json(["grad", "-f", "-", "a=2", "b=1"], input=SEED_PROGRAM.replace("; ", "\n"))
    assert d["gradient"] == {"a": 2, "b": 5}


def test_leading_minus_after_double_dash():
    d = ok_json(["grad", "--", "-x**2", "x=3"])
    assert d["value"] == -9
    assert d["gradient"] == {"x": -6}


def test_leading_minus_without_double_dash_says_to_use_it():
    err = fails(["grad", "-x**2", "x=3"], 2)
    assert re.search(r"(?<![-\w])--(?![-\w])", err), err  # a bare `--`, not `--help`
    assert "-x**2" in err


def test_python_precedence():
    assert ok_json(["grad", "2**-x", "x=1"])["value"] == 0.5
    assert ok_json(["grad", "x^3^2", "x=2"])["value"] == 512
    assert ok_json(["grad", "x/2/4", "x=8"])["value"] == 1


def test_constant_values():
    d = ok_json(["grad", "x*y", "x=pi/4", "y=-1/3"])
    assert d["inputs"] == {"x": math.pi / 4, "y": -1 / 3}
    assert d["gradient"]["x"] == pytest.approx(-1 / 3, rel=1e-15)
    assert d["gradient"]["y"] == pytest.approx(math.pi / 4, rel=1e-15)
    d = ok_json(["grad", "sin(x)", "x=pi/2"])
    assert d["value"] == 1


def test_wrt():
    d = ok_json([*SEED_ARGS, "--wrt", "b"])
    assert d["gradient"] == {"b": 5}
    d = ok_json([*SEED_ARGS, "--wrt", "b,a"])
    assert d["gradient"] == {"b": 5, "a": 2}
    d = ok_json([*SEED_ARGS, "--wrt", "b", "--mode", "forward"])
    assert d["gradient"] == {"b": 5}
    assert all(list(n["tangent"]) == ["b"] for n in d["nodes"])
    d = ok_json([*SEED_ARGS, "--wrt", "b", "--mode", "paths"])
    assert d["path_count"] == {"b": 2}
    assert {p["input"] for p in d["paths"]} == {"b"}


def test_output_gives_a_jacobian():
    d = ok_json(["grad", SEED_PROGRAM, "a=2", "b=1", "--output", "c,e"])
    assert d["outputs"] == ["c", "e"]
    assert d["values"] == {"c": 3, "e": 6}
    assert d["jacobian"] == {"c": {"a": 1, "b": 1}, "e": {"a": 2, "b": 5}}
    assert "gradient" not in d and "value" not in d
    d = ok_json(["grad", SEED_PROGRAM, "a=2", "b=1", "--output", "d"])
    assert d["outputs"] == ["d"]
    assert d["gradient"] == {"a": 0, "b": 1}


def test_output_jacobian_agrees_in_every_mode():
    prog = "r = sqrt(x*x + y*y); phi = atan(y/x)"
    jacs = [ok_json(["grad", prog, "x=0.6", "y=0.8", "--output", "r,phi", "--mode", m])
            ["jacobian"] for m in MODES]
    for jac in jacs:
        assert jac["r"]["x"] == pytest.approx(0.6, rel=1e-12)
        assert jac["r"]["y"] == pytest.approx(0.8, rel=1e-12)
        assert jac["phi"]["x"] == pytest.approx(-0.8, rel=1e-12)
        assert jac["phi"]["y"] == pytest.approx(0.6, rel=1e-12)


def test_limit():
    d = ok_json([*SEED_ARGS, "--mode", "paths", "--limit", "1"])
    assert len(d["paths"]) == 1
    assert d["paths_truncated"] is True
    assert d["path_count"] == {"a": 1, "b": 2}
    assert d["gradient"] == {"a": 2, "b": 5}
    d = ok_json([*SEED_ARGS, "--mode", "paths", "--limit", "0"])
    assert d["paths"] == []
    assert d["paths_truncated"] is True
    assert d["gradient"] == {"a": 2, "b": 5}
    d = ok_json([*SEED_ARGS, "--mode", "paths", "--limit", "3"])
    assert len(d["paths"]) == 3
    assert d["paths_truncated"] is False


def test_path_counts_are_exact_and_not_listed():
    # 3^20 paths: counted exactly, listing bounded by --limit.
    prog = "\n".join(["y = x"] + ["y = y + y + y"] * 20)
    d = ok_json(["grad", prog, "x=1", "--mode", "paths", "--limit", "5"])
    assert d["path_count"] == {"x": 3**20}
    assert isinstance(d["path_count"]["x"], int)
    assert len(d["paths"]) == 5
    assert d["paths_truncated"] is True
    assert d["gradient"] == {"x": 3**20}


# --- syntax errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "columns"),
    [
        ("2x", {1}),
        ("(x", {0, 2}),
        ("x)", {1}),
        ("x +", {3}),
        ("x y", {2}),
        ("$", {0}),
    ],
)
def test_syntax_error_shows_text_and_caret(expr, columns):
    err = fails(["grad", expr, "x=1", "y=1"], 2)
    assert "syntax" in err.lower()
    assert caret_column(err, expr) in columns


def test_implicit_multiplication_suggests_star():
    err = fails(["grad", "2x", "x=1"], 2, "2*x")
    assert caret_column(err, "2x") == 1
    fails(["grad", "x y", "x=1", "y=1"], 2, "x*y")


def test_syntax_error_in_program_names_the_line(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("y = x + 1\nz = y *\n", "utf-8")
    err = fails(["grad", "-f", str(path), "x=1"], 2)
    assert "line 2" in err
    caret_column(err, "z = y *")


def test_unknown_function_suggests_closest():
    err = fails(["grad", "sinn(x)", "x=1"], 2, "sinn")
    assert re.search(r"\bsin\b", err), err
    err = fails(["grad", "sqr(x)", "x=1"], 2, "sqr")
    assert re.search(r"\bsqrt\b", err), err


def test_missing_values_are_listed():
    err = fails(["grad", "alpha*beta + gamma", "alpha=1"], 2, "beta", "gamma")
    assert "missing" in err.lower()
    fails(["grad", "alpha*beta"], 2, "alpha", "beta")


def test_missing_e_hints_at_exp1():
    fails(["grad", "x*e", "x=1"], 2, "exp(1)")
    fails(["grad", "e"], 2, "exp(1)")


def test_unknown_name_lists_the_inputs():
    err = fails(["grad", "alpha*beta", "alpha=1", "beta=2", "gamma=3"], 2, "gamma")
    assert "alpha" in err and "beta" in err


@pytest.mark.parametrize(
    ("item", "needle"),
    [("a2", "a2"), ("=3", "=3"), ("a=", "a="), ("a=b+", "b+"), ("a=x", "a")],
)
def test_malformed_name_value(item, needle):
    err = fails(["grad", "a + x", "x=1", item], 2, needle)
    assert "Traceback" not in err


def test_value_must_be_constant():
    err = fails(["grad", "a + x", "x=1", "a=x"], 2)
    assert "constant" in err.lower() or "number" in err.lower()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999", "NaN", "Infinity"])
def test_non_finite_values_are_rejected(value):
    fails(["grad", "x*2", f"x={value}"], 2, value)


def test_value_given_twice():
    fails(["grad", "x", "x=1", "x=2"], 2, "x")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--mode", "sideways"], ("sideways", "--mode")),
        (["--limit", "-1"], ("-1", "--limit")),
        (["--limit", "many"], ("many", "--limit")),
        (["--format", "xml"], ("xml", "--format")),
        (["--wrt", "gamma"], ("gamma",)),
        (["--wrt", "alpha,,beta"], ("--wrt",)),
        (["--output", "zeta"], ("zeta",)),
    ],
)
def test_bad_option_values(args, needles):
    fails(["grad", "alpha*beta", "alpha=1", "beta=2", *args], 2, *needles)


def test_wrt_names_a_computed_name():
    fails(["grad", SEED_PROGRAM, "a=2", "b=1", "--wrt", "c"], 2, "c")


@pytest.mark.parametrize(
    ("args", "input"),
    [
        (["grad", ""], None),
        (["grad", "   "], None),
        (["grad", "\n\n;\n"], None),
        (["grad", "-"], ""),
        (["grad", "-f", "-"], "   \n"),
    ],
)
def test_empty_expression(args, input):
    err = fails(args, 2, input=input)
    assert "empty" in err.lower()


def test_missing_expression():
    fails(["grad"], 2, "EXPR")


def test_unreadable_file(tmp_path):
    missing = tmp_path / "nope.txt"
    fails(["grad", "-f", str(missing), "x=1"], 2, "nope.txt")
    fails(["grad", "-f", str(tmp_path), "x=1"], 2, str(tmp_path))
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"x + \xff\xfe\n")
    fails(["grad", "-f", str(binary), "x=1"], 2, "bin.txt")


# --- math errors at the point ----------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "value", "ops", "definitions"),
    [
        ("log(x)", "x=-1", ("log",), ("log(x)",)),
        ("1/x", "x=0", ("div", "division"), ("1/x",)),
        ("sqrt(x)", "x=-2", ("sqrt",), ("sqrt(x)",)),
        ("x**0.5", "x=-4", ("pow", "**", "^"), ("x^0.5", "x**0.5")),
        ("exp(x)", "x=1000", ("exp",), ("exp(x)",)),
    ],
)
def test_math_error_names_node_and_operation(expr, value, ops, definitions):
    err = fails(["grad", expr, value], 1)
    squashed = err.replace(" ", "")
    assert any(op in err for op in ops), err
    assert any(d in squashed for d in definitions), err
    # In a program the node is named by the user's name.
    err = fails(["grad", f"y = {expr}", value], 1)
    assert re.search(r"\by\b", err), err
    assert any(op in err for op in ops), err


def test_overflow_is_called_overflow():
    err = fails(["grad", "exp(x)", "x=1000"], 1)
    assert "overflow" in err.lower()
    err = fails(["grad", "exp(1000)"], 1)
    assert "overflow" in err.lower()


@pytest.mark.parametrize(
    ("expr", "ops", "definitions"),
    [
        ("log(-1)", ("log",), ("log(-1)",)),
        ("1/0", ("div", "division"), ("1/0",)),
        ("sqrt(-2)", ("sqrt",), ("sqrt(-2)",)),
        ("(-4)**0.5", ("pow", "**", "^"), ("(-4)^0.5", "(-4)**0.5")),
        ("exp(1000)", ("exp",), ("exp(1000)",)),
    ],
)
def test_math_error_in_constant(expr, ops, definitions):
    for args in (["grad", expr], ["grad", f"x + {expr}", "x=1"]):
        err = fails(args, 1)
        assert any(op in err for op in ops), err
        assert any(d in err.replace(" ", "") for d in definitions), err


@pytest.mark.parametrize(
    ("expr", "values"),
    [
        ("sqrt(x)", ["x=0"]),  # finite value, infinite derivative
        ("asin(x)", ["x=1"]),
        ("x*y", ["x=1e300", "y=1e300"]),
        ("x/y", ["x=1", "y=1e-310"]),
        ("sin(sin(x*1e200)*1e200)", ["x=1"]),  # values finite, derivative overflows
        ("x**-1", ["x=0"]),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_non_finite_results_are_math_errors(expr, values, mode):
    for fmt in ("json", "plain"):
        fails(["grad", expr, *values, "--mode", mode, "--format", fmt], 1)


@pytest.mark.parametrize("mode", MODES)
def test_finite_numbers_whose_sum_overflows_are_no_error(mode):
    # graph.all_finite sums the values first: here the sum overflows, and each is finite.
    data = ok_json(["grad", "x*1 + 0*y", "x=1.5e308", "y=1.5e308", "--mode", mode, "--json"])
    assert (data["value"], data["gradient"]) == (1.5e308, {"x": 1, "y": 0})


# --- hostile input ---------------------------------------------------------------------


HOSTILE = [
    "__import__('os').system('echo hi')",
    "x.__class__",
    "open('/etc/passwd')",
    "lambda: 1",
    '"x"',
    "x[0]",
    "λ*2",
    "x\x00",
    "\x00",
    "# only a comment",
    "# one\n# two\n",
    "x = 1; import os",
    "exec('1')",
    "eval('1')",
    "x if x else x",
    "{x}",
    "x @ x",
    "x % 2",
    "x == 1",
    "x; x",
]


@pytest.fixture
def no_code_runs(monkeypatch):
    calls: list = []

    def spy(name):
        def f(*args, **kwargs):
            calls.append((name, args))
            raise AssertionError(f"{name} called with {args!r}")
        return f

    real_open = builtins.open

    def watched_open(file, *args, **kwargs):
        if "passwd" in str(file):
            calls.append(("open", file))
            raise AssertionError("opened /etc/passwd")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "system", spy("os.system"))
    monkeypatch.setattr(os, "popen", spy("os.popen"))
    monkeypatch.setattr(subprocess, "Popen", spy("subprocess.Popen"))
    monkeypatch.setattr(builtins, "eval", spy("eval"))
    monkeypatch.setattr(builtins, "open", watched_open)
    return calls


@pytest.mark.parametrize("expr", HOSTILE)
def test_hostile_input_is_rejected_cleanly(expr, no_code_runs):
    for args, input in ((["grad", expr, "x=1"], None), (["grad", "-", "x=1"], expr)):
        result = run(args, input=input)
        assert result.exit_code == 2, (expr, result.stderr)
        assert result.stderr.strip()
        assert "hi\n" not in result.output.replace(expr, "")
        assert "root:" not in result.output
    assert no_code_runs == []


@pytest.mark.parametrize("value", ["__import__('os').system('echo hi')", "open('/etc/passwd')",
                                   "1\x00", "λ", "x.real", "[1]"])
def test_hostile_values_are_rejected_cleanly(value, no_code_runs):
    result = run(["grad", "x", f"x={value}"])
    assert result.exit_code == 2, result.stderr
    assert "root:" not in result.output
    assert no_code_runs == []


def test_very_long_name():
    name = "n" * 10_000
    err = fails(["grad", name], 2, name)
    assert "missing" in err.lower()
    d = ok_json(["grad", f"{name}*2", f"{name}=3"])
    assert d["gradient"] == {name: 2}


def test_hostile_file_is_not_read_beyond_f(tmp_path, no_code_runs):
    path = tmp_path / "evil.txt"
    path.write_text("open('/etc/passwd')\n", "utf-8")
    result = run(["grad", "-f", str(path)])
    assert result.exit_code == 2
    assert "root:" not in result.output
    assert no_code_runs == []


# --- the real process ------------------------------------------------------------------


def _process(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bpcalc", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})


def test_python_dash_m_pipe_gives_json():
    proc = _process(*SEED_ARGS)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["gradient"] == {"a": 2, "b": 5}


@pytest.mark.parametrize(
    ("args", "status"),
    [(["grad", "2x", "x=1"], 2), (["grad", "1/x", "x=0"], 1), (["grad", "-x", "x=1"], 2),
     (["grad", "x", "x=1", "--mode", "up"], 2), (["nosuchcommand"], 2)],
)
def test_process_exit_status(args, status):
    proc = _process(*args)
    assert proc.returncode == status, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip()
