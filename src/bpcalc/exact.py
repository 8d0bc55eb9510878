"""`grad --exact`: the same graph in exact arithmetic, an exact string beside every number.

The point comes from the user's value text translated exactly (`x=1/3` is 1/3, `x=pi/4` is
pi/4); every node value, edge derivative, adjoint or tangent and gradient entry follows by
SymPy's exact arithmetic, node by node, edge by edge. Floats of results are never guessed
back into exact numbers (no nsimplify): a result is exact because its inputs were.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from . import symbolic
from .budget import DEFAULT_BUDGET
from .symbolic import MAX_CHARS

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


def exact(source: str, values: Mapping[str, str | float], *, mode: str = "reverse",
          wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
          budget: float | None = DEFAULT_BUDGET, max_chars: int = MAX_CHARS) -> ExactResult:
    """Exact values of every node, edge, adjoint (mode reverse) or tangent (mode forward) and
    gradient entry at the point `values` (NAME=VALUE texts, or floats).

    Raises the same InputError/MathError as engine.grad. Gradient entries are simplified
    within the budget; past it the unsimplified strings stand ("unsimplified (time budget)"),
    or nothing at all ("skipped (time budget)")."""
    checked = symbolic.prepare(source, values, wrt, outputs)
    job = _job(source, outputs, values, mode, checked.wrt, max_chars)
    outcome = symbolic.within_budget(job, budget)
    if outcome.value is None:
        return ExactResult(outcome.skipped_reason(), {})
    status = "ok" if outcome.status == "ok" else "unsimplified (time budget)"
    return ExactResult(status, *outcome.value)


def _job(source: str, outputs: Sequence[str] | None, values: Mapping[str, str | float],
         mode: str, wrt: tuple[str, ...], max_chars: int) -> symbolic.Job:
    def job() -> Iterator[tuple]:
        def s(x: Any) -> Exact:
            return symbolic.text(x, max_chars)

        src = symbolic.load(source, outputs)
        graph = src.graph
        point = symbolic.exact_point(graph, values)
        inputs = {k: s(v) for k, v in point.items()}
        vals = symbolic.node_exprs(src, [point[name] for name, _ in graph.inputs])
        weights = symbolic.edge_partials(src, vals)
        index = dict(graph.inputs)
        adj = {o: symbolic.reverse(graph, weights, j) for o, j in graph.outputs}
        ids = [n.id for n in graph.nodes]
        nodes = tuple((nid, s(v)) for nid, v in zip(ids, vals))
        edges = tuple((ids[e.src], ids[e.dst], s(w)) for e, w in zip(graph.edges, weights))
        outs = {o: s(vals[j]) for o, j in graph.outputs}
        adjoints = tangents = None
        if mode == "reverse":
            adjoints = tuple({o: s(adj[o][i]) for o, _ in graph.outputs} for i in range(len(ids)))
        elif mode == "forward":
            tan = {w: symbolic.forward(graph, weights, index[w]) for w in wrt}
            tangents = tuple({w: s(tan[w][i]) for w in wrt} for i in range(len(ids)))
        jac = {o: {w: adj[o][index[w]] for w in wrt} for o, _ in graph.outputs}
        yield (inputs, nodes, edges, outs,
               {o: {w: s(v) for w, v in r.items()} for o, r in jac.items()}, adjoints, tangents)
        tidy = {o: {w: s(symbolic.tidy(v)) for w, v in r.items()} for o, r in jac.items()}
        yield inputs, nodes, edges, outs, tidy, adjoints, tangents

    return job
