"""Forward mode (tangents): one pass per input, from the input towards the outputs."""

from __future__ import annotations

from ..graph import Graph


def tangents(graph: Graph, weights: list[float], input_node: int) -> list[float]:
    """d(v)/d(input) for every node v: each edge carries its src's tangent times its weight on.

    Edges are grouped by dst in evaluation order, so every src is final before it is read.
    """
    tan = [0.0] * len(graph.nodes)
    tan[input_node] = 1.0
    for (src, dst, _), w in zip(graph.edges, weights):
        t = tan[src]
        if t:
            tan[dst] += t * w
    return tan
