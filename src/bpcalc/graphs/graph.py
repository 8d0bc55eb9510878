"""The graph: nodes in evaluation order, hash-consed, with ordered edges (graphs/builder.py
writes it; nothing else does).

A node's operands are node indices (int) or folded constants (float): `b + 1`
is one `add` node with one edge, from b. Identical subexpressions are one node;
`c*c` keeps two edges from c. Ids follow the spec: a program's own names (the
last version of a reassigned name keeps the bare name, earlier ones get `name.k`,
which no user can write), elements of families (`h1[3]`), then generated ids v₁, v₂, ...
in evaluation order, which no program can write either (u₁, u₂, ... where the program has
names like v1 or a family v, and so on: see id_letter).

The graph is kept in flat lists (see Graph); the named views of nodes, edges and ids, and
the formula text of definitions and edges, are made on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

from ..numbers import number_text
from ..ops import OPS, definition_text, partial_text

if TYPE_CHECKING:
    from .families import Family

Operand = int | float  # int: index of an operand node; float: a folded constant
Key = tuple  # ("input",), ("const", ~c), (op, a) or (op, a, b): see Graph
Fold = tuple[int, str, tuple[int, ...]]  # a constant ~c made by folding op over constants


class Node(NamedTuple):
    id: str
    op: str  # "input", "const" or a row of the op table
    args: tuple[Operand, ...]


class Edge(NamedTuple):
    src: int
    dst: int
    slot: int  # which operand of dst


class Graph:
    """A built graph, stored flat so that a million nodes stay small and quick to walk.

    `keys[i]` is node i as plain data: `("input",)`, `("const", c)`, or `(op, a)` and
    `(op, a, b)` with each operand a node index (>= 0) or a folded constant `~c`, which is
    `consts[c]`. `esrc[k]`, `edst[k]` are edge k's ends: grouped by dst in evaluation order,
    then by slot. `nodes`, `edges` and `ids` give the same graph as named tuples and text;
    they are built on first use, so a script that wants only the gradient never makes them.
    """

    def __init__(self, source: str, keys: list[Key], consts: list[float], esrc: list[int],
                 edst: list[int], input_at: dict[str, int],
                 outputs: list[tuple[str, int]], env: dict[str, int],
                 versions: dict[str, list[int]],
                 folds: tuple[Fold, ...] = (), literal: frozenset[int] = frozenset(),
                 settle: Callable[[], None] | None = None,
                 families: Mapping[str, Family] | None = None,
                 origins: list[tuple[int, str, tuple[tuple[int, ...], ...]]] | None = None,
                 sizes: Mapping[str, int] | None = None) -> None:
        self.source = source
        self.keys = keys
        self.consts = consts
        self.esrc = esrc
        self.edst = edst
        self.input_at = input_at  # input name -> node index, in order of first use
        # Every name, in the order first met, and its operand; and every node each name
        # named, in order, where that is more than env says (builder.Builder.versions).
        # `settle` completes env first, where names made in bulk wait (Builder._bulk).
        self._env = env
        self._settle = settle
        self._versions = versions
        # How constants came to be, for exact arithmetic (symbolic/translate.py): every fold
        # in the order made, and the folded constants that the text also writes as numbers.
        self.folds = folds
        self.literal = literal
        # Families (graphs/families.py): name -> its shape, elements and whether an input;
        # and for every statement that defines elements, (the first node it made, the
        # family, the indices it defined), in order
        self.families: Mapping[str, Family] = families or {}
        self.origins = origins or []
        self.sizes: Mapping[str, int] = sizes or {}  # names read as whole numbers: n=10
        self._inputs: tuple[tuple[str, int], ...] | None = None
        self._names: tuple[str, ...] | None = None
        self._ids: list[str] | None = None
        self._nodes: tuple[Node, ...] | None = None
        self._edges: tuple[Edge, ...] | None = None
        # A bare expression's output (an empty key) is named by its node's id.
        self.outputs: tuple[tuple[str, int], ...] = tuple(
            (key or self.ids[i], i) for key, i in outputs)

    @property
    def inputs(self) -> tuple[tuple[str, int], ...]:
        """(input name, node index) pairs: `input_at` as a tuple, made on first use (the
        gradient's path reads `input_at` and never makes 10^5 pairs)."""
        if self._inputs is None:
            self._inputs = tuple(self.input_at.items())
        return self._inputs

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the program assigns, in order; made on first use (error messages ask)."""
        if self._names is None:
            self._settled()
            inputs = self.input_at
            versions = self._versions
            self._names = tuple(n for n in self._env
                                if n not in inputs or len(versions.get(n, ())) > 1)
        return self._names

    @property
    def ids(self) -> list[str]:
        if self._ids is None:
            self._settled()
            self._ids = _assign_ids(self.keys, self._env, self._versions, self.input_at,
                                    self.families)
        return self._ids

    def _settled(self) -> None:
        if self._settle is not None:
            self._settle()
            self._settle = None

    @property
    def nodes(self) -> tuple[Node, ...]:
        if self._nodes is None:
            ids, consts = self.ids, self.consts
            self._nodes = tuple(
                Node(ids[i], k[0], tuple(a if a >= 0 else consts[~a] for a in k[1:]))
                for i, k in enumerate(self.keys))
        return self._nodes

    @property
    def edges(self) -> tuple[Edge, ...]:
        if self._edges is None:
            self._edges = tuple(Edge(a, dst, slot) for dst, k in enumerate(self.keys)
                                for slot, a in enumerate(k[1:]) if a >= 0)
        return self._edges


def operand_text(graph: Graph, a: Operand) -> str:
    return graph.nodes[a].id if type(a) is int else number_text(a)


def node_definition(graph: Graph, node: Node) -> str:
    """`a + b` for an op node, the number for a constant, the id for an input."""
    if node.op == "input":
        return node.id
    if node.op == "const":
        return number_text(node.args[0])
    return definition_text(OPS[node.op], [operand_text(graph, a) for a in node.args])


def edge_formula(graph: Graph, edge: Edge) -> str:
    """The local derivative d(dst)/d(src) as formula text over node ids (`d` for de/dc)."""
    node = graph.nodes[edge.dst]
    return partial_text(OPS[node.op], edge.slot, [operand_text(graph, a) for a in node.args])


SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
PLAIN_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


LETTERS = "vutsrqpnmkhgfdcbaw"  # for generated ids: v first, never e, i, j, l, o, x, y, z


def id_letter(names: Iterable[str]) -> str:
    """The letter of the generated ids: v, or the next of LETTERS where the program has a
    name that v₁ could be taken for (v1, v12, a family v[3]); v if it has them all."""
    near = {name[0] for name in names if len(name) > 1 and name[1:].isdigit()}
    near |= {name for name in names if len(name) == 1}  # a family v: v[1] reads as v₁
    return next((c for c in LETTERS if c not in near), "v")


def _generated_ids(letter: str) -> Iterator[str]:
    """v₁, v₂, ...: an operation the program does not name, numbered in evaluation order
    (the v_i of an evaluation trace). Names are ASCII, so no program can write one; the
    letter is one no program name of the form v1 or v[1] uses, so none reads as another."""
    n = 0
    while True:
        n += 1
        yield letter + str(n).translate(SUBSCRIPTS)


def _assign_ids(keys: list[Key], env: dict[str, int], versions: dict[str, list[int]],
                inputs: dict[str, int], families: Mapping[str, Family]) -> list[str]:
    ids: list[str | None] = [None] * len(keys)
    for name, now in env.items():  # bare names first: the last version of each name
        vs = versions.get(name)
        last = now if vs is None else vs[-1]
        if last >= 0 and ids[last] is None:
            ids[last] = name
    for name, family in families.items():  # then the elements of families: h1[3]
        for key, v in family.elements.items():
            if v >= 0 and ids[v] is None:
                ids[v] = f"{name}[{','.join(map(str, key))}]"
    for name in env:  # then earlier versions: name.0 (the input), name.1, ...
        k = 0 if name in inputs else 1
        for v in versions.get(name, ())[:-1]:
            if v >= 0 and ids[v] is None:  # versions with a name already are skipped
                ids[v] = f"{name}.{k}"
                k += 1
    gen = _generated_ids(id_letter([*env, *families]))
    return [i if i is not None else next(gen) for i in ids]


