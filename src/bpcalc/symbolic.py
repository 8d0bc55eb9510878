"""Graph -> SymPy: bpcalc's graph as exact numbers and symbolic formulas.

The translation is built from the graph, node by node in evaluation order (a loop); the
user's text is never handed to `sympify` or `parse_expr` (they use eval). One table, RULES,
gives each op's value as a SymPy expression; every derivative here is SymPy's own `diff` of
those values, so nothing repeats the partials of ops.py and the symbolic leg of --check is
independent of them. The kink conventions match ops.py: sign(0) = 0, relu'(0) = 0 (a
Piecewise), and max/min give Heaviside(0) = 1/2 to each side of a tie.

Constants come back exact. bpcalc folds constant subexpressions into floats at build time;
`folded_constants` walks the program's code again with exact arithmetic and remembers what
each folded float stands for (`log2(7)` is log(7)/log(2), `0.1 + 0.2` is 3/10). A float with
no such record is a literal: the rational of its shortest repr (0.1 -> 1/10), or pi.

SymPy is imported at module level: bpcalc imports this module only when --check, --exact,
--mode symbolic or `diff` asks for it. Every SymPy job runs under a time budget
(`within_budget`): a forked worker the parent kills at the deadline, so a huge program is
reported as skipped instead of hanging.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import sympy as sp
from sympy.printing.str import StrPrinter

from .budget import DEFAULT_BUDGET, Job, within_budget
from .graph import Graph, build, parse_value
from .ops import OPS
from .parser import Program, parse

if TYPE_CHECKING:
    from .result import GradResult

MAX_CHARS = 10_000  # a longer exact string or formula is left out (None), not printed
SORTED_SIZE = 300  # print sums in the usual order up to this many tree nodes
TIDY_SIZE = 150  # simplify only expressions of at most this many tree nodes


def _relu(x: sp.Expr) -> sp.Expr:
    return sp.Piecewise((x, x > 0), (0, True))  # its derivative at 0 is 0, as in ops.py


RULES: dict[str, Callable[..., sp.Expr]] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "neg": lambda x: -x,
    "pow": lambda x, y: x**y,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "asin": sp.asin,
    "acos": sp.acos,
    "atan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "exp": sp.exp,
    "log": sp.log,
    "log2": lambda x: sp.log(x) / sp.log(2),
    "log10": lambda x: sp.log(x) / sp.log(10),
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sigmoid": lambda x: 1 / (1 + sp.exp(-x)),
    "relu": _relu,
    "softplus": lambda x: sp.log(1 + sp.exp(x)),
    "max": sp.Max,
    "min": sp.Min,
}


class MissingRuleError(LookupError):
    """An op of the graph has no SymPy rule: a bug to fix by adding one row to RULES."""


def missing_rules() -> list[str]:
    """The ops of bpcalc's table (read now, not cached) that RULES does not translate."""
    return [name for name in OPS if name not in RULES]


def rule(op: str) -> Callable[..., sp.Expr]:
    found = RULES.get(op)
    if found is None:
        raise MissingRuleError(f"no SymPy rule for the op {op!r}: add it to symbolic.RULES")
    return found


def require_rules(ops: Iterable[str]) -> None:
    """Fail loudly, naming the op, before any worker starts."""
    for op in ops:
        if op not in ("input", "const"):
            rule(op)


def prepare(source: str, values: Mapping[str, str | float] | None,
            wrt: Sequence[str] | None, outputs: Sequence[str] | None) -> GradResult:
    """In the parent, before any SymPy work: engine.analyse's checks and errors (bad input,
    a math error at the point), and a SymPy rule for every op of the graph."""
    from . import engine

    checked = engine.analyse(source, values, None, wrt, outputs)
    require_rules(n.op for n in checked.nodes)
    return checked


# --- exact constants -------------------------------------------------------------------

Known = tuple[float, sp.Expr] | None  # a constant's float and exact value; None: not constant


def literal(x: float) -> sp.Expr:
    """A float the user wrote: pi, else the exact rational of its shortest repr (0.1 -> 1/10)."""
    if x == math.pi:
        return sp.pi
    return sp.Rational(repr(float(x)))


def folded_constants(program: Program) -> tuple[dict[float, sp.Expr], Known]:
    """What every folded float of `program` stands for, and the last statement's constant.

    Mirrors graph.build's folding over the same postfix code, carrying exact values beside
    the floats. A float that two different exact values fold to is left out (ambiguous).
    """
    folds: dict[float, sp.Expr] = {}
    ambiguous: set[float] = set()

    def note(v: float, ex: sp.Expr) -> Known:
        if v in ambiguous:
            return v, ex
        if v in folds and folds[v] != ex:
            ambiguous.add(v)
            del folds[v]
        else:
            folds[v] = ex
        return v, ex

    def apply(op: str, args: list[Known]) -> Known:
        if any(a is None for a in args):
            return None
        return note(OPS[op].value(*[a[0] for a in args]),  # type: ignore[index]
                    rule(op)(*[a[1] for a in args]))  # type: ignore[index]

    env: dict[str, Known] = {}
    last: Known = None
    for st in program.statements:
        stack: list[Known] = []
        for ins in st.code:
            if ins.kind == "num":
                stack.append(note(ins.arg, literal(ins.arg)))  # type: ignore[arg-type]
            elif ins.kind == "name":
                stack.append(env.get(ins.arg))  # type: ignore[arg-type]  # unassigned: an input
            else:
                k = OPS[ins.arg].arity  # type: ignore[index]
                args = stack[-k:]
                del stack[-k:]
                stack.append(apply(ins.arg, args))  # type: ignore[arg-type]
        last = stack.pop()
        if st.update is not None:
            last = apply(st.update, [env.get(st.target), last])  # type: ignore[arg-type]
        if st.target is not None:
            env[st.target] = last
    return folds, last


def exact_value(text: str | float, name: str = "value") -> sp.Expr:
    """A NAME=VALUE value, exactly: `1/3` -> 1/3, `pi/4` -> pi/4, `sqrt(2)` -> sqrt(2).

    The text goes through bpcalc's own parser (with parse_value's checks and messages), never
    through sympify."""
    if isinstance(text, float):
        return literal(text)
    parse_value(str(text), name)  # raises InputError naming `name` for anything but a constant
    known = folded_constants(parse(str(text)))[1]
    assert known is not None
    return known[1]


class Source(NamedTuple):
    """A graph with the exact meaning of its folded constants."""

    graph: Graph
    folds: Mapping[float, sp.Expr]

    def constant(self, x: float) -> sp.Expr:
        found = self.folds.get(x)
        return found if found is not None else literal(x)


def load(source: str, outputs: Sequence[str] | None = None) -> Source:
    program = parse(source)
    graph = build(program, outputs)
    require_rules(n.op for n in graph.nodes)
    return Source(graph, folded_constants(program)[0])


# --- node by node ----------------------------------------------------------------------

def node_exprs(src: Source, leaves: Sequence[sp.Expr]) -> list[sp.Expr]:
    """Every node's expression in evaluation order, given one per input (graph.inputs order).

    Symbols as leaves give each node as a formula over the inputs; exact numbers give exact
    values (SymPy evaluates as it builds: sin(pi/6) is 1/2)."""
    graph = src.graph
    out: list[Any] = [None] * len(graph.nodes)
    for (_, i), leaf in zip(graph.inputs, leaves):
        out[i] = leaf
    for i, node in enumerate(graph.nodes):
        if node.op == "const":
            out[i] = src.constant(node.args[0])  # type: ignore[arg-type]
        elif node.op != "input":
            args = [out[a] if type(a) is int else src.constant(a) for a in node.args]
            out[i] = rule(node.op)(*args)
    return out


def _slot_partials(ops: set[str]) -> dict[str, tuple[tuple[sp.Symbol, ...], list[sp.Expr]]]:
    """Per op: slot symbols and d(value)/d(slot) for every slot, by SymPy's diff.

    Slots are separate symbols so that `c*c` has one derivative per edge (c and c), not 2c."""
    table = {}
    for op in sorted(ops):
        slots = tuple(sp.Dummy(f"s{k}", real=True) for k in range(OPS[op].arity))
        value = rule(op)(*slots)
        table[op] = (slots, [sp.powsimp(sp.diff(value, s)) for s in slots])  # y*x^(y - 1)
    return table


def edge_partials(src: Source, operands: Sequence[sp.Expr]) -> list[sp.Expr]:
    """Every edge's local derivative d(dst)/d(src), with each node's operand taken from
    `operands` (node symbols: formulas over node ids; exact values: exact numbers)."""
    graph = src.graph
    table = _slot_partials({graph.nodes[e.dst].op for e in graph.edges})
    out = []
    for e in graph.edges:
        node = graph.nodes[e.dst]
        slots, partials = table[node.op]
        args = [operands[a] if type(a) is int else src.constant(a) for a in node.args]
        out.append(partials[e.slot].xreplace(dict(zip(slots, args))))
    return out


def reverse(graph: Graph, weights: Sequence[sp.Expr], out: int) -> list[sp.Expr]:
    """Adjoints d(out)/d(v) for every node, in exact or symbolic arithmetic (as modes/reverse)."""
    adj: list[sp.Expr] = [sp.S.Zero] * len(graph.nodes)
    adj[out] = sp.S.One
    for k in range(len(graph.edges) - 1, -1, -1):
        src, dst, _ = graph.edges[k]
        if adj[dst] != 0:
            adj[src] = adj[src] + adj[dst] * weights[k]
    return adj


def forward(graph: Graph, weights: Sequence[sp.Expr], seed: int) -> list[sp.Expr]:
    """Tangents d(v)/d(seed) for every node (as modes/forward)."""
    tan: list[sp.Expr] = [sp.S.Zero] * len(graph.nodes)
    tan[seed] = sp.S.One
    for (src, dst, _), w in zip(graph.edges, weights):
        if tan[src] != 0:
            tan[dst] = tan[dst] + tan[src] * w
    return tan


def node_symbols(graph: Graph) -> list[sp.Symbol]:
    """One real symbol per node, named by its id (c, d, e; y.1 for an earlier version of y)."""
    return [sp.Symbol(n.id, real=True) for n in graph.nodes]


def input_symbols(graph: Graph) -> dict[str, sp.Symbol]:
    """One real symbol per input, named as the user wrote it."""
    return {name: sp.Symbol(name, real=True) for name, _ in graph.inputs}


# --- printing --------------------------------------------------------------------------

class _Printer(StrPrinter):
    """SymPy's text, but in bpcalc's language where it can be: exp(1) not E, abs not Abs."""

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "exp(1)"

    def _print_Abs(self, expr: sp.Expr) -> str:
        return f"abs({self._print(expr.args[0])})"


def tree_size(expr: sp.Expr, limit: int) -> int:
    """Nodes of the expression as a tree (a shared subexpression counts at every use), counted
    over the DAG without recursion and capped at limit + 1: printing or simplifying a tree
    costs at least this much, and nested programs make trees exponentially large."""
    sizes: dict[int, int] = {}
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if id(e) in sizes:
            continue
        if ready or not e.args:
            sizes[id(e)] = min(limit + 1, 1 + sum(sizes[id(a)] for a in e.args))
        else:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if id(a) not in sizes)
    return sizes[id(expr)]


def _order(expr: sp.Expr, max_chars: int) -> str | None:
    """The printing order, or None when the expression would print longer than max_chars.

    SymPy sorts a sum's terms by value, evaluating every term numerically at each level:
    exponential on nested numbers. Past a few hundred nodes terms keep their stored order."""
    size = tree_size(expr, max_chars)
    if size > max_chars:  # every node prints at least one character: too long, skip it
        return None
    return "lex" if size <= SORTED_SIZE else "none"


def text(expr: sp.Expr, max_chars: int = MAX_CHARS) -> str | None:
    """`a + 2*b + 1`, `sqrt(3)/2`, `x^2` (bpcalc writes powers with ^); None when too long."""
    order = _order(expr, max_chars)
    if order is None:
        return None
    s = _Printer({"order": order}).doprint(expr).replace("**", "^")
    return s if len(s) <= max_chars else None


def latex(expr: sp.Expr, max_chars: int = MAX_CHARS) -> str | None:
    order = _order(expr, max_chars)
    if order is None:
        return None
    s = sp.latex(expr, order=order)
    return s if len(s) <= max_chars else None


def tidy(expr: sp.Expr, max_size: int = TIDY_SIZE) -> sp.Expr:
    """SymPy's simplify on expressions of at most `max_size` tree nodes (simplify's cost
    grows fast: minutes for a few hundred nodes of nested sin), kept only when it prints no
    longer: simplify's own measure turns 1/10 + log(7)/log(2) into
    log(564950498)/(10*log(2))."""
    if tree_size(expr, max_size) > max_size:
        return expr
    simpler = sp.simplify(expr)
    return simpler if len(str(simpler)) <= len(str(expr)) else expr


def to_float(expr: sp.Expr) -> float | None:
    """The double nearest an exact real number; None when it is not a finite real."""
    try:
        re, im = sp.N(expr, 30).as_real_imag()
        re_f = float(re)
        if not math.isfinite(re_f) or abs(float(im)) > 1e-20 * (1.0 + abs(re_f)):
            return None
        return re_f
    except (TypeError, ValueError):
        return None


# --- symbolic gradients: `grad --mode symbolic` and `diff` ------------------------------

class Formula(NamedTuple):
    text: str | None  # bpcalc syntax (`a + 2*b + 1`); None when longer than max_chars
    latex: str | None
    exact: str | None = None  # its exact value at the point, when a point was given
    value: float | None = None  # that value as a double

    def to_dict(self, prefix: str = "") -> dict[str, Any]:
        d: dict[str, Any] = {f"{prefix}formula": self.text, f"{prefix}latex": self.latex}
        if self.exact is not None or self.value is not None:
            d[f"{prefix}exact"], d[f"{prefix}value"] = self.exact, self.value
        return d


class Partial(NamedTuple):
    output: str
    wrt: str
    inputs: Formula  # over the inputs' own names: SymPy's diff of the whole program
    intermediate: Formula  # over node ids: reverse accumulation of the edges' local formulas


class EdgeFormula(NamedTuple):
    src: str
    dst: str
    local: Formula  # d(dst)/d(src) over the ids of dst's operands


class Derivation(NamedTuple):
    expression: str
    outputs: tuple[str, ...]
    wrt: tuple[str, ...]
    status: str  # "ok", "unsimplified (time budget)", or "skipped (...)" with no formulas
    budget: float | None
    point: dict[str, str | None] | None  # exact input values, when values were given
    partials: tuple[Partial, ...] = ()  # output-major, then wrt order
    edges: tuple[EdgeFormula, ...] = ()  # in graph order

    @property
    def skipped(self) -> bool:
        return self.status.startswith("skipped")

    def partial(self, output: str, wrt: str) -> Partial:
        return next(p for p in self.partials if p.output == output and p.wrt == wrt)

    def to_dict(self) -> dict[str, Any]:
        """The `symbolic` JSON object (for `grad --mode symbolic` and `diff`)."""
        d: dict[str, Any] = {"status": self.status, "budget": self.budget}
        if self.point is not None:
            d["point"] = self.point
        jac: dict[str, dict[str, Any]] = {o: {} for o in self.outputs}
        for p in self.partials:
            jac[p.output][p.wrt] = {**p.inputs.to_dict(), **p.intermediate.to_dict("intermediate_")}
        d["jacobian"] = jac
        if len(self.outputs) == 1:
            d["gradient"] = jac[self.outputs[0]]
        d["edges"] = [{"from": e.src, "to": e.dst, **e.local.to_dict()} for e in self.edges]
        return d


def derive(source: str, values: Mapping[str, str | float] | None = None, *,
           wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
           budget: float | None = DEFAULT_BUDGET, max_chars: int = MAX_CHARS) -> Derivation:
    """Symbolic partials of every output with respect to each `wrt` input (default: all),
    simplified, in the inputs' names and in the program's intermediate names, and every
    edge's local derivative as a formula; with `values`, each also at the point, exactly.

    Raises the same InputError/MathError as engine.grad for bad input or a failing point.
    All SymPy work, the translation included, runs in the worker with `budget` seconds: past
    it, unsimplified formulas if they were ready (status "unsimplified (time budget)"), else
    none (status "skipped (time budget)")."""
    checked = prepare(source, values, wrt, outputs)
    wrt_t = tuple(wrt) if wrt else tuple(checked.inputs)
    job = _derive_job(source, outputs, values, wrt_t, max_chars)
    outcome = within_budget(job, budget)
    status = {"ok": "ok", "partial": "unsimplified (time budget)"}.get(outcome.status)
    point, parts, edges = outcome.value if outcome.value is not None else (None, (), ())
    return Derivation(expression=source, outputs=checked.outputs, wrt=wrt_t,
                      status=status or outcome.skipped_reason(), budget=budget,
                      point=point, partials=parts, edges=edges)


def exact_point(graph: Graph, values: Mapping[str, str | float]) -> dict[str, sp.Expr]:
    """Each input's exact value from its NAME=VALUE text (see exact_value)."""
    return {name: exact_value(values[name], name) for name, _ in graph.inputs}


def _derive_job(source: str, outputs: Sequence[str] | None,
                values: Mapping[str, str | float] | None, wrt: tuple[str, ...],
                max_chars: int) -> Job:
    def job() -> Iterator[tuple[dict[str, str | None] | None, tuple[Partial, ...],
                                tuple[EdgeFormula, ...]]]:
        src = load(source, outputs)
        graph = src.graph
        point = None if values is None else exact_point(graph, values)
        isyms = input_symbols(graph)
        nsyms = node_symbols(graph)
        full = node_exprs(src, [isyms[name] for name, _ in graph.inputs])
        local = edge_partials(src, nsyms)
        index = dict(graph.inputs)
        raw = []
        for o, j in graph.outputs:
            adj = reverse(graph, local, j)
            raw += [(o, w, sp.diff(full[j], isyms[w]), adj[index[w]]) for w in wrt]
        at_inputs: dict = {}
        at_nodes: dict = {}
        if point is not None:
            at_inputs = {isyms[name]: point[name] for name, _ in graph.inputs}
            at_nodes = dict(zip(nsyms, node_exprs(src, [point[n] for n, _ in graph.inputs])))
        shown = None if point is None else {k: text(v, max_chars) for k, v in point.items()}

        def formula(expr: sp.Expr, at: dict, clean: Callable[[sp.Expr], sp.Expr]) -> Formula:
            f = Formula(text(expr, max_chars), latex(expr, max_chars))
            if point is None:
                return f
            v = clean(expr.xreplace(at))
            return f._replace(exact=text(v, max_chars), value=to_float(v))

        def pack(clean: Callable[[sp.Expr], sp.Expr]) -> tuple:
            parts = tuple(Partial(o, w, formula(clean(d), at_inputs, clean),
                                  formula(clean(a), at_nodes, clean)) for o, w, d, a in raw)
            edges = tuple(EdgeFormula(graph.nodes[e.src].id, graph.nodes[e.dst].id,
                                      formula(clean(w), at_nodes, clean))
                          for e, w in zip(graph.edges, local))
            return shown, parts, edges

        yield pack(lambda e: e)
        yield pack(tidy)

    return job
