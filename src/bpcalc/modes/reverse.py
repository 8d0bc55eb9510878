"""Reverse mode (backpropagation): one pass per output, from the output back to the inputs."""

from __future__ import annotations

from collections.abc import Mapping

from ..graph import Graph


def adjoints(graph: Graph, weights: list[float], seed: int | Mapping[int, float]) -> list[float]:
    """d(output)/d(v) for every node v: each edge passes its dst's adjoint times its weight back.

    `seed` is the output node, or {node: cotangent} for a vector-Jacobian product in one pass.
    Edges are grouped by dst in evaluation order, so walking them backwards finishes every
    node's adjoint before any edge reads it.
    """
    adj = [0.0] * len(graph.keys)
    for node, c in ({seed: 1.0} if isinstance(seed, int) else seed).items():
        adj[node] += c
    for src, dst, w in zip(reversed(graph.esrc), reversed(graph.edst), reversed(weights)):
        a = adj[dst]
        if a:
            adj[src] += a * w
    return adj
