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
from . import explain
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


def grad_view(r: GradResult, steps: bool = False) -> list[RenderableType]:
    parts: list[RenderableType] = [header(r), nodes_table(r)]
    if r.edges:
        parts.append(edges_table(r))
    parts += mode_tables(r)
    if steps:
        parts.append(steps_text(r))
    parts.append(result_table(r))
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
    """Each output as a tree of its operands; a node met again is named, not redrawn."""
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


def graph_view(r: GradResult) -> list[RenderableType]:
    """The graph's tables; with a mode (`graph --mode`), the pass's table too."""
    parts: list[RenderableType] = [header(r, "graph"), nodes_table(r)]
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
