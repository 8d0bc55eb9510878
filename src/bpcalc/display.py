"""Results shown as the command line shows them, from Python and in Jupyter.

`Shown` is a mixin for the result classes: `r.table()` is the text view that
`--format table` prints (plain text, no ANSI codes), `r.svg()`, `r.html()` and `r.tikz()`
the pictures that `--svg`, `--html` and `--format tikz` write, and the `_repr_*_` hooks
make a result show itself in a notebook: a grad result as the step-through of its pass
on the drawing, a graph as its drawing, a descent as its loss curve, the rest as their
text view. Nothing here computes; each function picks the renderer for the result's
class. rich is imported when a text view is made, never on `import bpcalc`.

In a notebook the step-through page sits in an iframe's `srcdoc`: its script, styles,
element ids and arrow keys stay inside it, so two outputs on one page never clash, and
nothing is fetched from anywhere.
"""

from __future__ import annotations

import io
import re
from html import escape
from typing import Any

from .numbers import SCREEN_DIGITS, showing

WIDTH = 100  # columns of the text view in a notebook (a terminal's are its own)
FRAME = 130  # pixels above and below the drawing in the step-through page: the controls


class NoPicture(TypeError):
    """This kind of result has no such picture (a Hessian has no step-through page)."""


def table(r: Any, width: int = WIDTH, digits: int = SCREEN_DIGITS) -> str:
    """The text view of `r` at `width` columns, as `bpcalc CMD ... --format table` prints
    it (without colour), numbers with `digits` significant digits."""
    with showing(digits):
        return _rich_text(_parts(r), width)


def svg(r: Any, digits: int = SCREEN_DIGITS) -> str:
    """The drawing of `r` as an SVG document: the graph with its values and derivatives
    (as `--svg`), or a descent's loss curve."""
    kind = _kind(r)
    with showing(digits):
        if kind in ("grad", "graph"):
            from .render import svg as svg_mod

            return svg_mod.svg(r, command=kind)
        if kind == "descend":
            from .render import descend_view

            return descend_view.svg(r, None)
    raise NoPicture(f"a {kind} result has no drawing; r.table() shows it")


def html(r: Any, digits: int = SCREEN_DIGITS) -> str:
    """The page that steps through the pass on the drawing (as `--html`): one
    self-contained HTML document, its script inline."""
    kind = _kind(r)
    if kind not in ("grad", "graph"):
        raise NoPicture(f"a {kind} result has no step-through page; r.table() shows it")
    from .render import stepper

    with showing(digits):
        return stepper.page(r, command=kind)


def tikz(r: Any, digits: int = SCREEN_DIGITS) -> str:
    """The drawing as a TikZ picture for LaTeX (as `--format tikz`)."""
    kind = _kind(r)
    if kind not in ("grad", "graph"):
        raise NoPicture(f"a {kind} result has no TikZ drawing; r.table() shows it")
    from .render import tikz as tikz_mod

    with showing(digits):
        return tikz_mod.tikz(r, command=kind)


def notebook_html(r: Any) -> str | None:
    """What a notebook shows for a grad result: the step-through page in an iframe
    sized to its drawing. None for the other results (they show an SVG or text)."""
    if _kind(r) != "grad":
        return None
    page = html(r)
    found = re.search(r'<svg [^>]*height="(\d+)"', page)
    height = (int(found.group(1)) if found else 400) + FRAME
    return (f'<iframe class="bpcalc-steps" title="bpcalc: the pass, step by step" '
            f'srcdoc="{escape(page, quote=True)}" '
            f'style="width: 100%; height: {height}px; border: none;"></iframe>')


def notebook_svg(r: Any) -> str | None:
    """What a notebook shows for a graph (its drawing) or a descent (its loss curve);
    None for the others."""
    return svg(r) if _kind(r) in ("graph", "descend") else None


class Shown:
    """The display methods of a result (see the module's docstring)."""

    __slots__ = ()

    def table(self, width: int = WIDTH, digits: int = SCREEN_DIGITS) -> str:
        """The text view, as `--format table` prints it, without colour."""
        return table(self, width, digits)

    def svg(self, digits: int = SCREEN_DIGITS) -> str:
        """The drawing as SVG text (a descent: its loss curve)."""
        return svg(self, digits)

    def html(self, digits: int = SCREEN_DIGITS) -> str:
        """The step-through page as one self-contained HTML document."""
        return html(self, digits)

    def tikz(self, digits: int = SCREEN_DIGITS) -> str:
        """The drawing as a TikZ picture."""
        return tikz(self, digits)

    def _repr_html_(self) -> str | None:
        return notebook_html(self)

    def _repr_svg_(self) -> str | None:
        return notebook_svg(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython's text: the text view (a terminal's IPython prints the table)."""
        p.text(table(self))


def _kind(r: Any) -> str:
    """Which command's result `r` is: grad, graph, hessian, directional, diff, descend."""
    from .results.formulas import DiffResult
    from .results.grad import GradResult
    from .results.second import DirectionalResult, HessianResult

    if isinstance(r, GradResult):
        return getattr(r, "command", "grad" if r.mode else "graph")
    for cls, kind in ((HessianResult, "hessian"), (DirectionalResult, "directional"),
                      (DiffResult, "diff")):
        if isinstance(r, cls):
            return kind
    if type(r).__name__ == "Descent":
        return "descend"
    raise TypeError(f"bpcalc cannot show a {type(r).__name__}")


def _parts(r: Any) -> list[Any]:
    """The rich renderables of the text view, as the command prints them."""
    kind = _kind(r)
    if kind in ("grad", "graph"):
        from .render import rich_view

        return rich_view.grad_view(r) if kind == "grad" else rich_view.graph_view(r)
    if kind == "hessian":
        from .render import second_view

        return second_view.hessian_view(r)
    from .render.layout import Lines

    if kind == "directional":
        from .render import second_view

        return [Lines(lambda width: second_view.directional_lines(r, width))]
    if kind == "diff":
        from .render import formula_view

        return formula_view.view(r)
    from .render import descend_view

    data = getattr(r, "data", "the data" if r.rows > 1 else "")
    return [Lines(lambda width: descend_view.lines(r, data, width))]


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
    lines = [line.rstrip() for line in out.getvalue().splitlines()]  # rich pads its cells
    return "\n".join(lines).rstrip("\n") + "\n"
