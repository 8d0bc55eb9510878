"""Backpropagation as formulas a teacher writes, from the graph's own edges (no SymPy).

For `out = u1*h1 + u2*h2 + d; L = (out - y)^2` the reverse pass, written out:

    δ_out = 2*(out - y)
    δ_h1 = δ_out·u1
    ∂L/∂u1 = δ_out·h1

Every local derivative is the op table's formula text (`ops.partial_text`: tanh' is
`1 - tanh(x)^2`), read into a small formula tree, its operands replaced by what the program
calls them, and the node's own definition by the node's name where the program names it
(`1 - h1^2`, not `1 - tanh(v11*a1 + v12*a2 + c1)^2`). A node's adjoint δ is the sum over
the edges leaving it of (the consumer's δ)·(the edge's local derivative), in the chain
rule's order. Named nodes (and unnamed ones that feed more than one node, or whose
adjoint would be a product of more than LONG factors) get a δ line of their own, shown
once and reused; an unnamed node with one consumer is folded into its consumer's
formulas, so each formula stays short and the whole grows with the program. An unnamed
node whose value a formula needs is written out where it is short and private to a named
statement (`2*(out - y)`), else by its id with a `where` line (`where c = a + b`), as
the article names them.

Trees render as text (the input language's syntax, `·` between chain-rule factors) and as
LaTeX, and evaluate to numbers at a point (`diff --check`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from ..graphs.graph import Graph
from .nodes import Spelling
from .trees import (
    Bin,
    Call,
    Chain,
    Name,
    Neg,
    Num,
    Slot,
    Sum,
    Tree,
    latex,
    parse,
    replace,
    substitute,
    text,
)
from .values import magnitude, value

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..results.formulas import DiffResult
    from .index_diff import IndexDiff

__all__ = ["Backprop", "Bin", "Call", "Chain", "Formulas", "Line", "Name", "Neg", "Num",
           "Slot", "Sum", "Tree", "backprop", "diff", "latex", "parse", "replace",
           "substitute", "text", "value"]



# --- the graph's formulas ----------------------------------------------------------------

class Line(NamedTuple):
    left: str  # `δ_h1`, `∂L/∂w11`, or a where-line's id
    tree: Tree
    node: int  # the node (δ, where) or input (gradient) it is about


class Backprop(NamedTuple):
    """One output's reverse pass as formulas."""

    output: str
    deltas: tuple[Line, ...]  # δ_v = ..., from the output down, each used below it
    gradient: tuple[Line, ...]  # ∂output/∂input, in the order asked
    where: tuple[Line, ...]  # the unnamed nodes the formulas mention, in evaluation order


class Formulas(NamedTuple):
    blocks: tuple[Backprop, ...]
    edges: tuple[tuple[int, Tree], ...]  # every edge's local derivative (edge index, tree)
    where: tuple[Line, ...] = ()  # unnamed nodes only the edges table names (`a` in ∂a/∂x)
    tex: dict[str, str] = {}  # each name's LaTeX (tex.py), no two alike


def backprop(graph: Graph, wrt: Sequence[str] | None = None) -> Formulas:
    """Every output's reverse pass as formulas (see the module); `wrt` the inputs asked."""
    from .tex import graph_tex

    n = len(graph.keys)
    sp = Spelling(graph)
    locals_ = sp.locals()
    edges = tuple(enumerate(locals_))
    leaving: list[list[int]] = [[] for _ in range(n)]
    for k, src in enumerate(graph.esrc):
        leaving[src].append(k)
    asked = [graph.input_at[w] for w in (wrt or graph.input_at)]
    blocks = tuple(_block(graph, out_name, out, asked, leaving, locals_, sp)
                   for out_name, out in graph.outputs)
    # every id the edges table shows is the program's, an output, or defined somewhere
    defined = {ln.node for b in blocks for ln in b.where} | {j for _, j in graph.outputs}
    shown = {i for d in set(graph.edst) for i in (d, *graph.keys[d][1:]) if i >= 0}
    more = _where(sp, [Name(graph.ids[i], i) for i in sorted(shown - defined)], defined)
    tex = graph_tex(graph)
    return Formulas(blocks, edges, more, tex)


class _Product(NamedTuple):
    """sign·f1·f2·…: a chain-rule product made one factor at a time, each factor linked to
    the product before it (`last` is (factor, earlier link) or None), so that a chain of n
    unnamed nodes costs n steps, not n² copies; a tree (`tree()`) where it is written."""

    sign: float  # 0: the product is 0
    last: Any = None
    size: int = 0  # factors

    def times(self, t: Tree) -> _Product:
        """This product times t, its 1s, -1s and zeros folded."""
        sign, last, size = self.sign, self.last, self.size
        for f in (t.factors if isinstance(t, Chain) else (t,)):
            f, flips = _unsigned(f)
            sign *= flips
            if isinstance(f, Num):
                if f.value == 0:
                    return _ZERO
                if abs(f.value) == 1:
                    continue
            last, size = (f, last), size + 1
        return _Product(sign, last, size)

    def tree(self) -> Tree:
        if not self.sign:
            return Num(0.0)
        factors, link = [], self.last
        while link is not None:
            factors.append(link[0])
            link = link[1]
        factors.reverse()
        body: Tree = Num(1.0) if not factors else factors[0] if len(factors) == 1 \
            else Chain(tuple(factors))
        return body if self.sign > 0 else Neg(body)


LONG = 12  # an unnamed node whose adjoint would have more factors gets a δ line of its own
_ZERO = _Product(0.0)
_ONE = _Product(1.0)


def _block(graph: Graph, out_name: str, out: int, asked: Sequence[int],
           leaving: list[list[int]], locals_: Sequence[Tree], sp: Spelling) -> Backprop:
    ids, n = graph.ids, len(graph.keys)
    reach = [False] * n  # the output depends on the node
    reach[out] = True
    for src, dst in zip(reversed(graph.esrc), reversed(graph.edst)):
        if reach[dst]:
            reach[src] = True
    from_inputs = [False] * n  # the node depends on an input asked for
    for i in asked:
        from_inputs[i] = True
    for src, dst in zip(graph.esrc, graph.edst):
        if from_inputs[src]:
            from_inputs[dst] = True

    # adjoint[v]: a tree where it has a line or a sum, else a product still being made
    adjoint: list[Tree | _Product | None] = [None] * n
    delta_line = [False] * n
    deltas: list[Line] = []
    for v in range(n - 1, -1, -1):  # consumers come later in evaluation order
        if v == out:
            adjoint[v] = Num(1.0)
            continue
        if not (reach[v] and from_inputs[v]):
            continue
        terms = []
        for k in leaving[v]:
            d = graph.edst[k]
            up = adjoint[d]
            if up is None:
                continue
            if delta_line[d]:
                up = Name(f"δ_{ids[d]}", d, True)
            start = up if isinstance(up, _Product) else _ONE.times(up)
            terms.append(start.times(locals_[k]))
        terms = [t for t in terms if t.sign]
        long = len(terms) == 1 and terms[0].size > LONG  # a deep chain of unnamed nodes
        keep = (sp.plain[v] or len(leaving[v]) > 1 or long) and graph.keys[v][0] != "input"
        if len(terms) == 1 and not keep:
            adjoint[v] = terms[0]  # an unnamed node: its consumer's product, one factor on
            continue
        tree = _plus([t.tree() for t in terms])
        adjoint[v] = tree
        if keep and not _is_simple(tree):
            delta_line[v] = True
            deltas.append(Line(f"δ_{ids[v]}", tree, v))
    gradient = []
    for i in asked:
        got = adjoint[i]
        tree = Num(0.0) if got is None else got.tree() if isinstance(got, _Product) else got
        gradient.append(Line(f"∂{out_name}/∂{ids[i]}", tree, i))
    trees = [line.tree for line in (*deltas, *gradient)]
    trees += [Name(ids[ln.node], ln.node) for ln in deltas]  # δ_c's c, where it has no name
    return Backprop(out_name, _in_order(deltas), tuple(gradient), _where(sp, trees))


def _in_order(deltas: list[Line]) -> tuple[Line, ...]:
    """The δ lines from the output down, each after the δs it uses, and in the program's
    order among those of one level (δ_h1 before δ_h2)."""
    level: dict[int, int] = {}
    for line in deltas:  # made from the output down: what a line uses is already levelled
        used = [x for x in _names(line.tree) if x in level]
        level[line.node] = 1 + max((level[x] for x in used), default=-1)
    return tuple(sorted(deltas, key=lambda line: (level[line.node], line.node)))


def _is_simple(t: Tree) -> bool:
    """A name or a number: written where it is used, no δ line of its own."""
    return isinstance(t, Name | Num)


def _unsigned(t: Tree) -> tuple[Tree, float]:
    """t without its leading minus signs (-3/c^2 as 3/c^2, -1), for a product to carry."""
    sign = 1.0
    while True:
        if isinstance(t, Neg):
            sign, t = -sign, t.arg
        elif isinstance(t, Bin) and t.op in ("*", "/") and isinstance(t.left, Neg):
            sign, t = -sign, Bin(t.op, t.left.arg, t.right)
        elif isinstance(t, Num) and t.value < 0:
            sign, t = -sign, Num(-t.value)
        else:
            return t, sign


def _plus(terms: list[Tree]) -> Tree:
    if not terms:
        return Num(0.0)
    if len(terms) == 1:
        return terms[0]
    flat: list[Tree] = []
    for t in terms:
        flat.extend(t.terms if isinstance(t, Sum) else [t])
    return Sum(tuple(sorted(flat, key=lambda t: (isinstance(t, Neg), text(t)))))


def _where(sp: Spelling, trees: Sequence[Tree], defined: Set[int] = frozenset()
           ) -> tuple[Line, ...]:
    """The unnamed nodes the trees mention by id (and not `defined` already), each defined
    in the program's names: an unnamed operand with no other use written out (`f =
    tanh(w1*x1 + w2*x2 + b)`), one used elsewhere too given a where line of its own; in
    evaluation order."""
    seen: dict[int, Tree] = {}
    todo = [x for t in trees for x in _names(t)]
    while todo:
        i = todo.pop()
        if i in seen or i in defined or sp.plain[i]:
            continue
        seen[i] = sp.written(i)
        todo.extend(_names(seen[i]))
    return tuple(Line(sp.graph.ids[i], seen[i], i) for i in sorted(seen))


def _names(t: Tree) -> list[int]:
    """The nodes a tree names (by value or δ)."""
    out: list[int] = []
    stack = [t]
    while stack:
        x = stack.pop()
        if isinstance(x, Name):
            out.append(x.node)
        elif isinstance(x, Call):
            stack.extend(x.args)
        elif isinstance(x, Bin):
            stack.extend((x.left, x.right))
        elif isinstance(x, Neg):
            stack.append(x.arg)
        elif isinstance(x, Chain):
            stack.extend(x.factors)
        elif isinstance(x, Sum):
            stack.extend(x.terms)
    return out


# --- the diff command's stage ------------------------------------------------------------

# --check: a formula's value against the engine's, relative to the larger of them and of
# the terms the formula adds (trees.magnitude)
RTOL, ATOL = 1e-9, 1e-12


def diff(program: Analysis, values: Mapping[str, str | float] | None = None, *,
         wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
         check: bool = False, expand: bool = False, budget: float | None = 5.0
         ) -> DiffResult | IndexDiff:
    """`bpcalc diff`: the reverse pass as formulas; with `values`, each formula's value
    there (the forward values put in for the names), `check` them against the engine's
    adjoints and gradient; `expand`: SymPy's derivative in the inputs alone as well."""
    from .. import analysis
    from ..evaluate import evaluate
    from ..graphs.graph import edge_formula
    from ..results.formulas import DiffResult, LineCheck

    graph = program.graph(outputs)
    wrt_t = tuple(analysis.wrt_inputs(graph, wrt))
    element_wise = None
    if graph.families and not expand:  # one formula a family, where the trees cover it
        from .index_diff import index_diff
        from .indexed import Unsupported

        try:
            return index_diff(program, graph, wrt_t, values, check)
        except Unsupported as exc:  # every element's formulas, as for a program of scalars
            element_wise = str(exc)
    fs = backprop(graph, wrt_t)
    ids = graph.ids
    edges = tuple((ids[e.src], ids[e.dst], edge_formula(graph, e), tree)
                  for e, (_, tree) in zip(graph.edges, fs.edges))
    point = got = checks = None
    if values or (check and not graph.input_at):  # a program without inputs: its one point
        r = analysis.grad(graph, values or {}, "reverse", list(wrt_t))
        point = cast(dict[str, float], dict(r.inputs))
        node_values = evaluate(graph, point).values  # (r.nodes would make every NodeInfo)
        got, checked = {}, []
        for b in fs.blocks:
            adj = {i: cast(float, a[b.output]) for i, a in enumerate(r.adjoints or [])
                   if a[b.output] is not None}
            for ln in b.where:
                got[b.output, ln.left] = value(ln.tree, node_values, adj)
            for ln, want in [*((d, adj[d.node]) for d in b.deltas),
                             *((g, r.jacobian[b.output][w]) for g, w in zip(b.gradient, wrt_t))]:
                v = value(ln.tree, node_values, adj)
                got[b.output, ln.left] = v
                ok = abs(v - want) <= ATOL + RTOL * max(abs(v), abs(want))
                if not ok:  # rounding grows with the terms the formula adds
                    size = magnitude(ln.tree, node_values, adj)
                    ok = math.isfinite(size) and abs(v - want) <= ATOL + RTOL * size
                checked.append(LineCheck(ln.left, v, want, ok))
        for ln in fs.where:
            got["", ln.left] = value(ln.tree, node_values, {})
        checks = tuple(checked) if check else None
    elif check:
        from ..errors import InputError

        raise InputError("--check needs a point: give each input as NAME=VALUE")
    expanded = None
    if expand:
        from ..symbolic.derive import derive

        expanded = derive(program, values or None, wrt=wrt_t, outputs=outputs, budget=budget)
    return DiffResult(program.source, tuple(o for o, _ in graph.outputs), wrt_t, fs, edges,
                      point, got, expanded, checks, element_wise)
