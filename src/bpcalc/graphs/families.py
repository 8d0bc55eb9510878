"""Program -> graph for programs with families, sums and functions: the interpreter of
text/program.py's code, feeding the same Builder as builder.run, so the graph stays scalar
(every element a node, every operation an op-table node).

One explicit stack of operands and one of frames, never Python recursion: a reduction's
frame holds its iterations and running total, and its body runs again from the Reduce until
the last; a call's frame holds the caller's code and place, and the callee's body runs with
its parameters bound (calls are inlined into the graph). Before a statement runs, the nodes
it would make are counted from its code and the ranges (no iteration), and a statement that
would pass `limit` is refused with the count.

Shapes: an input family takes the shape of its value (`x=[1,2]`), or of a fill with a shape
(`W1[16,2]=uniform(-1,1)`); one without (a fill `b1=0`, or no value at all) takes the shape
its first read implies: the ranges of the index variables it is read with. A computed family
has the shape that its defined elements span. A range left out is the length of the
families its variable indexes whole, which must agree.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InputError, ParseError, ProgramError
from ..text.arrays import shape_of
from ..text.program import (
    Apply,
    Call,
    Elem,
    EndReduce,
    IndexCode,
    IndexVar,
    Local,
    Loop,
    Name,
    Num,
    Program,
    Reduce,
    Statement,
)
from .builder import ARITY, Builder
from .lanes import _APPLY1, _APPLY2, _CALL, _ELEM, _END, _IVAR, _LOCAL, _NAME, _NUM, _REDUCE, Lanes

LIMIT = 10_000_000  # nodes a program may ask for unless told otherwise (--max-nodes)


class Family:
    """A family while the graph is built: its shape (None: an input whose shape its first
    read gives) and its elements, index tuple -> operand."""

    __slots__ = ("name", "shape", "elements", "input", "pos")

    def __init__(self, name: str, shape: tuple[int, ...] | None, is_input: bool,
                 pos: int) -> None:
        self.name, self.shape, self.input, self.pos = name, shape, is_input, pos
        self.elements: dict[tuple[int, ...], int] = {}


def element_name(name: str, key: Sequence[int]) -> str:
    return f"{name}[{','.join(map(str, key))}]"


def shape_text(shape: Sequence[int]) -> str:
    return "[" + ",".join(map(str, shape)) + "]"


def _compile(code: Sequence[Any], arity: Mapping[str, int]) -> tuple[tuple[Any, ...], ...]:
    """Postfix code -> tuples (opcode, ...), the Reduce pointing past its EndReduce."""
    out: list[tuple[Any, ...]] = []
    opened: list[int] = []
    for ins in code:
        t = type(ins)
        if t is Apply:
            out.append((_APPLY2 if arity[ins.op] == 2 else _APPLY1, ins.op, ins.pos))
        elif t is Elem:
            out.append((_ELEM, ins.name, None, ins))
        elif t is Num:
            out.append((_NUM, ins.value))
        elif t is IndexVar:
            out.append((_IVAR, ins.name, ins.pos))
        elif t is Name:
            out.append((_NAME, ins.name))
        elif t is Local:
            out.append((_LOCAL, ins.name))
        elif t is Reduce:
            opened.append(len(out))
            out.append((_REDUCE, ins, 0))
        elif t is EndReduce:
            start = opened.pop()
            out[start] = (_REDUCE, out[start][1], len(out) + 1)
            out.append((_END, start + 1))
        elif t is Call:
            out.append((_CALL, ins.name, ins.argc, ins.pos))
        else:
            raise TypeError(f"no such instruction: {ins!r}")
    return tuple(out)


class Run:
    """One reading of a family program into a Builder (see the module)."""

    def __init__(self, program: Program, b: Builder, given: Mapping[str, Any],
                 limit: int = LIMIT) -> None:
        self.program, self.b, self.given, self.limit = program, b, given, limit
        self.source = program.source
        self.families: dict[str, Family] = b.families
        self.computed = {st.target for st in program.statements
                         if st.indices is not None}
        self.functions: dict[str, tuple[Statement, tuple[tuple[Any, ...], ...]]] = {}
        self.reads: dict[str, set[str]] = {}  # function -> the families it reads, calls too
        self.base = b.sizes  # sizes known so far
        self.sizes = set(program.sizes)
        self.loops: dict[str, tuple[int, int]] = {}  # ranges of the variables now running
        self.lanes = Lanes(self)

    def error(self, message: str, pos: int, hint: str = "") -> ParseError:
        return ProgramError(message, self.source, pos, hint=hint)

    # --- statements ---------------------------------------------------------------------

    def run(self) -> int:
        b = self.b
        result: int | None = None
        for st in self.program.statements:
            code = _compile(st.code, ARITY)
            if st.params:
                assert st.target is not None
                self.functions[st.target] = (st, code)
                self.reads[st.target] = self._reads(st)
                continue
            if st.indices is None:
                self._limit(st, code, 1)
                result = self.lanes.eval(code, dict(self.base), {}, 1)
                if st.target is not None:
                    if st.update is not None:
                        result = b.apply(st.update, [b.read(st.target), result], st.pos)
                    b.assign(st.target, result)
            else:
                result = self._define(st, code)
        assert result is not None  # a program computes something
        return result

    def _reads(self, st: Statement) -> set[str]:
        """The families `st` reads, through the functions it calls too."""
        found: set[str] = set()
        for ins in st.code:
            if type(ins) is Elem:
                found.add(ins.name)
            elif type(ins) is Call:
                found |= self.reads.get(ins.name, set())
            elif type(ins) is Reduce:
                for lp in ins.loops:
                    found.update(lp.over)
        return found

    def _define(self, st: Statement, code: tuple[tuple[Any, ...], ...]) -> int:
        """A family's elements `h[j] = ...` over every index its loops give: in lanes, all at
        once, unless the statement reads the family it defines (a recurrence, h[t-1]): then
        one element after another."""
        assert st.target is not None and st.indices is not None
        ivars: dict[str, Any] = dict(self.base)
        ranges = []
        for lp in st.loops:
            lo, hi = self.range_of(lp, ivars, 1)
            ranges.append((lo, hi))
            self.loops[lp.var] = (lo, hi)
        count = 1
        for lo, hi in ranges:
            count *= max(0, hi - lo + 1)
        self._limit(st, code, count)
        family = self.families.get(st.target)
        if family is None:
            family = self.families[st.target] = Family(st.target, (), False, st.pos)
        names = [lp.var for lp in st.loops]
        rows = list(itertools.product(*[range(lo, hi + 1) for lo, hi in ranges]))
        start = len(self.b.keys)
        defined: list[tuple[int, ...]] = []
        if st.target in self._reads(st) and len(rows) > 1:
            for row in rows:
                ivars.update(zip(names, row))
                key = [self._key(st, ivars, 1)]
                self._put(st, family, key, self.lanes.eval(code, ivars, {}, 1))
                defined += key
        elif rows:
            if len(rows) == 1:
                ivars.update(zip(names, rows[0]))
            else:
                ivars.update({v: [r[k] for r in rows] for k, v in enumerate(names)})
            at = self._key(st, ivars, len(rows))
            defined = at if type(at) is list else [at]
            self._put(st, family, defined, self.lanes.eval(code, ivars, {}, len(rows)))
        for v in names:
            del self.loops[v]
        self.b.origins.append((start, st.target, tuple(defined)))
        keys = list(family.elements)
        if keys:
            family.shape = tuple(max(k[d] for k in keys) for d in range(len(keys[0])))
        return family.elements[keys[-1]] if keys else self.b.literal(0.0)

    def _key(self, st: Statement, ivars: dict[str, Any], lanes: int) -> Any:
        """The target's index in each lane: a tuple, or a list of tuples."""
        assert st.indices is not None
        at = [self.lanes.index(c, ivars, lanes, st.pos) for c in st.indices]
        if not any(type(a) is list for a in at):
            return tuple(at)
        return list(zip(*[a if type(a) is list else itertools.repeat(a, lanes) for a in at]))

    def _put(self, st: Statement, family: Family, keys: list[tuple[int, ...]],
             values: Any) -> None:
        """Define the elements `keys` as `values` (one operand for all, or one each)."""
        assert st.target is not None
        elements = family.elements
        for key in keys:
            if key in elements:
                raise self.error(f"{element_name(st.target, key)} is defined twice: a family's "
                                 "elements are defined once, and these ranges overlap", st.pos)
            if min(key) < 1:
                raise self.error(f"{element_name(st.target, key)}: indices start at 1", st.pos)
            if elements and len(key) != len(next(iter(elements))):
                raise self.error(f"{st.target} has {len(next(iter(elements)))} indices "
                                 f"elsewhere, {len(key)} here", st.pos)
        if type(values) is list:
            elements.update(zip(keys, values))
        else:
            elements.update((k, values) for k in keys)

    # --- sizes and ranges ---------------------------------------------------------------

    def size(self, name: str, ivars: dict[str, Any], pos: int) -> None:
        """Put the size `name` into ivars (and the sizes known): its NAME=VALUE, or the whole
        constant the program assigned it."""
        if name not in self.sizes:
            raise self.error(f"{name} is not an index here", pos)
        v = self.given.get(name)
        if v is None:
            at = self.b.lookup(name)
            if at is None or at >= 0:
                raise self.error(f"{name} is a size (indices and ranges read it): give it as a "
                                 f"whole number, {name}=10, or assign it one before this "
                                 "statement", pos)
            number: Any = self.b.consts[~at]
        else:
            number = _number(v, name)
        if number != int(number) or abs(number) > 2**62:
            raise self.error(f"{name} is a size (indices and ranges read it): it must be a "
                             f"whole number, not {number!r}", pos)
        ivars[name] = self.base[name] = int(number)

    def range_of(self, lp: Loop, ivars: dict[str, Any], lanes: int) -> tuple[Any, Any]:
        """(lo, hi) of an index loop, each an int or a list of one per lane: given, or the
        length of what it indexes whole."""
        if lp.range is not None:
            lo = self.lanes.index(lp.range.lo, ivars, lanes, lp.pos)
            hi = self.lanes.index(lp.range.hi, ivars, lanes, lp.pos)
            return lo, hi
        found: list[tuple[int, str, int]] = []
        waiting: list[str] = []
        for name, d in lp.infer:
            family = self.families.get(name)
            if family is None and name not in self.computed:
                family = self.input_family(name, None, lp.pos)
            if family is None or family.shape is None or \
                    (not family.input and not family.elements):
                waiting.append(name)
                continue
            if d >= len(family.shape):
                raise self.error(f"{name} has {len(family.shape)} "
                                 f"ind{'ices' if len(family.shape) > 1 else 'ex'}", lp.pos)
            found.append((family.shape[d], name, d))
        if not found:
            said = " or ".join(waiting)
            raise self.error(f"the range of {lp.var} cannot be inferred: no shape is known for "
                             f"{said} yet", lp.pos,
                             hint=f"give {waiting[0]} a value ({waiting[0]}=[...]) or a shape "
                                  f"({waiting[0]}[3]=0), or write for {lp.var} in 1..n")
        n, name, d = found[0]
        for m, other, e in found[1:]:
            if m != n:
                raise self.error(f"{lp.var} runs over 1..{n} as index {d + 1} of {name}, but "
                                 f"over 1..{m} as index {e + 1} of {other}: the shapes "
                                 "disagree", lp.pos)
        return 1, n

    # --- families -----------------------------------------------------------------------

    def input_family(self, name: str, ivars: dict[str, Any] | None, pos: int,
                     index: Sequence[IndexCode] = ()) -> Family | None:
        """The input family `name`, its elements made now: of its given shape, or of the
        ranges that its first read (index codes) spans. None if neither is known yet."""
        shape = shape_of(self.given.get(name))
        if shape is None:
            if ivars is None or not index:
                return None
            dims = []
            for d, code in enumerate(index):
                r = self.loops.get(code[0]) if len(code) == 1 and type(code[0]) is str \
                    else None
                if r is None:
                    raise self.error(
                        f"the shape of {name} is not known: give it a value ({name}=[...]) or a "
                        f"shape ({name}[3]=0){'' if d == 0 else f' (index {d + 1} is no loop)'}",
                        pos)
                dims.append(r[1])
            shape = tuple(dims)
        family = self.families[name] = Family(name, shape, True, pos)
        self.b.input_family(name, shape, family.elements)
        return family

    def first_read(self, ins: Elem, ivars: dict[str, Any], lanes: int) -> Family:
        """The family of an element read before any other of its elements."""
        if ins.name in self.computed:
            raise self.error(f"{ins.name} is read before it is defined", ins.pos)
        family = self.input_family(ins.name, ivars, ins.pos, ins.indices)
        assert family is not None
        return family

    def missing(self, ins: Elem, family: Family, key: tuple[int, ...]) -> ParseError:
        """Why the element `key` of `family` is not there."""
        name, shape = ins.name, family.shape or ()
        if len(key) != len(shape) and (family.input or family.elements):
            return self.error(f"{name} has {len(shape)} "
                              f"ind{'ices' if len(shape) > 1 else 'ex'}, not {len(key)}: its "
                              f"shape is {shape_text(shape)}", ins.pos)
        if family.input or any(k < 1 or k > s for k, s in zip(key, shape)):
            return self.error(f"{element_name(name, key)} is out of range: {name} has shape "
                              f"{shape_text(shape)} (indices start at 1)", ins.pos)
        return self.error(f"{element_name(name, key)} is read before it is defined", ins.pos)

    def elements_of(self, name: str, pos: int) -> list[int]:
        """Every element of a family, in row-major order (`for p in W1, W2`)."""
        family = self.families.get(name)
        if family is None:
            if name in self.computed:
                raise self.error(f"{name} is read before it is defined", pos)
            if self.b.lookup(name) is not None:
                raise self.error(f"{name} is a scalar, not a family: sum(x) adds up a family's "
                                 "elements", pos)
            family = self.input_family(name, None, pos)
            if family is None:
                raise self.error(f"the shape of {name} is not known: give it a value "
                                 f"({name}=[...]) or a shape ({name}[3]=0)", pos)
        return [family.elements[k] for k in sorted(family.elements)]

    # --- the node budget --------------------------------------------------------------

    def _limit(self, st: Statement, code: tuple[tuple[Any, ...], ...], times: int) -> None:
        """Refuse a statement whose nodes, with those made so far, would pass the limit."""
        need = times * self.estimate(code, dict(self.base))
        if need + len(self.b.keys) > self.limit:
            line = self.source.count("\n", 0, st.pos) + 1
            raise InputError(f"the statement at line {line} would make about {need:,} nodes, "
                             f"past the limit of {self.limit:,} (--max-nodes raises it)")

    def estimate(self, code: tuple[tuple[Any, ...], ...], ivars: dict[str, Any]) -> int:
        """About how many nodes `code` makes: each operation once per iteration of the
        reductions around it (ranges of variables not yet bound are taken at their ends)."""
        total = 0
        mult = [1]
        stack: list[tuple[tuple[tuple[Any, ...], ...], int]] = []  # calls: (code, pc)
        pc = 0
        while True:
            if pc == len(code):
                if not stack:
                    return total
                code, pc = stack.pop()
                continue
            ins = code[pc]
            pc += 1
            op = ins[0]
            if op in (_APPLY1, _APPLY2):
                total += mult[-1]
            elif op == _REDUCE:
                n = self._count(ins[1], ivars)
                total += mult[-1] * n
                mult.append(mult[-1] * max(n, 1))
            elif op == _END:
                mult.pop()
            elif op == _CALL:
                stack.append((code, pc))
                code, pc = self.functions[ins[1]][1], 0

    def _count(self, red: Reduce, ivars: dict[str, Any]) -> int:
        """How many terms a reduction has, roughly: its ranges at their widest."""
        n = 1
        for lp in red.loops:
            try:
                if lp.over:
                    n *= sum(len(self.families[f].elements) if f in self.families else 1
                             for f in lp.over)
                    continue
                lo, hi = self.range_of(lp, ivars, 1)
            except (ParseError, KeyError, TypeError):
                continue  # judged when it runs
            ivars[lp.var] = hi
            n *= max(0, hi - lo + 1)
        return n


def _number(v: Any, name: str) -> float:
    from ..text.values import parse_value

    if isinstance(v, float | int):
        return float(v)
    if isinstance(v, str):
        return parse_value(v, name)
    raise InputError(f"{name} is a size (indices and ranges read it): give it a whole number, "
                     f"{name}=10, not an array")


def run(program: Program, b: Builder, given: Mapping[str, Any], limit: int = LIMIT) -> int:
    """Read `program` into `b`: the last statement's result (see the module)."""
    return Run(program, b, given, limit).run()
