"""The teaching text shared by every human-facing view: each accumulated derivative written
out from the edges it came from, each path with its product, each step of a pass.

Pure string building over a GradResult: the numbers shown are the engine's; nothing here
computes a derivative.
"""

from __future__ import annotations

from typing import NamedTuple

from ..numbers import number, number_text
from ..results.grad import EdgeInfo, GradResult

MODE_TITLE = {
    "reverse": "reverse mode (backpropagation): one pass per output, from the output back",
    "forward": "forward mode: one pass per input, from the input towards the outputs",
    "paths": "sum over paths: the product of local derivatives along every path, added up",
}


def value(x: float | None) -> str:
    """A node's or edge's number in an evaluated result (which has every one)."""
    assert x is not None, "an evaluated result has every value"
    return number(x)


def d(out: str, wrt: str) -> str:
    return f"∂{out}/∂{wrt}"


def shows_value(e: EdgeInfo) -> bool:
    """Whether an edge's value adds anything to its formula (not for `1` or `(-2)`)."""
    return e.value is not None and e.local.strip("()") != number(e.value)


def edge_label(e: EdgeInfo) -> str:
    """`∂e/∂c = d = 2`: the formula, then its value unless the formula already is the value."""
    label = f"{d(e.dst, e.src)} = {e.local}"
    return label + f" = {value(e.value)}" if shows_value(e) else label


class Sum(NamedTuple):
    """How one accumulated derivative is made: `symbolic = numeric = value`."""

    node: str
    symbolic: str  # ∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b
    numeric: str  # 2·1 + 3·1
    value: float
    note: str = ""  # "seed" for the pass's start

    def text(self) -> str:
        if self.note:
            return f"{number(self.value)} ({self.note})"
        if not self.symbolic:
            return number(self.value)
        return f"{self.symbolic} = {self.numeric} = {number(self.value)}"


def _value(e: EdgeInfo) -> str:
    assert e.value is not None, "an evaluated result has every edge's value"
    return number_text(e.value)


def _factor(formula: str) -> str:
    """A local formula as a factor of a product: parenthesised unless it is atomic."""
    return f"({formula})" if (" " in formula or formula.startswith("-")) else formula


def edge_lists(r: GradResult) -> tuple[dict[str, int], list[list[int]], list[list[int]]]:
    """(node index by id, edge indices leaving each node, edge indices entering each node)."""
    index = {n.id: i for i, n in enumerate(r.nodes)}
    leaving: list[list[int]] = [[] for _ in r.nodes]
    entering: list[list[int]] = [[] for _ in r.nodes]
    for k, e in enumerate(r.edges):
        leaving[index[e.src]].append(k)
        entering[index[e.dst]].append(k)
    return index, leaving, entering


def reverse_sums(r: GradResult, out: str) -> list[Sum]:
    """Every node's adjoint of `out`, in the order a reverse pass finishes them."""
    assert r.adjoints is not None
    index, leaving, _ = edge_lists(r)
    sums = []
    out_node = r.output_nodes[r.outputs.index(out)]
    for i in reversed(range(len(r.nodes))):
        v = r.nodes[i].id
        adj = r.adjoints[i][out]
        if i == out_node:
            sums.append(Sum(v, "", "", adj, "seed"))
            continue
        sym, num = [], []
        for k in leaving[i]:
            e = r.edges[k]
            sym.append(f"{d(out, e.dst)}·{d(e.dst, v)}")
            num.append(f"{number_text(r.adjoints[index[e.dst]][out])}·{_value(e)}")
        sums.append(Sum(v, " + ".join(sym), " + ".join(num), adj))
    return sums


def forward_sums(r: GradResult, wrt: str) -> list[Sum]:
    """Every node's tangent for the pass from input `wrt`, in evaluation order."""
    assert r.tangents is not None
    index, _, entering = edge_lists(r)
    sums = []
    seed = r.node_of_input(wrt)
    for i, node in enumerate(r.nodes):
        t = r.tangents[i][wrt]
        if node.op == "input":
            sums.append(Sum(node.id, "", "", t, "seed" if i == seed else ""))
            continue
        sym, num = [], []
        for k in entering[i]:
            e = r.edges[k]
            sym.append(f"{_factor(e.local)}·{d(e.src, wrt)}")
            num.append(f"{_value(e)}·{number_text(r.tangents[index[e.src]][wrt])}")
        sums.append(Sum(node.id, " + ".join(sym), " + ".join(num), t))
    return sums


def path_sums(r: GradResult) -> list[tuple[str, str, str, int]]:
    """(output, input, `2 + 3 = 5` or the merged value, path count) for every pair."""
    assert r.path_counts is not None
    rows = []
    for o in r.outputs:
        for w in r.wrt:
            products = [p.product for p in r.paths if p.output == o and p.input == w]
            count = r.path_counts[o][w]
            value = r.jacobian[o][w]
            if r.paths_truncated and len(products) < count:
                text = f"{number(value)} (merged: too many paths to add one by one)"
            elif len(products) > 1:
                text = " + ".join(number_text(x) for x in products) + f" = {number(value)}"
            else:
                text = number(value)
            rows.append((o, w, text, count))
    return rows


def path_line(p) -> tuple[str, str, str]:
    """(`b → c → e`, `1·2`, `2`) for a listed path."""
    factors = "·".join(number_text(f) for f in p.factors) if p.factors else "1 (empty path)"
    return " → ".join(p.nodes), factors, number(p.product)


def cost_line(r: GradResult) -> str:
    """One line: what each mode costs on this graph, this mode first."""
    if r.cost is None:
        return ""
    parts = []
    order = [r.mode] + [m for m in ("reverse", "forward", "paths") if m != r.mode]
    for mode in order:
        if not mode:
            continue
        m = r.cost.of(mode)
        if mode == "paths":
            parts.append(f"sum over paths: {m.passes} path{'s' * (m.passes != 1)}, "
                         f"{m.edge_ops} edge operations")
        else:
            parts.append(f"{mode}: {m.passes} pass{'es' * (m.passes != 1)}, "
                         f"{m.edge_ops} edge operations")
    return "cost  " + " · ".join(parts)


def truncation_note(r: GradResult) -> list[str]:
    if not r.paths_truncated:
        return []
    total = sum(c for per in (r.path_counts or {}).values() for c in per.values())
    return [f"{len(r.paths)} of {total} paths listed (--limit raises the bound).",
            "The merged passes never list them: forward and reverse mode add the paths up "
            "as they go, touching each edge once per pass however many paths run through it."]


def steps(r: GradResult) -> list[str]:
    """The chosen pass as numbered lines, in the order the pass runs: a board-work trace."""
    lines = ["values, in evaluation order:"]
    n = 0
    for node in r.nodes:
        n += 1
        if node.op == "input":
            lines.append(f"{n:>3}. {node.id} = {value(node.value)}  (input)")
        else:
            lines.append(f"{n:>3}. {node.id} = {node.expr} = {value(node.value)}")
    if r.mode == "reverse":
        for o in r.outputs:
            lines.append(f"reverse pass for {o}, from {o} back to the inputs:")
            for s in reverse_sums(r, o):
                n += 1
                lines.append(f"{n:>3}. {d(o, s.node)} = {s.text()}")
    elif r.mode == "forward":
        for w in r.wrt:
            lines.append(f"forward pass for {w}, from {w} towards the outputs:")
            for s in forward_sums(r, w):
                n += 1
                lines.append(f"{n:>3}. {d(s.node, w)} = {s.text()}")
    elif r.mode == "paths":
        lines.append("paths, each the product of its edges' local derivatives:")
        for p in r.paths:
            n += 1
            nodes, factors, product = path_line(p)
            lines.append(f"{n:>3}. {nodes}: {factors} = {product}")
        lines.append("sums over the paths of each input:")
        for o, w, text, count in path_sums(r):
            n += 1
            lines.append(f"{n:>3}. {d(o, w)} = {text}   ({count} path{'s' * (count != 1)})")
        lines += truncation_note(r)
    return lines
