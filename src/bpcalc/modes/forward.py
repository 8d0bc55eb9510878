"""Forward mode (tangents): one pass per input, from the input towards the outputs."""

from __future__ import annotations

from collections.abc import Mapping

from ..graph import Graph


def tangents(graph: Graph, weights: list[float], seed: int | Mapping[int, float]) -> list[float]:
    """d(v)/d(input) for every node v: each edge carries its src's tangent times its weight on.

    `seed` is the input node, or {input node: direction} for a Jacobian-vector product in one
    pass. Edges are grouped by dst in evaluation order, so every src is final before it is read.
    """
    tan = [0.0] * len(graph.keys)
    for node, t in ({seed: 1.0} if isinstance(seed, int) else seed).items():
        tan[node] += t
    for src, dst, w in zip(graph.esrc, graph.edst, weights):
        t = tan[src]
        if t:
            tan[dst] += t * w
    return tan
