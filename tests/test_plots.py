"""The Hessian's picture (the graph beside the grid of second derivatives) and the descend
plot (axes, ticks, labelled start and end, a smooth loss surface), issue 25."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import cli
from bpcalc.numbers import SCREEN_DIGITS, short
from bpcalc.render import descend_plot, second_view

ROOT = Path(__file__).resolve().parent.parent
NET = str(ROOT / "examples" / "net.txt")
NET_POINT = str(ROOT / "examples" / "net.json")
LINE_CSV = str(ROOT / "examples" / "line.csv")
SVG = "{http://www.w3.org/2000/svg}"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def hessian_picture(tmp_path: Path, *args: str) -> tuple[dict, ET.Element]:
    out = tmp_path / "h.svg"
    r = run("hessian", *args, "--json", "--svg", str(out))
    assert r.exit_code == 0, r.output
    return json.loads(r.output), ET.parse(out).getroot()


def grid_of(root: ET.Element) -> ET.Element:
    found = [g for g in root.iter(f"{SVG}g") if g.get("class") == "hess"]
    assert len(found) == 1
    return found[0]


def cells(grid: ET.Element) -> list[tuple[str, str]]:
    """(the cell's title, the number written in it or '') for every cell of the grid."""
    out = []
    for g in grid.iter(f"{SVG}g"):
        if g.get("class") == "cell":
            title = g.find(f"{SVG}title")
            text = g.find(f"{SVG}text")
            assert title is not None
            out.append((title.text or "", "" if text is None else text.text or ""))
    return out


@pytest.mark.parametrize("expr, point", [
    ("(a+b)*(b+1)", ["a=2", "b=1"]),
    ("x*x*y + sin(y)", ["x=1", "y=pi/2"]),
    ("exp(x*y) - x/y + z^3", ["x=0.3", "y=-1.7", "z=2"]),
])
def test_every_number_on_the_hessian_grid_is_the_results(tmp_path, expr, point):
    d, root = hessian_picture(tmp_path, expr, *point)
    grid = grid_of(root)
    o = d["output"]
    want = {f"∂²{o}/∂{r}∂{c}": short(v, SCREEN_DIGITS) for r, row in d["hessian"].items()
            for c, v in row.items()}
    want |= {f"∂{o}/∂{w}": short(v, SCREEN_DIGITS) for w, v in d["gradient"].items()}
    got = cells(grid)
    assert len(got) == len(want)  # n² entries and n gradient cells, none else
    for title, number in got:
        name, _, value = title.rpartition(" = ")
        assert want[name] == value == number, title
    # beside the grid, the graph's own drawing: every node drawn with its value
    nodes = [g for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "")]
    assert len(nodes) >= len(d["gradient"]) + 1


def test_a_bigger_hessian_is_drawn_as_colour_with_each_number_on_hover(tmp_path):
    d, root = hessian_picture(tmp_path, "-f", NET, "--point", NET_POINT)
    grid = grid_of(root)
    got = cells(grid)
    n = len(d["gradient"])
    assert n > second_view.NUMBERS and len(got) == n * n + n
    assert all(number == "" for _, number in got)  # too many to write in: colour only
    entries = {f"∂²L/∂{r}∂{c}": short(v, SCREEN_DIGITS) for r, row in d["hessian"].items()
               for c, v in row.items()}
    for title, _ in got:
        name, _, value = title.rpartition(" = ")
        assert name not in entries or entries[name] == value
    text = ET.tostring(grid, encoding="unicode")
    assert "324 entries drawn as colour" in text
    fills = {re.sub(r"\s", "", r.get("fill") or "") for r in grid.iter(f"{SVG}rect")}
    assert len(fills) > 10  # shaded by value, not one colour


def descend_picture(tmp_path: Path, *args: str) -> tuple[dict, ET.Element]:
    out = tmp_path / "d.svg"
    r = run("descend", *args, "--json", "--svg", str(out))
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.output), ET.parse(out).getroot()


def texts(root: ET.Element, cls: str | None = None) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if cls is None or t.get("class") == cls]


def test_descend_plot_has_axes_with_ticks_and_a_labelled_start_and_end(tmp_path):
    d, root = descend_picture(tmp_path, "(w*x + b - y)^2", "--params", "w=0,b=0",
                              "--data", LINE_CSV)
    every = texts(root)
    ticks = texts(root, "tick")
    assert {"step", "loss (log scale)", "w", "b"} <= set(every)  # the axis titles
    assert {"0.01", "0.1", "1"} <= set(ticks)  # the loss axis in decades
    assert {"0", "20", "40", "60", "80"} <= set(ticks)  # the step axis
    assert {"0", "0.5", "1", "1.5", "2"} <= set(ticks)  # w's axis (b's shares some)
    first, last = d["history"][0], d["history"][-1]
    labels = texts(root, "label")
    assert f"start: loss {short(first['loss'], SCREEN_DIGITS)}" in labels
    assert f"end: loss {short(last['loss'], SCREEN_DIGITS)}" in labels
    assert "start: w = 0, b = 0" in labels
    end = (f"end, step {last['step']}: w = {short(last['params']['w'], SCREEN_DIGITS)}, "
           f"b = {short(last['params']['b'], SCREEN_DIGITS)}")
    assert end in labels
    circles = [c.get("class") for c in root.iter(f"{SVG}circle")]
    assert circles.count("start") == 2 and circles.count("end") == 2
    tick_marks = [ln for ln in root.iter(f"{SVG}line") if ln.get("class") == "axis"]
    assert len(tick_marks) >= 4 + 5 + 2 * 4  # the curve's and the surface's axes


def test_the_surface_is_smooth_and_has_contours(tmp_path):
    _, root = descend_picture(tmp_path, "(w - 3)^2 + 10*(b+1)^2", "--params", "w=0,b=0",
                              "--lr", "0.01", "--steps", "300")
    blurred = [g for g in root.iter(f"{SVG}g") if g.get("filter") == "url(#smooth)"]
    assert len(blurred) == 1
    cells = list(blurred[0].iter(f"{SVG}rect"))
    assert len(cells) == (descend_plot.GRID + 2) ** 2
    assert max(float(c.get("width") or 0) for c in cells) < 12  # not 140 px blocks
    contours = [p for p in root.iter(f"{SVG}path") if p.get("class") == "contour"]
    assert len(contours) >= descend_plot.LEVELS - 2


def test_a_run_of_one_parameter_draws_the_curve_alone_with_its_ticks(tmp_path):
    d, root = descend_picture(tmp_path, "(w - 3)^2", "--params", "w=0", "--lr", "0.1",
                              "--steps", "20")
    assert not [g for g in root.iter(f"{SVG}g") if g.get("filter")]
    assert len(texts(root, "tick")) >= 6
    assert d["verdict"] in ("stopped", "converged")


@pytest.mark.parametrize("lo, hi", [(0, 1), (-0.3, 2.7), (1e-6, 3e-6), (-500, 1200), (5, 5)])
def test_ticks_are_round_and_inside_the_range(lo, hi):
    ts = descend_plot.ticks(lo, hi)
    assert 1 <= len(ts) <= 7
    assert all(lo - 1e-12 <= t <= hi + 1e-12 for t in ts)
    if len(ts) > 1:
        steps = {round((b - a) / (ts[1] - ts[0]), 9) for a, b in zip(ts, ts[1:])}
        assert steps == {1.0}
        gap = ts[1] - ts[0]
        mantissa = gap / 10 ** math.floor(math.log10(gap))
        assert round(mantissa, 9) in (1, 2, 5)
