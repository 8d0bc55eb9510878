"""`grad --exact`: the same graph in exact arithmetic, an exact string beside every number.

The point comes from the user's value text translated exactly (`x=1/3` is 1/3, `x=pi/4` is
pi/4); every node value, edge derivative, adjoint or tangent and gradient entry follows by
SymPy's exact arithmetic, node by node, edge by edge. Floats of results are never guessed
back into exact numbers (no nsimplify): a result is exact because its inputs were.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sympy as sp

from ..modes.forward import tangents
from ..modes.reverse import adjoints
from ..results.exact import Exact, ExactResult
from .budget import DEFAULT_BUDGET, Job, within_budget
from .printing import MAX_CHARS, text, tidy
from .translate import Source, edge_partials, exact_point, node_exprs, prepare

if TYPE_CHECKING:
    from ..analysis import Analysis

def exact(program: Analysis, values: Mapping[str, str | float], *, mode: str = "reverse",
          wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
          budget: float | None = DEFAULT_BUDGET, max_chars: int = MAX_CHARS) -> ExactResult:
    """Exact values of every node, edge, adjoint (mode reverse) or tangent (mode forward) and
    gradient entry at the point `values` (NAME=VALUE texts, or floats).

    Raises the same InputError/MathError as analysis.grad. Gradient entries are simplified
    within the budget; past it the unsimplified strings stand ("unsimplified (time budget)"),
    or nothing at all ("skipped (time budget)")."""
    checked = prepare(program, values, wrt, outputs)
    job = _job(program, outputs, values, mode, checked.wrt, max_chars)
    outcome = within_budget(job, budget)
    if outcome.value is None:
        return ExactResult(outcome.skipped_reason(), {})
    status = "ok" if outcome.status == "ok" else "unsimplified (time budget)"
    return ExactResult(status, *outcome.value)


def _job(program: Analysis, outputs: Sequence[str] | None, values: Mapping[str, str | float],
         mode: str, wrt: tuple[str, ...], max_chars: int) -> Job:
    def job() -> Iterator[tuple]:
        def s(x: Any) -> Exact:
            return text(x, max_chars)

        graph = program.graph(outputs)
        src = Source(graph)
        point = exact_point(graph, values)
        inputs = {k: s(v) for k, v in point.items()}
        vals = node_exprs(src, [point[name] for name, _ in graph.inputs])
        weights = edge_partials(src, vals)
        index = dict(graph.inputs)
        zero, one = sp.S.Zero, sp.S.One
        adj = {o: adjoints(graph, weights, j, zero, one) for o, j in graph.outputs}
        ids = [n.id for n in graph.nodes]
        nodes = tuple((nid, s(v)) for nid, v in zip(ids, vals))
        edges = tuple((ids[e.src], ids[e.dst], s(w)) for e, w in zip(graph.edges, weights))
        outs = {o: s(vals[j]) for o, j in graph.outputs}
        adjoints_ = tangents_ = None
        if mode == "reverse":
            adjoints_ = tuple({o: s(adj[o][i]) for o, _ in graph.outputs} for i in range(len(ids)))
        elif mode == "forward":
            tan = {w: tangents(graph, weights, index[w], zero, one) for w in wrt}
            tangents_ = tuple({w: s(tan[w][i]) for w in wrt} for i in range(len(ids)))
        jac = {o: {w: adj[o][index[w]] for w in wrt} for o, _ in graph.outputs}
        yield (inputs, nodes, edges, outs,
               {o: {w: s(v) for w, v in r.items()} for o, r in jac.items()}, adjoints_, tangents_)
        tidied = {o: {w: s(tidy(v)) for w, v in r.items()} for o, r in jac.items()}
        yield inputs, nodes, edges, outs, tidied, adjoints_, tangents_

    return job
