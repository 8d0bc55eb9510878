"""SymPy's derivative of each output in the inputs alone (`diff --expand`, `grad --mode
symbolic`), within a time budget; formulas.py writes the factored formulas."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import sympy as sp

from ..formulas.tex import graph_tex
from ..results.derivation import Derivation, Formula, Partial
from .budget import DEFAULT_BUDGET, within_budget
from .printing import MAX_CHARS, latex, text, to_float
from .translate import Source, exact_point, input_symbols, node_exprs, prepare

if TYPE_CHECKING:
    from ..analysis import Analysis


def derive(program: Analysis, values: Mapping[str, str | float] | None = None, *,
           wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
           budget: float | None = DEFAULT_BUDGET, max_chars: int = MAX_CHARS) -> Derivation:
    """Each partial in the inputs alone: SymPy's diff of the whole output with only
    `factor_terms` (no global simplify: its cost grows fast, and the factored form is
    formulas.py's), and its exact value at the point when one is given.

    Raises the same InputError/MathError as analysis.grad; all SymPy work runs in the
    worker within `budget` seconds, past which the status says it was skipped."""
    checked = prepare(program, values, wrt, outputs)
    wrt_t = tuple(wrt) if wrt else tuple(checked.inputs)

    def job() -> Iterator[tuple[dict[str, str | None] | None, tuple[Partial, ...]]]:
        graph = program.graph(outputs)
        src = Source(graph)
        point = None if values is None else exact_point(graph, values)
        isyms = input_symbols(graph)
        tex = graph_tex(graph)
        names = {isyms[name]: tex[name] for name in isyms}
        full = node_exprs(src, [isyms[name] for name, _ in graph.inputs])
        at = {} if point is None else {isyms[name]: point[name] for name, _ in graph.inputs}
        parts = []
        for o, j in graph.outputs:
            for w in wrt_t:
                d = sp.factor_terms(sp.diff(full[j], isyms[w]))
                f = Formula(text(d, max_chars), latex(d, max_chars, names))
                if point is not None:
                    v = d.xreplace(at)
                    f = f._replace(exact=text(v, max_chars), value=to_float(v))
                parts.append(Partial(o, w, f))
        shown = None if point is None else {k: text(v, max_chars) for k, v in point.items()}
        yield shown, tuple(parts)

    outcome = within_budget(job, budget)
    point, parts = outcome.value if outcome.value is not None else (None, ())
    status = "ok" if outcome.status == "ok" else outcome.skipped_reason()
    return Derivation(expression=program.source, outputs=checked.outputs, wrt=wrt_t,
                      status=status, budget=budget, point=point, partials=parts)
