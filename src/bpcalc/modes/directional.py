"""Directional derivatives in one pass: a Jacobian-vector product forward, a vector-Jacobian
product in reverse. Both are the ordinary passes with a vector seed instead of one node."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..graphs.graph import Graph
from . import forward, reverse


def jvp(graph: Graph, weights: Sequence[Any], direction: Mapping[int, Any],
        zero: Any = 0.0) -> dict[str, Any]:
    """J·v: for each output key, its derivative along `direction` ({input node: component}),
    in any kind of number (given its zero)."""
    tan = forward.tangents(graph, weights, direction, zero)
    return {key: tan[j] for key, j in graph.outputs}


def vjp(graph: Graph, weights: Sequence[Any], cotangent: Mapping[int, Any],
        zero: Any = 0.0) -> dict[str, Any]:
    """uᵀ·J: for each input name, Σ_o u_o · d(o)/d(input), `cotangent` being {output node: u_o}."""
    adj = reverse.adjoints(graph, weights, cotangent, zero)
    return {name: adj[i] for name, i in graph.inputs}
