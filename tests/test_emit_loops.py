"""emit of a program with families (issue 24): a family is an array and a `for` loop in
Python, C and JavaScript, and so is the reverse sweep, each loop under its index formula;
the loops equal the engine's value and gradient at every element in all three languages."""

from __future__ import annotations

import random
import tempfile

import pytest
from click.testing import CliRunner

from bpcalc.analysis import load, point, wrt_inputs
from bpcalc.cli import cli
from bpcalc.emitter import check_loops, looped
from bpcalc.emitter.loop_check import call, flat, nested
from bpcalc.emitter.running import tool
from bpcalc.text.arrays import seeded
from bpcalc.text.values import assignments
from family_programs import PROGRAMS as FAMILY_PROGRAMS

MOONS_ARGS = ["-f", "examples/moons.txt", "x=[0.5,-0.3]", "y=1", "W1[16,2]=uniform(-1,1)",
              "b1=0", "W2[16,16]=uniform(-1,1)", "b2=0", "w3=uniform(-1,1)", "b3=0"]
LANGS = ("python", "c", "js")

PROGRAMS = [
    (open("examples/moons.txt").read(),
     {"x": "[0.5,-0.3]", "y": "-1", "W1[16,2]": "uniform(-1,1)", "b1": "normal(0,0.1)",
      "W2[16,16]": "uniform(-1,1)", "b2": "0", "w3": "uniform(-1,1)", "b3": "0.2"}),
    *FAMILY_PROGRAMS]


def program_at(source: str, values: dict[str, str], seed: int):
    given = seeded(assignments([f"{k}={v}" for k, v in values.items()]), seed)
    program = load(source, given)
    return program, program.graph(), program.flat(given)


def emitted(lang: str, *args: str) -> str:
    r = CliRunner().invoke(cli, ["emit", *MOONS_ARGS, "--lang", lang, *args])
    assert r.exit_code == 0, r.output
    return r.output


@pytest.mark.parametrize("lang", LANGS)
def test_the_demo_network_is_a_few_loops_under_80_lines(lang):
    code = emitted(lang)
    assert code.count("\n") < 80, code
    assert "W1_1_1" not in code and "W1[1,1]" not in code  # no element written out
    loop = {"python": "for j in range(16):", "c": "for (int j = 0; j < 16; j++)",
            "js": "for (let j = 0; j < 16; j++)"}[lang]
    assert loop in code
    mark = "#" if lang == "python" else "//"
    for said in ("h1[j] = relu(Σ_i W1[j,i]*x[i] + b1[j])",
                 "δ_h1[j] = Σ_k δ_h2[k]·(h2[k] > 0)·W2[k,j]",
                 "∂loss/∂W1[j,i] = δ_h1[j]·(h1[j] > 0)·x[i] + 0.0002·W1[j,i]"):
        assert f"{mark} {said}" in code, said


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", range(len(PROGRAMS)))
def test_the_loops_equal_the_engine_in_every_language(k, seed):
    source, values = PROGRAMS[k]
    program, graph, given = program_at(source, values, seed)
    wrt = list(wrt_inputs(graph, None))
    found = check_loops(program, graph, given, wrt)
    for c in found:
        if c.status.startswith("skipped"):
            continue
        assert c.status == "ok" and c.points == 1 and c.worst <= 1e-12, c
    assert [c.lang for c in found if c.status == "ok"][:1] == ["python"]


@pytest.mark.parametrize("lang", [lang for lang in LANGS if tool(lang)])
def test_a_wrong_loop_would_be_caught(lang):
    """Read W2 the wrong way round in δ_h1 and the numbers differ from the engine's."""
    program, graph, given = program_at(*PROGRAMS[0], 0)
    wrt = list(wrt_inputs(graph, None))
    e = looped(program, graph, lang, "reverse", wrt, "f", False)
    assert e is not None
    wrong = e.code.replace("W2[k][j]", "W2[j][k]", 1)
    assert wrong != e.code
    at = point(graph, given)
    args = [nested(at, p) for p in e.params]
    with tempfile.TemporaryDirectory() as tmp:
        right_numbers = call(e, lang, args, tmp)
        wrong_numbers = call(e._replace(code=wrong), lang, args, tmp)
    from bpcalc.analysis import grad

    r = grad(graph, at, "reverse", wrt)
    want = [r.values["loss"], *(x for f in e.wrt for x in flat(nested(r.jacobian["loss"], f)))]
    assert right_numbers == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert wrong_numbers != pytest.approx(want, rel=1e-6)


def test_emit_check_runs_the_loops_at_random_points_without_a_point():
    r = CliRunner().invoke(cli, ["emit", "y[i] = x[i]^2*w[i] for i in 1..n\ns = sum(y[i] for i)",
                                 "n=3", "--check"])
    assert r.exit_code == 0, r.output
    assert "python: ok at 3 points" in r.output and "loops, a family an array" in r.output


def test_programs_the_loops_do_not_cover_are_emitted_node_by_node():
    rnn = "h[1] = tanh(u*x[1])\nh[t] = tanh(w*h[t-1] + u*x[t]) for t in 2..T\nout = h[T]"
    r = CliRunner().invoke(cli, ["emit", rnn, "x=[0.5,-0.3,0.8]", "T=3", "u=0.7", "w=-1.3",
                                 "--check"])
    assert r.exit_code == 0, r.output
    assert "x_1, x_2, x_3" in r.output and "in range(" not in r.output
    forward = CliRunner().invoke(cli, ["emit", *MOONS_ARGS, "--mode", "forward"])
    assert forward.exit_code == 0 and "W1_1_1" in forward.output


def test_random_programs_of_one_layer_emit_loops_that_agree():
    """Layers of random widths and activations, each program checked in every language."""
    rng = random.Random(5)
    for _ in range(4):
        act = rng.choice(["tanh", "sigmoid", "relu", "softplus", "sin"])
        n, m = rng.randint(1, 4), rng.randint(1, 4)
        source = (f"h[j] = {act}(sum(W[j,i]*x[i] for i) + b[j])\n"
                  f"L = sum((h[j] - t[j])^2 for j) + 0.1*sum(p^2 for p in W)")
        values = {f"W[{m},{n}]": "normal(0,1)", f"b[{m}]": "normal(0,1)",
                  f"x[{n}]": "normal(0,1)", f"t[{m}]": "normal(0,1)"}
        program, graph, given = program_at(source, values, rng.randint(0, 99))
        found = check_loops(program, graph, given, list(wrt_inputs(graph, None)))
        assert all(c.status == "ok" or c.status.startswith("skipped") for c in found), found


def test_one_gradient_family_is_returned_as_a_tuple_of_one():
    code = CliRunner().invoke(cli, ["emit", "y = sum(x[i]^2 for i in 1..n)", "n=2",
                                    "x=[1,2]"]).output
    env: dict = {}
    exec(code, env)
    assert env["f_grad"]([1.0, 2.0]) == (5.0, ([2.0, 4.0],))
