"""Batch against single point (issue 28): the fuzz test's random programs at random and edge
points, each point through `--batch` (the compiled code, and the engine alone) and through
single-point `grad`, in a random mode.

Both must fail or both succeed; the compiled code must give the engine's line bit for bit;
the values must be the same double; each gradient entry must agree within 4 ulp or by no
more than the cancellation the test can see: what rounding in doubles can move a sum whose
terms add up, in absolute value, to `scale` (each path's product; `scale` is the reverse
pass over the absolute local derivatives). Single-point grad carries its sums in wide numbers
(wide.py); a batch, in doubles.

A property test (not part of the fuzz run) holds programs without cancellation, each input
used once so that its derivative is one product, to 4 ulp, at arguments near 1e±300 too.

The long run, by hand; `BPCALC_FUZZ_FIGURES=FILE` writes its figures as JSON to FILE:

    .venv/bin/python -m pytest -m fuzz tests/test_fuzz_batch.py --hypothesis-profile long
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from collections import Counter

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from bpcalc.analysis import load
from bpcalc.errors import BpcalcError
from bpcalc.evaluate import evaluate
from bpcalc.modes import reverse
from helpers import grad, run_batch
from test_fuzz import BINARY, CALLS2, EDGE, UNARY, program, values

EPS = 2.0**-52
FIGURES: Counter[str] = Counter()  # the run's figures, see `_write_figures`
WORST: dict[str, float] = {"ulps": 0.0, "cancelled": 0.0}


@pytest.fixture(scope="module", autouse=True)
def _write_figures():
    yield
    path = os.environ.get("BPCALC_FUZZ_FIGURES")
    if path:
        with open(path, "w") as fh:
            json.dump({**FIGURES, **{f"worst {k}": v for k, v in WORST.items()}}, fh, indent=1)


def ulps(a: float, b: float) -> float:
    """How far apart two doubles are, in ulps of the larger."""
    if a == b:
        return 0.0
    return abs(a - b) / math.ulp(max(abs(a), abs(b)))


def single(source: str, point: dict[str, float], mode: str) -> dict | str:
    """Single-point grad's value and gradient, or its error message."""
    try:
        r = grad(source, point, mode)
    except BpcalcError as exc:
        return str(exc)
    (o,) = r.outputs
    return {"value": r.values[o], "gradient": r.jacobian[o]}


def batch(source: str, points: list[dict[str, float]], mode: str, compiled: bool) -> list[str]:
    out = io.StringIO()  # (a program of the grammar is never refused as a whole)
    run_batch(source, [json.dumps(p) for p in points], mode=mode, out=out, compiled=compiled)
    return out.getvalue().splitlines()


def scales(source: str, point: dict[str, float]) -> dict[str, float]:
    """Per input, the sum over paths of |product of local derivatives| (the doubles of
    any beyond a double: 0 or infinity)."""
    graph = load(source).graph()
    ev = evaluate(graph, point)
    weights = [abs(w) if w == w else 0.0 for w in ev.weights]
    ((_, out),) = graph.outputs
    adj = reverse.adjoints(graph, weights, out)
    return {name: adj[i] for name, i in graph.inputs}


def compare(source: str, points: list[dict[str, float]], mode: str) -> None:
    """Batch and single point agree on every point (see the module)."""
    compiled = batch(source, points, mode, True)
    engine = batch(source, points, mode, False)
    assert compiled == engine, (source, mode)  # the compiled code's promise
    for point, line in zip(points, compiled):
        alone = single(source, point, mode)
        got = json.loads(line)
        if isinstance(alone, str) or "error" in got:
            FIGURES["points where both fail, with the same message"] += 1
            assert isinstance(alone, str) and "error" in got, (source, point, mode, alone, got)
            assert got["error"] == alone, (source, point, mode)
            continue
        FIGURES["points where both succeed"] += 1
        assert got["value"] == alone["value"], (source, point, mode)
        scale = None
        for name, s in alone["gradient"].items():
            b = float(got["gradient"][name])
            apart = ulps(b, s)
            FIGURES["gradient entries"] += 1
            if apart <= 4:
                FIGURES["entries within 4 ulp"] += 1
                FIGURES["entries bit for bit"] += apart == 0
                WORST["ulps"] = max(WORST["ulps"], apart)
                continue
            scale = scale or scales(source, point)
            room = len(load(source).graph().esrc) * EPS * scale[name]
            event("an entry apart by cancellation")
            FIGURES["entries apart by cancellation"] += 1
            WORST["cancelled"] = max(WORST["cancelled"], abs(b - s) / (EPS * scale[name]))
            assert abs(b - s) <= room, (source, point, mode, name, b, s, scale[name])


ISSUE = [  # the issue's cases, and their variants, in every run
    ("x/y", {"x": 1e200, "y": 1e200}), ("(x/y)*1e300 + y", {"x": 1e200, "y": 1e200}),
    ("1/(1/x)", {"x": 1e-300}), ("(x*1e300)^(-0.1)", {"x": 1.0}),
    ("(x-x)*1e300*1e300", {"x": 1.0}), ("sinh((y/y)*(y-z))", {"y": 3.0, "z": 709.78}),
    ("c*(b*(x*z))", {"x": 1e250, "b": 1e250, "c": 1e-300, "z": 2.0}),
    ("atan(x)*1e300", {"x": 1e200}), ("(x*1e300)^(-0.1)*1e30 + x", {"x": 1.0}),
]


def _issue(mode: str):  # type: ignore[no-untyped-def]
    def add(test):  # type: ignore[no-untyped-def]
        for source, point in ISSUE:
            test = example(source, [point], mode)(test)
        return test
    return add


@pytest.mark.fuzz
@_issue("reverse")
@_issue("forward")
@_issue("paths")
@given(program(), st.lists(st.fixed_dictionaries({n: values for n in "xyz"}), min_size=1,
                           max_size=3), st.sampled_from(("reverse", "forward", "paths")))
def test_batch_agrees_with_single_point(text, points, mode):
    compare(text, [read(text, p) for p in points], mode)


def read(text: str, point: dict[str, float]) -> dict[str, float]:
    """The values of the names the program reads (a point naming another is bad input)."""
    return {k: v for k, v in point.items() if re.search(rf"\b{k}\b", text)}


NEAR_EDGES = st.one_of(
    st.floats(-5, 5, allow_nan=False),
    st.sampled_from(EDGE),
    st.builds(lambda m, e, s: s * m * 10.0 ** e, st.floats(1, 9.99), st.integers(295, 307),
              st.sampled_from((1.0, -1.0))),
    st.builds(lambda m, e, s: s * m * 10.0 ** -e, st.floats(1, 9.99), st.integers(295, 307),
              st.sampled_from((1.0, -1.0))),
)


@st.composite
def _tree(draw, names: list[str], depth: int = 3) -> str:
    """An expression whose inputs are each used once (drawn from `names`, in order)."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if names and draw(st.booleans()):
            return names.pop(0)
        return draw(st.sampled_from(("2", "0.5", "3", "pi", "1e-3", "1e300", "1e-300")))
    kind = draw(st.integers(0, 2))
    a = draw(_tree(names, depth - 1))
    if kind == 0:
        return f"{draw(st.sampled_from(UNARY))}({a})"
    b = draw(_tree(names, depth - 1))
    if kind == 1:
        return f"({a} {draw(st.sampled_from(BINARY))} {b})"
    return f"{draw(st.sampled_from(CALLS2))}({a}, {b})"


@given(st.data(), st.sampled_from(("reverse", "forward", "paths")))
def test_batch_agrees_with_single_point_to_4_ulp_without_cancellation(data, mode):
    """Each input used once: its derivative is the product along its one path, which a
    batch rounds once an edge (depth 3: within 4 ulp of the wide product, rounded once)."""
    text = data.draw(_tree(["a", "b", "c", "d"]))
    point = read(text, {name: data.draw(NEAR_EDGES) for name in "abcd"})
    (line,) = batch(text, [point], mode, True)
    alone = single(text, point, mode)
    if isinstance(alone, str):
        event("both fail")
        assert json.loads(line).get("error") == alone, (text, point)
        return
    event("compared" + (", an argument beyond 1e±295" if any(
        x and not 1e-295 < abs(x) < 1e295 for x in point.values()) else ""))
    got = json.loads(line)
    assert got["value"] == alone["value"], (text, point)
    for name, s in alone["gradient"].items():
        assert ulps(float(got["gradient"][name]), s) <= 4, (text, point, mode, name)
