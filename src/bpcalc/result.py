"""What `grad` computed, as plain immutable data, with `to_dict()` in the JSON schema's order."""

from __future__ import annotations

from typing import Any, NamedTuple

SCHEMA, VERSION = "bpcalc/grad", 1


class NodeInfo(NamedTuple):
    id: str
    op: str
    expr: str  # definition over operand ids: "a + b"
    value: float


class EdgeInfo(NamedTuple):
    src: str
    dst: str
    local: str  # the local derivative as formula text over node ids
    value: float


class PathInfo(NamedTuple):
    input: str
    output: str
    nodes: tuple[str, ...]
    factors: tuple[float, ...]  # the edge weights along the path
    product: float


class GradResult(NamedTuple):
    expression: str
    mode: str
    inputs: dict[str, float]
    wrt: tuple[str, ...]
    outputs: tuple[str, ...]
    values: dict[str, float]
    jacobian: dict[str, dict[str, float]]  # output -> wrt input -> derivative
    nodes: tuple[NodeInfo, ...]
    edges: tuple[EdgeInfo, ...]
    adjoints: tuple[dict[str, float], ...] | None = None  # reverse: per node, per output
    tangents: tuple[dict[str, float], ...] | None = None  # forward: per node, per input
    path_counts: dict[str, dict[str, int]] | None = None  # paths: output -> input -> count
    paths: tuple[PathInfo, ...] = ()
    paths_truncated: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def single(self) -> bool:
        return len(self.outputs) == 1

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": SCHEMA,
            "version": VERSION,
            "expression": self.expression,
            "mode": self.mode,
            "inputs": self.inputs,
            "outputs": list(self.outputs),
            "values": self.values,
            "jacobian": self.jacobian,
        }
        if self.single:
            d["value"] = self.values[self.outputs[0]]
            d["gradient"] = self.jacobian[self.outputs[0]]
        nodes = []
        for i, n in enumerate(self.nodes):
            nd: dict[str, Any] = {"id": n.id, "op": n.op}
            if n.op != "input":
                nd["expr"] = n.expr
            nd["value"] = n.value
            if self.adjoints is not None:
                nd["adjoint"] = self.adjoints[i]
            if self.tangents is not None:
                nd["tangent"] = self.tangents[i]
            nodes.append(nd)
        d["nodes"] = nodes
        d["edges"] = [{"from": e.src, "to": e.dst, "local": e.local, "value": e.value}
                      for e in self.edges]
        if self.path_counts is not None:
            if self.single:
                d["path_count"] = self.path_counts[self.outputs[0]]
            d["path_counts"] = self.path_counts
            d["paths"] = [{"input": p.input, "output": p.output, "nodes": list(p.nodes),
                           "product": p.product} for p in self.paths]
            d["paths_truncated"] = self.paths_truncated
        d["warnings"] = list(self.warnings)
        return d
