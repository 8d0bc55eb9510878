"""Forward mode (tangents): one pass per input, from the input towards the outputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from ..graphs.graph import Graph

T = TypeVar("T")


def tangents(graph: Graph, weights: Sequence[T], seed: int | Mapping[int, T],
             zero: Any = 0.0, one: Any = 1.0) -> list[T]:
    """d(v)/d(input) for every node v: each edge carries its src's tangent times its weight on.

    `seed` is the input node, or {input node: direction} for a Jacobian-vector product in one
    pass. Edges are grouped by dst in evaluation order, so every src is final before it is read.
    Any kind of number works (SymPy's exact ones too), given its `zero` and `one`.
    """
    tan = [zero] * len(graph.keys)
    for node, t in ({seed: one} if isinstance(seed, int) else seed).items():
        tan[node] += t
    for src, dst, w in zip(graph.esrc, graph.edst, weights):
        t = tan[src]
        if t:
            tan[dst] += t * w
    return tan
