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
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import InputError, ParseError
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

LIMIT = 10_000_000  # nodes a program may ask for unless told otherwise (--max-nodes)
_ACCUMULATE = {"sum": "add", "mean": "add", "prod": "mul", "max": "max", "min": "min"}
_IDENTITY = {"sum": 0.0, "prod": 1.0}
# opcodes of the compiled code, most frequent first
_APPLY2, _APPLY1, _ELEM, _NUM, _IVAR, _NAME, _LOCAL, _REDUCE, _END, _CALL = range(10)


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


def ieval(code: IndexCode, ivars: Mapping[str, int]) -> int:
    """An index code's value: a KeyError names a size not yet known."""
    if len(code) == 1:
        c = code[0]
        return c if type(c) is int else ivars[c]
    stack: list[int] = []
    for c in code:
        if type(c) is int:
            stack.append(c)
        elif c == "neg":
            stack.append(-stack.pop())
        elif c in ("+", "-", "*"):
            y = stack.pop()
            x = stack.pop()
            stack.append(x + y if c == "+" else x - y if c == "-" else x * y)
        else:
            stack.append(ivars[c])
    return stack[0]


def _key_function(index: tuple[IndexCode, ...]) -> Callable[[dict[str, int]], tuple[int, ...]]:
    """ivars -> the index tuple, made once per Elem: whole variables by itemgetter."""
    if all(len(c) == 1 and type(c[0]) is str for c in index):
        names = [c[0] for c in index]
        if len(names) > 1:
            return operator.itemgetter(*names)
        v = names[0]
        return lambda iv: (iv[v],)
    if all(len(c) == 1 and type(c[0]) is int for c in index):
        key = tuple(c[0] for c in index)
        return lambda iv: key
    return lambda iv: tuple(ieval(c, iv) for c in index)


def _compile(code: Sequence[Any], arity: Mapping[str, int]) -> tuple[tuple[Any, ...], ...]:
    """Postfix code -> tuples (opcode, ...): Elems with their key functions, Reduce and its
    EndReduce each pointing at the other."""
    out: list[tuple[Any, ...]] = []
    opened: list[int] = []
    for ins in code:
        t = type(ins)
        if t is Apply:
            out.append((_APPLY2 if arity[ins.op] == 2 else _APPLY1, ins.op, ins.pos))
        elif t is Elem:
            out.append((_ELEM, ins.name, _key_function(ins.indices), ins))
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
                         if type(st) is Statement and st.indices is not None}
        self.functions: dict[str, tuple[Statement, tuple[tuple[Any, ...], ...]]] = {}
        self.base = b.sizes  # sizes known so far
        self.sizes = set(program.sizes)
        self.loops: dict[str, tuple[int, int]] = {}  # ranges of the variables now running

    def error(self, message: str, pos: int, hint: str = "") -> ParseError:
        return ParseError(message, self.source, pos, hint=hint)

    # --- statements ---------------------------------------------------------------------

    def run(self) -> int:
        b = self.b
        result: int | None = None
        for st in self.program.statements:
            if st.params:
                assert st.target is not None
                self.functions[st.target] = (st, _compile(st.code, ARITY))
                continue
            code = _compile(st.code, ARITY)
            if st.indices is None:
                self._limit(st, code, 1)
                result = self.eval(code, dict(self.base), {})
                if st.target is not None:
                    if st.update is not None:
                        result = b.apply(st.update, [b.read(st.target), result], st.pos)
                    b.assign(st.target, result)
            else:
                result = self._define(st, code)
        assert result is not None  # a program computes something
        return result

    def _define(self, st: Statement, code: tuple[tuple[Any, ...], ...]) -> int:
        """A family's elements `h[j] = ...` over every index its loops give."""
        assert st.target is not None and st.indices is not None
        ivars = dict(self.base)
        ranges = [self.range_of(lp, ivars) for lp in st.loops]
        count = 1
        for lo, hi in ranges:
            count *= max(0, hi - lo + 1)
        self._limit(st, code, count)
        family = self.families.get(st.target)
        if family is None:
            family = self.families[st.target] = Family(st.target, (), False, st.pos)
        elements = family.elements
        key_of = _key_function(st.indices)
        names = [lp.var for lp in st.loops]
        for lp, r in zip(st.loops, ranges):
            self.loops[lp.var] = r
        b, result = self.b, 0
        for values in itertools.product(*[range(lo, hi + 1) for lo, hi in ranges]):
            ivars.update(zip(names, values))
            key = self._key(key_of, ivars, st.pos)
            if key in elements:
                raise self.error(f"{element_name(st.target, key)} is defined twice: a family's "
                                 "elements are defined once, and these ranges overlap",
                                 st.pos)
            if min(key) < 1:
                raise self.error(f"{element_name(st.target, key)}: indices start at 1", st.pos)
            start = len(b.keys)
            result = elements[key] = self.eval(code, ivars, {})
            b.origins.append((start, st.target, key))
        for v in names:
            del self.loops[v]
        if elements:
            keys = list(elements)
            family.shape = tuple(max(k[d] for k in keys) for d in range(len(keys[0])))
        return result

    def _key(self, key_of: Callable[[dict[str, int]], tuple[int, ...]], ivars: dict[str, int],
             pos: int) -> tuple[int, ...]:
        while True:
            try:
                return key_of(ivars)
            except KeyError as exc:
                self.size(exc.args[0], ivars, pos)

    # --- sizes and ranges ---------------------------------------------------------------

    def size(self, name: str, ivars: dict[str, int], pos: int) -> None:
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

    def range_of(self, lp: Loop, ivars: dict[str, int]) -> tuple[int, int]:
        """(lo, hi) of an index loop: given, or the length of what it indexes whole."""
        if lp.range is not None:
            lo = self._index(lp.range.lo, ivars, lp.pos)
            hi = self._index(lp.range.hi, ivars, lp.pos)
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

    def _index(self, code: IndexCode, ivars: dict[str, int], pos: int) -> int:
        while True:
            try:
                return ieval(code, ivars)
            except KeyError as exc:
                self.size(exc.args[0], ivars, pos)

    def input_family(self, name: str, ivars: dict[str, int] | None, pos: int,
                     index: Sequence[IndexCode] = ()) -> Family | None:
        """The input family `name`, its elements made now: of its given shape, or of the
        ranges that its first read (index codes, with `ivars`) spans. None if neither is
        known yet."""
        from ..text.arrays import shape_of

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

    # --- the code of one statement ----------------------------------------------------

    def eval(self, code: tuple[tuple[Any, ...], ...], ivars: dict[str, int],
             local: dict[str, int]) -> int:
        """The operand that `code` computes with these index variables and locals."""
        b = self.b
        apply, literal, read = b.apply, b.literal, b.read
        families = self.families
        stack: list[int] = []
        frames: list[list[Any]] = []  # [kind, ...]: see _reduce and _call
        push, pop = stack.append, stack.pop
        pc, n = 0, len(code)
        while True:
            if pc == n:
                if not frames or frames[-1][0] != "call":
                    break
                _, code, pc, n, ivars, local = frames.pop()
                continue
            ins = code[pc]
            pc += 1
            op = ins[0]
            if op == _APPLY2:
                y = pop()
                push(apply(ins[1], [pop(), y], ins[2]))
            elif op == _APPLY1:
                push(apply(ins[1], [pop()], ins[2]))
            elif op == _ELEM:
                family = families.get(ins[1])
                try:
                    v = family.elements.get(ins[2](ivars)) if family is not None else None
                except KeyError:
                    v = None
                push(v if v is not None else self.element(ins[3], ivars))
            elif op == _NUM:
                push(literal(ins[1]))
            elif op == _IVAR:
                if ins[1] not in ivars:
                    self.size(ins[1], ivars, ins[2])
                push(literal(float(ivars[ins[1]])))
            elif op == _NAME:
                push(read(ins[1]))
            elif op == _LOCAL:
                push(local[ins[1]])
            elif op == _REDUCE:
                pc = self._reduce(ins, pc, ivars, local, frames, stack)
            elif op == _END:
                pc = self._next(pc, ivars, local, frames, stack)
            else:  # _CALL
                fn, body = self.functions[ins[1]]
                k = ins[2]
                args = stack[-k:]
                del stack[-k:]
                frames.append(["call", code, pc, n, ivars, local])
                code, pc, n = body, 0, len(body)
                ivars, local = dict(self.base), dict(zip(fn.params, args))
        return stack[-1]

    def element(self, ins: Elem, ivars: dict[str, int]) -> int:
        """An element that the quick lookup did not find: a family met for the first time,
        a size to look up, or an error with the place it is read."""
        name = ins.name
        family = self.families.get(name)
        if family is None:
            if name in self.computed:
                raise self.error(f"{name} is read before it is defined", ins.pos)
            family = self.input_family(name, ivars, ins.pos, ins.indices)
            assert family is not None
        key = tuple(self._index(c, ivars, ins.pos) for c in ins.indices)
        v = family.elements.get(key)
        if v is not None:
            return v
        shape = family.shape or ()
        if len(key) != len(shape) and (family.input or family.elements):
            raise self.error(f"{name} has {len(shape)} ind{'ices' if len(shape) > 1 else 'ex'}"
                             f", not {len(key)}: its shape is {shape_text(shape)}", ins.pos)
        if family.input or any(k < 1 or k > s for k, s in zip(key, shape)):
            raise self.error(f"{element_name(name, key)} is out of range: {name} has shape "
                             f"{shape_text(shape)} (indices start at 1)", ins.pos)
        raise self.error(f"{element_name(name, key)} is read before it is defined", ins.pos)

    def _reduce(self, ins: tuple[Any, ...], pc: int, ivars: dict[str, int],
                local: dict[str, int], frames: list[list[Any]], stack: list[int]) -> int:
        """Start a reduction: its first iteration bound, or its identity if it has none."""
        red: Reduce = ins[1]
        iterations, names, over = self.iterations(red, ivars)
        first = next(iterations, None)
        if first is None:
            if red.op not in _IDENTITY:
                raise self.error(f"{red.op} over an empty range", red.pos)
            stack.append(self.b.literal(_IDENTITY[red.op]))
            return ins[2]
        scope = local if over else ivars
        saved = {v: scope[v] for v in names if v in scope}
        frames.append(["reduce", red, pc, iterations, names, over, None, 0, saved])
        self._bind(first, names, over, ivars, local)
        return pc

    def _next(self, pc: int, ivars: dict[str, int], local: dict[str, int],
              frames: list[list[Any]], stack: list[int]) -> int:
        """An iteration ended: add its value to the total; go round again, or end."""
        frame = frames[-1]
        _, red, body, iterations, names, over, total, count, saved = frame
        v = stack.pop()
        b = self.b
        total = v if total is None else b.apply(_ACCUMULATE[red.op], [total, v], red.pos)
        count += 1
        following = next(iterations, None)
        if following is not None:
            frame[6], frame[7] = total, count
            self._bind(following, names, over, ivars, local)
            return body
        frames.pop()
        scope = local if over else ivars
        for v_name in names:
            scope.pop(v_name, None)
            self.loops.pop(v_name, None)
        scope.update(saved)
        if red.op == "mean":
            total = b.apply("div", [total, b.literal(float(count))], red.pos)
        stack.append(total)
        return pc

    def _bind(self, values: Any, names: list[str], over: bool, ivars: dict[str, int],
              local: dict[str, int]) -> None:
        if over:
            local[names[0]] = values
        elif len(names) == 1:
            ivars[names[0]] = values
        else:
            ivars.update(zip(names, values))

    def iterations(self, red: Reduce, ivars: dict[str, int]) -> tuple[Any, list[str], bool]:
        """(an iterator of the loop's values, its variables, whether it runs over elements)."""
        (first, *rest) = red.loops
        if first.over:
            operands: list[int] = []
            for name in first.over:
                operands.extend(self.elements_of(name, first.pos))
            return iter(operands), [first.var], True
        ranges = [self.range_of(lp, ivars) for lp in red.loops]
        for lp, r in zip(red.loops, ranges):
            self.loops[lp.var] = r
        spans = [range(lo, hi + 1) for lo, hi in ranges]
        names = [lp.var for lp in red.loops]
        return (iter(spans[0]) if len(spans) == 1 else itertools.product(*spans)), names, False

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

    def estimate(self, code: tuple[tuple[Any, ...], ...], ivars: dict[str, int]) -> int:
        """About how many nodes `code` makes: each operation once per iteration of the
        reductions around it (ranges of variables not yet bound are taken at their ends)."""
        total = 0
        mult = [1]
        stack: list[tuple[tuple[tuple[Any, ...], ...], int, int]] = []  # calls: (code, pc, times)
        pc = 0
        while True:
            if pc == len(code):
                if not stack:
                    return total
                code, pc, _ = stack.pop()
                mult.pop()
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
                stack.append((code, pc, mult[-1]))
                mult.append(mult[-1])
                code, pc = self.functions[ins[1]][1], 0

    def _count(self, red: Reduce, ivars: dict[str, int]) -> int:
        """How many iterations a reduction has, roughly: its ranges at their widest."""
        n = 1
        for lp in red.loops:
            try:
                if lp.over:
                    n *= sum(len(self.families[f].elements) if f in self.families else 1
                             for f in lp.over)
                    continue
                lo, hi = self.range_of(lp, ivars)
            except (ParseError, KeyError):
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
