"""Pictures (issue 13): the layered layout, the SVG drawing, the step-through page, TikZ,
the README's figures, and the page in a real browser (headless Chromium)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bpcalc.cli import cli
from bpcalc.numbers import showing
from bpcalc.render import drawing, stepper, svg, tikz
from helpers import grad

ROOT = Path(__file__).resolve().parent.parent
NET = (ROOT / "examples" / "net.txt").read_text()
NET_POINT = json.loads((ROOT / "examples" / "net.json").read_text())
SEED = ("c = a + b; d = b + 1; e = c * d", {"a": "2", "b": "1"})  # the article's names
NINE = ("y = sin(x) + cos(x) + exp(x)\nz = sin(y) + cos(y) + exp(y)", {"x": "0.5"})
GRAPHS = {"seed": SEED, "nine": NINE, "net": (NET, NET_POINT)}


def result(name: str, mode: str = "reverse", **kw):
    source, point = GRAPHS[name]
    with showing(6):
        return grad(source, point, mode=mode, **kw)


def overlap(a: drawing.Box, b: drawing.Box) -> bool:
    return (abs(a.x - b.x) < (a.w + b.w) / 2 - 0.5) and (abs(a.y - b.y) < (a.h + b.h) / 2 - 0.5)


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_layout_keeps_nodes_and_labels_apart_and_edges_going_up(name, mode):
    with showing(6):
        p = svg.picture(result(name, mode))
    d = p.drawing
    boxes = d.boxes
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not overlap(boxes[i], boxes[j]), (i, j)
    labels = [lb for lb in d.labels if lb is not None]
    assert len(labels) == len(d.routes)  # every edge is labelled
    for lb in labels:
        for b in boxes:
            assert not overlap(lb, b), (lb, b)
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            assert not overlap(labels[i], labels[j]), (labels[i], labels[j])
    for route in d.routes:
        ys = [y for _, y in route]
        assert all(a > b for a, b in zip(ys, ys[1:])), route  # from the operand up
    for b in [*boxes, *labels]:
        assert b.x - b.w / 2 >= 0 and b.x + b.w / 2 <= d.width
        assert b.top >= 0 and b.bottom <= d.height


def test_inputs_sit_below_the_output_one_layer_below_their_first_use():
    r = result("seed")
    d = svg.picture(r).drawing
    y = {n.id: d.boxes[i].y for i, n in enumerate(r.nodes)}
    assert y["a"] == y["b"] > y["c"] == y["d"] > y["e"]
    net = result("net")
    ynet = {n.id: svg.picture(net).drawing.boxes[i].y for i, n in enumerate(net.nodes)}
    assert ynet["y"] > ynet["t₂₀"] > ynet["L"]  # y just below out - y, not at the bottom
    assert ynet["y"] < ynet["x1"]


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_svg_is_xml_with_every_node_and_edge_label(mode):
    r = result("net", mode)
    with showing(6):
        text = svg.svg(r)
    root = ET.fromstring(text)
    assert root.tag.endswith("svg")
    shown = "\n".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    for n in r.nodes:
        assert (n.id if n.op == "input" else f"{n.id} = {n.expr}") in shown
    for e in r.edges:
        assert f"∂{e.dst}/∂{e.src} = {e.local}" in shown
    if mode == "reverse":
        assert "∂L/∂w11 = 0.435927" in shown and "∂L/∂L = 1" in shown
    if mode == "forward":
        assert "∂L/∂w11 = 0.435927" in shown  # the tangents of the first input
    if mode == "paths":
        assert 'class="edge hot"' in text and "→" in shown


def test_svg_follows_the_digits_and_refers_to_nothing_outside():
    r = result("net")
    with showing(3):
        text = svg.svg(r)
    assert "= 0.888" in text and "0.887835" not in text
    for page in (text, stepper.page(r)):
        assert not re.search(r"(?:href|src)\s*=\s*[\"'](?!#)", page)
        assert not re.search(r"url\((?!#)|@import|<link|<img|<iframe", page)
        assert [m.group() for m in re.finditer(r"https?://[^\s\"'<>]*", page)] == \
            ["http://www.w3.org/2000/svg"] * len(re.findall("xmlns=", page))


def test_big_graphs_degrade_to_their_structure_and_then_to_a_note():
    mid = grad("y = x\n" + "y = sin(y)*a + y\n" * 150, {"x": "0.5", "a": "0.3"})
    with showing(6):
        text = svg.svg(mid)
    assert "drawn as structure only" in text and "= sin(" not in text
    ET.fromstring(text)
    huge = grad("y = x\n" + "y = sin(y)*a + y\n" * 800, {"x": "0.5", "a": "0.3"})
    with showing(6):
        text = svg.svg(huge)
    assert "too many to draw" in text and text.count("<rect") == 1


def test_steps_of_each_mode():
    r = result("seed")
    texts = [s.text for s in stepper.steps(r)]
    assert texts == ["∂e/∂e = 1 (seed)", "∂e/∂d = ∂e/∂e·∂e/∂d = 1·3 = 3",
                     "∂e/∂c = ∂e/∂e·∂e/∂c = 1·2 = 2",
                     "∂e/∂b = ∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b = 2·1 + 3·1 = 5",
                     "∂e/∂a = ∂e/∂c·∂c/∂a = 2·1 = 2"]
    b_step = stepper.steps(r)[3]
    assert sorted(r.edges[k].dst for k in b_step.edges) == ["c", "d"]
    assert r.nodes[b_step.node].id == "b"
    fwd = [s.text for s in stepper.steps(result("seed", "forward", wrt=["b"]))]
    assert fwd[-1] == "∂e/∂b = ∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b = 2·1 + 3·1 = 5"  # one notation
    paths = stepper.steps(result("seed", "paths", wrt=["b"]))
    assert [s.text for s in paths] == ["b → c → e: 1·2 = 2", "b → d → e: 1·3 = 3",
                                       "∂e/∂b = 2 + 3 = 5  (2 paths)"]
    assert len(paths[0].edges) == 2


def test_page_is_self_contained_html_with_the_steps():
    text = stepper.page(result("seed"))
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "<script>" in text
    data = json.loads(re.search(r"const STEPS = (.*);\n", text).group(1))
    assert [d["text"] for d in data[:4]] == ["the inputs: a = 2, b = 1", "c = a + b = 3",
                                             "d = b + 1 = 2", "e = c * d = 6"]
    assert data[7]["text"].endswith("2·1 + 3·1 = 5")  # then the pass, as stepper.steps
    assert 'id="n0"' in text and 'id="e0"' in text


def test_tikz_has_a_node_per_node_and_a_path_per_edge():
    r = result("seed")
    text = tikz.tikz(r)
    assert text.count(r"\node[") == len(r.nodes) + len(r.edges)  # boxes and labels
    assert text.count(r"\draw[->") == len(r.edges)
    assert r"$\partial$e/$\partial$c = d = 2" in text
    assert text.rstrip().endswith(r"\end{tikzpicture}")


def test_cli_draws_with_any_format_and_keeps_stdout(tmp_path):
    out = tmp_path / "g.svg"
    r = CliRunner().invoke(cli, ["graph", *SEED[0:1], "a=2", "b=1", "--svg", str(out)])
    assert r.exit_code == 0 and json.loads(r.output)["schema"] == "bpcalc/graph"
    assert "e = c * d" in out.read_text()
    r = CliRunner().invoke(cli, ["hessian", "x*x*y", "x=1", "y=2", "--svg", str(out),
                                 "--digits", "3", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["schema"] == "bpcalc/hessian"
    r = CliRunner().invoke(cli, ["grad", *SEED[0:1], "a=2", "b=1", "--format", "tikz"])
    assert r.exit_code == 0 and r.output.startswith("% bpcalc grad  ")
    r = CliRunner().invoke(cli, ["graph", *SEED[0:1], "--format", "tikz"])  # issue 29
    assert r.exit_code == 0 and r.output.startswith("% bpcalc graph  ")
    r = CliRunner().invoke(cli, ["grad", "x", "x=1", "--format", "tikz", "--check"])
    assert r.exit_code == 2


def _figures():
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", list(_figures().FIGURES))
def test_readme_figures_are_current(name):
    figures = _figures()
    committed = (ROOT / "docs" / "figures" / name).read_text(encoding="utf-8")
    assert committed == figures.draw(figures.FIGURES[name]), \
        "run .venv/bin/python docs/make_figures.py"
    pages = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]  # shown on some page
    assert any(f"figures/{name}" in page.read_text() for page in pages)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium; "
                    ".ci/run installs it)")
    return found


@contextlib.contextmanager
def chromium_page(width: int, height: int) -> Iterator[tuple[Any, list[str]]]:
    """A page of headless Chromium at this viewport, and the list of its errors: each
    script error (pageerror) and each request for anything but a file."""
    browser_path = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda req: errors.append(req.url)
                    if not req.url.startswith(("file:", "data:")) else None)
            yield page, errors
        finally:
            browser.close()


@pytest.mark.browser
def test_step_through_page_in_headless_chromium(tmp_path):
    page_file = tmp_path / "seed.html"
    r = CliRunner().invoke(cli, ["grad", *SEED[0:1], "a=2", "b=1", "--html", str(page_file),
                                 "--json"])
    assert r.exit_code == 0, r.output
    with chromium_page(900, 700) as (page, errors):
        page.goto(page_file.as_uri())
        for _ in range(4):  # past the forward values, to the pass
            page.click("#next")
        seen = [page.inner_text("#step")]
        for _ in range(4):
            page.click("#next")
            seen.append(page.inner_text("#step"))
        assert seen[0] == "∂e/∂e = 1 (seed)"
        assert seen[3] == "∂e/∂b = ∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b = 2·1 + 3·1 = 5"
        assert page.inner_text("#count") == "step 9 of 9"
        assert page.locator(".lit").count() == 3  # node a, the edge c <- a, its label
        page.keyboard.press("ArrowLeft")
        assert page.inner_text("#step").endswith("2·1 + 3·1 = 5")
        assert page.locator("#n1.lit").count() == 1  # b lights up with its two edges
        assert page.locator(".edge.lit > path:not(.own)").count() == 2
        assert page.locator(".edge.lit rect").count() == 2  # their two labels
        box = page.locator("#drawing > svg").bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 300
        shot = page.screenshot(path=str(tmp_path / "seed.png"))
        assert _ink(shot) > 0.01, "the screenshot is blank"
        assert errors == []


def _ink(png: bytes) -> float:
    """The share of pixels that are not white in a PNG screenshot (8-bit RGB or RGBA)."""
    import struct
    import zlib

    width, height, depth, kind = struct.unpack(">IIBB", png[16:26])
    assert depth == 8 and kind in (2, 6)
    channels = 3 if kind == 2 else 4
    data, pos = b"", 8
    while pos < len(png):
        length, tag = struct.unpack(">I4s", png[pos:pos + 8])
        if tag == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(data)
    stride = width * channels
    prev = bytearray(stride)
    inked = 0
    for row in range(height):  # undo the PNG filters, row by row
        f, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1:(row + 1)
                                                         * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        inked += sum(1 for i in range(0, stride, channels) if min(line[i:i + 3]) < 200)
        prev = line
    return inked / (width * height)


def test_pictures_show_one_pass_and_say_which(tmp_path):
    r = result("seed")
    src, point = "f = x*y; g = x + y", {"x": "1", "y": "2"}
    with showing(6):
        many = grad(src, point, outputs=["f", "g"])
        text = svg.svg(many)
    assert "the pass for f" in text and "∂g/∂g" not in text and "∂f/∂g = 0" in text
    assert [s.text.split(" =")[0] for s in stepper.steps(many)] == \
        ["∂f/∂f", "∂f/∂y", "∂f/∂x"]
    fwd = result("net", "forward")
    assert {s.text.split(" =")[0].split("/")[1] for s in stepper.steps(fwd)} == {"∂w11"}
    paths = grad("y = x\n" + "y = y*y + y\n" * 6, {"x": "0.5"}, mode="paths")
    with showing(6):
        notes = svg.picture(paths).notes
    assert len(notes) <= svg.PATHS + 3 and "more paths" in notes[svg.PATHS]
    assert r.nodes  # (the seed still draws)


def test_moved_and_unknown_options_say_so():
    r = CliRunner().invoke(cli, ["cost", "x*y", "--svg", "c.svg"])
    assert r.exit_code == 2 and "--terminal-svg" in r.output
    r = CliRunner().invoke(cli, ["cost", "x", "--digits", "3"])
    assert r.exit_code == 2 and "No such option '--digits'" in r.output
    assert "put -- before it" not in r.output
    table = CliRunner().invoke(cli, ["graph", "(a+b)*(b+1)", "a=2", "b=1", "--mode", "reverse",
                                     "--format", "table"]).output
    assert "Reverse pass for v₃" in table


def _text_boxes(text: str) -> dict[str, list[drawing.Box]]:
    """The box of every text line the SVG draws, by its group's id (n0, l3, ...), from
    the text's position (x its centre, y its baseline), its length and the font size the
    SVG's style sets (a monospaced character is 0.6 em wide)."""
    size = float(re.search(r"text \{[^}]*font-size: ([\d.]+)px", text).group(1))
    boxes: dict[str, list[drawing.Box]] = {}
    for g in ET.fromstring(text).iter("{http://www.w3.org/2000/svg}g"):
        if not g.get("id"):
            continue
        for t in g.iter("{http://www.w3.org/2000/svg}text"):
            x, base, w = float(t.get("x")), float(t.get("y")), len(t.text or "") * 0.6 * size
            boxes.setdefault(g.get("id"), []).append(
                drawing.Box(x, base - 0.8 * size + 1.05 * size / 2, w, 1.05 * size))
    return boxes


def _union(bs: list[drawing.Box]) -> drawing.Box:
    left, right = min(b.x - b.w / 2 for b in bs), max(b.x + b.w / 2 for b in bs)
    top, bottom = min(b.top for b in bs), max(b.bottom for b in bs)
    return drawing.Box((left + right) / 2, (top + bottom) / 2, right - left, bottom - top)


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_no_label_text_crosses_another_label_or_a_node_in_the_svg(name, mode):
    with showing(6):
        text = svg.svg(result(name, mode))
    boxes = {k: _union(v) for k, v in _text_boxes(text).items()}
    labels = [k for k in boxes if k.startswith("l")]
    assert len(labels) == len(result(name, mode).edges)
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            assert not overlap(boxes[a], boxes[b]), (a, b, boxes[a], boxes[b])
        for n in (k for k in boxes if k.startswith("n")):
            assert not overlap(boxes[a], boxes[n]), (a, n)


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_the_graph_sets_the_width_of_the_figure_not_its_title(name, mode):
    with showing(6):
        _width_from_the_graph(svg.svg(result(name, mode)))


@pytest.mark.parametrize("name", list(_figures().FIGURES))
def test_the_readme_figures_are_as_wide_as_their_graphs(name):
    _width_from_the_graph((ROOT / "docs" / "figures" / name).read_text(encoding="utf-8"))


def _width_from_the_graph(text: str) -> None:
    """The SVG is within 10% of the extent of its boxes and labels, and its title and
    notes fit in it (wrapped)."""
    box = re.search(r'<svg[^>]*viewBox="[\d.-]+ [\d.-]+ ([\d.]+)', text)  # a scaled one
    width = float(box.group(1) if box else
                  re.search(r'<svg[^>]*width="([\d.]+)"', text).group(1))
    rects = [(float(m.group(1)), float(m.group(2))) for m in
             re.finditer(r'<rect x="([\d.-]+)" y="[\d.-]+" width="([\d.]+)"', text)]
    extent = max(x + w for x, w in rects) - min(x for x, _ in rects)  # nodes and labels
    assert extent <= width <= 1.1 * extent, (width, extent)
    title = [t for t in re.findall(r'<text class="(?:title|note)"[^>]*>([^<]*)<', text)]
    assert all(drawing.SIDE + len(t) * drawing.CHAR <= width for t in title)


FONT_PX = """() => Array.from(document.querySelectorAll('text')).map((t) => {
  const r = t.getBoundingClientRect();
  return [t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
          r.top + window.scrollY, r.bottom + window.scrollY, r.left, r.right]; })"""


@pytest.mark.browser
@pytest.mark.parametrize("args", [["grad", *SEED[0:1], "a=2", "b=1"],
                                  ["grad", "-f", str(ROOT / "examples" / "net.txt"),
                                   "--point", str(ROOT / "examples" / "net.json")]],
                         ids=["seed", "net"])
def test_slides_are_16_by_9_pages_with_readable_text_in_chromium(tmp_path, args):
    out, page_file = tmp_path / "slide.svg", tmp_path / "slide.html"
    r = CliRunner().invoke(cli, [*args, "--svg", str(out), "--html", str(page_file), "--slide",
                                 "--json"])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    width, height = (float(v) for v in re.search(r'<svg[^>]*width="([\d.]+)" height="([\d.]+)"',
                                                 text).groups())
    pages = round(height / 720)
    assert width == 1280 and height == 720 * pages  # 16:9 pages, one under the other
    with showing(6):
        res = grad(*GRAPHS["net" if "-f" in args else "seed"])
    definitions = {n.id if n.op == "input" else f"{n.id} = {n.expr}" for n in res.nodes}
    with chromium_page(1280, 800) as (page, errors):
        page.set_content(f'<body style="margin:0">{text}</body>')
        texts = page.evaluate(FONT_PX)
        assert min(size for _, size, *_ in texts) >= 12 - 1e-6
        for t, _, top, bottom, left, right in texts:  # each on one page, none cut
            assert int(top // 720) == int((bottom - 0.01) // 720), t
            assert 0 <= left and right <= 1280, t
        assert definitions <= {t for t, *_ in texts}  # every node on some page
        assert (pages > 1) == (len(res.nodes) > 10) and (pages > 1 or
                                                         min(s for _, s, *_ in texts) > 13)
        page.goto(page_file.as_uri())  # the step-through page: as large or larger
        drawn = [s for t, s, *_ in page.evaluate(FONT_PX) if t in definitions]
        assert len(drawn) == len(definitions) and min(drawn) >= 13 - 1e-6
        assert errors == []
