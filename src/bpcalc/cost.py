"""What each mode costs on a graph: passes and edge operations, counted exactly.

An edge operation is one use of an edge's local derivative (a multiply-add).
Forward mode makes one pass per input and reverse mode one pass per output, each
pass visiting every edge once. Summing over paths multiplies the edge factors of
every path separately: its count is the total length of all input-to-output
paths, found by dynamic programming (big integers, never by listing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from .graphs.graph import Graph
from .modes.paths import counts_to


class ModeCost(NamedTuple):
    mode: str
    passes: int  # paths mode: the number of paths
    edge_ops: int


class Cost(NamedTuple):
    inputs: int
    outputs: int
    nodes: int
    edges: int
    modes: tuple[ModeCost, ...]  # forward, reverse, paths

    def of(self, mode: str) -> ModeCost:
        return next(m for m in self.modes if m.mode == mode)

    def cheapest_merged(self) -> tuple[str, str, float]:
        """(cheaper mode, dearer mode, ratio) between forward and reverse; ratio 1 is a tie."""
        f, r = self.of("forward"), self.of("reverse")
        lo, hi = (r, f) if r.edge_ops <= f.edge_ops else (f, r)
        return lo.mode, hi.mode, (hi.edge_ops / lo.edge_ops if lo.edge_ops else 1.0)

    def document(self, expression: str) -> dict[str, Any]:
        """The `bpcalc cost` JSON object."""
        return {"schema": "bpcalc/cost", "version": 1, "expression": expression,
                **self.to_dict()}

    def to_dict(self) -> dict[str, Any]:
        lo, hi, ratio = self.cheapest_merged()
        if ratio == 1.0:
            lo = "tie"  # neither merged mode is cheaper here
        return {
            "inputs": self.inputs, "outputs": self.outputs,
            "nodes": self.nodes, "edges": self.edges,
            "modes": {m.mode: {("paths" if m.mode == "paths" else "passes"): m.passes,
                               "edge_ops": m.edge_ops} for m in self.modes},
            "cheaper": lo, "ratio": ratio,
        }


def cost(graph: Graph, wrt: Sequence[int] | None = None) -> Cost:
    """The cost of each mode for the inputs `wrt` (node indices; default all) and every output."""
    ins = [i for _, i in graph.inputs] if wrt is None else list(wrt)
    outs = [j for _, j in graph.outputs]
    n_edges = len(graph.esrc)
    n_paths = total_len = 0
    for j in outs:
        count, length = counts_to(graph, j)
        n_paths += sum(count[i] for i in ins)
        total_len += sum(length[i] for i in ins)
    return Cost(
        len(ins), len(outs), len(graph.keys), n_edges,
        (ModeCost("forward", len(ins), len(ins) * n_edges),
         ModeCost("reverse", len(outs), len(outs) * n_edges),
         ModeCost("paths", n_paths, total_len)),
    )
