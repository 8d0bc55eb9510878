"""Graph -> numbers at a point: every node's value and every edge's local derivative.

`evaluate` is one quick loop with no per-node checks; if anything in it fails or is not
finite, it goes again node by node (`_checked`) and names what failed. `node_values` is the
same walk for any kind of number, with the operation given: SymPy's exact values and
formulas (symbolic/), and the values alone for finite differences (symbolic/check.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from . import diagnose
from .build.builder import attempt, value_failure
from .build.graph import Graph, node_definition
from .errors import InputError, MathError
from .numbers import number, number_text
from .ops import OPS

T = TypeVar("T")


class Evaluation(NamedTuple):
    values: list[float]  # per node
    weights: list[float]  # per edge: the local partial d(dst)/d(src) at the point
    warnings: list[str]
    # Edges whose local derivative is not finite here -> the math error it is if a pass
    # needs it (see analysis.needed_edges: an exact zero times it contributes zero).
    undefined: dict[int, MathError] = {}


def _table() -> dict[str, tuple[Any, ...]]:
    """op -> (value, first partial, last partial, kink), read from the op table at call time."""
    return {name: (row.value, row.partials[0], row.partials[-1], row.kink)
            for name, row in OPS.items()}


def evaluate(graph: Graph, values: Mapping[str, float]) -> Evaluation:
    """Every node's value and every edge's local derivative at the point `values`."""
    vals = _start(graph, values)
    n = len(graph.keys)
    weights: list[float] = []
    push = weights.append
    kinks: list[int] = []
    table = _table()
    try:
        for i, k in enumerate(graph.keys):  # vals[~c] is consts[c]: see _start
            if len(k) == 3:
                op, a, b = k
                f, p, q, kink = table[op]
                x = vals[a]
                y = vals[b]
                v = vals[i] = f(x, y)
                if a >= 0:
                    push(p(x, y, v))
                if b >= 0:
                    push(q(x, y, v))
            elif len(k) == 2:
                op, a = k
                if a < 0:  # a constant output
                    vals[i] = vals[a]
                    continue
                f, p, q, kink = table[op]
                x = vals[a]
                v = vals[i] = f(x)
                push(p(x, v))
            else:
                continue
            if kink is not None:
                kinks.append(i)
    except (ArithmeticError, ValueError):
        return _checked(graph, values)
    if not (all_finite(vals) and all_finite(weights)):
        return _checked(graph, values)
    warnings = []
    for i in kinks:  # node text only for a kink that is hit: a big graph's views stay unmade
        k = graph.keys[i]
        kink = OPS[k[0]].kink
        assert kink is not None  # only ops with a kink test are listed
        said = kink(*[vals[a] for a in k[1:]], vals[i])
        if said:
            warnings.append(_kink(graph, i, said))
    del vals[n:]
    return Evaluation(vals, weights, warnings)


def _kink(graph: Graph, i: int, said: str) -> str:
    node = graph.nodes[i]
    return f"kink at {node.id} = {node_definition(graph, node)}: {said}"


def all_finite(xs: list[float]) -> bool:
    """Whether no x is inf or nan. An inf or nan makes the sum inf or nan, and summing is
    quicker than testing each x; only a sum that overflows is checked item by item."""
    return math.isfinite(sum(xs)) or all(map(math.isfinite, xs))


def _start(graph: Graph, values: Mapping[str, float]) -> list[float]:
    """Node values (inputs set, the rest 0.0), then the constants in reverse order, so that
    the operand ~c indexes consts[c]: vals[~c] == vals[len(vals) - 1 - c]."""
    vals = [0.0] * len(graph.keys) + graph.consts[::-1]
    try:  # one lookup per input; only when one fails, a second pass names them all
        for name, i in graph.input_at.items():
            vals[i] = values[name]
    except KeyError:
        raise missing_values([name for name in graph.input_at if name not in values]) \
            from None
    return vals


def missing_values(missing: Sequence[str]) -> InputError:
    """The error for inputs given no value."""
    hint = ""
    if "e" in missing:
        hint = " (e is an ordinary name here: for e^x write exp(x), for Euler's number exp(1))"
    return InputError("missing value for " + ", ".join(missing) + hint
                      + "; give each input as NAME=VALUE")


def node_values(graph: Graph, leaves: Sequence[T], apply: Callable[[int, str, list[T]], T],
                constant: Callable[[float], T]) -> list[T]:
    """Every node's value, any kind of number: `leaves` one per input (graph.inputs order),
    `apply(node, op, operands)` an operation, `constant(x)` a folded constant."""
    out: list[Any] = [None] * len(graph.keys)
    for (_, i), leaf in zip(graph.inputs, leaves):
        out[i] = leaf
    consts = graph.consts
    for i, k in enumerate(graph.keys):
        op = k[0]
        if op == "input":
            continue
        if op == "const":
            out[i] = constant(consts[~k[1]])
            continue
        out[i] = apply(i, op, [out[a] if a >= 0 else constant(consts[~a]) for a in k[1:]])
    return out


def _checked(graph: Graph, values: Mapping[str, float]) -> Evaluation:
    """`evaluate`, one call at a time: a failing value or partial raises a MathError."""
    start = _start(graph, values)
    warnings: list[str] = []

    def apply(i: int, op: str, argv: list[float]) -> float:
        row = OPS[op]
        v, why = attempt(row.value, argv)
        if why:
            names = [graph.ids[a] if type(a) is int else number_text(a)
                     for a in graph.nodes[i].args]
            said = f" ({diagnose.arithmetic(graph, i, None, argv, why)})"
            outs = [j for _, j in graph.outputs]
            if i not in outs:
                trail = diagnose.path(graph, i, outs, downstream=True)
                said += (f"; {graph.ids[i]} reaches the output {graph.ids[trail[-1]]} along "
                         f"{diagnose.path_text(graph, trail)}") if trail else ""
            raise node_error(graph, i, argv, value_failure(op, why, names), said)
        if row.kink is not None:
            hit = row.kink(*argv, v)
            if hit:
                warnings.append(_kink(graph, i, hit))
        return v

    vals = node_values(graph, [start[i] for _, i in graph.inputs], apply, float)
    nodes = graph.nodes
    weights: list[float] = []
    undefined: dict[int, MathError] = {}
    for k, e in enumerate(graph.edges):
        node = nodes[e.dst]
        argv = [vals[a] if type(a) is int else a for a in node.args]
        w, why = attempt(OPS[node.op].partials[e.slot], [*argv, vals[e.dst]])
        if why:  # an error only if a pass needs this edge (analysis.defined_weights)
            what = {"division by zero": "infinite", "overflows a double": "too large for a "
                    "double"}.get(why, why)
            undefined[k] = node_error(
                graph, e.dst, argv, f"its derivative with respect to {nodes[e.src].id} is "
                f"{what} here: {diagnose.arithmetic(graph, e.dst, e.slot, argv, why)}")
            w = math.nan
        weights.append(w)
    return Evaluation(vals, weights, warnings, undefined)


def node_error(graph: Graph, i: int, argv: list[float], why: str, after: str = "") -> MathError:
    """`math error at node b = log(a): ... , where a = x - 2 = -1`: the node, why, and
    each operand node's definition and value (constants are in the definition), then
    `after`."""
    node, nodes = graph.nodes[i], graph.nodes
    where: dict[str, None] = {}  # x*x names x once
    for a, v in zip(node.args, argv):
        if type(a) is int:
            n = nodes[a]
            said = n.id if n.op == "input" else f"{n.id} = {node_definition(graph, n)}"
            where[f"{said} = {number(v)}"] = None
    text = f"math error at node {node.id} = {node_definition(graph, node)}: {why}"
    return MathError(text + (", where " + ", ".join(where) if where else "") + after)
