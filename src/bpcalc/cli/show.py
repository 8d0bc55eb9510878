"""Showing a result: one `show(result, view)` for every command, through the table of
renderers per result kind and format (api/views.py). JSON is the result's own
`to_dict()`; every other format is a renderer that gives rich renderables (printed once,
and saved as the --terminal-svg and --terminal-html screenshots) or text (printed as it
is).

Nothing here computes: the result holds what was computed (api/results.py).
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError
from . import common
from .common import View, reader_left, write_text

if TYPE_CHECKING:
    from ..api.results import Result


def render(result: Result, fmt: str, view: View) -> list[Any] | str:
    from ..api.views import render as render_view  # not on the JSON path

    return render_view(result, fmt, view)

WARNED = ("grad", "directional", "hessian")  # kinds whose warnings go to stderr as text


def show(result: Result, view: View) -> None:
    """Print `result` in `view.fmt` (chosen already): its JSON object, or what its renderer
    for that format gives; the pictures --svg and --html, and the text view's screenshots,
    are saved beside it."""
    save_pictures(result, view)
    if view.fmt == "json":
        print_json(_json(result, view))
        if view.shot_svg or view.shot_html:  # the table view saved, never printed
            _print(render(result, "table", view), view, echo=False)
        return
    if result.kind in WARNED:
        warn(getattr(result, "warnings", ()))
    _print(render(result, view.fmt, view), view)


def _json(result: Any, view: View) -> dict[str, Any]:
    """The JSON object; node and edge lists are made as they are written."""
    if result.kind == "grad":
        fields = common.names(view.fields, "--fields")
        try:
            return result.to_dict(fields, lazy=True)
        except InputError as exc:  # an unknown field
            raise click.BadParameter(str(exc), param_hint="--fields") from None
    if result.kind == "graph":
        return result.to_lazy_dict()
    return result.to_dict()


def _print(shown: list[Any] | str, view: View, echo: bool = True) -> None:
    if isinstance(shown, str):
        click.echo(shown, nl=False)
    else:
        print_rich(shown, view.color, view.shot_svg, view.shot_html, echo)


# --- printing once ----------------------------------------------------------------------

def print_rich(parts: list, color: str, svg: str | None, html: str | None,
               echo: bool = True) -> None:
    """Print rich renderables once; save them as SVG or HTML when asked. With `echo`
    False they are only saved (stdout has JSON then)."""
    from rich.console import Console

    kwargs: dict = {"record": bool(svg or html), "highlight": False}
    if not echo:
        kwargs["file"] = io.StringIO()
    if color == "always":
        kwargs["force_terminal"] = True
    elif color == "never" or os.environ.get("NO_COLOR"):
        kwargs["color_system"] = None  # no escape codes at all, bold and italic included
    for path in (svg, html):  # fail before printing anything if a picture cannot be saved
        if path:
            try:
                open(path, "a", encoding="utf-8").close()
            except OSError as exc:
                raise InputError(f"cannot write {path}: {exc.strerror}") from None
    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich's own exits 1: the reader left, not an error
            reader_left()

    console = _Console(**kwargs)
    for part in parts:
        if hasattr(part, "chunks") and not console.record:  # a big table, as it is made
            _stream(console, part)
        else:
            console.print(part)
        console.print()
    try:
        if svg:
            console.save_svg(svg, title="bpcalc", clear=False, code_format=_offline_svg_format())
        if html:
            console.save_html(html, clear=False)
    except OSError as exc:
        raise InputError(f"cannot write {exc.filename}: {exc.strerror}") from None


def _stream(console: Any, table: Any) -> None:
    """Write a render.stream.Streamed table: its title through rich, its lines straight
    to the terminal a chunk at a time (rich would hold them all)."""
    from rich.text import Text

    console.print(Text(table.title, style="bold"))
    try:
        for chunk in table.chunks(console.width):
            console.file.write(chunk)
    except BrokenPipeError:
        reader_left()


def _offline_svg_format() -> str:
    """rich's SVG template without its @font-face rules, which fetch Fira Code from a CDN:
    the screenshot uses the viewer's Fira Code if installed, else its monospaced font."""
    import re

    from rich.console import CONSOLE_SVG_FORMAT

    return re.sub(r"@font-face \{\{.*?\}\}\s*", "", CONSOLE_SVG_FORMAT, flags=re.S)


def save_pictures(result: Any, view: View) -> None:
    """--svg: the graph drawn; --html: the step-through page: what `result.svg()` and
    `result.html()` give (display.py), with the command's --digits, --slide and --expand.
    Forward mode draws the tangents of the first --wrt input; a Hessian, its function's
    graph at the point with the grid of its second derivatives; a program with families,
    its layers (render/layers.py)."""
    from .. import display

    slide = bool(click.get_current_context().meta.get("bpcalc.slide"))
    if view.svg:
        write_text(view.svg, display.svg(result, digits=None, slide=slide,
                                               expand=view.expand))
    if view.html:
        write_text(view.html, display.html(result, digits=None, slide=slide,
                                                 expand=view.expand))


def warn(warnings: Iterable[str]) -> None:
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


def print_json(data: dict) -> None:
    """One JSON object on stdout; Lazy node and edge lists are streamed (json_text.write)."""
    from ..render import json_text

    if sys.stdout is None:  # `bpcalc ... >&-`
        raise OSError(errno.EBADF, "standard output is closed")
    try:
        json_text.write(data, sys.stdout, pretty=common.stdout_is_terminal())
    except BrokenPipeError:  # `bpcalc ... | head`: the reader left; not an error of ours
        sys.exit(0)

