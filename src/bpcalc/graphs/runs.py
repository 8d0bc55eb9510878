"""Long runs of lines that repeat a shape, found in one pass over the whole text.

A line's shape is the line with its names and numbers taken out (`x = sin(x)*a + b` and
`y = sin(y)*c + d` have one shape). Generated programs repeat a shape, or a group of 2 to
8 shapes (three-address code: `t3 = sin(t2)`, `t4 = t3 * a`, `t5 = t4 + b`, ...), for
thousands of lines; such a run is read in columns (columns.py), many lines at once.

Finding them costs a program that has none a few percent: every line's shape comes from
two substitutions over the whole text, each distinct shape becomes one character, and one
regular expression finds the stretches where a group of up to MAX_GROUP characters repeats
at least RUN times (all of it in C). A run whose lines are not each one assignment, or that
columns.py refuses, is read as any other line is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import count
from typing import TYPE_CHECKING, NamedTuple

from ..errors import ParseError

if TYPE_CHECKING:
    from ..text.program import Statement

RUN = 256  # rows of one shape in a row: from here on they are read in columns
CHUNK = 4096  # rows read in columns at a time: their atoms and keys are held at once
MAX_GROUP = 8  # lines of a group that repeats, read as one row

# Names not followed by '(' (a call's name stays in the shape) and numbers as the lexer
# reads them, not starting inside a word (`log2(` is all shape). Digits and '.' sort
# before letters and '_': `atom[0] <= "9"` is a number.
_NAME = r"[A-Za-z_]\w*(?![\w(])(?!\s+\()"
_NUMBER = r"(?<!\w)(?:\d+(?:\.(?!\.)\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
ATOMS = re.compile(f"{_NAME}|{_NUMBER}", re.ASCII)
_NAMES = re.compile(_NAME, re.ASCII)
_NUMBERS = re.compile(_NUMBER, re.ASCII)


class Run(NamedTuple):
    start: int  # its first line
    stop: int  # the line after its last row
    period: int  # lines a row


_COARSE = str.maketrans("", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789_.")


def find(text: str, least: int = RUN) -> list[Run]:
    """Where runs may be, in `text` (line numbers from 0): stretches of at least
    `least` rows, in order, none overlapping, where each line's operators and punctuation
    (its names and numbers deleted) repeat those of the line one row before. `rows` says
    how far each really runs.

    Each line's punctuation becomes one byte (its shape's number, modulo 256: a false match
    is only a candidate that `rows` then refuses), and for each period p one XOR of the
    bytes with themselves shifted by p (as two big integers) leaves a zero wherever a line
    repeats the line p before; a regular expression finds the long stretches of zeros."""
    if text.count("\n") < 2 * least:
        return []
    coarse = text.translate(_COARSE).split("\n")
    numbers = count()
    code: defaultdict[str, int] = defaultdict(lambda: next(numbers) & 0xFF)
    codes = bytes(map(code.__getitem__, coarse))
    blank = {c for s, c in code.items() if not s.strip()}
    n, found = len(codes), []
    whole = int.from_bytes(codes, "big")
    for p in range(1, MAX_GROUP + 1):
        if n - p < p * (least - 1):
            break
        same = ((whole >> (8 * p)) ^ int.from_bytes(codes[p:], "big")).to_bytes(n - p, "big")
        for m in re.finditer(b"\x00{%d,}" % (p * (least - 1)), same):
            if not set(codes[m.start():m.start() + p]) <= blank:
                found.append(Run(m.start(), m.end() + p, p))
    found.sort(key=lambda r: (r.start, r.period))
    runs: list[Run] = []
    for r in found:
        if not runs or r.start >= runs[-1].stop:
            runs.append(r)
    return runs


class Group(NamedTuple):
    """What a run's rows are: one assignment a line, its atoms numbered across the row."""

    statements: tuple[Statement, ...]
    targets: tuple[int, ...]  # the atom of each statement's target
    width: int  # atoms a row
    row: re.Pattern[str]  # one row, its separators as they are, its atoms captured


def group(lines: list[str]) -> Group | None:
    """The statements of one row of a run (its first `period` lines), with placeholders
    `_0`, `_1`, ... for the atoms; None unless each line is one assignment of a name."""
    from ..text.parser import Name, parse

    statements: list[Statement] = []
    targets: list[int] = []
    pattern: list[str] = []
    at = 0
    for line in lines:
        seps = ATOMS.split(line)
        atoms = ATOMS.findall(line)
        text = "".join(f"{sep} _{at + j} " for j, sep in enumerate(seps[:-1])) + seps[-1]
        try:
            program = parse(text)
        except ParseError:
            return None
        if not program.plain or len(program.statements) != 1:
            return None
        (st,) = program.statements
        if st.target is None or not all(type(ins) is not Name or ins.name.startswith("_")
                                        for ins in st.code):
            return None
        if atoms[int(st.target[1:]) - at][0] <= "9":
            return None  # a number as the target: the parser's error
        statements.append(st)
        targets.append(int(st.target[1:]))
        pattern.append(re.escape(seps[0]) + "".join(
            f"({_atom(a[0] <= '9', before, after)}){re.escape(after)}"
            for a, before, after in zip(atoms, seps[:-1], seps[1:], strict=True)))
        at += len(atoms)
    row = re.compile("^" + "\n".join(pattern) + "$", re.ASCII | re.MULTILINE)
    return Group(tuple(statements), tuple(targets), at, row)


def _atom(number: bool, before: str, after: str) -> str:
    """The pattern of an atom between the literal separators `before` and `after`: a
    number or a name, without the look-arounds that those separators already decide (a
    name followed by an operator, a number after one)."""
    if number:
        return _NUMBER if before[-1:].isalnum() or before[-1:] == "_" else _NUMBER[7:]
    if after[:1] and (after[0].isalnum() or after[0] in "_("):
        return _NAME  # glued to a word or a call's parenthesis
    if after.lstrip(" \t\r\f\v")[:1] == "(":
        return _NAME
    return _NAME.split("(?!")[0]


def rows(lines: list[str], group: Group, period: int) -> list[tuple[str, ...]]:
    """The atoms of the leading rows of `lines` (`period` lines each) that have the group's
    shape, up to the first that has not (one findall over all of them when all have)."""
    whole = len(lines) // period
    if period == 1 and lines and lines.count(lines[0]) == whole:  # one line over and over
        m = group.row.fullmatch(lines[0])
        return [m.groups()] * whole if m is not None else []
    text = "\n".join(lines[:whole * period])
    found = group.row.findall(text)
    if found and not isinstance(found[0], tuple):
        found = [(a,) for a in found]  # one atom a row: findall gives strings
    if len(found) == whole:
        return found
    out = []
    for k in range(whole):
        m = group.row.fullmatch("\n".join(lines[k * period:(k + 1) * period]))
        if m is None:
            break
        out.append(m.groups())
    return out
