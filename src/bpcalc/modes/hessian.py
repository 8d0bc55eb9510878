"""Second derivatives by forward-over-reverse: one column of the Hessian per input.

The reverse sweep `a[src] += a[dst] * w` is differentiated in the direction of one input
x_j: the forward pass gives every node's tangent t = dv/dx_j, each edge weight moves by
ẇ = Σ_q d²(dst)/d(arg_s)d(arg_q) · t[arg_q], and the same backward loop carries the
adjoints' tangents ȧ[src] += ȧ[dst] * w + a[dst] * ẇ. At the inputs, ȧ is column j of the
Hessian. The adjoints a do not depend on j, so one reverse pass serves every column.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple, TypeVar

from ..errors import MathError
from ..evaluate import Evaluation, node_error
from ..graphs.builder import attempt
from ..graphs.graph import Graph
from ..ops import OPS, second_index
from . import forward, reverse

Terms = tuple[tuple[int, Any], ...]  # (operand node, second partial) pairs of one edge
T = TypeVar("T")


class Hessian(NamedTuple):
    gradient: list[float]  # d(output)/d(x_i) per wrt input
    matrix: list[list[float]]  # matrix[i][j] = d²(output)/d(x_i)d(x_j), over wrt inputs
    passes: int  # forward-over-reverse passes: one per wrt input
    edge_ops: int  # uses of an edge's first or second local derivative
    warnings: tuple[str, ...] = ()  # entries that underflow (wide numbers only)


def second_weights(graph: Graph, values: list[float], adjoint: Sequence[Any] | None = None,
                   undefined: dict[tuple[int, int], MathError] | None = None,
                   wide: bool = False) -> list[Terms]:
    """Per edge, the terms of its weight's tangent ẇ: (operand node q, d²/d(arg_s)d(arg_q)).

    Zero second partials are left out, so a linear op's edge has no terms and the work per
    column is linear in the edges. Edges into a node with zero `adjoint` get no terms (their
    ẇ is multiplied by that zero); a non-finite second partial elsewhere is a MathError,
    raised here, or with `undefined` given, left out and recorded there by (edge, q): it
    is an error only if a column needs it (see `hessian`). `wide`: the partials as wide
    numbers (wide.py), one that left a double's range computed again where its row can.
    """
    if wide:
        from .. import wide as widen
    nodes = graph.nodes
    out: list[Terms] = []
    for k, e in enumerate(graph.edges):
        node = nodes[e.dst]
        if adjoint is not None and not adjoint[e.dst]:
            out.append(())
            continue
        row = OPS[node.op]
        argv = [values[a] if type(a) is int else a for a in node.args]
        terms: list[tuple[int, Any]] = []
        for q, a in enumerate(node.args):
            if type(a) is not int:
                continue  # a folded constant has no tangent
            h, why = attempt(row.second[second_index(e.slot, q)], [*argv, values[e.dst]])
            if why:
                what = "infinite" if why == "division by zero" else why
                pair = f"{nodes[e.src].id} and {nodes[a].id}"
                err = node_error(graph, e.dst, argv,
                                 f"the second derivative of {graph.keys[e.dst][0]} with "
                                 f"respect to {pair} is {what} here")
                if undefined is None:
                    raise err
                undefined[k, a] = err
                continue
            if wide:
                formula = row.wide_second[second_index(e.slot, q)] if row.wide_second else None
                wh = widen.local(h, formula, argv, values[e.dst])
                if wh:
                    terms.append((a, wh))
            elif h:
                terms.append((a, h))
        out.append(tuple(terms))
    return out


def adjoint_tangents(graph: Graph, weights: Sequence[T], second: list[Terms],
                     adjoint: Sequence[T], tangent: Sequence[T], zero: Any = 0.0) -> list[T]:
    """One reverse sweep of ȧ: the tangent of every node's adjoint along `tangent`, in
    any kind of number (given its zero)."""
    edges = graph.edges
    adot = [zero] * len(graph.keys)
    for k in range(len(edges) - 1, -1, -1):
        src, dst, _ = edges[k]
        wdot = zero
        for q, h in second[k]:
            wdot += h * tangent[q]
        d = adot[dst] * weights[k] + adjoint[dst] * wdot
        if d:
            adot[src] += d
    return adot


def hessian(graph: Graph, evaluation: Evaluation, wrt: Sequence[int], output: int,
            weights: list[float] | None = None, wide: bool = False) -> Hessian:
    """The gradient and Hessian of node `output` over the input nodes `wrt`; `weights`
    are the first local derivatives to use (analysis.defined_weights: the undefined ones
    no pass needs, as 0). A second local derivative is needed, and an undefined one an
    error, where the node's adjoint is not 0 and the tangents of both operands it pairs
    are not 0 for some input of `wrt`. `wide`: every pass in wide numbers (wide.py),
    rounded to doubles at the end (`gradient` and `matrix` then hold those rounded)."""
    weights = evaluation.weights if weights is None else weights
    zero: Any = 0.0
    one: Any = 1.0
    numbers: Sequence[Any] = weights
    if wide:
        from .. import wide as widen

        zero, one = widen.ZERO, widen.ONE
        numbers = widen.weights(weights, evaluation.beyond)
    adj = reverse.adjoints(graph, numbers, output, zero, one)
    undefined: dict[tuple[int, int], MathError] = {}
    second = second_weights(graph, evaluation.values, adj, undefined, wide)
    tangents = [forward.tangents(graph, numbers, j, zero, one) for j in wrt]
    for (k, q), err in sorted(undefined.items()):
        src = graph.esrc[k]
        if any(t[q] for t in tangents) and any(t[src] for t in tangents):
            raise err
    columns = []
    for tan in tangents:
        adot = adjoint_tangents(graph, numbers, second, adj, tan, zero)
        columns.append([adot[i] for i in wrt])
    matrix = [list(row) for row in zip(*columns)] if columns else []
    n_edges = len(graph.esrc)
    n_terms = sum(len(t) for t in second)
    # the gradient's reverse pass, then per column: forward (w), reverse (w and ẇ), ẇ's terms
    edge_ops = n_edges + len(wrt) * (3 * n_edges + n_terms)
    gradient = [float(adj[i]) for i in wrt]
    notes = []
    if wide:
        ids = [graph.ids[i] for i in wrt]
        for i, row in enumerate(matrix):
            for j, v in enumerate(row):
                x = float(v)
                if v and abs(x) < widen.TINY and j >= i:
                    notes.append(f"the second derivative with respect to {ids[i]} and {ids[j]} "
                                 f"is about {widen.magnitude(v)}, below the smallest normal "
                                 "double (2.2e-308): " + ("shown as 0" if x == 0 else
                                                          "kept with fewer digits"))
    return Hessian(gradient, [[float(v) for v in row] for row in matrix], len(wrt), edge_ops,
                   tuple(notes))


def check_finite(graph: Graph, wrt: Sequence[int], result: Hessian) -> None:
    """Products of large derivatives can overflow; such an entry is a math error."""
    ids = [graph.ids[i] for i in wrt]
    for i, row in enumerate(result.matrix):
        for j, v in enumerate(row):
            if not math.isfinite(v):
                raise MathError(f"math error: the second derivative with respect to {ids[i]} "
                                f"and {ids[j]} overflows a double")
    for i, g in enumerate(result.gradient):
        if not math.isfinite(g):
            raise MathError(f"math error: the derivative with respect to {ids[i]} "
                            "overflows a double")
