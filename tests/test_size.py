"""Size and depth: no limit but memory, and no recursion anywhere on the way.

Every expected number is computed here with plain Python floats, never with bpcalc.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from bpcalc.cli import cli

MAX_PATH_NODES = 100_000  # the spec's bound on listed path nodes in all


def grad_json(args: list[str], input: str | None = None) -> dict:
    result = CliRunner().invoke(cli, ["grad", *args, "--format", "json"], input=input,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr[-2000:]
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    return json.loads(result.stdout)


def check_paths_bounded(d: dict, limit: int = 1000) -> None:
    paths = d["paths"]
    assert len(paths) <= limit
    assert sum(len(p["nodes"]) for p in paths) <= MAX_PATH_NODES


def test_sum_of_1e5_terms():
    n = 10**5
    expr = "+".join(f"x*{i}" for i in range(1, n + 1))
    slope = float(n * (n + 1) // 2)
    d = grad_json([expr, "x=2"])  # reverse; the 10^5-path sum in paths mode is tested below
    assert d["gradient"] == {"x": slope}
    assert d["value"] == 2 * slope
    assert len(d["nodes"]) == 1 + n + (n - 1)  # x, the products, the sums
    first = d["nodes"][0]
    assert first["id"] == "x" and first["adjoint"] == {d["outputs"][0]: slope}


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_1e5_nested_parentheses(mode):
    n = 10**5
    d = grad_json(["(" * n + "x*x" + ")" * n, "x=3", "--mode", mode])
    assert d["value"] == 9
    assert d["gradient"] == {"x": 6}
    if mode == "paths":
        assert d["path_count"] == {"x": 2}
        assert d["paths_truncated"] is False


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_1e4_nested_function_calls(mode):
    n = 10**4
    x0 = 0.5
    v, dv = x0, 1.0
    for _ in range(n):
        dv *= math.cos(v)
        v = math.sin(v)
    d = grad_json(["sin(" * n + "x" + ")" * n, f"x={x0}", "--mode", mode])
    assert d["value"] == pytest.approx(v, rel=1e-12)
    assert d["gradient"]["x"] == pytest.approx(dv, rel=1e-9)
    assert len(d["nodes"]) == n + 1
    if mode == "paths":
        assert d["path_count"] == {"x": 1}
        check_paths_bounded(d)
        assert len(d["paths"]) == 1 and len(d["paths"][0]["nodes"]) == n + 1


@pytest.fixture(scope="module")
def long_program() -> tuple[str, float, float]:
    n = 5 * 10**4
    source = "y = x\n" + "y = y*1.0001 + 0.5\n" * (n - 1)
    x0 = 1.5
    y, dy = x0, 1.0
    for _ in range(n - 1):
        y = y * 1.0001 + 0.5
        dy *= 1.0001
    return source, y, dy


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_5e4_statement_program_from_stdin(long_program, mode):
    source, y, dy = long_program
    d = grad_json(["-", "x=1.5", "--mode", mode], input=source)
    assert d["outputs"] == ["y"]
    assert d["value"] == pytest.approx(y, rel=1e-12)
    assert d["gradient"]["x"] == pytest.approx(dy, rel=1e-9)
    assert d["nodes"][-1]["id"] == "y"
    ids = [n["id"] for n in d["nodes"]]
    assert len(ids) == len(set(ids))  # every version is its own node with its own id
    if mode == "paths":
        assert d["path_count"] == {"x": 1}
        check_paths_bounded(d)


def test_deep_chains_under_a_low_recursion_limit():
    """10^5-deep graphs with recursion limit 200: no parse, graph walk or render recurses."""
    script = textwrap.dedent(
        """
        import contextlib, io, json, sys
        from bpcalc.cli import cli
        import bpcalc.analysis, bpcalc.graphs.reader, bpcalc.render.json_text, bpcalc.render.plain

        n = 10**5
        cases = [
            ("sin(" * n + "x" + ")" * n, "x=0.5", "reverse", "json"),
            ("+".join(["x"] * n), "x=2", "paths", "json"),
            ("1-(" * n + "x" + ")" * n, "x=3", "forward", "json"),
            ("(" * n + "x" + ")" * n, "x=3", "paths", "plain"),
            ("y = x\\n" + "y = sin(y)\\n" * n, "x=0.5", "reverse", "json"),  # in columns
            ("y = x\\n" + "y = sin(y)\\n" * n, "x=0.5", "paths", "json"),
        ]
        sys.setrecursionlimit(200)
        out = []
        try:
            for expr, value, mode, fmt in cases:
                buf = io.StringIO()
                with contextlib.redirect_stdout(buf):
                    try:
                        cli.main(["grad", "--mode", mode, "--format", fmt, "--", expr, value],
                                 standalone_mode=False)
                    except SystemExit as exc:
                        assert not exc.code, exc.code
                text = buf.getvalue()
                if fmt == "json":
                    d = json.loads(text)
                    out.append({"gradient": d["gradient"], "count": d.get("path_count"),
                                "listed": [len(p["nodes"]) for p in d.get("paths", [])],
                                "truncated": d.get("paths_truncated")})
                else:
                    out.append(text)
        finally:
            sys.setrecursionlimit(1000)
        print(json.dumps(out))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[:3000]
    assert "RecursionError" not in proc.stderr
    sin_chain, sum_chain, alternating, parens_plain, *programs = json.loads(proc.stdout)
    v, dv = 0.5, 1.0
    for _ in range(10**5):
        dv *= math.cos(v)
        v = math.sin(v)
    assert sin_chain["gradient"]["x"] == pytest.approx(dv, rel=1e-9)
    for program in programs:  # the same chain as a 10^5-line program, read by shape
        assert program["gradient"]["x"] == pytest.approx(dv, rel=1e-9)
    # x+x+...+x: a chain of 10^5 - 1 adds, 10^5 paths; the first path has 10^5 nodes.
    assert sum_chain["gradient"] == {"x": 10**5}
    assert sum_chain["count"] == {"x": 10**5}
    assert sum_chain["truncated"] is True
    assert 1 <= len(sum_chain["listed"]) and sum(sum_chain["listed"]) <= MAX_PATH_NODES
    assert alternating["gradient"] == {"x": 1}  # 1-(1-(...x)): 10^5 negations, an even number
    assert "x" in parens_plain and not parens_plain.lstrip().startswith("{")
