"""Directional derivatives in one pass: a Jacobian-vector product forward, a vector-Jacobian
product in reverse. Both are the ordinary passes with a vector seed instead of one node."""

from __future__ import annotations

from collections.abc import Mapping

from ..build.graph import Graph
from . import forward, reverse


def jvp(graph: Graph, weights: list[float], direction: Mapping[int, float]) -> dict[str, float]:
    """J·v: for each output key, its derivative along `direction` ({input node: component})."""
    tan = forward.tangents(graph, weights, direction)
    return {key: tan[j] for key, j in graph.outputs}


def vjp(graph: Graph, weights: list[float], cotangent: Mapping[int, float]) -> dict[str, float]:
    """uᵀ·J: for each input name, Σ_o u_o · d(o)/d(input), `cotangent` being {output node: u_o}."""
    adj = reverse.adjoints(graph, weights, cotangent)
    return {name: adj[i] for name, i in graph.inputs}
