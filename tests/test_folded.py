"""Folded views of programs with families (issue 24), and the big program's streamed table
view (issue 25).

micrograd's demo network (examples/moons.txt, one data row, as the README's network
section has it) at 80 and 50 columns: within its line budgets, no line wider than the
terminal, every decimal on screen one of the result's numbers or the norm of a family's
numbers (computed here from the JSON, not by the view); golden text for the folded views;
--expand; a scalar program unchanged; the big table view linear in the program.
"""

from __future__ import annotations

import json
import math
import os
import re
import tracemalloc
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import cli
from bpcalc.numbers import short
from helpers import json_numbers
from test_readable import EXAMPLES, assert_readable, screen

GOLDEN = Path(__file__).resolve().parent / "golden"
MOONS = ["-f", str(EXAMPLES / "moons.txt"), "W1[16,2]=uniform(-1,1)", "b1=0",
         "W2[16,16]=uniform(-1,1)", "b2=0", "w3=uniform(-1,1)", "b3=0",
         "x=[0.05356,0.371408]", "y=1"]
WIDTHS = (80, 50)


def flat(x) -> list[float]:
    out, stack = [], [x]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack += v
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out.append(float(v))
    return out


def allowed(args: list[str]) -> set[str]:
    """The command's JSON numbers as the screen writes them, and the norms of each family's
    values, gradient, adjoints and tangents, computed here from the JSON."""
    data = json.loads(CliRunner().invoke(cli, [*args, "--json"]).output)
    numbers = [float(x) for x in json_numbers(data)]
    groups: list[list[float]] = []
    for key in ("inputs", "values", "gradient"):
        groups += [flat(v) for v in (data.get(key) or {}).values() if isinstance(v, list)]
    by_family: dict[tuple[str, str], list[float]] = defaultdict(list)
    for n in data.get("nodes", []):
        family = n["id"].partition("[")[0] if "[" in n["id"] else None
        if family is None:
            continue
        by_family[(family, "value")].append(n["value"])
        for kind in ("adjoint", "tangent"):
            for k, v in (n.get(kind) or {}).items():
                if v is not None:
                    by_family[(family, f"{kind} {k}")].append(v)
    groups += list(by_family.values())
    numbers += [math.sqrt(math.fsum(v * v for v in g)) for g in groups if g]
    return {short(x, 6) for x in numbers}


def golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; BPCALC_GOLDEN=write rewrites it (then read the diff)."""
    path = GOLDEN / name
    text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    if os.environ.get("BPCALC_GOLDEN") == "write":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


BUDGETS = [("grad", ["grad", "--format", "table"], 120),
           ("forward", ["grad", "--mode", "forward", "--format", "table"], 150),
           ("graph-tree", ["graph", "--format", "tree"], 40),
           ("plain", ["grad", "--format", "plain"], 120),
           ("tree", ["grad", "--format", "tree"], 120)]


@pytest.mark.parametrize(("name", "cmd", "budget"), BUDGETS, ids=[b[0] for b in BUDGETS])
def test_moons_views_keep_to_their_budgets_and_are_readable(name, cmd, budget, monkeypatch):
    json_args = [cmd[0], *MOONS, *[a for a in cmd[1:] if a not in ("--format", "table",
                                                                   "tree", "plain")]]
    numbers = allowed(json_args)
    counts = {}
    for width in WIDTHS:
        text = screen([cmd[0], *MOONS, *cmd[1:]], width, monkeypatch)
        assert_readable(text, width, numbers)
        counts[width] = text.count("\n")
    assert counts[80] <= budget, counts  # was 6,784 lines for grad, one row a node
    assert counts[50] <= budget * 1.4, counts  # narrower: the same rows, wrapped


def test_descend_keeps_to_its_budget(monkeypatch):
    args = ["descend", "-f", str(EXAMPLES / "moons.txt"), "--data",
            str(EXAMPLES / "moons.csv"), "--lr", "1", "--steps", "20", "--params",
            "W1[16,2]=uniform(-1,1), b1=0, W2[16,16]=uniform(-1,1), b2=0, w3=uniform(-1,1), "
            "b3=0", "--format", "table"]
    assert screen(args, 80, monkeypatch).count("\n") <= 60


@pytest.mark.parametrize(("name", "cmd"), [
    ("moons_grad.txt", ["grad", "--format", "table"]),
    ("moons_forward.txt", ["grad", "--mode", "forward", "--format", "table"]),
    ("moons_graph_tree.txt", ["graph", "--format", "tree"]),
    ("moons_plain.txt", ["grad", "--format", "plain"])])
def test_moons_golden_text(name, cmd, monkeypatch):
    golden(name, screen([cmd[0], *MOONS, *cmd[1:]], 80, monkeypatch))


def test_folded_rows_say_what_a_textbook_says(monkeypatch):
    text = screen(["grad", *MOONS, "--format", "table"], 80, monkeypatch)
    assert re.search(r"^W1 \[16,2\]\s+input = ", text, re.M)
    assert "h1[j] = relu(sum(W1[j,i] * x[i] for i) + b1[j])  (80 nodes)" in text
    assert "∂loss/∂h1[j] = Σ_k ∂loss/∂h2[k]·∂h2[k]/∂h1[j]" in text
    assert "∂loss/∂W1[j,i] = ∂loss/∂h1[j]·∂h1[j]/∂W1[j,i] + ∂loss/∂loss·∂loss/∂W1[j,i]" in text
    # y*score, made in acc's statement, reaches loss: the chain names loss, not acc
    assert "∂loss/∂score = ∂loss/∂loss·∂loss/∂score" in text
    data = json.loads(CliRunner().invoke(cli, ["grad", *MOONS, "--json"]).output)
    norm = math.sqrt(math.fsum(v * v for v in flat(data["gradient"]["W1"])))
    assert re.search(rf"∂loss/∂W1 \[16,2\]\s+.*\n?.*norm {re.escape(short(norm, 6))}", text)


def test_expand_lists_a_family_picks_an_element_and_a_range(monkeypatch):
    base = ["grad", *MOONS, "--format", "plain"]
    data = json.loads(CliRunner().invoke(cli, ["grad", *MOONS, "--json"]).output)
    text = screen([*base, "--expand", "b1"], 80, monkeypatch)
    for k, g in enumerate(data["gradient"]["b1"]):
        assert re.search(rf"∂loss/∂b1\[{k + 1}\]\s+{re.escape(short(g, 6))}\n", text)
    text = screen([*base, "--expand", "W1[2,1]"], 80, monkeypatch)
    assert "∂loss/∂W1[2,1] = ∂loss/∂" in text  # its sum written out in the pass
    assert re.search(r"∂loss/∂W1\[2,1\]\s+" + re.escape(short(data["gradient"]["W1"][1][0], 6)),
                     text)
    text = screen([*base, "--expand", "W2[1..3,2]"], 80, monkeypatch)
    assert all(f"∂loss/∂W2[{i},2]" in text for i in (1, 2, 3)) and "W2[4,2]" not in text
    for bad, says in [("Q", "no family or element"), ("W1[17,1]", "run 1..16"),
                      ("W1[1]", "has 2 indices")]:
        r = CliRunner().invoke(cli, [*base, "--expand", bad])
        assert r.exit_code == 2 and says in r.output, r.output
    r = CliRunner().invoke(cli, ["grad", "x*y", "x=1", "y=2", "--expand", "x"])
    assert r.exit_code == 2 and "no families" in r.output


def test_scalar_programs_are_not_folded(monkeypatch):
    text = screen(["grad", "(a+b)*(b+1)", "a=2", "b=1", "--format", "table"], 80, monkeypatch)
    assert "Nodes, in evaluation order" in text and "Families" not in text


def test_graph_view_folds_without_values(monkeypatch):
    text = screen(["graph", "y[i] = sum(W[i,j]*x[j] for j); L = sum(y)", "W=[[1,2],[3,4]]",
                   "x=[1,2]", "--format", "table"], 80, monkeypatch)
    assert "y [2]" in text and "W [2,2]" in text and "Nodes, in evaluation order" not in text


def chain(n: int) -> str:
    return "y = x\n" + "y = tanh(y)\n" * (n - 1)


def test_big_table_view_is_linear_streamed_and_starts_with_a_summary(monkeypatch):
    """A chain of n statements: 4 lines a statement (node, edge, two for the reverse pass's
    row) and a fixed number more, at every size; the summary first; the text made
    for one size's tables in memory about proportional to it (tracemalloc, not time)."""
    lines = {}
    peaks = {}
    for n in (2_000, 4_000):
        src = chain(n)
        tracemalloc.start()
        text = screen(["grad", src, "x=0.5", "--format", "table"], 80, monkeypatch)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        lines[n] = text.count("\n")
        head = text.split("\n\n")[1]
        assert head.startswith(f"Summary: {n:,} nodes, {n - 1:,} edges")
        assert "--format json --fields value,gradient" in text.replace("\n    ", " ")
        assert_readable(text, 80, {short(float(v), 6) for v in json_numbers(json.loads(
            CliRunner().invoke(cli, ["grad", src, "x=0.5", "--json"]).output))})
        assert text.count("\nNodes, in evaluation order\n") == 1
        # y.1 .. y.(n-2), then y: each in the nodes table and the pass's (edges: ∂y.1/∂x)
        assert len(re.findall(r"^y\.\d+ ", text, re.M)) == 2 * (n - 2)
    assert lines[4_000] - lines[2_000] == 4 * 2_000, lines  # linear: 4 lines a statement
    assert peaks[4_000] < 2.6 * peaks[2_000], peaks  # no faster than linear growth


def test_hessian_of_a_family_program_is_shown_by_blocks(monkeypatch):
    """Each block's norm is the norm of the JSON's entries of that pair of families; the
    blocks that are all 0 are named once; --expand lists one family's entries."""
    args = ["hessian", "L = sum(W[i,j]^2*x[j] for i, j) + sum(x[j]^3 for j)",
            "W=[[1,2],[3,4]]", "x=[1,2]"]
    data = json.loads(CliRunner().invoke(cli, [*args, "--json"]).output)
    hess = data["hessian"]
    ww = flat([hess["W"][i][j]["W"] for i in range(2) for j in range(2)])
    wx = flat([hess["W"][i][j]["x"] for i in range(2) for j in range(2)])
    xx = flat([hess["x"][j]["x"] for j in range(2)])
    norms = {short(math.sqrt(math.fsum(v * v for v in g)), 6) for g in (ww, wx, xx)}
    numbers = {short(float(v), 6) for v in json_numbers(data)} | norms | allowed(
        ["grad", *args[1:]])
    for width in WIDTHS:
        for fmt in ("table", "plain"):
            text = screen([*args, "--format", fmt], width, monkeypatch)
            assert_readable(text, width, numbers)
    text = screen([*args, "--format", "plain"], 80, monkeypatch)
    for name, values in (("∂²L/∂W² [4×4]", ww), ("∂²L/∂W∂x [4×2]", wx), ("∂²L/∂x² [2×2]", xx)):
        norm = short(math.sqrt(math.fsum(v * v for v in values)), 6)
        assert re.search(re.escape(name) + rf"\s+{sum(v != 0 for v in values)} of "
                         rf"{len(values)}\s+.*norm {re.escape(norm)}", text), text
    text = screen([*args, "--format", "plain", "--expand", "x[2]"], 80, monkeypatch)
    assert re.search(r"∂²L/∂x\[2\]²\s+" + re.escape(short(hess["x"][1]["x"][1], 6)), text)
    assert "∂²L/∂W[1,1]²" not in text
    moons = screen(["hessian", *MOONS, "--format", "table"], 80, monkeypatch)
    assert moons.count("\n") < 100  # 1,468 lines when every entry was listed
    assert "are all 0" in moons and "∂²loss/∂W1∂W2 [32×256]" in moons
