"""A program with families drawn at two levels: its layers, and one element's scalar graph.

The layer diagram has one box per family (and per scalar the program names): its name, its
shape and its defining line with indices (`h1[j] = relu(sum(W1[j,i] * x[i] for i) + b1[j])`),
or `input`. An edge joins two families when an element of one is an operand of the other's
definition, and is labelled with the index formula of its local derivative, read off the
scalar edges of one representative element: `∂h1[j]/∂W1[j,i] = x[i]·(h1[j] > 0)`. The
formula is the product of the local derivatives along the element's own nodes (the sum
over paths, where there are several), each operand's indices spelled as the program spells
them. `--expand h1[3]` draws, instead, the scalar graph around that element: the nodes its
definition made, its operands and their edges, with every label of the ordinary drawing.

Everything is read from the GradResult (layer_formulas.py finds the families and writes
the formulas): a node's family from its id (`W1[2,1]`, `score`), a generated node's from
the definitions that read it, the definitions from the program text. Programs without
families draw as before (svg.py, stepper.py, tikz.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple
from xml.sax.saxutils import escape

from ..numbers import shown
from ..results.grad import GradResult, NodeInfo
from . import drawing, explain
from .layer_formulas import family_of, graph_of, label, targets

BOX_TEXT = 64  # characters of a box's definition line before it wraps


class Layers(NamedTuple):
    """The families of a result, in evaluation order, and the edges between them."""

    names: list[str]  # family (or scalar) names, as they first appear
    box_lines: list[list[str]]
    kinds: list[str]  # "input", "output" or ""
    ends: list[tuple[int, int]]  # (operand family, family) pairs
    label_lines: list[list[str]]


def is_family_program(r: GradResult) -> bool:
    return r.folding is not None and bool(r.folding.shapes) and bool(r.nodes)


def graph_svg(r: GradResult, wrt: str | None = None, command: str = "grad",
              expand: str | None = None, slide: bool = False) -> str:
    """The drawing `--svg` writes: a family program's layers (or, with `expand`, the scalar
    graph around that element); any other program's graph as svg.py draws it (slides.py
    with `slide`)."""
    from . import slides, svg

    element = chosen(r, expand)
    if element is None and is_family_program(r):
        return layers_svg(r, command)
    picture = svg.picture(r if element is None else neighbourhood(r, element), wrt, command)
    return slides.slides(picture) if slide else svg.svg_of(picture)


def chosen(r: GradResult, expand: str | None) -> str | None:
    """The element whose scalar graph `--expand` asks the pictures for: the first of its
    comma-separated names that is a node (`h1[3]`, `score`); a family or a range (`W1`,
    `W1[1..3,2]`) is listed by the text views, and the pictures draw the layers."""
    if not expand:
        return None
    ids = {n.id for n in r.nodes}
    names = [s.strip() for s in re.split(r",(?![^\[]*\])", expand)]
    found = next((n for n in names if n in ids), None)
    if found is None and not any(".." in n or n in families(r) for n in names):
        neighbourhood(r, names[0])  # says what is there to name
    return found


def families(r: GradResult) -> set[str]:
    return set(r.folding.shapes) if r.folding is not None else set()


def page(r: GradResult, wrt: str | None = None, command: str = "grad",
         expand: str | None = None, slide: bool = False) -> str:
    """The page `--html` writes: for a family program its layer drawing (the step-through
    steps through a chosen element's scalar graph: `--expand`); else stepper.py's page."""
    from . import stepper

    element = chosen(r, expand)
    if element is not None:
        return stepper.page(neighbourhood(r, element), wrt, command, slide)
    if not is_family_program(r):
        return stepper.page(r, wrt, command, slide)
    hint = ("A family program drawn as layers; to step through the scalar graph of one "
            "element, give --expand with its name, such as "
            f"{next(iter(_elements(r)), 'h1[1]')}.")
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>bpcalc {escape(command)}</title></head>"
            '<body style="margin:16px;font-family:sans-serif">'
            f"<p>{escape(hint)}</p>{layers_svg(r, command)}</body></html>\n")


def _elements(r: GradResult) -> list[str]:
    return [n.id for n in r.nodes if n.op != "input" and "[" in n.id]


def layers(r: GradResult) -> Layers:
    g = graph_of(r)
    named = g.named
    defs = targets(r.expression)
    shapes = r.folding.shapes if r.folding is not None else {}
    order: dict[str, int] = {}
    for i, n in enumerate(g.nodes):
        if named[i]:
            order.setdefault(family_of(n.id), len(order))
    names = list(order)
    members: dict[str, list[int]] = {f: [] for f in names}
    for i, n in enumerate(g.nodes):
        if named[i]:
            members[family_of(n.id)].append(i)
    pairs: dict[tuple[int, int], None] = {}
    for b_name in names:
        b = order[b_name]
        for e in members[b_name]:
            for s in g.operands(e):
                a = order[family_of(g.nodes[s].id)]
                if a != b:
                    pairs[a, b] = None
    ends = sorted(pairs, key=lambda p: (p[1], p[0]))
    outputs = {family_of(o) for o in r.outputs}
    kinds, box_lines = [], []
    for f in names:
        nodes = [g.nodes[i] for i in members[f]]
        is_input = all(n.op == "input" for n in nodes)
        kinds.append("input" if is_input else "output" if f in outputs else "")
        shape = shapes.get(f)
        head = f + (" [" + ",".join(map(str, shape)) + "]" if shape else "")
        lines = [head]
        if is_input:
            lines.append("input" if shape or nodes[0].value is None else
                         f"input = {shown(nodes[0].value)}")
        else:
            for st in defs.get(f, []):
                lines += _wrapped(st)
            if not shape and nodes[-1].value is not None:
                lines.append(f"= {shown(nodes[-1].value)}")
        box_lines.append(lines)
    label_lines = [label(r, g, members[names[a]], members[names[b]]) for a, b in ends]
    return Layers(names, box_lines, kinds, ends, label_lines)


def _wrapped(statement: str) -> list[str]:
    from .layout import WORDS, wrap

    return wrap(statement, BOX_TEXT, WORDS)


# --- one element's neighbourhood --------------------------------------------------------

def neighbourhood(r: GradResult, element: str) -> GradResult:
    """The result cut down to `element`'s definition: the nodes it made, their operands,
    the edges between them, with their values and derivatives."""
    from ..errors import InputError

    g = graph_of(r)
    index = g.at
    e = index.get(element)
    if e is None:
        some = ", ".join(_elements(r)[:1] + [n for n in r.outputs][:1])
        raise InputError(f"--expand {element}: no such node (name an element such as {some})")
    inner = g.cone(e)
    uses = [index[x.dst] for x in g.edges if x.src == element] \
        if g.nodes[e].op == "input" else []  # an input: where it goes, one step up
    keep = {e, *inner, *g.operands(e), *uses}
    picked = sorted(keep)
    new = {i: k for k, i in enumerate(picked)}
    nodes: list[NodeInfo] = [g.nodes[i] for i in picked]
    mine = {e, *inner}
    edges = [x for x in g.edges if index[x.src] in new and
             (index[x.dst] in mine or (index[x.dst] in uses and x.src == element))]
    inputs = {n.id: r.inputs.get(n.id) for n in nodes if n.op == "input"}
    cut = r._replace(nodes=nodes, edges=edges, inputs=inputs,
                     wrt=tuple(w for w in r.wrt if w in inputs),
                     input_nodes=tuple(new[index[w]] for w in inputs),
                     output_nodes=(new[e],), paths=(), path_counts=None,
                     expression=f"{element}, as its statement defines it",
                     adjoints=None if r.adjoints is None else [r.adjoints[i] for i in picked],
                     tangents=None if r.tangents is None else [r.tangents[i] for i in picked])
    if r.mode == "paths":
        cut = cut._replace(mode="")
    return cut


# --- the SVG ------------------------------------------------------------------------------

SCALE = 12 / 13  # the layout's 13 px text drawn at 12 px: a network's layers fit a slide
STYLE = """
  text { font-family: DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace;
         font-size: 13px; fill: #111; }
  .family rect { fill: #fff; stroke: #333; stroke-width: 1.2; }
  .family.input rect { fill: #f1f1f1; }
  .family.output rect { stroke-width: 2.4; }
  .family .name { font-weight: bold; }
  .link path { fill: none; stroke: #777; stroke-width: 1.3; }
  .link rect { fill: #fff; fill-opacity: 0.92; stroke: none; }
  .link .formula { fill: #a0307a; }
  .title { font-weight: bold; }
  .note { fill: #555; }
"""


def layers_svg(r: GradResult, command: str = "grad") -> str:
    lay = layers(r)
    d = drawing.layout(lay.box_lines, lay.ends, lay.label_lines)
    line = drawing.LINE
    title = [f"bpcalc {command}  " + explain.source_line(r.expression, r.outputs, 90),
             "layers: a box per family (its shape, its definition); on each edge the local "
             "derivative of one element, in its indices"]
    head = (len(title) + 0.6) * line + 10
    width = max(d.width, max(len(t) for t in title) * drawing.CHAR + 2 * drawing.MARGIN)
    height = head + d.height
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * SCALE:.0f}" '
           f'height="{height * SCALE:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">',
           f"<style>{STYLE}</style>",
           '<defs><marker id="layer-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
           'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
           '<path d="M 0 0 L 10 5 L 0 10 z" fill="#777"/></marker></defs>',
           f'<rect width="{width:.0f}" height="{height:.0f}" fill="#fff"/>']
    for j, t in enumerate(title):
        out.append(f'<text class="{"title" if j == 0 else "note"}" x="{drawing.MARGIN}" '
                   f'y="{(j + 1) * line + 6:.1f}">{escape(t)}</text>')
    out.append(f'<g transform="translate(0 {head:.1f})">')
    for route in d.routes:
        path = " ".join(f"{'M' if k == 0 else 'L'} {x:.1f} {y:.1f}"
                        for k, (x, y) in enumerate(route))
        out.append(f'<g class="link"><path d="{path}" marker-end="url(#layer-arrow)"/></g>')
    for k, box in enumerate(d.labels):
        if box is None or not lay.label_lines[k]:
            continue
        out.append(f'<g class="link label"><rect x="{box.x - box.w / 2 + 4:.1f}" '
                   f'y="{box.top:.1f}" width="{box.w - 8:.1f}" height="{box.h:.1f}" rx="3"/>'
                   + _texts(box.x, box.top + 2, lay.label_lines[k], "formula") + "</g>")
    for i, box in enumerate(d.boxes):
        out.append(f'<g class="family {lay.kinds[i]}" id="family-{escape(lay.names[i])}">'
                   f'<rect x="{box.x - box.w / 2:.1f}" y="{box.top:.1f}" width="{box.w:.1f}" '
                   f'height="{box.h:.1f}" rx="6"/>'
                   + _texts(box.x, box.top + drawing.PAD_Y, lay.box_lines[i], "") + "</g>")
    out += ["</g>", "</svg>"]
    return "\n".join(out) + "\n"


def _texts(x: float, top: float, lines: Sequence[str], second: str) -> str:
    """Centred lines from `top` down: the first as a name, the rest in class `second`."""
    return "".join(
        f'<text class="{"name" if j == 0 else second}" x="{x:.1f}" '
        f'y="{top + (j + 0.78) * drawing.LINE:.1f}" text-anchor="middle">{escape(t)}</text>'
        for j, t in enumerate(lines))


def tikz(r: GradResult, wrt: str | None = None, command: str = "grad",
         expand: str | None = None) -> str:
    """`--format tikz`: the layers of a family program as TikZ (the same layout as the
    SVG), or, with `expand` or for any other program, tikz.py's drawing of the graph."""
    from . import tikz as plain

    element = chosen(r, expand)
    if element is not None:
        return plain.tikz(neighbourhood(r, element), wrt, command)
    if not is_family_program(r):
        return plain.tikz(r, wrt, command)
    lay = layers(r)
    d = drawing.layout(lay.box_lines, lay.ends, lay.label_lines)
    s, tex = plain.SCALE, plain.tex
    out = ["% " + tex(f"bpcalc {command}: the program's families as layers"),
           r"\begin{tikzpicture}[x=1cm, y=-1cm, every node/.style={font=\ttfamily\small},",
           r"  box/.style={draw, rounded corners=2pt, align=center, inner sep=3pt},",
           r"  input/.style={box, fill=black!6}, output/.style={box, very thick},",
           r"  edgelabel/.style={fill=white, fill opacity=0.9, text opacity=1, align=center,",
           r"    font=\ttfamily\scriptsize, inner sep=1pt}]"]
    for i, box in enumerate(d.boxes):
        text = r" \\ ".join(r"\textbf{" + tex(t) + "}" if j == 0 else tex(t)
                             for j, t in enumerate(lay.box_lines[i]))
        out.append(f"\\node[{lay.kinds[i] or 'box'}] (f{i}) at ({box.x * s:.2f}, "
                   f"{box.y * s:.2f}) {{{text}}};")
    for k, route in enumerate(d.routes):
        out.append("\\draw[->] " + " -- ".join(f"({x * s:.2f}, {y * s:.2f})"
                                               for x, y in route) + ";")
        label = d.labels[k]
        if label is not None and lay.label_lines[k]:
            text = r" \\ ".join(tex(t) for t in lay.label_lines[k])
            out.append(f"\\node[edgelabel] at ({label.x * s:.2f}, {label.y * s:.2f}) "
                       f"{{{text}}};")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"
