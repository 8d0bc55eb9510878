"""Results in notebooks (issue 26): r.table(), r.svg(), r.html() and r.tikz() are what the
command line prints and writes; a result shows itself in Jupyter; examples/lesson.ipynb
runs headless (nbclient and the venv's own ipykernel) and, written out as a page the way a
notebook shows its outputs, steps through its passes in headless Chromium."""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import bpcalc
from bpcalc import display
from bpcalc.cli import cli
from bpcalc.numbers import showing
from test_pictures import CHROMIUM_ARGS, _chromium

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "examples" / "lesson.ipynb"
SEED = "c = a + b; d = b + 1; e = c * d"  # the article's names (generated ids are v₁, …)


def cli_text(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args), env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    return r.output


def rstripped(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines()) + "\n"


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_table_is_the_command_lines_text_view(mode):
    text = bpcalc.grad(SEED, a=2, b=1, mode=mode, limit=20).table(width=80)
    assert "\x1b" not in text and text.endswith("\n") and not text.endswith("\n\n")
    printed = rstripped(cli_text("grad", SEED, "a=2", "b=1", "--mode", mode, "--format",
                                 "table", "--color", "never"))
    assert printed.startswith(text)  # the command line adds what each mode costs
    assert printed[len(text):].lstrip("\n").startswith("cost  ")
    assert "∂e/∂b" in text and "Gradient of e = 6" in text


@pytest.mark.parametrize("command", [
    ["graph", SEED], ["graph", SEED, "a=2", "b=1", "--mode", "forward"],
    ["hessian", "x*x*y", "x=1", "y=2"], ["diff", "c = a + b; d = b + 1; e = c * d"],
    ["grad", "x*y + sin(x)", "x=1", "y=2", "--direction", "x=1,y=-2"],
    ["descend", "(w*x + b - y)^2", "--params", "w=0,b=0", "--data", "examples/line.csv"]])
def test_every_results_table_is_its_commands(command, monkeypatch):
    monkeypatch.chdir(ROOT)
    r = api_result(command)
    printed = rstripped(cli_text(*command, "--format", "table"))
    if command[0] == "descend":  # the API's rows come from no named file
        printed = printed.replace("rows of examples/line.csv", "rows of the data")
    assert r.table(width=80) == printed


def api_result(command: list[str]):
    """The API's result for a command line of the test above."""
    name, expr, *rest = command
    options = {rest[k][2:]: rest[k + 1] for k in range(len(rest)) if rest[k][:2] == "--"}
    values = {a.split("=")[0]: a.split("=")[1] for a in rest if "=" in a and
              rest[rest.index(a) - 1][:2] != "--"}
    if name == "descend":
        return bpcalc.descend(expr, options["params"], Path(options["data"]))
    if "direction" in options:
        return bpcalc.directional(expr, direction=options["direction"], **values)
    return getattr(bpcalc, name)(expr, mode=options.get("mode"), **values) if name == "graph" \
        else getattr(bpcalc, name)(expr, **values)


def test_pictures_are_what_the_options_write(tmp_path, monkeypatch):
    svg, page = tmp_path / "r.svg", tmp_path / "r.html"
    for command, r in [(["grad", SEED, "a=2", "b=1", "--mode", "paths"],
                        bpcalc.grad(SEED, a=2, b=1, mode="paths")),
                       (["graph", SEED, "a=2", "b=1"], bpcalc.graph(SEED, a=2, b=1)),
                       (["hessian", "x*x*y", "x=1", "y=2"], bpcalc.hessian("x*x*y", x=1, y=2))]:
        cli_text(*command, "--svg", str(svg), "--html", str(page), "--json")
        assert r.svg() == svg.read_text(encoding="utf-8")
        assert r.html() == page.read_text(encoding="utf-8")
        if command[0] != "hessian":
            assert r.tikz() == cli_text(*command, "--format", "tikz")
        cli_text(*command, "--svg", str(svg), "--html", str(page), "--slide", "--json")
        assert r.svg(slide=True) == svg.read_text(encoding="utf-8")
        # a Hessian's graph and grid are one picture, not laid out as slides
        assert (r.svg(slide=True) == r.svg()) == (command[0] == "hessian")
        assert r.html(slide=True) == page.read_text(encoding="utf-8")
    t = bpcalc.grad("y = tanh(x)", x=0.5)
    assert "y = tanh(x)</text>" in t.svg() and "= 0.462117<" in t.svg()
    assert "= 0.462<" in t.svg(digits=3) and "0.462117" not in t.svg(digits=3)
    with showing(3):  # None: the digits the caller set (the command line's --digits)
        assert t.svg(digits=None) == t.svg(digits=3) != t.svg()
    monkeypatch.chdir(ROOT / "examples")  # two parameters: the path over the loss surface
    cli_text("descend", "(w*x + b - y)^2", "--params", "w=0,b=0", "--data", "line.csv",
             "--svg", str(svg), "--json")
    fit = bpcalc.descend("(w*x + b - y)^2", "w=0,b=0", Path("line.csv"))
    assert fit.svg() == svg.read_text(encoding="utf-8") and "over the loss" in fit.svg()


def test_a_grad_result_shows_its_pass_step_by_step_in_an_iframe():
    r = bpcalc.grad(SEED, a=2, b=1)
    shown = r._repr_html_()
    srcdoc = re.fullmatch(r'<iframe [^>]*srcdoc="([^"]*)"[^>]*></iframe>', shown)
    assert srcdoc is not None, shown[:200]
    assert html.unescape(srcdoc.group(1)) == r.html()
    height = int(re.search(r"height: (\d+)px", shown).group(1))
    assert height > int(re.search(r'<svg [^>]*height="(\d+)"', r.html()).group(1))
    assert r._repr_svg_() is None  # one picture per output, not two


def test_other_results_show_a_drawing_or_their_text():
    g = bpcalc.graph(SEED)
    assert g._repr_html_() is None and g._repr_svg_() == g.svg()
    assert "e = c * d</text>" in g.svg()
    h = bpcalc.hessian("x*x*y", x=1, y=2)
    assert h._repr_svg_() is None
    assert h._repr_html_() == f'<pre class="bpcalc">{html.escape(h.table())}</pre>'
    cost = bpcalc.graph(SEED).cost
    assert "edge operations" in cost._repr_html_()
    code = bpcalc.emit(SEED, lang="c")
    assert code.table() == code.code and "#include &lt;math.h&gt;" in code._repr_html_()
    for r in (h.graph, bpcalc.directional("x*y", x=1, y=2, direction="x=1,y=0"), cost):
        if r.kind != "graph":
            with pytest.raises(display.NoPicture, match="r.table"):
                r.svg()
    fit = bpcalc.descend("(w - 3)^2", {"w": 0}, steps=50)
    assert fit._repr_html_() is None and fit._repr_svg_() == fit.svg()
    assert "polyline" in fit.svg()


def test_importing_bpcalc_imports_no_sympy_rich_or_click_nor_do_the_pictures():
    code = textwrap.dedent("""
        import sys, json
        import bpcalc
        r = bpcalc.grad("(a+b)*(b+1)", a=2, b=1)
        pictures = [r.svg(), r.html(), r.tikz(), r._repr_html_(), bpcalc.graph("x").svg()]
        print(json.dumps(sorted({m.split(".")[0] for m in sys.modules}
                                & {"sympy", "rich", "click"})))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert json.loads(out) == []


def test_the_api_page_runs(monkeypatch):
    """docs/api.md's examples, run by doctest: the page shows what bpcalc prints."""
    import builtins
    import doctest

    monkeypatch.setattr(builtins, "_", None, raising=False)  # doctest keeps values there
    failed, tried = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                                     optionflags=doctest.ELLIPSIS)
    assert tried > 20 and failed == 0


@pytest.mark.parametrize("page", ["docs/api.md", "README.md"])
def test_the_three_lines_print_a_gradient_and_show_a_graph(capsys, page):
    """The page's first lines (and the README's): a gradient printed, a graph shown."""
    block = re.search(r"```python\n(.*?)```", (ROOT / page).read_text(), re.S)
    *lines, last = block.group(1).strip().splitlines()
    assert len(lines) == 2
    exec("\n".join(lines), namespace := {})
    assert capsys.readouterr().out == "{'a': 2.0, 'b': 5.0}\n"
    shown = eval(last.split("  #")[0], namespace)
    assert "bpcalc-steps" in shown._repr_html_() and "2·1 + 3·1 = 5" in shown.html()


# --- the lesson, executed and opened in a browser ----------------------------------------

def run_notebook(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`path` executed in its own folder by a kernel of this very interpreter: a
    kernelspec written for the test (so that no other Python's "python3" kernel is picked
    up) and the kernel's connection file in `tmp_path`, not in the home folder. The
    client starts the kernel and shuts it down."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    spec = tmp_path / "jupyter" / "kernels" / "bpcalc-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bpcalc tests", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, kernel_name="bpcalc-test", timeout=60,
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def page_of(nb) -> str:
    """The notebook as a page, each output as a notebook shows it: its HTML if it has
    one, else its SVG (as an image, the way JupyterLab shows one), else its text."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(f'<div class="markdown"><pre>{html.escape(cell.source)}</pre></div>')
            continue
        parts.append(f'<pre class="input">{html.escape(cell.source)}</pre>')
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                parts.append(f'<div class="output">{data["text/html"]}</div>')
            elif "image/svg+xml" in data:
                svg = base64.b64encode(data["image/svg+xml"].encode()).decode()
                parts.append(f'<div class="output"><img src="data:image/svg+xml;base64,{svg}">'
                             "</div>")
            else:
                text = data.get("text/plain", out.get("text", ""))
                parts.append(f'<pre class="output">{html.escape(text)}</pre>')
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>lesson</title>"
            "</head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


@pytest.mark.browser
def test_lesson_runs_and_steps_through_its_passes_in_chromium(tmp_path, monkeypatch):
    nb = run_notebook(LESSON, tmp_path, monkeypatch)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    frames = [o for o in outputs if "bpcalc-steps" in o.get("data", {}).get("text/html", "")]
    drawings = [o for o in outputs if o.get("data", {}).get("image/svg+xml", "")
                .startswith("<svg")]
    assert len(frames) >= 4 and len(drawings) >= 3  # four passes; two graphs, a loss curve
    printed = "".join(o.get("text", "") for o in outputs)
    assert "gradient {'a': 2.0, 'b': 5.0}" in printed  # forward = reverse = paths
    assert printed.count("gradient {'a': 2.0, 'b': 5.0}") == 3
    page = tmp_path / "lesson.html"
    page.write_text(page_of(nb), encoding="utf-8")
    step_through(page, len(frames))


def step_through(page_file: Path, frames: int) -> None:
    """Every step-through on the page moves on its own when its Next is clicked, with no
    error and no request for anything outside the page."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    browser_path = _chromium()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("request", lambda req: errors.append(req.url) if not req.url.startswith(
                ("file:", "data:", "about:")) else None)
            page.goto(page_file.as_uri())
            assert page.locator("iframe.bpcalc-steps").count() == frames
            first = [page.frame_locator("iframe.bpcalc-steps").nth(k) for k in range(frames)]
            before = [f.locator("#step").inner_text() for f in first]
            assert all(before), before
            first[0].locator("#next").click()
            first[0].locator("#next").click()
            after = [f.locator("#step").inner_text() for f in first]
            assert after[0] != before[0] and after[1:] == before[1:]  # ids do not clash
            assert first[0].locator("#count").inner_text().startswith("step 3 of ")
            assert first[0].locator(".lit").count() >= 1
            for f in first[1:]:
                f.locator("#next").click()
            assert all(f.locator("#step").inner_text() != b for f, b in zip(first[1:], before[1:]))
            assert page.locator("img").count() >= 3
            assert errors == []
        finally:
            browser.close()
