"""Batch: many points through one graph, one JSON line each, same answers as `grad`.

The reference for every line is `engine.grad` on that point alone (paths mode with
--limit 0, the merged sum the batch uses), written here independently of batch.py.
"""

from __future__ import annotations

import io
import json
import math
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import helpers as engine
from bpcalc.analysis import load
from bpcalc.compile import batch
from bpcalc.compile.batch import BatchSummary, count_lines
from bpcalc.errors import BpcalcError, InputError, MathError
from bpcalc.ops import FUNCTIONS
from bpcalc.render import json_text
from helpers import run_batch

SEED = "(a+b)*(b+1)"


def run(source: str, lines: list[str] | str, **kw) -> tuple[list[str], BatchSummary]:
    out = io.StringIO()
    if isinstance(lines, str):
        lines = io.StringIO(lines)  # type: ignore[assignment]
    summary = run_batch(source, lines, out=out, **kw)
    text = out.getvalue()
    assert text == "" or text.endswith("\n")
    return text.splitlines(), summary


def reference(source: str, values: dict, n: int, mode: str = "reverse", wrt=None,
              outputs=None) -> str:
    """What single-point grad says at this point, as the batch line for input line n, its
    passes in doubles as the compiled code runs them (single-point grad carries wide
    numbers on small graphs: test_batch_agrees_with_wide_grad)."""
    try:
        r = engine.grad(source, values, mode, wrt, outputs, limit=0, wide=False)
    except BpcalcError as exc:
        return json.dumps({"line": n, "error": str(exc)})
    if len(r.outputs) == 1:
        d: dict = {"value": r.values[r.outputs[0]], "gradient": r.jacobian[r.outputs[0]]}
    else:
        d = {"values": r.values, "jacobian": r.jacobian}
    if r.warnings:
        d["warnings"] = list(r.warnings)
    return json_text.render(d)


def error_of(source: str, values: dict) -> str:
    with pytest.raises(BpcalcError) as info:
        engine.grad(source, values)
    return str(info.value)


# --- the seed, both formats -------------------------------------------------------------


def test_seed_jsonl() -> None:
    lines, summary = run(SEED, '{"a": 2, "b": 1}\n{"a": 0.5, "b": -3}\n')
    assert lines[0] == '{"value": 6, "gradient": {"a": 2, "b": 5}}'
    assert json.loads(lines[1]) == {"value": 5.0, "gradient": {"a": -2, "b": -4.5}}
    assert summary == BatchSummary(points=2, failed=0)


def test_seed_csv() -> None:
    lines, summary = run(SEED, "a,b\n2,1\n0.5,-3\n")
    assert lines == ['{"value": 6, "gradient": {"a": 2, "b": 5}}',
                     '{"value": 5, "gradient": {"a": -2, "b": -4.5}}']
    assert summary == BatchSummary(2, 0)


def test_csv_columns_in_any_order_and_quoted_cells() -> None:
    lines, _ = run(SEED, 'b,a\n1,2\n"1","2"\n  1 , 2 \n')
    assert lines == ['{"value": 6, "gradient": {"a": 2, "b": 5}}'] * 3


def test_text_stream_like_stdin_and_explicit_format() -> None:
    lines, _ = run(SEED, io.StringIO('{"a": 2, "b": 1}\n'), fmt="jsonl")  # type: ignore[arg-type]
    assert lines == ['{"value": 6, "gradient": {"a": 2, "b": 5}}']
    with pytest.raises(InputError, match="unknown batch format"):
        run(SEED, [], fmt="xml")


# --- bad points: an error line, the batch goes on, order kept ---------------------------


def test_bad_jsonl_lines_in_the_middle() -> None:
    src = "log(x)*y"
    text = "\n".join([
        '{"x": 1, "y": 2}',           # 1
        '{"x": 2}',                   # 2 missing y
        '{"x": "two", "y": 1}',       # 3 not a number
        '{"x": -1, "y": 1}',          # 4 domain error
        '{"x": 1, "y": 1, "z": 0}',   # 5 not an input
        '{"x": true, "y": 1}',        # 6 a boolean
        '{"x": 1, ',                  # 7 not JSON
        '[1, 2]',                     # 8 not an object
        '{"x": 2.5, "y": 4}',         # 9
    ]) + "\n"
    lines, summary = run(src, text)
    got = [json.loads(s) for s in lines]
    assert summary == BatchSummary(points=9, failed=7)
    assert got[0] == {"value": 0, "gradient": {"x": 2, "y": 0}}
    assert got[1] == {"line": 2, "error": error_of(src, {"x": "2"})}
    assert got[1]["error"].startswith("missing value for y")
    assert got[2] == {"line": 3, "error": error_of(src, {"x": "two", "y": "1"})}
    assert got[3] == {"line": 4, "error": error_of(src, {"x": "-1", "y": "1"})}
    assert "log" in got[3]["error"] and "x > 0" in got[3]["error"]
    assert got[4] == {"line": 5, "error": error_of(src, {"x": "1", "y": "1", "z": "0"})}
    assert got[5] == {"line": 6, "error": "value of x is a boolean, not a number"}
    assert got[6]["line"] == 7 and got[6]["error"].startswith("not valid JSON")
    assert got[7]["line"] == 8 and "JSON object" in got[7]["error"]
    assert got[8] == json.loads(reference(src, {"x": 2.5, "y": 4.0}, 9))


def test_bad_csv_lines_count_the_header_as_line_1() -> None:
    src = "log(x)*y"
    lines, summary = run(src, "x,y\n1,2\n2,\nabc,1\n-1,1\n1,2,3\n2.5,4\n")
    got = [json.loads(s) for s in lines]
    assert summary == BatchSummary(points=6, failed=4)
    assert got[1] == {"line": 3, "error": error_of(src, {"x": "2"})}
    assert got[2] == {"line": 4, "error": error_of(src, {"x": "abc", "y": "1"})}
    assert got[3] == {"line": 5, "error": error_of(src, {"x": "-1", "y": "1"})}
    assert got[4] == {"line": 6, "error": "this line has 3 fields; the header has 2"}
    assert [g.get("line") for g in got] == [None, 3, 4, 5, 6, None]


def test_values_read_like_name_value() -> None:
    src = "sin(x)*y"
    lines, _ = run(src, '{"x": "pi/4", "y": "-1/3"}\n')
    assert lines == [reference(src, {"x": "pi/4", "y": "-1/3"}, 1)]
    lines, _ = run(src, "x,y\npi/4,-1/3\n1_0,1\n1e400,1\nnan,1\n")
    assert lines[0] == reference(src, {"x": "pi/4", "y": "-1/3"}, 2)
    for k, cell in enumerate(["1_0", "1e400", "nan"]):
        assert json.loads(lines[k + 1]) == {"line": k + 3, "error": error_of(src, {"x": cell,
                                                                                  "y": "1"})}
    lines, _ = run(src, '{"x": 1e400, "y": 1}\n{"x": NaN, "y": 1}\n{"x": null, "y": 1}\n')
    assert [json.loads(s)["error"] for s in lines] == [
        "value of x is not a finite number: inf", "value of x is not a finite number: nan",
        "value of x is null, not a number"]


def test_blank_lines_are_skipped_but_counted() -> None:
    lines, summary = run("x*2", '\n  \n{"x": 1}\n\n{"x": "?"}\n\n')
    assert summary == BatchSummary(2, 1)
    assert lines[0] == '{"value": 2, "gradient": {"x": 2}}'
    assert json.loads(lines[1])["line"] == 5
    lines, _ = run("x*2", "\nx\n\n3\nbad\n")
    assert lines[0] == '{"value": 6, "gradient": {"x": 2}}'
    assert json.loads(lines[1])["line"] == 5


def test_empty_input_and_header_only() -> None:
    assert run(SEED, "") == ([], BatchSummary(0, 0))
    assert run(SEED, "\n\n") == ([], BatchSummary(0, 0))
    assert run(SEED, "a,b\n") == ([], BatchSummary(0, 0))


# --- constants, outputs, --wrt, modes ---------------------------------------------------


def test_constants_apply_to_every_point() -> None:
    src = "w*x + b"
    lines, _ = run(src, '{"x": 1}\n{"x": 2}\n', constants={"w": "3", "b": "pi"})
    for n, x in enumerate([1.0, 2.0], 1):
        assert lines[n - 1] == reference(src, {"x": x, "w": "3", "b": "pi"}, n)
    lines, _ = run(src, "x\n1\n2\n", constants={"w": "3", "b": "pi"})
    assert lines == [reference(src, {"x": x, "w": "3", "b": "pi"}, 0) for x in (1.0, 2.0)]


def test_a_point_cannot_give_a_constant_again() -> None:
    lines, summary = run("w*x", '{"x": 1, "w": 2}\n', constants={"w": "3"})
    assert summary.failed == 1
    assert json.loads(lines[0])["error"] == ("w is given a value twice: as w=VALUE "
                                             "and in the point")


def test_csv_header_problems_stop_before_any_output() -> None:
    with pytest.raises(InputError, match="'z' is not an input"):
        run("w*x", "x,z\n1,2\n")
    with pytest.raises(InputError, match="given a value twice"):
        run("w*x", "x,w\n1,2\n", constants={"w": "3"})
    with pytest.raises(InputError, match="names x twice"):
        run("w*x", "x,x,w\n1,2,3\n")
    with pytest.raises(InputError, match="missing value for w"):
        run("w*x", "x\n1\n")


def test_bad_expression_options_and_constants_raise_before_output() -> None:
    with pytest.raises(InputError):
        run("(a+", ['{"a": 1}'])
    with pytest.raises(InputError, match="--wrt"):
        run(SEED, ['{"a": 1}'], wrt=["q"])
    with pytest.raises(InputError, match="unknown output"):
        run(SEED, ['{"a": 1}'], outputs=["q"])
    with pytest.raises(InputError, match="not an input"):
        run(SEED, ['{"a": 1}'], constants={"q": "1"})
    with pytest.raises(InputError, match="unknown mode"):
        run(SEED, ['{"a": 1}'], mode="sideways")
    lines, summary = run("x + log(-1)", ['{"x": 1}', "", '{"x": 2}'])
    assert summary == BatchSummary(2, 2)  # the program fails at its constants: every point
    assert [json.loads(line)["line"] for line in lines] == [1, 3]
    assert all("math error in the constant log(-1)" in line for line in lines)


def test_several_outputs_give_jacobian_lines() -> None:
    src = "r = sqrt(x*x + y*y); phi = atan(y/x)"
    text = '{"x": 0.6, "y": 0.8}\n{"x": 0, "y": 1}\n{"x": 3, "y": 4}\n'
    for mode in engine.MODES:
        lines, summary = run(src, text, outputs=["r", "phi"], mode=mode)
        assert summary == BatchSummary(3, 1)
        for n, p in enumerate([{"x": 0.6, "y": 0.8}, {"x": 0.0, "y": 1.0}, {"x": 3.0, "y": 4.0}]):
            assert lines[n] == reference(src, p, n + 1, mode, outputs=["r", "phi"])
        first = json.loads(lines[0])
        assert list(first) == ["values", "jacobian"]
        assert list(first["jacobian"]) == ["r", "phi"]


def test_wrt_picks_and_orders_the_gradient() -> None:
    lines, _ = run(SEED, '{"a": 2, "b": 1}\n', wrt=["b"])
    assert lines == ['{"value": 6, "gradient": {"b": 5}}']
    lines, _ = run(SEED, '{"a": 2, "b": 1}\n', wrt=["b", "a"], mode="forward")
    assert lines == ['{"value": 6, "gradient": {"b": 5, "a": 2}}']


@pytest.mark.parametrize("src", [
    SEED, "sin(x)*exp(y) - x/y", "y = x; y = y*y + y; y = y*y + y; y = y*y + y",
    "sqrt(x*x + y*y) + log(1 + x^2) * tanh(y)",
])
def test_every_mode_gives_the_same_numbers(src: str) -> None:
    rng = random.Random(3)
    names = list(engine.analyse(src).inputs)
    pts = [{n: rng.uniform(0.5, 2) for n in names} for _ in range(20)]
    text = "".join(json.dumps(p) + "\n" for p in pts)
    per_mode = {m: [json.loads(s) for s in run(src, text, mode=m)[0]] for m in engine.MODES}
    for k, p in enumerate(pts):
        rows = [per_mode[m][k] for m in engine.MODES]
        for m, row in zip(engine.MODES, rows):
            single = engine.grad(src, p, m)  # paths with its default --limit: listed paths
            (o,) = single.outputs
            assert math.isclose(row["value"], single.values[o], rel_tol=1e-12)
            for w, d in single.jacobian[o].items():
                assert math.isclose(row["gradient"][w], d, rel_tol=1e-12, abs_tol=1e-12)
        assert rows[0]["value"] == rows[1]["value"] == rows[2]["value"]


# --- kinks ------------------------------------------------------------------------------


def test_a_kink_point_carries_warnings_on_its_line_only() -> None:
    src = "relu(x) + max(x, y) + abs(y)"
    lines, summary = run(src, "x,y\n1,2\n0,0\n-1,3\n")
    got = [json.loads(s) for s in lines]
    assert summary == BatchSummary(3, 0)
    assert "warnings" not in got[0] and "warnings" not in got[2]
    assert len(got[1]["warnings"]) == 3
    assert lines[1] == reference(src, {"x": 0.0, "y": 0.0}, 2)
    assert list(got[1]) == ["value", "gradient", "warnings"]


# --- the compiled path: same bytes as the engine ----------------------------------------


def test_normal_points_never_reach_the_engine(monkeypatch) -> None:
    def refuse(*args, **kw):
        raise AssertionError("the engine was asked")

    text = "".join(json.dumps({"a": a / 7, "b": -a / 3}) + "\n" for a in range(50))
    expected, _ = run(SEED, text, compiled=False)
    monkeypatch.setattr(engine, "grad", refuse)
    assert run(SEED, text)[0] == expected
    csv_text = "a,b\n" + "".join(f"{a / 7!r},{-a / 3!r}\n" for a in range(50))
    assert run(SEED, csv_text)[0] == expected


def test_numbers_are_written_as_render_json_writes_them() -> None:
    values = [0.0, -0.0, 6.0, 0.1, -2.5, 2.0**53 - 1, 2.0**53, 1e16, 1e300, 5e-324, 1 / 3]
    text = "".join(json.dumps({"x": v}) + "\n" for v in values)
    lines, _ = run("x", text)
    for v, line in zip(values, lines):
        assert line == json_text.render({"value": v, "gradient": {"x": 1.0}})


def test_a_graph_too_big_to_compile_goes_through_the_engine(monkeypatch) -> None:
    text = '{"a": 2, "b": 1}\n{"a": -1, "b": 0.5}\n'
    expected, _ = run(SEED, text)
    monkeypatch.setattr(batch, "MAX_LINES", 3)
    plan = batch._plan(load(SEED), {}, "reverse", None, None)
    assert batch.compile_points(plan, "jsonl") is None
    assert run(SEED, text)[0] == expected


def test_overflow_in_the_sweep_is_the_engine_error() -> None:
    src = "exp(x) * exp(x) * y"
    lines, summary = run(src, '{"x": 1, "y": 1}\n{"x": 354, "y": 1e300}\n')
    assert summary.failed == 1
    assert lines[1] == reference(src, {"x": 354.0, "y": 1e300}, 2)


# Random expressions over the whole function set, with no care for domains, so that
# errors, overflows and kinks all happen; every line must be what the engine says.
UNARY = sorted(n for n, k in FUNCTIONS.items() if k == 1)
BINARY_CALLS = sorted(n for n, k in FUNCTIONS.items() if k == 2)
NUMBERS = ["0", "1", "2", "0.5", "3", "pi", "1e-3", "100"]
POINT_VALUES = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.0, 700.0, 1e-9]),
                         st.floats(-3, 3, allow_nan=False))


@st.composite
def expressions(draw, names: tuple[str, ...], depth: int = 4) -> str:
    # The strategy recurses a few levels deep; the library never does.
    if depth == 0 or draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(names + tuple(NUMBERS) if draw(st.booleans()) else names))
    a = draw(expressions(names, depth - 1))
    kind = draw(st.sampled_from(["unary", "call2", "op", "op", "neg"]))
    if kind == "unary":
        return f"{draw(st.sampled_from(UNARY))}({a})"
    if kind == "neg":
        return f"(-{a})"
    b = draw(expressions(names, depth - 1))
    if kind == "call2":
        return f"{draw(st.sampled_from(BINARY_CALLS))}({a}, {b})"
    return f"({a} {draw(st.sampled_from(['+', '-', '*', '/', '^']))} {b})"


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=expressions(("x", "y")), points=st.lists(
    st.fixed_dictionaries({"x": POINT_VALUES, "y": POINT_VALUES}), min_size=1, max_size=6),
    mode=st.sampled_from(engine.MODES), as_csv=st.booleans(), y_fixed=st.booleans())
def test_compiled_lines_equal_single_point_grad(expr, points, mode, as_csv, y_fixed) -> None:
    src = f"({expr}) + 0*x + 0*y"  # both names are always inputs
    try:
        engine.analyse(src)
    except MathError:  # a math error among the constants: no batch to run
        assume(False)
    constants = {"y": repr(points[0]["y"])} if y_fixed else {}
    if y_fixed:
        points = [{"x": p["x"]} for p in points]
    if as_csv:
        cols = list(points[0])
        text = ",".join(cols) + "\n" + "".join(",".join(repr(p[c]) for c in cols) + "\n"
                                               for p in points)
    else:
        text = "".join(json.dumps(p) + "\n" for p in points)
    lines, summary = run(src, text, mode=mode, constants=constants)
    first = 2 if as_csv else 1
    want = [reference(src, {**p, **constants}, n + first, mode) for n, p in enumerate(points)]
    assert lines == want
    assert summary.failed == sum('"error"' in s for s in want)
    assert run(src, text, mode=mode, constants=constants, compiled=False)[0] == want


# --- size and progress ------------------------------------------------------------------


def test_ten_thousand_lines(tmp_path) -> None:
    rng = random.Random(7)
    pts = [{"a": rng.uniform(-9, 9), "b": rng.uniform(-9, 9)} for _ in range(10_000)]
    path = tmp_path / "points.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in pts))
    seen: list[int] = []
    out = io.StringIO()
    with open(path) as fh:
        summary = run_batch(SEED, fh, out=out, progress=seen.append)
    lines = out.getvalue().splitlines()
    assert summary == BatchSummary(10_000, 0) and len(lines) == 10_000
    for k in (0, 4321, 9999):
        a, b = pts[k]["a"], pts[k]["b"]
        assert json.loads(lines[k]) == {"value": (a + b) * (b + 1),
                                        "gradient": {"a": b + 1, "b": (b + 1) + (a + b)}}
    assert seen[-1] == count_lines(str(path)) == 10_000
    assert seen == sorted(seen) and len(seen) >= 10


def test_count_lines(tmp_path) -> None:
    for text, n in [("", 0), ("a", 1), ("a\n", 1), ("a\nb", 2), ("\n\n", 2)]:
        p = tmp_path / "f.txt"
        p.write_bytes(text.encode())
        assert count_lines(str(p)) == n


def test_progress_counts_header_and_blank_lines() -> None:
    seen: list[int] = []
    run(SEED, "a,b\n\n2,1\n3,1\n", progress=seen.append, chunk=1)
    assert seen[-1] == 4 and seen == sorted(seen)
