"""Graph -> SymPy: bpcalc's graph as exact numbers and symbolic formulas.

The translation is built from the graph, node by node in evaluation order (the one
evaluator's generic walk, evaluate.node_values); the user's text is never handed to
`sympify` or `parse_expr` (they use eval). One table, RULES, gives each op's value as a
SymPy expression; every derivative here is SymPy's own `diff` of those values, so nothing
repeats the partials of ops.py and the symbolic leg of --check is independent of them. The
kink conventions match ops.py: sign(0) = 0, relu'(0) = 0 (a Piecewise), and max/min give
Heaviside(0) = 1/2 to each side of a tie.

Constants come back exact. bpcalc folds constant subexpressions into floats at build time,
and the builder records each fold (graph.folds): `log2(7)` is log(7)/log(2), `0.1 + 0.2` is
3/10. A constant with no fold, or whose folds and written numbers disagree, is a literal: the
rational of its shortest repr (0.1 -> 1/10), or pi.

SymPy is imported at module level: bpcalc imports this package only when --check, --exact,
--mode symbolic or `diff` asks for it. Every SymPy job runs under a time budget
(budget.py): a forked worker the parent kills at the deadline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import sympy as sp

from ..evaluate import node_values
from ..graphs.graph import Graph
from ..ops import OPS
from ..text.values import parse_value, plain_number

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..results.grad import GradResult

MAX_CHARS = 10_000  # a longer exact string or formula is left out (None), not printed


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
    "lt": lambda x, y: sp.Piecewise((1, x < y), (0, True)),  # 0/1; its derivative is 0
    "gt": lambda x, y: sp.Piecewise((1, x > y), (0, True)),
    "le": lambda x, y: sp.Piecewise((1, x <= y), (0, True)),
    "ge": lambda x, y: sp.Piecewise((1, x >= y), (0, True)),
}


class MissingRuleError(LookupError):
    """An op of the graph has no SymPy rule: a bug to fix by adding one row to RULES."""


def missing_rules() -> list[str]:
    """The ops of bpcalc's table (read now, not cached) that RULES does not translate."""
    return [name for name in OPS if name not in RULES]


def rule(op: str) -> Callable[..., sp.Expr]:
    found = RULES.get(op)
    if found is None:
        raise MissingRuleError(f"no SymPy rule for the op {op!r}: add it to RULES in "
                               "symbolic/translate.py")
    return found


def require_rules(ops: Iterable[str]) -> None:
    """Fail loudly, naming the op, before any worker starts."""
    for op in ops:
        if op not in ("input", "const"):
            rule(op)


def prepare(program: Analysis, values: Mapping[str, str | float] | None,
            wrt: Sequence[str] | None, outputs: Sequence[str] | None) -> GradResult:
    """In the parent, before any SymPy work: analysis.analyse's checks and errors (bad input,
    a math error at the point), and a SymPy rule for every op of the graph."""
    from ..analysis import analyse

    checked = analyse(program.graph(outputs), values, None, wrt)
    require_rules(n.op for n in checked.nodes)
    return checked


# --- exact constants -------------------------------------------------------------------

def literal(x: float) -> sp.Expr:
    """A float the user wrote: pi, else the exact rational of its shortest repr (0.1 -> 1/10)."""
    if x == math.pi:
        return sp.pi
    return sp.Rational(repr(float(x)))


class Source:
    """A graph with the exact meaning of its constants."""

    def __init__(self, graph: Graph) -> None:
        """Each constant exactly: what its folds give, where they and the numbers the text
        writes agree on one exact value; else the literal of its float."""
        self.graph = graph
        consts = graph.consts
        exact: list[sp.Expr] = [literal(x) for x in consts]
        agreed: dict[int, bool] = {}
        for c, op, args in graph.folds:
            ex = rule(op)(*[exact[a] for a in args])
            if c not in agreed:
                agreed[c] = c not in graph.literal or ex == exact[c]
                exact[c] = ex if agreed[c] else exact[c]
            elif agreed[c] and exact[c] != ex:
                agreed[c] = False
                exact[c] = literal(consts[c])
        self.exact = exact  # per constant of graph.consts
        self._by_value: dict[float, sp.Expr] = {}
        for x, ex in zip(consts, exact):
            self._by_value.setdefault(x, ex)

    def constant(self, x: float) -> sp.Expr:
        """A folded operand (a float) exactly."""
        found = self._by_value.get(x)
        return literal(x) if found is None else found


def exact_value(text: str | float, name: str = "value") -> sp.Expr:
    """A NAME=VALUE value, exactly: `1/3` -> 1/3, `pi/4` -> pi/4, `sqrt(2)` -> sqrt(2).

    The text goes through bpcalc's own parser (with parse_value's checks and messages), never
    through sympify."""
    if isinstance(text, float):
        return literal(text)
    v = plain_number(str(text))
    if v is not None:
        return literal(v)
    parse_value(str(text), name)  # raises InputError naming `name` for anything but a constant
    from ..graphs.builder import build
    from ..text.parser import parse

    graph = build(parse(str(text))).graph()
    (_, out), = graph.outputs
    return Source(graph).exact[~graph.keys[out][1]]


def exact_point(graph: Graph, values: Mapping[str, str | float]) -> dict[str, sp.Expr]:
    """Each input's exact value from its NAME=VALUE text (see exact_value)."""
    return {name: exact_value(values[name], name) for name, _ in graph.inputs}


# --- node by node ----------------------------------------------------------------------

def node_exprs(src: Source, leaves: Sequence[sp.Expr]) -> list[sp.Expr]:
    """Every node's expression in evaluation order, given one per input (graph.inputs order).

    Symbols as leaves give each node as a formula over the inputs; exact numbers give exact
    values (SymPy evaluates as it builds: sin(pi/6) is 1/2)."""
    return node_values(src.graph, leaves, lambda i, op, args: rule(op)(*args), src.constant)


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


def input_symbols(graph: Graph) -> dict[str, sp.Symbol]:
    """One real symbol per input, named as the user wrote it."""
    return {name: sp.Symbol(name, real=True) for name, _ in graph.inputs}


