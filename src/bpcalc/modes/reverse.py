"""Reverse mode (backpropagation): one pass per output, from the output back to the inputs."""

from __future__ import annotations

from ..graph import Graph


def adjoints(graph: Graph, weights: list[float], output: int) -> list[float]:
    """d(output)/d(v) for every node v: each edge passes its dst's adjoint times its weight back.

    Edges are grouped by dst in evaluation order, so walking them backwards finishes every
    node's adjoint before any edge reads it.
    """
    adj = [0.0] * len(graph.nodes)
    adj[output] = 1.0
    edges = graph.edges
    for k in range(len(edges) - 1, -1, -1):
        src, dst, _ = edges[k]
        a = adj[dst]
        if a:
            adj[src] += a * weights[k]
    return adj
