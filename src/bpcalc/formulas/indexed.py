"""A family program's statements as index trees: `h1[j] = relu(sum(W1[j,i]*x[i] for i) +
b1[j])` as one tree over `W1[j,i]`, `x[i]`, `b1[j]` (trees.Elem) with `Σ_i` (trees.Over), its
ranges in numbers, the same for every element of h1. Read from the program the parser
handed the builder (its postfix code), never from the graph's elements, so that a family of
a million elements is one tree. diff's index formulas (perfamily.py) differentiate these
trees; emit writes them as loops (emit/loops.py).

What the trees cover: sums and means over index variables (ranges given or inferred), sums
over every element of families (`sum(p^2 for p in W1, W2)`), the program's functions
(inlined), and families read and defined at plain index variables (`W2[k,j]`). Anything else
(`h[t-1]`, `x[1]`, a family defined in pieces, `prod`, `+=`, a name assigned twice) raises
Unsupported, saying what: diff and emit then write every element, as for any program.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from .nodes import _definition
from .trees import Bin, Call, Chain, Elem, Name, Neg, Num, Over, Sum, Tree, substitute

if TYPE_CHECKING:
    from ..graphs.graph import Graph
    from ..text.program import Loop, Program

_LETTERS = "ijklmnpqrstuvabcdefgh"


class Unsupported(Exception):
    """A program whose statements the index trees do not cover (see the module)."""


class Stmt(NamedTuple):
    """One statement: `target[vars] = body` for every index in `ranges` (a scalar: no vars)."""

    target: str
    vars: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]
    body: Tree


def statements(program: Program, graph: Graph) -> tuple[Stmt, ...]:
    """The program's statements as index trees (see the module); a function's definition
    is inlined where it is called. A bare expression last is named by its output."""
    from ..text.program import Apply, EndReduce, IndexVar, Local, Reduce
    from ..text.program import Call as CallI
    from ..text.program import Elem as ElemI
    from ..text.program import Name as NameI
    from ..text.program import Num as NumI

    sizes = dict(graph.sizes)
    canon = canonical(program)
    functions: dict[str, tuple[tuple[str, ...], Tree]] = {}
    out: list[Stmt] = []
    for st in program.statements:
        if st.update is not None:
            raise Unsupported(f"{st.target} {'+-*/'['add sub mul div'.split().index(st.update)]}"
                              "= updates a name")
        stack: list[Tree] = []
        opened: list[tuple[Reduce, list[str]]] = []
        scope = [lp.var for lp in st.loops]  # the index variables bound here
        for ins in st.code:
            if isinstance(ins, NumI):
                stack.append(Num(ins.value))
            elif isinstance(ins, NameI):
                stack.append(Elem(ins.name, ()))
            elif isinstance(ins, IndexVar):
                stack.append(Num(float(sizes[ins.name])) if ins.name in sizes and
                             ins.name not in scope else Elem(ins.name, ()))
            elif isinstance(ins, Local):
                stack.append(Name(ins.name, -1))
            elif isinstance(ins, ElemI):
                stack.append(Elem(ins.name, tuple(_index(c, sizes, ins.name)
                                                  for c in ins.indices)))
            elif isinstance(ins, Apply):
                k = 2 if ins.op in _BINARY else 1
                args = stack[-k:]
                del stack[-k:]
                stack.append(apply(ins.op, args))
            elif isinstance(ins, Reduce):
                opened.append((ins, [lp.var for lp in ins.loops]))
                scope += opened[-1][1]
            elif isinstance(ins, EndReduce):
                red, names = opened.pop()
                del scope[len(scope) - len(names):]
                stack.append(_reduction(red, stack.pop(), graph, sizes, canon, scope))
            elif isinstance(ins, CallI):
                params, body = functions[ins.name]
                args = stack[-ins.argc:]
                del stack[-ins.argc:]
                stack.append(local(body, dict(zip(params, args))))
        tree = stack.pop()
        if st.params:
            assert st.target is not None
            functions[st.target] = (st.params, tree)
            continue
        target = st.target if st.target is not None else graph.outputs[-1][0]
        if any(s.target == target for s in out):
            raise Unsupported(f"{target} is assigned more than once")
        if st.indices is None:
            out.append(Stmt(target, (), (), tree))
            continue
        vars_ = tuple(_index(c, sizes, target) for c in st.indices)
        if any(v.isdigit() for v in vars_) or len(set(vars_)) != len(vars_):
            raise Unsupported(f"{target} is defined in pieces or at fixed indices")
        ranges = {lp.var: loop_range(lp, graph, sizes) for lp in st.loops}
        stmt = Stmt(target, vars_, tuple(ranges[v] for v in vars_), tree)
        if graph.families[target].shape != tuple(hi for _, hi in stmt.ranges) or \
                any(lo != 1 for lo, _ in stmt.ranges):
            raise Unsupported(f"{target} is defined in pieces")
        out.append(stmt)
    return tuple(out)


_BINARY = frozenset({"add", "sub", "mul", "div", "pow", "max", "min", "lt", "gt", "le", "ge"})


def apply(op: str, args: Sequence[Tree]) -> Tree:
    """`op` on `args` as the op table writes it (`a + b`, `relu(u)`, `(u > 0)`)."""
    consts = tuple(a.value if isinstance(a, Num) else None for a in args)
    return substitute(_definition(op, consts), list(args))


def op_of(t: Tree) -> tuple[str, tuple[Tree, ...]] | None:
    """The op-table row a tree applies, and its operands (None: a leaf)."""
    if isinstance(t, Bin):
        return _BIN_OPS[t.op], (t.left, t.right)
    if isinstance(t, Neg):
        return "neg", (t.arg,)
    if isinstance(t, Call):
        return t.fn, t.args
    return None


_BIN_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow", ">": "gt", "<": "lt",
            ">=": "ge", "<=": "le"}


def _index(code: tuple[object, ...], sizes: Mapping[str, int], name: str) -> str:
    """An index code that is one variable (`j`) or a whole number (`1`), as text."""
    if len(code) == 1 and type(code[0]) is str and code[0] not in sizes:
        return code[0]
    if len(code) == 1 and type(code[0]) is int:
        return str(code[0])
    raise Unsupported(f"{name} is read at a computed index")


def loop_range(lp: Loop, graph: Graph, sizes: Mapping[str, int]) -> tuple[int, int]:
    """An index loop's range in numbers: given (sizes alone), or inferred from shapes."""
    if lp.range is not None:
        return _whole(lp.range.lo, sizes), _whole(lp.range.hi, sizes)
    if not lp.infer:
        raise Unsupported(f"the range of {lp.var} is not known")
    name, d = lp.infer[0]
    return 1, (graph.families[name].shape or ())[d]


def _whole(code: tuple[object, ...], sizes: Mapping[str, int]) -> int:
    stack: list[int] = []
    for c in code:
        if type(c) is int:
            stack.append(c)
        elif c == "neg":
            stack.append(-stack.pop())
        elif c in ("+", "-", "*"):
            b, a = stack.pop(), stack.pop()
            stack.append(a + b if c == "+" else a - b if c == "-" else a * b)
        elif c in sizes:
            stack.append(sizes[str(c)])
        else:
            raise Unsupported(f"a range reads the index {c}")
    return stack[0]


def _reduction(red: object, body: Tree, graph: Graph, sizes: Mapping[str, int],
               canon: Mapping[str, tuple[str, ...]], scope: Sequence[str]) -> Tree:
    """`sum(body for ...)` or `mean(...)` as Σ (for p in W1, W2: one Σ a family)."""
    from ..text.program import Reduce

    assert isinstance(red, Reduce)
    if red.op not in ("sum", "mean"):
        raise Unsupported(f"{red.op}(...) over an index")
    terms: list[Tree] = []
    count = 0
    if red.loops[0].over:
        p = red.loops[0].var
        for f in red.loops[0].over:
            shape = graph.families[f].shape or ()
            names = fresh(canon.get(f, ()), len(shape), scope)
            ranges = tuple((1, n) for n in shape)
            terms.append(Over(names, ranges, local(body, {p: Elem(f, names)})))
            count += _size(ranges)
    else:
        ranges = tuple(loop_range(lp, graph, sizes) for lp in red.loops)
        terms.append(Over(tuple(lp.var for lp in red.loops), ranges, body))
        count = _size(ranges)
    total = terms[0]
    for t in terms[1:]:
        total = Bin("+", total, t)
    return total if red.op == "sum" else Bin("/", total, Num(float(count)))


def _size(ranges: Sequence[tuple[int, int]]) -> int:
    n = 1
    for lo, hi in ranges:
        n *= max(0, hi - lo + 1)
    return n


def fresh(wanted: Sequence[str], n: int, taken: Sequence[str]) -> tuple[str, ...]:
    """n index names: `wanted` where none is taken, else letters no one uses."""
    if len(wanted) == n and not set(wanted) & set(taken):
        return tuple(wanted)
    free = [c for c in _LETTERS if c not in taken]
    return tuple(free[:n])


def canonical(program: Program) -> dict[str, tuple[str, ...]]:
    """Each family's index names: those of its definition (`h1[j]`), else of its first read
    at distinct variables (`W1[j,i]`)."""
    from ..text.program import Elem as ElemI

    names: dict[str, tuple[str, ...]] = {}
    for st in program.statements:
        if st.indices is not None and st.target is not None and \
                all(len(c) == 1 and type(c[0]) is str for c in st.indices):
            names[st.target] = tuple(str(c[0]) for c in st.indices)
    for st in program.statements:
        for ins in st.code:
            if type(ins) is ElemI and ins.name not in names and \
                    all(len(c) == 1 and type(c[0]) is str for c in ins.indices):
                vs = tuple(str(c[0]) for c in ins.indices)
                if len(set(vs)) == len(vs):
                    names[ins.name] = vs
    return names


def local(t: Tree, bound: Mapping[str, Tree]) -> Tree:
    """t with each parameter or element variable (a Name of node -1) replaced."""
    return walk(t, lambda x: bound.get(x.text, x) if isinstance(x, Name) and x.node < 0 else x)


def rename(t: Tree, names: Mapping[str, str]) -> Tree:
    """t with its free index variables renamed (a Σ's own variables are its own)."""
    if not names:
        return t
    if isinstance(t, Elem):
        if not t.at:
            return Elem(names.get(t.name, t.name), (), t.adjoint) if t.name in names else t
        return Elem(t.name, tuple(names.get(v, v) for v in t.at), t.adjoint)
    if isinstance(t, Over):
        inner = {a: b for a, b in names.items() if a not in t.vars}
        if set(inner.values()) & set(t.vars):
            raise Unsupported("an index name would be captured")
        return Over(t.vars, t.ranges, rename(t.body, inner))
    return _rebuild(t, [rename(c, names) for c in children(t)])


def children(t: Tree) -> tuple[Tree, ...]:
    if isinstance(t, Bin):
        return (t.left, t.right)
    if isinstance(t, Neg):
        return (t.arg,)
    if isinstance(t, Call):
        return t.args
    if isinstance(t, Chain):
        return t.factors
    if isinstance(t, Sum):
        return t.terms
    if isinstance(t, Over):
        return (t.body,)
    return ()


def _rebuild(t: Tree, kids: list[Tree]) -> Tree:
    if isinstance(t, Bin):
        return Bin(t.op, kids[0], kids[1])
    if isinstance(t, Neg):
        return Neg(kids[0])
    if isinstance(t, Call):
        return Call(t.fn, tuple(kids))
    if isinstance(t, Chain):
        return Chain(tuple(kids))
    if isinstance(t, Sum):
        return Sum(tuple(kids))
    if isinstance(t, Over):
        return Over(t.vars, t.ranges, kids[0])
    return t


def walk(t: Tree, fn: Callable[[Tree], Tree]) -> Tree:
    """t rebuilt bottom-up with fn applied to every subtree (trees are a few levels deep)."""
    return fn(_rebuild(t, [walk(c, fn) for c in children(t)]))


def reads(t: Tree) -> list[Elem]:
    """Every element or scalar a tree reads, in order."""
    out, stack = [], [t]
    while stack:
        x = stack.pop()
        if isinstance(x, Elem):
            out.append(x)
        stack.extend(reversed(children(x)))
    return out


__all__ = ["Stmt", "Unsupported", "apply", "children", "op_of", "reads", "rename",
           "statements"]
