"""A program with families drawn as layers (issue 24): one box per family, edges labelled
with the index formula of their local derivative (checked against the scalar graph at
every element), one element's neighbourhood on request, a 1280x800 slide at 12 px text;
and the three pictures of this branch in headless Chromium."""

from __future__ import annotations

import json
import math
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc import analysis
from bpcalc.cli import cli
from bpcalc.numbers import SCREEN_DIGITS, short, showing
from bpcalc.render import drawing, layer_formulas, layers, svg
from helpers import grad

ROOT = Path(__file__).resolve().parent.parent
MOONS = (ROOT / "examples" / "moons.txt").read_text()
SVG = "{http://www.w3.org/2000/svg}"
FAMILIES = ["W1", "x", "b1", "h1", "W2", "b2", "h2", "w3", "b3", "score", "y", "acc", "loss"]
TANH = """h[j] = tanh(sum(A[j,i] * u[i] for i) + c[j])
z = sum(h[j]^2 for j) / 3 + prod(u[i] for i)"""
NESTED = """h[j] = sin(x[j]/(a[j] - b[j]) - (a[j] + b[j])^2)
L = exp(-sum(h[j] for j)) / (1 + sum(a[j]*b[j] for j))"""  # generated nodes written out


def moons_point(seed: int = 0) -> dict[str, object]:
    rng = random.Random(seed)

    def draw(*shape: int) -> object:
        if len(shape) == 1:
            return [rng.uniform(-1, 1) for _ in range(shape[0])]
        return [draw(*shape[1:]) for _ in range(shape[0])]

    return {"W1": draw(16, 2), "b1": draw(16), "W2": draw(16, 16), "b2": draw(16),
            "w3": draw(16), "b3": 0.1, "x": [0.5, -0.3], "y": 1}


def family_result(source: str, given: dict, output: str | None = None):
    from bpcalc.text.arrays import nested

    point = {k: nested(v, k) if isinstance(v, list) else v for k, v in given.items()}
    program = analysis.load(source, point)
    graph = program.graph([output] if output else None)
    with showing(SCREEN_DIGITS):
        return analysis.grad(graph, program.flat(point), "reverse")


@pytest.fixture(scope="module")
def moons():
    return family_result(MOONS, moons_point(), "loss")


def svg_root(text: str) -> ET.Element:
    return ET.fromstring(text)


def boxes(root: ET.Element) -> dict[str, list[str]]:
    """Each family box's lines, by the family's name."""
    out = {}
    for g in root.iter(f"{SVG}g"):
        if "family" in (g.get("class") or "").split():
            lines = [t.text or "" for t in g.iter(f"{SVG}text")]
            out[lines[0].split(" ")[0]] = lines
    return out


def labels(root: ET.Element) -> list[list[str]]:
    return [[t.text or "" for t in g.iter(f"{SVG}text")] for g in root.iter(f"{SVG}g")
            if g.get("class") == "link label"]


def test_the_network_is_drawn_as_one_box_per_family(moons):
    with showing(SCREEN_DIGITS):
        root = svg_root(layers.graph_svg(moons))
    found = boxes(root)
    assert sorted(found) == sorted(FAMILIES)
    assert found["W1"][:2] == ["W1 [16,2]", "input"]
    assert found["h1"][:2] == ["h1 [16]", "h1[j] = relu(sum(W1[j,i] * x[i] for i) + b1[j])"]
    assert found["score"][0] == "score"
    assert found["score"][-1] == f"= {short(_value(moons, 'score'), SCREEN_DIGITS)}"
    assert found["loss"][-1] == f"= {short(moons.values['loss'], SCREEN_DIGITS)}"
    ranks = {name: float(g.find(f"{SVG}rect").get("y")) for g in root.iter(f"{SVG}g")
             if "family" in (g.get("class") or "").split()
             for name in [(g.find(f"{SVG}text").text or "").split(" ")[0]]}
    assert ranks["x"] > ranks["h1"] > ranks["h2"] > ranks["score"] > ranks["loss"]


def _value(r, node_id: str) -> float:
    return next(n.value for n in r.nodes if n.id == node_id)


def test_edges_carry_the_index_formulas_of_their_local_derivatives(moons):
    with showing(SCREEN_DIGITS):
        root = svg_root(layers.graph_svg(moons))
    said = {head: formula for head, formula in labels(root)}
    assert said["∂h1[j]/∂W1[j,i]"] == "= x[i]·(h1[j] > 0)"
    assert said["∂h1[j]/∂x[i]"] == "= W1[j,i]·(h1[j] > 0)"
    assert said["∂h1[j]/∂b1[j]"] == "= (h1[j] > 0)"
    assert said["∂h2[k]/∂h1[j]"] == "= W2[k,j]·(h2[k] > 0)"
    assert said["∂score/∂h2[k]"] == "= w3[k]"
    assert said["∂loss/∂W2[k,j]"] == "= 2*W2[k,j]·0.0001"
    assert said["∂acc/∂score"] == "= 0"
    lay = layers.layers(moons)
    assert len(labels(root)) == len(lay.ends) == 16  # every edge between families labelled
    paths = [g for g in root.iter(f"{SVG}g") if g.get("class") == "link"]
    assert len(paths) == len(lay.ends)


def _evaluate(formula: str, names: dict[str, int], values: dict[str, float]) -> float:
    """A label's formula at one element: its names bound to numbers, then Python's eval
    (our own output, in a test)."""
    def element(m: re.Match[str]) -> str:
        key = ",".join(str(names.get(v.strip(), v.strip())) for v in m.group(2).split(","))
        return f"({values[f'{m.group(1)}[{key}]']!r})"

    text = re.sub(r"([^\W\d]\w*)\[([^\]]*)\]", element, formula)
    text = re.sub(r"[^\W\d]\w*(?!\w*\()", lambda m: f"({values[m.group(0)]!r})", text)
    text = re.sub(r"([^\W\d]\w*)\(", r"math.\1(", text)
    return float(eval(text.replace("·", "*").replace("^", "**"), {"math": math}))  # noqa: S307


def _bind(spelled: str, node_id: str, names: dict[str, int]) -> bool:
    """Bind an element's index names (`W1[j,i]`) to a node's numbers (`W1[3,1]`); False if
    a name is bound to another number already."""
    if "[" not in spelled:
        return spelled == node_id
    fam, _, rest = spelled.partition("[")
    nfam, _, nrest = node_id.partition("[")
    if fam != nfam:
        return False
    for v, n in zip(rest.rstrip("]").split(","), map(int, nrest.rstrip("]").split(","))):
        if (int(v) if v.isdigit() else names.setdefault(v, n)) != n:
            return False
    return True


@pytest.mark.parametrize("which", ["moons", "tanh", "nested"])
def test_each_formula_is_the_derivative_at_every_element(moons, which):
    """Every label, evaluated at every element it stands for, equals the derivative of
    that element by that operand through the scalar graph (the sum over paths of the
    products of edge values)."""
    if which == "moons":
        r = moons
    elif which == "nested":
        r = family_result(NESTED, {"x": [0.4, -1.3, 2.2], "a": [0.5, 1.5, -0.7],
                                   "b": [-0.2, 0.3, 0.9]})
    else:
        r = family_result(TANH, {"A": [[0.3, -0.7, 1.1], [0.2, 0.5, -0.4]], "u": [0.9, -0.2, 0.4],
                                 "c": [0.1, -0.3]})
    g = layer_formulas.graph_of(r)
    values = {n.id: n.value for n in r.nodes}
    lay = layers.layers(r)
    checked = 0
    for (a, b), lines in zip(lay.ends, lay.label_lines):
        head, formula = lines[0], lines[1].removeprefix("= ")
        if which != "moons" and "…" in formula:
            continue  # too long to write on an edge (the box has the definition)
        assert "…" not in formula and "a sum over" not in formula
        top, _, bottom = head[1:].partition("/∂")
        for e, node in enumerate(r.nodes):
            if not g.named[e] or layer_formulas.family_of(node.id) != lay.names[b]:
                continue
            cone = g.cone(e)
            for s in g.operands(e):
                names: dict[str, int] = {}
                if layer_formulas.family_of(r.nodes[s].id) != lay.names[a] or not (
                        _bind(top, node.id, names) and _bind(bottom, r.nodes[s].id, names)):
                    continue
                deriv = {s: 1.0}
                for d in [*cone, e]:
                    total = sum(deriv.get(g.at[x.src], 0.0) * x.value for x in g.into[d])
                    deriv[d] = total
                assert _evaluate(formula, names, values) == pytest.approx(deriv[e], abs=1e-12), \
                    (head, formula, node.id, r.nodes[s].id)
                checked += 1
    assert checked >= {"moons": 700, "tanh": 12, "nested": 9}[which]


def test_the_network_fits_a_slide_at_12_px_text(moons):
    with showing(SCREEN_DIGITS):
        text = layers.graph_svg(moons)
    root = svg_root(text)
    width, height = float(root.get("width")), float(root.get("height"))
    assert width <= 1280 and height <= 800
    view = [float(v) for v in root.get("viewBox").split()]
    scale = width / view[2]
    assert scale == pytest.approx(height / view[3], rel=0.01)
    size = float(re.search(r"font-size: (\d+)px", text).group(1))
    assert size * scale >= 12 - 1e-9
    lay = layers.layers(moons)
    d = drawing.layout(lay.box_lines, lay.ends, lay.label_lines)
    placed = [b for b in d.boxes] + [lb for lb in d.labels if lb is not None]
    for i in range(len(placed)):  # nothing drawn over anything else
        for j in range(i + 1, len(placed)):
            p, q = placed[i], placed[j]
            assert not (abs(p.x - q.x) < (p.w + q.w) / 2 - 0.5
                        and abs(p.y - q.y) < (p.h + q.h) / 2 - 0.5), (p, q)


def test_expand_draws_one_elements_scalar_graph(moons):
    cut = layers.neighbourhood(moons, "h1[3]")
    ids = [n.id for n in cut.nodes]
    assert {"h1[3]", "W1[3,1]", "W1[3,2]", "x[1]", "x[2]", "b1[3]"} <= set(ids)
    assert not any(i.startswith(("h1[2]", "W1[2", "h2", "loss")) for i in ids)
    assert len(ids) == 6 + 4  # two products, their sum, the sum with b1[3]
    whole = {n.id: (n, moons.adjoints[i]) for i, n in enumerate(moons.nodes)}
    for i, n in enumerate(cut.nodes):  # every number as the whole result has it
        assert (n, cut.adjoints[i]) == whole[n.id]
    for e in cut.edges:
        assert e in moons.edges and e.dst in ids and e.src in ids
    assert cut.output_nodes == (ids.index("h1[3]"),)
    with showing(SCREEN_DIGITS):
        text = layers.graph_svg(moons, expand="h1[3]")
        assert text == svg.svg(cut)
    assert "∂h1[3]/∂" in text and "∂loss/∂W1[3,1] = " in text


def test_expand_of_an_input_shows_where_it_goes_and_a_wrong_name_says_so(moons):
    cut = layers.neighbourhood(moons, "W1[3,1]")
    assert [n.id for n in cut.nodes][0] == "W1[3,1]" and len(cut.nodes) == 3
    assert [e.local for e in cut.edges] == ["x[1]", "2*W1[3,1]"]  # its product, its square
    assert all(e.src == "W1[3,1]" for e in cut.edges)
    assert layers.chosen(moons, "W2, h1[3]") == "h1[3]"
    assert layers.chosen(moons, "W1[1..3,2]") is None and layers.chosen(moons, "W2") is None
    from bpcalc.errors import InputError

    with pytest.raises(InputError, match=r"--expand h1\[99\]: no such node"):
        layers.chosen(moons, "h1[99]")


def test_scalar_programs_draw_as_before():
    r = grad("(a+b)*(b+1)", {"a": "2", "b": "1"})
    with showing(SCREEN_DIGITS):
        assert layers.graph_svg(r) == svg.svg(r)
        assert layers.graph_svg(r, command="graph") == svg.svg(r, command="graph")
    from bpcalc.render import stepper, tikz

    assert layers.page(r) == stepper.page(r)
    assert layers.tikz(r) == tikz.tikz(r)


def _args(point: dict) -> list[str]:
    return [f"{k}={json.dumps(v)}" for k, v in point.items()]


def test_cli_draws_layers_in_svg_html_and_tikz(tmp_path):
    point = _args(moons_point())
    out, page = tmp_path / "m.svg", tmp_path / "m.html"
    r = CliRunner().invoke(cli, ["grad", "-f", str(ROOT / "examples" / "moons.txt"), *point,
                                 "--output", "loss", "--svg", str(out), "--html", str(page),
                                 "--json"])
    assert r.exit_code == 0, r.output
    assert sorted(boxes(ET.parse(out).getroot())) == sorted(FAMILIES)
    assert "layers" in page.read_text() and "--expand" in page.read_text()
    r = CliRunner().invoke(cli, ["graph", "-f", str(ROOT / "examples" / "moons.txt"), *point,
                                 "--format", "tikz"])
    assert r.exit_code == 0, r.output
    assert r.output.count("\\node[") == len(FAMILIES) + 16  # boxes and edge labels
    assert r.output.count("\\draw[->]") == 16


def test_cli_expand_draws_an_element_and_layers_for_a_family(tmp_path):
    if not any("--expand" in getattr(p, "opts", []) for p in cli.commands["grad"].params):
        pytest.skip("--expand comes with the folded text views (branch views)")
    point = _args(moons_point())
    out = tmp_path / "m.svg"
    moons = ["-f", str(ROOT / "examples" / "moons.txt"), *point, "--output", "loss"]
    for command in ("grad", "graph"):
        r = CliRunner().invoke(cli, [command, *moons, "--svg", str(out), "--expand", "h1[3]",
                                     "--json"])
        assert r.exit_code == 0, r.output
        text = out.read_text()
        assert "h1[3] = relu(" in text and 'class="family' not in text
        r = CliRunner().invoke(cli, [command, *moons, "--svg", str(out), "--expand", "W2",
                                     "--json"])  # a family: listed in text, layers drawn
        assert r.exit_code == 0, r.output
        assert sorted(boxes(ET.parse(out).getroot())) == sorted(FAMILIES)
    r = CliRunner().invoke(cli, ["grad", *moons, "--format", "tikz", "--expand", "h1[3]"])
    assert r.exit_code == 0 and "h1[3] = relu(" in r.output


# --- in a browser ---------------------------------------------------------------------------

def _pictures(tmp_path: Path) -> list[Path]:
    moons = ["-f", str(ROOT / "examples" / "moons.txt"), *_args(moons_point())]
    runs = {
        "layers.svg": ["grad", *moons, "--output", "loss", "--svg"],
        "layers.html": ["grad", *moons, "--output", "loss", "--html"],
        "hessian.svg": ["hessian", "x*x*y + sin(y)", "x=1", "y=pi/2", "--svg"],
        "hessian_net.svg": ["hessian", "-f", str(ROOT / "examples" / "net.txt"), "--point",
                            str(ROOT / "examples" / "net.json"), "--svg"],
        "descend.svg": ["descend", "(w*x + b - y)^2", "--params", "w=0,b=0", "--data",
                        str(ROOT / "examples" / "line.csv"), "--svg"],
    }
    out = []
    for name, args in runs.items():
        path = tmp_path / name
        r = CliRunner().invoke(cli, [*args, str(path), "--json"])
        assert r.exit_code == 0, (name, r.output)
        out.append(path)
    path = tmp_path / "expand.html"  # the step-through of one element (--expand h1[3])
    with showing(SCREEN_DIGITS):
        path.write_text(layers.page(family_result(MOONS, moons_point(), "loss"),
                                    expand="h1[3]"))
    return [*out, path]


def _listen(page, errors: list[str]) -> None:
    """Page errors, console errors and any request off the file itself, into `errors`."""
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda req: errors.append(req.url)
            if not req.url.startswith(("file:", "data:")) else None)


@pytest.mark.browser
def test_the_pictures_render_in_headless_chromium_without_errors(tmp_path):
    from test_pictures import CHROMIUM_ARGS, _chromium, _ink

    browser_path = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    files = _pictures(tmp_path)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        try:
            for f in files:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                errors: list[str] = []
                _listen(page, errors)
                page.goto(f.as_uri())
                found = [b for b in (s.bounding_box() for s in page.locator("svg").all()) if b]
                box = max(found, key=lambda b: b["width"] * b["height"])  # the drawing
                assert box["width"] > 200 and box["height"] > 200, f.name
                if f.name == "layers.svg":  # the slide: the whole drawing in 1280x800
                    assert box["width"] <= 1280 and box["height"] <= 800
                assert _ink(page.screenshot()) > 0.01, f"{f.name} is blank"
                assert errors == [], (f.name, errors)
                page.close()
        finally:
            browser.close()
