"""Reverse mode (backpropagation): one pass per output, from the output back to the inputs."""

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
