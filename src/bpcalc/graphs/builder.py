"""Program -> graph: the one interpreter of the postfix code, and the one writer of graphs.

`run` walks a program's statements and feeds each instruction to a sink: the Builder makes
graph nodes of them; columns.py feeds it symbolic operands (one row of a run). So what a
statement means is written here once. The general reader (reader.py) makes the same nodes
from text without a program in between, through the same API (`literal`, `read`, `apply2`,
`assign`); families.py runs the programs with families.

The Builder is the only code that writes a graph's lists: hash-consing (identical
subexpressions are one node; `c*c` keeps two edges), constants folded into their operation,
names and their versions, and nodes made many at a time (`extend` for the column reader,
`apply_lanes` and `chain` for families).
Keys made in bulk go into the hash-consing table only when something looks there; every
lookup goes through `make`, which sees to that. Names made in bulk go into `env` only when
something looks for a name `env` lacks (`settle` puts them where they were made, so env's
order is the reading order): a program of 10^5 fresh names reads its gradient without a
dict of them. That they were new is checked once, when the reading ends (`names_were_new`);
a name assigned meanwhile is taken for new, and if it was one of them that check fails.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from ..errors import InputError, MathError
from ..numbers import number_text
from ..ops import OPS, definition_text
from .bulk import Bulk
from .graph import Fold, Graph, Key

if TYPE_CHECKING:
    from ..text.program import Program
    from .families import Family

V = TypeVar("V")
ARITY = {name: row.arity for name, row in OPS.items()}


class Sink(Protocol[V]):
    """What `run` feeds: operands of type V made from numbers, names and operations."""

    def literal(self, value: float) -> V: ...
    def read(self, name: str) -> V: ...
    def apply(self, op: str, args: list[V], pos: int) -> V: ...
    def assign(self, name: str, value: V) -> None: ...


def run(program: Program, sink: Sink[V]) -> V:
    """Feed `program` to `sink`, statement by statement; the last statement's result."""
    from ..text.program import Apply, Name, Num  # the parser's types, when a program is run

    literal, read, apply, assign = sink.literal, sink.read, sink.apply, sink.assign
    result: V | None = None
    for st in program.statements:
        stack: list[V] = []
        for ins in st.code:
            if type(ins) is Num:
                stack.append(literal(ins.value))
            elif type(ins) is Name:
                stack.append(read(ins.name))
            else:
                assert type(ins) is Apply
                k = ARITY[ins.op]
                args = stack[-k:]
                del stack[-k:]
                stack.append(apply(ins.op, args, ins.pos))
        result = stack.pop()
        if st.target is not None:
            if st.update is not None:
                result = apply(st.update, [read(st.target), result], st.pos)
            assign(st.target, result)
    assert result is not None  # a program has a statement
    return result


def attempt(fn: Callable[..., float], argv: Sequence[float]) -> tuple[float, str]:
    """Call a value or partial function; on failure return (nan, why) instead of raising."""
    try:
        v = fn(*argv)
    except ZeroDivisionError:
        return math.nan, "division by zero"
    except OverflowError:
        return math.nan, "overflows a double"
    except ValueError:
        return math.nan, "undefined"
    if math.isfinite(v):
        return v, ""
    return math.nan, "overflows a double" if math.isinf(v) else "undefined"


def value_failure(op: str, why: str, operands: Sequence[str] = ()) -> str:
    """Why op failed, its domain said of its own operands (`it needs a > 0`, where the
    table writes `x > 0`); without operand names, of `its operand`."""
    row = OPS[op]
    if why == "undefined" and row.domain:
        names = list(operands) or (["its operand"] if row.arity == 1 else ["x", "y"])
        domain = re.sub(r"\bx\b", names[0], row.domain)
        if len(names) > 1:
            domain = re.sub(r"\by\b", names[1], domain)
        return f"{op} is undefined here: it needs {domain}"
    return f"{op}: {why}" if why == "division by zero" else f"{op} {why}"


class Builder(Bulk):
    """Makes nodes one at a time, or many at a time (bulk.py): see the module."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.keys: list[Key] = []
        self.consts: list[float] = []
        self.esrc: list[int] = []
        self.edst: list[int] = []
        self.env: dict[str, int] = {}  # name -> its current operand, but see _bulk
        self.inputs: dict[str, int] = {}
        # name -> every operand it held, in order, for a name that held more than one (env
        # alone says which a name holds that held one)
        self.versions: dict[str, list[int]] = {}
        self.program: Program | None = None  # the program read, where the parser read it
        # Names made in bulk and their nodes, in order, that are not in env yet, each run
        # with the size env had then: `settle` puts them in, where they were made, before
        # env is read for a name it lacks.
        self._bulk: list[tuple[int, list[str], list[int]]] = []
        self._cons: dict[Key, int] = {}
        self._const_at: dict[object, int] = {}  # value -> operand; zeros by sign
        self._pending: list[tuple[int, int, int, list[int]]] = []  # see `extend`
        self._folds: list[Fold] = []
        self._folded: set[int] = set()  # constants made by folding
        self._literal: set[int] = set()  # of those, the ones the text also writes
        self._handed_out = False
        # Families (graphs/families.py): name -> Family; and for every element defined, the
        # first node its definition made, its family and its index
        self.families: dict[str, Family] = {}
        self.origins: list[tuple[int, str, tuple[tuple[int, ...], ...]]] = []
        self.sizes: dict[str, int] = {}  # the sizes the program read, and their values

    # --- operands -------------------------------------------------------------------

    def const(self, v: float) -> int:
        """The operand of the constant v: ~c, where consts[c] == v (0.0 and -0.0 differ)."""
        key = v if v else (v, math.copysign(1.0, v))
        c = self._const_at.get(key)
        if c is None:
            c = self._const_at[key] = ~len(self.consts)
            self.consts.append(v)
        return c

    def literal(self, v: float) -> int:
        """A number the text writes."""
        c = self.const(v)
        if c in self._folded:
            self._literal.add(c)
        return c

    def lookup(self, name: str) -> int | None:
        """The operand a name holds, or None for a name never met."""
        v = self.env.get(name)
        if v is None and self._bulk:
            self.settle()
            v = self.env.get(name)
        return v

    def read(self, name: str) -> int:
        """The operand a name holds; a name never assigned is a new input."""
        v = self.env.get(name)
        if v is None and self._bulk:
            v = self.lookup(name)
        if v is None:
            v = self.env[name] = self.inputs[name] = len(self.keys)
            self.keys.append(("input",))
        return v

    def assign(self, name: str, v: int) -> None:
        vs = self.versions.get(name)
        if vs is not None:
            vs.append(v)
        else:  # a new name has no versions entry (env says it all); one made in bulk (its
            old = self.env.get(name)  # one version is in env) is taken for new while in
            if old is not None:  # _bulk, and names_were_new says so
                self.versions[name] = [old, v]
        self.env[name] = v

    # --- nodes ----------------------------------------------------------------------

    def make(self, key: Key) -> int:
        """The node `key` = (op, operand, ...), made unless an identical one exists."""
        if self._pending and self._may_be_pending(key):
            self._flush()
        i = self._cons.get(key)
        if i is None:
            i = self._cons[key] = len(self.keys)
            self.keys.append(key)
            for a in key[1:]:
                if a >= 0:
                    self.esrc.append(a)
                    self.edst.append(i)
        return i

    def fold(self, op: str, args: Sequence[int]) -> int | None:
        """The constant that op gives on the constant operands `args`; None if it fails."""
        v, why = attempt(OPS[op].value, [self.consts[~a] for a in args])
        if why:
            return None
        before = len(self.consts)
        c = self.const(v)
        if ~c < before and c not in self._folded:
            self._literal.add(c)  # the text wrote this number before it was folded to
        self._folded.add(c)
        self._folds.append((~c, op, tuple(~a for a in args)))
        return c

    def apply(self, op: str, args: list[int], pos: int) -> int:
        if len(args) == 2:
            return self.apply2(op, args[0], args[1], pos)
        return self.apply1(op, args[0], pos)

    def apply2(self, op: str, x: int, y: int, pos: int) -> int:
        """`apply` of a binary op, its operands apart (the reader's hot path)."""
        if x < 0 and y < 0:  # constants only: fold
            c = self.fold(op, [x, y])
            if c is None:
                raise self._fold_error(op, [x, y], pos)
            return c
        return self.make((op, x, y))

    def apply1(self, op: str, x: int, pos: int) -> int:
        if x < 0:
            c = self.fold(op, [x])
            if c is None:
                raise self._fold_error(op, [x], pos)
            return c
        return self.make((op, x))

    def _fold_error(self, op: str, args: list[int], pos: int) -> MathError:
        values = [self.consts[~a] for a in args]
        _, why = attempt(OPS[op].value, values)
        text = definition_text(OPS[op], [number_text(a) for a in values])
        source = self.source
        line = source.count("\n", 0, pos) + 1
        col = pos - source.rfind("\n", 0, pos)
        where = f"line {line}, column {col}" if "\n" in source.strip() else f"column {col}"
        return MathError(f"math error in the constant {text} at {where}: "
                         + value_failure(op, why))

    # --- the end --------------------------------------------------------------------

    def finish(self, outputs: Sequence[str] | None, last_target: str | None,
               bare_key: str, result: int) -> Graph:
        """The graph, with `outputs` (program names) or else the last statement as output:
        its target, or the bare expression `result` under `bare_key` (its id when empty).
        It may be called again for other outputs; graphs handed out never change."""
        if outputs and self.families:
            outputs = self._elements(outputs)
        elif last_target is not None and last_target in self.families:
            outputs, last_target = self._elements([last_target]), None
        if outputs:
            for name in outputs:
                if self.lookup(name) is None:
                    assigned = [n for n in self.env if n not in self.inputs
                                or len(self.versions.get(n, ())) > 1]
                    raise InputError(f"unknown output {name!r}; " + (
                        f"the program's names are: {', '.join(assigned)}" if assigned else
                        "the program names no values (an output is a name it assigns)"))
            out_pairs = [(name, self._output(name, self.env[name])) for name in outputs]
        elif last_target is not None:  # the last statement assigned it `result`
            out_pairs = [(last_target, self._output(last_target, result))]
        else:
            out_pairs = [(bare_key, result if result >= 0 else self._node(("const", result)))]
        self._handed_out = True
        return Graph(self.source, self.keys, self.consts, self.esrc, self.edst, self.inputs,
                     out_pairs, self.env, self.versions, tuple(self._folds),
                     frozenset(self._literal), self.settle, self.families, self.origins,
                     self.sizes)

    def _elements(self, outputs: Sequence[str]) -> list[str]:
        """Output names with each family named whole replaced by its elements, and each
        element (`h[2]`) made a name that finish can look up."""
        names: list[str] = []
        for name in outputs:
            family = self.families.get(name)
            if family is not None:
                for key in sorted(family.elements):
                    names.append(self._name_element(name, key))
                continue
            head, bracket, rest = name.partition("[")
            family = self.families.get(head.strip())
            if bracket and family is not None and rest.endswith("]"):
                try:
                    key = tuple(int(k) for k in rest[:-1].split(","))
                except ValueError:
                    key = ()
                if key in family.elements:
                    names.append(self._name_element(head.strip(), key))
                    continue
                raise InputError(f"unknown output {name!r}: {head.strip()} has shape "
                                 f"[{','.join(map(str, family.shape or ()))}]")
            names.append(name)
        return names

    def _name_element(self, family: str, key: tuple[int, ...]) -> str:
        name = f"{family}[{','.join(map(str, key))}]"
        if name not in self.env:
            self.env[name] = self.families[family].elements[key]
        return name

    def _output(self, name: str, v: int) -> int:
        """The node of output `name`, which holds operand v."""
        if v < 0:  # a constant output is a node of its own (a constant is never made in bulk)
            v = self._node(("const", v))
            vs = self.versions.get(name)
            if vs is None or vs[-1] != v:  # a copy: a graph handed out keeps what it has
                self.versions = {**self.versions, name: [*(vs or [v])[:-1], v]}
        return v

    def _node(self, key: Key) -> int:
        """`make`, but a graph already handed out keeps its lists as they were."""
        if self._handed_out and not self.exists(key):
            self.keys, self.esrc, self.edst = self.keys[:], self.esrc[:], self.edst[:]
            self._handed_out = False
        return self.make(key)


class Built(NamedTuple):
    """What reading a program leaves: the builder, and how its last statement ended."""

    builder: Builder
    last_target: str | None
    bare_key: str  # the name a last bare expression reads (`...; z`), else ""
    result: int

    def graph(self, outputs: Sequence[str] | None = None) -> Graph:
        return self.builder.finish(outputs, self.last_target, self.bare_key, self.result)


def build(program: Program, given: Mapping[str, Any] | None = None,
          limit: int | None = None) -> Built:
    """Interpret `program` into a Builder. A program with families needs `given`, the
    values of the command (their shapes, and the sizes), and refuses to pass `limit` nodes."""
    from ..text.program import Name

    b = Builder(program.source)
    b.program = program  # diff's index formulas and emit's loops read its statements
    if program.plain:
        result = run(program, b)
    else:
        from . import families

        result = families.run(program, b, given or {},
                              families.LIMIT if limit is None else limit)
    last = [st for st in program.statements if not st.params][-1]
    code = last.code  # a bare name last (`...; z`) keeps that name as the output key
    one = code[0] if len(code) == 1 else None
    bare = one.name if type(one) is Name and last.target is None else ""
    return Built(b, last.target, bare, result)
