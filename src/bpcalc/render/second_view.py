"""Hessian and directional-derivative results -> text lines (plain) and rich tables.

The Hessian is a matrix when it fits the width; past that, the list of its entries on
and above the diagonal that are not 0 (it is symmetric).
"""

from __future__ import annotations

from typing import Any

from ..numbers import shown
from ..results.grad import GradResult
from ..results.second import DirectionalResult, HessianResult
from . import explain, layout
from .explain import d


def _point(inputs: dict[str, float]) -> str:
    return ", ".join(f"{k} = {shown(v)}" for k, v in inputs.items())


def hessian_rows(h: HessianResult) -> list[list[str]]:
    """The symmetric matrix with a header row: ∂²f/∂x∂y for every pair of inputs."""
    rows = [[f"∂²{h.output}", *(f"∂{w}" for w in h.wrt)]]
    rows += [[f"∂{r}", *(shown(h.hessian[r][c]) for c in h.wrt)] for r in h.wrt]
    return rows


def entry_rows(h: HessianResult) -> tuple[list[list[str]], int]:
    """(`∂²L/∂w11∂x1`, value) for each entry on or above the diagonal that is not 0, and
    how many such entries are 0."""
    rows, zeros = [], 0
    for i, r in enumerate(h.wrt):
        for c in h.wrt[i:]:
            v = h.hessian[r][c]
            if v == 0:
                zeros += 1
                continue
            pair = f"∂{r}²" if r == c else f"∂{r}∂{c}"
            rows.append([f"∂²{h.output}/{pair}", shown(v)])
    return rows, zeros


def _zeros_note(zeros: int, listed: int) -> str:
    if not zeros:
        return ""
    if not listed:
        return "every entry is 0"
    return (f"the other {explain.plural(zeros, 'entry', 'entries')} on and above the "
            f"diagonal {'is' if zeros == 1 else 'are'} 0")


def _cost(h: HessianResult) -> str:
    passes = explain.plural(h.passes, "forward-over-reverse pass",
                            "forward-over-reverse passes")
    return f"cost  {passes}, {explain.plural(h.edge_ops, 'edge operation')}"


def hessian_lines(h: HessianResult) -> list[str]:
    from .plain import prose, table, width

    total = width()
    source = explain.source_line(h.expression, [h.output], total - 12)
    lines = [*layout.hanging(f"expression  {source}", total, 12, layout.WORDS),
             *layout.hanging(f"at          {_point(h.inputs)}", total, 12, layout.ITEMS),
             *layout.hanging(f"value       {h.output} = {shown(h.value)}", total, 12),
             "", "gradient"]
    lines += table([[d(h.output, w), "=", shown(v)] for w, v in h.gradient.items()])
    lines += ["", *prose(["hessian (symmetric; one forward-over-reverse pass per column)"])]
    rows = hessian_rows(h)
    if layout.widths(rows[0], rows[1:], total - 2, layout.PLAIN_GAP) is not None:
        lines += layout.lines(rows[0], rows[1:], total, right=range(1, len(rows[0])))
    else:
        entries, zeros = entry_rows(h)
        lines += table([[name, "=", v] for name, v in entries])
        lines += prose([_zeros_note(zeros, len(entries))], "  ") if zeros else []
    return lines + ["", *layout.hanging(_cost(h), total, 6, layout.WORDS)]


def directional_lines(r: DirectionalResult, total: int | None = None) -> list[str]:
    """The JVP or VJP as text lines no wider than `total` (plain's width by default)."""
    from .plain import width

    total = total or width()
    jvp = r.kind == "jvp"
    given = {k: v for k, v in r.seed.items() if v}
    seed = ", ".join(f"{k} = {shown(v)}" for k, v in given.items()) or "0"
    if len(given) < len(r.seed) and given:
        seed += ", the rest 0"
    source = explain.source_line(r.expression, list(r.derivative) if jvp else [], total - 12)
    lines = [*layout.hanging(f"expression  {source}", total, 12, layout.WORDS),
             *layout.hanging(f"at          {_point(r.inputs)}", total, 12, layout.ITEMS),
             *layout.hanging(("direction   " if jvp else "cotangent   ") + seed, total, 12,
                             layout.ITEMS), ""]
    if jvp:
        lines += layout.hanging("directional derivative (Jacobian-vector product, one "
                                "forward pass)", total, 0, layout.WORDS)
        lines += [f"  ∇{o}·v = {shown(v)}" for o, v in r.derivative.items()]
    else:
        lines += layout.hanging("vector-Jacobian product (one reverse pass)", total, 0,
                                layout.WORDS)
        lines += [f"  Σ u·∂/∂{w} = {shown(v)}" for w, v in r.derivative.items()]
    lines += ["", *layout.hanging(f"cost  1 {'forward' if jvp else 'reverse'} pass, "
                                  f"{explain.plural(r.edge_ops, 'edge operation')}", total, 6,
                                  layout.WORDS)]
    return lines


def hessian_view(h: HessianResult) -> list[Any]:
    from rich.console import Group

    from .layout import Cells, Prose
    from .rich_view import Header

    head = Header("hessian", h.expression, [h.output], h.inputs,
                  f"{h.output} = {shown(h.value)}")
    grad = Cells("Gradient", ["derivative", "value"],
                 [[d(h.output, w), shown(v)] for w, v in h.gradient.items()])
    rows = hessian_rows(h)
    entries, zeros = entry_rows(h)
    listed = Cells("Hessian: its entries on and above the diagonal that are not 0 "
                   "(it is symmetric; one forward-over-reverse pass per input)",
                   ["entry", "value"], entries)
    instead: Any = Group(listed, Prose([_zeros_note(zeros, len(entries))], style="italic")) \
        if zeros \
        else listed
    mat = Cells("Hessian (symmetric; one forward-over-reverse pass per column)", rows[0],
                rows[1:], right=range(1, len(rows[0])), instead=instead)
    return [head, grad, mat, Prose([_cost(h)], style="dim", hang=6)]


# --- SVG: the graph beside the Hessian ---------------------------------------------------

NUMBERS = 12  # inputs: up to this many the grid's cells carry their numbers
LABELS = 60  # inputs: up to this many its rows and columns are named
GRID = 640.0  # pixels: the most a grid without numbers takes
CELL_CHAR, CELL_LINE = 7.8, 17.0  # the graph's 13 px monospaced font (drawing.py)
HESS_STYLE = """
  .hess text { font-family: DejaVu Sans Mono, Menlo, Consolas, monospace; font-size: 13px;
               fill: #111; }
  .hess .head { font-weight: bold; }
  .hess .note { fill: #555; }
  .hess .cell rect { stroke: #fff; stroke-width: 1; }
  .hess .rule { stroke: #333; stroke-width: 1.2; }
"""


def _rgb(v: float, top: float) -> tuple[int, int, int]:
    """A colour for v on a scale symmetric about 0: white at 0, the accent (#a0307a) at
    +top, blue (#2c6fbb) at -top."""
    t = min(1.0, abs(v) / top) if top else 0.0
    r, g, b = (160, 48, 122) if v > 0 else (44, 111, 187)
    return round(255 + (r - 255) * t), round(255 + (g - 255) * t), round(255 + (b - 255) * t)


def _shade(v: float, top: float) -> str:
    return "rgb({},{},{})".format(*_rgb(v, top))


def _png(rows: list[list[tuple[int, int, int]]]) -> str:
    """An RGB PNG of these pixels, base64: a big Hessian's grid in a few kilobytes."""
    import base64
    import struct
    import zlib

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\0" + bytes(c for px in row for c in px) for row in rows)
    head = struct.pack(">IIBBBBB", len(rows[0]), len(rows), 8, 2, 0, 0, 0)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw))
           + chunk(b"IEND", b""))
    return base64.b64encode(png).decode("ascii")


def _ink(v: float, top: float) -> str:
    """Text on a cell: white on the darker shades."""
    return "#fff" if top and abs(v) / top > 0.55 else "#111"


def _blocks(h: HessianResult) -> list[tuple[str, int, int]]:
    """Runs of the wrt inputs that are one family's elements: (family, first, count)."""
    out: list[tuple[str, int, int]] = []
    for i, w in enumerate(h.wrt):
        name = w.partition("[")[0] if w.endswith("]") else w
        if out and out[-1][0] == name and "[" in w:
            out[-1] = (name, out[-1][1], out[-1][2] + 1)
        else:
            out.append((name, i, 1))
    return out


def grid_svg(h: HessianResult) -> tuple[list[str], float, float]:
    """The Hessian as a grid, one cell an entry (its number in it up to NUMBERS inputs),
    coloured by sign and size, with the gradient as a column beside it: SVG elements, the
    width and the height they take."""
    from xml.sax.saxutils import escape

    n = len(h.wrt)
    entries = [h.hessian[r][c] for r in h.wrt for c in h.wrt]
    top = max((abs(v) for v in entries), default=0.0)
    numbers = n <= NUMBERS
    named = n <= LABELS
    texts = [shown(v) for v in entries] + [shown(v) for v in h.gradient.values()]
    if numbers:
        cell = max(40.0, max(map(len, texts), default=1) * CELL_CHAR + 12)
        high = CELL_LINE + 10
    else:
        cell = high = max(2.0, min(24.0, GRID / max(n, 1)))
    heads = [f"∂{w}" for w in h.wrt] if named else []
    left = max(map(len, heads), default=0) * CELL_CHAR + 10 if named else 10.0
    head = CELL_LINE * 2.4 if named else CELL_LINE
    o = escape(h.output)
    out = [f'<text class="head" x="0" y="{CELL_LINE:.1f}">hessian: ∂²{o}/∂row∂column '
           f'(symmetric); beside it the gradient ∂{o}/∂row</text>']
    y0 = CELL_LINE * 1.6 + head
    x0 = left
    if named:  # a cell an entry, its number on hover
        for i, r in enumerate(h.wrt):
            for j, c in enumerate(h.wrt):
                v = h.hessian[r][c]
                x, y = x0 + j * cell, y0 + i * high
                title = f"∂²{h.output}/∂{r}∂{c} = {shown(v)}"
                out.append(f'<g class="cell"><title>{escape(title)}</title>'
                           f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell:.1f}" '
                           f'height="{high:.1f}" fill="{_shade(v, top)}"/>' +
                           (f'<text x="{x + cell / 2:.1f}" y="{y + high / 2 + 4.5:.1f}" '
                            f'text-anchor="middle" style="fill:{_ink(v, top)}">'
                            f'{escape(shown(v))}</text>' if numbers else "") + "</g>")
    else:  # too many for elements: a picture of the grid, a pixel an entry, scaled up
        rows = [[_rgb(h.hessian[r][c], top) for c in h.wrt] for r in h.wrt]
        out.append(f'<image x="{x0:.1f}" y="{y0:.1f}" width="{n * cell:.1f}" '
                   f'height="{n * high:.1f}" style="image-rendering: pixelated" '
                   f'preserveAspectRatio="none" href="data:image/png;base64,{_png(rows)}"/>')
    gx = x0 + n * cell + (24 if numbers else 16)
    gtop = max(h.gradient.values(), key=abs, default=0.0)
    gw = cell if numbers else max(cell, 8.0)
    for i, (w, v) in enumerate(h.gradient.items() if named else ()):
        y = y0 + i * high
        title = f"∂{h.output}/∂{w} = {shown(v)}"
        out.append(f'<g class="cell"><title>{escape(title)}</title><rect x="{gx:.1f}" '
                   f'y="{y:.1f}" width="{gw:.1f}" height="{high:.1f}" '
                   f'fill="{_shade(v, abs(gtop))}"/>' +
                   (f'<text x="{gx + gw / 2:.1f}" y="{y + high / 2 + 4.5:.1f}" '
                    f'text-anchor="middle" style="fill:{_ink(v, abs(gtop))}">'
                    f'{escape(shown(v))}</text>' if numbers else "") + "</g>")
    if named:
        for i, label in enumerate(heads):
            out.append(f'<text x="{x0 - 6:.1f}" y="{y0 + i * high + high / 2 + 4.5:.1f}" '
                       f'text-anchor="end">{escape(label)}</text>')
            cx, cy = x0 + i * cell + cell / 2, y0 - 6
            turn = "" if numbers else f' transform="rotate(-60 {cx:.1f} {cy:.1f})"'
            anchor = "middle" if numbers else "start"
            out.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="{anchor}"{turn}>'
                       f'{escape(label)}</text>')
        out.append(f'<text x="{gx + gw / 2:.1f}" y="{y0 - 6:.1f}" text-anchor="middle">'
                   f'∂{escape(h.output)}</text>')
    else:  # families as blocks: a rule between two, the family's name along the top
        for name, first, count in _blocks(h):
            x = x0 + first * cell
            out.append(f'<line class="rule" x1="{x:.1f}" y1="{y0 - 4:.1f}" x2="{x:.1f}" '
                       f'y2="{y0 + n * high:.1f}"/>')
            out.append(f'<line class="rule" x1="{x0 - 4:.1f}" y1="{y0 + first * high:.1f}" '
                       f'x2="{x0 + n * cell:.1f}" y2="{y0 + first * high:.1f}"/>')
            if count * cell >= len(name) * CELL_CHAR:
                out.append(f'<text x="{x + count * cell / 2:.1f}" y="{y0 - 6:.1f}" '
                           f'text-anchor="middle">{escape(name)}</text>')
    if not named and n:
        column = [[_rgb(v, abs(gtop))] for v in h.gradient.values()]
        out.append(f'<image x="{gx:.1f}" y="{y0:.1f}" width="{gw:.1f}" height="{n * high:.1f}" '
                   'style="image-rendering: pixelated" preserveAspectRatio="none" '
                   f'href="data:image/png;base64,{_png(column)}"/>')
        out.append(f'<text x="{gx + gw / 2:.1f}" y="{y0 - 6:.1f}" text-anchor="middle">'
                   f'∂{escape(h.output)}</text>')
    bottom = y0 + n * high + CELL_LINE * 1.4
    low = min(entries, default=0.0)
    high_v = max(entries, default=0.0)
    notes = [f"colour: blue below 0, magenta above; entries from {shown(low)} to "
             f"{shown(high_v)}"]
    if not numbers:
        notes.append(f"{n:,} inputs: {n * n:,} entries drawn as colour"
                     + (" (hover for each number)" if named else "")
                     + "; --format json has every number")
    notes.append(_cost(h))
    for k, t in enumerate(notes):
        out.append(f'<text class="note" x="0" y="{bottom + k * CELL_LINE:.1f}">'
                   f'{escape(t)}</text>')
    width = max(gx + gw, *(len(t) * CELL_CHAR for t in notes)) + 8
    return out, width, bottom + len(notes) * CELL_LINE


def svg(h: HessianResult, r: GradResult, expand: str | None = None) -> str:
    """The drawing of the function's graph `r` (svg.py's; for a program with families its
    layer diagram, or with `expand` one element's graph) with the Hessian's grid to its
    right, as one SVG document."""
    import re

    from . import layers

    graph = layers.graph_svg(r, command="hessian", expand=expand)
    size = re.search(r'width="([\d.]+)" height="([\d.]+)"', graph)
    gw, gh = (float(size.group(1)), float(size.group(2))) if size else (0.0, 0.0)
    body = graph[graph.index("<svg"):]
    grid, w, hh = grid_svg(h)
    x, y = gw + 24, 24.0
    width, height = x + w + 24, max(gh, y + hh + 24)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}">', f"<style>{HESS_STYLE}</style>",
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#fff"/>',
        body.replace("<svg ", '<svg x="0" y="0" ', 1).rstrip(),
        f'<g class="hess" transform="translate({x:.1f} {y:.1f})">', *grid, "</g>",
        "</svg>"]) + "\n"
