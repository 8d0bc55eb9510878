"""The code of a statement run in lanes: one lane per element of the family it defines, and
within a reduction one lane per term, so that each instruction makes the nodes of every lane
at once (Builder.apply_lanes) instead of the interpreter going round once a node.

A value on the stack is an operand (an int, the same in every lane) or a list of one operand
per lane; so is each index variable (`ivars`) and each local (a parameter, or the `p` of
`for p in W1`). A reduction multiplies the lanes: its body runs once over every (lane, term)
pair, lane-major, and its end folds each lane's terms, in order, into a running total
(Builder.chain). A call keeps the lanes: the callee's parameters are the caller's values.

The graph is the one the same program unrolled by hand gives, node for node, though the
nodes come in another order: every lane's product, then every lane's sum.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..text.program import Elem, IndexCode, Reduce

if TYPE_CHECKING:
    from .families import Run

Value = Any  # int | list[int]
_APPLY2, _APPLY1, _ELEM, _NUM, _IVAR, _NAME, _LOCAL, _REDUCE, _END, _CALL = range(10)
ACCUMULATE = {"sum": "add", "mean": "add", "prod": "mul", "max": "max", "min": "min"}
IDENTITY = {"sum": 0.0, "prod": 1.0}


def spread(v: Value, counts: Sequence[int] | int, lanes: int) -> Value:
    """A lane's value repeated over the terms of a reduction: `counts` terms in every lane, or
    counts[l] in lane l."""
    if type(v) is not list:
        return v
    if isinstance(counts, int):
        n = counts
        return v if n == 1 else \
            list(itertools.chain.from_iterable(itertools.repeat(x, n) for x in v))
    return list(itertools.chain.from_iterable(itertools.repeat(x, c) for x, c in zip(v, counts)))


def vector_index(code: IndexCode, ivars: dict[str, Value], lanes: int) -> Value:
    """An index code in every lane: an int, or a list of one per lane (KeyError: a size not
    known yet)."""
    if len(code) == 1:
        c = code[0]
        return c if type(c) is int else ivars[c]
    stack: list[Value] = []
    for c in code:
        if type(c) is int:
            stack.append(c)
        elif c == "neg":
            x = stack.pop()
            stack.append([-a for a in x] if type(x) is list else -x)
        elif c in ("+", "-", "*"):
            y, x = stack.pop(), stack.pop()
            if type(x) is not list and type(y) is not list:
                stack.append(x + y if c == "+" else x - y if c == "-" else x * y)
                continue
            xs = x if type(x) is list else itertools.repeat(x, lanes)
            ys = y if type(y) is list else itertools.repeat(y, lanes)
            stack.append([a + b for a, b in zip(xs, ys)] if c == "+" else
                         [a - b for a, b in zip(xs, ys)] if c == "-" else
                         [a * b for a, b in zip(xs, ys)])
        else:
            stack.append(ivars[c])
    return stack[0]


class Lanes:
    """Runs compiled code (families._compile) in lanes for a family Run."""

    def __init__(self, run: Run) -> None:
        self.run, self.b = run, run.b

    def eval(self, code: tuple[tuple[Any, ...], ...], ivars: dict[str, Value],
             local: dict[str, Value], lanes: int) -> Value:
        """What `code` computes in each of `lanes` lanes: an operand, or a list of them."""
        b, run = self.b, self.run
        apply, apply_lanes, literal, read = b.apply, b.apply_lanes, b.literal, b.read
        stack: list[Value] = []
        frames: list[list[Any]] = []
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
                x = pop()
                push(apply_lanes(ins[1], [x, y], lanes, ins[2])
                     if type(x) is list or type(y) is list else apply(ins[1], [x, y], ins[2]))
            elif op == _APPLY1:
                x = pop()
                push(apply_lanes(ins[1], [x], lanes, ins[2]) if type(x) is list
                     else apply(ins[1], [x], ins[2]))
            elif op == _ELEM:
                push(self.element(ins[3], ivars, lanes))
            elif op == _NUM:
                push(literal(ins[1]))
            elif op == _IVAR:
                v = self.index((ins[1],), ivars, lanes, ins[2])
                push([literal(float(x)) for x in v] if type(v) is list else literal(float(v)))
            elif op == _NAME:
                push(read(ins[1]))
            elif op == _LOCAL:
                push(local[ins[1]])
            elif op == _REDUCE:
                state = self.reduce(ins, pc, lanes, ivars, local, frames, stack)
                pc, lanes, ivars, local = state
            elif op == _END:
                lanes, ivars, local = self.end(frames, stack)
            else:  # _CALL
                fn, body = run.functions[ins[1]]
                k = ins[2]
                args = stack[-k:]
                del stack[-k:]
                frames.append(["call", code, pc, n, ivars, local])
                code, pc, n = body, 0, len(body)
                ivars, local = dict(run.base), dict(zip(fn.params, args))
        return stack[-1]

    def index(self, code: IndexCode, ivars: dict[str, Value], lanes: int, pos: int) -> Value:
        while True:
            try:
                return vector_index(code, ivars, lanes)
            except KeyError as exc:
                self.run.size(exc.args[0], ivars, pos)

    def element(self, ins: Elem, ivars: dict[str, Value], lanes: int) -> Value:
        """`ins` read in every lane: an operand, or a list of them."""
        run = self.run
        family = run.families.get(ins.name)
        if family is None:
            family = run.first_read(ins, ivars, lanes)
        at = [self.index(c, ivars, lanes, ins.pos) for c in ins.indices]
        elements = family.elements
        if not any(type(a) is list for a in at):
            key = tuple(at)
            v = elements.get(key)
            if v is None:
                raise run.missing(ins, family, key)
            return v
        cols = [a if type(a) is list else itertools.repeat(a, lanes) for a in at]
        keys = list(zip(*cols))
        out = list(map(elements.get, keys))
        if None in out:
            raise run.missing(ins, family, keys[out.index(None)])
        return out

    def reduce(self, ins: tuple[Any, ...], pc: int, lanes: int, ivars: dict[str, Value],
               local: dict[str, Value], frames: list[list[Any]],
               stack: list[Value]) -> tuple[int, int, dict[str, Value], dict[str, Value]]:
        """Start a reduction: the lanes of its terms, or its identity where it has none."""
        red: Reduce = ins[1]
        run = self.run
        first = red.loops[0]
        counts: list[int] | int
        if first.over:
            items: list[int] = []
            for name in first.over:
                items.extend(run.elements_of(name, first.pos))
            counts, columns = len(items), {first.var: items * lanes}
        else:
            ranges = [run.range_of(lp, ivars, lanes) for lp in red.loops]
            for lp, (lo, hi) in zip(red.loops, ranges):
                run.loops[lp.var] = (lo if type(lo) is int else min(lo, default=1),
                                     hi if type(hi) is int else max(hi, default=0))
            counts, columns = self._terms(red, ranges, lanes)
        total = counts * lanes if isinstance(counts, int) else sum(counts)
        if total == 0 or (isinstance(counts, list) and 0 in counts):
            if red.op not in IDENTITY:
                raise run.error(f"{red.op} over an empty range", red.pos)
            if total == 0:
                for lp in red.loops:
                    run.loops.pop(lp.var, None)
                stack.append(self.b.literal(IDENTITY[red.op]))
                return ins[2], lanes, ivars, local
        inner_ivars = {k: spread(v, counts, lanes) for k, v in ivars.items()}
        inner_local = {k: spread(v, counts, lanes) for k, v in local.items()}
        target = inner_local if first.over else inner_ivars
        target.update(columns)
        frames.append(["reduce", red, lanes, ivars, local, counts])
        return pc, total, inner_ivars, inner_local

    def _terms(self, red: Reduce, ranges: list[tuple[Value, Value]],
               lanes: int) -> tuple[list[int] | int, dict[str, list[int]]]:
        """(terms per lane, and each loop variable's value in every term's lane)."""
        names = [lp.var for lp in red.loops]
        if all(type(lo) is int and type(hi) is int for lo, hi in ranges):
            spans = [range(lo, hi + 1) for lo, hi in ranges]
            if len(spans) == 1:
                return len(spans[0]), {names[0]: list(spans[0]) * lanes}
            rows = list(itertools.product(*spans))
            return len(rows), {v: [r[k] for r in rows] * lanes for k, v in enumerate(names)}
        los = [lo if type(lo) is list else [lo] * lanes for lo, _ in ranges]
        his = [hi if type(hi) is list else [hi] * lanes for _, hi in ranges]
        counts: list[int] = []
        cols: dict[str, list[int]] = {v: [] for v in names}
        for lane in range(lanes):
            rows = list(itertools.product(*[range(lo[lane], hi[lane] + 1)
                                            for lo, hi in zip(los, his)]))
            counts.append(len(rows))
            for k, v in enumerate(names):
                cols[v].extend(r[k] for r in rows)
        return counts, cols

    def end(self, frames: list[list[Any]],
            stack: list[Value]) -> tuple[int, dict[str, Value], dict[str, Value]]:
        """A reduction's body ran in every term's lane: fold each lane's terms, in order."""
        _, red, lanes, ivars, local, counts = frames.pop()
        b = self.b
        v = stack.pop()
        op, pos = ACCUMULATE[red.op], red.pos
        sizes = [counts] * lanes if type(counts) is int else counts
        out: list[int] = []
        at = 0
        for c in sizes:
            if c == 0:
                total = b.literal(IDENTITY[red.op])
            else:
                terms = v[at:at + c] if type(v) is list else [v] * c
                total = b.chain(op, terms, pos)
                if red.op == "mean":
                    total = b.apply("div", [total, b.literal(float(c))], pos)
            out.append(total)
            at += c
        for lp in red.loops:
            self.run.loops.pop(lp.var, None)
        stack.append(out[0] if lanes == 1 else out)
        return lanes, ivars, local
