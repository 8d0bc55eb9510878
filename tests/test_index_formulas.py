"""diff of a program with families (issue 24): one δ line a family and one gradient formula
a parameter family, in their indices, derived from the definitions; evaluated at random
points they equal the engine's adjoints and gradient at every element."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

import bpcalc.cli.common
from bpcalc.analysis import load, wrt_inputs
from bpcalc.cli import cli
from bpcalc.formulas import diff
from bpcalc.formulas.index_diff import IndexDiff
from bpcalc.formulas.indexed import Unsupported
from bpcalc.formulas.trees import Num, Over, text
from bpcalc.render import formula_view as fv
from family_programs import PROGRAMS, SOFTMAX, TRANSPOSE

MOONS = open("examples/moons.txt").read()
PARAMS = {"W1[16,2]": "uniform(-1,1)", "b1": "0", "W2[16,16]": "uniform(-1,1)", "b2": "0",
          "w3": "uniform(-1,1)", "b3": "0"}
MOONS_ARGS = ["-f", "examples/moons.txt", "x=[0.5,-0.3]", "y=1",
              *(f"{k}={v}" for k, v in PARAMS.items())]


def given(text_values: dict[str, str], seed: int = 0) -> dict[str, object]:
    """NAME=VALUE pairs as the command reads them, fills drawn with `seed`."""
    from bpcalc.text.arrays import seeded
    from bpcalc.text.values import assignments

    return seeded(assignments([f"{k}={v}" for k, v in text_values.items()]), seed)


def family_diff(source: str, values: dict[str, str], seed: int = 0) -> IndexDiff:
    program = load(source, given(values, seed))
    r = diff(program, program.flat(given(values, seed)), check=True)
    assert isinstance(r, IndexDiff), "written element by element"
    return r


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def lines_of(r: IndexDiff) -> dict[str, str]:
    return {ln.left: text(ln.tree) for b in r.blocks for ln in (*b.deltas, *b.gradient)}


def test_the_demo_network_backpropagates_in_a_handful_of_index_formulas():
    out = run("diff", *MOONS_ARGS, "--format", "plain")
    assert out.exit_code == 0, out.output
    wanted = [
        "δ_score  -(1 - y*score > 0)·y",
        "δ_h2[k]  δ_score·w3[k]",
        "δ_h1[j]  Σ_k δ_h2[k]·(h2[k] > 0)·W2[k,j]",
        "∂loss/∂W1[j,i]  δ_h1[j]·(h1[j] > 0)·x[i] + 0.0002·W1[j,i]",
        "∂loss/∂x[i]     Σ_j δ_h1[j]·(h1[j] > 0)·W1[j,i]",
        "∂loss/∂b1[j]    δ_h1[j]·(h1[j] > 0)",
        "∂loss/∂W2[k,j]  δ_h2[k]·(h2[k] > 0)·h1[j] + 0.0002·W2[k,j]",
        "∂loss/∂w3[k]    δ_score·h2[k] + 0.0002·w3[k]",
        "∂loss/∂b3       δ_score",
    ]
    got = [ln.strip() for ln in out.output.splitlines()]
    for line in wanted:
        assert line in got, (line, out.output)


@pytest.mark.parametrize("width", (80, 50))
@pytest.mark.parametrize("fmt", ("plain", "table"))
@pytest.mark.parametrize("extra", ([], ["--check"], ["--latex"]))
def test_the_demo_networks_diff_keeps_to_40_lines(width, fmt, extra, monkeypatch):
    monkeypatch.setattr(bpcalc.cli.common, "stdout_is_terminal", lambda: True)
    r = CliRunner().invoke(cli, ["diff", *MOONS_ARGS, "--format", fmt, *extra],
                           env={"COLUMNS": str(width), "NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert len(lines) <= 40 or extra == ["--latex"] and len(lines) <= 60, r.output
    assert all(cell_len(ln.rstrip()) <= width for ln in lines), r.output
    if extra == ["--check"]:
        assert "at all 373 elements" in " ".join(r.output.split()) and "all agree" in r.output


def test_latex_writes_layers_sums_and_iverson_brackets():
    out = run("diff", *MOONS_ARGS, "--latex", "--json")
    d = json.loads(out.output)
    deltas = {x["name"]: x["latex"] for x in d["backprop"]["loss"]["deltas"]}
    assert deltas["δ_h1[j]"] == (r"\sum_{k} \delta^{(2)}_{k} \,[h^{(2)}_{k} > 0] "
                                 r"W^{(2)}_{kj}")
    table = run("diff", *MOONS_ARGS, "--latex", "--format", "plain").output
    assert r"\delta^{(1)}_{j}" in table and r"\frac{\partial \mathit{loss}}" in table


def _random_params(rng: random.Random) -> dict[str, str]:
    return {"x": f"[{rng.uniform(-2, 2)},{rng.uniform(-2, 2)}]", "y": rng.choice(["1", "-1"]),
            **PARAMS}


@pytest.mark.parametrize("seed", range(4))
def test_index_formulas_equal_the_engine_at_every_element_of_random_points(seed):
    rng = random.Random(seed)
    cases = [(MOONS, _random_params(rng)), *PROGRAMS]
    for source, values in cases:
        r = family_diff(source, values, seed)
        assert r.checks, source
        assert r.passed, [c for c in r.checks if not c.ok]
        wrt = list(wrt_inputs(load(source, given(values, seed)).graph(), None))
        compared = sum(c.elements for c in r.checks if c.left.startswith("∂"))
        assert compared == len(wrt), source  # every input element's derivative


def test_a_wrong_formula_would_be_caught():
    """The check compares numbers that could differ: drop a term and it fails."""
    from bpcalc.formulas import index_diff as module

    source, values = SOFTMAX
    r = family_diff(source, values)
    assert r.passed
    real = module.per_family

    def broken(*args):
        blocks = real(*args)
        b = blocks[0]
        g = b.gradient[0]
        tree = g.tree.terms[0] if hasattr(g.tree, "terms") else Num(0.0)
        return (b._replace(gradient=(g._replace(tree=tree), *b.gradient[1:])),)

    module.per_family = broken
    try:
        assert not family_diff(source, values).passed
    finally:
        module.per_family = real


def test_a_sum_over_the_rows_is_a_sigma_with_its_range():
    r = family_diff(*TRANSPOSE)
    got = lines_of(r)
    assert got["∂f/∂A[i,j]"] == "δ_u[j]·v[i]"
    assert got["∂f/∂v[i]"] == "Σ_j δ_u[j]·A[i,j]"
    tree = r.blocks[0].gradient[1].tree
    assert isinstance(tree, Over) and tree.ranges == ((1, 4),)


def test_programs_the_index_trees_do_not_cover_are_written_element_by_element():
    rnn = ("h[1] = tanh(u*x[1])\nh[t] = tanh(w*h[t-1] + u*x[t]) for t in 2..T\nout = h[T]")
    values = given({"x": "[0.5,-0.3,0.8]", "T": "3", "u": "0.7", "w": "-1.3"})
    program = load(rnn, values)
    r = diff(program, program.flat(values), check=True)
    assert not isinstance(r, IndexDiff) and r.passed
    assert r.element_wise == "h is defined in pieces or at fixed indices"  # and said so:
    assert "element by element: h is defined in pieces" in " ".join(fv.lines(r))
    from bpcalc.formulas.indexed import statements

    with pytest.raises(Unsupported):
        statements(program.built.builder.program, program.graph())


def test_json_gives_each_formulas_values_per_element_as_the_engine_does():
    d = json.loads(run("diff", *MOONS_ARGS, "--json").output)
    g = json.loads(run("grad", *MOONS_ARGS, "--json").output)
    assert d["families"] is True
    assert d["gradient"]["W1"]["formula"] == "δ_h1[j]·(h1[j] > 0)·x[i] + 0.0002·W1[j,i]"
    for fam, want in g["gradient"].items():
        assert _close(d["gradient"][fam]["value"], want), fam


def _close(a: object, b: object) -> bool:
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_close, a, b))
    return abs(float(a) - float(b)) <= 1e-12 + 1e-9 * abs(float(b))  # type: ignore[arg-type]


def test_elements_that_are_one_node_are_left_out_of_the_delta_check_and_said():
    r = family_diff("h[j] = a*b for j in 1..3\ny = sum(h[j]*x[j] for j)",
                    {"a": "2", "b": "3", "x": "[1,2,3]"})
    assert r.passed and r.shared == 3
    assert lines_of(r)["∂y/∂a"] == "Σ_j δ_h[j]·b"
    assert sum(c.elements for c in r.checks) == 5  # a, b and x's three: every input


def test_random_layers_give_formulas_that_agree_at_every_element():
    rng = random.Random(11)
    for _ in range(6):
        act = rng.choice(["tanh", "sigmoid", "relu", "softplus", "sin", "exp", "atan"])
        n, m = rng.randint(1, 4), rng.randint(1, 4)
        source = (f"h[j] = {act}(sum(W[j,i]*x[i] for i) + b[j])\n"
                  f"L = sum((h[j] - t[j])^2 for j) + 0.1*sum(p^2 for p in W)")
        values = {f"W[{m},{n}]": "normal(0,1)", f"b[{m}]": "normal(0,1)",
                  f"x[{n}]": "normal(0,1)", f"t[{m}]": "normal(0,1)"}
        r = family_diff(source, values, rng.randint(0, 99))
        assert r.passed, (source, [c for c in r.checks if not c.ok])
        assert sum(c.elements for c in r.checks if c.left.startswith("∂")) == m * n + 2 * m + n


def test_json_without_a_point_has_the_formulas_alone():
    d = json.loads(run("diff", "h[j] = tanh(w[j]*x) for j in 1..n\ny = sum(h[j] for j)",
                       "n=2", "--json").output)
    assert d["families"] is True and "point" not in d and "check" not in d
    assert d["backprop"]["y"]["deltas"] == [{"name": "δ_h[j]", "family": "h", "indices": ["j"],
                                             "formula": "1", "latex": "1"}]
    assert d["gradient"]["x"]["formula"] == "Σ_j δ_h[j]·(1 - h[j]^2)·w[j]"
    assert "value" not in d["gradient"]["w"]
