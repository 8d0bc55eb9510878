"""Reverse mode (backpropagation): one pass per output, from the output back to the inputs.

The sweep is written three times on purpose, each for its reader: this loop runs it on
numbers of any kind (doubles, wide numbers, SymPy's), skipping a zero adjoint;
compile/codegen.py unrolls the same edge order into Python for --batch, which must match
this loop bit for bit and so keeps its order and sums, pruning by structure (an absent
adjoint) instead of by value; emitter/writer.py writes code for people, a node at a time
in the order of grad's reverse table, one statement an edge with its comment. What they
share is the table of local derivatives (ops.py) and the edge order (graphs/graph.py);
a common generator of edges would add a call to this, the hottest loop, and still leave
the writer's order its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from ..graphs.graph import Graph

T = TypeVar("T")


def adjoints(graph: Graph, weights: Sequence[T], seed: int | Mapping[int, T],
             zero: Any = 0.0, one: Any = 1.0) -> list[T]:
    """d(output)/d(v) for every node v: each edge passes its dst's adjoint times its weight back.

    `seed` is the output node, or {node: cotangent} for a vector-Jacobian product in one pass.
    Edges are grouped by dst in evaluation order, so walking them backwards finishes every
    node's adjoint before any edge reads it. Any kind of number works (SymPy's exact ones
    too), given its `zero` and `one`.
    """
    adj = [zero] * len(graph.keys)
    for node, c in ({seed: one} if isinstance(seed, int) else seed).items():
        adj[node] += c
    for src, dst, w in zip(reversed(graph.esrc), reversed(graph.edst), reversed(weights)):
        a = adj[dst]
        if a:
            adj[src] += a * w
    return adj
