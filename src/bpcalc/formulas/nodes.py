"""How a formula writes each node of a graph (formulas.py): by its name, or an unnamed node
private to one named statement written out (`2*(out - y)`), and each edge's local
derivative in those spellings, the op table's formula text read into trees once."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from ..graphs.graph import Graph
from ..numbers import number_text
from ..ops import OPS, partial_text
from .trees import Name, Num, Tree, parse, replace, substitute, text

INLINE = 30  # an unnamed operand written out up to this many characters, else `where`

_parsed = functools.lru_cache(maxsize=4096)(parse)  # a template text is read once


def _templates(op: str, slot: int, constants: tuple[float | None, ...]) -> Tree:
    row = OPS[op]
    operands = [f"§{k}" if c is None else number_text(c) for k, c in enumerate(constants)]
    return _parsed(partial_text(row, slot, operands))


def _definition(op: str, constants: tuple[float | None, ...]) -> Tree:
    row = OPS[op]
    operands = [f"§{k}" if c is None else number_text(c) for k, c in enumerate(constants)]
    return _parsed(row.text.format(*operands))


class Spelling:
    """How a formula writes each node's value, made once per graph in evaluation order (a
    node's operands before it; no recursion, however deep the program):

    * `ref[i]`: in a formula: its name, or (an unnamed node private to one named statement,
      `inline`) its definition written out up to INLINE characters;
    * `short[i]`: in a `where` line's definition: an unnamed operand with no other use
      written out up to 2*INLINE characters, else its id."""

    def __init__(self, graph: Graph) -> None:
        ids, keys, n = graph.ids, graph.keys, len(graph.keys)
        named_set = {*graph.names, *graph.input_at}
        elements = {v for f in graph.families.values() for v in f.elements.values()}
        self.graph = graph
        self.plain = [ids[i].split(".")[0] in named_set or keys[i][0] == "input"
                      or i in elements for i in range(n)]  # a family's h1[3] is named too
        self.consumers = [0] * n
        user = [-1] * n  # each node's first consumer
        for src, dst in zip(graph.esrc, graph.edst):
            self.consumers[src] += 1
            if user[src] < 0:
                user[src] = dst
        outputs = {j for _, j in graph.outputs}
        self.inline = [False] * n
        for i in range(n - 1, -1, -1):
            if self.plain[i] or i in outputs or self.consumers[i] != 1 \
                    or keys[i][0] in ("input", "const"):
                continue
            self.inline[i] = self.plain[user[i]] or self.inline[user[i]]
        self.ref: list[Tree] = []
        self.short: list[Tree] = []
        for i in range(n):
            name = Name(ids[i], i)
            ref: Tree = name
            if self.inline[i]:
                written = self.define(i, [self.ref[a] if a >= 0 else Num(graph.consts[~a])
                                          for a in keys[i][1:]])
                ref = written if len(text(written)) <= INLINE else name
            self.ref.append(ref)
            short: Tree = name
            if not self.plain[i] and self.consumers[i] == 1 and keys[i][0] != "input":
                if not isinstance(ref, Name | Num):
                    short = ref
                elif keys[i][0] != "const":
                    full = self.written(i)
                    short = full if len(text(full)) <= 2 * INLINE else name
            self.short.append(short)

    def constants(self, i: int) -> tuple[float | None, ...]:
        g = self.graph
        return tuple(None if a >= 0 else g.consts[~a] for a in g.keys[i][1:])

    def define(self, i: int, operands: Sequence[Tree]) -> Tree:
        """Node i's definition over these operand trees."""
        return substitute(_definition(self.graph.keys[i][0], self.constants(i)), operands)

    def written(self, i: int) -> Tree:
        """Node i's definition in a where line: its private operands written out."""
        g = self.graph
        return self.define(i, [Num(g.consts[~a]) if a < 0 else
                               self.short[a] if not self.plain[a] and self.consumers[a] == 1
                               else self.ref[a] for a in g.keys[i][1:]])

    def locals(self) -> list[Tree]:
        """Each edge's local derivative in the program's names, in edge order (grouped by
        the node they enter, then by operand); the node's own value by its name where it
        has one (1 - h1^2)."""
        g = self.graph
        out = []
        for dst, key in enumerate(g.keys):
            if not any(a >= 0 for a in key[1:]) or key[0] == "const":
                continue
            operands = [self.ref[a] if a >= 0 else Num(g.consts[~a]) for a in key[1:]]
            consts = self.constants(dst)
            own = self.ref[dst]
            definition = self.define(dst, operands) if isinstance(own, Name) else None
            for slot, a in enumerate(key[1:]):
                if a >= 0:
                    tree = substitute(_templates(key[0], slot, consts), operands)
                    out.append(tree if definition is None else replace(tree, definition, own))
        return out
