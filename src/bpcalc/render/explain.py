"""The teaching text shared by every human-facing view: each accumulated derivative written
out from the edges it came from, each path with its product, each step of a pass.

Pure string building over a GradResult: the numbers shown are the engine's; nothing here
computes a derivative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..modes.paths import between
from ..numbers import shown, shown_text
from ..results.grad import EdgeInfo, GradResult

MODE_TITLE = {
    "reverse": "reverse mode (backpropagation): one pass per output, from the output back",
    "forward": "forward mode: one pass per input, from the input towards the outputs",
    "paths": "sum over paths: the product of local derivatives along every path, added up",
}


def value(x: float | None) -> str:
    """A node's or edge's number in an evaluated result (which has every one)."""
    assert x is not None, "an evaluated result has every value"
    return shown(x)


def d(out: str, wrt: str) -> str:
    return f"∂{out}/∂{wrt}"


def plural(n: int, word: str, many: str = "") -> str:
    """`1 edge operation`, `2 edge operations`; `many` when the plural is not word + s."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def statements(source: str) -> list[str]:
    """The program's statements as written, comments and blank lines left out."""
    out = []
    for line in source.splitlines():
        out += [s.strip() for s in line.split("#")[0].split(";") if s.strip()]
    return out


def source_line(source: str, outputs: Sequence[str], room: int) -> str:
    """The expression on one line (statements joined with `; `, no comments), or, past
    `room` characters, what it is: `program of 9 statements, output L`."""
    said = statements(source)
    text = "; ".join(said)
    if len(text) <= room:
        return text
    out = f"output{'s' * (len(outputs) != 1)} {', '.join(outputs)}"
    if len(said) > 1:
        return f"program of {len(said):,} statements, {out}"
    return f"expression of {len(text):,} characters, {out}"


POINT_LINES = 8  # past this many lines the point is only counted


def point_text(inputs: Mapping[str, float | None], room: int) -> str:
    """`at a = 2, b = 1`, or `at 1,000 inputs (their values are in the nodes table)`."""
    given = [f"{k} = {shown(v)}" for k, v in inputs.items() if v is not None]
    if not given:
        return ""
    text = "at " + ", ".join(given)
    if len(text) <= POINT_LINES * room:
        return text
    return f"at {plural(len(given), 'input')} (too many to list here: --format json has them)"


def on_paths(r: GradResult, sources: Sequence[int], sinks: Sequence[int]) -> list[bool]:
    """Which nodes lie on a path from one of `sources` to one of `sinks` (both included)."""
    index = {n.id: i for i, n in enumerate(r.nodes)}
    return between(len(r.nodes), [index[e.src] for e in r.edges],
                   [index[e.dst] for e in r.edges], sources, sinks)


def edge_names(r: GradResult) -> list[str]:
    """`∂e/∂c` for each edge; `∂a/∂x (1st)`, `(2nd)` where a node uses an operand twice."""
    names = [d(e.dst, e.src) for e in r.edges]
    seen: dict[tuple[str, str], list[int]] = {}
    for k, e in enumerate(r.edges):
        seen.setdefault((e.dst, e.src), []).append(k)
    for ks in seen.values():
        if len(ks) > 1:
            for j, k in enumerate(ks):
                names[k] += f" ({ORDINAL[j] if j < len(ORDINAL) else f'{j + 1}th'})"
    return names


ORDINAL = ("1st", "2nd", "3rd")


def entering_names(r: GradResult, ks: list[int]) -> dict[int, str]:
    """edge_names for the edges `ks` entering one node: a forward pass names each node's
    edges as it meets them, not every edge of the graph once per input."""
    edges = [r.edges[k] for k in ks]
    srcs = [e.src for e in edges]
    out = {}
    for j, (k, e) in enumerate(zip(ks, edges)):
        name = d(e.dst, e.src)
        if srcs.count(e.src) > 1:
            n = srcs[:j].count(e.src)
            name += f" ({ORDINAL[n] if n < len(ORDINAL) else f'{n + 1}th'})"
        out[k] = name
    return out


def shows_value(e: EdgeInfo) -> bool:
    """Whether an edge's value adds anything to its formula (not for `1` or `(-2)`)."""
    return e.value is not None and e.local.strip("()") != shown(e.value)


def edge_label(e: EdgeInfo, name: str = "") -> str:
    """`∂e/∂c = d = 2`: the formula, then its value unless the formula already is the value.
    `name` is the edge's name when it is not just `∂e/∂c` (see edge_names)."""
    label = f"{name or d(e.dst, e.src)} = {e.local}"
    return label + f" = {value(e.value)}" if shows_value(e) else label


class Sum(NamedTuple):
    """How one accumulated derivative is made: `symbolic = numeric = value`."""

    node: str
    symbolic: str  # ∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b
    numeric: str  # 2·1 + 3·1
    value: float | None  # None: undefined (off the paths asked for)
    note: str = ""  # "seed" for the pass's start
    edges: tuple[int, ...] = ()  # the edges its terms come from (indices into r.edges)

    def text(self) -> str:
        if self.note:
            return f"{shown(self.value)} ({self.note})"
        if not self.symbolic:
            return shown(self.value)
        return f"{self.symbolic} = {self.numeric} = {shown(self.value)}"


def _value(e: EdgeInfo) -> str:
    assert e.value is not None, "an evaluated result has every edge's value"
    return shown_text(e.value)


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
    """The adjoint of `out` of every node on a path from a chosen input to `out`, in the
    order a reverse pass finishes them, each written out from its edges on such paths
    (the others carry an adjoint of 0)."""
    assert r.adjoints is not None
    index, leaving, _ = edge_lists(r)
    sums = []
    out_node = r.output_nodes[r.outputs.index(out)]
    keep = on_paths(r, [r.node_of_input(w) for w in r.wrt], [out_node])
    names = edge_names(r)  # `∂a/∂x (1st)` where x*x uses x twice
    for i in reversed(range(len(r.nodes))):
        v = r.nodes[i].id
        adj = r.adjoints[i][out]
        if i == out_node:
            sums.append(Sum(v, "", "", adj, "seed"))
            continue
        if not keep[i]:
            continue
        sym, num, used = [], [], []
        for k in leaving[i]:
            e = r.edges[k]
            if keep[index[e.dst]]:
                sym.append(f"{d(out, e.dst)}·{names[k]}")
                num.append(f"{shown_text(r.adjoints[index[e.dst]][out])}·{_value(e)}")
                used.append(k)
        sums.append(Sum(v, " + ".join(sym), " + ".join(num), adj, edges=tuple(used)))
    return sums


def forward_sums(r: GradResult, wrt: str) -> list[Sum]:
    """The tangent for the pass from input `wrt` of every node on a path from it to an
    output, in evaluation order, each written out from its edges on such paths."""
    assert r.tangents is not None
    index, _, entering = edge_lists(r)
    sums = []
    seed = r.node_of_input(wrt)
    keep = on_paths(r, [seed], r.output_nodes)
    keep[seed] = True
    for i, node in enumerate(r.nodes):
        if not keep[i]:
            continue
        t = r.tangents[i][wrt]
        if i == seed:
            sums.append(Sum(node.id, "", "", t, "seed"))
            continue
        sym, num, used = [], [], []
        names = entering_names(r, entering[i])  # the reverse pass's notation: ∂e/∂c·∂c/∂a
        for k in entering[i]:
            e = r.edges[k]
            if keep[index[e.src]]:
                sym.append(f"{names[k]}·{d(e.src, wrt)}")
                num.append(f"{_value(e)}·{shown_text(r.tangents[index[e.src]][wrt])}")
                used.append(k)
        sums.append(Sum(node.id, " + ".join(sym), " + ".join(num), t, edges=tuple(used)))
    return sums


PASS_ROWS = 100  # the forward view writes out passes in full up to this many rows


def forward_passes(r: GradResult) -> tuple[list[tuple[str, list[Sum]]],
                                            list[tuple[str, int]]]:
    """The forward passes written out in full (input, its sums), as many as fit in
    PASS_ROWS rows (at least one), and the others as (input, nodes on its paths)."""
    full: list[tuple[str, list[Sum]]] = []
    rest: list[tuple[str, int]] = []
    rows = 0
    for w in r.wrt:
        sums = forward_sums(r, w)
        rows += len(sums)
        if full and (rest or rows > PASS_ROWS):
            rest.append((w, len(sums)))
        else:
            full.append((w, sums))
    return full, rest


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
                text = f"{shown(value)} (merged: too many paths to add one by one)"
            elif len(products) > 1:
                text = " + ".join(shown_text(x) for x in products) + f" = {shown(value)}"
            else:
                text = shown(value)
            rows.append((o, w, text, count))
    return rows


def path_line(p) -> tuple[str, str, str]:
    """(`b → c → e`, `1·2`, `2`) for a listed path."""
    factors = "·".join(shown_text(f) for f in p.factors) if p.factors else "1 (empty path)"
    return " → ".join(p.nodes), factors, shown(p.product)


def big(n: int) -> str:
    """A count: exact when it is short; past 30 digits rounded, with its digit count."""
    s = str(n)
    return f"{n:,}" if len(s) <= 30 else f"≈ {s[0]}.{s[1:4]}e+{len(s) - 1}"


def counted(n: int, word: str, many: str = "") -> str:
    """`plural`, for counts that may have thousands of digits (paths)."""
    return f"{big(n)} {word if n == 1 else many or word + 's'}"


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
        runs = counted(m.passes, "path") if mode == "paths" else \
            counted(m.passes, "pass", "passes")
        name = "sum over paths" if mode == "paths" else mode
        parts.append(f"{name}: {runs}, {counted(m.edge_ops, 'edge operation')}")
    return "cost  " + " · ".join(parts)


def truncation_note(r: GradResult) -> list[str]:
    if not r.paths_truncated:
        return []
    total = sum(c for per in (r.path_counts or {}).values() for c in per.values())
    return [f"{len(r.paths):,} of {counted(total, 'path')} listed (--limit raises the bound).",
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
            lines.append(f"{n:>3}. {d(o, w)} = {text}   ({counted(count, 'path')})")
        lines += truncation_note(r)
    return lines
