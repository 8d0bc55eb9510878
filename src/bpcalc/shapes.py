"""Text -> graph quickly, for the long generated programs that scripts feed bpcalc.

Such programs repeat a few statement shapes thousands of times: `x = sin(x)*a + b`, or
`loss += (w_17*0.98 - 1.3)^2` with other names and numbers. Each line is cut into its
atoms (names and numbers) and what lies between them, its shape. A shape is parsed once,
by the parser itself, with placeholders `_0`, `_1`, ... for the atoms, and compiled into
a small Python function that feeds the graph's Builder; every other line of that shape
only calls the function with its own atoms.

A long run of lines of one shape, where each line makes the same new nodes from the line
before's result (`x = sin(x)*a + b`, `loss += (w_17*0.98 - 1.3)^2`), is read a chunk at
a time in columns: the node numbers are ranges, the keys and edges zips of them (see
`_Reader._put`, which says when that is exact).

Anything unusual sends the whole text through `parser.parse` and `graph.build`, which give
the same graph, or the error message with its line and column: a line the parser rejects,
a statement spread over lines, a constant that does not fold, a function's name used as a
name, an assignment to a number or a constant, more shapes than lines can pay for. Short
programs go that way from the start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import chain, repeat

from .errors import ParseError
from .graph import Builder, Graph, attempt, build
from .lexer import tokenize
from .ops import CONSTANTS, OPS
from .parser import RESERVED, Program, Statement, parse

SHORT = 32  # lines: below this the parser is as quick, and nothing is compiled
MATCH_ATOMS = 100  # a wider line's regex takes longer to compile than it saves
RUN = 256  # lines of one shape in a row: from here on they are read in columns
CHUNK = 4096  # lines read in columns at a time: their atoms and keys are held at once

# Names not followed by '(' (a call's name stays in the shape) and numbers as the lexer
# reads them, not starting inside a word (`log2(` is all shape). Digits and '.' sort
# before letters and '_': `atom[0] <= "9"` is a number.
_NAME = r"[A-Za-z_]\w*(?![\w(])(?!\s+\()"
_NUMBER = r"(?<!\w)(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_ATOMS = re.compile(f"({_NAME}|{_NUMBER})", re.ASCII)


class _Fallback(Exception):
    """This text needs the parser."""


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
        self.uses = 0
        self.match: Callable[[str], re.Match | None] | None = None
        self.kinded: dict[tuple[bool, ...], Callable[[str], re.Match | None]] = {}

    def matcher(self) -> Callable[[str], re.Match | None]:
        """fullmatch of a regex of this shape: its seps literally, an atom between each two.
        A line it matches splits into these seps and its groups, without _ATOMS.split."""
        if self.match is None:
            atom = f"({_ATOMS.pattern[1:-1]})"
            self.match = re.compile(atom.join(map(re.escape, self.seps)), re.ASCII).fullmatch
        return self.match

    def kind_matcher(self, numbers: tuple[bool, ...]) -> Callable[[str], re.Match | None]:
        """As `matcher`, but each atom a number or a name as `numbers` says."""
        match = self.kinded.get(numbers)
        if match is None:
            seps = list(map(re.escape, self.seps))
            text = seps[0] + "".join(f"({_NUMBER if num else _NAME}){sep}"
                                     for num, sep in zip(numbers, seps[1:], strict=True))
            match = self.kinded[numbers] = re.compile(text, re.ASCII).fullmatch
        return match


_BLANK = _Shape(None, None, None)


def read(source: str, outputs: Sequence[str] | None = None, short: int = SHORT,
         run: int = RUN) -> Graph:
    """The graph of `source`, as `build(parse(source), outputs)` gives it. (`short` and
    `run` let the tests take the quick paths on short texts.)"""
    if source.count("\n") >= short and "\0" not in source:
        try:
            return _Reader(source, run).read(outputs)
        except _Fallback:
            pass
    return build(parse(source), outputs)


class _Reader:
    def __init__(self, source: str, least: int = RUN) -> None:
        self.source = source
        self.least = least  # lines in a row before _columns takes them
        self.atoms: Sequence[str] = ()  # the last line _put read, and its result
        self.result = 0
        self.b = b = Builder(source)
        self.shapes: dict[str, _Shape] = {}
        # Every atom read so far, names and numbers: the compiled code looks an atom up
        # here first and calls `rd` only for what is new. Names are also in b.env.
        known: dict[str, int] = {}
        env, keys, versions, const = b.env, b.keys, b.versions, b.const

        const_at = b.const_at
        consts = b.consts
        inf = float("inf")

        def rd(atom: str) -> int:
            if atom[0] <= "9":
                v = float(atom)
                if v == inf:
                    raise _Fallback
                c = const_at.get(v) if v else None  # as Builder.const, zero aside
                if c is None:
                    c = const(v)
                known[atom] = c
                return c
            if atom in RESERVED:
                if atom not in CONSTANTS:
                    raise _Fallback
                return const(CONSTANTS[atom])
            v = known[atom] = env[atom] = b.inputs[atom] = len(keys)  # as Builder.read
            keys.append(("input",))
            versions[atom] = [v]
            return v

        def fail() -> None:
            raise _Fallback

        def fold(key: tuple) -> int:
            v, why = attempt(OPS[key[0]].value, [consts[~a] for a in key[1:]])
            if why:
                raise _Fallback
            return b.const(v)

        self.known, self.rd = known, rd
        self.scope = {"rd": rd, "known": known.get, "fold": fold, "fail": fail,
                      "RESERVED": RESERVED, "names": known, "env": env, "versions": versions,
                      "put": b.cons.setdefault, "keys": keys, "es": b.esrc, "ed": b.edst}

    def read(self, outputs: Sequence[str] | None) -> Graph:
        split = _ATOMS.split
        shapes = self.shapes
        seen: dict[str, tuple] = {}  # whole lines that repeat: (run, bare, shape, atoms)
        last, atoms, result, bare_before = _BLANK, [""], 0, False
        shape, match = _BLANK, None  # the last shape and its matcher: most lines have the
        # shape of the line before, and a literal regex of it is quicker than _ATOMS.split
        lines = self.source.split("\n")
        n, end, probe_from, skip = 0, len(lines), 0, 0
        pending = self.b.pending
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
                    shape = shapes.get(key := "\0".join(parts[0::2]))
                    if shape is None:
                        if len(shapes) > 64 + n // 4:
                            raise _Fallback  # too varied to pay for compiling
                        shape = shapes[key] = self._compile(parts[0::2])
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
                raise _Fallback  # a bare expression that is not last: the parser says so
            if pending:
                self.b.flush()  # `run` looks keys up in cons
            result = run(line_atoms)
            last, atoms, bare_before = shape_, line_atoms, bare
            if shape_.statement is not None and n >= probe_from and n < end:
                taken, probed = self._columns(shape_, line_atoms, lines, n)
                if taken:
                    n += taken
                    atoms, result = self.atoms, self.result
                # Lines probed and left are read one by one; after a probe that found no
                # run, probes grow rarer, so that short runs cost little.
                skip = 0 if taken else min(2 * skip + 1, 1023)
                probe_from = n + max(probed, skip)
        if last.run is None:
            raise _Fallback  # nothing but blanks and comments
        target = None if last.target is None else atoms[last.target]
        bare_key = ""
        if last.bare is not None:
            atom = atoms[last.bare]
            bare_key = atom if atom[0] > "9" and atom not in CONSTANTS else ""
        return self.b.finish(outputs, target, bare_key, result)

    def _columns(self, shape: _Shape, atoms: Sequence[str], lines: list[str],
                 n: int) -> tuple[int, int]:
        """Read on from line n, in columns, the lines of `shape` whose atoms are numbers and
        names where `atoms` has them: (lines taken, lines probed past those and left).

        A long run of one shape (`loss += (w_i*x - y)^2`, `x = sin(x)*a + b`) is read a
        chunk of lines at a time: its atoms taken apart by column, its keys and edges
        made from ranges and zips, as `run` would make them line by line (see _put)."""
        match = shape.kind_matcher(tuple(a[0] <= "9" for a in atoms))
        taken, size, rows = 0, 1, []
        groups = re.Match.groups
        while True:  # probe 1, 2, 4, ... lines: a short run wastes few matches
            i = n + taken + len(rows)
            window = lines[i:i + size]
            if window and window.count(window[0]) == len(window):
                found = [match(window[0])] * len(window)  # one line over and over: one match
            else:
                found = list(map(match, window))
            try:
                stop = found.index(None)
            except ValueError:
                stop = len(found)
            rows += map(groups, found[:stop])
            more = stop == size
            if len(rows) >= CHUNK or not more:
                if len(rows) < (self.least if not taken else 1) or not self._put(shape, rows):
                    return taken, len(rows)
                taken += len(rows)
                self.atoms = rows[-1]
                rows = []
                if not more:
                    return taken, 0
            size = min(2 * size, CHUNK)

    def _put(self, shape: _Shape, rows: list[tuple[str, ...]]) -> bool:
        """Feed the builder the lines `rows` (their atoms) of `shape` at once, as `run` would
        line by line; False, with nothing changed but new constants, when they cannot go
        in columns.

        They can when each line makes the same nodes in the same order, all of them new,
        so that node k of line j is number base + j*A + k. That holds when the target is
        one name throughout, each other name is either one name bound before (the target
        is bound to the line before's result) or a new input on every line, and every
        operation has among its operands a node made on its line or the line before's
        result, which is the last node that line made. Then no key of a later line can
        exist before it; the first line's are looked up; two nodes of one line that could
        have one key are refused. The chunk's keys go into `cons` only when something
        looks there (Builder.pending)."""
        st, t = shape.statement, shape.target
        assert st is not None and t is not None
        known, b = self.known, self.b
        count = len(rows)
        cols = list(zip(*rows))
        target = cols[t][0]
        before = known.get(target)  # the target's node before the first row
        if cols[t].count(target) != count or before is None or before < 0:
            return False
        fresh: list[int] = []  # atoms that are a new input on every line
        refs: dict[int, tuple] = {}  # atom -> ("c",) | ("p",) | ("f", operand) | ("i",)
        for a, col in enumerate(cols):
            name = col[0]
            if name[0] <= "9":
                refs[a] = ("c",)
            elif col.count(name) != count:
                refs[a] = ("i",)
                fresh.append(a)
            elif name == target:
                refs[a] = ("p",)  # the line before's result
            elif name in known:
                refs[a] = ("f", known[name])
            else:
                return False  # a reserved constant, or one name new here: rare enough
        if fresh:
            names = set().union(*(cols[a] for a in fresh))
            if len(names) != count * len(fresh) or not known.keys().isdisjoint(names) \
                    or not RESERVED.isdisjoint(names):
                return False
        line = _line(st, refs)
        if line is None or _may_share_a_key(line[0], before):
            return False
        made, numbers = line  # ("input", atom) | (op, operand refs), in order; number atoms
        # Node k of line j is base + j*A + k.
        keys, base, width = b.keys, len(b.keys), len(made)
        stop = base + count * width
        ids = [list(range(base + k, stop, width)) for k in range(width)]
        previous = [before, *ids[-1][:-1]]
        consts = self._constants(cols, numbers)

        def column(ref: tuple) -> Sequence[int]:
            kind, x = ref[0], ref[-1]
            if kind == "n":
                return ids[x]
            if kind == "p":
                return previous
            if kind == "c":
                return consts[x]
            return repeat(x, count)  # type: ignore[return-value]

        made_keys: list[Sequence[tuple]] = []
        src: list[Sequence[int]] = []
        dst: list[Sequence[int]] = []
        ops: list[int] = []  # which of the A nodes are operations (the rest are inputs)
        for k, (op, args) in enumerate(made):
            if op == "input":
                made_keys.append(repeat(("input",), count))  # type: ignore[arg-type]
                continue
            ops.append(k)
            made_keys.append(list(zip(repeat(op, count), *map(column, args))))
            for r in args:
                if r[0] in "np" or (r[0] == "f" and r[1] >= 0):
                    src.append(column(r))
                    dst.append(ids[k])
        if before != base - 1:  # made by a line read one by one: its keys may exist
            b.flush()
            if any(made_keys[k][0] in b.cons for k in ops):
                return False
        keys.extend(chain.from_iterable(zip(*made_keys)))
        b.pending.append((base, stop, width, ops))
        b.esrc.extend(chain.from_iterable(zip(*src)))
        b.edst.extend(chain.from_iterable(zip(*dst)))
        if fresh:
            added = list(chain.from_iterable(zip(*(cols[a] for op, a in made if op == "input"))))
            at = list(chain.from_iterable(zip(*(ids[k] for k, (op, _) in enumerate(made)
                                                if op == "input"))))
            pairs = list(zip(added, at))
            known.update(pairs)
            b.env.update(pairs)
            b.inputs.update(pairs)
            b.versions.update(zip(added, map(list, zip(at))))  # name -> [its node]
        results = ids[-1]
        b.env[target] = known[target] = self.result = results[-1]
        b.versions[target].extend(results)
        return True

    def _constants(self, cols: list[tuple[str, ...]], numbers: list[int]) -> dict[int, list[int]]:
        """The operands of the number atoms `numbers` by column, made in the order given,
        line after line, as `run` reads them."""
        if not numbers:
            return {}
        texts = list(chain.from_iterable(zip(*(cols[a] for a in numbers))))
        known = self.known
        got = list(map(known.get, texts))
        p = 0
        try:
            while True:  # the texts not met before, in reading order
                p = got.index(None, p)
                c = known.get(texts[p])
                got[p] = self.rd(texts[p]) if c is None else c
        except ValueError:
            pass
        return {a: got[k::len(numbers)] for k, a in enumerate(numbers)}

    def _compile(self, seps: list[str]) -> _Shape:
        text = "".join(f"{s} _{j} " for j, s in enumerate(seps[:-1])) + seps[-1]
        try:
            if len(tokenize(text)) == 1:
                return _BLANK
            program = parse(text)
        except ParseError:
            raise _Fallback from None
        body: list[str] = []
        for st in program.statements:
            stack: list[str] = []
            for ins in st.code:
                if ins.kind == "op":
                    arity = OPS[ins.arg].arity  # type: ignore[index]
                    args = stack[-arity:]
                    del stack[-arity:]
                    stack.append(_node(body, ins.arg, args))  # type: ignore[arg-type]
                    continue
                if ins.kind != "name":
                    raise _Fallback  # never: every number is an atom, so a placeholder
                t = f"t{len(body)}"
                atom = f"at[{str(ins.arg)[1:]}]"
                body.append(f"{t} = known({atom})")  # an atom read before: no call
                body.append(f"if {t} is None: {t} = rd({atom})")
                stack.append(t)
            (r,) = stack
            if st.update is not None:
                t = f"t{len(body)}"
                atom = f"at[{st.target[1:]}]"  # type: ignore[index]
                body.append(f"{t} = known({atom})")
                body.append(f"if {t} is None: {t} = rd({atom})")
                r = _node(body, st.update, [t, r])
            if st.target is not None:  # as Builder.assign, once a name is known to be one
                body.append(f"n = at[{st.target[1:]}]")
                body.append("if n[0] <= '9' or n in RESERVED: fail()")
                body.append(f"env[n] = names[n] = {r}")
                body.append("vs = versions.get(n)")
                body.append(f"if vs is None: versions[n] = [{r}]")
                body.append(f"else: vs.append({r})")
        body.append(f"return {r}")
        code = "def run(at):\n" + "".join(f"    {line}\n" for line in body)
        if not _only_table_ops_and_placeholders(program):
            raise _Fallback  # never: but exec must not see anything else
        scope = dict(self.scope)
        exec(code, scope)  # noqa: S102 -- op names come from the table, atoms are data
        last = program.statements[-1]
        one = last.code[0] if len(last.code) == 1 and last.target is None else None
        bare = int(str(one.arg)[1:]) if one is not None and one.kind == "name" else None
        target = None if last.target is None else int(last.target[1:])
        single = last if len(program.statements) == 1 and target is not None else None
        return _Shape(scope["run"], target, bare, tuple(seps), single)


_PLACEHOLDER = re.compile(r"_\d+")


def _only_table_ops_and_placeholders(program: Program) -> bool:
    """What the compiled code is made of: op names from the table and the placeholders'
    numbers. The program's own text never reaches exec (its atoms are passed as data)."""
    for st in program.statements:
        if st.target is not None and not _PLACEHOLDER.fullmatch(st.target):
            return False
        if st.update is not None and st.update not in OPS:
            return False
        for ins in st.code:
            if ins.kind == "op" and ins.arg not in OPS:
                return False
            if ins.kind == "name" and not _PLACEHOLDER.fullmatch(str(ins.arg)):
                return False
    return True


def _node(body: list[str], op: str, args: list[str]) -> str:
    """Lines that make the node (op, *args) unless it exists, as Builder.make does, or
    fold it when every operand is a constant; returns the variable that holds it.
    `put` is cons.setdefault: one lookup finds the node or claims the next index."""
    t = f"t{len(body)}"
    body.append(f"k = ('{op}', {', '.join(args)},)")
    if len(args) == 1:
        (a,) = args
        body.append(f"if {a} < 0: {t} = fold(k)")
        body.append("else:")
        body.append("    n = len(keys)")
        body.append(f"    {t} = put(k, n)")
        body.append(f"    if {t} == n: keys.append(k); es.append({a}); ed.append(n)")
        return t
    a, b = args
    body.append(f"if {a} < 0 and {b} < 0: {t} = fold(k)")
    body.append("else:")
    body.append("    n = len(keys)")
    body.append(f"    {t} = put(k, n)")
    body.append(f"    if {t} == n:")
    body.append("        keys.append(k)")
    body.append(f"        if {a} >= 0: es.append({a}); ed.append(n)")
    body.append(f"        if {b} >= 0: es.append({b}); ed.append(n)")
    return t


def _line(st: Statement, refs: dict[int, tuple]) -> tuple[list[tuple], list[int]] | None:
    """One line of a statement in columns, symbolically: the nodes it makes, in order, each
    ("input", atom) or (op, operand refs), and its number atoms in the order they are read.
    A ref is ("n", k) for the line's node k, ("c", atom) for a number, ("p",) for the line
    before's result, ("f", operand) for a name bound before. None when an operation would
    fold or be the same on every line, or the result is not the last node made."""
    made: list[tuple] = []
    numbers: list[int] = []
    stack: list[tuple] = []

    def node(op: str, args: list[tuple]) -> bool:
        stack.append(("n", len(made)))
        made.append((op, args))
        return any(r[0] in "np" for r in args)

    for ins in st.code:
        if ins.kind == "op":
            arity = OPS[ins.arg].arity  # type: ignore[index]
            args = stack[-arity:]
            del stack[-arity:]
            if not node(ins.arg, args):  # type: ignore[arg-type]
                return None
            continue
        a = int(str(ins.arg)[1:])
        ref = refs[a]
        if ref[0] == "c":
            ref = ("c", a)
            numbers.append(a)
        elif ref[0] == "i":
            ref = ("n", len(made))
            made.append(("input", a))
        stack.append(ref)
    if st.update is not None and not node(st.update, [("p",), stack.pop()]):
        return None
    return (made, numbers) if stack == [("n", len(made) - 1)] else None


def _may_share_a_key(made: list[tuple], before: int) -> bool:
    """Whether two operations of one line could have one key on some line: the same op,
    and no operand where they surely differ (two of the line's nodes, the line's node
    and anything else, two names bound to different nodes)."""
    def differ(r: tuple, s: tuple) -> bool:
        if r[0] == "c" or s[0] == "c":  # a number differs from a node, maybe not from
            other = s if r[0] == "c" else r  # another number or a name bound to one
            return other[0] in "np" or (other[0] == "f" and other[1] >= 0)
        if r[0] == "n" or s[0] == "n":
            return r != s
        if r[0] == "p" and s[0] == "p":
            return False
        return (before if r[0] == "p" else r[1]) != (before if s[0] == "p" else s[1])

    ops = [(op, args) for op, args in made if op != "input"]
    for i, (op, args) in enumerate(ops):
        for op2, args2 in ops[i + 1:]:
            if op == op2 and not any(map(differ, args, args2)):
                return True
    return False
