"""The pipeline for one program: its text read once (`load`), then a graph for the outputs
asked, evaluated at a point and differentiated in one mode (`grad`).

    text --load--> Analysis --.graph(outputs)--> Graph --grad(graph, point, mode)--> GradResult

Every command reads its text through `load` once; later stages (check, exact, symbolic,
batch, hessian) take the Analysis or its graph, never the text again.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from . import passes
from .errors import InputError, MathError
from .evaluate import Evaluation, evaluate
from .graphs.builder import Built
from .graphs.graph import Graph, edge_formula, node_definition
from .modes import forward, reverse
from .numbers import number
from .results.fold import Folding
from .results.grad import EdgeInfo, GradResult, Lazy, NodeInfo, PathInfo
from .text.values import numbers
from .wide import mixed

if TYPE_CHECKING:
    from .cost import Cost

MODES = ("reverse", "forward", "paths")


class Analysis:
    """One program's text, read once on first use, and its graph for each set of outputs.
    A program with families reads `given`, the command's values, for their shapes and its
    sizes, and makes at most `limit` nodes (graphs/families.py)."""

    def __init__(self, source: str, given: Mapping[str, Any] | None = None,
                 limit: int | None = None) -> None:
        self.source = source
        self.given = given or {}
        self.limit = limit
        self._built: Built | None = None
        self._failed: MathError | None = None  # a constant that fails, found when read
        self._graphs: dict[tuple[str, ...], Graph] = {}

    @property
    def built(self) -> Built:
        if self._built is None:
            from .graphs.reader import read

            if self._failed is not None:
                raise self._failed
            try:
                self._built = read(self.source, self.given, self.limit)
            except MathError as exc:  # said where a stage asks, never read twice
                self._failed = exc
                raise
        return self._built

    def flat(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` with each family's value spread over its elements (x=[1,2] gives x[1]
        and x[2], a fill is drawn) and the sizes left out: what the passes read."""
        from .text.arrays import Array, Fill

        try:
            graph = self.graph()
        except MathError:
            return dict(values)  # a constant fails: the stage that needs the graph says so
        if not graph.families and not graph.sizes and \
                not any(type(v) is Array or type(v) is Fill for v in values.values()):
            return dict(values)
        computed = [n for n in values if n in graph.families and not graph.families[n].input]
        if computed:
            raise InputError(f"{computed[0]!r} is not an input (the program computes it)")
        fold = Folding.of(graph)
        kept = {n: v for n, v in values.items() if n not in graph.sizes}
        return kept if fold is None else fold.spread(kept)

    def graph(self, outputs: Sequence[str] | None = None) -> Graph:
        """The graph whose outputs are `outputs` (program names), else the last statement."""
        key = tuple(outputs or ())
        found = self._graphs.get(key)
        if found is None:
            if len(set(key)) != len(key):
                raise InputError("--output names an output twice")
            found = self._graphs[key] = self.built.graph(key or None)
        return found

    def with_shapes(self, shapes: Mapping[str, Any]) -> Analysis:
        """This program, not read yet, with more values to take shapes from (a batch's first
        row): a new Analysis, so that the text is still read once."""
        assert self._built is None
        return Analysis(self.source, {**shapes, **self.given}, self.limit)


def load(source: str, given: Mapping[str, Any] | None = None,
         limit: int | None = None) -> Analysis:
    """The program `source`, to be read once (the first time a stage asks for its graph);
    `given` and `limit` as Analysis takes them."""
    return Analysis(source, given, limit)


def point(graph: Graph, values: Mapping[str, str | float]) -> dict[str, float]:
    """Check NAME=VALUE pairs against the graph's inputs and turn them into numbers."""
    inputs = graph.input_at
    for name in values:
        if name not in inputs:
            raise not_an_input(name, input_list(graph), graph.names)
    if set(map(type, values.values())) <= {float}:  # numbers only, as a --point file often is
        return cast(dict[str, float], dict(values))
    return numbers(values)


def input_list(graph: Graph) -> str:
    """The inputs, for a message: each family once with its shape (`W1 [16,2]`)."""
    fold = Folding.of(graph)
    names = fold.keys(list(graph.input_at)) if fold else list(graph.input_at)
    shapes = fold.shapes if fold else {}
    return ", ".join(f"{n} [{','.join(map(str, shapes[n]))}]" if n in shapes else n
                     for n in names) or "none"


def not_an_input(name: str, listed: str, names: Collection[str]) -> InputError:
    """The error for a value given to `name`, not one of the program's inputs (`listed`,
    as a message lists them; `names`: those it assigns)."""
    role = " (it is computed by the program)" if name in names else ""
    return InputError(f"{name!r} is not an input{role}; the inputs are: {listed}")


def wrt_inputs(graph: Graph, wrt: Sequence[str] | None) -> dict[str, int]:
    """The inputs to differentiate by, name -> node: `wrt` (a family's name stands for
    all its elements), or all (`graph.input_at` itself, not a copy: read it, never change
    it)."""
    if not wrt:
        return graph.input_at
    inputs = graph.input_at
    fold = Folding.of(graph)
    if fold is not None:
        wrt = [e for w in wrt for e in (fold.names[w] if w in fold.names else [w])]
    bad = [w for w in wrt if w not in inputs]
    if bad:
        raise InputError(f"--wrt names {', '.join(map(repr, bad))}, not an input; "
                         f"the inputs are: {input_list(graph)}")
    if len(set(wrt)) != len(wrt):
        raise InputError("--wrt names an input twice")
    return {w: inputs[w] for w in wrt}


def grad(graph: Graph, values: Mapping[str, str | float], mode: str = "reverse",
         wrt: Sequence[str] | None = None, limit: int = 1000,
         with_cost: bool = False, wide: bool | None = None) -> GradResult:
    """Evaluate `graph` at `values` and differentiate it in `mode`."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    result = analyse(graph, values, mode, wrt, limit, with_cost, wide)
    if not graph.input_at:  # `x = 3; y = x^2`: say which assignment left no inputs
        from .text.hints import constant_inputs

        said = constant_inputs(graph.source)
        if said:
            result = result._replace(warnings=(*result.warnings, said))
    return result


def analyse(graph: Graph, values: Mapping[str, str | float] | None = None,
            mode: str | None = None, wrt: Sequence[str] | None = None,
            limit: int = 1000, with_cost: bool = False, wide: bool | None = None) -> GradResult:
    """Like `grad`, but `values=None` gives the graph's structure alone (no numbers) and
    `mode=None` gives values and local derivatives without accumulating them.
    `with_cost` adds what each mode costs on this graph (see cost.py). `wide`: the passes
    in wide numbers (True), in doubles with wide numbers only where those fall short
    (False, what the compiled batch code matches bit for bit), or by size (None: wide
    up to passes.WIDE_WORK)."""
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

    sums, notes = passes.run(graph, weights, wrt_at, mode, limit, wide, ev.beyond) if mode \
        else (None, [])
    adj, tan, jac = (sums.adj, sums.tan, sums.jac) if sums else (None, None, {})
    if sums and sums.listed:
        shown = weights
        listed = tuple(PathInfo(p.input, p.output, tuple(graph.ids[v] for v in p.nodes),
                                tuple(shown[k] for k in p.edges), float(p.product))
                       for p in sums.listed)
        notes += _path_notes(sums.listed, listed)
    else:
        listed = ()
    _check_finite(jac)
    if ev.undefined and mode:  # after the check: these are undefined on purpose
        _undefined_beyond(graph, mixed(weights, ev.beyond), ev.undefined, adj, tan)
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
        folding=Folding.of(graph),
    )


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
        folding=Folding.of(graph),
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
    numbers: Sequence[Any] = weights
    zero: Any = 0.0
    one: Any = 1.0
    if ev.beyond:  # its 0 may be an underflow: wide numbers say what reaches where
        from . import wide

        numbers, zero, one = wide.weights(weights, ev.beyond), wide.ZERO, wide.ONE
    adj = [reverse.adjoints(graph, numbers, j, zero, one) for j in outputs]
    tan = [forward.tangents(graph, numbers, i, zero, one) for i in inputs]
    for k, err in sorted(ev.undefined.items()):  # the first a reader meets
        src, dst = graph.esrc[k], graph.edst[k]
        o = next((o for o, a in zip(outputs, adj) if a[dst] != 0), None)
        i = next((i for i, t in zip(inputs, tan) if t[src] != 0), None)
        if o is not None and i is not None:
            raise MathError(f"{err}; {_needed(graph, src, dst, i, o, adj[outputs.index(o)][dst])}")
    return weights


def _needed(graph: Graph, src: int, dst: int, i: int, o: int, adjoint: Any) -> str:
    """Why a pass needs edge src -> dst: its adjoint and the path through it."""
    from . import diagnose

    up = diagnose.path(graph, src, [i], downstream=False)
    down = diagnose.path(graph, dst, [o], downstream=True)
    ids = graph.ids
    because = "" if dst == o else f", since ∂{ids[o]}/∂{ids[dst]} = {number(float(adjoint))}"
    return (f"it is needed{because} on the path "
            f"{diagnose.path_text(graph, [*up, *down])}")


def _undefined_beyond(graph: Graph, weights: Sequence[Any], undefined: Mapping[int, object],
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


def _path_notes(found: Sequence[Any], listed: Sequence[PathInfo]) -> list[str]:
    """A listed path's product beyond a double is a fact about that path, not an error (the
    sum of them all can be a double): shown as beyond a double (null in JSON), or as 0 or a
    subnormal, with a note, the first said in full and the rest counted."""
    from .wide import TINY, magnitude

    odd = [(p, q) for p, q in zip(found, listed) if not TINY <= abs(q.product) < math.inf
           and (q.product or p.product)]
    if not odd:
        return []
    p, q = odd[0]
    size = f"about {magnitude(p.product)}" if not isinstance(p.product, float) else "infinite"
    said = ("beyond a double: not shown" if math.isinf(q.product) else
            "below the smallest normal double (2.2e-308): "
            + ("shown as 0" if q.product == 0 else "kept with fewer digits"))
    more = f" ({len(odd) - 1} more like it)" if len(odd) > 1 else ""
    return [f"the product along the path {' → '.join(q.nodes)} is {size}, {said}{more}"]


def _check_finite(jac: dict[str, dict[str, Any]]) -> None:
    """A gradient entry beyond a double is a math error."""
    for o, row in jac.items():
        for w, v in row.items():
            if not math.isfinite(v):
                raise MathError(f"math error: d{o}/d{w} overflows a double")
