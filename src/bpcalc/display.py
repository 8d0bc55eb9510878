"""Results shown as the command line shows them, from Python and in Jupyter.

`Shown` is the mixin of the API's results (api/results.py): `r.table()` is the text view
that `--format table` prints (plain text, no ANSI codes), `r.svg()`, `r.html()` and
`r.tikz()` the pictures that `--svg`, `--html` and `--format tikz` write, and the
`_repr_*_` hooks make a result show itself in a notebook: a grad result as the
step-through of its pass on the drawing, a graph as its drawing, a descent as its loss
curve, the others as their text view. Nothing here computes: each function picks the
renderer for the result's `kind` and hands it the engine's result (`r.result`). rich is
imported when a text view is made, never on `import bpcalc`.

In a notebook the step-through page sits in an iframe's `srcdoc`: its script, styles,
element ids and arrow keys stay inside it, so two outputs on one page never clash, and
nothing is fetched from anywhere.
"""

from __future__ import annotations

import io
import re
from contextlib import AbstractContextManager, nullcontext
from html import escape
from typing import Any

from .numbers import SCREEN_DIGITS, showing

WIDTH = 100  # columns of the text view in a notebook (a terminal's are its own)
# Every function takes `digits`, the significant digits of the numbers shown (6, as on
# screen); None leaves them to the caller's numbers.showing (the command line's --digits).
FRAME = 130  # pixels of the step-through page around its drawing: the controls, the step
DRAWN = ("grad", "graph", "hessian")  # a Hessian's pictures are its function's graph


class NoPicture(TypeError):
    """This kind of result has no such picture (a cost has no drawing)."""


def _digits(digits: int | None) -> AbstractContextManager[None]:
    """Numbers shown with `digits` significant digits; None: as the caller's
    `numbers.showing` says (the command line's --digits)."""
    return nullcontext() if digits is None else showing(digits)


def table(r: Any, width: int = WIDTH, digits: int | None = SCREEN_DIGITS) -> str:
    """The text view of `r` at `width` columns, as `bpcalc CMD ... --format table` prints
    it (without colour), through the command line's own table of renderers
    (api/views.py); a `Code`'s is its source."""
    if r.kind == "emit":
        return str(r.code)
    from .api import views

    label = "the data" if r.kind == "descend" and r.rows else ""  # rows from no named file
    with _digits(digits):
        shown = views.render(r, "table", views.Options(label=label))
        text = shown if isinstance(shown, str) else _rich_text(shown, width)
    lines = [line.rstrip() for line in text.splitlines()]  # rich pads its cells
    return "\n".join(lines).rstrip("\n") + "\n"


def svg(r: Any, digits: int | None = SCREEN_DIGITS, slide: bool = False,
        expand: str | None = None) -> str:
    """The drawing of `r` as an SVG document: the graph with its values and derivatives
    (as `--svg`; with `slide`, as 16:9 pages, as `--slide`; a program with families as
    layers, `expand` an element's scalar graph), a Hessian's graph beside the grid of its
    second derivatives, or a descent's loss curve (with the path of two parameters over
    the loss surface when two learn)."""
    with _digits(digits):
        if r.kind == "descend":
            from .render import descend_view

            return descend_view.svg(r.result, *r.surface())
        drawn = _drawn(r, "drawing")
        if r.kind == "hessian":
            from .render import second_view

            return second_view.svg(r.result, drawn, expand)
        from .render import layers

        return layers.graph_svg(drawn, _input(r), r.kind, expand, slide)


def html(r: Any, digits: int | None = SCREEN_DIGITS, slide: bool = False,
         expand: str | None = None) -> str:
    """The page that steps through the pass on the drawing (as `--html`; enlarged for a
    1280 x 800 screen with `slide`; a program with families, its layers): one
    self-contained HTML document, its script inline."""
    from .render import layers

    drawn = _drawn(r, "step-through page")
    with _digits(digits):
        return layers.page(drawn, _input(r), r.kind, expand, slide)


def tikz(r: Any, digits: int | None = SCREEN_DIGITS) -> str:
    """The drawing as a TikZ picture for LaTeX (as `--format tikz`; a Hessian's is its
    function's graph)."""
    from .api import views

    _drawn(r, "TikZ drawing")
    with _digits(digits):
        return str(views.render(r.graph if r.kind == "hessian" else r, "tikz"))


def notebook_html(r: Any) -> str | None:
    """What a notebook shows for `r`: a grad result's step-through page in an iframe sized
    to its drawing; the text view of a result without a drawing (a cost, a Hessian,
    formulas, code), as preformatted text; None for a graph or a descent (an SVG)."""
    if r.kind in ("graph", "descend"):
        return None
    if r.kind != "grad":
        return f'<pre class="bpcalc">{escape(table(r))}</pre>'
    page = html(r)
    found = re.search(r'<svg [^>]*height="(\d+)"', page)
    height = (int(found.group(1)) if found else 400) + FRAME
    return (f'<iframe class="bpcalc-steps" title="bpcalc: the pass, step by step" '
            f'srcdoc="{escape(page, quote=True)}" '
            f'style="width: 100%; height: {height}px; border: none;"></iframe>')


def notebook_svg(r: Any) -> str | None:
    """What a notebook shows for a graph (its drawing) or a descent (its loss curve);
    None for the others."""
    return svg(r) if r.kind in ("graph", "descend") else None


class Shown:
    """The display methods of a result (see the module's docstring). The class that mixes
    it in has `kind` (the command) and `result` (the engine's result)."""

    __slots__ = ()

    def table(self, width: int = WIDTH, digits: int | None = SCREEN_DIGITS) -> str:
        """The text view, as `--format table` prints it, without colour."""
        return table(self, width, digits)

    def svg(self, digits: int | None = SCREEN_DIGITS, slide: bool = False) -> str:
        """The drawing as SVG text (a descent: its loss curve); `slide`: 16:9 pages."""
        return svg(self, digits, slide)

    def html(self, digits: int | None = SCREEN_DIGITS, slide: bool = False) -> str:
        """The step-through page as one self-contained HTML document; `slide`: enlarged
        for a 1280 x 800 screen."""
        return html(self, digits, slide)

    def tikz(self, digits: int | None = SCREEN_DIGITS) -> str:
        """The drawing as a TikZ picture."""
        return tikz(self, digits)

    def _repr_html_(self) -> str | None:
        return notebook_html(self)

    def _repr_svg_(self) -> str | None:
        return notebook_svg(self)


def _drawn(r: Any, what: str) -> Any:
    """The engine's GradResult that a picture of `r` draws."""
    if r.kind not in DRAWN:
        raise NoPicture(f"a {r.kind} result has no {what}; r.table() shows it")
    return r.graph.result if r.kind == "hessian" else r.result


def _input(r: Any) -> str | None:
    """The input whose tangents a forward-mode picture draws (grad's first `wrt`)."""
    return getattr(r, "drawn", None)


def _rich_text(parts: list[Any], width: int) -> str:
    """Rich renderables printed once, a blank line after each, as plain text."""
    from rich.console import Console

    out = io.StringIO()
    # force_jupyter: in a notebook rich would otherwise display each part, not write it
    console = Console(file=out, width=width, color_system=None, force_terminal=False,
                      force_jupyter=False, highlight=False, emoji=False)
    for part in parts:
        console.print(part)
        console.print()
    return out.getvalue()
