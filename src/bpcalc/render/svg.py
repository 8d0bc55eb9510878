"""GradResult -> an SVG drawing of the graph in the article's style (layout: drawing.py).

Each node shows `c = a + b`, its value and, by mode, its adjoint `∂e/∂c` (reverse), its
tangent `∂c/∂b` for one input (forward) or, on an input, its sum over paths (paths);
each edge is labelled with its local derivative `∂e/∂c = d = 2` and, in the merged
modes, what it passes on (`1·2 = 2`). Paths mode draws the paths of the chosen inputs
in the accent colour and lists their products. A light theme that prints well, a
system monospaced font, nothing fetched from anywhere. Past STRUCTURE nodes only the
structure is drawn (and said); past MAX_DRAWN nothing but that it is too big.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple
from xml.sax.saxutils import escape

from ..numbers import shown, shown_text
from ..results.grad import GradResult
from . import drawing, explain, layout
from .drawing import CHAR, LINE, Drawing

STRUCTURE = 300  # nodes: past this, boxes without text (a page could not show the text)
MAX_DRAWN = 2000  # nodes: past this, no drawing at all, only a note
TITLE = 110  # characters of a title line
PATHS = 20  # path products listed under a drawing, as on screen
ACCENT = "#a0307a"  # the one accent colour, as the terminal's magenta
FONT = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"
STYLE = f"""
  text {{ font-family: {FONT}; font-size: 13px; fill: #111; }}
  .node rect {{ fill: #fff; stroke: #333; stroke-width: 1.2; }}
  .node.input rect {{ fill: #f1f1f1; }}
  .node.output rect {{ stroke-width: 2.4; }}
  .node .mode, .edge .mode {{ fill: {ACCENT}; }}
  .edge path {{ fill: none; stroke: #777; stroke-width: 1.3; marker-end: url(#head); }}
  .edge.hot path {{ stroke: {ACCENT}; stroke-width: 2.6; marker-end: url(#head-hot); }}
  .edge rect {{ fill: #fff; stroke: #ccc; stroke-width: 0.8; }}
  .edge text {{ paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }}
  .title {{ font-weight: bold; }}
  .note {{ fill: #555; }}
  .node.lit rect {{ stroke: {ACCENT}; stroke-width: 3; }}
  .edge.lit path {{ stroke: {ACCENT}; stroke-width: 3.2; marker-end: url(#head-lit); }}
  .edge.lit rect {{ stroke: {ACCENT}; stroke-width: 1.6; }}
  .edge path.own {{ stroke: #aaa; }}
  .edge.hot path.own, .edge.lit path.own {{ stroke: {ACCENT}; }}
  .edge path.own, .edge.hot path.own, .edge.lit path.own {{ stroke-width: 1.3;
    marker-end: none; }}
  .edge.lit text {{ font-weight: bold; }}
"""
# arrowheads in user units, one per stroke class: a head sized for its line, in its colour
HEADS = {"head": ("#777", 8.0), "head-hot": (ACCENT, 11.0), "head-lit": (ACCENT, 12.0)}
MIN_COLS = 24  # characters: a drawing is at least this wide, so that its title can wrap


class Picture(NamedTuple):
    """What a drawing shows, laid out: shared by svg, the step-through page and TikZ."""

    drawing: Drawing
    node_lines: list[list[str]]  # per node: definition, value, the mode's derivative
    kinds: list[str]  # per node: "input", "output" or ""
    label_lines: list[list[str]]  # per edge: local derivative, what it passes on
    hot: set[int]  # paths mode: the edges on the chosen paths
    title: list[str]  # one line each, unwrapped: svg_of wraps them to the drawing's width
    notes: list[str]  # under the drawing: path products, or why the text is left out


def picture(r: GradResult, wrt: str | None = None, command: str = "grad") -> Picture:
    """The graph of `r` laid out with its labels; forward mode shows the tangents of
    `wrt` (by default the first input differentiated)."""
    n = len(r.nodes)
    index = {node.id: i for i, node in enumerate(r.nodes)}
    ends = [(index[e.src], index[e.dst]) for e in r.edges]
    point = explain.point_text(r.inputs, TITLE)
    title = [f"bpcalc {command}  " + explain.source_line(r.expression, r.outputs, TITLE),
             point]
    kinds = ["input" if node.op == "input" else "output" if i in r.output_nodes else ""
             for i, node in enumerate(r.nodes)]
    if n > STRUCTURE:
        return _structure(r, ends, kinds, title)
    node_lines = [_node_lines(r, i, wrt) for i in range(n)]
    names = explain.edge_names(r)
    label_lines = [_label_lines(r, k, index, wrt, names[k]) for k in range(len(r.edges))]
    hot: set[int] = set()
    notes: list[str] = []
    if r.mode:
        which = {"forward": f"; the pass for {_forward_input(r, wrt)}",
                 "reverse": f"; the pass for {r.outputs[0]}" if len(r.outputs) > 1 else ""}
        title.append(explain.MODE_TITLE[r.mode] + which.get(r.mode, ""))
    if r.mode == "paths":
        keep = explain.on_paths(r, [r.node_of_input(w) for w in r.wrt], r.output_nodes)
        hot = {k for k, (a, b) in enumerate(ends) if keep[a] and keep[b]}
        notes = [" → ".join(p.nodes) + f":  {explain.path_line(p)[1]} = {shown(p.product)}"
                 for p in r.paths[:PATHS]]
        if len(r.paths) > PATHS:
            notes.append(f"... and {len(r.paths) - PATHS:,} more paths (the text views and "
                         "--format json list them)")
        notes += [f"{d} = {text}" for d, text in
                  ((explain.d(o, w), text) for o, w, text, _ in explain.path_sums(r))]
        notes += explain.truncation_note(r)[:1]
    return Picture(drawing.layout(node_lines, ends, label_lines), node_lines, kinds,
                   label_lines, hot, [t for t in title if t], notes)


def _structure(r: GradResult, ends: list[tuple[int, int]], kinds: list[str],
               title: list[str]) -> Picture:
    """A big graph: its boxes and edges without text, or past MAX_DRAWN only a note."""
    n = len(r.nodes)
    if n > MAX_DRAWN:
        return Picture(Drawing([], [], [], 760.0, 40.0), [], kinds, [], set(), title,
                       [f"{n:,} nodes: too many to draw (past {MAX_DRAWN:,}); the text views "
                        "and --format json have every number."])
    lay = drawing.layout([[] for _ in range(n)], ends, [[] for _ in ends], dummies=False)
    return Picture(lay, [[] for _ in range(n)], kinds, [[] for _ in ends], set(), title,
                   [f"{n:,} nodes and {len(r.edges):,} edges: drawn as structure only, "
                    f"without values or labels (past {STRUCTURE} nodes they could not be "
                    "read); the text views and --format json have every number."])


def _forward_input(r: GradResult, wrt: str | None) -> str:
    return wrt if wrt is not None else r.wrt[0] if r.wrt else ""


def _node_lines(r: GradResult, i: int, wrt: str | None) -> list[str]:
    node = r.nodes[i]
    lines = [node.id if node.op == "input" else f"{node.id} = {node.expr}"]
    if node.value is not None:
        lines.append(f"= {shown(node.value)}")
    out = r.outputs[0] if r.outputs else ""
    if r.adjoints is not None:
        lines.append(f"{explain.d(out, node.id)} = {shown(r.adjoints[i][out])}")
    elif r.tangents is not None and r.wrt:
        w = _forward_input(r, wrt)
        lines.append(f"{explain.d(node.id, w)} = {shown(r.tangents[i][w])}")
    elif r.path_counts is not None and i in r.input_nodes:
        name = list(r.inputs)[r.input_nodes.index(i)]
        if name in r.jacobian[out]:
            count = r.path_counts[out][name]
            lines.append(f"{explain.d(out, name)} = {shown(r.jacobian[out][name])}, "
                         f"{explain.counted(count, 'path')}")
    return lines


def _label_lines(r: GradResult, k: int, index: dict[str, int], wrt: str | None,
                 name: str) -> list[str]:
    e = r.edges[k]
    lines = [explain.edge_label(e, name)]
    if e.value is None:
        return lines
    out = r.outputs[0] if r.outputs else ""
    if r.adjoints is not None:  # reverse: what this edge passes back to its operand
        up = r.adjoints[index[e.dst]][out]
        if up is not None:
            lines.append(f"{shown_text(up)}·{shown_text(e.value)} = {shown(up * e.value)}")
    elif r.tangents is not None and r.wrt:  # forward: what it carries up
        t = r.tangents[index[e.src]][_forward_input(r, wrt)]
        if t is not None:
            lines.append(f"{shown_text(e.value)}·{shown_text(t)} = {shown(e.value * t)}")
    return lines


class Reveal(NamedTuple):
    """For the step-through page: the step at which each text line of a node or an edge
    label is computed (-1: shown from the start, as a node's definition)."""

    nodes: list[list[int]]
    labels: list[list[int]]
    notes: list[int]  # per note under the drawing (a path's product, a sum over paths)


def svg(r: GradResult, wrt: str | None = None, ids: bool = True, command: str = "grad") -> str:
    """The drawing as a standalone SVG document."""
    return svg_of(picture(r, wrt, command), ids)


def wrapped(lines: Sequence[str], width: float) -> list[str]:
    """Title or note lines wrapped to a drawing `width` pixels wide (at least MIN_COLS
    characters): a list (`a = 2, b = 1`) between its items, prose at spaces."""
    cols = max(MIN_COLS, int((width - 2 * drawing.SIDE) / CHAR))
    out: list[str] = []
    for line in lines:
        if line.startswith("at "):
            out += layout.hanging(line, cols, 3, layout.ITEMS)
        else:
            out += layout.hanging(line, cols, 0, layout.WORDS)
    return [t for t in out if t]


def svg_of(p: Picture, ids: bool = True, when: Reveal | None = None,
           scale: float = 1.0, across: float = 0.0) -> str:
    """`p` as SVG text: a title above the drawing, notes below it, both wrapped to the
    drawing's width (the graph sets the size of the picture, never its title). With
    `ids`, every node, edge and label group has an id (n0, e0, l0, ...) that the
    step-through page lights up; with `when`, each number carries the step that computes
    it (data-at), for the page to show it only from then on; `scale` enlarges it all,
    and a slide's page makes it `across` wide (its title wraps to that)."""
    d = p.drawing
    width = max(d.width, MIN_COLS * CHAR + 2 * drawing.SIDE, across)
    title = wrapped(p.title, width)
    notes, notes_at = [], []
    for j, note in enumerate(p.notes):  # each line of a note shown from its note's step
        lines = wrapped([note], width)
        notes += lines
        notes_at += [when.notes[j] if when and j < len(when.notes) else -1] * len(lines)
    head = (len(title) + 0.6) * LINE + 10
    foot = (len(notes) + 0.6) * LINE if notes else 0.0
    height = head + d.height + foot
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * scale:.0f}" '
           f'height="{height * scale:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">',
           f"<style>{STYLE}</style>", heads(),
           f'<rect width="{width:.0f}" height="{height:.0f}" fill="#fff"/>']
    out += lines_at(drawing.SIDE, LINE + 6, title, "title")
    out.append(f'<g transform="translate({(width - d.width) / 2:.1f} {head:.1f})">')
    out += graph(p, ids, when)
    out.append("</g>")
    out += lines_at(drawing.SIDE, head + d.height + 0.8 * LINE, notes, "note", notes_at)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def lines_at(x: float, y: float, lines: Sequence[str], first: str,
             at: Sequence[int] = ()) -> list[str]:
    """Lines of text from the baseline `y` down: the first of class `first`, the rest
    notes; a line with a step in `at` carries it as data-at."""
    steps = [f' data-at="{at[j]}"' if j < len(at) and at[j] >= 0 else "" for j in
             range(len(lines))]
    return [f'<text class="{first if j == 0 else "note"}"{steps[j]} x="{x:.1f}" '
            f'y="{y + j * LINE:.1f}">{escape(t)}</text>' for j, t in enumerate(lines)]


def graph(p: Picture, ids: bool = True, when: Reveal | None = None,
          band: tuple[float, float] | None = None) -> list[str]:
    """The drawing's edges, labels and nodes (in that order, so that no line crosses a
    label or a node); with `band`, only what reaches between those two heights."""
    d = p.drawing
    lo, hi = band or (float("-inf"), float("inf"))

    def within(top: float, bottom: float) -> bool:
        return bottom >= lo and top <= hi

    out = [_edge(k, route, k in p.hot, ids) for k, route in enumerate(d.routes)
           if within(min(y for _, y in route), max(y for _, y in route))]
    out += [_label(k, label, d.routes[k], p.label_lines[k], k in p.hot, ids,
                   when.labels[k] if when else [])
            for k, label in enumerate(d.labels)
            if label is not None and within(label.top, label.bottom)]
    out += [_node(i, box, p.node_lines[i], p.kinds[i], ids, when.nodes[i] if when else [])
            for i, box in enumerate(d.boxes) if within(box.top, box.bottom)]
    return out


def heads() -> str:
    """The arrowheads, one per kind of line, each in user units and its line's colour."""
    marks = [f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" '
             f'markerUnits="userSpaceOnUse" markerWidth="{size:g}" markerHeight="{size:g}" '
             f'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/>'
             "</marker>" for name, (colour, size) in HEADS.items()]
    return "<defs>" + "".join(marks) + "</defs>"


def _node(i: int, box: drawing.Box, lines: Sequence[str], kind: str, ids: bool,
          at: Sequence[int]) -> str:
    ident = f' id="n{i}"' if ids else ""
    parts = [f'<g class="node {kind}"{ident}>',
             f'<rect x="{box.x - box.w / 2:.1f}" y="{box.top:.1f}" width="{box.w:.1f}" '
             f'height="{box.h:.1f}" rx="6"/>']
    parts += _texts(box.x, box.top + drawing.PAD_Y, lines, accent=2, at=at)
    parts.append("</g>")
    return "".join(parts)


def _texts(x: float, top: float, lines: Sequence[str], accent: int,
           at: Sequence[int] = ()) -> list[str]:
    """Centred text lines from `top` down; line `accent` in the mode's colour; a line
    with a step in `at` carries it as data-at."""
    mode = ' class="mode"'
    steps = [f' data-at="{at[j]}"' if j < len(at) and at[j] >= 0 else "" for j in
             range(len(lines))]
    return [f'<text{mode if j == accent else ""}{steps[j]} x="{x:.1f}" '
            f'y="{top + (j + 0.78) * LINE:.1f}" text-anchor="middle">{escape(line)}</text>'
            for j, line in enumerate(lines)]


def _edge(k: int, route: list[tuple[float, float]], hot: bool, ids: bool) -> str:
    ident = f' id="e{k}"' if ids else ""
    path = " ".join(f"{'M' if j == 0 else 'L'} {x:.1f} {y:.1f}" for j, (x, y) in
                    enumerate(route))
    return f'<g class="edge{" hot" if hot else ""}"{ident}><path d="{path}"/></g>'


def _label(k: int, label: drawing.Box | None, route: list[tuple[float, float]],
           lines: Sequence[str], hot: bool, ids: bool, at: Sequence[int]) -> str:
    """An edge's label, drawn over every line on an opaque card that its own edge runs
    through (dashed, under the text), so that a label at a crossing has one owner (its
    id l0, l1, ... for the stepper)."""
    if label is None or not lines:
        return ""
    ident = f' id="l{k}"' if ids else ""
    left, w = label.x - label.w / 2, label.w
    (x0, y0), (x1, y1) = route[0], route[1]  # the label sits on the edge's first segment

    def x_at(y: float) -> float:
        return x0 + (x1 - x0) * (y - y0) / (y1 - y0) if y1 != y0 else x0

    xb, xt = (min(max(x_at(y), left), left + w) for y in (label.bottom, label.top))
    parts = [f'<g class="edge{" hot" if hot else ""}"{ident}>',
             f'<rect x="{left:.1f}" y="{label.top:.1f}" width="{w:.1f}" '
             f'height="{label.h:.1f}" rx="3"/>',
             f'<path class="own" d="M {xb:.1f} {label.bottom:.1f} L {xt:.1f} {label.top:.1f}"/>']
    parts += _texts(label.x, label.top + 2, lines, accent=1, at=at)
    parts.append("</g>")
    return "".join(parts)
