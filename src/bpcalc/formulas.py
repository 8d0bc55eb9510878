"""Backpropagation as formulas a teacher writes, from the graph's own edges (no SymPy).

For `out = u1*h1 + u2*h2 + d; L = (out - y)^2` the reverse pass, written out:

    δ_out = 2*(out - y)
    δ_h1 = δ_out·u1
    ∂L/∂u1 = δ_out·h1

Every local derivative is the op table's formula text (`ops.partial_text`: tanh' is
`1 - tanh(x)^2`), read into a small formula tree, its operands replaced by what the
program calls them, and the node's own definition by the node's name where the program
names it (`1 - h1^2`, not `1 - tanh(v11*a1 + v12*a2 + c1)^2`). A node's adjoint δ is the
sum over the edges leaving it of (the consumer's δ)·(the edge's local derivative), in the
chain rule's order. Named nodes (and unnamed ones that feed more than one node) get a δ
line of their own, shown once and reused; an unnamed node with one consumer is folded
into its consumer's formulas. An unnamed node whose value a formula needs is written out
where it is short and private to a named statement (`2*(out - y)`), else by its id with a
`where` line (`where c = a + b`), as the article names them.

Trees render as text (the input language's syntax, `·` between chain-rule factors) and as
LaTeX, and evaluate to numbers at a point (`diff --check`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, cast

from .build.graph import Graph
from .numbers import number_text
from .ops import OPS, partial_text

if TYPE_CHECKING:
    from .analysis import Analysis
    from .results.formulas import DiffResult

INLINE = 30  # an unnamed operand written out up to this many characters, else `where`


# --- formula trees ----------------------------------------------------------------------

class Num(NamedTuple):
    value: float


class Name(NamedTuple):
    text: str  # a node's id, or `δ_v`
    node: int  # the node it stands for (its value, or for δ its adjoint)
    adjoint: bool = False


class Slot(NamedTuple):  # an operand placeholder in a parsed op template
    k: int


class Call(NamedTuple):
    fn: str
    args: tuple[Tree, ...]


class Bin(NamedTuple):
    op: str  # + - * / ^ > (the comparison is 1 or 0)
    left: Tree
    right: Tree


class Neg(NamedTuple):
    arg: Tree


class Chain(NamedTuple):  # the chain rule's product, written with `·`
    factors: tuple[Tree, ...]


class Sum(NamedTuple):  # the chain rule's sum over edges
    terms: tuple[Tree, ...]


Tree = Num | Name | Slot | Call | Bin | Neg | Chain | Sum

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|(§\d+)|"
                    r"([A-Za-z_][A-Za-z_0-9.]*)|(.))")


def parse(text: str) -> Tree:
    """An op table formula (`1 - tanh(§0)^2`, `({0} > 0)` with §k for operand k) as a tree.
    Precedence as the input language: ^ (right), unary -, * /, + -; a comparison only
    inside parentheses."""
    tokens = [(m.group(1), m.group(2), m.group(3), m.group(4))
              for m in _TOKEN.finditer(text) if m.group(0).strip()]
    pos = 0

    def peek() -> str:
        return next((t for t in tokens[pos] if t is not None), "") if pos < len(tokens) else ""

    def take() -> tuple[str | None, ...]:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def expr() -> Tree:  # a stack of operators would do; the templates are a few tokens
        left = term()
        while peek() in ("+", "-"):
            op = take()[3]
            left = Bin(op or "+", left, term())
        return left

    def term() -> Tree:
        left = unary()
        while peek() in ("*", "/"):
            op = take()[3]
            left = Bin(op or "*", left, unary())
        return left

    def unary() -> Tree:
        if peek() == "-":
            take()
            return Neg(unary())
        return power()

    def power() -> Tree:
        base = atom()
        if peek() == "^":
            take()
            return Bin("^", base, unary())
        return base

    def atom() -> Tree:
        number, slot, name, other = take()
        if number is not None:
            return Num(float(number))
        if slot is not None:
            return Slot(int(slot[1:]))
        if name is not None:
            if peek() == "(":
                take()
                args = [expr()]
                while peek() == ",":
                    take()
                    args.append(expr())
                take()  # ")"
                return Call(name, tuple(args))
            raise ValueError(f"a name in an op formula: {name}")
        if other == "(":
            inner = expr()
            if peek() == ">":
                take()
                inner = Bin(">", inner, expr())
            take()  # ")"
            return inner
        raise ValueError(f"unexpected {other!r} in an op formula")

    return expr()


def substitute(tree: Tree, operands: Sequence[Tree]) -> Tree:
    """The tree with each Slot k replaced by operands[k] (a loop over a stack of parts
    would do; op templates are a few levels deep)."""
    if isinstance(tree, Slot):
        return operands[tree.k]
    if isinstance(tree, Call):
        return Call(tree.fn, tuple(substitute(a, operands) for a in tree.args))
    if isinstance(tree, Bin):
        return Bin(tree.op, substitute(tree.left, operands), substitute(tree.right, operands))
    if isinstance(tree, Neg):
        return Neg(substitute(tree.arg, operands))
    return tree


def replace(tree: Tree, old: Tree, new: Tree) -> Tree:
    """Every subtree equal to `old` replaced by `new`."""
    if tree == old:
        return new
    if isinstance(tree, Call):
        return Call(tree.fn, tuple(replace(a, old, new) for a in tree.args))
    if isinstance(tree, Bin):
        return Bin(tree.op, replace(tree.left, old, new), replace(tree.right, old, new))
    if isinstance(tree, Neg):
        return Neg(replace(tree.arg, old, new))
    return tree


# --- text and LaTeX ----------------------------------------------------------------------

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4, ">": 0}
_ATOM = 9


def _prec(t: Tree) -> int:
    if isinstance(t, Sum):
        return 1 if len(t.terms) > 1 else _prec(t.terms[0])
    if isinstance(t, Chain):
        return 2 if len(t.factors) > 1 else _prec(t.factors[0])
    if isinstance(t, Bin):
        return _PREC[t.op] if t.op != ">" else _ATOM  # written in its own parentheses
    if isinstance(t, Neg):
        return 3
    if isinstance(t, Num) and t.value < 0:
        return 3
    return _ATOM


def text(t: Tree) -> str:
    """The input language's spelling, `·` between chain-rule factors: `δ_h1·(1 - h1^2)`."""
    return _render(t, _TEXT)


def latex(t: Tree) -> str:
    r"""LaTeX: `\delta_{h1} \cdot \left(1 - h_{1}^{2}\right)`; a comparison as an indicator."""
    return _render(t, _LATEX)


class _Style(NamedTuple):
    name: Callable[[Name], str]
    number: Callable[[float], str]
    call: Callable[[str, list[str]], str]
    binary: Callable[[str, str, str], str]
    chain: str
    paren: Callable[[str], str]
    neg: str


def _render(t: Tree, s: _Style) -> str:
    def wrap(child: Tree, least: int) -> str:
        out = _render(child, s)
        return s.paren(out) if _prec(child) < least else out

    if isinstance(t, Num):
        return s.number(t.value)
    if isinstance(t, Name):
        return s.name(t)
    if isinstance(t, Slot):
        return f"§{t.k}"
    if isinstance(t, Call):
        return s.call(t.fn, [_render(a, s) for a in t.args])
    if isinstance(t, Neg):  # -2*(out - y), -δ_c·x: only a sum needs parentheses
        return s.neg + wrap(t.arg, 2)
    if isinstance(t, Chain):
        return s.chain.join(wrap(f, 2) for f in t.factors)
    if isinstance(t, Sum):
        out = _render(t.terms[0], s)
        for term in t.terms[1:]:
            if isinstance(term, Neg):
                out += " - " + wrap(term.arg, 2)
            else:
                out += " + " + _render(term, s)
        return out
    if t.op == ">":
        return s.binary(">", _render(t.left, s), _render(t.right, s))
    p = _PREC[t.op]
    if t.op == "^":  # right-associative: the base needs more
        return s.binary("^", wrap(t.left, p + 1), wrap(t.right, p))
    right = p + 1 if t.op in ("-", "/") else p
    return s.binary(t.op, wrap(t.left, p), wrap(t.right, right))


def _text_binary(op: str, a: str, b: str) -> str:
    if op == ">":
        return f"({a} > {b})"
    return f"{a}{op}{b}" if op in ("*", "/", "^") else f"{a} {op} {b}"


_TEXT = _Style(lambda n: n.text, number_text, lambda f, a: f"{f}({', '.join(a)})",
               _text_binary, "·", lambda x: f"({x})", "-")

_LATEX_FN = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "max", "min"}


def _latex_name(n: Name) -> str:
    r"""w11 as w_{11}, out as \mathit{out}, x.1 (an earlier version of x) as x^{(1)}."""
    base = n.text[2:] if n.adjoint else n.text
    m = re.fullmatch(r"([A-Za-z]+)_?(\d*)(?:\.(\d+))?", base)
    if m is None:
        core = base.replace("_", r"\_")
    else:
        letters, digits, version = m.groups()
        core = letters if len(letters) == 1 else rf"\mathit{{{letters}}}"
        core += f"_{{{digits}}}" if digits else ""
        core += f"^{{({version})}}" if version else ""
    return rf"\delta_{{{core}}}" if n.adjoint else core


def _latex_call(fn: str, args: list[str]) -> str:
    if fn == "sqrt":
        return rf"\sqrt{{{args[0]}}}"
    if fn == "abs":
        return rf"\left|{args[0]}\right|"
    head = rf"\{fn}" if fn in _LATEX_FN else rf"\operatorname{{{fn}}}"
    return head + r"\left(" + ", ".join(args) + r"\right)"


def _latex_binary(op: str, a: str, b: str) -> str:
    if op == ">":
        return rf"\mathbb{{1}}\left[{a} > {b}\right]"
    if op == "/":
        return rf"\frac{{{_unwrap(a)}}}{{{_unwrap(b)}}}"
    if op == "^":
        return f"{a}^{{{_unwrap(b)}}}"
    return {"*": f"{a} {b}", "+": f"{a} + {b}", "-": f"{a} - {b}"}[op]


def _unwrap(x: str) -> str:
    """A fraction or an exponent needs no parentheses of its own."""
    if x.startswith(r"\left(") and x.endswith(r"\right)") and x.count(r"\left(") == 1:
        return x[6:-7]
    return x


def _latex_number(x: float) -> str:
    s = number_text(x).strip("()")
    if "e" in s:
        m, e = s.split("e")
        s = rf"{m} \times 10^{{{int(e)}}}"
    return s


_LATEX = _Style(_latex_name, _latex_number, _latex_call, _latex_binary, r" \cdot ",
                lambda x: rf"\left({x}\right)", "-")


# --- values ------------------------------------------------------------------------------

_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sign": lambda x: (x > 0) - (x < 0), "step": lambda t: 1.0 if t > 0 else 0.0 if t < 0 else 0.5}


def value(t: Tree, values: Sequence[float], adjoints: Mapping[int, float]) -> float:
    """The tree's number: a Name is its node's value (or, for δ, `adjoints[node]`)."""
    if isinstance(t, Num):
        return t.value
    if isinstance(t, Name):
        return adjoints[t.node] if t.adjoint else values[t.node]
    if isinstance(t, Call):
        fn = _FUNCTIONS.get(t.fn) or OPS[t.fn].value
        return float(fn(*(value(a, values, adjoints) for a in t.args)))
    if isinstance(t, Neg):
        return -value(t.arg, values, adjoints)
    if isinstance(t, Chain):
        return math.prod(value(f, values, adjoints) for f in t.factors)
    if isinstance(t, Sum):
        return sum(value(x, values, adjoints) for x in t.terms)
    if isinstance(t, Slot):
        raise ValueError("an unfilled operand")
    a, b = value(t.left, values, adjoints), value(t.right, values, adjoints)
    if t.op == ">":
        return 1.0 if a > b else 0.0
    if t.op == "+":
        return a + b
    if t.op == "-":
        return a - b
    if t.op == "*":
        return a * b
    if t.op == "/":
        return a / b if b else math.inf
    return float(OPS["pow"].value(a, b)) if (a or b >= 0) else math.inf


# --- the graph's formulas ----------------------------------------------------------------

class Line(NamedTuple):
    left: str  # `δ_h1`, `∂L/∂w11`, or a where-line's id
    tree: Tree
    node: int  # the node (δ, where) or input (gradient) it is about


class Backprop(NamedTuple):
    """One output's reverse pass as formulas."""

    output: str
    deltas: tuple[Line, ...]  # δ_v = ..., from the output down, each used below it
    gradient: tuple[Line, ...]  # ∂output/∂input, in the order asked
    where: tuple[Line, ...]  # the unnamed nodes the formulas mention, in evaluation order


class Formulas(NamedTuple):
    blocks: tuple[Backprop, ...]
    edges: tuple[tuple[int, Tree], ...]  # every edge's local derivative (edge index, tree)


def _templates(op: str, slot: int, constants: Sequence[float | None]) -> Tree:
    row = OPS[op]
    operands = [f"§{k}" if c is None else number_text(c) for k, c in enumerate(constants)]
    return parse(partial_text(row, slot, operands))


def _definition(op: str, constants: Sequence[float | None]) -> Tree:
    row = OPS[op]
    operands = [f"§{k}" if c is None else number_text(c) for k, c in enumerate(constants)]
    return parse(row.text.format(*operands))


def backprop(graph: Graph, wrt: Sequence[str] | None = None) -> Formulas:
    """Every output's reverse pass as formulas (see the module); `wrt` the inputs asked."""
    ids = graph.ids
    keys = graph.keys
    n = len(keys)
    named_set = {*graph.names, *graph.input_at}
    named = [ids[i].split(".")[0] in named_set or keys[i][0] == "input" for i in range(n)]
    consumers = [0] * n
    for src in graph.esrc:
        consumers[src] += 1
    outputs = {j for _, j in graph.outputs}

    def constants(i: int) -> list[float | None]:
        return [None if a >= 0 else graph.consts[~a] for a in keys[i][1:]]

    # inline[i]: an unnamed node private to one named statement, written out where used
    inline = [False] * n
    for i in range(n - 1, -1, -1):
        if named[i] or i in outputs or consumers[i] != 1 or keys[i][0] in ("input", "const"):
            continue
        user = next(d for s, d in zip(graph.esrc, graph.edst) if s == i)
        inline[i] = named[user] or inline[user]

    refs: list[Tree | None] = [None] * n  # how a formula writes node i's value

    def ref(i: int) -> Tree:
        got = refs[i]
        if got is None:
            got = Name(ids[i], i)
            if inline[i]:
                operands = [ref(a) if a >= 0 else Num(graph.consts[~a]) for a in keys[i][1:]]
                written = substitute(_definition(keys[i][0], constants(i)),
                                     [o for o in operands])
                if len(text(written)) <= INLINE:
                    got = written
            refs[i] = got
        return got

    def local(k: int) -> Tree:
        """Edge k's local derivative in the program's names."""
        dst = graph.edst[k]
        op = keys[dst][0]
        slot = graph.edges[k].slot
        operands = [ref(a) if a >= 0 else Num(graph.consts[~a]) for a in keys[dst][1:]]
        tree = substitute(_templates(op, slot, constants(dst)), operands)
        own = ref(dst)
        if isinstance(own, Name):  # the node's own value by its name: 1 - h1^2
            tree = replace(tree, substitute(_definition(op, constants(dst)), operands), own)
        return tree

    edges = tuple((k, local(k)) for k in range(len(graph.esrc)))
    leaving: list[list[int]] = [[] for _ in range(n)]
    for k, src in enumerate(graph.esrc):
        leaving[src].append(k)
    asked = [graph.input_at[w] for w in (wrt or graph.input_at)]
    blocks = []
    for out_name, out in graph.outputs:
        blocks.append(_block(graph, out_name, out, asked, leaving, dict(edges), named,
                             consumers, ref))
    return Formulas(tuple(blocks), edges)


def _block(graph: Graph, out_name: str, out: int, asked: Sequence[int],
           leaving: list[list[int]], locals_: dict[int, Tree], named: list[bool],
           consumers: list[int], ref: Callable[[int], Tree]) -> Backprop:
    ids, n = graph.ids, len(graph.keys)
    reach = [False] * n  # the output depends on the node
    reach[out] = True
    for src, dst in zip(reversed(graph.esrc), reversed(graph.edst)):
        if reach[dst]:
            reach[src] = True
    from_inputs = [False] * n  # the node depends on an input asked for
    for i in asked:
        from_inputs[i] = True
    for src, dst in zip(graph.esrc, graph.edst):
        if from_inputs[src]:
            from_inputs[dst] = True
    between = [r and f for r, f in zip(reach, from_inputs)]

    adjoint: list[Tree | None] = [None] * n
    delta_line: list[bool] = [False] * n
    deltas: list[Line] = []
    for v in range(n - 1, -1, -1):  # consumers come later in evaluation order
        if not between[v] and v != out:
            continue
        if v == out:
            adjoint[v] = Num(1.0)
            continue
        terms = []
        for k in leaving[v]:
            d = graph.edst[k]
            if adjoint[d] is None:
                continue
            up = Name(f"δ_{ids[d]}", d, True) if delta_line[d] else cast(Tree, adjoint[d])
            terms.append(_times(up, locals_[k]))
        tree = _plus([t for t in terms if t != Num(0.0)])
        adjoint[v] = tree
        keep = (named[v] or len(leaving[v]) > 1) and graph.keys[v][0] != "input"
        if keep and not _is_simple(tree):
            delta_line[v] = True
            deltas.append(Line(f"δ_{ids[v]}", tree, v))
    gradient = []
    for i in asked:
        tree = cast(Tree, adjoint[i]) if adjoint[i] is not None else Num(0.0)
        gradient.append(Line(f"∂{out_name}/∂{ids[i]}", tree, i))
    trees = [line.tree for line in (*deltas, *gradient)]
    return Backprop(out_name, _in_order(deltas), tuple(gradient),
                    _where(graph, trees, consumers, ref))


def _in_order(deltas: list[Line]) -> tuple[Line, ...]:
    """The δ lines from the output down, each after the δs it uses, and in the program's
    order among those of one level (δ_h1 before δ_h2)."""
    level: dict[int, int] = {}
    for line in deltas:  # made from the output down: what a line uses is already levelled
        used = [x for x in _names(line.tree) if x in level]
        level[line.node] = 1 + max((level[x] for x in used), default=-1)
    return tuple(sorted(deltas, key=lambda line: (level[line.node], line.node)))


def _is_simple(t: Tree) -> bool:
    """A name or a number: written where it is used, no δ line of its own."""
    return isinstance(t, Name | Num)


def _times(a: Tree, b: Tree) -> Tree:
    """a·b with the chain rule's 1s, -1s and zeros folded."""
    fa = list(a.factors) if isinstance(a, Chain) else [a]
    fb = list(b.factors) if isinstance(b, Chain) else [b]
    sign, factors = 1.0, []
    for f in fa + fb:
        f, flips = _unsigned(f)
        sign *= flips
        if isinstance(f, Num):
            if f.value == 0:
                return Num(0.0)
            if abs(f.value) == 1:
                sign *= f.value
                continue
        factors.append(f)
    body: Tree = Num(1.0) if not factors else factors[0] if len(factors) == 1 \
        else Chain(tuple(factors))
    return body if sign > 0 else Neg(body)


def _unsigned(t: Tree) -> tuple[Tree, float]:
    """t without its leading minus signs (-3/c^2 as 3/c^2, -1), for a product to carry."""
    sign = 1.0
    while True:
        if isinstance(t, Neg):
            sign, t = -sign, t.arg
        elif isinstance(t, Bin) and t.op in ("*", "/") and isinstance(t.left, Neg):
            sign, t = -sign, Bin(t.op, t.left.arg, t.right)
        elif isinstance(t, Num) and t.value < 0:
            sign, t = -sign, Num(-t.value)
        else:
            return t, sign


def _plus(terms: list[Tree]) -> Tree:
    if not terms:
        return Num(0.0)
    if len(terms) == 1:
        return terms[0]
    flat: list[Tree] = []
    for t in terms:
        flat.extend(t.terms if isinstance(t, Sum) else [t])
    return Sum(tuple(sorted(flat, key=lambda t: (isinstance(t, Neg), text(t)))))


def _where(graph: Graph, trees: Sequence[Tree], consumers: list[int],
           ref: Callable[[int], Tree]) -> tuple[Line, ...]:
    """The unnamed nodes the trees mention by id, each defined in the program's names: an
    unnamed operand with no other use written out (`f = tanh(w1*x1 + w2*x2 + b)`), one
    used elsewhere too given a where line of its own; in evaluation order."""
    ids, keys = graph.ids, graph.keys
    named_set = {*graph.names, *graph.input_at}

    def plain(i: int) -> bool:
        return ids[i].split(".")[0] in named_set or keys[i][0] == "input"

    def written(i: int) -> Tree:  # node i's definition, private operands written out
        parts: list[Tree] = []
        for a in keys[i][1:]:
            if a < 0:
                parts.append(Num(graph.consts[~a]))
            elif not plain(a) and consumers[a] == 1 and not isinstance(ref(a), Name | Num):
                parts.append(ref(a))
            elif not plain(a) and consumers[a] == 1:
                inner = written(a)
                parts.append(inner if len(text(inner)) <= 2 * INLINE else Name(ids[a], a))
            else:
                parts.append(ref(a))
        consts = [None if a >= 0 else graph.consts[~a] for a in keys[i][1:]]
        return substitute(_definition(keys[i][0], consts), parts)

    seen: dict[int, Tree] = {}
    todo = [x for t in trees for x in _names(t)]
    while todo:
        i = todo.pop()
        if i in seen or plain(i):
            continue
        seen[i] = written(i)
        todo.extend(_names(seen[i]))
    return tuple(Line(ids[i], seen[i], i) for i in sorted(seen))


def _names(t: Tree) -> list[int]:
    """The nodes a tree names (by value or δ)."""
    out: list[int] = []
    stack = [t]
    while stack:
        x = stack.pop()
        if isinstance(x, Name):
            out.append(x.node)
        elif isinstance(x, Call):
            stack.extend(x.args)
        elif isinstance(x, Bin):
            stack.extend((x.left, x.right))
        elif isinstance(x, Neg):
            stack.append(x.arg)
        elif isinstance(x, Chain):
            stack.extend(x.factors)
        elif isinstance(x, Sum):
            stack.extend(x.terms)
    return out


# --- the diff command's stage ------------------------------------------------------------

RTOL, ATOL = 1e-9, 1e-12  # --check: a formula's value against the engine's


def diff(program: Analysis, values: Mapping[str, str | float] | None = None, *,
         wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
         check: bool = False, expand: bool = False, budget: float | None = 5.0) -> DiffResult:
    """`bpcalc diff`: the reverse pass as formulas; with `values`, each formula's value
    there (the forward values put in for the names), `check` them against the engine's
    adjoints and gradient; `expand`: SymPy's derivative in the inputs alone as well."""
    from . import analysis
    from .build.graph import edge_formula
    from .results.formulas import DiffResult, LineCheck

    graph = program.graph(outputs)
    wrt_t = tuple(analysis.wrt_inputs(graph, wrt))
    fs = backprop(graph, wrt_t)
    ids = graph.ids
    edges = tuple((ids[e.src], ids[e.dst], edge_formula(graph, e), latex(tree))
                  for e, (_, tree) in zip(graph.edges, fs.edges))
    point = got = checks = None
    if values:
        r = analysis.grad(graph, values, "reverse", list(wrt_t))
        point = cast(dict[str, float], dict(r.inputs))
        node_values = [n.value for n in r.nodes]
        got, checked = {}, []
        for b in fs.blocks:
            adj = {i: cast(float, (r.adjoints or [])[i][b.output]) for i in range(len(ids))
                   if (r.adjoints or [])[i][b.output] is not None}
            for ln in (*b.deltas, *b.gradient, *b.where):
                v = value(ln.tree, cast(list[float], node_values), adj)
                got[b.output, ln.left] = v
                if ln in b.where:
                    continue
                want = adj[ln.node] if ln in b.deltas else r.jacobian[b.output][ids[ln.node]]
                ok = abs(v - want) <= ATOL + RTOL * max(abs(v), abs(want))
                checked.append(LineCheck(ln.left, v, want, ok))
        checks = tuple(checked) if check else None
    elif check:
        from .errors import InputError

        raise InputError("--check needs a point: give each input as NAME=VALUE")
    expanded = None
    if expand:
        from .symbolic.derive import derive

        expanded = derive(program, values or None, wrt=wrt_t, outputs=outputs, budget=budget)
    return DiffResult(program.source, tuple(o for o, _ in graph.outputs), wrt_t, fs, edges,
                      point, got, expanded, checks)
