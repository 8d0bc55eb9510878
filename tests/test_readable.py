"""Readable at any size (issue 12): every view of the seed example, micrograd's neuron, the
2-2-2-1 network and a 1000-term sum, at 80 and 50 columns, as a terminal shows it.

No line is wider than the terminal (so rich never re-wraps one), nothing is cut to an
ellipsis, no `∂x/∂y` token is split, and every decimal number on screen is one of the
result's numbers with the screen's digits: a number cut in two leaves a fragment that is
none of them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

import bpcalc.cli.common
from bpcalc.cli import cli
from bpcalc.numbers import short
from helpers import json_numbers

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED = ["c = a + b; d = b + 1; e = c * d", "a=2", "b=1"]  # the seed in the article's names
NEURON = ["-f", str(EXAMPLES / "neuron.txt"), "--point", str(EXAMPLES / "neuron.json")]
NET = ["-f", str(EXAMPLES / "net.txt"), "--point", str(EXAMPLES / "net.json")]
SUM = ["-f", str(EXAMPLES / "sum1000.txt"), "--point", str(EXAMPLES / "sum1000.json")]
WIDTHS = (80, 50)
DECIMAL = re.compile(r"(?<![\w.∂²])-?\d+\.\d+(?:e[+-]\d+)?(?![\w.])")


def screen(args: list[str], width: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """What `bpcalc ARGS` prints on a terminal `width` columns wide, without colour."""
    monkeypatch.setattr(bpcalc.cli.common, "stdout_is_terminal", lambda: True)
    r = CliRunner().invoke(cli, args, env={"COLUMNS": str(width), "NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    return r.output


def numbers_of(args: list[str], digits: int = 6) -> set[str]:
    """Every number of the command's JSON result, as the screen writes it."""
    r = CliRunner().invoke(cli, [*args, "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    found = {short(float(x), digits) for x in json_numbers(data)}
    if "edges" in data and data["nodes"] and "adjoint" in data["nodes"][0]:
        adjoint = {n["id"]: n["adjoint"] for n in data["nodes"]}
        for e in data["edges"]:  # the tree's `through c: 2·1 = 2`, each edge's share
            found |= {short(a * e["value"], digits) for a in adjoint[e["to"]].values()}
    return found


def assert_readable(text: str, width: int, allowed: set[str]) -> None:
    lines = text.splitlines()
    for line in lines:
        assert cell_len(line.rstrip()) <= width, f"wider than {width}: {line!r}"
    assert "…" not in text
    for k, line in enumerate(lines):
        body = line.rstrip()
        assert not re.search(r"∂$|∂[^\w²(]|/$|/∂?$", body), f"a split ∂ token: {line!r}"
        assert not re.match(r"\s*/∂", body), f"a split ∂ token: {line!r}"
        assert not re.search(r"\d\.$", body), f"a split number: {line!r}"
        for m in DECIMAL.finditer(body):
            assert m.group().lstrip("-") in {a.lstrip("-") for a in allowed}, \
                f"{m.group()!r} is none of the result's numbers (line {k + 1}: {line!r})"


VIEWS = [(name, [*cmd, *extra]) for name, cmd in
         (("seed", ["grad", *SEED]), ("neuron", ["grad", *NEURON]), ("net", ["grad", *NET]))
         for extra in (["--mode", m, "--format", f] + s for m in ("reverse", "forward", "paths")
                       for f in ("table", "tree", "plain") for s in ([], ["--steps"]))]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "args"), VIEWS, ids=[f"{n}-{' '.join(a[-5:])}" for n, a in VIEWS])
def test_grad_views_never_split_a_value(name, args, width, monkeypatch):
    text = screen(args, width, monkeypatch)
    assert_readable(text, width, numbers_of(args[:args.index("--format")]))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", [["hessian", *SEED], ["hessian", *NEURON], ["hessian", *NET],
                                  ["graph", *NET], ["graph", *NET, "--format", "tree"],
                                  ["grad", *SUM, "--wrt", "w0,w999"], ["cost", *SUM],
                                  ["grad", *NET, "--wrt", "w11", "--mode", "forward"]],
                         ids=["hessian-seed", "hessian-neuron", "hessian-net", "graph-net",
                              "graph-net-tree", "sum", "cost-sum", "net-forward-one"])
def test_other_views_never_split_a_value(args, width, monkeypatch):
    text = screen(args, width, monkeypatch)
    json_args = [a for a in args if a not in ("--format", "tree")]
    assert_readable(text, width, numbers_of(json_args) if args[0] != "cost" else set())
    if args[0] in ("grad", "hessian"):
        assert_readable(screen([*args, "--format", "plain"], width, monkeypatch), width,
                        numbers_of(json_args))


@pytest.mark.parametrize("width", WIDTHS)
def test_check_and_exact_views_never_split_a_value(width, monkeypatch):
    args = ["grad", "sin(x)*y", "x=pi/6", "y=2", "--check", "--exact"]
    allowed = numbers_of(args) | {"1.73205", "0.866025"}
    for fmt in ("table", "plain"):
        assert_readable(screen([*args, "--format", fmt], width, monkeypatch), width, allowed)


def test_network_views_keep_to_their_line_budgets(monkeypatch):
    lines = {m: screen(["grad", *NET, "--mode", m, "--format", "table"], 80,
                       monkeypatch).count("\n") for m in ("reverse", "forward", "paths")}
    assert lines["forward"] < 300, lines  # was 2,031 with a column per input
    assert lines["reverse"] < 250, lines
    hessian = screen(["hessian", *NET, "--format", "table"], 80, monkeypatch)
    assert hessian.count("\n") < 250  # the non-zero entries, not an 18-column matrix
    assert "∂²L/∂w11∂x1" in hessian


def test_forward_view_writes_out_passes_then_sums_up_the_rest(monkeypatch):
    text = screen(["grad", *NET, "--mode", "forward", "--format", "table"], 80, monkeypatch)
    assert "Forward pass for w11: tangents from w11 towards the outputs" in text
    assert "The other 14 forward passes, one line each" in text
    assert re.search(r"^y\s+3\s+1\.8845\s*$", text, re.M)  # y: 3 nodes on its paths
    alone = screen(["grad", *NET, "--mode", "forward", "--wrt", "y", "--format", "table"], 80,
                   monkeypatch)
    assert "Forward pass for y" in alone and "other" not in alone


def test_passes_list_only_nodes_between_the_chosen_inputs_and_outputs(monkeypatch):
    text = screen(["grad", "r = sqrt(x*x + y*y); phi = atan(y/x)", "x=0.6", "y=0.8",
                   "--output", "r,phi", "--format", "plain"], 80, monkeypatch)
    rev_r = text.split("reverse pass for r")[1].split("reverse pass for phi")[0]
    assert "∂r/∂phi" not in rev_r and "∂r/∂e" not in rev_r  # e = y / x feeds phi only
    fwd = screen(["grad", "c = a + b; d = b + 1; e = c * d", "a=2", "b=1", "--mode", "forward",
                  "--format", "plain"], 80, monkeypatch)
    assert "∂d/∂a" not in fwd  # d does not depend on a
    assert re.search(r"∂d/∂b\s+=\s+1·∂b/∂b = 1·1 = 1", fwd)


def test_digits_option_and_json_keep_every_digit(monkeypatch):
    args = ["grad", *NET, "--format", "plain"]
    assert "0.887835" in screen(args, 80, monkeypatch)
    three = screen([*args, "--digits", "3"], 80, monkeypatch)
    assert "0.888" in three and "0.887835" not in three
    full = screen([*args, "--digits", "17"], 80, monkeypatch)
    assert "0.8878347719597284" in full
    data = json.loads(CliRunner().invoke(cli, ["grad", *NET, "--json"]).output)
    assert data["value"] == 0.8878347719597284
    r = CliRunner().invoke(cli, ["grad", *NET, "--json", "--digits", "3"])
    assert r.exit_code == 2 and "JSON always has every digit" in r.output


def test_near_integers_show_as_integers(monkeypatch):
    text = screen(["grad", "log10(x)*y", "x=1000", "y=1", "--format", "plain"], 80,
                  monkeypatch)
    assert "= 3\n" in text or "  3\n" in text
    assert "2.9999" not in text


def test_header_is_one_line_and_never_echoes_comments(monkeypatch):
    text = screen(["grad", *NET, "--format", "table"], 80, monkeypatch)
    assert text.splitlines()[0] == "bpcalc grad  program of 6 statements, output L"
    assert "#" not in text
    short_one = screen(["grad", "# the seed\nc = a + b; d = b + 1\ne = c * d", "a=2", "b=1",
                        "--format", "table"], 80, monkeypatch)
    assert short_one.splitlines()[0] == \
        "bpcalc grad  c = a + b; d = b + 1; e = c * d  at a = 2, b = 1"
    cost = screen(["cost", *SUM], 80, monkeypatch)
    assert cost.splitlines()[0].startswith("bpcalc cost  expression of ")
    assert cost.count("\n") < 30  # the answer, not 170 lines of expression


def test_tree_labels_totals_and_the_shares_of_shared_nodes(monkeypatch):
    text = screen(["grad", *SEED, "--format", "tree"], 80, monkeypatch)
    assert "b = 1,  total ∂e/∂b = 5,  through c: 2·1 = 2" in text
    assert "b (shown above),  through d: 3·1 = 3" in text


def test_operand_slots_are_told_apart(monkeypatch):
    text = screen(["grad", "x*x", "x=3", "--format", "table"], 80, monkeypatch)
    assert "∂v₁/∂x (1st)" in text and "∂v₁/∂x (2nd)" in text


def test_counts_are_singular_or_plural(monkeypatch):
    text = screen(["grad", "sin(x)", "x=1", "--format", "plain", "--mode", "paths"], 80,
                  monkeypatch)
    assert "1 edge operation " in text or "1 edge operation\n" in text or \
        "1 edge operation ·" in text
    assert "1 edge operations" not in text and "(1 path)" in text


def test_check_paths_does_not_depend_on_the_listing_limit(monkeypatch):
    src = "y = x\n" + "y = y*y + y\n" * 4  # 81 paths: more than the screen lists (20)
    text = screen(["grad", src, "x=0.5", "--check", "--format", "plain"], 80, monkeypatch)
    assert "paths ok" in text
    data = json.loads(CliRunner().invoke(cli, ["grad", src, "x=0.5", "--check",
                                               "--json"]).output)
    assert data["check"]["modes"]["paths"]["status"] == "ok"


@pytest.mark.parametrize(("expr", "value", "wants"), [
    ("log(x-2)", "x=1", ["at node v₂ = log(v₁)", "it needs v₁ > 0", "where v₁ = x - 2 = -1"]),
    ("sqrt(x-2)", "x=2", ["∂v₂/∂v₁ = 1/(2*sqrt(v₁)) = 1/(2*sqrt(0)) = ∞",
                          "where v₁ = x - 2 = 0"]),
    ("1/(y-1)", "y=1", ["division by zero", "where v₁ = y - 1 = 0"]),
])
def test_math_errors_name_the_operand_node(expr, value, wants):
    r = CliRunner().invoke(cli, ["grad", expr, value])
    assert r.exit_code == 1
    for w in wants:
        assert w in r.output, r.output


@pytest.mark.parametrize(("expr", "wants"), [
    ("log(x", ["column 4", "     ^"]),
    ("ln(x)", ["did you mean log?"]),
    ("arctan(x)", ["did you mean atan?"]),
    ("Sin(x)", ["did you mean sin?"]),
])
def test_syntax_errors_point_at_the_problem_and_know_aliases(expr, wants):
    r = CliRunner().invoke(cli, ["grad", expr, "x=1"])
    assert r.exit_code == 2
    for w in wants:
        assert w in r.output, r.output
    assert "ln*(" not in r.output


def test_euler_hint_for_e_to_the_x():
    r = CliRunner().invoke(cli, ["grad", "e^x", "x=1"])
    assert r.exit_code == 2 and "for e^x write exp(x)" in r.output


@pytest.mark.parametrize(("option", "suggestion"), [("--mdoe", "--mode"), ("--step", "--steps")])
def test_misspelt_options_get_clicks_suggestion(option, suggestion):
    r = CliRunner().invoke(cli, ["grad", "x", "x=1", option])
    assert r.exit_code == 2 and "Did you mean" in r.output and suggestion in r.output


@pytest.mark.parametrize("args", [["grad", *SEED], ["grad", *SEED, "--format", "tree"],
                                  ["grad", *SEED, "--check"], ["cost", "(a+b)*(b+1)"],
                                  ["hessian", *SEED], ["diff", "(a+b)*(b+1)"]])
def test_colours_are_bold_dim_italic_and_one_accent(args):
    """Legible on dark and light backgrounds: no cyan, yellow, green or blue; bold, dim,
    italic, the magenta accent, and red only for a failed check."""
    r = CliRunner().invoke(cli, [*args, "--color", "always", "--format",
                                 "tree" if "tree" in args else "table"])
    assert r.exit_code == 0, r.output
    codes = {int(p or 0) for m in re.findall(r"\x1b\[([0-9;]*)m", r.output)
             for p in m.split(";")}
    assert codes, "colour was asked for"
    assert codes <= {0, 1, 2, 3, 22, 23, 31, 35, 39}, codes


@pytest.mark.parametrize("width", [40, 50, 80])
def test_deep_trees_keep_every_label_inside_the_width(width, monkeypatch):
    args = ["grad", "sin(sin(sin(sin(sin(sin(x*y))))))", "x=1.2345678e-7", "y=-3.3333333",
            "--format", "tree", "--digits", "17"]
    text = screen(args, width, monkeypatch)
    assert_readable(text, width, numbers_of(args[:-4], 17))
    net = screen(["grad", *NET, "--format", "tree", "--mode", "forward"], width, monkeypatch)
    body = net.split("\n\n")[1].splitlines()[1:]  # the tree under its root
    assert all(line[:1] in "│├└┆ " for line in body), [ln for ln in body if ln[:1] not in
                                                       "│├└┆ "][:3]


def test_direction_views_are_laid_out_like_the_others(monkeypatch):
    text = screen(["grad", *NET, "--direction", "x1=1,x2=-2", "--format", "plain"], 40,
                  monkeypatch)
    assert "#" not in text and "direction   x1 = 1, x2 = -2, the rest 0" in text
    assert max(cell_len(line) for line in text.splitlines()) <= 40
