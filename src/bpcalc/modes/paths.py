"""Sum over paths: every path from an input to an output, the product of its edge weights.

Paths are counted by dynamic programming (exact integers: 3^60 paths count instantly)
and listed by an explicit-stack walk that only enters nodes from which the output
can be reached, so listing costs what it prints, within its bounds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..graphs.graph import Graph


class Path(NamedTuple):
    input: str
    output: str
    nodes: tuple[int, ...]
    edges: tuple[int, ...]  # edge indices along the path
    product: Any  # a float, or what the weights are (wide.py)


def counts_to(graph: Graph, output: int) -> tuple[list[int], list[int]]:
    """Per node: the number of paths to `output` (1 for the output itself) and the total
    length of those paths in edges, which is what summing over them costs."""
    n = len(graph.keys)
    count, length = [0] * n, [0] * n
    count[output] = 1
    for src, dst in zip(reversed(graph.esrc), reversed(graph.edst)):
        c = count[dst]
        if c:
            count[src] += c
            length[src] += length[dst] + c
    return count, length


def between(n: int, esrc: Sequence[int], edst: Sequence[int], sources: Sequence[int],
            sinks: Sequence[int]) -> list[bool]:
    """Which of n nodes lie on a path from one of `sources` to one of `sinks` (both
    included), the edges (esrc[k], edst[k]) in evaluation order: operands before uses."""
    after = [False] * n  # reached from a source
    for i in sources:
        after[i] = True
    for a, b in zip(esrc, edst):
        if after[a]:
            after[b] = True
    before = [False] * n  # reaches a sink
    for i in sinks:
        before[i] = True
    for a, b in zip(reversed(esrc), reversed(edst)):
        if before[b]:
            before[a] = True
    return [x and y for x, y in zip(after, before)]


def out_edges(graph: Graph) -> list[list[int]]:
    """For every node, the indices of the edges leaving it, in edge order."""
    out: list[list[int]] = [[] for _ in graph.keys]
    for k, src in enumerate(graph.esrc):
        out[src].append(k)
    return out


def listing(graph: Graph, weights: Sequence[Any], pairs: list[tuple[str, int, str, int]],
            counts: dict[str, list[int]], limit: int, max_nodes: int,
            one: Any = 1.0) -> tuple[list[Path], bool]:
    """List the paths of each (input, input node, output, output node) pair, in order.

    Stops after `limit` paths or `max_nodes` path nodes in all; the flag says whether
    any path was left out.
    """
    leaving = out_edges(graph)
    edst = graph.edst
    paths: list[Path] = []
    budget = max_nodes
    for in_name, start, out_name, goal in pairs:
        count = counts[out_name]
        if not count[start]:
            continue
        # Explicit DFS: stack of (node, position in its out-edge list); `trail` holds edge ids.
        trail: list[int] = []
        stack = [[start, 0]]
        while stack:
            top = stack[-1]
            node, pos = top
            if node == goal and pos == 0:
                n_nodes = len(trail) + 1
                if len(paths) >= limit or n_nodes > budget:
                    return paths, True
                budget -= n_nodes
                product = math.prod(map(weights.__getitem__, trail), start=one)
                path_nodes = (start, *(edst[k] for k in trail))
                paths.append(Path(in_name, out_name, path_nodes, tuple(trail), product))
                top[1] = len(leaving[node])  # a path ends at the output
            out = leaving[node]
            while top[1] < len(out) and not count[edst[out[top[1]]]]:
                top[1] += 1
            if top[1] >= len(out):
                stack.pop()
                if trail:
                    trail.pop()
                continue
            k = out[top[1]]
            top[1] += 1
            trail.append(k)
            stack.append([edst[k], 0])
    return paths, False
