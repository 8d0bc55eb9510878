"""Directional derivatives: a JVP (--direction) is the gradient dotted with the direction, a VJP
(--cotangent) the cotangent-weighted sum of the Jacobian's rows, each from one pass."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from bpcalc.errors import InputError, MathError
from bpcalc.evaluate import evaluate
from bpcalc.modes.directional import jvp, vjp
from bpcalc.text.parser import parse
from bpcalc.text.values import parse_pairs
from helpers import build, directional_result, grad

CASES_DIR = Path(__file__).parent / "cases"
SEED = "c = a + b; d = b + 1; e = c * d"  # the seed in the article's names
AT = {"a": "2", "b": "1"}


def _load(name: str) -> list[dict]:
    with open(CASES_DIR / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


CASES = _load("seed.jsonl") + _load("programs.jsonl") + _load("random.jsonl")
MULTI = [c for c in CASES if "outputs" in c]


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12 * (1 + abs(b)))


def test_seed_jvp_and_vjp_exact() -> None:
    r = directional_result(SEED, AT, direction="a=1,b=-2")
    assert r.kind == "jvp" and r.derivative == {"e": 2 * 1 + 5 * -2}
    assert r.seed == {"a": 1, "b": -2} and r.values == {"e": 6}
    r = directional_result(SEED, AT, cotangent="e=3")
    assert r.kind == "vjp" and r.derivative == {"a": 6, "b": 15}


def test_json_keys() -> None:
    d = directional_result(SEED, AT, direction="a=1").to_dict()
    assert list(d) == ["schema", "version", "expression", "inputs", "outputs", "values",
                       "direction", "directional", "cost", "warnings"]
    assert d["direction"] == {"a": 1, "b": 0}  # inputs left out have component 0
    assert d["cost"] == {"mode": "forward", "passes": 1, "edge_ops": 5}
    d = directional_result(SEED, AT, cotangent="e=1").to_dict()
    assert d["cotangent"] == {"e": 1} and d["vjp"] == {"a": 2, "b": 5}
    assert d["cost"]["mode"] == "reverse"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_jvp_is_the_gradient_dotted_with_the_direction(case: dict) -> None:
    rng = random.Random(case["id"])
    outputs = case.get("outputs")
    g = grad(case["expr"], case["values"], outputs=outputs)
    direction = {n: rng.choice([-2.0, -0.5, 0.25, 1.0, 3.0]) for n in g.inputs}
    r = directional_result(case["expr"], case["values"], direction=direction, outputs=outputs)
    assert list(r.derivative) == list(g.outputs)
    for o in g.outputs:
        want = sum(g.jacobian[o][n] * v for n, v in direction.items())
        assert _close(r.derivative[o], want), (o, r.derivative[o], want)


@pytest.mark.parametrize("case", MULTI, ids=lambda c: c["id"])
def test_vjp_is_the_cotangent_weighted_sum_of_jacobian_rows(case: dict) -> None:
    outs = case["outputs"]
    cot = dict(zip(outs, (1.5, -0.25)))
    text = ",".join(f"{o}={v}" for o, v in cot.items())
    for given in (outs, None):  # without --output, the cotangent's names are the outputs
        r = directional_result(case["expr"], case["values"], cotangent=text, outputs=given)
        assert r.outputs == tuple(outs)
        for name in r.derivative:
            rows = [grad(case["expr"], case["values"], outputs=[o]).jacobian[o][name]
                    for o in outs]
            want = sum(c * row for c, row in zip(cot.values(), rows))
            assert _close(r.derivative[name], want), (name, r.derivative[name], want)
            assert _close(r.derivative[name], sum(cot[o] * case["jacobian"][o][name]
                                                  for o in outs))


def test_vjp_leaves_unnamed_outputs_at_zero_and_wrt_picks_inputs() -> None:
    src = "f = x*y; g = sin(x) + y"
    r = directional_result(src, {"x": "2", "y": "1"}, cotangent="g=2", outputs=["f", "g"],
                           wrt=["y"])
    assert r.seed == {"f": 0, "g": 2}
    assert r.derivative == {"y": 2}


def test_two_output_keys_on_one_node_add_their_cotangents() -> None:
    r = directional_result("y = x*2; z = y", {"x": "1"}, cotangent="y=1,z=0.5")
    assert r.derivative == {"x": 3}


def test_vjp_names_a_bare_expression_output_by_its_id() -> None:
    r = directional_result("x*y", {"x": "2", "y": "3"}, cotangent="v₁=2")
    assert r.outputs == ("v₁",) and r.derivative == {"x": 6, "y": 4}


def test_mode_functions_take_node_seeds() -> None:
    graph = build(parse(SEED))
    w = evaluate(graph, {"a": 2.0, "b": 1.0}).weights
    inputs = dict(graph.inputs)
    assert jvp(graph, w, {inputs["a"]: 1.0, inputs["b"]: 1.0}) == {"e": 7}
    assert vjp(graph, w, {graph.outputs[0][1]: -1.0}) == {"a": -2, "b": -5}


@pytest.mark.parametrize(("text", "want"), [
    ("x=1,y=-2", {"x": 1, "y": -2}),
    (" x = pi/4 , y=-1/3 ", {"x": math.pi / 4, "y": -1 / 3}),
    ("x=max(1, 2),w_1=2^3", {"x": 2, "w_1": 8}),
])
def test_parse_pairs(text: str, want: dict[str, float]) -> None:
    assert parse_pairs(text, "--direction") == want


@pytest.mark.parametrize("text", ["x", "x=", "=1", "x=1,,y=2", "x=1,", "1x=2", "x y=1",
                                  "x=1,x=2", "x=foo", "x=1)"])
def test_malformed_pairs_are_input_errors(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_pairs(text, "--direction")
    assert "--direction" in str(err.value)
    assert err.value.exit_code == 2


@pytest.mark.parametrize(("kw", "words"), [
    ({"direction": "q=1"}, ("--direction", "'q'", "not an input", "a, b")),
    ({"cotangent": "q=1"}, ("--cotangent", "'q'")),
    ({"cotangent": "x=1", "outputs": ["e"]}, ("--cotangent", "not an output", "--output")),
    ({}, ("--direction", "--cotangent")),
    ({"direction": "a=1", "cotangent": "e=1"}, ("not both",)),
    ({"direction": "a=1", "wrt": ["a"]}, ("--wrt", "--direction")),
    ({"cotangent": "e=1", "wrt": ["z"]}, ("--wrt",)),
    ({"direction": "a=1", "outputs": ["e", "e"]}, ("--output", "twice")),
])
def test_input_errors(kw, words) -> None:
    src = "c = a + b; d = b + 1; e = c * d"
    with pytest.raises(InputError) as err:
        directional_result(src, AT, **kw)
    for w in words:
        assert w in str(err.value)


def test_overflow_is_a_math_error() -> None:
    with pytest.raises(MathError):
        directional_result("1e300*x", {"x": "1"}, direction="x=1e300")
