"""The spec's worked example, exact, and the graph rules the spec states around it.

Every expected number here is worked out by hand from the spec (bpcalc.md), never copied
from bpcalc's output.
"""

from __future__ import annotations

import json
import math
import re
import time

import pytest
from click.testing import CliRunner

from bpcalc.cli import cli
from bpcalc.errors import InputError
from bpcalc.graphs.graph import SUBSCRIPTS
from helpers import grad

SEED = "c = a + b; d = b + 1; e = c * d"  # the seed in the article's names
SEED_PROGRAM = SEED
SEED_EXPRESSION = "(a+b)*(b+1)"  # the same graph, its operations named v₁, v₂, v₃
SEED_VALUES = {"a": "2", "b": "1"}
MODES = ("reverse", "forward", "paths")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

TOP_KEYS = ["schema", "version", "expression", "mode", "inputs", "outputs", "values",
            "jacobian", "value", "gradient", "nodes", "edges"]
MODE_KEYS = {"reverse": [], "forward": [], "paths": ["path_count", "path_counts", "paths",
                                                     "paths_truncated"]}

# The seed, worked by hand: c = a + b = 3, d = b + 1 = 2, e = c * d = 6.
SEED_NODES = [
    {"id": "a", "op": "input", "value": 2},
    {"id": "b", "op": "input", "value": 1},
    {"id": "c", "op": "add", "expr": "a + b", "value": 3},
    {"id": "d", "op": "add", "expr": "b + 1", "value": 2},
    {"id": "e", "op": "mul", "expr": "c * d", "value": 6},
]
SEED_EDGES = [
    {"from": "a", "to": "c", "local": "1", "value": 1},
    {"from": "b", "to": "c", "local": "1", "value": 1},
    {"from": "b", "to": "d", "local": "1", "value": 1},
    {"from": "c", "to": "e", "local": "d", "value": 2},
    {"from": "d", "to": "e", "local": "c", "value": 3},
]
# de/dv for every node v.
SEED_ADJOINTS = {"a": 2, "b": 5, "c": 2, "d": 3, "e": 1}
# dv/da and dv/db for every node v, zeros included.
SEED_TANGENTS = {
    "a": {"a": 1, "b": 0},
    "b": {"a": 0, "b": 1},
    "c": {"a": 1, "b": 1},
    "d": {"a": 0, "b": 1},
    "e": {"a": 2, "b": 5},
}
SEED_PATHS = [
    {"input": "a", "output": "e", "nodes": ["a", "c", "e"], "product": 2},
    {"input": "b", "output": "e", "nodes": ["b", "c", "e"], "product": 2},
    {"input": "b", "output": "e", "nodes": ["b", "d", "e"], "product": 3},
]


def seed_expected(mode: str, expression: str = SEED) -> dict:
    """The full JSON object for the seed in `mode`, in the spec's key order."""
    nodes = []
    for n in SEED_NODES:
        n = dict(n)
        if mode == "reverse":
            n["adjoint"] = {"e": SEED_ADJOINTS[n["id"]]}
        elif mode == "forward":
            n["tangent"] = SEED_TANGENTS[n["id"]]
        nodes.append(n)
    d = {
        "schema": "bpcalc/grad", "version": 2, "expression": expression, "mode": mode,
        "inputs": {"a": 2, "b": 1}, "outputs": ["e"], "values": {"e": 6},
        "jacobian": {"e": {"a": 2, "b": 5}}, "value": 6, "gradient": {"a": 2, "b": 5},
        "nodes": nodes, "edges": [dict(e) for e in SEED_EDGES],
    }
    if mode == "paths":
        d["path_count"] = {"a": 1, "b": 2}
        d["path_counts"] = {"e": {"a": 1, "b": 2}}
        d["paths"] = [dict(p) for p in SEED_PATHS]
        d["paths_truncated"] = False
    d["warnings"] = []
    return d


def key_orders(obj, path="$"):
    """Every dict's key list, by location, so key order is compared, not just content."""
    out = {}
    if isinstance(obj, dict):
        out[path] = list(obj)
        for k, v in obj.items():
            out.update(key_orders(v, f"{path}.{k}"))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(key_orders(v, f"{path}[{i}]"))
    return out


def assert_same_types(got, want, path="$"):
    """JSON types match exactly: an exact integer is an int (`6`, not `6.0`)."""
    if isinstance(want, dict):
        assert isinstance(got, dict), path
        for k in want:
            assert_same_types(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list), path
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same_types(g, w, f"{path}[{i}]")
    else:
        assert type(got) is type(want), (path, got, want)


def run_cli(*args: str) -> tuple[dict, str]:
    result = CliRunner().invoke(cli, ["grad", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.stderr == ""
    return json.loads(result.stdout), result.stdout


def close(x: float, y: float, tol: float = 1e-12) -> bool:
    return math.isclose(x, y, rel_tol=tol, abs_tol=tol)


# --- the worked example -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_seed_to_dict_exact(mode: str) -> None:
    d = grad(SEED, SEED_VALUES, mode=mode).to_dict()
    want = seed_expected(mode)
    assert d == want  # numbers: 6.0 == 6, so this is exact equality of every value
    assert key_orders(d) == key_orders(want)
    assert list(d) == TOP_KEYS + MODE_KEYS[mode] + ["warnings"]


@pytest.mark.parametrize("mode", MODES)
def test_seed_cli_json_exact(mode: str) -> None:
    data, text = run_cli(SEED, "a=2", "b=1", "--format", "json", "--mode", mode)
    want = seed_expected(mode)
    assert data == want
    assert key_orders(data) == key_orders(want)
    assert_same_types(data, want)
    # The JSON text itself writes exact integers without a fraction.
    assert '"value": 6,' in text and "6.0" not in text
    assert '"inputs": {"a": 2, "b": 1}' in text.replace("\n", "").replace("  ", "")
    # One JSON object, nothing else on standard output.
    assert text.strip().startswith("{") and text.strip().endswith("}")


@pytest.mark.parametrize("flag", [["--json"], ["--format", "json"], []])
def test_seed_cli_json_flags(flag: list[str]) -> None:
    # --json is --format json; auto writes JSON when stdout is not a terminal (CliRunner).
    data, _ = run_cli(SEED, "a=2", "b=1", *flag)
    assert data == seed_expected("reverse")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sep", ["; ", "\n"])
def test_seed_program_keeps_its_names(mode: str, sep: str) -> None:
    program = SEED_PROGRAM.replace("; ", sep)
    d = grad(program, SEED_VALUES, mode=mode).to_dict()
    want = seed_expected(mode, expression=program)
    assert d == want
    assert key_orders(d) == key_orders(want)
    data, _ = run_cli(program, "a=2", "b=1", "--format", "json", "--mode", mode)
    assert data == want
    assert_same_types(data, want)


def test_seed_program_own_names_not_generated() -> None:
    # The program's own names, not the generated sequence, even when they differ from it.
    r = grad("s = a + b; t = b + 1; out = s * t", SEED_VALUES)
    assert [n.id for n in r.nodes] == ["a", "b", "s", "t", "out"]
    assert r.outputs == ("out",)
    assert r.jacobian == {"out": {"a": 2, "b": 5}}
    assert [(e.src, e.dst, e.local) for e in r.edges][-2:] == [("s", "out", "t"),
                                                              ("t", "out", "s")]


def test_seed_paths_mode_paths_and_sum() -> None:
    r = grad(SEED, SEED_VALUES, mode="paths")
    b_paths = [(p.nodes, p.factors, p.product) for p in r.paths if p.input == "b"]
    # b→c→e = 1·2 = 2, b→d→e = 1·3 = 3, sum 5 (in the seed's order).
    assert b_paths == [(("b", "c", "e"), (1, 2), 2), (("b", "d", "e"), (1, 3), 3)]
    assert sum(p for _, _, p in b_paths) == r.jacobian["e"]["b"] == 5
    assert r.path_counts == {"e": {"a": 1, "b": 2}}
    assert r.paths_truncated is False


# --- graph rules --------------------------------------------------------------------------------


def check_paths_valid(r) -> None:
    """Every listed path follows edges from its input to its output; product = edge values."""
    edges = {}
    for e in r.edges:
        edges.setdefault((e.src, e.dst), []).append(e.value)
    input_ids = {n.id for n in r.nodes if n.op == "input"}
    for p in r.paths:
        assert p.nodes[0] in input_ids
        for u, v in zip(p.nodes, p.nodes[1:]):
            assert (u, v) in edges, (u, v)
        prod = 1.0
        for f in p.factors:
            prod *= f
        assert close(prod, p.product)


@pytest.mark.parametrize("mode", MODES)
def test_square_two_edges(mode: str) -> None:
    r = grad("c*c", {"c": "3"}, mode=mode)
    assert [(n.op) for n in r.nodes] == ["input", "mul"]
    assert [(e.src, e.dst) for e in r.edges] == [("c", r.nodes[1].id)] * 2
    assert [e.value for e in r.edges] == [3, 3]
    assert r.jacobian[r.outputs[0]] == {"c": 6}
    if mode == "paths":
        assert r.path_counts[r.outputs[0]] == {"c": 2}
        assert len(r.paths) == 2
        assert [p.product for p in r.paths] == [3, 3]
        check_paths_valid(r)


def explosion(n: int) -> str:
    return "y = x\n" + "y = y*y + y\n" * n


def test_explosion_20_counts_exactly_lists_limit() -> None:
    r = grad(explosion(20), {"x": "-0.5"}, mode="paths")
    assert r.path_counts == {"y": {"x": 3**20}}
    assert r.path_counts["y"]["x"] == 3486784401
    assert r.paths_truncated is True
    assert 0 < len(r.paths) <= 1000
    assert sum(len(p.nodes) for p in r.paths) <= 100_000
    # 1000 paths of at most 41 nodes fit in the node bound, so --limit is what cuts.
    assert len(r.paths) == 1000
    # No path listed twice: a node sequence repeats at most once per choice of parallel
    # edges (y*y has two edges from y).
    multiplicity: dict[tuple[str, str], int] = {}
    for e in r.edges:
        multiplicity[e.src, e.dst] = multiplicity.get((e.src, e.dst), 0) + 1
    seen: dict[tuple[str, ...], int] = {}
    for p in r.paths:
        seen[p.nodes] = seen.get(p.nodes, 0) + 1
    for route, n in seen.items():
        assert n <= math.prod(multiplicity[u, v] for u, v in zip(route, route[1:]))
    check_paths_valid(r)
    for p in r.paths:
        assert p.nodes[0] == "x" and p.nodes[-1] == "y" and p.input == "x" and p.output == "y"
    # The gradient is still the full sum, the same as the merged passes.
    rev = grad(explosion(20), {"x": "-0.5"}, mode="reverse").jacobian
    assert close(r.jacobian["y"]["x"], rev["y"]["x"])


def test_explosion_20_cli_limit() -> None:
    data, _ = run_cli(explosion(20), "x=-0.5", "--format", "json", "--mode", "paths",
                      "--limit", "7")
    assert data["path_count"] == {"x": 3486784401}
    assert data["path_counts"] == {"y": {"x": 3486784401}}
    assert type(data["path_count"]["x"]) is int
    assert len(data["paths"]) == 7
    assert data["paths_truncated"] is True


def test_explosion_60_counts_instantly() -> None:
    src = explosion(60)
    t0 = time.perf_counter()
    r = grad(src, {"x": "-0.5"}, mode="paths")
    elapsed = time.perf_counter() - t0
    assert r.path_counts == {"y": {"x": 3**60}}
    assert r.paths_truncated is True
    assert elapsed < 5.0
    # With a huge --limit the 10^5 path-node bound cuts the listing.
    r = grad(src, {"x": "-0.5"}, mode="paths", limit=10**9)
    assert r.path_counts == {"y": {"x": 3**60}}
    assert r.paths_truncated is True
    assert sum(len(p.nodes) for p in r.paths) <= 100_000
    data, _ = run_cli(src, "x=-0.5", "--format", "json", "--mode", "paths")
    assert data["path_count"] == {"x": 3**60}
    assert type(data["path_count"]["x"]) is int


def test_limit_zero() -> None:
    r = grad(SEED, SEED_VALUES, mode="paths", limit=0)
    assert r.paths == ()
    assert r.paths_truncated is True
    assert r.path_counts == {"e": {"a": 1, "b": 2}}
    assert r.jacobian == {"e": {"a": 2, "b": 5}}
    data, _ = run_cli(SEED, "a=2", "b=1", "--format", "json", "--mode", "paths", "--limit", "0")
    assert data["paths"] == []
    assert data["paths_truncated"] is True
    assert data["path_count"] == {"a": 1, "b": 2}
    assert data["gradient"] == {"a": 2, "b": 5}


def test_limit_exact_is_not_truncated() -> None:
    r = grad(SEED, SEED_VALUES, mode="paths", limit=3)
    assert len(r.paths) == 3 and r.paths_truncated is False
    r = grad(SEED, SEED_VALUES, mode="paths", limit=2)
    assert len(r.paths) == 2 and r.paths_truncated is True
    assert r.jacobian == {"e": {"a": 2, "b": 5}}


def test_negative_limit_is_bad_input() -> None:
    with pytest.raises(InputError):
        grad(SEED, SEED_VALUES, mode="paths", limit=-1)
    result = CliRunner().invoke(cli, ["grad", SEED, "a=2", "b=1", "--limit", "-1"])
    assert result.exit_code == 2


# --- kinks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("expr", "values", "gradient"),
    [
        ("relu(x)", {"x": "0"}, {"x": 0}),
        ("abs(x)", {"x": "0"}, {"x": 0}),
        ("max(x, y)", {"x": "1.5", "y": "1.5"}, {"x": 0.5, "y": 0.5}),
        ("min(x, y)", {"x": "-2", "y": "-2"}, {"x": 0.5, "y": 0.5}),
        ("max(x, x)", {"x": "1"}, {"x": 1}),  # two edges of 0.5
    ],
)
def test_kinks(mode: str, expr: str, values: dict, gradient: dict) -> None:
    r = grad(expr, values, mode=mode)
    assert r.jacobian[r.outputs[0]] == gradient
    assert r.warnings, "a kink hit must be reported"
    assert any("kink" in w for w in r.warnings)
    data, _ = run_cli(expr, *(f"{k}={v}" for k, v in values.items()), "--format", "json",
                      "--mode", mode)
    assert data["gradient"] == gradient
    assert data["warnings"] and data["warnings"] == list(r.warnings)


@pytest.mark.parametrize(
    ("expr", "values", "gradient"),
    [
        ("relu(x)", {"x": "0.25"}, {"x": 1}),
        ("relu(x)", {"x": "-0.25"}, {"x": 0}),
        ("abs(x)", {"x": "-3"}, {"x": -1}),
        ("max(x, y)", {"x": "2", "y": "1"}, {"x": 1, "y": 0}),
        ("min(x, y)", {"x": "2", "y": "1"}, {"x": 0, "y": 1}),
    ],
)
def test_no_kink_no_warning(expr: str, values: dict, gradient: dict) -> None:
    for mode in MODES:
        r = grad(expr, values, mode=mode)
        assert r.jacobian[r.outputs[0]] == gradient
        assert r.warnings == ()


# --- --wrt and --output -------------------------------------------------------------------------


def test_wrt_restricts_jacobian_and_tangents() -> None:
    r = grad(SEED, SEED_VALUES, mode="forward", wrt=["b"])
    assert r.jacobian == {"e": {"b": 5}}
    assert [t for t in r.tangents] == [{"b": 0}, {"b": 1}, {"b": 1}, {"b": 1}, {"b": 5}]
    d = r.to_dict()
    assert d["gradient"] == {"b": 5}
    assert [n["tangent"] for n in d["nodes"]] == [{"b": 0}, {"b": 1}, {"b": 1}, {"b": 1},
                                                  {"b": 5}]
    # The point still has every input.
    assert d["inputs"] == {"a": 2, "b": 1}
    for mode in MODES:
        data, _ = run_cli(SEED, "a=2", "b=1", "--format", "json", "--mode", mode, "--wrt", "b")
        assert data["gradient"] == {"b": 5}
        assert data["jacobian"] == {"e": {"b": 5}}
        if mode == "paths":
            assert data["path_count"] == {"b": 2}
            assert data["path_counts"] == {"e": {"b": 2}}
            assert all(p["input"] == "b" for p in data["paths"])
            assert len(data["paths"]) == 2
        if mode == "forward":
            assert all(list(n["tangent"]) == ["b"] for n in data["nodes"])
        if mode == "reverse":  # adjoints are per output, unaffected by --wrt
            assert [n["adjoint"] for n in data["nodes"]] == [
                {"e": SEED_ADJOINTS[i]} for i in "abcde"]


def test_wrt_unknown_input_is_bad_input() -> None:
    with pytest.raises(InputError):
        grad(SEED, SEED_VALUES, wrt=["z"])
    result = CliRunner().invoke(cli, ["grad", SEED, "a=2", "b=1", "--wrt", "z"])
    assert result.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize("mode", MODES)
def test_output_several_gives_jacobian(mode: str) -> None:
    program = "c = a + b\nd = b + 1\ne = c * d\nf = c + d"
    r = grad(program, SEED_VALUES, mode=mode, outputs=["e", "f"])
    # e = (a+b)(b+1), f = a + 2b + 1.
    want_jac = {"e": {"a": 2, "b": 5}, "f": {"a": 1, "b": 2}}
    assert r.outputs == ("e", "f")
    assert r.values == {"e": 6, "f": 5}
    assert r.jacobian == want_jac
    d = r.to_dict()
    assert "value" not in d and "gradient" not in d
    assert list(d) == (["schema", "version", "expression", "mode", "inputs", "outputs", "values",
                        "jacobian", "nodes", "edges"]
                       + [k for k in MODE_KEYS[mode] if k != "path_count"] + ["warnings"])
    data, _ = run_cli(program, "a=2", "b=1", "--format", "json", "--mode", mode,
                      "--output", "e,f")
    assert data["outputs"] == ["e", "f"]
    assert list(data["jacobian"]) == ["e", "f"]
    assert data["jacobian"] == want_jac
    assert data["values"] == {"e": 6, "f": 5}
    assert "value" not in data and "gradient" not in data
    if mode == "reverse":
        by_id = {n["id"]: n["adjoint"] for n in data["nodes"]}
        assert by_id["b"] == {"e": 5, "f": 2}
        assert by_id["c"] == {"e": 2, "f": 1}
        assert by_id["d"] == {"e": 3, "f": 1}
    if mode == "paths":
        assert "path_count" not in data
        # f = c + d: paths a→c→f, b→c→f, b→d→f.
        assert data["path_counts"] == {"e": {"a": 1, "b": 2}, "f": {"a": 1, "b": 2}}
        assert len(data["paths"]) == 6


def test_output_unknown_is_bad_input() -> None:
    with pytest.raises(InputError):
        grad(SEED_PROGRAM, SEED_VALUES, outputs=["zz"])
    result = CliRunner().invoke(cli, ["grad", SEED_PROGRAM, "a=2", "b=1", "--output", "zz"])
    assert result.exit_code == 2
    assert result.stdout == ""


def test_output_single_other_name() -> None:
    r = grad(SEED_PROGRAM, SEED_VALUES, outputs=["c"])
    assert r.outputs == ("c",)
    assert r.values == {"c": 3}
    assert r.jacobian == {"c": {"a": 1, "b": 1}}
    assert r.to_dict()["value"] == 3


# --- reassignment, aliases, constants -------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_reassignment_ids(mode: str) -> None:
    src = "s = u*v; s += u; s *= 2"
    r = grad(src, {"u": "2", "v": "3"}, mode=mode)
    ids = [n.id for n in r.nodes]
    assert len(ids) == len(set(ids)), ids
    # s = 2*(u*v + u): value 16, ds/du = 2*(v + 1) = 8, ds/dv = 2*u = 4.
    assert r.outputs == ("s",)
    assert r.values == {"s": 16}
    assert r.jacobian == {"s": {"u": 8, "v": 4}}
    by_id = {n.id: n for n in r.nodes}
    assert by_id["s"].op == "mul" and by_id["s"].value == 16
    assert by_id["u"].op == "input" and by_id["v"].op == "input"
    earlier = [n for n in r.nodes if n.id not in ("s", "u", "v")]
    assert sorted((n.op, n.value) for n in earlier) == [("add", 8), ("mul", 6)]
    for n in earlier:
        assert not IDENT.match(n.id), f"{n.id!r} is a name a user can write"
    d = r.to_dict()
    assert d["outputs"] == ["s"] and list(d["values"]) == ["s"] and list(d["jacobian"]) == ["s"]
    assert d["gradient"] == {"u": 8, "v": 4}


def test_reassignment_ids_never_collide_with_user_names() -> None:
    src = "s = u*v\ns += u\ns1 = s * 3\ns_1 = s1 + 1\ns_2 = s_1 - u\ns *= s_2"
    r = grad(src, {"u": "2", "v": "3"})
    ids = [n.id for n in r.nodes]
    assert len(ids) == len(set(ids)), ids
    named = {"u", "v", "s", "s1", "s_1", "s_2"}
    assert named <= set(ids)
    for i in set(ids) - named:
        assert not IDENT.match(i), i
    # s_prev = uv + u = 8, s1 = 24, s_1 = 25, s_2 = 23, s = 8*23 = 184.
    assert r.values == {"s": 184}
    # d/du: s = p*(3p + 1 - u) with p = uv + u, dp/du = v + 1 = 4, dp/dv = u = 2.
    # ds/du = 4*23 + 8*(3*4 - 1) = 92 + 88 = 180; ds/dv = 2*23 + 8*(3*2) = 46 + 48 = 94.
    assert r.jacobian == {"s": {"u": 180, "v": 94}}
    r = grad(src, {"u": "2", "v": "3"}, outputs=["s1", "s"])
    assert r.values == {"s1": 24, "s": 184}


def test_reassigned_input() -> None:
    r = grad("x = x*2; y = x + 1", {"x": "3"}, mode="forward")
    assert r.inputs == {"x": 3}
    assert r.values == {"y": 7}
    assert r.jacobian == {"y": {"x": 2}}
    ids = [n.id for n in r.nodes]
    assert len(ids) == len(set(ids)) == 3
    assert "x" in ids and "y" in ids
    (other,) = set(ids) - {"x", "y"}
    assert not IDENT.match(other)


@pytest.mark.parametrize("mode", MODES)
def test_alias_makes_no_node(mode: str) -> None:
    r = grad("y = x; z = y * y", {"x": "3"}, mode=mode)
    assert [n.op for n in r.nodes] == ["input", "mul"]
    assert [n.id for n in r.nodes] == ["x", "z"]
    assert [(e.src, e.dst) for e in r.edges] == [("x", "z"), ("x", "z")]
    assert r.jacobian == {"z": {"x": 6}}
    r = grad("y = x", {"x": "3"}, mode=mode)
    assert len(r.nodes) == 1 and r.nodes[0].op == "input"
    assert r.edges == ()
    assert r.outputs == ("y",)
    assert r.values == {"y": 3}
    assert r.jacobian == {"y": {"x": 1}}
    if mode == "paths":
        assert r.path_counts == {"y": {"x": 1}}


@pytest.mark.parametrize("mode", MODES)
def test_constant_output(mode: str) -> None:
    r = grad("k = 3", {}, mode=mode)
    assert [(n.id, n.op, n.value) for n in r.nodes] == [("k", "const", 3)]
    assert r.outputs == ("k",)
    assert r.values == {"k": 3}
    d = r.to_dict()
    assert d["nodes"][0]["op"] == "const" and d["value"] == 3
    r = grad("y = x*2; k = 3", {"x": "3"}, mode=mode, outputs=["y", "k"])
    by_id = {n.id: n for n in r.nodes}
    assert by_id["k"].op == "const" and by_id["k"].value == 3
    assert r.values == {"y": 6, "k": 3}
    assert r.jacobian == {"y": {"x": 2}, "k": {"x": 0}}
    if mode == "paths":
        assert r.path_counts == {"y": {"x": 1}, "k": {"x": 0}}
    data, _ = run_cli("k = 3", "--format", "json", "--mode", mode)
    assert data["nodes"] == [{"id": "k", "op": "const", "expr": "3", "value": 3,
                              **({"adjoint": {"k": 1}} if mode == "reverse" else {}),
                              **({"tangent": {}} if mode == "forward" else {})}]
    assert data["value"] == 3 and type(data["value"]) is int


@pytest.mark.parametrize("mode", MODES)
def test_identical_subexpressions_share_a_node(mode: str) -> None:
    r = grad("sin(x)+sin(x)", {"x": "0.5"}, mode=mode)
    ops = [n.op for n in r.nodes]
    assert ops.count("sin") == 1
    assert ops == ["input", "sin", "add"]
    sin_id, add_id = r.nodes[1].id, r.nodes[2].id
    assert [(e.src, e.dst) for e in r.edges] == [("x", sin_id), (sin_id, add_id),
                                                 (sin_id, add_id)]
    assert close(r.values[r.outputs[0]], 2 * math.sin(0.5))
    assert close(r.jacobian[r.outputs[0]]["x"], 2 * math.cos(0.5))
    if mode == "paths":
        assert r.path_counts[r.outputs[0]] == {"x": 2}
    # Across statements too.
    r = grad("p = x*y; q = x*y; r = p + q", {"x": "2", "y": "5"}, mode=mode)
    assert [n.op for n in r.nodes].count("mul") == 1
    assert r.jacobian == {"r": {"x": 10, "y": 4}}


def test_constants_folded() -> None:
    r = grad(SEED, SEED_VALUES)
    assert len(r.nodes) == 5
    assert all(n.op != "const" for n in r.nodes)
    assert not any(n.id == "1" or n.expr == "1" for n in r.nodes)
    r = grad("x*(2+3)", {"x": "1"})
    assert [n.op for n in r.nodes] == ["input", "mul"]
    assert len(r.edges) == 1 and r.edges[0].value == 5
    assert r.jacobian[r.outputs[0]] == {"x": 5}
    r = grad("x + sin(0)*exp(2)", {"x": "4"})
    assert [n.op for n in r.nodes] == ["input", "add"]


def test_generated_ids_are_numbered_and_no_program_can_write_one() -> None:
    r = grad("q = (x+1)*(x+2); a = q + 1", {"x": "1"})
    assert [n.id for n in r.nodes] == ["x", "v₁", "v₂", "q", "a"]
    r = grad("(x+c)*(c+1)", {"x": "3", "c": "1"})  # named c and e in the old a, b, ... ids
    assert [n.id for n in r.nodes] == ["x", "c", "v₁", "v₂", "v₃"]
    assert r.outputs == ("v₃",)
    r = grad("v1 = x*2; v2 = v1 + sin(v1)", {"x": "1"})  # v₁ would read as the v1: u₁
    assert [n.id for n in r.nodes] == ["x", "v1", "u₁", "v2"]
    r = grad("v[k] = k*x for k in 1..2; u = v[1]*v[2] + v[2]^2", {"x": "1"})
    assert [n.id for n in r.nodes][-3:] == ["t₁", "t₂", "u"]  # a family v, a name u
    with pytest.raises(InputError):
        grad("v₁ = x*2", {"x": "1"})


def test_the_bare_expression_is_the_seed_with_its_operations_numbered() -> None:
    named = json.dumps(grad(SEED, SEED_VALUES).to_dict(), ensure_ascii=False)
    bare = grad(SEED_EXPRESSION, SEED_VALUES).to_dict()
    for old, new in (("c", "v₁"), ("d", "v₂"), ("e", "v₃")):
        named = re.sub(rf"\b{old}\b", new, named)
    renamed = json.loads(named)
    assert renamed.pop("expression") != bare.pop("expression")
    assert renamed == bare


def test_generated_ids_past_nine_and_ten() -> None:
    src = "sin(" * 30 + "x" + ")" * 30
    r = grad(src, {"x": "1"})
    assert [n.id for n in r.nodes] == ["x", *(f"v{str(k).translate(SUBSCRIPTS)}"
                                             for k in range(1, 31))]
    assert r.outputs == ("v₃₀",)
