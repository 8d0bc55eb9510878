"""Result -> Graphviz DOT or Mermaid text: the graph with inputs at the bottom, outputs on top.

Both formats share one set of labels (`node_lines`, `edge_label`) so they never disagree;
each format only escapes the text and lays out the lines.
"""

from __future__ import annotations

from ..numbers import number as num
from ..results.grad import GradResult
from .explain import d, edge_label

_MERMAID_CLASS = "classDef output stroke-width:3px;"


def node_lines(r: GradResult, i: int) -> list[str]:
    """The first line defines node i; with a mode, a second line per output (or input)."""
    n = r.nodes[i]
    if n.op == "input":
        head = n.id if n.value is None else f"{n.id} = {num(n.value)}"
    elif n.op == "const":
        head = f"{n.id} = {n.expr}"
    else:
        head = f"{n.id} = {n.expr}" + ("" if n.value is None else f" = {num(n.value)}")
    lines = [head]
    if r.adjoints is not None:
        adj = r.adjoints[i]
        lines += [f"{d(o, n.id)} = {num(a)}" for o in r.outputs if (a := adj[o]) is not None]
    elif r.tangents is not None:
        tan = r.tangents[i]
        lines += [f"{d(n.id, w)} = {num(t)}" for w in r.wrt if (t := tan[w]) is not None]
    return lines


def output_indices(r: GradResult) -> set[int]:
    """The output nodes (an output key that aliases another name marks that name's node)."""
    return set(r.output_nodes)


def _dot_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _dot_text(s: str) -> str:
    return f'"{_dot_escape(s)}"'


def dot(r: GradResult) -> str:
    """Graphviz DOT; `dot -Tsvg` draws it."""
    outs = output_indices(r)
    lines = ["digraph bpcalc {", "  rankdir=BT;", "  node [shape=box];"]
    for i, n in enumerate(r.nodes):
        label = "\\n".join(_dot_escape(s) for s in node_lines(r, i))  # DOT's own line break
        attrs = [f'label="{label}"']
        if n.op == "input":
            attrs.append("shape=ellipse")
        if i in outs:
            attrs.append("peripheries=2")
        lines.append(f"  {_dot_text(n.id)} [{', '.join(attrs)}];")
    for e in r.edges:
        lines.append(f"  {_dot_text(e.src)} -> {_dot_text(e.dst)} "
                     f"[label={_dot_text(edge_label(e))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_ESCAPES = (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"))


def _mermaid_escape(s: str) -> str:
    """Mermaid's entity codes; `#` first so the codes themselves survive."""
    for ch, code in _MERMAID_ESCAPES:
        s = s.replace(ch, code)
    return s


def mermaid(r: GradResult) -> str:
    """A Mermaid flowchart (renders on GitHub); nodes are `n0`, `n1`… so ids need no escaping."""
    index = {n.id: i for i, n in enumerate(r.nodes)}
    lines = ["flowchart BT"]
    for i, n in enumerate(r.nodes):
        label = '"' + "<br/>".join(_mermaid_escape(s) for s in node_lines(r, i)) + '"'
        shape = f"([{label}])" if n.op == "input" else f"[{label}]"
        lines.append(f"  n{i}{shape}")
    for e in r.edges:
        label = _mermaid_escape(edge_label(e))
        lines.append(f'  n{index[e.src]} -->|"{label}"| n{index[e.dst]}')
    outs = sorted(output_indices(r))
    if outs:
        lines.append(f"  {_MERMAID_CLASS}")
        lines.append(f"  class {','.join(f'n{i}' for i in outs)} output;")
    return "\n".join(lines) + "\n"
