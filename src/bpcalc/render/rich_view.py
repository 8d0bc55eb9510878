"""Result -> rich renderables: the teaching view of tables and trees.

Every number comes from the result (see explain.py for the written-out sums), shown with
the view's significant digits (numbers.showing). Tables, trees and prose lay themselves
out at the width they are printed at (layout.py): no number or `∂e/∂w` token is ever
split across lines, and a table too wide for the terminal is stacked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import RenderableType
from rich.text import Text

from ..cost import Cost
from ..numbers import shown
from ..results.grad import GradResult, NodeInfo
from . import explain, folded, stream
from .explain import counted, d, plural
from .layout import ITEMS, WORDS, Cells, Prose, TreeLines, hanging

ACCENT = "magenta"  # the one colour: legible on dark and light backgrounds alike
TANGENTS = 4  # a tree node lists at most this many non-zero tangents


class Header:
    """`bpcalc grad  (a+b)*(b+1)  at a = 2, b = 1` and the mode's line, fitted to the width:
    the source on one line (a long one named by its size), the point wrapped between
    its items."""

    def __init__(self, command: str, source: str, outputs: Sequence[str],
                 inputs: Mapping[str, float | None], note: str = "") -> None:
        self.command, self.source, self.outputs = command, source, outputs
        self.inputs, self.note = inputs, note

    def __rich_console__(self, console: Any, options: Any) -> Iterable[Any]:
        total = options.max_width
        lead = f"bpcalc {self.command}  "
        text = Text()
        source = explain.source_line(self.source, self.outputs, total - len(lead))
        point = explain.point_text(self.inputs, total)
        first, *more = hanging(lead + source, total, len(lead), WORDS)
        text.append(lead, style="bold")
        text.append(first[len(lead):] + "".join("\n" + m for m in more), style=ACCENT)
        if point and not more and len(first + "  " + point) <= total:
            text.append("  " + point)  # all on one line when it fits
            point = ""
        yield text
        if point:
            yield Text("\n".join(hanging(point, total, 3, ITEMS)))
        if self.note:
            yield Text("\n".join(hanging(self.note, total, 0, WORDS)), style="italic")


def header(r: GradResult, command: str = "grad") -> Header:
    return Header(command, r.expression, r.outputs, r.inputs,
                  explain.MODE_TITLE[r.mode] if r.mode else "")


def nodes_table(r: GradResult) -> Cells:
    valued = r.evaluated
    rows = [[n.id, _definition(n), *([shown(n.value)] if n.value is not None else [])]
            for n in r.nodes]
    return Cells("Nodes, in evaluation order",
                 ["id", "definition", *(["value"] if valued else [])], rows)


def _definition(n: NodeInfo) -> str:
    """A node's definition as the tables show it: `input`, `a + b`, or a constant at the
    view's digits."""
    if n.op == "input":
        return "input"
    return f"constant {shown(n.value)}" if n.op == "const" and n.value is not None else n.expr


def edges_table(r: GradResult) -> Cells:
    rows = [[name, e.local, *([shown(e.value)] if e.value is not None else [])]
            for name, e in zip(explain.edge_names(r), r.edges)]
    return Cells("Edges: local derivatives",
                 ["edge", "formula", *(["value"] if r.evaluated else [])], rows)


def mode_tables(r: GradResult) -> list[RenderableType]:
    if r.mode == "reverse":
        return [Cells(f"Reverse pass for {o}: adjoints from {o} back to the inputs",
                      ["node", d(o, "node"), "written out from the edges leaving the node"],
                      [[s.node, shown(s.value), f"{d(o, s.node)} = {s.text()}"]
                       for s in explain.reverse_sums(r, o)])
                for o in r.outputs]
    if r.mode == "forward":
        full, rest = explain.forward_passes(r)
        blocks: list[RenderableType] = [
            Cells(f"Forward pass for {w}: tangents from {w} towards the outputs",
                  ["node", d("v", w), "written out from the edges entering the node"],
                  [[s.node, shown(s.value), f"{d(s.node, w)} = {s.text()}"] for s in sums])
            for w, sums in full]
        if rest:
            blocks.append(Cells(
                f"The other {plural(len(rest), 'forward pass', 'forward passes')}, one line "
                "each (--wrt NAME shows a pass in full, --steps every step)",
                ["pass for", "nodes on its paths", *(d(o, "input") for o in r.outputs)],
                [[w, f"{n:,}", *(shown(r.jacobian[o][w]) for o in r.outputs)]
                 for w, n in rest]))
        return blocks
    if r.mode == "paths":
        paths = Cells("Paths: the product of local derivatives along each path",
                      ["path", "local derivatives", "product"],
                      [list(explain.path_line(p)) for p in r.paths])
        sums = Cells("Sums over paths", ["derivative", "sum of the path products", "paths"],
                     [[d(o, w), text, explain.big(count)]
                      for o, w, text, count in explain.path_sums(r)])
        return [paths, sums, *(Prose([line], style="italic")
                               for line in explain.truncation_note(r))]
    return []


def steps_text(r: GradResult) -> Prose:
    return Prose(explain.steps(r), words=False)


def result_table(r: GradResult) -> Cells:
    if r.single:
        o = r.outputs[0]
        return Cells(f"Gradient of {o} = {shown(r.values[o])}", ["derivative", "value"],
                     [[d(o, w), shown(v)] for w, v in r.jacobian[o].items()])
    return Cells("Jacobian", ["output", "value", *(f"∂/∂{w}" for w in r.wrt)],
                 [[o, shown(r.values[o]), *(shown(v) for v in r.jacobian[o].values())]
                  for o in r.outputs])


def grad_view(r: GradResult, steps: bool = False,
              ex: folded.Expand = folded.NONE) -> list[RenderableType]:
    """Header, nodes, edges, the pass, the gradient; with `steps`, the numbered trace takes
    the place of the nodes and pass tables (it lists the same values and sums, in order).
    A program with families is shown folded, one row per family (folded.py)."""
    if folded.folding(r) is not None:
        return folded_view(r, steps, ex)
    if len(r.nodes) >= stream.BIG and not steps:
        return big_view(r)
    parts: list[RenderableType] = [header(r)]
    if not steps:
        parts.append(nodes_table(r))
    if r.edges:
        parts.append(edges_table(r))
    if steps:
        parts.append(steps_text(r))
    else:
        parts += mode_tables(r)
    parts.append(result_table(r))
    if r.cost is not None:
        parts.append(Prose([explain.cost_line(r)], style="dim", hang=6, words=False))
    return parts


GRADIENT_SHOWN = 10  # the summary of a big program lists this many partials


def summary(r: GradResult) -> Prose:
    """The start of a big program's view: its outputs, gradient and cost, and where each
    part of the view is (docs/spec.md, "Big programs")."""
    lines = [f"Summary: {plural(len(r.nodes), 'node')}, {plural(len(r.edges), 'edge')}; "
             "every table below lists them all."]
    lines += [f"  {o} = {shown(r.values[o])}" for o in r.outputs]
    for o in r.outputs:
        row = list(r.jacobian[o].items())
        lines += [f"  {d(o, w)} = {shown(v)}" for w, v in row[:GRADIENT_SHOWN]]
        if len(row) > GRADIENT_SHOWN:
            lines.append(f"  and {len(row) - GRADIENT_SHOWN:,} more partials of {o}: "
                         "the gradient table at the end")
    if r.cost is not None:
        lines.append(explain.cost_line(r))
    passes = {"reverse": "the reverse pass", "forward": "the forward passes",
              "paths": "the paths"}.get(r.mode, "")
    lines.append(f"Then: the nodes ({len(r.nodes):,} rows), the edges ({len(r.edges):,}), "
                 f"{passes + ', ' if passes else ''}the gradient. --format json "
                 "--fields value,gradient gives the numbers alone; --wrt NAME one input's "
                 "derivatives; piping to less -S pages through it.")
    return Prose(lines, hang=4)


def big_view(r: GradResult) -> list[RenderableType]:
    """The table view of a big program: the summary, then each table streamed row by row
    (render/stream.py), in linear time and bounded memory."""
    # the nodes and edges made once (a Lazy result makes each again when read)
    r = r._replace(nodes=tuple(r.nodes), edges=tuple(r.edges))
    parts: list[RenderableType] = [header(r), summary(r), stream.Streamed(
        "Nodes, in evaluation order", ["id", "definition", "value"],
        lambda: ([n.id, _definition(n), shown(n.value)] for n in r.nodes))]
    if r.edges:
        parts.append(stream.Streamed(
            "Edges: local derivatives", ["edge", "formula", "value"],
            lambda: ([name, e.local, shown(e.value)]
                     for name, e in zip(explain.edge_names(r), r.edges))))
    if r.mode == "reverse":
        parts += [_streamed_pass(r, o) for o in r.outputs]
    else:
        parts += mode_tables(r)
    rows = len(r.wrt) * len(r.outputs)
    parts.append(result_table(r) if rows <= stream.BIG else stream.Streamed(
        "Gradient" if r.single else "Jacobian", ["derivative", "value"],
        lambda: ([d(o, w), shown(v)] for o in r.outputs for w, v in r.jacobian[o].items())))
    if r.cost is not None:
        parts.append(Prose([explain.cost_line(r)], style="dim", hang=6, words=False))
    return parts


def _streamed_pass(r: GradResult, o: str) -> stream.Streamed:
    def rows() -> Iterable[list[str]]:
        return ([s.node, shown(s.value), f"{d(o, s.node)} = {s.text()}"]
                for s in explain.reverse_sums(r, o))

    return stream.Streamed(f"Reverse pass for {o}: adjoints from {o} back to the inputs",
                           ["node", d(o, "v"), "written out from the edges leaving the node"],
                           rows)


def folded_nodes(r: GradResult, ex: folded.Expand) -> Cells:
    return Cells("Families and statements, in evaluation order (--expand NAME lists one)",
                 ["family", "definition" + (" = values" if r.evaluated else "")],
                 folded.node_rows(r, ex))


def folded_edges(r: GradResult) -> Cells:
    return Cells("Edges: local derivatives, by the family they enter",
                 ["into", "from", "the first"], folded.edge_rows(r))


def folded_pass(r: GradResult, ex: folded.Expand, steps: bool) -> list[RenderableType]:
    lines = folded.pass_lines(r, ex, numbered=steps)
    if not lines:
        return []
    return [Prose(lines, words=False), Prose([folded.mode_note(r)], style="italic")]


def folded_result(r: GradResult, ex: folded.Expand) -> RenderableType:
    rows = folded.gradient_rows(r, ex)
    what = "Gradient" if r.single else "Jacobian"
    head = f"{what} of {r.outputs[0]} = {shown(r.values[r.outputs[0]])}" if r.single else what
    return Cells(head, ["derivative", "values"], rows)


def folded_view(r: GradResult, steps: bool = False,
                ex: folded.Expand = folded.NONE) -> list[RenderableType]:
    """The grad view of a program with families: each section one row per family."""
    parts: list[RenderableType] = [header(r), folded_nodes(r, ex)]
    if r.edges:
        parts.append(folded_edges(r))
    parts += folded_pass(r, ex, steps)
    parts.append(folded_result(r, ex))
    if r.cost is not None:
        parts.append(Prose([explain.cost_line(r)], style="dim", hang=6, words=False))
    return parts


def _node_label(r: GradResult, i: int, out: str) -> str:
    """`c = a + b = 3` and, in reverse mode, the node's adjoint, its total over every edge
    leaving it; forward mode, its tangents; paths mode, an input's sum over its paths."""
    n = r.nodes[i]
    label = n.id if n.op in ("input", "const") else f"{n.id} = {n.expr}"
    if n.value is not None:
        label += f" = {shown(n.value)}"  # (a constant: its value alone, not `3 = 3`)
    if r.adjoints is not None:
        seed = i in r.output_nodes and n.id == out
        label += f",  {'' if seed else 'total '}{d(out, n.id)} = " \
                 f"{shown(r.adjoints[i][out])}{' (seed)' if seed else ''}"
    elif r.tangents is not None:
        tangents = r.tangents[i]
        said = [f"{d(n.id, w)} = {shown(t)}" for w, t in tangents.items()
                if t or len(tangents) <= TANGENTS]
        if len(tangents) > TANGENTS:  # many inputs: the tangents that are not 0
            rest = len(tangents) - len(said)
            said = said[:TANGENTS] + ([f"{len(said) - TANGENTS} more not 0"]
                                      if len(said) > TANGENTS else [])
            said += [f"the other {rest} {'is' if rest == 1 else 'are'} 0"] if rest else []
        label += ",  " + ", ".join(said)
    elif r.path_counts is not None and i in r.input_nodes:
        name = list(r.inputs)[r.input_nodes.index(i)]
        if name in r.jacobian[out]:
            count = r.path_counts[out][name]
            label += (f",  {d(out, name)} = {shown(r.jacobian[out][name])} "
                      f"over {counted(count, 'path')}")
    return label


def _share(r: GradResult, k: int, out: str, index: dict[str, int],
           uses: list[list[int]]) -> str:
    """Reverse mode: what edge k passes back, `through c: 2·1 = 2`: the branch's share of
    its operand's total, for an operand used more than once (else it is the total)."""
    e = r.edges[k]
    if r.adjoints is None or len(uses[index[e.src]]) < 2:
        return ""
    assert e.value is not None, "an evaluated result has every edge's value"
    up = r.adjoints[index[e.dst]][out]
    if up is None:
        return ""
    return (f",  through {e.dst}: {explain.shown_text(up)}·{explain.shown_text(e.value)}"
            f" = {shown(up * e.value)}")


def tree_view(r: GradResult, command: str = "grad") -> list[RenderableType]:
    """Each output as a tree of its operands; a node met again is named, not redrawn.
    A program with families: a tree of its families (folded.tree_items)."""
    if folded.folding(r) is not None:
        families: list[RenderableType] = [header(r, command)]
        families += [TreeLines(folded.tree_items(r, o)) for o in r.outputs]
        if r.mode and command == "grad":
            families.append(folded_result(r, folded.NONE))
        return families
    index, leaving, entering = explain.edge_lists(r)
    names = explain.edge_names(r)
    trees: list[RenderableType] = [header(r, command)]
    for o, root in zip(r.outputs, r.output_nodes):
        items: list[tuple[int, str, str]] = [(0, _node_label(r, root, o), "bold")]
        shown_ = {root}
        stack = [(k, 1) for k in reversed(entering[root])]
        while stack:
            k, depth = stack.pop()
            e = r.edges[k]
            src = index[e.src]
            edge = explain.edge_label(e, names[k])
            share = _share(r, k, o, index, leaving)
            if src in shown_:
                items.append((depth, f"[{edge}]  {e.src} (shown above){share}", "dim"))
                continue
            shown_.add(src)
            items.append((depth, f"[{edge}]  {_node_label(r, src, o)}{share}", ""))
            stack += [(k2, depth + 1) for k2 in reversed(entering[src])]
        trees.append(TreeLines(items))
    if r.mode and command == "grad":
        trees.append(result_table(r))
    return trees


def graph_view(r: GradResult, ex: folded.Expand = folded.NONE) -> list[RenderableType]:
    """The graph's tables; with a mode (`graph --mode`), the pass's table too."""
    if folded.folding(r) is not None:
        parts: list[RenderableType] = [header(r, "graph"), folded_nodes(r, ex)]
        if r.edges:
            parts.append(folded_edges(r))
        return parts + folded_pass(r, ex, False)
    parts = [header(r, "graph"), nodes_table(r)]
    if r.edges:
        parts.append(edges_table(r))
    return parts + mode_tables(r)


def cost_view(expression: str, outputs: Sequence[str], c: Cost) -> list[RenderableType]:
    head = Header("cost", expression, outputs, {},
                  f"{plural(c.inputs, 'input')}, {plural(c.outputs, 'output')}, "
                  f"{plural(c.nodes, 'node')}, {plural(c.edges, 'edge')}")
    f, rv, p = c.of("forward"), c.of("reverse"), c.of("paths")
    rows = [["forward", f"{f.passes:,}", f"{f.edge_ops:,}",
             "one pass per input, each edge once a pass"],
            ["reverse", f"{rv.passes:,}", f"{rv.edge_ops:,}",
             "one pass per output, each edge once a pass"],
            ["sum over paths", counted(p.passes, "path"), explain.big(p.edge_ops),
             "every path multiplied out on its own"]]
    parts: list[RenderableType] = [
        head, Cells("What each mode costs here", ["mode", "passes", "edge operations", "why"],
                    rows, prose=[3])]
    if len(str(p.edge_ops)) > 30:
        parts.append(Prose(["Counts over 30 digits are rounded here; --format json gives "
                            "them exactly."], style="italic"))
    parts.append(Prose([verdict(c)], style="bold"))
    return parts


def verdict(c: Cost) -> str:
    lo, hi, ratio = c.cheapest_merged()
    if ratio == 1.0:
        text = (f"Forward and reverse mode cost the same here ({plural(c.inputs, 'input')}, "
                f"{plural(c.outputs, 'output')}).")
    else:
        why = (f"one pass per output ({c.outputs:,}) instead of one per input ({c.inputs:,})"
               if lo == "reverse" else
               f"one pass per input ({c.inputs:,}) instead of one per output ({c.outputs:,})")
        text = f"{lo.capitalize()} mode is {ratio:g}x cheaper than {hi} mode here: {why}."
    best, paths = c.of(lo).edge_ops, c.of("paths").edge_ops
    if paths > best:
        text += (f" Summing over paths one by one takes {counted(paths, 'edge operation')} "
                 f"where merging them as {lo} mode does takes {best:,}: shared edges are "
                 "multiplied once, not once per path.")
    return text
