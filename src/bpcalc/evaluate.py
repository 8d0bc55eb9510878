"""Graph -> numbers at a point: every node's value and every edge's local derivative.

`evaluate` is one quick loop with no per-node checks; if anything in it fails or is not
finite, it goes again node by node (`_checked`) and names what failed. `node_values` is the
same walk for any kind of number, with the operation given: SymPy's exact values and
formulas (symbolic/), and the values alone for finite differences (symbolic/check.py).

Numbers at the edges (wide.py): a local derivative whose row gives it in wide numbers
(`Op.wide`) and whose double came out 0, subnormal or infinite is taken again in decimal
numbers; if that is a normal double (or 0) it replaces the double, else the edge is
`beyond` a double and the passes carry it as a wide number. A value that overflows on the
way is carried in decimal numbers by the rows that can (`Op.big`), and is an error only
where an output, or a row that cannot carry it, needs it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from . import diagnose, wide
from .errors import InputError, MathError
from .graphs.builder import attempt, value_failure
from .graphs.graph import Graph, node_definition
from .numbers import number, number_text
from .ops import OPS, Op, widened

if TYPE_CHECKING:
    from decimal import Decimal

T = TypeVar("T")
TINY = wide.TINY


class Evaluation(NamedTuple):
    values: list[float]  # per node; ±inf for a value beyond a double, carried (see module)
    # per edge: the local partial d(dst)/d(src) at the point; one beyond a double as its
    # double (0, subnormal or ±inf), and in `beyond`
    weights: list[float]
    warnings: list[str]
    # Edges whose local derivative is not finite here -> the math error it is if a pass
    # needs it (see analysis.needed_edges: an exact zero times it contributes zero).
    undefined: dict[int, MathError] = {}
    # Edges whose local derivative is not a normal double (it is beyond one, or a subnormal
    # that has lost digits) -> it as a wide number
    beyond: dict[int, wide.Wide] = {}
    # The error of the first value that overflowed, where values were carried in decimal
    # numbers past it (the passes need none of them; a Hessian does: second.py)
    overflow: MathError | None = None


def _table(weights: list[float], odd: list[int]) -> dict[str, tuple[Any, ...]]:
    """op -> (value, first partial, last partial, kink), read from the op table at call
    time; a partial with a `wide` formula notes in `odd` the edge (the next weight) where
    its double comes out 0 or subnormal."""
    def watched(partial: Callable[..., float], arity: int) -> Callable[..., float]:
        def unary(x: float, v: float) -> float:
            w = partial(x, v)
            if -TINY < w < TINY:
                odd.append(len(weights))
            return w

        def binary(x: float, y: float, v: float) -> float:
            w = partial(x, y, v)
            if -TINY < w < TINY:
                odd.append(len(weights))
            return w
        return unary if arity == 1 else binary

    table = {}
    for name, row in OPS.items():
        ps = [watched(p, row.arity) if widened(row, s) else p
              for s, p in enumerate(row.partials)]
        table[name] = (row.value, ps[0], ps[-1], row.kink)
    return table


def evaluate(graph: Graph, values: Mapping[str, float]) -> Evaluation:
    """Every node's value and every edge's local derivative at the point `values`."""
    vals = _start(graph, values)
    n = len(graph.keys)
    weights: list[float] = []
    push = weights.append
    kinks: list[int] = []
    odd: list[int] = []
    table = _table(weights, odd)
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
    return Evaluation(vals, weights, warnings, {}, _again(graph, vals, weights, odd))


def _again(graph: Graph, vals: list[float], weights: list[float],
           odd: list[int]) -> dict[int, wide.Wide]:
    """The `odd` weights (0 or subnormal, their row has a `wide` formula) taken again in
    decimal numbers: each a double again, an exact 0, or beyond a double (returned)."""
    beyond: dict[int, wide.Wide] = {}
    keys, edst, consts = graph.keys, graph.edst, graph.consts
    for k in odd:
        dst = edst[k]
        key = keys[dst]
        if len(key) == 2 or key[2] < 0:
            slot = 0
        elif key[1] < 0:  # a constant first operand has no edge
            slot = 1
        else:  # edges into dst are in slot order
            slot = 0 if k == 0 or edst[k - 1] != dst else 1
        args = [vals[a] if a >= 0 else consts[~a] for a in key[1:]]
        got = _settle(OPS[key[0]], slot, wide.decimals([*args, vals[dst]]))
        if got is not None:
            weights[k], far = got
            if far is not None:
                beyond[k] = far
    return beyond


def _settle(row: Op, slot: int, args: list[Decimal]) -> tuple[float, wide.Wide | None] | None:
    """Operand `slot`'s partial of `row` at `args` (the operands, then the node's value, as
    decimal numbers) by its `wide` formula, else by its double partial (operands, constants
    and comparisons take decimals): (the nearest double, None) where that is a normal double
    or 0, (the nearest double, the wide number) where it is beyond a double, None where
    neither gives it."""
    formula = row.wide[slot] if widened(row, slot) else row.partials[slot]
    d = wide.call(formula, args)  # type: ignore[arg-type]
    if d is None:
        return None
    x = float(d)
    if not d or TINY <= abs(x) < math.inf:
        return x, None
    return x, wide.of_decimal(d)


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
    """`evaluate`, one call at a time: a failing value or partial raises a MathError, but
    a value that overflows is carried on in decimal numbers where the rows can (`big`)."""
    start = _start(graph, values)
    warnings: list[str] = []
    big: dict[int, Decimal] = {}  # node -> its value, beyond a double
    first: dict[int, int] = {}  # node in big -> the node where the overflow began
    failed: dict[int, list[float]] = {}  # such a node -> its operands

    def apply(i: int, op: str, argv: list[float]) -> float:
        row = OPS[op]
        key = graph.keys[i]
        carried = [a for a in key[1:] if a in big] if big else []
        if carried:  # an operand beyond a double: decimal numbers or the first failure
            return carry(i, row, [big.get(a, x) for a, x in zip(key[1:], argv)],
                          first[carried[0]])
        v, why = attempt(row.value, argv)
        if why == "overflows a double" and row.big is not None:
            d = wide.call(row.big, wide.decimals(argv))
            if d is not None:
                x = float(d)
                if math.isinf(x):
                    failed[i] = argv
                    big[i], first[i] = d, i
                return x
        if why:
            raise _value_error(graph, i, argv, why)
        if row.kink is not None:
            hit = row.kink(*argv, v)
            if hit:
                warnings.append(_kink(graph, i, hit))
        return v

    def carry(i: int, row: Op, args: list[Any], origin: int) -> float:
        d = None if row.big is None else wide.call(row.big, wide.decimals(args))
        if d is None:  # this row cannot go on: the overflow where it began is the error
            raise _value_error(graph, origin, failed[origin], "overflows a double")
        x = float(d)
        if math.isinf(x):
            big[i], first[i] = d, origin
        return x

    vals = node_values(graph, [start[i] for _, i in graph.inputs], apply, float)
    for _, j in graph.outputs:
        if j in big:
            raise _value_error(graph, first[j], failed[first[j]], "overflows a double")
    if big:
        i = min(big)
        more = f" ({len(big) - 1} more like it)" if len(big) > 1 else ""
        warnings.append(f"the value of node {graph.ids[i]} = "
                        f"{node_definition(graph, graph.nodes[i])} is about "
                        f"{wide.magnitude_of(big[i])}, beyond a double: carried on in wide "
                        f"numbers{more}")
    weights, undefined, beyond = _checked_weights(graph, vals, big)
    overflow = _value_error(graph, min(failed), failed[min(failed)], "overflows a double") \
        if failed else None
    return Evaluation(vals, weights, warnings, undefined, beyond, overflow)


def _value_error(graph: Graph, i: int, argv: list[float], why: str) -> MathError:
    """Node i's value failed (`why`, as `attempt` says): the error, with the path to an
    output when i is not one."""
    names = [graph.ids[a] if type(a) is int else number_text(a) for a in graph.nodes[i].args]
    said = f" ({diagnose.arithmetic(graph, i, None, argv, why)})"
    outs = [j for _, j in graph.outputs]
    if i not in outs:
        trail = diagnose.path(graph, i, outs, downstream=True)
        said += (f"; {graph.ids[i]} reaches the output {graph.ids[trail[-1]]} along "
                 f"{diagnose.path_text(graph, trail)}") if trail else ""
    return node_error(graph, i, argv, value_failure(graph.keys[i][0], why, names), said)


def _checked_weights(graph: Graph, vals: list[float], big: dict[int, Decimal]
                     ) -> tuple[list[float], dict[int, MathError], dict[int, wide.Wide]]:
    """Every edge's local derivative, one call at a time: (weights, undefined, beyond), see
    Evaluation. A partial with a `wide` formula that fails or is not a normal double, and
    every partial of a node with a value beyond a double, is taken in decimal numbers."""
    nodes = graph.nodes
    weights: list[float] = []
    undefined: dict[int, MathError] = {}
    beyond: dict[int, wide.Wide] = {}
    for k, e in enumerate(graph.edges):
        node = nodes[e.dst]
        row = OPS[node.op]
        argv = [vals[a] if type(a) is int else a for a in node.args]
        carried = bool(big) and (e.dst in big or any(a in big for a in graph.keys[e.dst][1:]))
        w, why = (math.nan, "") if carried else attempt(row.partials[e.slot],
                                                        [*argv, vals[e.dst]])
        if carried or ((why or not TINY <= abs(w)) and widened(row, e.slot)):
            args = [big.get(a, x) for a, x in zip(graph.keys[e.dst][1:], argv)]
            got = _settle(row, e.slot, wide.decimals([*args, big.get(e.dst, vals[e.dst])]))
            if got is not None:
                w, far = got
                if far is not None:
                    beyond[k] = far
                weights.append(w)
                continue
            why = why or ("overflows a double" if carried else "")
        if why:  # an error only if a pass needs this edge (analysis.defined_weights)
            what = {"division by zero": "infinite", "overflows a double": "too large for a "
                    "double"}.get(why, why)
            undefined[k] = node_error(
                graph, e.dst, argv, f"its derivative with respect to {nodes[e.src].id} is "
                f"{what} here: {diagnose.arithmetic(graph, e.dst, e.slot, argv, why)}")
            w = math.nan
        weights.append(w)
    return weights, undefined, beyond


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
