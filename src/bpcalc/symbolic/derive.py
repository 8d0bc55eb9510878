"""`bpcalc diff` and `grad --mode symbolic`: symbolic partials, within a time budget."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import sympy as sp

from ..modes.reverse import adjoints
from ..results.derivation import Derivation, EdgeFormula, Formula, Partial
from .budget import DEFAULT_BUDGET, Job, within_budget
from .printing import MAX_CHARS, latex, text, tidy, to_float
from .translate import (
    Source,
    edge_partials,
    exact_point,
    input_symbols,
    node_exprs,
    node_symbols,
    prepare,
)

if TYPE_CHECKING:
    from ..analysis import Analysis


def derive(program: Analysis, values: Mapping[str, str | float] | None = None, *,
           wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
           budget: float | None = DEFAULT_BUDGET, max_chars: int = MAX_CHARS) -> Derivation:
    """Symbolic partials of every output with respect to each `wrt` input (default: all),
    simplified, in the inputs' names and in the program's intermediate names, and every
    edge's local derivative as a formula; with `values`, each also at the point, exactly.

    Raises the same InputError/MathError as analysis.grad for bad input or a failing point.
    All SymPy work, the translation included, runs in the worker with `budget` seconds: past
    it, unsimplified formulas if they were ready (status "unsimplified (time budget)"), else
    none (status "skipped (time budget)")."""
    checked = prepare(program, values, wrt, outputs)
    wrt_t = tuple(wrt) if wrt else tuple(checked.inputs)
    job = _derive_job(program, outputs, values, wrt_t, max_chars)
    outcome = within_budget(job, budget)
    status = {"ok": "ok", "partial": "unsimplified (time budget)"}.get(outcome.status)
    point, parts, edges = outcome.value if outcome.value is not None else (None, (), ())
    return Derivation(expression=program.source, outputs=checked.outputs, wrt=wrt_t,
                      status=status or outcome.skipped_reason(), budget=budget,
                      point=point, partials=parts, edges=edges)


def _derive_job(program: Analysis, outputs: Sequence[str] | None,
                values: Mapping[str, str | float] | None, wrt: tuple[str, ...],
                max_chars: int) -> Job:
    def job() -> Iterator[tuple[dict[str, str | None] | None, tuple[Partial, ...],
                                tuple[EdgeFormula, ...]]]:
        graph = program.graph(outputs)
        src = Source(graph)
        point = None if values is None else exact_point(graph, values)
        isyms = input_symbols(graph)
        nsyms = node_symbols(graph)
        full = node_exprs(src, [isyms[name] for name, _ in graph.inputs])
        local = edge_partials(src, nsyms)
        index = dict(graph.inputs)
        raw = []
        for o, j in graph.outputs:
            adj = adjoints(graph, local, j, sp.S.Zero, sp.S.One)
            raw += [(o, w, sp.diff(full[j], isyms[w]), adj[index[w]]) for w in wrt]
        at_inputs: dict = {}
        at_nodes: dict = {}
        if point is not None:
            at_inputs = {isyms[name]: point[name] for name, _ in graph.inputs}
            at_nodes = dict(zip(nsyms, node_exprs(src, [point[n] for n, _ in graph.inputs])))
        shown = None if point is None else {k: text(v, max_chars) for k, v in point.items()}

        def formula(expr: sp.Expr, at: dict, clean: Callable[[sp.Expr], sp.Expr]) -> Formula:
            f = Formula(text(expr, max_chars), latex(expr, max_chars))
            if point is None:
                return f
            v = clean(expr.xreplace(at))
            return f._replace(exact=text(v, max_chars), value=to_float(v))

        def pack(clean: Callable[[sp.Expr], sp.Expr]) -> tuple:
            parts = tuple(Partial(o, w, formula(clean(d), at_inputs, clean),
                                  formula(clean(a), at_nodes, clean)) for o, w, d, a in raw)
            edges = tuple(EdgeFormula(graph.nodes[e.src].id, graph.nodes[e.dst].id,
                                      formula(clean(w), at_nodes, clean))
                          for e, w in zip(graph.edges, local))
            return shown, parts, edges

        yield pack(lambda e: e)
        yield pack(tidy)

    return job
