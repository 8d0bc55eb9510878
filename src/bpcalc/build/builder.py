"""Program -> graph: the one interpreter of the postfix code, and the one writer of graphs.

`run` walks a program's statements and feeds each instruction to a sink: the Builder makes
graph nodes of them; the shape reader (shapes.py) feeds it a line's placeholders to write
that line's code once; columns.py feeds it symbolic operands. So what a statement means is
written here once.

The Builder is the only code that writes a graph's lists: hash-consing (identical
subexpressions are one node; `c*c` keeps two edges), constants folded into their operation,
names and their versions, and nodes made many at a time by the column reader (`extend`).
Keys made in bulk go into the hash-consing table only when something looks there; every
lookup goes through `make`, which sees to that. Names made in bulk go into `env` only when
something looks for a name `env` lacks (`settle` puts them where they were made, so env's
order is the reading order): a program of 10^5 fresh names reads its gradient without a
dict of them. That they were new is checked once, when the reading ends (`names_were_new`);
a name assigned meanwhile is taken for new, and if it was one of them that check fails.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from ..errors import InputError, MathError
from ..numbers import number_text
from ..ops import OPS, definition_text
from ..text.parser import RESERVED, Apply, Name, Num, Program
from .graph import Fold, Graph, Key

if TYPE_CHECKING:
    from .families import Family

V = TypeVar("V")
ARITY = {name: row.arity for name, row in OPS.items()}


class NamesCollide(Exception):
    """A name made in bulk was not new: the reader that made it starts again another way."""


class Sink(Protocol[V]):
    """What `run` feeds: operands of type V made from numbers, names and operations."""

    def literal(self, value: float) -> V: ...
    def read(self, name: str) -> V: ...
    def apply(self, op: str, args: list[V], pos: int) -> V: ...
    def assign(self, name: str, value: V) -> None: ...


def run(program: Program, sink: Sink[V]) -> V:
    """Feed `program` to `sink`, statement by statement; the last statement's result."""
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


class Builder:
    """Makes nodes one at a time, or a run of lines at a time: see the module."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.keys: list[Key] = []
        self.consts: list[float] = []
        self.esrc: list[int] = []
        self.edst: list[int] = []
        self.env: dict[str, int] = {}  # name -> its current operand, but see _bulk
        self.inputs: dict[str, int] = {}
        # name -> every operand it held, in order; a name made in bulk (`extend`) has one,
        # and only its env entry says which
        self.versions: dict[str, list[int]] = {}
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
        # Families (build/families.py): name -> Family; and for every element defined, the
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

    def settle(self) -> None:
        """Put the names made in bulk into env where they were made, after the entries env
        had then (names assigned since go after them); NamesCollide if one was not new (the
        column reader has seen that none is reserved)."""
        bulk, env = self._bulk, self.env
        if not bulk:
            return
        total = len(env) + sum(len(names) for _, names, _ in bulk)
        if bulk[0][0] == len(env):  # nothing named since the first of them
            for _, names, nodes in bulk:
                env.update(zip(names, nodes))
        else:
            items, at = list(env.items()), 0
            env.clear()
            for pos, names, nodes in bulk:
                env.update(items[at:pos])
                env.update(zip(names, nodes))
                at = pos
            env.update(items[at:])
        bulk.clear()
        if len(env) != total:
            raise NamesCollide

    def names_were_new(self) -> bool:
        """Whether every name made in bulk and not yet in env is new: none twice, none in
        env, none reserved (one set of them, where env.update would build a dict)."""
        if not self._bulk:
            return True
        made: set[str] = set()
        for _, names, _ in self._bulk:
            made.update(names)
        return len(made) == sum(len(names) for _, names, _ in self._bulk) \
            and self.env.keys().isdisjoint(made) and made.isdisjoint(RESERVED)

    def read(self, name: str) -> int:
        """The operand a name holds; a name never assigned is a new input."""
        v = self.env.get(name)
        if v is None and self._bulk:
            v = self.lookup(name)
        if v is None:
            v = self.env[name] = self.inputs[name] = len(self.keys)
            self.keys.append(("input",))
            self.versions[name] = [v]
        return v

    def input_family(self, name: str, shape: Sequence[int],
                     elements: dict[tuple[int, ...], int]) -> None:
        """An input node for every element of the family `name`, in row-major order, each
        named `name[i,j]` (no program can write such a name, so none clashes); the graph's
        ids come from the family (graph.py), so env keeps none of them."""
        keys, inputs = self.keys, self.inputs
        first = len(keys)
        index = list(itertools.product(*[range(1, s + 1) for s in shape]))
        if len(shape) == 1:
            names = [f"{name}[{i}]" for i in range(1, shape[0] + 1)]
        else:
            names = [f"{name}[{','.join(map(str, key))}]" for key in index]
        nodes = range(first, first + len(index))
        keys.extend(itertools.repeat(("input",), len(index)))
        inputs.update(zip(names, nodes))
        elements.update(zip(index, nodes))

    def assign(self, name: str, v: int) -> None:
        vs = self.versions.get(name)
        if vs is None:  # a new name, or one made in bulk (its one version is in env; one
            old = self.env.get(name)  # still in _bulk is taken for new, names_were_new says)
            self.versions[name] = [v] if old is None else [old, v]
        else:
            vs.append(v)
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
        if all(a < 0 for a in args):  # constants only: fold
            c = self.fold(op, args)
            if c is None:
                raise self._fold_error(op, args, pos)
            return c
        return self.make((op, *args))

    def apply_lanes(self, op: str, args: Sequence[int | list[int]], lanes: int,
                    pos: int) -> list[int]:
        """`apply` in each of `lanes` lanes (build/lanes.py): each argument an operand, the
        same in every lane, or a list of one operand per lane."""
        if self._pending:
            self._flush()
        cons, keys, esrc, edst = self._cons, self.keys, self.esrc, self.edst
        cols: list[Iterable[int]] = [a if isinstance(a, list) else itertools.repeat(a, lanes)
                                     for a in args]
        out: list[int] = []
        push = out.append
        if len(cols) == 1:
            for a in cols[0]:
                if a < 0:
                    push(self.apply(op, [a], pos))
                    continue
                k1 = (op, a)
                i = cons.get(k1)
                if i is None:
                    i = cons[k1] = len(keys)
                    keys.append(k1)
                    esrc.append(a)
                    edst.append(i)
                push(i)
            return out
        for a, b in zip(*cols):
            if a < 0 and b < 0:
                push(self.apply(op, [a, b], pos))
                continue
            k: tuple[Any, ...] = (op, a, b)
            i = cons.get(k)
            if i is None:
                i = cons[k] = len(keys)
                keys.append(k)
                if a >= 0:
                    esrc.append(a)
                    edst.append(i)
                if b >= 0:
                    esrc.append(b)
                    edst.append(i)
            push(i)
        return out

    def chain(self, op: str, terms: Sequence[int], pos: int) -> int:
        """op(op(op(t0, t1), t2), ...): a reduction's running total (build/lanes.py). Once
        the total is the newest node, which no key holds yet (an operand comes before the
        nodes that read it), every later key is new: the rest are made in bulk, with no
        lookups."""
        if self._pending:
            self._flush()
        cons, keys, esrc, edst = self._cons, self.keys, self.esrc, self.edst
        acc, at = terms[0], 1
        while at < len(terms) and not (acc >= 0 and acc == len(keys) - 1):
            t = terms[at]
            at += 1
            if acc < 0 and t < 0:
                acc = self.apply(op, [acc, t], pos)
                continue
            k = (op, acc, t)
            i = cons.get(k)
            if i is None:
                i = cons[k] = len(keys)
                keys.append(k)
                if acc >= 0:
                    esrc.append(acc)
                    edst.append(i)
                if t >= 0:
                    esrc.append(t)
                    edst.append(i)
            acc = i
        rest = terms[at:]
        if not rest:
            return acc
        first = len(keys)
        made = list(zip(itertools.repeat(op), range(acc, first + len(rest) - 1), rest))
        cons.update(zip(made, range(first, first + len(made))))
        keys.extend(made)
        if min(rest) >= 0:
            esrc.extend(itertools.chain.from_iterable(zip(range(acc, first + len(rest) - 1),
                                                          rest)))
            edst.extend(itertools.chain.from_iterable(
                zip(range(first, first + len(rest)), range(first, first + len(rest)))))
        else:
            for j, t in enumerate(rest):
                esrc.append(acc + j if j else acc)
                edst.append(first + j)
                if t >= 0:
                    esrc.append(t)
                    edst.append(first + j)
        return first + len(made) - 1

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

    def extend(self, keys: Iterable[Key], esrc: Iterable[int], edst: Iterable[int],
               lazy: tuple[int, int, int, list[int]],
               inputs: tuple[list[str], list[int]], named: tuple[list[str], list[int]]) -> None:
        """Append nodes made in bulk (columns.py): their keys in order, their edges, the new
        inputs (names, nodes) among them, and every name they get (names, nodes), none met
        before (the reader checks that with `names_were_new` when it ends), in reading order
        (the inputs, and names assigned once). `lazy` = (first, stop, step, [k, ...]) says
        which keys are operations: keys[first + k:stop:step], node numbers
        range(first + k, stop, step); they go into the hash-consing table only when `make`
        or `exists` next looks there."""
        if named[0]:
            self._bulk.append((len(self.env), *named))
            self.inputs.update(zip(*inputs))
        self.keys.extend(keys)
        self.esrc.extend(esrc)
        self.edst.extend(edst)
        self._pending.append(lazy)

    def assign_run(self, name: str, values: list[int]) -> None:
        """`assign(name, v)` for each v of `values` in turn."""
        vs = self.versions.get(name)
        if vs is None:
            old = self.lookup(name)
            assert old is not None  # the run's first line reads the name's node before it
            vs = self.versions[name] = [old]
        vs.extend(values)
        self.env[name] = values[-1]

    def exists(self, key: Key) -> bool:
        if self._pending and self._may_be_pending(key):
            self._flush()
        return key in self._cons

    def _may_be_pending(self, key: Key) -> bool:
        """Whether `key` may be among the keys made in bulk and not yet in the table. A
        node's operands come before it, so a key with an operand at or past the last node
        made in bulk is none of them (the line after a run reads that run's result)."""
        last = self._pending[-1][1] - 1
        return all(a < last for a in key[1:])

    def _flush(self) -> None:
        keys, cons = self.keys, self._cons
        for first, stop, step, ks in self._pending:
            for k in ks:
                cons.update(zip(keys[first + k:stop:step], range(first + k, stop, step)))
        self._pending.clear()

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
            v = self.families[family].elements[key]
            self.env[name] = v
            self.versions[name] = [v]
        return name

    def _output(self, name: str, v: int) -> int:
        """The node of output `name`, which holds operand v."""
        if v < 0:  # a constant output is a node of its own (a constant is never made in bulk)
            v = self._node(("const", v))
            if self.versions[name][-1] != v:
                self.versions = {**self.versions, name: [*self.versions[name][:-1], v]}
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
    b = Builder(program.source)
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
