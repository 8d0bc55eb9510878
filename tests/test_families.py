"""Families in the language (issue 23): indexed names, sums and other reductions, functions,
0/1 comparisons, array values and fills.

The graph stays scalar, so each family program is checked against the same program
unrolled by hand (generated here as scalar text): the gradients must be equal to the last
bit in every mode, and the modes must agree with each other and with finite differences.
"""

from __future__ import annotations

import json
import math
import random
import time
from fractions import Fraction
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bpcalc import analysis
from bpcalc.cli import cli
from bpcalc.text.arrays import nested

MODES = ("reverse", "forward", "paths")


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input)


def family_grad(source: str, values: dict[str, Any], mode: str = "reverse") -> Any:
    """analysis.grad on a family program: lists are arrays, spread over their elements."""
    given = {k: nested(v, k) if isinstance(v, list) else v for k, v in values.items()}
    program = analysis.load(source, given)
    return analysis.grad(program.graph(), program.flat(given), mode)


def scalar_grad(source: str, values: dict[str, float], mode: str = "reverse") -> Any:
    return analysis.grad(analysis.load(source).graph(), values, mode)


def elements(name: str, value: Any) -> dict[str, float]:
    """A family's value as scalar names of the unrolled program: W=[[1,2]] -> W_1_1, W_1_2."""
    out: dict[str, float] = {}
    stack: list[tuple[tuple[int, ...], Any]] = [((), value)]
    while stack:
        at, v = stack.pop()
        if isinstance(v, list):
            stack.extend(((*at, k + 1), x) for k, x in reversed(list(enumerate(v))))
        else:
            out["_".join([name, *map(str, at)])] = float(v)
    return dict(sorted(out.items(), key=lambda kv: [int(p) if p.isdigit() else p
                                                    for p in kv[0].split("_")]))


def same_bits(family: Any, unrolled: Any) -> None:
    """The family program's value and gradient equal the unrolled program's, bit for bit
    (element x[2,1] is the unrolled x_2_1)."""
    (out,) = family.outputs
    (out2,) = unrolled.outputs
    assert family.values[out] == unrolled.values[out2]
    got = {k.replace("[", "_").replace(",", "_").rstrip("]"): v
           for k, v in family.jacobian[out].items()}
    assert got == unrolled.jacobian[out2]
    for k, v in got.items():  # == above says 0.0 == -0.0: the sign bit too
        assert math.copysign(1, v) == math.copysign(1, unrolled.jacobian[out2][k]), k


# --- the public examples, each against its unrolled program ----------------------------

NET = """h1[j] = relu(sum(W1[j,i] * x[i] for i) + b1[j])
h2[k] = relu(sum(W2[k,j] * h1[j] for j) + b2[k])
score = sum(w3[k] * h2[k] for k) + b3
loss = relu(1 - y*score) + 1e-4 * sum(p^2 for p in W1, W2, w3)"""


def net_unrolled(n1: int, n2: int) -> str:
    lines = [f"h1_{j} = relu({' + '.join(f'W1_{j}_{i} * x_{i}' for i in (1, 2))} + b1_{j})"
             for j in range(1, n1 + 1)]
    lines += [f"h2_{k} = relu({' + '.join(f'W2_{k}_{j} * h1_{j}' for j in range(1, n1 + 1))}"
              f" + b2_{k})" for k in range(1, n2 + 1)]
    lines.append(f"score = {' + '.join(f'w3_{k} * h2_{k}' for k in range(1, n2 + 1))} + b3")
    params = [f"W1_{j}_{i}" for j in range(1, n1 + 1) for i in (1, 2)]
    params += [f"W2_{k}_{j}" for k in range(1, n2 + 1) for j in range(1, n1 + 1)]
    params += [f"w3_{k}" for k in range(1, n2 + 1)]
    lines.append(f"loss = relu(1 - y*score) + 1e-4 * ({' + '.join(p + '^2' for p in params)})")
    return "\n".join(lines)


def net_values(n1: int, n2: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)

    def draw(*shape: int) -> Any:
        if len(shape) == 1:
            return [rng.uniform(-1, 1) for _ in range(shape[0])]
        return [draw(*shape[1:]) for _ in range(shape[0])]

    return {"W1": draw(n1, 2), "b1": draw(n1), "W2": draw(n2, n1), "b2": draw(n2),
            "w3": draw(n2), "b3": 0.25, "x": [0.4, -0.7], "y": -1.0}


def unrolled_values(values: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, v in values.items():
        out.update(elements(name, v) if isinstance(v, list) else {name: float(v)})
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", [1, 2])
def test_the_network_equals_its_unrolled_program_in_every_mode(mode, seed):
    values = net_values(3, 4, seed)
    family = family_grad(NET, values, mode)
    same_bits(family, scalar_grad(net_unrolled(3, 4), unrolled_values(values), mode))
    assert len(family.jacobian["loss"]) == 3 * 2 + 3 + 4 * 3 + 4 + 4 + 1 + 2 + 1


def test_the_demo_network_at_full_size():
    values = net_values(16, 16, 7)
    same_bits(family_grad(NET, values), scalar_grad(net_unrolled(16, 16),
                                                     unrolled_values(values)))


def test_a_sum_of_1000_squares_with_x_from_a_point_file(tmp_path):
    xs = [math.sin(k) for k in range(1, 1001)]
    point = tmp_path / "x.json"
    point.write_text(json.dumps({"x": xs}))
    r = run("grad", "sum(x[i]^2 for i in 1..1000)", "--point", str(point), "--json",
            "--fields", "value,gradient")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["gradient"]["x"] == [2 * x for x in xs]
    unrolled = scalar_grad(" + ".join(f"x_{i}^2" for i in range(1, 1001)),
                           {f"x_{i}": x for i, x in enumerate(xs, 1)})
    assert d["value"] == unrolled.values[unrolled.outputs[0]]


SOFTMAX = "p[c] = exp(z[c]) / sum(exp(z[k]) for k)\nloss = -sum(t[c]*log(p[c]) for c)"


@pytest.mark.parametrize("mode", MODES)
def test_softmax_with_a_cross_entropy_loss(mode):
    z, t = [0.3, -1.2, 2.0, 0.7], [0, 0, 1, 0]
    den = " + ".join(f"exp(z_{k})" for k in range(1, 5))
    lines = [f"p_{c} = exp(z_{c}) / ({den})" for c in range(1, 5)]
    lines.append("loss = -(" + " + ".join(f"t_{c}*log(p_{c})" for c in range(1, 5)) + ")")
    family = family_grad(SOFTMAX, {"z": z, "t": t}, mode)
    same_bits(family, scalar_grad("\n".join(lines), {**elements("z", z), **elements("t", t)},
                                  mode))
    soft = [math.exp(v) / sum(map(math.exp, z)) for v in z]
    grad_z = family.jacobian["loss"]
    assert [grad_z[f"z[{c}]"] for c in range(1, 5)] == pytest.approx(
        [s - y for s, y in zip(soft, t)], rel=1e-14)


RNN = "h[1] = tanh(u*x[1])\nh[t] = tanh(w*h[t-1] + u*x[t]) for t in 2..T\nout = h[T]"


@pytest.mark.parametrize("mode", MODES)
def test_a_recurrent_network_unrolled_in_time(mode):
    x = [0.5, -0.3, 0.8, 0.1, -0.9]
    lines = ["h_1 = tanh(u*x_1)", *(f"h_{t} = tanh(w*h_{t - 1} + u*x_{t})" for t in range(2, 6)),
             "out = h_5"]
    family = family_grad(RNN, {"x": x, "u": 0.7, "w": -1.3, "T": 5.0}, mode)
    same_bits(family, scalar_grad("\n".join(lines), {**elements("x", x), "u": 0.7, "w": -1.3},
                                  mode))


@pytest.mark.parametrize("mode", MODES)
def test_a_function_used_three_times(mode):
    family = family_grad("sq(u) = u*u\ny = sq(a) + sq(b) + sq(a*b)", {"a": 0.3, "b": -2.0},
                         mode)
    same_bits(family, scalar_grad("y = a*a + b*b + (a*b)*(a*b)", {"a": 0.3, "b": -2.0}, mode))
    assert len(family.nodes) == 8  # inlined: a*a, b*b, a*b and its square, two adds


def test_reductions_and_their_identities():
    r = family_grad("y = mean(x[i] for i) + max(x) + min(x) + prod(x) + sum(x)",
                    {"x": [1.0, 2.0, 3.0]})
    assert r.values["y"] == 2 + 3 + 1 + 6 + 6
    third = Fraction(1, 3)  # each entry is its exact sum, rounded once
    assert r.jacobian["y"] == {"x[1]": float(third + 1 + 6 + 1), "x[2]": float(third + 3 + 1),
                               "x[3]": float(third + 1 + 2 + 1)}
    assert family_grad("y = x + sum(x*i for i in 1..n) + prod(x for i in 1..n)",
                       {"x": 2.0, "n": 0.0}).values["y"] == 2 + 0 + 1
    r = family_grad("s = sum(sum(A[i,j] for j in 1..i) for i in 1..3)",
                    {"A": [[1, 2, 3], [4, 5, 6], [7, 8, 9]]})
    assert r.values["s"] == 1 + 4 + 5 + 7 + 8 + 9


def test_comparisons_are_zero_or_one_with_zero_derivative_and_a_tie_is_reported():
    r = family_grad("acc = (y*s > 0) + (y <= s)", {"y": 1.0, "s": 2.0})
    assert r.values["acc"] == 2 and r.jacobian["acc"] == {"y": 0, "s": 0}
    tie = family_grad("acc = (a >= b)", {"a": 1.0, "b": 1.0})
    assert tie.values["acc"] == 1 and any("equal" in w for w in tie.warnings)
    bad = run("grad", "a < b < c", "a=1", "b=2", "c=3")
    assert bad.exit_code == 2 and "do not chain" in bad.output


# --- random family programs against their unrolled text --------------------------------

UNARY = {"tanh": "tanh({})", "sin": "sin({})", "sigmoid": "sigmoid({})",
         "square": "({})^2", "soft": "softplus({})"}
REDUCE = ("sum", "prod", "mean", "max", "min")


@st.composite
def layer_programs(draw: Any) -> tuple[str, str, dict[str, Any]]:
    """`h[j] = f(sum(A[j,i] op x[i] for i) + c[j]); y = red(g(h[j]) for j)`, and its
    unrolled text, with values."""
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    f, g = draw(st.sampled_from(sorted(UNARY))), draw(st.sampled_from(sorted(UNARY)))
    op = draw(st.sampled_from(["*", "+", "-"]))
    red = draw(st.sampled_from(REDUCE))
    inner = draw(st.sampled_from(["sum", "prod", "mean"]))
    family = (f"h[j] = {UNARY[f].format(f'{inner}(A[j,i] {op} x[i] for i) + c[j]')}\n"
              f"y = {red}({UNARY[g].format('h[j]')} for j)")
    rows = []
    for j in range(1, m + 1):
        terms = [f"(A_{j}_{i} {op} x_{i})" for i in range(1, n + 1)]
        body = _fold(inner, terms)
        rows.append(f"h_{j} = {UNARY[f].format(f'{body} + c_{j}')}")
    rows.append(f"y = {_fold(red, [UNARY[g].format(f'h_{j}') for j in range(1, m + 1)])}")
    real = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 3))
    values = {"A": [[draw(real) for _ in range(n)] for _ in range(m)],
              "x": [draw(real) for _ in range(n)], "c": [draw(real) for _ in range(m)]}
    return family, "\n".join(rows), values


def _fold(op: str, terms: list[str]) -> str:
    """A reduction written out as the interpreter builds it: left to right."""
    if op in ("max", "min"):
        acc = terms[0]
        for t in terms[1:]:
            acc = f"{op}({acc}, {t})"
        return acc
    sign = {"sum": " + ", "mean": " + ", "prod": " * "}[op]
    out = "(" + sign.join(terms) + ")"
    return f"({out} / {len(terms)})" if op == "mean" and len(terms) > 1 else out


@given(layer_programs(), st.sampled_from(MODES))
def test_random_family_programs_equal_their_unrolled_text(case, mode):
    family_text, scalar_text, values = case
    scalar_values = {**elements("A", values["A"]), **elements("x", values["x"]),
                     **elements("c", values["c"])}
    try:
        family = family_grad(family_text, values, mode)
    except Exception as exc:  # a math error at the point must be the unrolled one's too
        with pytest.raises(type(exc)):
            scalar_grad(scalar_text, scalar_values, mode)
        return
    same_bits(family, scalar_grad(scalar_text, scalar_values, mode))


@given(layer_programs())
def test_random_family_programs_agree_with_finite_differences(case):
    family_text, _, values = case
    try:
        r = family_grad(family_text, values)
    except Exception:
        return
    base = {k: nested(v, k) for k, v in values.items()}
    program = analysis.load(family_text, base)
    at = {k: float(v) for k, v in program.flat(base).items()}
    graph = program.graph()
    h = 1e-6
    for name, g in r.jacobian["y"].items():
        up, down = dict(at), dict(at)
        up[name] += h
        down[name] -= h
        try:
            fd = (analysis.grad(graph, up, None).values["y"]
                  - analysis.grad(graph, down, None).values["y"]) / (2 * h)
        except Exception:
            continue
        scale = max(1.0, abs(r.values["y"]))
        if abs(fd - g) > 1e-4 * scale:  # a kink (max, min) between the two points is allowed
            assert any(w.startswith("kink") for w in r.warnings) or \
                "max" in family_text or "min" in family_text, (name, fd, g)


# --- values ----------------------------------------------------------------------------

def test_arrays_on_the_command_line_and_nested_json_out():
    r = run("grad", "y[i] = sum(W[i,j]*x[j] for j)", "W=[[1,2],[3,4]]", "x=[0.5,-1]", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["version"] == 2
    assert d["inputs"] == {"W": [[1, 2], [3, 4]], "x": [0.5, -1]}
    assert d["outputs"] == ["y"] and d["values"] == {"y": [-1.5, -2.5]}
    assert d["jacobian"]["y"][0] == {"W": [[0.5, -1], [0, 0]], "x": [1, 2]}
    assert [n["id"] for n in d["nodes"][:2]] == ["W[1,1]", "W[1,2]"]


def test_scalar_programs_keep_their_json():
    d = json.loads(run("grad", "(a+b)*(b+1)", "a=2", "b=1", "--json").output)
    assert d["inputs"] == {"a": 2, "b": 1} and d["gradient"] == {"a": 2, "b": 5}


def test_fills_are_drawn_with_the_seed_and_recorded():
    args = ["grad", "s = sum(W[i,j]^2 for i, j) + sum(b)", "W[2,3]=uniform(-1,1)", "b[3]=0.5",
            "--json", "--fields", "inputs,value"]
    one = json.loads(run(*args, "--seed", "5").output)
    again = json.loads(run(*args, "--seed", "5").output)
    other = json.loads(run(*args, "--seed", "6").output)
    assert one == again and one["inputs"]["W"] != other["inputs"]["W"]
    w = one["inputs"]["W"]
    assert len(w) == 2 and all(len(row) == 3 and all(-1 <= v <= 1 for v in row) for row in w)
    assert one["inputs"]["b"] == [0.5, 0.5, 0.5]
    normal = json.loads(run("grad", "sum(v)", "v[1000]=normal(3,0.5)", "--json",
                            "--fields", "inputs").output)["inputs"]["v"]
    mean = sum(normal) / len(normal)
    assert abs(mean - 3) < 0.1 and 0.4 < math.sqrt(sum((v - mean) ** 2 for v in normal)
                                                  / 999) < 0.6


def test_a_fill_without_a_shape_takes_the_shape_of_its_use():
    d = json.loads(run("grad", "h[j] = relu(sum(W[j,i]*x[i] for i) + b[j])",
                       "W=[[1,2],[3,4],[5,6]]", "x=[1,1]", "b=0", "--json",
                       "--fields", "inputs").output)
    assert d["inputs"]["b"] == [0, 0, 0]


def test_batch_rows_with_arrays_and_csv_columns_of_elements():
    program = "s = sum(x[i]^2 for i)*y"
    jsonl = run("grad", program, "--batch", "-",
                input='{"x": [1, 2], "y": 3}\n{"x": [2, 3, 4], "y": 1}\n')
    assert [json.loads(line) for line in jsonl.stdout.splitlines()] == [
        {"value": 15, "gradient": {"x": [6, 12], "y": 5}},
        {"line": 2, "error": "x is given shape [3], but the program reads it as shape [2]"}]
    csv = run("grad", program, "--batch", "-", input="x[1],x[2],y\n1,2,3\n")
    assert json.loads(csv.output) == {"value": 15, "gradient": {"x": [6, 12], "y": 5}}


def test_an_array_for_a_scalar_and_a_size_that_is_not_whole():
    r = run("grad", "x*2", "x=[1,2]")
    assert r.exit_code == 2 and "array" in r.output and "scalar" in r.output
    r = run("grad", "sum(x[i] for i in 1..n)", "x=[1,2]", "n=1.5")
    assert r.exit_code == 2 and "whole number" in r.output


# --- errors: exit 2, a caret under the place -------------------------------------------

ERRORS = [
    (["sum(x[i] for i in 1..4)", "x=[1,2,3]"], "x[4] is out of range: x has shape [3]"),
    (["h[j] = sum(W[j,i]*x[i] for i) + b[j]", "W=[[1,2],[3,4]]", "x=[1,1]", "b=[1,2,3]"],
     "j runs over 1..2 as index 1 of W, but over 1..3 as index 1 of b"),
    (["h[j] = 2*x", "x=1"], "the range of j cannot be inferred"),
    (["y = x + x[1]", "x=[1,2]"], "x is a family"),
    (["x = 2\ny = x[1]"], "x is a scalar"),
    (["f(u, v) = u*v\ny = f(a)", "a=1"], "f takes 2 arguments, got 1"),
    (["f(u) = f(u)*2\ny = f(a)", "a=1"], "f calls itself"),
    (["y = g(a)\ng(u) = u", "a=1"], "g is defined further on"),
    (["sin(u) = u\ny = sin(a)", "a=1"], "cannot define 'sin'"),
    (["h[t] = x[t] for t in 1..3\nh[t] = 2*x[t] for t in 3..4\ny = h[1]", "x=[1,2,3,4]"],
     "h[3] is defined twice"),
    (["h[2] = x[1]\ny = h[1]", "x=[1]"], "h[1] is read before it is defined"),
    (["y = sum(w*x)", "w=1", "x=1"], "sum needs a for"),
    (["y = x[i]", "x=[1]"], "i is a size"),
    (["y = x[1.5]", "x=[1]"], "an index is a whole number"),
    (["y = W[1]", "W=[[1,2]]"], "W has 2 indices, not 1"),
]


@pytest.mark.parametrize("args, message", ERRORS)
def test_errors_name_the_place(args, message):
    r = run("grad", *args)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output


def test_a_program_that_asks_for_a_huge_graph_is_refused_at_once():
    start = time.perf_counter()
    r = run("grad", "s = sum(c*c for i in 1..n)", "c=2", "n=1000000000")
    assert r.exit_code == 2 and "line 1 would make about" in r.output
    assert "past the limit of 10,000,000" in r.output
    r = run("grad", "s = sum(sum(c*i*j for j in 1..n) for i in 1..n)", "c=2", "n=100000")
    assert r.exit_code == 2 and "--max-nodes" in r.output
    assert time.perf_counter() - start < 5  # not built: refused from the code's count
    r = run("grad", "s = sum(c*i for i in 1..n)", "c=2", "n=2000", "--max-nodes", "1000")
    assert r.exit_code == 2 and "past the limit of 1,000" in r.output
    r = run("grad", "s = sum(c*i for i in 1..n)", "c=2", "n=2000", "--max-nodes", "10000",
            "--json", "--fields", "value")
    assert json.loads(r.output) == {"value": 2 * 2000 * 2001 / 2}


# --- descend ---------------------------------------------------------------------------

MOONS = ("--params", "W1[16,2]=uniform(-1,1), b1=0, W2[16,16]=uniform(-1,1), b2=0, "
         "w3=uniform(-1,1), b3=0")


def test_micrograds_demo_trains_to_full_accuracy_and_saves_what_it_learned(tmp_path):
    saved = tmp_path / "net.json"
    r = run("descend", "-f", "examples/moons.txt", "--data", "examples/moons.csv", *MOONS,
            "--steps", "100", "--lr", "1", "--report", "acc", "--save", str(saved), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["report"] == {"acc": 1} and d["loss"] < 0.02
    assert list(d["params"]) == ["W1", "b1", "W2", "b2", "w3", "b3"]
    assert len(d["params"]["W2"]) == 16 and len(d["params"]["W2"][0]) == 16
    back = json.loads(run("descend", "-f", "examples/moons.txt", "--data", "examples/moons.csv",
                          "--params", f"@{saved}", "--steps", "0", "--report", "acc",
                          "--json").output)
    assert back["loss"] == d["loss"] and back["start"] == d["params"]


def test_descend_folds_each_family_on_screen():
    r = run("descend", "-f", "examples/moons.txt", "--data", "examples/moons.csv", *MOONS,
            "--steps", "5", "--format", "plain")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert len(lines) < 60
    assert any(line.startswith("  W2 [16,16] = [") for line in lines)
    assert not any("W2[3,4]" in line for line in lines)


def test_descend_reads_json_rows_with_arrays():
    rows = "".join(json.dumps({"x": [k / 10, 1 - k / 10], "y": 2 * k / 10 - 1}) + "\n"
                   for k in range(10))
    r = run("descend", "loss = (sum(w[i]*x[i] for i) - y)^2", "--params", "w=[0,0]",
            "--data", "-", "--steps", "2000", "--lr", "0.5", "--json", input=rows)
    assert r.exit_code == 0, r.output
    w = json.loads(r.output)["params"]["w"]
    assert w == pytest.approx([1, -1], abs=1e-3)
