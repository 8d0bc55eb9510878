"""Many lines of one shape fed to the graph builder at once, in columns (see runs.py).

A run such as `x = sin(x)*a + b` or `loss += (w_17*0.98 - 1.3)^2`, line after line,
makes the same nodes on every line in the same order, all of them new. Then node k of
line j is number base + j*A + k, and the keys and edges of a whole chunk of lines are
zips of ranges, made without a Python statement per line. A row may also be a group of
lines of different shapes that repeats (three-address code: `t3 = sin(t2)`,
`t4 = t3 * a`, `t5 = t4 + b`, then again), read as one.

That holds when
* the target is one name throughout, or (SSA names, and groups) each statement's target
  is a new name on every row, and some atom reads the last target of the row before;
* each other name is one name bound before the chunk (the target's is the line
  before's result), a target assigned earlier in the same row, or a new input on every
  row;
* every operation has among its operands a node made on its own row or the row
  before's result, the last node that row made.
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
from typing import Any, NamedTuple, TypeVar, cast

from ..text.parser import RESERVED, Program, Statement
from .builder import Builder, run
from .graph import Key

T = TypeVar("T")
Named = tuple[list[str], list[int]]  # names and their nodes, in reading order


class Ref(NamedTuple):
    """An operand of one line's operation, the same on every line of the chunk."""

    kind: str  # "n": the row's node arg; "p": the row before's result; "f": the operand
    # arg, bound before the chunk; "c": the number atom arg (its constant, row by row);
    # "t": the target of the row's statement arg (resolved as the row is interpreted)
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
    results: list[Ref]  # what each statement assigns
    order: list[tuple[str, int]]  # names as made: ("i", input node k) or ("t", statement)


def put(b: Builder, known: dict[str, int], new_atom: Callable[[str], int],
        statements: tuple[Statement, ...], targets: tuple[int, ...],
        rows: list[tuple[str, ...]], after: str, after_node: int | None) -> int | None:
    """Feed `b` the rows `rows` (their atoms) of the shape `statements` (one statement a
    line, its target the atom `targets[s]`), as the line-by-line reader would; the last
    row's result, or None when they cannot go in columns. `known` maps atoms read so far
    to operands (a cache: names are looked up in the builder's env, and names made here
    are left out of it); `new_atom` reads a new one; `after` is the last target of the row
    before, and `after_node` its node when the rows before were read here too (their
    names may not be in env yet, see Builder._bulk)."""
    env = b.env
    count = len(rows)
    cols = list(zip(*rows))
    last = cols[targets[-1]]
    fit = _fit(b, statements, targets, cols, after, after_node)
    if fit is None:
        return None
    prev, before, line = fit
    made = line.made
    base, width = len(b.keys), len(made)
    stop = base + count * width
    ids = [list(range(base + k, stop, width)) for k in range(width)]  # node k, row by row
    new_inputs, named = _names(line, cols, ids, targets, prev is not None)
    # Every name made here must be new: the reader checks them all once, when it ends
    # (Builder.names_were_new, or settle if a lookup comes first). Here only the first two
    # rows' are: names that come back row after row (`t = sin(x); x = t*a + b`) are read
    # one by one, not in columns. None may be reserved (before any constant is made: pi is
    # a name the reader folds), which settle does not see.
    if not _new(env, named[0][:2 * len(named[0]) // count]) \
            or not RESERVED.isdisjoint(named[0]):
        return None
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
    b.extend(_flat(made_keys, count), _flat(src, count), _flat(dst, count),
             (base, stop, width, ops), new_inputs, named)
    if named[0]:  # the last row's names, which the next line reads: known without env
        per_row = len(named[0]) // count
        known.update(zip(named[0][-per_row:], named[1][-per_row:]))
    results = ids[-1]
    if prev is None:
        known[last[0]] = results[-1]
        b.assign_run(last[0], results)
    return results[-1]


def fits(b: Builder, statements: tuple[Statement, ...], targets: tuple[int, ...],
         rows: list[tuple[str, ...]], after: str, after_node: int | None) -> bool:
    """Whether `put` could take rows of this shape, judged on a few of them: a shape that
    cannot go in columns (a group read from the wrong line of its cycle, say) is told
    before thousands of its rows are matched."""
    cols = list(zip(*rows))
    fit = _fit(b, statements, targets, cols, after, after_node)
    if fit is None:
        return False
    prev, _, line = fit
    atoms = [line.inputs[k] for kind, k in line.order if kind == "i"]
    atoms += list(targets) if prev is not None else []
    first = [cols[a][r] for r in range(min(2, len(rows))) for a in atoms]  # as put checks
    return _new(b.env, first) and RESERVED.isdisjoint(first)


def _new(env: dict[str, int], names: list[str]) -> bool:
    """Whether the first rows' names are new: none twice, none in env."""
    return len(set(names)) == len(names) and env.keys().isdisjoint(names)


def _fit(b: Builder, statements: tuple[Statement, ...], targets: tuple[int, ...],
         cols: list[tuple[str, ...]], after: str,
         after_node: int | None) -> tuple[int | None, int, Line] | None:
    """How the rows `cols` (by column) go in columns: the atom that reads the row before's
    result (SSA names) or None (one target throughout), that result's node before the
    first row, and one row symbolically; None when they cannot (see the module)."""
    env, count = b.env, len(cols[0])
    last = cols[targets[-1]]
    prev: int | None = None  # SSA names: the atom that reads the row before's last target
    if len(targets) == 1 and last.count(last[0]) == count:  # x = sin(x)*a + b
        before = b.lookup(last[0])  # the target's node before the first row
    else:  # new names each row, read by the next: x2 = sin(x1)*a + b
        prev = _ssa(cols, targets, env, statements, after)
        before = None if prev is None else \
            after_node if after_node is not None else b.lookup(after)
    if before is None or before < 0:
        return None
    refs = _kinds(cols, targets, prev, env)
    if refs is None:
        return None
    line = _line(statements, refs, prev is not None)
    if line is None or _may_share_a_key(line.made, before):
        return None
    return prev, before, line


def _names(line: Line, cols: list[tuple[str, ...]], ids: list[list[int]],
           targets: tuple[int, ...], new_targets: bool) -> tuple[Named, Named]:
    """The new inputs of the chunk (names, nodes), and every name it makes: in reading
    order, as Builder.read and Builder.assign make them, the targets too if they are new."""
    inputs = [(cols[line.inputs[k]], ids[k]) for kind, k in line.order if kind == "i"]
    count = len(ids[0])
    new_inputs = _flat([c for c, _ in inputs], count), _flat([i for _, i in inputs], count)
    if not new_targets:
        return new_inputs, new_inputs
    names = [(cols[line.inputs[k]], ids[k]) if kind == "i"
             else (cols[targets[k]], ids[line.results[k].arg]) for kind, k in line.order]
    return new_inputs, (_flat([c for c, _ in names], count),
                        _flat([i for _, i in names], count))


def _flat(columns: Sequence[Iterable[T]], count: int) -> list[T]:
    """The columns' items (`count` each) line by line, each line's columns in order: one
    extended slice a column, no tuple a line."""
    if len(columns) == 1:
        return list(columns[0])
    width = len(columns)
    out: list[Any] = [None] * (width * count)  # every item set below
    for k, column in enumerate(columns):
        out[k::width] = column
    return out


def _ssa(cols: list[tuple[str, ...]], targets: tuple[int, ...], env: dict[str, int],
         statements: tuple[Statement, ...], after: str) -> int | None:
    """For targets that are new names on every row: the atom that reads, on each row, the
    row before's last target (on the first row `after`), or None."""
    # The rows' atoms are of the first row's kinds: names, not numbers. That the names are
    # new and distinct is checked with every name the chunk makes, in `put`.
    if any(st.update is not None for st in statements) \
            or any(cols[t][0][0] <= "9" for t in targets):
        return None
    last = cols[targets[-1]]
    for a, col in enumerate(cols):
        if a not in targets and col[0] == after and col[1:] == last[:-1]:
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


def _kinds(cols: list[tuple[str, ...]], targets: tuple[int, ...], prev: int | None,
           env: dict[str, int]) -> dict[int, Ref | None] | None:
    """Each atom's operand on every row: a Ref, or None for a new input on each row; None
    when some atom is neither one name bound before, a target of its row, nor new names
    throughout. The row before's result is the target's name, or the atom `prev`."""
    count = len(cols[0])
    target = cols[targets[-1]][0]
    refs: dict[int, Ref | None] = {}
    for a, col in enumerate(cols):
        name = col[0]
        if a == prev or (a in targets and prev is not None):
            refs[a] = Ref("p")  # a target itself is only written, never read, there
        elif name[0] <= "9":
            refs[a] = Ref("c", a)
        elif prev is not None and (s := _earlier_target(cols, targets, a)) is not None:
            refs[a] = Ref("t", s)
        elif col.count(name) != count:
            refs[a] = None
        elif name == target and prev is None:  # x = sin(x)*a + b: the line before's x
            refs[a] = Ref("p")
        elif name in env:
            refs[a] = Ref("f", env[name])
        else:
            return None  # a reserved constant, or one name new here: rare enough
    return refs  # that the new inputs are new and distinct is checked in `put`


def _earlier_target(cols: list[tuple[str, ...]], targets: tuple[int, ...],
                    a: int) -> int | None:
    """The statement of the row, before atom a's own, whose target atom a reads on every
    row (each statement's atoms start with its target)."""
    for s, t in enumerate(targets):
        if t >= a:
            return None
        if s + 1 < len(targets) and targets[s + 1] <= a and cols[t] == cols[a]:
            return s
    return None


class _Refs:
    """A sink for the interpreter (builder.run): one row of the shape, symbolically."""

    def __init__(self, refs: dict[int, Ref | None]) -> None:
        self.refs = refs
        self.made: list[tuple[str, tuple[Ref, ...]]] = []
        self.numbers: list[int] = []
        self.inputs: dict[int, int] = {}
        self.results: list[Ref] = []
        self.order: list[tuple[str, int]] = []
        self.stale = False  # an operation with no operand made on this row or the one before

    def literal(self, value: float) -> Ref:
        raise AssertionError("a shape's numbers are placeholders, read as names")

    def read(self, name: str) -> Ref:
        a = int(name[1:])
        ref = self.refs[a]
        if ref is None:  # a new input, made where it is read
            ref = Ref("n", len(self.made))
            self.inputs[len(self.made)] = a
            self.order.append(("i", len(self.made)))
            self.made.append(("input", ()))
        elif ref.kind == "c":
            self.numbers.append(a)
        elif ref.kind == "t":
            return self.results[ref.arg]
        return ref

    def apply(self, op: str, args: list[Ref], pos: int) -> Ref:
        self.stale = self.stale or not any(r.fresh() for r in args)
        self.made.append((op, tuple(args)))
        return Ref("n", len(self.made) - 1)

    def assign(self, name: str, value: Ref) -> None:
        self.order.append(("t", len(self.results)))
        self.results.append(value)


def _line(statements: tuple[Statement, ...], refs: dict[int, Ref | None],
          new_names: bool) -> Line | None:
    """One row of `statements`, symbolically: the nodes it makes and the numbers it reads,
    in order. None when an operation would fold or be the same on every row, or the result
    is not the last node made (nor, with `new_names`, each target a node of the row)."""
    sink = _Refs(refs)
    result = run(Program("", statements), sink)
    if sink.stale or result != Ref("n", len(sink.made) - 1):
        return None
    if new_names and any(r.kind != "n" for r in sink.results):
        return None
    return Line(sink.made, sink.numbers, sink.inputs, sink.results, sink.order)


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
