"""Text -> graph quickly, for the long generated programs that scripts feed bpcalc.

Such programs repeat a few statement shapes thousands of times: `x = sin(x)*a + b`, or
`loss += (w_17*0.98 - 1.3)^2` with other names and numbers. Each line is cut into its
atoms (names and numbers) and what lies between them, its shape. A shape is parsed once,
by the parser itself, with placeholders `_0`, `_1`, ... for the atoms, and compiled into
a small Python function that feeds the graph's Builder (the interpreter, builder.run, writes
its code, see linecode.py); every other line of that shape only calls the function with its
own atoms.

A long run of lines of one shape, where each line makes the same new nodes from the line
before's result (`x = sin(x)*a + b`, `loss += (w_17*0.98 - 1.3)^2`, or with a new name
each line, `x2 = sin(x1)*a + b`), is read a chunk at a time in columns: the node numbers
are ranges, the keys and edges zips of them (see `columns.py`, which says when that is
exact). So is a group of 2 to 8 lines of different shapes that repeats (three-address
code: `t3 = sin(t2)`, `t4 = t3 * a`, `t5 = t4 + b`, ...), a group read as one row.

Anything unusual sends the whole text through `parser.parse` and `builder.build`, which give
the same graph, or the error message with its line and column: a line the parser rejects,
a statement spread over lines, a constant that does not fold, a function's name used as a
name, an assignment to a number or a constant, more shapes than lines can pay for. Short
programs go that way from the start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Any, cast

from ..errors import ParseError
from ..ops import CONSTANTS
from ..text.lexer import tokenize
from ..text.parser import RESERVED, Name, Statement, parse
from . import columns
from .builder import Builder, Built, NamesCollide, build, run
from .linecode import Code, Fallback, only_table_ops_and_placeholders

SHORT = 32  # lines: below this the parser is as quick, and nothing is compiled
MATCH_ATOMS = 100  # a wider line's regex takes longer to compile than it saves
RUN = 256  # lines of one shape in a row: from here on they are read in columns
CHUNK = 4096  # lines read in columns at a time: their atoms and keys are held at once
MAX_GROUP = 8  # lines of a group that repeats (three-address code), read as one row
FEW = 4  # rows of a run that tell whether it can go in columns, before more are matched

# Names not followed by '(' (a call's name stays in the shape) and numbers as the lexer
# reads them, not starting inside a word (`log2(` is all shape). Digits and '.' sort
# before letters and '_': `atom[0] <= "9"` is a number.
_NAME = r"[A-Za-z_]\w*(?![\w(])(?!\s+\()"
_NUMBER = r"(?<!\w)(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NAME_BARE, _NUMBER_BARE = _NAME.split("(?!")[0], _NUMBER[len("(?<!\\w)"):]
_ATOMS = re.compile(f"({_NAME}|{_NUMBER})", re.ASCII)




_Kinded = tuple[Callable[[str], "re.Match | None"], Callable[[str], list] | None]


class _Shape:
    """One line shape: its compiled statements and what the last of them leaves behind."""

    def __init__(self, run: Callable[[Sequence[str]], int] | None, target: int | None,
                 bare: int | None, seps: Sequence[str] = (),
                 statement: Statement | None = None) -> None:
        self.run = run  # feeds the builder with one line's atoms; returns the last result
        self.target = target  # atom index of the last statement's target, if it has one
        self.bare = bare  # atom index when the last statement is one bare atom
        self.seps = seps
        self.statement = statement  # the one assignment on such a line, for _columns
        # What columns.put reads a row of this shape as: its statements, one a line, and
        # the atom of each one's target (a group's rows are several lines, see _group).
        self.group: tuple[Statement, ...] = () if statement is None else (statement,)
        self.targets: tuple[int, ...] = () if target is None else (target,)
        self.lines = 1
        self.uses = 0
        self.match: Callable[[str], re.Match | None] | None = None
        self.kinded: dict[tuple[bool, ...], _Kinded] = {}
        self.probe_at = 0  # the line from which _columns may probe again
        self.misses = 0  # probes in a row that found nothing to read in columns

    def matcher(self) -> Callable[[str], re.Match | None]:
        """fullmatch of a regex of this shape: its seps literally, an atom between each two.
        A line it matches splits into these seps and its groups, without _ATOMS.split."""
        if self.match is None:
            atom = f"({_ATOMS.pattern[1:-1]})"
            self.match = re.compile(atom.join(map(re.escape, self.seps)), re.ASCII).fullmatch
        return self.match

    def kind_matcher(self, numbers: tuple[bool, ...]) -> _Kinded:
        """As `matcher`, but each atom a number or a name as `numbers` says; with it, the
        findall of the same pattern line by line over lines joined by newlines (None for
        one atom, whose findall gives strings, not tuples)."""
        match = self.kinded.get(numbers)
        if match is None:
            raw = self.seps
            text = re.escape(raw[0]) + "".join(
                f"({_atom(num, before, after)}){re.escape(after)}"
                for num, before, after in zip(numbers, raw[:-1], raw[1:], strict=True))
            many = re.compile(f"^{text}$", re.ASCII | re.MULTILINE).findall \
                if len(numbers) > 1 else None
            match = self.kinded[numbers] = (re.compile(text, re.ASCII).fullmatch, many)
        return match


_BLANK = _Shape(None, None, None)


def _atom(number: bool, before: str, after: str) -> str:
    """The pattern of an atom between the literal seps `before` and `after`: _NUMBER or
    _NAME, without the look-arounds that those seps already decide (a name followed by an
    operator, a number after one): they cost a test at every atom of every line."""
    if number:
        return _NUMBER if before[-1:].isalnum() or before[-1:] == "_" else _NUMBER_BARE
    if after[:1] and (after[0].isalnum() or after[0] in "_("):
        return _NAME  # glued to a word or a call's parenthesis
    if after.lstrip(" \t\r\f\v\n")[:1] == "(":
        return _NAME  # `f (x)`: spaces, then a call's parenthesis (after a sep of spaces
    return _NAME_BARE  # alone comes an atom, which never starts with one)


def read(source: str, given: Mapping[str, Any] | None = None, limit: int | None = None,
         short: int = SHORT, least: int = RUN) -> Built:
    """The program `source` built, as `build(parse(source), given, limit)` builds it.
    (`short` and `least` let the tests take the quick paths on short texts.)"""
    if source.count("\n") >= short and "\0" not in source:
        try:
            return _Reader(source, least).read()
        except (Fallback, NamesCollide):  # NamesCollide: a name read in columns came back
            pass
    return build(parse(source), given, limit)


class _Reader:
    def __init__(self, source: str, least: int = RUN) -> None:
        self.source = source
        self.least = least  # lines in a row before _columns takes them
        self.b = b = Builder(source)
        self.shapes: dict[str, _Shape] = {}
        # Every atom read so far, names and numbers: the compiled code looks an atom up
        # here first and calls `rd` only for what is new. Names are also in b.env.
        known: dict[str, int] = {}
        literal, read = b.literal, b.read
        inf = float("inf")

        def rd(atom: str) -> int:
            if atom[0] <= "9":
                v = float(atom)
                if v == inf:
                    raise Fallback
                c = known[atom] = literal(v)
                return c
            if atom in RESERVED:
                if atom not in CONSTANTS:
                    raise Fallback
                return literal(CONSTANTS[atom])
            c = known[atom] = read(atom)  # a name not met before: an input
            return c

        def fail() -> None:
            raise Fallback

        def fold(key: tuple) -> int:
            c = b.fold(key[0], key[1:])
            if c is None:
                raise Fallback  # the parser's build names the error, with its position
            return c

        self.groups: dict[tuple[_Shape, ...], _Shape] = {}
        self.known, self.rd = known, rd
        self.scope = {"rd": rd, "known": known.get, "fold": fold, "fail": fail,
                      "RESERVED": RESERVED, "names": known, "make": b.make, "assign": b.assign}

    def read(self) -> Built:
        split = _ATOMS.split
        shapes = self.shapes
        seen: dict[str, tuple] = {}  # whole lines that repeat: (run, bare, shape, atoms)
        atoms: Sequence[str] = [""]
        last, result, bare_before = _BLANK, 0, False
        shape, match = _BLANK, None  # the last shape and its matcher: most lines have the
        # shape of the line before, and a literal regex of it is quicker than _ATOMS.split
        lines = self.source.split("\n")
        n, end = 0, len(lines)
        recent: list[_Shape] = []  # the shapes of the last lines read one by one, and
        recent_atoms: list[Sequence[str]] = []  # their atoms: a group that repeats?
        while n < end:
            line = lines[n]
            n += 1
            hit = seen.get(line)
            if hit is None:
                m = match(line) if match is not None else None
                if m is not None:
                    hit = (shape.run, shape.target is None, shape, m.groups())
                else:
                    parts = split(line)
                    found = shapes.get(key := "\0".join(parts[0::2]))
                    if found is None:
                        if len(shapes) > 64 + n // 4:
                            raise Fallback  # too varied to pay for compiling
                        found = shapes[key] = self._compile(parts[0::2])
                    shape = found
                    if shape.run is not None:  # not the shared _BLANK
                        shape.uses += 1  # a matcher for a shape seen twice, of a sane width
                    match = shape.matcher() if shape.uses > 1 and \
                        len(shape.seps) <= MATCH_ATOMS else None
                    hit = (shape.run, shape.target is None, shape, parts[1::2])
                if len(seen) < 1024:
                    seen[line] = hit
            run, bare, shape_, line_atoms = hit
            if run is None:
                continue
            if bare_before:
                raise Fallback  # a bare expression that is not last: the parser says so
            result = run(line_atoms)
            last, atoms, bare_before = shape_, line_atoms, bare
            if shape_.statement is None or n >= end:
                continue
            taken, got = self._probe(shape_, line_atoms, recent, recent_atoms, lines, n)
            if taken:
                n += taken
                last, atoms, result = got
        if last.run is None:
            raise Fallback  # nothing but blanks and comments
        target = None if last.target is None else atoms[last.target]
        bare_key = ""
        if last.bare is not None:
            atom = atoms[last.bare]
            bare_key = atom if atom[0] > "9" and atom not in CONSTANTS else ""
        if not self.b.names_were_new():
            raise Fallback  # a name read in columns came back: rare enough for the parser
        return Built(self.b, target, bare_key, result)

    def _probe(self, shape: _Shape, atoms: Sequence[str], recent: list[_Shape],
               recent_atoms: list[Sequence[str]], lines: list[str],
               n: int) -> tuple[int, tuple[_Shape, Sequence[str], int]]:
        """After line n - 1, read on in columns if a run of `shape` or of a group of
        `recent` shapes goes on: (lines taken, and the last line's shape, atoms, result).
        Lines probed and left are read one by one. A shape whose probes find no run, or
        none that goes in columns, is probed less and less often (each time after twice as
        many lines), so that the probes stay cheap."""
        recent.append(shape)
        recent_atoms.append(atoms)
        del recent[:-2 * MAX_GROUP], recent_atoms[:-2 * MAX_GROUP]
        probe, row = shape, atoms
        if n < shape.probe_at:
            group = self._period(recent)
            if group is None or n < group.probe_at:
                return 0, (shape, atoms, 0)
            probe = group
            row = tuple(chain.from_iterable(recent_atoms[-group.lines:]))
        taken, probed, row, result = self._columns(probe, row, lines, n)
        if not taken:
            probe.misses = min(probe.misses + 1, 16)
            probe.probe_at = n + probed + (max(probed, 1) << probe.misses)
            return 0, (shape, atoms, 0)
        last = recent[-1]
        probe.misses, probe.probe_at = 0, n + taken + probed
        recent.clear()
        recent_atoms.clear()
        return taken, (last, row[len(row) - len(last.seps) + 1:], result)

    def _columns(self, shape: _Shape, atoms: Sequence[str], lines: list[str],
                 n: int) -> tuple[int, int, Sequence[str], int]:
        """Read on from line n, in columns (columns.py), the rows of `shape` (a line, or a
        group of lines) whose atoms are numbers and names where `atoms` has them: (lines
        taken, lines probed past those and left to be read one by one, the last row
        taken's atoms and result)."""
        kinded = shape.kind_matcher(tuple(a[0] <= "9" for a in atoms))
        per = shape.lines
        taken, size, result, judged = 0, 1, 0, False
        rows: list[tuple[str, ...]] = []
        while True:  # probe 1, 2, 4, ... rows: a short run wastes few matches
            i = n + (taken + len(rows)) * per
            want = min(size, CHUNK - len(rows))
            chunk = lines[i:i + want * per]
            found, more = _leading_rows(kinded, chunk, per)
            rows += found
            more = more and len(chunk) == want * per
            if not (taken or judged) and more and len(rows) >= FEW:
                judged = True
                if not columns.fits(self.b, shape.group, shape.targets, rows,
                                    atoms[shape.targets[-1]], None):
                    return 0, len(rows) * per, atoms, result  # it cannot go in columns
            if len(rows) >= CHUNK or not more:
                got = None
                if len(rows) >= (self.least if not taken else 1):
                    got = columns.put(self.b, self.known, self.rd, shape.group, shape.targets,
                                      rows, atoms[shape.targets[-1]],
                                      result if taken else None)
                if got is None:
                    return taken * per, len(rows) * per, atoms, result
                taken += len(rows)
                atoms, result, rows = rows[-1], got, []
                if not more:
                    return taken * per, 0, atoms, result
            size = min(2 * size, CHUNK)

    def _period(self, recent: list[_Shape]) -> _Shape | None:
        """The group of the last p lines' shapes, when the p lines before had the same
        (2 <= p <= MAX_GROUP), each a line of one assignment: three-address code."""
        for p in range(2, min(MAX_GROUP, len(recent) // 2) + 1):
            if recent[-p:] == recent[-2 * p:-p] and all(s.statement for s in recent[-p:]):
                key = tuple(recent[-p:])
                group = self.groups.get(key)
                if group is None:
                    group = self.groups[key] = _group(key)
                return group
        return None

    def _compile(self, seps: list[str]) -> _Shape:
        text = "".join(f"{s} _{j} " for j, s in enumerate(seps[:-1])) + seps[-1]
        try:
            if len(tokenize(text)) == 1:
                return _BLANK
            program = parse(text)
        except ParseError:
            raise Fallback from None
        if not only_table_ops_and_placeholders(program):
            raise Fallback  # never: but exec must not see anything else
        code = Code()
        r = run(program, code)
        code.body.append(f"return {r}")
        scope = dict(self.scope)
        exec("def run(at):\n" + "".join(f"    {line}\n" for line in code.body),  # noqa: S102
             scope)  # op names come from the table, atoms are data
        last = program.statements[-1]
        one = last.code[0] if len(last.code) == 1 and last.target is None else None
        bare = int(one.name[1:]) if type(one) is Name else None
        target = None if last.target is None else int(last.target[1:])
        single = last if len(program.statements) == 1 and target is not None \
            and len(seps) <= MATCH_ATOMS else None
        run_line = cast(Callable[[Sequence[str]], int], scope["run"])
        return _Shape(run_line, target, bare, tuple(seps), single)


def _group(shapes: tuple[_Shape, ...]) -> _Shape:
    """Lines of these shapes, one after another, as one shape of several lines: its seps
    joined by newlines, its statements with their placeholders numbered on."""
    seps = list(shapes[0].seps)
    statements, targets, at = [], [], 0
    for k, shape in enumerate(shapes):
        assert shape.statement is not None and shape.target is not None
        if k:
            seps[-1] += "\n" + shape.seps[0]
            seps += shape.seps[1:]
        statements.append(_renumbered(shape.statement, at))
        targets.append(at + shape.target)
        at += len(shape.seps) - 1
    group = _Shape(None, None, None, tuple(seps))
    group.group, group.targets, group.lines = tuple(statements), tuple(targets), len(shapes)
    return group


def _renumbered(st: Statement, by: int) -> Statement:
    """`st` with placeholder _j read as _(j + by)."""
    def name(text: str) -> str:
        return f"_{int(text[1:]) + by}"

    code = tuple(Name(name(i.name), i.pos) if type(i) is Name else i for i in st.code)
    return st._replace(target=None if st.target is None else name(st.target), code=code)


def _leading_rows(kinded: _Kinded, lines: list[str],
                  per: int) -> tuple[list[tuple[str, ...]], bool]:
    """The atoms of the rows (`per` lines each) of `lines` that match, up to the first that
    does not, and whether all do. One line over and over is matched once; rows that differ
    are matched all at once by one findall over the lines, and one by one only when some
    row fails."""
    match, many = kinded
    if not lines:
        return [], True
    if per == 1 and lines.count(lines[0]) == len(lines):
        m = match(lines[0])
        return ([m.groups()] * len(lines), True) if m is not None else ([], False)
    whole = len(lines) // per
    if many is not None and whole:
        got = many("\n".join(lines[:whole * per]))
        if len(got) == whole:
            return got, whole * per == len(lines)
    rows = lines if per == 1 else ["\n".join(lines[j:j + per])
                                   for j in range(0, len(lines), per)]
    found = list(map(match, rows))
    stop = found.index(None) if None in found else len(found)
    return [m.groups() for m in found[:stop] if m is not None], stop == len(found)
