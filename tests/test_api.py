"""The Python API (bpcalc.grad, graph, hessian, diff, emit, descend, directional): its
results equal the command line's JSON, byte for byte, on every reference case; its errors
are typed and carry the command line's messages; its docstrings' examples run."""

from __future__ import annotations

import builtins
import doctest
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

import bpcalc
from bpcalc.cli import cli
from test_cases import ALL_CASES, CASES, close

EXAMPLES = Path(__file__).parent.parent / "examples"


def run_cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def cli_json(*args: str) -> str:
    code, out, err = run_cli("--format", "json", *args) if args[0] not in ("grad", "graph",
        "cost", "hessian", "diff", "descend") else run_cli(args[0], "--format", "json",
                                                            *args[1:])
    assert code == 0, err
    return out


def case_args(case: dict) -> list[str]:
    """The case as the command line takes it: the expression (after -- if it starts with
    '-'), its NAME=VALUE pairs and --output."""
    pairs = [f"{k}={v}" for k, v in case["values"].items()]
    opts = ["--output", ",".join(case["outputs"])] if "outputs" in case else []
    return [*opts, "--", case["expr"], *pairs]


def api_kwargs(case: dict) -> dict:
    return {"output": case.get("outputs")}


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
@pytest.mark.parametrize("case", ALL_CASES, ids=[c["id"] for c in ALL_CASES])
def test_grad_equals_the_cli_json(case: dict, mode: str) -> None:
    r = bpcalc.grad(case["expr"], case["values"], mode=mode, **api_kwargs(case))
    out = cli_json("grad", "--mode", mode, *case_args(case))
    assert r.to_json() + "\n" == out
    assert r.to_dict() == json.loads(out)
    # the attributes are the JSON's numbers, and the case's truths
    if "outputs" in case:
        assert r.value is None and r.gradient is None
        for o, row in case["jacobian"].items():
            assert all(close(r.jacobian[o][w], d) for w, d in row.items())
    else:
        assert close(r.value, case["value"])
        assert r.gradient is not None and set(r.gradient) == set(case["gradient"])
        assert all(close(r.gradient[w], d) for w, d in case["gradient"].items())
    if mode == "paths" and "path_count" in case:
        assert r.path_count == case["path_count"]


@pytest.mark.parametrize("case", CASES["seed.jsonl"][:2], ids=lambda c: c["id"])
@pytest.mark.parametrize("extra", [("--check",), ("--exact",), ("--mode", "symbolic")])
def test_grad_with_sympy_equals_the_cli_json(case: dict, extra: tuple[str, ...]) -> None:
    kw = {"check": True} if extra == ("--check",) else {"exact": True} \
        if extra == ("--exact",) else {"mode": "symbolic"}
    r = bpcalc.grad(case["expr"], case["values"], **kw)
    out = cli_json("grad", *extra, *case_args(case))
    assert r.to_dict() == json.loads(out)
    assert r.to_json() + "\n" == out


SINGLE = [c for c in ALL_CASES if "outputs" not in c]


@pytest.mark.parametrize("case", SINGLE, ids=[c["id"] for c in SINGLE])
def test_hessian_equals_the_cli_json(case: dict) -> None:
    try:
        h = bpcalc.hessian(case["expr"], case["values"])
    except bpcalc.MathError as exc:  # the CLI says the same, with exit status 1
        code, _, err = run_cli("hessian", "--format", "json", *case_args(case))
        assert (code, err) == (1, f"Error: {exc}\n")
        return
    out = cli_json("hessian", *case_args(case))
    assert h.to_json() + "\n" == out
    assert close(h.value, case["value"])
    assert all(close(h.gradient[w], d) for w, d in case["gradient"].items())
    assert h.hessian == json.loads(out)["hessian"]


def test_the_other_commands_equal_the_cli_json() -> None:
    seed = "c = a + b; d = b + 1; e = c * d"
    g = bpcalc.graph(seed, a=2, b=1, mode="reverse")
    assert g.to_json() + "\n" == cli_json("graph", seed, "a=2", "b=1", "--mode", "reverse")
    assert g.to_json() + "\n" == cli_json("graph", seed, "a=2", "b=1", "--mode", "reverse")
    assert bpcalc.graph(seed).to_json() + "\n" == cli_json("graph", seed)
    assert bpcalc.graph(seed, wrt="b").cost.to_json() + "\n" == cli_json("cost", seed,
                                                                        "--wrt", "b")
    d = bpcalc.diff(seed, a=2, b=1, check=True)
    assert d.passed and d.to_json() + "\n" == cli_json("diff", seed, "a=2", "b=1", "--check")
    j = bpcalc.directional(seed, a=2, b=1, direction="a=1,b=-2")
    assert j.to_json() + "\n" == cli_json("grad", seed, "a=2", "b=1", "--direction",
                                          "a=1,b=-2")
    assert j.derivative == {"e": 2 * 1 + 5 * -2}
    v = bpcalc.directional("f = x*y; g = x + y", x=1, y=2, cotangent={"f": 1, "g": 0.5})
    assert v.to_json() + "\n" == cli_json("grad", "f = x*y; g = x + y", "x=1", "y=2",
                                          "--cotangent", "f=1,g=0.5")


def test_families_take_lists_and_give_lists() -> None:
    expr = "sum(w[i]*x[i] for i) + b"
    r = bpcalc.grad(expr, w=[1, 2, 3], x=(0.5, -1, 2), b=0)
    assert r.gradient == {"w": [0.5, -1.0, 2.0], "x": [1.0, 2.0, 3.0], "b": 1.0}
    assert r.inputs["w"] == [1.0, 2.0, 3.0]
    out = cli_json("grad", expr, "w=[1,2,3]", "x=[0.5,-1,2]", "b=0")
    assert r.to_json() + "\n" == out
    m = bpcalc.grad("sum(W)", W=[[1, 2], [3, 4]])
    assert m.gradient == {"W": [[1.0, 1.0], [1.0, 1.0]]}


def test_values_as_text_fills_and_a_point_mapping() -> None:
    r = bpcalc.grad("sin(x)*y", x="pi/4", y=2)
    assert math.isclose(r.gradient["x"], 2 * math.cos(math.pi / 4), rel_tol=1e-15)
    # a name that is an option's (mode) goes in the point mapping
    p = bpcalc.grad("mode*2", {"mode": 3})
    assert p.value == 6.0
    filled = bpcalc.grad("sum(W)", {"W[2,3]": "uniform(-1,1)"}, seed=7)
    again = cli_json("grad", "sum(W)", "W[2,3]=uniform(-1,1)", "--seed", "7")
    assert filled.to_json() + "\n" == again


def test_errors_are_typed_and_say_what_the_cli_says() -> None:
    for args, kind, code in [
        (("y = log(x)", "x=-1"), bpcalc.MathError, 1),
        (("sinn(x)", "x=1"), bpcalc.InputError, 2),
        (("x*y", "x=1", "z=2"), bpcalc.InputError, 2),
        (("x*y", "x=1"), bpcalc.InputError, 2),
    ]:
        values = dict(a.split("=") for a in args[1:])
        with pytest.raises(kind) as caught:
            bpcalc.grad(args[0], values)
        assert isinstance(caught.value, bpcalc.BpcalcError)
        got = run_cli("grad", *args)
        assert got[0] == code and got[2] == f"Error: {caught.value}\n"
    with pytest.raises(bpcalc.InputError, match="unknown mode 'sideways'"):
        bpcalc.grad("x", x=1, mode="sideways")
    with pytest.raises(bpcalc.InputError, match="value of x must be a number"):
        bpcalc.grad("x", x=True)
    with pytest.raises(bpcalc.InputError, match="given a value twice"):
        bpcalc.grad("x", {"x": 1}, x=2)
    with pytest.raises(bpcalc.InputError, match="not a finite number"):
        bpcalc.grad("x", x=math.inf)


def test_fields_as_the_cli_selects_them() -> None:
    r = bpcalc.grad("(a+b)*(b+1)", a=2, b=1)
    assert r.to_dict(["value", "gradient"]) == {"value": 6.0, "gradient": {"a": 2.0, "b": 5.0}}
    with pytest.raises(bpcalc.InputError, match="no field valu; this output has: schema"):
        r.to_dict(["valu"])


def test_emit_is_the_cli_code_and_runs() -> None:
    code = bpcalc.emit("(a+b)*(b+1)", lang="c")
    _, out, _ = run_cli("emit", "(a+b)*(b+1)", "--lang", "c")
    assert code.code == out and str(code) == out
    py = bpcalc.emit("c = a + b; d = b + 1; e = c * d", a=2, b=1, check=True)
    assert py.function == "f_grad" and py.passed
    assert any(c.lang == "python" and c.status == "ok" for c in py.checks or ())
    env: dict = {}
    exec(py.code, env)
    assert env["f_grad"](2.0, 1.0) == (6.0, (2.0, 5.0))


def test_descend_equals_the_cli_json(tmp_path: Path) -> None:
    args = ["(w*x + b - y)^2", "--params", "w=0,b=0", "--data", str(EXAMPLES / "line.csv"),
            "--steps", "50"]
    out = cli_json("descend", *args)
    by_path = bpcalc.descend("(w*x + b - y)^2", "w=0,b=0", EXAMPLES / "line.csv", steps=50)
    assert by_path.to_json() + "\n" == out
    text = (EXAMPLES / "line.csv").read_text()
    rows = [dict(zip(("x", "y"), map(float, line.split(","))))
            for line in text.splitlines()[1:] if line.strip()]
    header = text.splitlines()[0].replace(" ", "").split(",")
    if header == ["x", "y"]:  # the rows as mappings: the same run
        by_rows = bpcalc.descend("(w*x + b - y)^2", {"w": 0, "b": 0}, rows, steps=50)
        assert by_rows.to_dict() == by_path.to_dict()
    assert by_path.steps == 50 and by_path.verdict in ("stopped", "converged")
    assert by_path.params == json.loads(out)["params"]


@pytest.mark.parametrize("module", ["bpcalc", "bpcalc.api"])
def test_the_docstrings_examples_run(module: str) -> None:
    import importlib

    mod = importlib.import_module(module)
    before = builtins.__dict__.get("_", builtins)  # an example's value is kept as builtins._
    try:
        failed, tried = doctest.testmod(mod, optionflags=doctest.ELLIPSIS, verbose=False)
    finally:
        if before is builtins:
            builtins.__dict__.pop("_", None)
        else:
            builtins._ = before  # type: ignore[attr-defined]
    assert tried > 0 and failed == 0


def test_py_typed_is_shipped() -> None:
    assert (Path(bpcalc.__file__).parent / "py.typed").exists()


# --- the command line built on the API -------------------------------------------------

KINDS = {"grad": "grad", "graph": "graph", "cost": "cost", "hessian": "hessian",
         "diff": "diff", "descend": "descend"}


@pytest.mark.parametrize("command", [*KINDS, "emit", "help"])
def test_help_command_is_the_commands_own_help(command: str) -> None:
    assert run_cli("help", command) == run_cli(command, "--help")
    assert run_cli("help", command)[0] == 0


def test_help_alone_and_for_no_command() -> None:
    assert run_cli("help") == run_cli("--help")
    code, _, err = run_cli("help", "gradd")
    assert code == 2 and "no command 'gradd'; the commands are: cost, descend" in err


@pytest.mark.parametrize("command", list(KINDS))
def test_every_format_a_command_offers_has_a_renderer(command: str) -> None:
    """show() prints each format through the one table of renderers: every --format a
    command offers (but auto and json, which are the result's own) has one."""
    import click

    from bpcalc.api.views import RENDERERS

    params = {p.name: p for p in cli.commands[command].params}
    formats = params["fmt"].type
    assert isinstance(formats, click.Choice)
    for fmt in formats.choices:
        if fmt not in ("auto", "json"):
            assert (KINDS[command], fmt) in RENDERERS, (command, fmt)


def test_grad_takes_its_options_as_groups() -> None:
    """The grad function's own parameters: the source, the view and the SymPy checks each
    come as one object (cli/common.collect)."""
    import inspect

    from bpcalc.cli.grad import grad as grad_command

    params = inspect.signature(inspect.unwrap(grad_command.callback)).parameters
    assert len(params) <= 10, list(params)
    assert {"source", "view", "verify"} <= set(params)
