"""Backpropagation as formulas a teacher writes, from the graph's own edges (no SymPy).

For `out = u1*h1 + u2*h2 + d; L = (out - y)^2` the reverse pass, written out:

    δ_out = 2*(out - y)
    δ_h1 = δ_out·u1
    ∂L/∂u1 = δ_out·h1

Every local derivative is the op table's formula text (`ops.partial_text`: tanh' is
`1 - tanh(x)^2`), read into a small formula tree, its operands replaced by what the
program calls them, and the node's own definition by the node's name where the program
names it (`1 - h1^2`, not `1 - tanh(v11*a1 + v12*a2 + c1)^2`). A node's adjoint δ is the
sum over the edges leaving it of (the consumer's δ)·(the edge's local derivative), in the
chain rule's order. Named nodes (and unnamed ones that feed more than one node) get a δ
line of their own, shown once and reused; an unnamed node with one consumer is folded
into its consumer's formulas. An unnamed node whose value a formula needs is written out
where it is short and private to a named statement (`2*(out - y)`), else by its id with a
`where` line (`where c = a + b`), as the article names them.

Trees render as text (the input language's syntax, `·` between chain-rule factors) and as
LaTeX, and evaluate to numbers at a point (`diff --check`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, cast

from ..build.graph import Graph
from ..numbers import number_text
from ..ops import OPS, partial_text
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
    value,
)

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..results.formulas import DiffResult

__all__ = ["Backprop", "Bin", "Call", "Chain", "Formulas", "Line", "Name", "Neg", "Num",
           "Slot", "Sum", "Tree", "backprop", "diff", "latex", "parse", "replace",
           "substitute", "text", "value"]

INLINE = 30  # an unnamed operand written out up to this many characters, else `where`


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


def _templates(op: str, slot: int, constants: Sequence[float | None]) -> Tree:
    row = OPS[op]
    operands = [f"§{k}" if c is None else number_text(c) for k, c in enumerate(constants)]
    return parse(partial_text(row, slot, operands))


def _definition(op: str, constants: Sequence[float | None]) -> Tree:
    row = OPS[op]
    operands = [f"§{k}" if c is None else number_text(c) for k, c in enumerate(constants)]
    return parse(row.text.format(*operands))


def backprop(graph: Graph, wrt: Sequence[str] | None = None) -> Formulas:
    """Every output's reverse pass as formulas (see the module); `wrt` the inputs asked."""
    ids = graph.ids
    keys = graph.keys
    n = len(keys)
    named_set = {*graph.names, *graph.input_at}
    named = [ids[i].split(".")[0] in named_set or keys[i][0] == "input" for i in range(n)]
    consumers = [0] * n
    for src in graph.esrc:
        consumers[src] += 1
    outputs = {j for _, j in graph.outputs}

    def constants(i: int) -> list[float | None]:
        return [None if a >= 0 else graph.consts[~a] for a in keys[i][1:]]

    # inline[i]: an unnamed node private to one named statement, written out where used
    inline = [False] * n
    for i in range(n - 1, -1, -1):
        if named[i] or i in outputs or consumers[i] != 1 or keys[i][0] in ("input", "const"):
            continue
        user = next(d for s, d in zip(graph.esrc, graph.edst) if s == i)
        inline[i] = named[user] or inline[user]

    refs: list[Tree | None] = [None] * n  # how a formula writes node i's value

    def ref(i: int) -> Tree:
        got = refs[i]
        if got is None:
            got = Name(ids[i], i)
            if inline[i]:
                operands = [ref(a) if a >= 0 else Num(graph.consts[~a]) for a in keys[i][1:]]
                written = substitute(_definition(keys[i][0], constants(i)),
                                     [o for o in operands])
                if len(text(written)) <= INLINE:
                    got = written
            refs[i] = got
        return got

    def local(k: int) -> Tree:
        """Edge k's local derivative in the program's names."""
        dst = graph.edst[k]
        op = keys[dst][0]
        slot = graph.edges[k].slot
        operands = [ref(a) if a >= 0 else Num(graph.consts[~a]) for a in keys[dst][1:]]
        tree = substitute(_templates(op, slot, constants(dst)), operands)
        own = ref(dst)
        if isinstance(own, Name):  # the node's own value by its name: 1 - h1^2
            tree = replace(tree, substitute(_definition(op, constants(dst)), operands), own)
        return tree

    edges = tuple((k, local(k)) for k in range(len(graph.esrc)))
    leaving: list[list[int]] = [[] for _ in range(n)]
    for k, src in enumerate(graph.esrc):
        leaving[src].append(k)
    asked = [graph.input_at[w] for w in (wrt or graph.input_at)]
    blocks = []
    for out_name, out in graph.outputs:
        blocks.append(_block(graph, out_name, out, asked, leaving, dict(edges), named,
                             consumers, ref))
    return Formulas(tuple(blocks), edges)


def _block(graph: Graph, out_name: str, out: int, asked: Sequence[int],
           leaving: list[list[int]], locals_: dict[int, Tree], named: list[bool],
           consumers: list[int], ref: Callable[[int], Tree]) -> Backprop:
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
    between = [r and f for r, f in zip(reach, from_inputs)]

    adjoint: list[Tree | None] = [None] * n
    delta_line: list[bool] = [False] * n
    deltas: list[Line] = []
    for v in range(n - 1, -1, -1):  # consumers come later in evaluation order
        if not between[v] and v != out:
            continue
        if v == out:
            adjoint[v] = Num(1.0)
            continue
        terms = []
        for k in leaving[v]:
            d = graph.edst[k]
            if adjoint[d] is None:
                continue
            up = Name(f"δ_{ids[d]}", d, True) if delta_line[d] else cast(Tree, adjoint[d])
            terms.append(_times(up, locals_[k]))
        tree = _plus([t for t in terms if t != Num(0.0)])
        adjoint[v] = tree
        keep = (named[v] or len(leaving[v]) > 1) and graph.keys[v][0] != "input"
        if keep and not _is_simple(tree):
            delta_line[v] = True
            deltas.append(Line(f"δ_{ids[v]}", tree, v))
    gradient = []
    for i in asked:
        tree = cast(Tree, adjoint[i]) if adjoint[i] is not None else Num(0.0)
        gradient.append(Line(f"∂{out_name}/∂{ids[i]}", tree, i))
    trees = [line.tree for line in (*deltas, *gradient)]
    return Backprop(out_name, _in_order(deltas), tuple(gradient),
                    _where(graph, trees, consumers, ref))


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


def _times(a: Tree, b: Tree) -> Tree:
    """a·b with the chain rule's 1s, -1s and zeros folded."""
    fa = list(a.factors) if isinstance(a, Chain) else [a]
    fb = list(b.factors) if isinstance(b, Chain) else [b]
    sign, factors = 1.0, []
    for f in fa + fb:
        f, flips = _unsigned(f)
        sign *= flips
        if isinstance(f, Num):
            if f.value == 0:
                return Num(0.0)
            if abs(f.value) == 1:
                sign *= f.value
                continue
        factors.append(f)
    body: Tree = Num(1.0) if not factors else factors[0] if len(factors) == 1 \
        else Chain(tuple(factors))
    return body if sign > 0 else Neg(body)


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


def _where(graph: Graph, trees: Sequence[Tree], consumers: list[int],
           ref: Callable[[int], Tree]) -> tuple[Line, ...]:
    """The unnamed nodes the trees mention by id, each defined in the program's names: an
    unnamed operand with no other use written out (`f = tanh(w1*x1 + w2*x2 + b)`), one
    used elsewhere too given a where line of its own; in evaluation order."""
    ids, keys = graph.ids, graph.keys
    named_set = {*graph.names, *graph.input_at}

    def plain(i: int) -> bool:
        return ids[i].split(".")[0] in named_set or keys[i][0] == "input"

    def written(i: int) -> Tree:  # node i's definition, private operands written out
        parts: list[Tree] = []
        for a in keys[i][1:]:
            if a < 0:
                parts.append(Num(graph.consts[~a]))
            elif not plain(a) and consumers[a] == 1 and not isinstance(ref(a), Name | Num):
                parts.append(ref(a))
            elif not plain(a) and consumers[a] == 1:
                inner = written(a)
                parts.append(inner if len(text(inner)) <= 2 * INLINE else Name(ids[a], a))
            else:
                parts.append(ref(a))
        consts = [None if a >= 0 else graph.consts[~a] for a in keys[i][1:]]
        return substitute(_definition(keys[i][0], consts), parts)

    seen: dict[int, Tree] = {}
    todo = [x for t in trees for x in _names(t)]
    while todo:
        i = todo.pop()
        if i in seen or plain(i):
            continue
        seen[i] = written(i)
        todo.extend(_names(seen[i]))
    return tuple(Line(ids[i], seen[i], i) for i in sorted(seen))


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

RTOL, ATOL = 1e-9, 1e-12  # --check: a formula's value against the engine's


def diff(program: Analysis, values: Mapping[str, str | float] | None = None, *,
         wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
         check: bool = False, expand: bool = False, budget: float | None = 5.0) -> DiffResult:
    """`bpcalc diff`: the reverse pass as formulas; with `values`, each formula's value
    there (the forward values put in for the names), `check` them against the engine's
    adjoints and gradient; `expand`: SymPy's derivative in the inputs alone as well."""
    from .. import analysis
    from ..build.graph import edge_formula
    from ..results.formulas import DiffResult, LineCheck

    graph = program.graph(outputs)
    wrt_t = tuple(analysis.wrt_inputs(graph, wrt))
    fs = backprop(graph, wrt_t)
    ids = graph.ids
    edges = tuple((ids[e.src], ids[e.dst], edge_formula(graph, e), latex(tree))
                  for e, (_, tree) in zip(graph.edges, fs.edges))
    point = got = checks = None
    if values:
        r = analysis.grad(graph, values, "reverse", list(wrt_t))
        point = cast(dict[str, float], dict(r.inputs))
        node_values = [n.value for n in r.nodes]
        got, checked = {}, []
        for b in fs.blocks:
            adj = {i: cast(float, (r.adjoints or [])[i][b.output]) for i in range(len(ids))
                   if (r.adjoints or [])[i][b.output] is not None}
            for ln in (*b.deltas, *b.gradient, *b.where):
                v = value(ln.tree, cast(list[float], node_values), adj)
                got[b.output, ln.left] = v
                if ln in b.where:
                    continue
                want = adj[ln.node] if ln in b.deltas else r.jacobian[b.output][ids[ln.node]]
                ok = abs(v - want) <= ATOL + RTOL * max(abs(v), abs(want))
                checked.append(LineCheck(ln.left, v, want, ok))
        checks = tuple(checked) if check else None
    elif check:
        from ..errors import InputError

        raise InputError("--check needs a point: give each input as NAME=VALUE")
    expanded = None
    if expand:
        from ..symbolic.derive import derive

        expanded = derive(program, values or None, wrt=wrt_t, outputs=outputs, budget=budget)
    return DiffResult(program.source, tuple(o for o, _ in graph.outputs), wrt_t, fs, edges,
                      point, got, expanded, checks)
