"""The pipeline for one program: its text read once (`load`), then a graph for the outputs
asked, evaluated at a point and differentiated in one mode (`grad`).

    text --load--> Analysis --.graph(outputs)--> Graph --grad(graph, point, mode)--> GradResult

Every command reads its text through `load` once; later stages (check, exact, symbolic,
batch, hessian) take the Analysis or its graph, never the text again.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from .build.builder import Built
from .build.graph import Graph, edge_formula, node_definition
from .errors import InputError, MathError
from .evaluate import Evaluation, all_finite, evaluate
from .modes import forward, paths, reverse
from .numbers import number
from .results.grad import EdgeInfo, GradResult, Lazy, NodeInfo, PathInfo
from .text.values import numbers

if TYPE_CHECKING:
    from .cost import Cost

MODES = ("reverse", "forward", "paths")
MAX_PATH_NODES = 100_000
# Up to this much work (edges times inputs and outputs asked: the same for every mode) the
# passes run in wide numbers (wide.py: tens of ms at most), so the modes agree to the last
# digit; above it in doubles, and in wide numbers again only where those overflow,
# underflow or give an exact 0 that may be an underflow.
WIDE_WORK = 40_000
# Above WIDE_WORK, wide numbers again where doubles underflowed only up to this much work
# (about 0.2 s); past it a warning says the entry may be a product that underflowed.
WIDE_FALLBACK = 100_000


class Analysis:
    """One program's text, read once on first use, and its graph for each set of outputs."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._built: Built | None = None
        self._graphs: dict[tuple[str, ...], Graph] = {}

    @property
    def built(self) -> Built:
        if self._built is None:
            from .build.shapes import read

            self._built = read(self.source)
        return self._built

    def graph(self, outputs: Sequence[str] | None = None) -> Graph:
        """The graph whose outputs are `outputs` (program names), else the last statement."""
        key = tuple(outputs or ())
        found = self._graphs.get(key)
        if found is None:
            if len(set(key)) != len(key):
                raise InputError("--output names an output twice")
            found = self._graphs[key] = self.built.graph(key or None)
        return found


def load(source: str) -> Analysis:
    """The program `source`, to be read once (the first time a stage asks for its graph)."""
    return Analysis(source)


def point(graph: Graph, values: Mapping[str, str | float]) -> dict[str, float]:
    """Check NAME=VALUE pairs against the graph's inputs and turn them into numbers."""
    inputs = graph.input_at
    for name in values:
        if name not in inputs:
            listed = ", ".join(inputs) if inputs else "none"
            role = " (it is computed by the program)" if name in graph.names else ""
            raise InputError(f"{name!r} is not an input{role}; the inputs are: {listed}")
    if set(map(type, values.values())) <= {float}:  # numbers only, as a --point file often is
        return cast(dict[str, float], dict(values))
    return numbers(values)


def wrt_inputs(graph: Graph, wrt: Sequence[str] | None) -> dict[str, int]:
    """The inputs to differentiate by, name -> node: `wrt`, or all (`graph.input_at`
    itself, not a copy: read it, never change it)."""
    if not wrt:
        return graph.input_at
    inputs = graph.input_at
    bad = [w for w in wrt if w not in inputs]
    if bad:
        raise InputError(f"--wrt names {', '.join(map(repr, bad))}, not an input; "
                         f"the inputs are: {', '.join(inputs) or 'none'}")
    if len(set(wrt)) != len(wrt):
        raise InputError("--wrt names an input twice")
    return {w: inputs[w] for w in wrt}


def grad(graph: Graph, values: Mapping[str, str | float], mode: str = "reverse",
         wrt: Sequence[str] | None = None, limit: int = 1000,
         with_cost: bool = False, wide: bool | None = None) -> GradResult:
    """Evaluate `graph` at `values` and differentiate it in `mode`."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    return analyse(graph, values, mode, wrt, limit, with_cost, wide)


def analyse(graph: Graph, values: Mapping[str, str | float] | None = None,
            mode: str | None = None, wrt: Sequence[str] | None = None,
            limit: int = 1000, with_cost: bool = False, wide: bool | None = None) -> GradResult:
    """Like `grad`, but `values=None` gives the graph's structure alone (no numbers) and
    `mode=None` gives values and local derivatives without accumulating them.
    `with_cost` adds what each mode costs on this graph (see cost.py). `wide`: the passes
    in wide numbers (True), in doubles with wide numbers only where those fall short
    (False, what the compiled batch code matches bit for bit), or by size (None: wide
    up to WIDE_WORK)."""
    if limit < 0:
        raise InputError("--limit must be 0 or more")
    wrt_at = wrt_inputs(graph, wrt)
    costs = None
    if with_cost:
        from .cost import cost  # only the human views show costs: keep the JSON path lean

        costs = cost(graph, list(wrt_at.values()))
    if values is None:
        return _structure(graph, costs)
    at = point(graph, values)
    ev = evaluate(graph, at)
    out_pairs = graph.outputs
    weights = defined_weights(graph, ev, list(wrt_at.values()), [j for _, j in out_pairs]) \
        if ev.undefined and mode else ev.weights

    sums = None
    notes: list[str] = []
    if mode:
        work = len(graph.esrc) * (len(wrt_at) + len(out_pairs))
        if wide is False or (wide is None and work > WIDE_WORK):  # doubles first
            sums = _accumulate(graph, weights, wrt_at, mode, limit, 0.0, 1.0)
        verdict = "wide" if sums is None else _doubles_enough(graph, sums, weights, wrt_at,
                                                              work)
        if verdict == "wide":
            doubles = sums
            sums, notes = _wide(graph, ev.values, weights, wrt_at, mode, limit)
            if doubles is not None:
                sums = _merged(doubles, sums)
        elif verdict:
            notes = [verdict]
    adj, tan, jac = (sums.adj, sums.tan, sums.jac) if sums else (None, None, {})
    if sums and sums.listed:
        shown = weights
        listed = tuple(PathInfo(p.input, p.output, tuple(graph.ids[v] for v in p.nodes),
                                tuple(shown[k] for k in p.edges), float(p.product))
                       for p in sums.listed)
    else:
        listed = ()
    _check_finite(jac, listed)
    if ev.undefined and mode:  # after the check: these are undefined on purpose
        _undefined_beyond(graph, weights, ev.undefined, adj, tan)
    n = len(graph.keys)
    return GradResult(
        expression=graph.source,
        mode=mode or "",
        inputs=_in_input_order(graph, at),
        wrt=tuple(wrt_at),
        outputs=tuple(o for o, _ in out_pairs),
        values={o: ev.values[j] for o, j in out_pairs},
        jacobian={o: {w: float(v) for w, v in row.items()} for o, row in jac.items()},
        nodes=_node_infos(graph, ev.values),
        edges=_edge_infos(graph, ev.weights),
        adjoints=None if adj is None else _per_node(n, adj),
        tangents=None if tan is None else _per_node(n, tan),
        path_counts=sums.counts if sums else None,
        paths=listed,
        paths_truncated=bool(sums and sums.truncated),
        warnings=(*ev.warnings, *notes),
        cost=costs,
        output_nodes=tuple(j for _, j in out_pairs),
        input_nodes=tuple(graph.input_at.values()),
    )


class _Sums(NamedTuple):
    """One mode's accumulated derivatives, in doubles or wide numbers (wide.py)."""
    adj: dict[str, list[Any]] | None  # reverse: output -> adjoint per node
    tan: dict[str, list[Any]] | None  # forward: input -> tangent per node
    jac: dict[str, dict[str, Any]]  # output -> input -> derivative
    counts: dict[str, dict[str, int]] | None = None  # paths: output -> input -> paths
    listed: Sequence[paths.Path] = ()
    truncated: bool = False


def _accumulate(graph: Graph, weights: Sequence[Any], wrt_at: dict[str, int], mode: str,
                limit: int, zero: Any, one: Any) -> _Sums:
    """The mode's passes over `weights` (any kind of number, with its zero and one)."""
    out_pairs = graph.outputs
    if mode == "reverse":
        adj = {o: reverse.adjoints(graph, weights, j, zero, one) for o, j in out_pairs}
        return _Sums(adj, None, {o: {w: adj[o][i] for w, i in wrt_at.items()}
                                 for o, _ in out_pairs})
    if mode == "forward":
        tan = {w: forward.tangents(graph, weights, i, zero, one) for w, i in wrt_at.items()}
        return _Sums(None, tan, {o: {w: tan[w][j] for w in wrt_at} for o, j in out_pairs})
    # paths: count them, list them within the bounds, and add up their products (or, when
    # the listing is cut, use the merged sum that adds them all)
    per_out = {o: paths.counts_to(graph, j)[0] for o, j in out_pairs}
    counts = {o: {w: per_out[o][i] for w, i in wrt_at.items()} for o, _ in out_pairs}
    pairs = [(w, i, o, j) for o, j in out_pairs for w, i in wrt_at.items()]
    found, truncated = paths.listing(graph, weights, pairs, per_out, limit, MAX_PATH_NODES,
                                     one)
    jac = {o: {w: zero for w in wrt_at} for o, _ in out_pairs}
    if truncated:
        for o, j in out_pairs:
            adj_o = reverse.adjoints(graph, weights, j, zero, one)
            jac[o] = {w: adj_o[i] for w, i in wrt_at.items()}
    else:
        for p in found:
            jac[p.output][p.input] += p.product
    return _Sums(None, None, jac, counts, found, truncated)


def _doubles_enough(graph: Graph, sums: _Sums, weights: list[float], wrt_at: dict[str, int],
                    work: int) -> str:
    """Whether the passes in doubles can stand: "" yes; "wide" to run them again in wide
    numbers, where an adjoint, tangent or path product overflowed (at any size: else the
    run fails), or where a gradient entry is 0 or subnormal and something on the way
    underflowed (a subnormal adjoint, tangent or weight, or an exact 0 along a path of
    non-zero weights, as 1e-200·1e-200 is), within WIDE_FALLBACK; past it, the warning to
    give instead. A 0 that only an exact 0 weight (relu off, 0*x) makes is exact."""
    columns = [*(sums.adj or {}).values(), *(sums.tan or {}).values()]
    if not all(map(all_finite, columns)) or not all(math.isfinite(p.product)
                                                     for p in sums.listed):
        return "wide"
    tiny = sys.float_info.min
    low = [(o, w) for o, row in sums.jac.items() for w, v in row.items() if abs(v) < tiny]
    if not low:
        return ""

    def subnormal(xs: Sequence[float]) -> bool:
        """Whether some x is nonzero and below tiny (nan is not): a min in C, and a second
        look when a nan first stalls it (10^5 weights in a few ms)."""
        least = min(map(abs, filter(None, xs)), default=tiny)
        return least < tiny if least == least else any(x and -tiny < x < tiny for x in xs)

    # the passes' own columns first: where a pass underflowed, they show it in their
    # first entries, and the longer list of weights is not read
    if not (any(map(subnormal, columns)) or subnormal(weights)
            or _nonzero_paths(graph, weights, low, wrt_at)):
        return ""
    if work <= WIDE_FALLBACK:
        return "wide"
    said = ", ".join(f"d{o}/d{w}" for o, w in low[:3]) + (" …" if len(low) > 3 else "")
    return (f"{said} came out 0 or subnormal in doubles, and a product on the way underflowed: "
            "the true value may be nonzero (the graph is too big, "
            f"{work:,} edge operations, to carry again in wide numbers)")


def _nonzero_paths(graph: Graph, weights: list[float], entries: list[tuple[str, str]],
                   wrt_at: dict[str, int]) -> bool:
    """Whether one of the (output, input) `entries` has a path of non-zero weights: its
    product cannot be an exact 0, so a 0 there is an underflow or a cancellation."""
    outputs = dict(graph.outputs)
    for o in dict.fromkeys(o for o, _ in entries):
        reach = [False] * len(graph.keys)  # reaches the output through non-zero weights
        reach[outputs[o]] = True
        for src, dst, w in zip(reversed(graph.esrc), reversed(graph.edst), reversed(weights)):
            if w and reach[dst]:
                reach[src] = True
        if any(reach[wrt_at[w]] for p, w in entries if p == o):
            return True
    return False


def _merged(doubles: _Sums, wide: _Sums) -> _Sums:
    """The double wherever it is a normal double, else the wide number rounded: what the
    compiled batch code gives (it asks the engine for any entry not a normal double)."""
    tiny = sys.float_info.min

    def pick(d: float, w: float) -> float:
        return d if tiny <= abs(d) < math.inf else w

    def columns(d: dict[str, list[Any]] | None,
                w: dict[str, list[Any]] | None) -> dict[str, list[Any]] | None:
        if d is None or w is None:
            return None
        return {key: list(map(pick, col, w[key])) for key, col in d.items()}

    finite = all(math.isfinite(p.product) for p in doubles.listed)
    return wide._replace(
        adj=columns(doubles.adj, wide.adj), tan=columns(doubles.tan, wide.tan),
        jac={o: {k: pick(v, wide.jac[o][k]) for k, v in row.items()}
             for o, row in doubles.jac.items()},
        listed=doubles.listed if finite else wide.listed)


def _wide(graph: Graph, values: list[float], weights: list[float], wrt_at: dict[str, int],
          mode: str, limit: int) -> tuple[_Sums, list[str]]:
    """The mode's passes in wide numbers (wide.py), rounded to doubles once at the end, and
    what that rounding did: a gradient entry beyond a double is a math error, one that
    underflows a warning, an adjoint or tangent beyond a double (not shown) a warning."""
    from . import wide

    sums = _accumulate(graph, wide.weights(graph, values, weights), wrt_at, mode, limit,
                       wide.ZERO, wide.ONE)
    notes = []
    for o, row in sums.jac.items():
        for w, v in row.items():
            x = float(v)
            if math.isinf(x):
                raise MathError(f"math error: d{o}/d{w} is about {wide.magnitude(v)}, beyond the "
                                "largest double (1.8e+308)")
            if v and abs(x) < wide.TINY:
                kept = "shown as 0" if x == 0 else "kept as a subnormal double, with fewer digits"
                notes.append(f"d{o}/d{w} is about {wide.magnitude(v)}, below the smallest normal "
                             f"double (2.2e-308): {kept}")
    columns: list[tuple[str, dict[str, list[Any]]]] = [("adjoint", sums.adj or {}),
                                                        ("tangent", sums.tan or {})]
    for what, table in columns:
        for key, col in table.items():
            narrowed = [float(x) for x in col]
            big = [i for i, x in enumerate(narrowed) if math.isinf(x)]
            if big:
                i = big[0]
                notes.append(f"the {what} of node {graph.ids[i]} with respect to {key} is about "
                             f"{wide.magnitude(col[i])}, beyond a double: not shown"
                             + (f" ({len(big) - 1} more like it)" if len(big) > 1 else ""))
            table[key] = narrowed
    return sums, notes


def _in_input_order(graph: Graph, at: dict[str, float]) -> dict[str, float]:
    """The point (every input's value, see `point`) in the graph's order of inputs. A point
    in that order already, as a --point file written for the program often is, is copied
    whole: building a dict of 10^5 names one by one costs 15 ms."""
    if list(at) == list(graph.input_at):
        return dict(at)
    return {name: at[name] for name in graph.input_at}


def _node_infos(graph: Graph, values: list[float] | None) -> Lazy[NodeInfo]:
    def make(i: int) -> NodeInfo:
        n = graph.nodes[i]
        return NodeInfo(n.id, n.op, node_definition(graph, n),
                        None if values is None else values[i])
    return Lazy(len(graph.keys), make)


def _edge_infos(graph: Graph, weights: list[float] | None) -> Lazy[EdgeInfo]:
    def make(k: int) -> EdgeInfo:
        e, ids = graph.edges[k], graph.ids
        return EdgeInfo(ids[e.src], ids[e.dst], edge_formula(graph, e),
                        None if weights is None else weights[k])
    return Lazy(len(graph.esrc), make)


def _per_node(n: int, columns: dict[str, list[float]]) -> Lazy[dict[str, float | None]]:
    """Adjoints (per output) or tangents (per input), one dict per node when read; None
    where one is undefined off the paths asked for (an undefined local derivative there
    was not needed), ±inf where one is beyond a double (a warning says how far)."""
    return Lazy(n, lambda v: {key: None if col[v] != col[v] else col[v]
                              for key, col in columns.items()})


def _structure(graph: Graph, costs: Cost | None) -> GradResult:
    """The graph alone: ids, definitions and edge formulas, with no point to evaluate at."""
    return GradResult(
        expression=graph.source,
        mode="",
        inputs={name: None for name, _ in graph.inputs},
        wrt=(),
        outputs=tuple(o for o, _ in graph.outputs),
        values={},
        jacobian={},
        nodes=_node_infos(graph, None),
        edges=_edge_infos(graph, None),
        cost=costs,
        output_nodes=tuple(j for _, j in graph.outputs),
        input_nodes=tuple(graph.input_at.values()),
    )


def defined_weights(graph: Graph, ev: Evaluation, inputs: Sequence[int],
                    outputs: Sequence[int]) -> list[float]:
    """The weights with each undefined local derivative (ev.undefined) set to 0, having
    checked that no pass needs it. Edge k adds adj_o[dst]·w·tan_i[src] to dout/din, and
    neither factor depends on w: where one of them is exactly 0 for every chosen output and
    input, the edge adds nothing whatever w is. Otherwise it is the math error."""
    weights = list(ev.weights)
    for k in ev.undefined:
        weights[k] = 0.0
    adj = [reverse.adjoints(graph, weights, j) for j in outputs]
    tan = [forward.tangents(graph, weights, i) for i in inputs]
    for k, err in sorted(ev.undefined.items()):  # the first a reader meets
        src, dst = graph.esrc[k], graph.edst[k]
        o = next((o for o, a in zip(outputs, adj) if a[dst] != 0), None)
        i = next((i for i, t in zip(inputs, tan) if t[src] != 0), None)
        if o is not None and i is not None:
            raise MathError(f"{err}; {_needed(graph, src, dst, i, o, adj[outputs.index(o)])}")
    return weights


def _needed(graph: Graph, src: int, dst: int, i: int, o: int, adj: list[float]) -> str:
    """Why a pass needs edge src -> dst: its adjoint and the path through it."""
    from . import diagnose

    up = diagnose.path(graph, src, [i], downstream=False)
    down = diagnose.path(graph, dst, [o], downstream=True)
    ids = graph.ids
    because = "" if dst == o else f", since ∂{ids[o]}/∂{ids[dst]} = {number(adj[dst])}"
    return (f"it is needed{because} on the path "
            f"{diagnose.path_text(graph, [*up, *down])}")


def _undefined_beyond(graph: Graph, weights: list[float], undefined: Mapping[int, object],
                      adj: dict[str, list[float]] | None,
                      tan: dict[str, list[float]] | None) -> None:
    """Mark as undefined (nan) the adjoints and tangents that an undefined local derivative
    would have reached through non-zero ones: none of them was asked for (else
    defined_weights had failed), and 0 would be a wrong number to show for them."""
    esrc, edst = graph.esrc, graph.edst
    for col in (adj or {}).values():  # down from each undefined edge, as adjoints flow
        hit = [False] * len(col)
        for k in undefined:
            if col[edst[k]] != 0:
                hit[esrc[k]] = True
        for k in range(len(esrc) - 1, -1, -1):
            if hit[edst[k]] and weights[k] != 0:
                hit[esrc[k]] = True
        for i, h in enumerate(hit):
            if h:
                col[i] = math.nan
    for col in (tan or {}).values():  # up from each, as tangents flow
        hit = [False] * len(col)
        for k in undefined:
            if col[esrc[k]] != 0:
                hit[edst[k]] = True
        for k in range(len(esrc)):
            if hit[esrc[k]] and weights[k] != 0:
                hit[edst[k]] = True
        for i, h in enumerate(hit):
            if h:
                col[i] = math.nan


def _check_finite(jac: dict[str, dict[str, Any]], listed: Sequence[PathInfo]) -> None:
    """A gradient entry or a listed path's product beyond a double is a math error."""
    for p in listed:
        if not math.isfinite(p.product):
            raise MathError(f"math error: the product along the path {' → '.join(p.nodes)} "
                            "overflows a double")
    for o, row in jac.items():
        for w, v in row.items():
            if not math.isfinite(v):
                raise MathError(f"math error: d{o}/d{w} overflows a double")
