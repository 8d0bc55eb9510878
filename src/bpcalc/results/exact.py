"""What `grad --exact` computed: an exact string beside every number of the grad JSON."""

from __future__ import annotations

from typing import Any, NamedTuple

Exact = str | None  # bpcalc syntax (`1/3`, `sqrt(3)/2`, `sin(1)`); None when over max_chars


class ExactResult(NamedTuple):
    status: str  # "ok", "unsimplified (time budget)", or "skipped (...)" with no strings
    inputs: dict[str, Exact]  # input name -> exact value
    nodes: tuple[tuple[str, Exact], ...] = ()  # (id, exact value), evaluation order
    edges: tuple[tuple[str, str, Exact], ...] = ()  # (from, to, exact local derivative)
    values: dict[str, Exact] = {}  # output key -> exact value
    jacobian: dict[str, dict[str, Exact]] = {}  # output -> wrt input -> exact derivative
    adjoints: tuple[dict[str, Exact], ...] | None = None  # per node: output -> d(output)/d(node)
    tangents: tuple[dict[str, Exact], ...] | None = None  # per node: input -> d(node)/d(input)

    @property
    def skipped(self) -> bool:
        return self.status.startswith("skipped")

    def to_dict(self) -> dict[str, Any]:
        """The exact strings alone, keyed like the grad JSON."""
        d: dict[str, Any] = {"status": self.status, "inputs": self.inputs,
                             "values": self.values, "jacobian": self.jacobian}
        if len(self.values) == 1:
            (out,) = self.values
            d["value"], d["gradient"] = self.values[out], self.jacobian[out]
        nodes = []
        for i, (nid, ex) in enumerate(self.nodes):
            nd: dict[str, Any] = {"id": nid, "exact": ex}
            if self.adjoints is not None:
                nd["adjoint"] = self.adjoints[i]
            if self.tangents is not None:
                nd["tangent"] = self.tangents[i]
            nodes.append(nd)
        d["nodes"] = nodes
        d["edges"] = [{"from": s, "to": t, "exact": ex} for s, t, ex in self.edges]
        return d

    def merge(self, grad: dict[str, Any]) -> dict[str, Any]:
        """A copy of a grad JSON object (GradResult.to_dict()) with each exact string right
        after its number: `inputs_exact`, `values_exact`, `jacobian_exact`, `value_exact`,
        `gradient_exact` at the top, `exact` (and `adjoint_exact`, `tangent_exact`) in each
        node, `exact` in each edge, and `exact_status` last. A skipped run adds only
        `exact_status`."""
        if self.skipped:
            return {**grad, "exact_status": self.status}
        mine = self.to_dict()
        out: dict[str, Any] = {}
        for key, value in grad.items():
            if key == "nodes":
                value = [_beside(nd, ex, {"value": "exact", "adjoint": "adjoint_exact",
                                          "tangent": "tangent_exact"})
                         for nd, ex in zip(value, mine["nodes"])]
            elif key == "edges":
                value = [_beside(ed, ex, {"value": "exact"})
                         for ed, ex in zip(value, mine["edges"])]
            out[key] = value
            if key in ("inputs", "values", "jacobian", "value", "gradient"):
                out[f"{key}_exact"] = mine[key]
        out["exact_status"] = self.status
        return out


def _beside(item: dict[str, Any], exact: dict[str, Any], keys: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        out[key] = value
        if key in keys:
            out[keys[key]] = exact["exact" if key == "value" else key]
    return out
