"""Many lines of one shape fed to the graph builder at once, in columns (see shapes.py).

A run such as `x = sin(x)*a + b` or `loss += (w_17*0.98 - 1.3)^2`, line after line,
makes the same nodes on every line in the same order, all of them new. Then node k of
line j is number base + j*A + k, and the keys and edges of a whole chunk of lines are
zips of ranges, made without a Python statement per line.

That holds when
* the target is one name throughout;
* each other name is one name bound before the chunk (the target's is the line
  before's result), or a new input on every line;
* every operation has among its operands a node made on its own line or the line
  before's result, the last node that line made.
Then no key of a line after the first can exist before it (it holds a node made since);
the first line's keys are looked up, and two operations of one line that could have one
key are refused. Anything else is left to the line-by-line reader, which gives the same
graph: `put` changes nothing but the constants (made in the order that reader makes
them) when it refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import chain, compress, count, repeat
from operator import is_
from typing import NamedTuple, cast

from ..text.parser import RESERVED, Program, Statement
from .builder import Builder, run
from .graph import Key


class Ref(NamedTuple):
    """An operand of one line's operation, the same on every line of the chunk."""

    kind: str  # "n": the line's node arg; "p": the line before's result; "f": the operand
    # arg, bound before the chunk; "c": the number atom arg (its constant, line by line)
    arg: int = 0

    def fresh(self) -> bool:
        """A node made on this line or the line before: never in a key made earlier."""
        return self.kind in ("n", "p")

    def edge(self) -> bool:
        """A node, so an edge (constants are operands without edges)."""
        return self.kind in ("n", "p") or (self.kind == "f" and self.arg >= 0)


class Line(NamedTuple):
    made: list[tuple[str, tuple[Ref, ...]]]  # ("input", ()) or (op, operands), in order
    numbers: list[int]  # the number atoms, in the order they are read
    inputs: dict[int, int]  # which made nodes are new inputs: node k -> its atom


def put(b: Builder, known: dict[str, int], new_atom: Callable[[str], int],
        st: Statement, target_atom: int, rows: list[tuple[str, ...]]) -> int | None:
    """Feed `b` the lines `rows` (their atoms) of the one-statement shape `st`, as the
    line-by-line reader would; the last line's result, or None when they cannot go in
    columns. `known` maps atoms read so far to operands; `new_atom` reads a new one."""
    count = len(rows)
    cols = list(zip(*rows))
    tcol = cols[target_atom]
    prev: int | None = None  # SSA: the atom that reads the line before's target
    if tcol.count(tcol[0]) == count:  # one name throughout: x = sin(x)*a + b
        before = known.get(tcol[0])  # the target's node before the first row
    else:  # a new name each line, read by the next: x2 = sin(x1)*a + b
        prev = _ssa(cols, target_atom, known, st)
        before = None if prev is None else known.get(cols[prev][0])
    if before is None or before < 0:
        return None
    refs = _kinds(cols, target_atom, prev, known)
    if refs is None:
        return None
    line = _line(st, refs)
    if line is None or _may_share_a_key(line.made, before):
        return None
    made = line.made
    base, width = len(b.keys), len(made)
    stop = base + count * width
    ids = [list(range(base + k, stop, width)) for k in range(width)]  # node k, line by line
    previous = [before, *ids[-1][:-1]]
    consts = _constants(known, new_atom, cols, line.numbers)

    def column(r: Ref) -> Iterable[int]:
        if r.kind == "n":
            return ids[r.arg]
        if r.kind == "p":
            return previous
        if r.kind == "c":
            return consts[r.arg]
        return repeat(r.arg, count)

    made_keys, firsts, src, dst, ops = _columns(made, column, ids, count)
    if before != base - 1:  # made by a line read one by one: its keys may exist
        if any(map(b.exists, firsts)):
            return None
    results = ids[-1]
    # The names made here, in reading order (as Builder.read and Builder.assign make them):
    # each line's new inputs, then, for SSA names, its target.
    inputs = [k for k, (op, _) in enumerate(made) if op == "input"]
    name_cols = [cols[line.inputs[k]] for k in inputs]
    node_cols = [ids[k] for k in inputs]
    new_inputs = named = _pairs(name_cols, node_cols)
    if prev is not None:
        named = _pairs([*name_cols, tcol], [*node_cols, results])
    known.update(named)
    b.extend(chain.from_iterable(zip(*made_keys)), chain.from_iterable(zip(*src)),
             chain.from_iterable(zip(*dst)), (base, stop, width, [(k, ids[k]) for k in ops]),
             new_inputs, named)
    if prev is None:
        known[tcol[0]] = results[-1]
        b.assign_run(tcol[0], results)
    return results[-1]


def _pairs(names: Sequence[Sequence[str]], nodes: Sequence[Sequence[int]]) -> list[tuple[str, int]]:
    """(name, node) line by line, each line's columns in order."""
    if not names:
        return []
    return list(zip(chain.from_iterable(zip(*names)), chain.from_iterable(zip(*nodes))))


def _ssa(cols: list[tuple[str, ...]], target_atom: int, known: dict[str, int],
         st: Statement) -> int | None:
    """For targets that are new names, one a line: the atom that reads, on each line, the
    line before's target (on the first line a name bound before). None unless there is one
    and the targets are names never met, which nothing else on these lines reads."""
    tcol = cols[target_atom]
    if st.update is not None or len(set(tcol)) != len(tcol) or min(tcol)[0] <= "9" \
            or not known.keys().isdisjoint(tcol) or not RESERVED.isdisjoint(tcol):
        return None
    for a, col in enumerate(cols):
        if a != target_atom and col[1:] == tcol[:-1] and col[0][0] > "9":
            return a
    return None


def _columns(made: list[tuple[str, tuple[Ref, ...]]], column: Callable[[Ref], Iterable[int]],
             ids: list[list[int]], count: int) -> tuple[list[Iterable[Key]], list[Key],
                                                        list[Iterable[int]], list[Iterable[int]],
                                                        list[int]]:
    """The chunk's nodes column by column: the keys of each made node (line by line), each
    operation's key on the first line, the edges' ends, and which nodes are operations."""
    made_keys: list[Iterable[Key]] = []
    firsts: list[Key] = []
    src: list[Iterable[int]] = []
    dst: list[Iterable[int]] = []
    ops: list[int] = []  # which of the nodes are operations (the rest are inputs)
    for k, (op, args) in enumerate(made):
        if op == "input":
            made_keys.append(repeat(("input",), count))
            continue
        ops.append(k)
        keys: list[Key] = list(zip(repeat(op, count), *map(column, args)))
        made_keys.append(keys)
        firsts.append(keys[0])
        for r in args:
            if r.edge():
                src.append(column(r))
                dst.append(ids[k])
    return made_keys, firsts, src, dst, ops


def _kinds(cols: list[tuple[str, ...]], target_atom: int, prev: int | None,
           known: dict[str, int]) -> dict[int, Ref | None] | None:
    """Each atom's operand on every line: a Ref, or None for a new input on each line;
    None when some atom is neither one name bound before nor new names throughout. The line
    before's result is the target's name, or with SSA names the atom `prev`."""
    count = len(cols[0])
    target = cols[target_atom][0]
    refs: dict[int, Ref | None] = {}
    fresh: list[int] = []
    for a, col in enumerate(cols):
        name = col[0]
        if a == prev or (a == target_atom and prev is not None):
            refs[a] = Ref("p")  # the target itself is only written, never read, there
        elif name[0] <= "9":
            refs[a] = Ref("c", a)
        elif col.count(name) != count:
            refs[a] = None
            fresh.append(a)
        elif name == target:
            refs[a] = Ref("p")
        elif name in known:
            refs[a] = Ref("f", known[name])
        else:
            return None  # a reserved constant, or one name new here: rare enough
    if fresh:
        names = set().union(*(cols[a] for a in fresh))
        if len(names) != count * len(fresh) or not known.keys().isdisjoint(names) \
                or not RESERVED.isdisjoint(names) \
                or (prev is not None and not names.isdisjoint(cols[target_atom])):
            return None
    return refs


class _Refs:
    """A sink for the interpreter (builder.run): one line of the shape, symbolically."""

    def __init__(self, refs: dict[int, Ref | None]) -> None:
        self.refs = refs
        self.made: list[tuple[str, tuple[Ref, ...]]] = []
        self.numbers: list[int] = []
        self.inputs: dict[int, int] = {}
        self.stale = False  # an operation with no operand made on this line or the one before

    def literal(self, value: float) -> Ref:
        raise AssertionError("a shape's numbers are placeholders, read as names")

    def read(self, name: str) -> Ref:
        a = int(name[1:])
        ref = self.refs[a]
        if ref is None:  # a new input, made where it is read
            ref = Ref("n", len(self.made))
            self.inputs[len(self.made)] = a
            self.made.append(("input", ()))
        elif ref.kind == "c":
            self.numbers.append(a)
        return ref

    def apply(self, op: str, args: list[Ref], pos: int) -> Ref:
        self.stale = self.stale or not any(r.fresh() for r in args)
        self.made.append((op, tuple(args)))
        return Ref("n", len(self.made) - 1)

    def assign(self, name: str, value: Ref) -> None:
        pass


def _line(st: Statement, refs: dict[int, Ref | None]) -> Line | None:
    """One line of `st`, symbolically: the nodes it makes and the numbers it reads, in
    order. None when an operation would fold or be the same on every line, or the result
    is not the last node made."""
    sink = _Refs(refs)
    result = run(Program("", (st,)), sink)
    if sink.stale or result != Ref("n", len(sink.made) - 1):
        return None
    return Line(sink.made, sink.numbers, sink.inputs)


def _may_share_a_key(made: list[tuple[str, tuple[Ref, ...]]], before: int) -> bool:
    """Whether two operations of one line could have one key on some line. Operand by
    operand: the line's nodes differ from everything else and each other; the line
    before's result and names bound to nodes differ when their nodes do (that result is
    `before` on the first line, a new node after); numbers, and names bound to them, may
    be equal. So two operations may share a key when op and these classes are equal."""
    def cls(r: Ref) -> object:
        if r.kind == "n":
            return r
        if r.kind == "p":
            return before
        return r.arg if r.kind == "f" and r.arg >= 0 else "a constant"

    keys = [(op, *map(cls, args)) for op, args in made if op != "input"]
    return len(set(keys)) < len(keys)


def _constants(known: dict[str, int], new_atom: Callable[[str], int],
               cols: list[tuple[str, ...]], numbers: list[int]) -> dict[int, list[int]]:
    """The operands of the number atoms `numbers` by column, those not met before made
    line after line in the order given, as the line-by-line reader makes them."""
    if not numbers:
        return {}
    texts = list(chain.from_iterable(zip(*(cols[a] for a in numbers))))
    found = list(map(known.get, texts))
    for p in compress(count(), map(is_, found, repeat(None))):  # not met before the chunk
        c = known.get(texts[p])  # met earlier in the chunk
        found[p] = new_atom(texts[p]) if c is None else c
    got = cast(list[int], found)  # every None replaced
    return {a: got[k::len(numbers)] for k, a in enumerate(numbers)}
