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

from bpcalc import display
from bpcalc.cli import cli
from helpers import grad

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "examples" / "lesson.ipynb"
SEED = "(a+b)*(b+1)"


def seed(mode: str = "reverse", **kw):
    return grad(SEED, {"a": "2", "b": "1"}, mode=mode, **kw)


def cli_text(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args), env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    return r.output


def rstripped(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines()) + "\n"


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_table_is_the_command_lines_text_view(mode):
    r = grad(SEED, {"a": "2", "b": "1"}, mode=mode, with_cost=True, limit=20)
    text = r.table(width=80)
    assert "\x1b" not in text and text.endswith("\n") and not text.endswith("\n\n")
    assert text == rstripped(cli_text("grad", SEED, "a=2", "b=1", "--mode", mode,
                                      "--format", "table", "--color", "never"))
    assert "∂e/∂b" in text and "Gradient of e = 6" in text


def test_pictures_are_what_the_options_write(tmp_path):
    r = seed()
    svg, page = tmp_path / "r.svg", tmp_path / "r.html"
    cli_text("grad", SEED, "a=2", "b=1", "--svg", str(svg), "--html", str(page), "--json")
    assert r.svg() == svg.read_text(encoding="utf-8")
    assert r.html() == page.read_text(encoding="utf-8")
    assert r.tikz() == cli_text("grad", SEED, "a=2", "b=1", "--format", "tikz")
    t = grad("y = tanh(x)", {"x": "0.5"})
    assert "y = tanh(x)</text>" in t.svg() and "= 0.462117<" in t.svg()
    assert "= 0.462<" in t.svg(digits=3) and "0.462117" not in t.svg(digits=3)


def test_a_grad_result_shows_its_pass_step_by_step_in_an_iframe():
    r = seed()
    shown = r._repr_html_()
    srcdoc = re.fullmatch(r'<iframe [^>]*srcdoc="([^"]*)"[^>]*></iframe>', shown)
    assert srcdoc is not None, shown[:200]
    assert html.unescape(srcdoc.group(1)) == r.html()
    height = int(re.search(r"height: (\d+)px", shown).group(1))
    assert height > int(re.search(r'<svg [^>]*height="(\d+)"', r.html()).group(1))
    assert r._repr_svg_() is None  # one picture per output, not two


def test_other_results_show_a_drawing_or_their_text():
    structure = grad(SEED, None)._replace(mode="")  # as `bpcalc graph` gives it
    assert structure._repr_html_() is None
    assert structure._repr_svg_().startswith("<svg") and "e = c * d" in structure.svg()
    with pytest.raises(display.NoPicture):
        display.svg(_hessian())


def _hessian():
    from helpers import hessian_result

    return hessian_result("x*x*y", {"x": "1", "y": "2"})


def test_ipython_prints_the_table():
    pretty = pytest.importorskip("IPython.lib.pretty")
    r = seed()
    assert pretty.pretty(r) == r.table()
    assert pretty.pretty(_hessian()) == _hessian().table()
    assert "∂²" in _hessian().table() or "hessian" in _hessian().table().lower()


def test_importing_bpcalc_and_display_imports_no_sympy_rich_or_click():
    code = textwrap.dedent("""
        import sys, json
        import bpcalc, bpcalc.display
        from bpcalc import analysis
        r = analysis.grad(analysis.load("(a+b)*(b+1)").graph(None), {"a": 2, "b": 1})
        pictures = [r.svg(), r.html(), r.tikz(), r._repr_html_()]
        print(json.dumps(sorted({m.split(".")[0] for m in sys.modules}
                                & {"sympy", "rich", "click"})))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert json.loads(out) == []


# --- the lesson, executed and opened in a browser ----------------------------------------

def run_notebook(path: Path, tmp_path: Path):
    """`path` executed by a kernel of this very interpreter (a kernelspec written for the
    test, so that no other Python's "python3" kernel is picked up), in its own folder."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = tmp_path / "kernels" / "bpcalc-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bpcalc tests", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)], ensure_native_kernel=False)
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="bpcalc-test", kernel_spec_manager=specs)
    nbclient.NotebookClient(nb, km=km, timeout=60,
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
