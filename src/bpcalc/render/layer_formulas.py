"""The families of a GradResult and the index formulas between them, for layers.py.

A node's family comes from its id (`W1[2,1]` is W1's, `score` is the scalar score's); a
generated node belongs to the definitions that read it. An edge's label is read off one
representative element (the family's last, whose indices differ from the first's): the sum
over the paths from one operand element up to it, through its definition's generated nodes,
of the product of their local derivatives' formula text, with every element's numbers
written as the program's index names (W1[16,1] -> W1[j,i]). A formula that still reads an
element by number is true of the representative alone, and is said of it alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from ..results.grad import EdgeInfo, GradResult, NodeInfo
from . import explain

ID = re.compile(r"[^\W\d]\w*(?:\.\d+)?(?:\[[0-9,]+\])?")  # a node id in formula text
TARGET = re.compile(r"\s*([^\W\d]\w*)\s*(?:\[([^\]]*)\])?\s*(?:[-+*/^]?=)(?!=)")
READ = re.compile(r"([^\W\d]\w*)\[([^\]]*)\]")  # an indexed read in the program text
VARS = "ijklmn"  # index names for a family the program never indexes by name
PATHS = 4  # paths summed in one label; past it, the label says how many
TEST_POINTS = (-2.0, -0.5, 0.5, 2.0)
EXPANSIONS, LONGEST = 4, 48  # a label's generated nodes written out: how deep, how long
SELF = "\x00"  # stands for the element itself while a formula is rewritten

# --- families and their edges ----------------------------------------------------------------

def targets(source: str) -> dict[str, list[str]]:
    """Each name the program assigns -> its defining statements, as written."""
    out: dict[str, list[str]] = {}
    for st in explain.statements(source):
        m = TARGET.match(st)
        if m and not re.match(r"\s*[^\W\d]\w*\s*\(", st):  # not a function's definition
            out.setdefault(m.group(1), []).append(st)
    return out


def index_names(source: str) -> dict[str, list[str]]:
    """Each family's indices as the program first writes them by name: W1 -> [j, i]."""
    out: dict[str, list[str]] = {}
    for m in READ.finditer(source):
        parts = [p.strip() for p in m.group(2).split(",")]
        if m.group(1) not in out and all(re.fullmatch(r"[^\W\d]\w*", p) for p in parts):
            out[m.group(1)] = parts
    return out


def family_of(node_id: str) -> str:
    """`W1[2,1]` -> W1; `L.1` (an earlier version of L) -> L; `score` -> score."""
    return node_id.partition("[")[0].partition(".")[0]


class Graph(NamedTuple):
    """The result's graph as indices: each node's operand edges, and which nodes are named."""

    nodes: tuple[NodeInfo, ...]  # the result's, made once (a result makes them when read)
    edges: tuple[EdgeInfo, ...]
    at: dict[str, int]  # node id -> index
    into: list[list[EdgeInfo]]  # per node, the edges into it
    named: list[bool]

    def cone(self, e: int) -> list[int]:
        """The unnamed nodes that node e's definition reads, through other unnamed nodes
        (an explicit stack), in evaluation order."""
        seen: set[int] = set()
        stack = [e]
        while stack:
            for x in self.into[stack.pop()]:
                s = self.at[x.src]
                if not self.named[s] and s not in seen:
                    seen.add(s)
                    stack.append(s)
        return sorted(seen)

    def operands(self, e: int) -> list[int]:
        """The named nodes that node e's definition reads: its cone's named operands."""
        found: dict[int, None] = {}
        for d in [e, *self.cone(e)]:
            for x in self.into[d]:
                s = self.at[x.src]
                if self.named[s]:
                    found[s] = None
        return list(found)


def graph_of(r: GradResult) -> Graph:
    nodes, edges = tuple(r.nodes), tuple(r.edges)
    index = {n.id: i for i, n in enumerate(nodes)}
    into: list[list[EdgeInfo]] = [[] for _ in nodes]
    for e in edges:
        into[index[e.dst]].append(e)
    return Graph(nodes, edges, index, into, named_nodes(r.expression, nodes))


def named_nodes(source: str, nodes: Sequence[NodeInfo]) -> list[bool]:
    """Which nodes the program names: inputs, elements (`h1[3]`) and the scalars its
    statements assign (a bare id that a family's statement would assign is generated)."""
    scalars = {name for name, sts in targets(source).items()
               if any(TARGET.match(st).group(2) is None for st in sts)}  # type: ignore[union-attr]
    return [n.op == "input" or "[" in n.id or family_of(n.id) in scalars for n in nodes]


# --- edge labels: the index formula of a local derivative -----------------------------------

def label(r: GradResult, g: Graph, sources: list[int], elements: list[int]) -> list[str]:
    """`∂h1[j]/∂W1[j,i]` and `= x[i]·(h1[j] > 0)` for the edge from the family whose
    nodes are `sources` to the one whose nodes are `elements`."""
    spelled = index_names(r.expression)
    e = elements[-1]  # the representative: the last element (indices unlike the first's)
    mine = set(sources)
    bound = [s for s in g.operands(e) if s in mine]
    if not bound:
        return []
    target = g.nodes[e].id
    names = _names(target, spelled, {})
    src = next((i for i in bound if _consistent(g.nodes[i].id, spelled, names)), bound[0])
    names = _names(g.nodes[src].id, spelled, names)
    cone = g.cone(e)
    paths, count = _paths(src, e, set(cone), g)
    head = f"∂{_spell(target, names, spelled)}/∂{_spell(g.nodes[src].id, names, spelled)}"
    if count > PATHS:
        return [head, f"= a sum over {count:,} paths"]
    rewrite = _rewriter(g, e, cone, names, spelled)
    terms = [t for t in (_term([rewrite(x.local) for x in path]) for path in paths) if t]
    formula = "= " + (" + ".join(terms).replace("+ -", "- ") if terms else "0")
    if _unnamed_index(formula, spelled):  # true of this element only: said of it alone
        plain = _rewriter(g, e, cone, {}, {})
        terms = [t for t in (_term([plain(x.local) for x in path]) for path in paths) if t]
        head = f"∂{target}/∂{g.nodes[src].id}"
        formula = "= " + (" + ".join(terms).replace("+ -", "- ") if terms else "0")
    return [head, formula]


def _term(factors: list[str]) -> str:
    """A path's product: its factors with 1s left out and -1s as a sign; '' if one is 0."""
    factors = [f for f in factors if f != "1"]
    if "0" in factors:  # a comparison's edge: nothing passes through it
        return ""
    sign = "-" if factors.count("-1") % 2 else ""
    factors = [f for f in factors if f != "-1"]
    if len(factors) > 1 or sign:  # a sum inside a product keeps its parentheses
        factors = [f"({f})" if _loose(f) else f for f in factors]
    return sign + ("·".join(factors) if factors else "1")


def _loose(text: str) -> bool:
    """Whether text has a + or - outside parentheses (a sum, or a leading minus)."""
    depth = 0
    for k, c in enumerate(text):
        depth += (c in "([") - (c in ")]")
        if depth == 0 and c in "+-" and (k == 0 or text[k - 1] in " ("):
            return True
    return False


def _unnamed_index(formula: str, spelled: dict[str, list[str]]) -> bool:
    """Whether the formula reads an element by number of a family the program indexes by
    name: `u[2]·u[3]` for ∂z/∂u[i] holds at i = 1 only."""
    return any(m.group(1) in spelled and re.search(r"\d", m.group(2))
               for m in READ.finditer(formula))


def _names(node_id: str, spelled: dict[str, list[str]],
           names: dict[int, str]) -> dict[int, str]:
    """`names` (index number -> the name it stands for) with the element's indices added:
    W1[16,1] spelled W1[j,i] adds 16 -> j and 1 -> i, where a number is not named yet."""
    out = dict(names)
    fam, _, rest = node_id.partition("[")
    if not rest:
        return out
    nums = [int(v) for v in rest.rstrip("]").split(",")]
    vars_ = spelled.get(fam) or list(VARS[:len(nums)])
    for n, v in zip(nums, vars_):
        out.setdefault(n, v)
    return out


def _consistent(node_id: str, spelled: dict[str, list[str]], names: dict[int, str]) -> bool:
    """Whether an element's indices can be named without clashing: each number new or
    already standing for the same name, and no two numbers of the element alike."""
    fam, _, rest = node_id.partition("[")
    if not rest:
        return True
    nums = [int(v) for v in rest.rstrip("]").split(",")]
    vars_ = spelled.get(fam) or list(VARS[:len(nums)])
    taken = {v: n for n, v in names.items()}
    return len(set(nums)) == len(nums) and all(
        names.get(n, v) == v and taken.get(v, n) == n for n, v in zip(nums, vars_))


def _spell(node_id: str, names: dict[int, str], spelled: dict[str, list[str]]) -> str:
    """An element with its numbers as names: W1[16,1] -> W1[j,i]; a scalar as it is."""
    fam, _, rest = node_id.partition("[")
    if not rest:
        return node_id
    nums = [int(v) for v in rest.rstrip("]").split(",")]
    return fam + "[" + ",".join(names.get(n, str(n)) for n in nums) + "]"


def _paths(src: int, dst: int, cone: set[int], g: Graph) -> tuple[list[list[EdgeInfo]], int]:
    """The paths of edges from src up to dst through the cone's nodes (the first PATHS),
    and how many there are (counted in evaluation order, not listed)."""
    reach = {src: 1}  # node -> paths from src to it
    for d in [*sorted(cone), dst]:
        n = sum(reach.get(g.at[x.src], 0) for x in g.into[d])
        if n:
            reach[d] = n
    out: list[list[EdgeInfo]] = []
    cells: list[tuple[EdgeInfo, int]] = []  # a path's edges from dst down: (edge, next cell)
    stack: list[tuple[int, int]] = [(dst, -1)]
    while stack and len(out) < PATHS:  # from dst down to src, an explicit stack
        node, tail = stack.pop()
        for x in g.into[node]:
            s = g.at[x.src]
            if s == src:
                path, k = [x], tail
                while k >= 0:
                    path.append(cells[k][0])
                    k = cells[k][1]
                out.append(path)
            elif s in cone and s in reach:
                cells.append((x, tail))
                stack.append((s, len(cells) - 1))
    return out[:PATHS], reach.get(dst, 0)


def _rewriter(g: Graph, e: int, cone: list[int], names: dict[int, str],
              spelled: dict[str, list[str]]) -> Callable[[str], str]:
    """A local derivative's formula text with every element's indices named, and the
    element's own operand (a generated node) written through the element itself where the
    op table allows: `1 - tanh(u)^2` -> `1 - h1[j]^2`, `(u > 0)` -> `(h1[j] > 0)` for relu,
    whose derivative reads the same at its value."""
    node = g.nodes[e]
    me = _spell(node.id, names, spelled)
    arg = _sole_operand(g, e)
    by_output = arg is not None and _reads_same_at_value(node.op)
    inner = {g.nodes[i].id: g.nodes[i].expr for i in cone}

    def one(m: re.Match[str]) -> str:
        return _spell(m.group(0), names, spelled)

    def rewrite(text: str) -> str:
        if arg is not None:  # the element itself, where its operand's text allows
            text = text.replace(f"{node.op}({arg})", SELF)
            if by_output:
                text = re.sub(rf"(?<![\w\[]){re.escape(arg)}(?![\w\[])", SELF, text)
        for _ in range(EXPANSIONS):  # a generated node in the text: its definition instead
            if not any(m.group(0) in inner for m in ID.finditer(text)):
                break
            text = ID.sub(lambda m: _inlined(m, inner), text)
        if len(text) > LONGEST or any(m.group(0) in inner for m in ID.finditer(text)):
            return "…"  # too long to say on an edge: the box has the definition
        return ID.sub(one, text).replace(SELF, me)

    return rewrite


LEVELS = {"<": 0, ">": 0, "=": 0, "+": 1, "-": 1, "*": 2, "/": 2, "^": 3}  # by binding


def _binding(text: str) -> int:
    """How tightly text holds together: its loosest operator outside parentheses (0 for a
    comparison up to 3 for a power; 4 for a name, a number or a call). A minus sign counts
    as a subtraction, which at worst adds parentheses."""
    depth, loosest = 0, 4
    for c in text:
        depth += (c in "([") - (c in ")]")
        if depth == 0 and c in LEVELS:
            loosest = min(loosest, LEVELS[c])
    return loosest


def _inlined(m: re.Match[str], inner: dict[str, str]) -> str:
    """A generated node's id in formula text replaced by its definition, in parentheses
    unless it binds more tightly than the operators on either side (`1 - y * score`)."""
    token = m.group(0)
    if token not in inner:
        return token
    before, after = m.string[:m.start()].rstrip(), m.string[m.end():].lstrip()
    beside = [LEVELS[c] for c in (before[-1:], after[:1]) if c and c in LEVELS]
    body = inner[token]
    return body if _binding(body) > max(beside, default=-1) else f"({body})"


def _sole_operand(g: Graph, e: int) -> str | None:
    node = g.nodes[e]
    ops = [x.src for x in g.into[e]]
    return ops[0] if len(ops) == 1 and node.op not in ("input", "const") else None


def _reads_same_at_value(op: str) -> bool:
    """Whether a one-operand op's derivative at u equals its derivative at op(u), at a few
    points: then a formula in u may be written in the op's value (relu: (u > 0))."""
    from ..ops import OPS

    row = OPS.get(op)
    if row is None or row.arity != 1:
        return False
    try:
        for t in TEST_POINTS:
            o = row.value(t)
            if row.partials[0](t, o) != row.partials[0](o, row.value(o)):
                return False
    except (ArithmeticError, ValueError):
        return False
    return True
