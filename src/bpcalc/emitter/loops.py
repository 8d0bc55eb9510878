"""`bpcalc emit` of a program with families: a family is an array and a `for` loop, in
Python, C and JavaScript, and so is the reverse sweep: each δ line and each gradient formula
of diff (formulas/perfamily.py) becomes a loop over its indices, with the formula as its
comment, so the code a person reads is the backpropagation a textbook writes:

    # δ_h1[j] = Σ_k δ_h2[k]·(h2[k] > 0)·W2[k,j]
    dloss_dh1 = [0.0] * 16
    for j in range(16):
        s = 0.0
        for k in range(16):
            s += dloss_dh2[k] * (1.0 if h2[k] > 0 else 0.0) * W2[k][j]
        dloss_dh1[j] = s

Arrays are indexed from 0 (`W1[j][i]` is the program's `W1[j+1,i+1]`); an index read as a
number is `j + 1`. Families are nested lists (Python), fixed-size arrays (C: the gradient is
written to arrays the caller passes, a scalar's through a pointer) and arrays (JavaScript).
Spellings are the op table's (`spelling.spell`); an operand a spelling repeats is computed
once into a temporary. Where bpcalc's graph would report a math error (a domain, an
overflow) the loops give what the language gives (NaN, inf): run `emit --check`, or `grad`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from ..formulas.indexed import _BIN_OPS, Stmt, fresh, rename
from ..formulas.perfamily import FamilyLine, PerFamily
from ..formulas.trees import Bin, Call, Chain, Elem, Neg, Num, Over, Sum, Tree, text
from ..ops import OPS
from ..spelling import spell
from .loop_frames import Family, Loop, LoopCode, frame
from .names import _C_CODE, Namer, reserved
from .spelled import literal

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..graphs.graph import Graph

_EXTRA = {  # the formula texts' own functions: sign (abs') and step (max', min')
    "sign": ("(1.0 if {0} > 0 else -1.0 if {0} < 0 else 0.0)",
             "({0} > 0 ? 1.0 : {0} < 0 ? -1.0 : 0.0)"),
    "step": ("(1.0 if {0} > 0 else 0.0 if {0} < 0 else 0.5)",
             "({0} > 0 ? 1.0 : {0} < 0 ? 0.0 : 0.5)")}
# precedence of a spelling's result, and what each operand needs not to be parenthesized
_PREC = {"add": (4, (4, 4)), "sub": (4, (4, 5)), "mul": (5, (5, 5)), "div": (5, (5, 6)),
         "neg": (6, (6,))}
_ATOM = 9
_HARNESS = frozenset(_C_CODE.split())


class _Writer:
    def __init__(self, lang: str, function: str, block: PerFamily,
                 params: Sequence[Family], wrt: Sequence[Family]) -> None:
        self.lang, self.py = lang, lang == "python"
        self.top: list[Loop | str] = []
        self.open: list[list[Loop | str]] = [self.top]
        self.scopes: list[frozenset[str]] = [frozenset()]  # the indices bound at each level
        self.bound: set[str] = set()
        self.block = block
        self.count = {"s": 0, "u": 0}
        self.before: dict[Tree, tuple[str, int]] = {}  # Σs computed outside their loops
        names = [p.name for p in params] + [s.target for s in block.statements]
        self.namer = Namer(lang, [function])
        self.id = {n: self.namer.fresh(n) for n in dict.fromkeys(names)}
        out = block.output
        for d in block.deltas:
            self.id["δ" + d.family] = self.namer.fresh(f"d{out}_d{d.family}")
        for g in wrt:
            self.id["∂" + g.name] = self.namer.fresh(f"d{out}_d{g.name}")

    # --- statements ----------------------------------------------------------------------

    def put(self, line: str) -> None:
        self.open[-1].append(line)

    def comment(self, said: str) -> None:
        self.put(("# " if self.py else "// ") + said)

    def open_loop(self, var: str, lo: int, hi: int) -> None:
        loop = Loop(self.loop_var(var), lo, hi, [])
        self.put_loop(loop)
        self.open.append(loop.body)
        self.scopes.append(self.scopes[-1] | {var})
        self.bound.add(var)

    def put_loop(self, loop: Loop) -> None:
        self.open[-1].append(loop)

    def close_loop(self, var: str) -> None:
        level = len(self.open) - 1
        self.open.pop()
        self.scopes.pop()
        self.before = {t: x for t, x in self.before.items() if x[1] < level}
        self.bound.discard(var)

    def temporary(self, kind: str) -> str:
        self.count[kind] += 1
        return self.namer.fresh(f"{kind}{self.count[kind]}")

    def loop_var(self, var: str) -> str:
        """An index's name: as written unless the language or the program has it (C's
        harness words, `k` among them, are no matter inside the function)."""
        if var not in self.id:
            free = var not in self.namer.taken and (
                not reserved(var, self.lang) or var in _HARNESS and self.lang == "c")
            self.id[var] = var if free else self.namer.fresh(var)
            self.namer.taken.add(var)
        return self.id[var]

    def declare(self, name: str, shape: Sequence[int], value: str | None = None) -> None:
        """A new scalar (with its value) or a new array of `shape`."""
        if not shape:
            assert value is not None
            self.put(f"{name} = {value}" if self.py else
                     f"{'double' if self.lang == 'c' else 'let'} {name} = {value};")
        elif self.py:
            inner = f"[0.0] * {shape[-1]}"
            for n in reversed(shape[:-1]):
                inner = f"[{inner} for _ in range({n})]"
            self.put(f"{name} = {inner}")
        elif self.lang == "c":
            self.put(f"double {name}{''.join(f'[{n}]' for n in shape)};")
        else:  # rows are made in the loops (define): a Float64Array is slower to make
            self.put(f"const {name} = {_js_array(shape[0], len(shape) == 1)};")

    def assign(self, target: str, value: str, add: bool = False) -> None:
        self.put(f"{target} {'+=' if add else '='} {value}" + ("" if self.py else ";"))

    def element(self, name: str, at: Sequence[str]) -> str:
        return name + "".join(f"[{self.loop_var(v)}]" for v in at)

    def define(self, name: str, at: Sequence[str], ranges: Sequence[tuple[int, int]],
               tree: Tree, said: str, lvalue: str | None = None) -> None:
        """`name[at] = tree` for every index: declared, then a loop nest (see the module)."""
        self.comment(said)
        if at and lvalue is None:
            self.declare(name, [hi for _, hi in ranges])
        for d, (v, (lo, hi)) in enumerate(zip(at, ranges)):
            self.open_loop(v, lo, hi)
            if self.lang == "js" and lvalue is None and d < len(at) - 1:
                self.assign(self.element(name, at[:d + 1]),
                            _js_array(ranges[d + 1][1], d == len(at) - 2))
        target = self.element(name, at) if at else lvalue or name
        sums, rest = _split(tree)
        # target = the rest, then target += each Σ's body in its loops; in C and JavaScript
        # an element adds into a local first (kept in a register: 10% quicker in node)
        if sums and (self.py or not at):
            value = self.expr(rest)[0] if rest is not None else literal(0.0, self.lang)
            if at and lvalue is None and rest is None and self.lang != "c":
                pass  # a new Python list or JavaScript array holds zeros already
            elif at or lvalue is not None:
                self.assign(target, value)
            else:
                self.declare(target, (), value)
            self.accumulate(target, sums)
        elif at or lvalue is not None:
            self.assign(target, self.expr(tree)[0])
        else:
            self.declare(target, (), self.expr(tree)[0])
        for v in reversed(at):
            self.close_loop(v)

    def accumulate(self, target: str, sums: Sequence[Over]) -> None:
        for t in sums:
            if set(t.vars) & self.bound:  # Σ_i inside a loop over i: its own i
                new = fresh((), len(t.vars), [*self.id, *self.bound, *_free(t.body)])
                t = cast(Over, rename(t, dict(zip(t.vars, new))))
                t = Over(new, t.ranges, rename(t.body, dict(zip(t.vars, new))))
            for v, (lo, hi) in zip(t.vars, t.ranges):
                self.open_loop(v, lo, hi)
            self.assign(target, self.expr(t.body)[0], add=True)
            for v in reversed(t.vars):
                self.close_loop(v)

    # --- expressions ---------------------------------------------------------------------

    def expr(self, t: Tree) -> tuple[str, int]:
        """t's code and its precedence; a Σ's loop is written first, into a temporary."""
        if isinstance(t, Num):
            return literal(t.value, self.lang), _ATOM if t.value >= 0 else 6
        if isinstance(t, Elem):
            if not t.at and t.name in self.bound:  # an index read as a number
                return f"({self.loop_var(t.name)} + 1)", _ATOM
            key = ("δ" + t.name) if t.adjoint else t.name
            return self.element(self.id[key], t.at), _ATOM
        sums, rest = _split(t)
        if sums and self.bound:  # computed once, outside the loops whose indices it lacks
            level = next(k for k, scope in enumerate(self.scopes) if _free(t) <= scope)
            if level < len(self.open) - 1:
                return self.outside(t, level), _ATOM
        if sums:  # Σ + Σ + b: a temporary b, to which each Σ's loop nest adds
            s = self.temporary("s")
            self.declare(s, (), self.expr(rest)[0] if rest is not None else
                         literal(0.0, self.lang))
            self.accumulate(s, sums)
            return s, _ATOM
        if isinstance(t, Chain | Sum):
            parts = t.factors if isinstance(t, Chain) else t.terms
            prec = 5 if isinstance(t, Chain) else 4
            codes = [self.wrapped(p, prec) for p in parts]
            return (" * " if isinstance(t, Chain) else " + ").join(codes), prec
        op, args = self.op(t)
        if op == "pow" and isinstance(args[1], Num) and args[1].value == 2:
            base = self.hoisted(args[0])
            return f"{base} * {base}", 5
        if op in _EXTRA:
            template = _EXTRA[op][0 if self.py else 1]
        else:
            template = spell(OPS[op], self.lang).value
        prec, needs = _PREC.get(op, (_ATOM, (0,) * len(args)))
        codes = []
        for k, a in enumerate(args):
            twice = template.count(f"{{{k}}}") > 1
            codes.append(self.hoisted(a) if twice else self.wrapped(a, needs[k]))
        return template.format(*codes), prec

    def outside(self, t: Tree, level: int) -> str:
        """t computed in the block of `level`, before its loop now running (once there)."""
        if t not in self.before:
            block = self.open[level]
            saved = self.open, self.scopes, self.bound
            scope = self.scopes[level]
            self.open, self.scopes, self.bound = [[]], [scope], set(scope)
            name = self.expr(t)[0]
            block[-1:-1] = self.open[0]
            self.open, self.scopes, self.bound = saved
            self.before[t] = (name, level)
        return self.before[t][0]

    def op(self, t: Tree) -> tuple[str, tuple[Tree, ...]]:
        if isinstance(t, Bin):
            return _BIN_OPS[t.op], (t.left, t.right)
        if isinstance(t, Neg):
            return "neg", (t.arg,)
        assert isinstance(t, Call), t
        return t.fn, t.args

    def wrapped(self, t: Tree, least: int) -> str:
        code, prec = self.expr(t)
        return code if prec >= least else f"({code})"

    def hoisted(self, t: Tree) -> str:
        """t's code, computed once into a temporary unless it is a name or a number."""
        code, prec = self.expr(t)
        if re.fullmatch(r"[\w.]+(\[\w+\])*|\(\w+ \+ 1\)", code):
            return code
        u = self.temporary("u")
        self.declare(u, (), code)
        return u


def _js_array(n: int, last: bool) -> str:
    return f"new Array({n}).fill(0.0)" if last else f"new Array({n})"


def _free(t: Tree) -> set[str]:
    """The index variables t reads that it does not sum over itself."""
    from ..formulas.indexed import children

    found: set[str] = set()
    stack: list[tuple[Tree, frozenset[str]]] = [(t, frozenset())]
    while stack:
        x, inner = stack.pop()
        if isinstance(x, Elem):
            found |= {v for v in (x.at or (x.name,)) if v not in inner}
        elif isinstance(x, Over):
            stack.append((x.body, inner | set(x.vars)))
        else:
            stack.extend((c, inner) for c in children(x))
    return found


def _split(t: Tree) -> tuple[list[Over], Tree | None]:
    """The Σs a sum adds (`Σ_i ... + b` as [Σ_i ...] and b), and what else it adds."""
    sums: list[Over] = []
    rest: list[Tree] = []
    stack = [t]
    while stack:
        x = stack.pop()
        if isinstance(x, Bin) and x.op == "+":
            stack += [x.right, x.left]
        elif isinstance(x, Sum):
            stack += reversed(x.terms)
        elif isinstance(x, Over):
            sums.append(x)
        else:
            rest.append(x)
    if not sums:
        return [], t
    more: Tree | None = None
    for x in rest:
        more = x if more is None else Bin("+", more, x)
    return sums, more


def write(block: PerFamily, lang: str, function: str, params: Sequence[Family],
          wrt: Sequence[Family], source: str) -> LoopCode:
    """The gradient function of one output (see the module)."""
    w = _Writer(lang, function, block, params, wrt)
    for s in block.statements:
        w.define(w.id[s.target], s.vars, s.ranges, s.body, f"{_left(s)} = {text(s.body)}")
    for d in block.deltas:
        w.define(w.id["δ" + d.family], d.at, [(1, n) for n in d.shape], d.tree,
                 f"{d.left} = {text(d.tree)}")
    for g, line in zip(wrt, block.gradient):
        name = w.id["∂" + g.name]
        scalar_out = lang == "c" and not g.shape
        w.define(name, line.at, [(1, n) for n in line.shape], line.tree,
                 f"{line.left} = {text(line.tree)}",
                 lvalue=f"*{name}" if scalar_out else name if lang == "c" else None)
    code = frame(w, lang, function, params, wrt, source)
    return LoopCode(code, function, tuple(params), tuple(wrt), block.output)


def _left(s: Stmt) -> str:
    return f"{s.target}[{','.join(s.vars)}]" if s.vars else s.target


def loops(program: Analysis, graph: Graph, lang: str, wrt: Sequence[str],
          name: str = "f") -> LoopCode:
    """The loops of a family program's gradient (see the module); Unsupported where diff's
    index formulas do not cover the program, for several outputs, or for part of a family."""
    from ..formulas.index_diff import families_asked, per_family
    from ..formulas.indexed import Unsupported

    blocks = per_family(program, graph, wrt)
    if len(blocks) != 1:
        raise Unsupported("several outputs")
    shapes = {n: tuple(f.shape or ()) for n, f in graph.families.items() if f.input}
    params = [Family(n, shapes.get(n, ())) for n in families_asked(graph, list(graph.input_at))]
    asked = [Family(n, shapes.get(n, ())) for n in families_asked(graph, wrt)]
    whole = sum(math.prod(f.shape) for f in asked)
    if whole != len(wrt):
        raise Unsupported("part of a family")
    function = f"{name}Grad" if lang == "js" else f"{name}_grad"
    return write(blocks[0], lang, function, params, asked, program.source)


__all__ = ["Family", "FamilyLine", "LoopCode", "loops", "write"]
