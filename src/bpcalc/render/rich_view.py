"""Result -> rich renderables: the teaching view of tables and trees.

Every number comes from the result (see explain.py for the written-out sums). Columns
fold instead of cutting: at any width, no number is ever shortened to an ellipsis.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..cost import Cost
from ..numbers import number
from ..results.grad import GradResult
from . import explain
from .explain import d


def _table(*columns: str) -> Table:
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for c in columns:
        t.add_column(c, overflow="fold")
    return t


def _titled(title: str, table: Table) -> Group:
    """A title above its table, not squeezed into the table's width."""
    return Group(Text(title, style="bold"), table)


def header(r: GradResult, command: str = "grad") -> Text:
    text = Text()
    text.append(f"bpcalc {command}  ", style="bold")
    text.append(r.expression.strip().replace("\n", "; "), style="cyan")
    point = ", ".join(f"{k} = {number(v)}" for k, v in r.inputs.items() if v is not None)
    if point:
        text.append(f"  at {point}")
    if r.mode:
        text.append("\n" + explain.MODE_TITLE[r.mode], style="italic")
    return text


def nodes_table(r: GradResult) -> Group:
    valued = r.evaluated
    t = _table("id", "definition", *(["value"] if valued else []))
    for n in r.nodes:
        value = [number(n.value)] if n.value is not None else []
        t.add_row(n.id, "input" if n.op == "input" else n.expr, *value)
    return _titled("Nodes, in evaluation order", t)


def edges_table(r: GradResult) -> Group:
    t = _table("edge", "formula", *(["value"] if r.evaluated else []))
    for e in r.edges:
        value = [number(e.value)] if e.value is not None else []
        t.add_row(d(e.dst, e.src), e.local, *value)
    return _titled("Edges: local derivatives", t)


def mode_tables(r: GradResult) -> list[RenderableType]:
    if r.mode == "reverse":
        out: list[RenderableType] = []
        for o in r.outputs:
            t = _table("node", d(o, "v"), "written out from the edges leaving the node")
            for s in explain.reverse_sums(r, o):
                t.add_row(s.node, number(s.value), f"{d(o, s.node)} = {s.text()}")
            out.append(_titled(f"Reverse pass for {o}: adjoints from {o} back to the inputs", t))
        return out
    if r.mode == "forward":
        t = _table("node", *(f"pass for {w}: {d('v', w)}" for w in r.wrt))
        columns = [explain.forward_sums(r, w) for w in r.wrt]
        for i, n in enumerate(r.nodes):
            t.add_row(n.id, *(col[i].text() for col in columns))
        return [_titled("Forward passes: tangents, one column per input's pass", t)]
    if r.mode == "paths":
        t = _table("path", "local derivatives", "product")
        for p in r.paths:
            t.add_row(*explain.path_line(p))
        sums = _table("derivative", "sum of the path products", "paths")
        for o, w, text, count in explain.path_sums(r):
            sums.add_row(d(o, w), text, str(count))
        notes = [Text(line, style="italic") for line in explain.truncation_note(r)]
        return [_titled("Paths: the product of local derivatives along each path", t),
                _titled("Sums over paths", sums), *notes]
    return []


def steps_text(r: GradResult) -> Text:
    return Text("\n".join(explain.steps(r)))


def result_table(r: GradResult) -> Group:
    if r.single:
        o = r.outputs[0]
        t = _table("derivative", "value")
        for w, v in r.jacobian[o].items():
            t.add_row(d(o, w), number(v))
        return _titled(f"Gradient of {o} = {number(r.values[o])}", t)
    t = _table("output", "value", *(f"∂/∂{w}" for w in r.wrt))
    for o in r.outputs:
        t.add_row(o, number(r.values[o]), *(number(v) for v in r.jacobian[o].values()))
    return _titled("Jacobian", t)


def grad_view(r: GradResult, steps: bool = False) -> list[RenderableType]:
    parts: list[RenderableType] = [header(r), nodes_table(r)]
    if r.edges:
        parts.append(edges_table(r))
    parts += mode_tables(r)
    if steps:
        parts.append(steps_text(r))
    parts.append(result_table(r))
    if r.cost is not None:
        parts.append(Text(explain.cost_line(r), style="dim"))
    return parts


def _node_label(r: GradResult, i: int, out: str) -> str:
    n = r.nodes[i]
    label = n.id if n.op == "input" else f"{n.id} = {n.expr}"
    if n.value is not None:
        label += f" = {number(n.value)}"
    if r.adjoints is not None:
        label += f"   {d(out, n.id)} = {number(r.adjoints[i][out])}"
    elif r.tangents is not None:
        label += "   " + ", ".join(f"{d(n.id, w)} = {number(t)}"
                                   for w, t in r.tangents[i].items())
    elif r.path_counts is not None and i in r.input_nodes:
        name = list(r.inputs)[r.input_nodes.index(i)]
        if name in r.jacobian[out]:
            count = r.path_counts[out][name]
            label += (f"   {d(out, name)} = {number(r.jacobian[out][name])} "
                      f"over {count} path{'s' * (count != 1)}")
    return label


def tree_view(r: GradResult) -> list[RenderableType]:
    """Each output as a tree of its operands; a node met again is named, not redrawn."""
    index, _, entering = explain.edge_lists(r)
    trees: list[RenderableType] = [header(r, "graph" if not r.mode else "grad")]
    for o, root in zip(r.outputs, r.output_nodes):
        tree = Tree(Text(_node_label(r, root, o), style="bold"))
        shown = {root}
        stack = [(k, tree) for k in reversed(entering[root])]
        while stack:
            k, parent = stack.pop()
            e = r.edges[k]
            src = index[e.src]
            edge = explain.edge_label(e)
            if src in shown:
                parent.add(Text(f"[{edge}]  {e.src} (shown above)", style="dim"))
                continue
            shown.add(src)
            branch = parent.add(Text(f"[{edge}]  {_node_label(r, src, o)}"))
            stack += [(k2, branch) for k2 in reversed(entering[src])]
        trees.append(tree)
    if r.mode:
        trees.append(result_table(r))
    return trees


def graph_view(r: GradResult) -> list[RenderableType]:
    parts: list[RenderableType] = [header(r, "graph"), nodes_table(r)]
    if r.edges:
        parts.append(edges_table(r))
    return parts


def _big(n: int) -> str:
    """Exact when it is short; a count of over 30 digits rounded, with its digit count."""
    s = str(n)
    return s if len(s) <= 30 else f"≈ {s[0]}.{s[1:4]}e+{len(s) - 1}"


def cost_view(expression: str, c: Cost) -> list[RenderableType]:
    head = Text()
    head.append("bpcalc cost  ", style="bold")
    head.append(expression.strip().replace("\n", "; "), style="cyan")
    head.append(f"\n{c.inputs} input{'s' * (c.inputs != 1)}, {c.outputs} output"
                f"{'s' * (c.outputs != 1)}, {c.nodes} nodes, {c.edges} edges")
    t = _table("mode", "passes", "edge operations", "why")
    f, rv, p = c.of("forward"), c.of("reverse"), c.of("paths")
    t.add_row("forward", str(f.passes), str(f.edge_ops),
              "one pass per input, each edge once a pass")
    t.add_row("reverse", str(rv.passes), str(rv.edge_ops),
              "one pass per output, each edge once a pass")
    t.add_row("sum over paths", f"{_big(p.passes)} paths", _big(p.edge_ops),
              "every path multiplied out on its own")
    parts: list[RenderableType] = [head, _titled("What each mode costs here", t)]
    if len(str(p.edge_ops)) > 30:
        parts.append(Text("Counts over 30 digits are rounded here; --format json gives them "
                          "exactly.", style="italic"))
    parts.append(Text(verdict(c), style="bold"))
    return parts


def verdict(c: Cost) -> str:
    lo, hi, ratio = c.cheapest_merged()
    s_in, s_out = "s" * (c.inputs != 1), "s" * (c.outputs != 1)
    if ratio == 1.0:
        text = (f"Forward and reverse mode cost the same here ({c.inputs} input{s_in}, "
                f"{c.outputs} output{s_out}).")
    else:
        why = (f"one pass per output ({c.outputs}) instead of one per input ({c.inputs})"
               if lo == "reverse" else
               f"one pass per input ({c.inputs}) instead of one per output ({c.outputs})")
        text = f"{lo.capitalize()} mode is {ratio:g}x cheaper than {hi} mode here: {why}."
    best, paths = c.of(lo).edge_ops, c.of("paths").edge_ops
    if paths > best:
        text += (f" Summing over paths one by one takes {_big(paths)} edge operations where "
                 f"merging them as {lo} mode does takes {best}: shared edges are multiplied "
                 "once, not once per path.")
    return text
