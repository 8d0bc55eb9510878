"""A fuzz test of the command line (issue 14): random programs at random and edge points,
and mutations of their text, through `grad` in every mode and `hessian`, as JSON.

Whatever the input, bpcalc exits 0 with valid JSON whose numbers are finite, 1 for a math
error or 2 for bad input, each with one `Error:` line; never 3 (a bug), never a traceback.
At points inside every operation's domain, the value matches a 50-digit mpmath evaluation
of the same program. Quick by default; `-m fuzz --hypothesis-profile long` runs 20,000
programs per test.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import tempfile
from xml.etree import ElementTree

import mpmath
import pytest
from click.testing import CliRunner
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bpcalc.cli import cli
from bpcalc.emitter import names as N
from bpcalc.text.parser import RESERVED
from helpers import json_numbers

pytestmark = pytest.mark.fuzz

UNARY = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log",
         "log2", "log10", "sqrt", "abs", "sigmoid", "relu", "softplus")
BINARY = ("+", "-", "*", "/", "^")
CALLS2 = ("pow", "max", "min")
EDGE = (0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-300, -1e-300, 1e300, -1e300, 5e-324, 709.0, 710.0,
        -745.0, 36.0, 40.0, 1e16, 3.141592653589793)
MP = {"sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan, "asin": mpmath.asin,
      "acos": mpmath.acos, "atan": mpmath.atan, "sinh": mpmath.sinh, "cosh": mpmath.cosh,
      "tanh": mpmath.tanh, "exp": mpmath.exp, "log": mpmath.log,
      "log2": lambda t: mpmath.log(t, 2), "log10": mpmath.log10, "sqrt": mpmath.sqrt,
      "abs": abs, "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t)),
      "relu": lambda t: max(t, 0), "softplus": lambda t: mpmath.log(1 + mpmath.exp(t)),
      "pow": lambda a, b: mpmath.power(a, b), "max": max, "min": min}


@st.composite
def expression(draw, depth: int = 3, leaves: tuple[str, ...] = ("x", "y", "z")) -> str:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from((*leaves, "2", "0.5", "3", "pi", "1e-3")))
    kind = draw(st.integers(0, 2))
    a = draw(expression(depth - 1, leaves))
    if kind == 0:
        return f"{draw(st.sampled_from(UNARY))}({a})"
    b = draw(expression(depth - 1, leaves))
    if kind == 1:
        return f"({a} {draw(st.sampled_from(BINARY))} {b})"
    return f"{draw(st.sampled_from(CALLS2))}({a}, {b})"


@st.composite
def program(draw, inputs: tuple[str, ...] = ("x", "y", "z"),
            names: tuple[str, ...] = ("p", "q", "out")) -> str:
    """One to three statements over `inputs`; `names` name them, the last the output."""
    lines = [f"{name} = {draw(expression(leaves=inputs))}"
             for name in names[:-1][:draw(st.integers(0, 2))]]
    body = draw(expression(leaves=inputs))
    for name in names[:len(lines)]:
        body = f"({body}) * {name}" if draw(st.booleans()) else f"{body} + {name}"
    return "\n".join([*lines, f"{names[-1]} = {body}"])


values = st.one_of(st.sampled_from(EDGE), st.floats(-5, 5, allow_nan=False))


def given_values(text: str, at: dict[str, float]) -> list[str]:
    """NAME=VALUE for the inputs the program reads (naming another is bad input)."""
    return [f"{k}={v!r}" for k, v in at.items() if re.search(rf"\b{k}\b", text)]


def run(args: list[str]):
    r = CliRunner().invoke(cli, args)
    event(f"exit {r.exit_code}")  # the run's figures: --hypothesis-show-statistics
    assert r.exit_code in (0, 1, 2), (args, r.exit_code, r.output)
    assert "Traceback" not in r.output
    return r


def _finite(data: object) -> bool:
    return all(math.isfinite(x) for x in json_numbers(data))


FLOAT = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin,
         "acos": math.acos, "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh,
         "tanh": math.tanh, "exp": math.exp, "log": math.log, "log2": math.log2,
         "log10": math.log10, "sqrt": math.sqrt, "abs": abs,
         "sigmoid": lambda t: 1 / (1 + math.exp(-t)), "relu": lambda t: max(t, 0.0),
         "softplus": lambda t: math.log1p(math.exp(t)), "pow": math.pow, "max": max,
         "min": min}


def _value(text: str, at: dict[str, float], functions: dict, number) -> object | None:
    """The program's value with these functions on these numbers, or None where an
    operation is out of its domain (or overflows)."""
    env: dict[str, object] = {**{k: number(v) for k, v in at.items()}, **functions,
                              "pi": number(math.pi)}  # pi as the program has it: a double
    try:
        for line in text.splitlines():
            name, expr = line.split(" = ", 1)
            v = eval(expr.replace("^", "**"), {"__builtins__": {}}, env)  # noqa: S307
            if isinstance(v, complex | mpmath.mpc) or not mpmath.isfinite(v):
                return None
            env[name] = v
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    return env["out"]


def _mp_value(text: str, at: dict[str, float]) -> mpmath.mpf | None:
    """The program's value at 50 digits where it is well conditioned: where the same
    program in plain floats (math) agrees with it to 1e-9; else None (floats round apart
    there, as `cos(acos(0))` is 6e-17 and not 0, and no check could tell)."""
    mpmath.mp.dps = 50
    exact, rounded = _value(text, at, MP, mpmath.mpf), _value(text, at, FLOAT, float)
    if not isinstance(exact, mpmath.mpf) or not isinstance(rounded, float):
        return None
    if abs(exact - rounded) > 1e-9 * max(abs(exact), 1e-9):
        return None
    return exact


@given(program(), st.fixed_dictionaries({n: values for n in "xyz"}),
       st.sampled_from(("reverse", "forward", "paths")))
def test_every_program_at_every_point_exits_cleanly(text, at, mode):
    args = ["grad", text, *given_values(text, at), "--mode", mode, "--json"]
    r = run(args)
    if r.exit_code:
        assert r.output.startswith("Error: ") or "\nError: " in r.output
        return
    data = json.loads(r.output)
    assert _finite(data)
    used = {k: v for k, v in at.items() if re.search(rf"\b{k}\b", text)}
    tame = all(abs(v) <= 5 and v not in EDGE for v in used.values())
    ref = _mp_value(text, at) if tame else None  # (at edge points floats round apart)
    if ref is not None and abs(ref) < 1e300:
        event("value checked against mpmath")
        assert data["value"] == pytest.approx(float(ref), rel=1e-9, abs=1e-9), text


@given(program(), st.fixed_dictionaries({n: values for n in "xyz"}))
def test_hessians_exit_cleanly(text, at):
    r = run(["hessian", text, *given_values(text, at), "--json"])
    if not r.exit_code:
        assert _finite(json.loads(r.output))


@given(program(), st.integers(0, 200), st.sampled_from(("", "(", ")", "*", "=", "#", ";",
                                                         "\n", ",", "1e999", "\ufeff", "∂",
                                                         "x x", "**", "--", "\x00")))
def test_mutated_text_is_bad_input_never_a_crash(text, at, piece):
    k = at % (len(text) + 1)
    mutated = text[:k] + piece + text[k + 1:]
    r = run(["grad", "--json", "--", mutated,
             *given_values(mutated, {"x": 0.5, "y": 2.0, "z": -1.0})])
    if r.exit_code == 0:
        assert _finite(json.loads(r.output))


@given(program(), st.fixed_dictionaries({n: values for n in "xyz"}))
def test_every_mode_gives_the_same_answer(text, at):
    """Reverse, forward and paths: the same exit status and, when they succeed, the same
    gradient to the last bit (their sums are carried in wide numbers: wide.py)."""
    given = given_values(text, at)
    runs = [run(["grad", text, *given, "--mode", m, "--json"])
            for m in ("reverse", "forward", "paths")]
    assert len({r.exit_code for r in runs}) == 1, [(r.exit_code, r.output) for r in runs]
    if runs[0].exit_code == 0:
        jacobians = [json.loads(r.output)["jacobian"] for r in runs]
        assert jacobians[0] == jacobians[1] == jacobians[2], text


# --- issue 29: emit, diff, descend and the drawings, with names from the reserved lists -----

# every name some language reserves and bpcalc's language allows, and the emitter's own
POOL = tuple(sorted(n for n in {*N.PYTHON_WORDS, *N.C_WORDS, *N.JS_WORDS, "f_grad",
                                "f_grad_error", "f_grad_fail", "fGrad", "f_jvp", "f_vjp",
                                "g_grad_error", "__proto__", "x_0", "x1"}
                    if re.fullmatch(r"[A-Za-z_]\w*", n, re.ASCII) and n not in RESERVED))
NAMES = POOL + ("x", "y", "z", "p", "q") * 20  # plain names about one draw in eight
# each of these runs a compiler, node or a descent: a share of the profile's examples
SLOW = settings(max_examples=max(10, settings.default.max_examples // 20))


@st.composite
def named_program(draw) -> tuple[str, tuple[str, ...]]:
    """A program whose inputs and statements take names from POOL (or plain ones)."""
    names: list[str] = []
    for _ in range(6):  # six distinct names: a name taken gives way to the next one free
        k = draw(st.integers(0, len(NAMES) - 1))
        while NAMES[k] in names:
            k = (k + 1) % len(NAMES)
        names.append(NAMES[k])
    inputs = tuple(names[:3])
    text = draw(program(inputs, tuple(names[3:])))
    if draw(st.booleans()):  # an input reassigned: its first version is x.0
        text += f"\n{names[-1]} += {inputs[0]}"
    return text, tuple(n for n in inputs if re.search(rf"(?<!\w){n}(?!\w)", text))


def _tame(at: list[float], inputs: tuple[str, ...]) -> list[str]:
    return [f"{n}={v!r}" for n, v in zip(inputs, at)]


@SLOW
@given(named_program(), st.sampled_from(("reverse", "forward")),
       st.sampled_from(("grad", "vector")), st.sampled_from(("f", "g", "class", "map")),
       st.one_of(st.none(), st.lists(st.floats(-3, 3), min_size=3, max_size=3)))
def test_emitted_code_checks_in_every_language(prog, mode, kind, name, at):
    """--check in Python, C and JavaScript: ok (no compiler warning), or the engine's own
    math error at the point given; a mismatch only where the function fails at a point
    where the engine took an infinite local derivative times an exact zero as 0."""
    text, inputs = prog
    outs = re.findall(r"^(\w+) =", text, re.M)[-2:]
    args = ["emit", text, "--mode", mode, "--name", name, "--check", "-o", os.devnull,
            *(_tame(at, inputs) if at else [])]
    if kind == "vector":
        args += ["--direction"] if mode == "forward" else ["--cotangent", "--output",
                                                          ",".join(dict.fromkeys(outs))]
    event(f"emit {mode} {kind}")
    r = run(args)
    assert "warned" not in r.output, (args, r.output)
    for line in r.output.splitlines():
        if " mismatch " not in f" {line}":
            continue
        # the function may fail where the engine multiplied an infinite local derivative
        # by an exact zero (an edge whose value is null); any other mismatch is a bug
        failed = re.search(r"it failed at (\{.*?\}): ", line)
        assert failed, (args, r.output)
        point = [f"{k}={v!r}" for k, v in ast.literal_eval(failed.group(1)).items()]
        edges = json.loads(run(["grad", text, *point, "--json"]).output)["edges"]
        assert any(e["value"] is None for e in edges), (args, r.output)
        event("emit: fails where the engine takes an infinite local derivative times 0")
    assert r.exit_code == 0 or "Error: math error" in r.output or " mismatch " in r.output


@given(named_program(), st.lists(values, min_size=3, max_size=3), st.booleans())
def test_diff_formulas_equal_the_engine(prog, at, as_latex):
    """diff --check: every δ and partial at the point equals the engine's; every name's
    LaTeX its own."""
    text, inputs = prog
    r = run(["diff", text, *_tame(at, inputs), "--check", "--json",
             *(["--latex"] if as_latex else [])])
    if r.exit_code:
        assert "Error: math error" in r.output or "Error: --check failed" not in r.output
        assert "--check failed" not in r.output, (text, at, r.output)
        return
    data = json.loads(r.output)
    assert data["check"]["passed"], (text, at, data["check"])
    lefts = [g["latex"] for g in data["gradient"].values()]
    assert len(set(data["wrt"])) == len(data["wrt"]) and len(lefts) == len(data["wrt"])


@SLOW
@given(named_program(), st.lists(st.lists(values, min_size=3, max_size=3), min_size=1,
                                 max_size=6),
       st.sampled_from(("sgd", "momentum", "adam")), st.sampled_from(("0.1", "1e-3", "5")))
def test_descend_on_odd_data_ends_cleanly(prog, rows, optimizer, lr):
    """The first input learns; the others are data columns (every odd value of EDGE); a
    loss of one input or none learns without data."""
    text, inputs = prog
    cols = inputs[1:]
    data = ",".join(cols) + "\n" + "\n".join(",".join(repr(v) for v in row[:len(cols)])
                                             for row in rows) + "\n"
    params = f"{inputs[0]}=0.5" if inputs else "nothing=0"  # none: the error says so
    r = CliRunner().invoke(cli, ["descend", text, "--params", params, "--steps", "20",
                                 *(["--data", "-"] if cols else []), "--optimizer",
                                 optimizer, "--lr", lr, "--format", "json"],
                           input=data if cols else None)
    event(f"descend exit {r.exit_code}")
    assert r.exit_code in (0, 1, 2) and "Traceback" not in r.output, (text, data, r.output)
    if r.exit_code == 0:
        out = json.loads(r.stdout)
        assert out["schema"] == "bpcalc/descend" and _finite(out)


@SLOW
@given(named_program(), st.lists(values, min_size=3, max_size=3),
       st.sampled_from(("reverse", "forward", "paths")))
def test_every_drawing_is_well_formed(prog, at, mode):
    """--svg and --html (grad, graph, hessian), --format tikz, dot and mermaid."""
    text, inputs = prog
    given_at = _tame(at, inputs)
    with tempfile.TemporaryDirectory() as tmp:
        svg, html = os.path.join(tmp, "g.svg"), os.path.join(tmp, "g.html")
        for args in (["grad", text, *given_at, "--mode", mode, "--svg", svg, "--html", html,
                      "--json"],
                     ["hessian", text, *given_at, "--svg", svg, "--json"],
                     ["graph", text, *given_at, "--svg", svg, "--json"]):
            if os.path.exists(svg):
                os.remove(svg)
            r = run(args)
            if r.exit_code == 0:
                ElementTree.parse(svg)  # well-formed XML
                if args[0] == "grad":
                    assert "<svg" in open(html, encoding="utf-8").read()
        for fmt in ("tikz", "dot", "mermaid"):
            r = run(["graph", text, "--format", fmt])
            assert r.exit_code or r.output.strip(), fmt
        tikz = run(["grad", text, *given_at, "--mode", mode, "--format", "tikz"])
        if tikz.exit_code == 0:
            assert tikz.output.count(r"\begin{tikzpicture}") == 1
            assert tikz.output.rstrip().endswith(r"\end{tikzpicture}")
