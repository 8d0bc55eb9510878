"""Text -> graph in one pass, for every program of scalars: the general reader.

The text is cut into tokens by one compiled pattern over all of it (`findall`, in C), a
block of lines at a time, and a shunting-yard over the tokens feeds the Builder as each
operation is reduced: no Program is made in between, and no line costs more for looking
like the one before or not. What the quick pass does not read itself sends the whole text
to the parser (text/parser.py) and its interpreter (builder.run, or families.run for a
program with families), which give the same graph, or the error with its line and column:
anything the grammar rejects, a constant that does not fold, families, sums and functions,
and a statement spread over a `\\` line break.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import MathError
from ..ops import CONSTANTS, FUNCTIONS
from ..text.words import RESERVED
from . import runs
from .builder import Builder, Built
from .bulk import NamesCollide

_TOKEN = re.compile(r"(?:\d+(?:\.(?!\.)\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*"
                    r"|\*\*|\.\.|[-+*/<>]=|\n|[^\s]", re.ASCII)
_COMMENT = re.compile(r"#[^\n]*")
LINES = 2048  # lines tokenized at a time: the tokens of a block are held at once

# binary operators: precedence (loosest 0), op, right-associative
_BINARY = {"+": (1, "add", False), "-": (1, "sub", False), "*": (2, "mul", False),
           "/": (2, "div", False), "**": (4, "pow", True), "^": (4, "pow", True),
           "<": (0, "lt", False), ">": (0, "gt", False), "<=": (0, "le", False),
           ">=": (0, "ge", False)}
_COMPARE = frozenset({"lt", "gt", "le", "ge"})
_ASSIGN = {"=": None, "+=": "add", "-=": "sub", "*=": "mul", "/=": "div"}
_UNARY = 3
_ENDS = frozenset({"\n", ";", "\0"})


class Fallback(Exception):
    """The quick pass leaves this text to the parser."""


def read(source: str, given: Mapping[str, Any] | None = None, limit: int | None = None,
         least: int = runs.RUN) -> Built:
    """The program `source` built, as `build(parse(source), given, limit)` builds it.
    (`least`: rows of a run read in columns, for the tests.)"""
    try:
        return _Quick(source, least).read()
    except (Fallback, MathError, RecursionError, NamesCollide):
        from ..text.parser import parse
        from .builder import build

        return build(parse(source), given, limit)  # which says what is wrong, and where


_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NUMBER_START = frozenset("0123456789.")
_END = "\0"  # after a block's last token (the pattern never makes it: \0 is refused)
_INF = float("inf")


class _Quick:
    def __init__(self, source: str, least: int) -> None:
        self.source, self.least = source, least
        self.b = Builder(source)
        self.result: int | None = None
        self.target: str | None = None
        self.bare = ""  # the name a last bare expression reads, if it is one name
        self.bare_before = False
        self.known: dict[str, int] = {}  # atoms read in columns: operands (columns.py)

    def read(self) -> Built:
        source = self.source
        if "\0" in source or "\\" in source:
            raise Fallback  # a line continued by `\`: rare, the parser reads it
        if "#" in source:
            source = _COMMENT.sub("", source)
        lines = source.split("\n")
        at = 0
        for run in runs.find(source, self.least):
            if run.start < at:
                continue
            self.lines(lines[at:run.start])
            at = self.columns(lines, run)
        self.lines(lines[at:])
        if self.result is None:
            raise Fallback  # nothing but blanks and comments: the parser's error
        if not self.b.names_were_new():
            raise Fallback  # a name read in columns came back: rare enough for the parser
        target = self.target
        return Built(self.b, target, self.bare if target is None else "", self.result)

    def lines(self, lines: list[str]) -> None:
        """Read these whole lines, LINES at a time, each block ending where its parentheses
        balance, so that no statement is cut."""
        start, n = 0, len(lines)
        while start < n:
            stop = min(n, start + LINES)
            text = "\n".join(lines[start:stop])
            depth = text.count("(") - text.count(")")
            while depth > 0 and stop < n:
                more = "\n".join(lines[stop:stop + LINES])
                stop = min(n, stop + LINES)
                text += "\n" + more
                depth += more.count("(") - more.count(")")
            self.statements(text)
            start = stop

    def columns(self, lines: list[str], run: runs.Run) -> int:
        """Read the run's first row line by line, then the rest in columns, a chunk of rows
        at a time, as far as its rows have the first's shape and columns.py takes them:
        the line after the last one read."""
        from .columns import put

        p = run.period
        group = runs.group(lines[run.start:run.start + p])
        if group is None:
            return run.start
        self.lines(lines[run.start:run.start + p])
        after = runs.ATOMS.findall("\n".join(lines[run.start:run.start + p]))
        last, node = after[group.targets[-1]], None
        at, step = run.start + p, runs.CHUNK * p
        while at < run.stop:
            stop = min(at + step, run.stop)
            chunk = runs.rows(lines[at:stop], group, p)
            if not chunk:
                break
            got = put(self.b, self.known, self.atom, group.statements, group.targets,
                              chunk, last, node)
            if got is None:
                break
            last, node = chunk[-1][group.targets[-1]], got
            self.result, self.target = got, last
            whole = (stop - at) // p
            at += len(chunk) * p
            if len(chunk) < whole:
                break  # a row of another shape: the rest line by line
        return at

    def operand(self, name: str) -> int:
        """A name's operand: from the last rows read in columns, which the builder holds
        apart until a lookup misses (Builder._bulk), or the builder's."""
        v = self.known.get(name)
        return self.b.read(name) if v is None else v

    def atom(self, atom: str) -> int:
        """An atom that columns.py meets for the first time: a number or a new input."""
        if atom[0] <= "9":
            v = float(atom)
            if v == _INF:
                raise Fallback
            c = self.known[atom] = self.b.literal(v)
            return c
        if atom in RESERVED:
            raise Fallback
        c = self.known[atom] = self.b.read(atom)
        return c

    def statements(self, text: str) -> None:
        """Read the statements of `text` (whole lines): one shunting-yard over its tokens,
        each operation reduced into the builder as soon as its operands are there."""
        b = self.b
        literal, apply1, apply2, assign = b.literal, b.apply1, b.apply2, b.assign
        read = self.operand if self.known else b.read
        binary, names, numbers, functions, updates = \
            _BINARY, _NAME_START, _NUMBER_START, FUNCTIONS, _ASSIGN
        known = self.known
        toks = _TOKEN.findall(text)
        toks.append(_END)
        i, n = 0, len(toks) - 1
        vals: list[int] = []
        push, pop = vals.append, vals.pop
        # pending operators: (prec, op, kind), kind 0 binary, 1 unary, 2 '(', 3 a call
        ops: list[tuple[int, str, int]] = []
        argc: list[int] = []  # arguments so far of each call open
        while i < n:
            t = toks[i]
            if t == "\n" or t == ";":
                i += 1
                continue
            if self.bare_before:
                raise Fallback  # a bare expression that is not last: the parser says so
            nxt = toks[i + 1]
            update = None
            if nxt in updates and t[0] in names:
                if t in RESERVED:
                    raise Fallback
                target, update = t, updates[nxt]
                i += 2
            else:
                target = None
                one = t if t[0] in names and nxt in _ENDS else ""
                self.bare = one if one not in CONSTANTS else ""
            depth = 0
            while True:  # one operand, then the operators after it
                t = toks[i]
                i += 1
                c = t[0]
                while c in "(-+\n":  # prefixes
                    if c == "(":
                        ops.append((-1, "", 2))
                        depth += 1
                    elif c == "-":
                        if len(t) > 1:
                            raise Fallback  # -=
                        ops.append((_UNARY, "neg", 1))
                    elif c == "\n":
                        if not depth:
                            raise Fallback  # the statement ends where an operand was expected
                    elif len(t) > 1:
                        raise Fallback  # +=
                    t = toks[i]
                    i += 1
                    c = t[0]
                if c in names:
                    if toks[i] == "(":
                        if t not in functions:
                            raise Fallback  # a reduction, the program's function, or unknown
                        ops.append((-1, t, 3))
                        argc.append(1)
                        depth += 1
                        i += 1
                        if toks[i] == ")":
                            raise Fallback
                        continue
                    if t in RESERVED:
                        if t not in CONSTANTS:
                            raise Fallback
                        push(literal(CONSTANTS[t]))
                    else:
                        push(read(t))
                elif c in numbers and t != "..":
                    v = float(t)
                    if v == _INF:
                        raise Fallback
                    push(literal(v))
                else:
                    raise Fallback
                ended = False
                while True:  # operators, up to the next operand or the statement's end
                    t = toks[i]
                    i += 1
                    found = binary.get(t)
                    if found is not None:
                        prec, op, right = found
                        while ops:
                            top = ops[-1]
                            tp = top[0]
                            if tp < prec or (tp == prec and right):
                                break
                            ops.pop()
                            if top[2]:
                                push(apply1(top[1], pop(), 0))
                            else:
                                if top[1] in _COMPARE and op in _COMPARE:
                                    raise Fallback  # chained: the parser says why not
                                y = pop()
                                push(apply2(top[1], pop(), y, 0))
                        ops.append((prec, op, 0))
                        break
                    if t == ")" or t == ",":
                        while ops and ops[-1][2] < 2:
                            top = ops.pop()
                            if top[2]:
                                push(apply1(top[1], pop(), 0))
                            else:
                                y = pop()
                                push(apply2(top[1], pop(), y, 0))
                        if not ops:
                            raise Fallback
                        top = ops[-1]
                        if t == ",":
                            if top[2] != 3:
                                raise Fallback
                            argc[-1] += 1
                            break
                        ops.pop()
                        depth -= 1
                        if top[2] == 3:
                            k = argc.pop()
                            if functions[top[1]] != k:
                                raise Fallback
                            if k == 2:
                                y = pop()
                                push(apply2(top[1], pop(), y, 0))
                            else:
                                push(apply1(top[1], pop(), 0))
                        continue
                    if t == "\n" and depth:
                        continue
                    if t in _ENDS and not depth:
                        while ops:
                            top = ops.pop()
                            if top[2] >= 2:
                                raise Fallback
                            if top[2]:
                                push(apply1(top[1], pop(), 0))
                            else:
                                y = pop()
                                push(apply2(top[1], pop(), y, 0))
                        ended = True
                        break
                    raise Fallback
                if ended:
                    break
            if t == _END:
                i -= 1
            result = pop()
            self.result, self.target = result, target
            if target is None:
                self.bare_before = True
                continue
            if update is not None:
                result = self.result = apply2(update, read(target), result, 0)
            assign(target, result)
            if known:
                known.pop(target, None)
