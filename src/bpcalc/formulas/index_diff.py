"""`bpcalc diff` of a program with families: the δ line of each family and the gradient of
each parameter family as index formulas (perfamily.py), evaluated at a point for every
element and checked against the engine's adjoints and gradient (`--check`)."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from .indexed import Unsupported, canonical, statements
from .perfamily import FamilyLine, PerFamily, backprop
from .values import magnitude, value

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..graphs.graph import Graph

RTOL, ATOL = 1e-9, 1e-12  # as formulas.diff checks its formulas


class FamilyCheck(NamedTuple):
    """One index formula at every element against the engine: the element furthest off."""

    left: str
    elements: int  # elements compared
    worst: str  # that element, `δ_h1[3]`
    formula: float
    engine: float
    ok: bool


class IndexDiff(NamedTuple):
    expression: str
    outputs: tuple[str, ...]
    wrt: tuple[str, ...]  # the input families asked for
    blocks: tuple[PerFamily, ...]
    tex: dict[str, str]
    point: dict[str, float] | None = None
    values: dict[tuple[str, str], Any] | None = None  # (output, left) -> nested lists
    checks: tuple[FamilyCheck, ...] | None = None
    shared: int = 0  # δ elements left out of the check: one node with another element

    @property
    def passed(self) -> bool:
        return self.checks is None or all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """The `bpcalc/diff` JSON object, its formulas per family."""
        from .tex_index import index_latex
        from .trees import text

        fams = {b.output: [d.family for d in b.deltas] for b in self.blocks}

        def line(out: str, ln: FamilyLine, key: str) -> dict[str, Any]:
            d: dict[str, Any] = {key: ln.left, "family": ln.family, "indices": list(ln.at),
                                 "formula": text(ln.tree),
                                 "latex": index_latex(ln.tree, self.tex, fams[out])}
            if self.values is not None:
                d["value"] = self.values[out, ln.left]
            return d

        d: dict[str, Any] = {"schema": "bpcalc/diff", "version": 2, "families": True,
                             "expression": self.expression, "outputs": list(self.outputs),
                             "wrt": list(self.wrt)}
        if self.point is not None:
            d["point"] = self.point
        d["backprop"] = {b.output: {"deltas": [line(b.output, ln, "name") for ln in b.deltas]}
                         for b in self.blocks}
        d["jacobian"] = {b.output: {ln.family: line(b.output, ln, "derivative")
                                    for ln in b.gradient} for b in self.blocks}
        if len(self.outputs) == 1:
            d["gradient"] = d["jacobian"][self.outputs[0]]
        if self.checks is not None:
            d["check"] = {"passed": self.passed, "lines": [c._asdict() for c in self.checks],
                          "shared_left_out": self.shared}
        return d


def families_asked(graph: Graph, wrt: Sequence[str]) -> tuple[str, ...]:
    """The families (or scalar inputs) the inputs `wrt` belong to, in order."""
    return tuple(dict.fromkeys(w.split("[", 1)[0] for w in wrt))


def per_family(program: Analysis, graph: Graph, wrt: Sequence[str]) -> tuple[PerFamily, ...]:
    """Each output's reverse pass per family; Unsupported where the trees do not cover the
    program (indexed.py), or it has no families."""
    prog = program.built.builder.program
    if prog is None or prog.plain or not graph.families:
        raise Unsupported("a program of scalars")
    stmts = statements(prog, graph)
    names = canonical(prog)
    shapes = {n: tuple(f.shape or ()) for n, f in graph.families.items()}
    asked = families_asked(graph, wrt)
    return tuple(backprop(stmts, out, asked, shapes, names) for out, _ in graph.outputs)


def index_diff(program: Analysis, graph: Graph, wrt: Sequence[str],
               values: Mapping[str, Any] | None, check: bool) -> IndexDiff:
    """diff's result for a family program (see the module); Unsupported as per_family."""
    from .. import analysis
    from ..evaluate import evaluate
    from .tex import graph_tex

    blocks = per_family(program, graph, wrt)
    asked = families_asked(graph, wrt)
    tex = graph_tex(graph)
    outputs = tuple(o for o, _ in graph.outputs)
    if not values and not (check and not graph.input_at):
        if check:
            from ..errors import InputError

            raise InputError("--check needs a point: give each input as NAME=VALUE")
        return IndexDiff(program.source, outputs, asked, blocks, tex)
    r = analysis.grad(graph, values or {}, "reverse", list(wrt))
    point = cast(dict[str, float], dict(r.inputs))
    node_values = evaluate(graph, point).values
    scope = _Scope(graph, node_values)
    owners = Counter([*(v for f in graph.families.values() for v in f.elements.values()),
                      *(scope.ids.get(b.output, -1) for b in blocks)])
    got: dict[tuple[str, str], Any] = {}
    checked = []
    shared = 0
    for b in blocks:
        scope.deltas = {}
        for ln in (*b.deltas, *b.gradient):
            delta = ln in b.deltas
            worst = (0.0, "", 0.0, 0.0, True)
            numbers: dict[tuple[int, ...], float] = {}
            compared = 0
            for key in itertools.product(*[range(1, n + 1) for n in ln.shape]):
                scope.bound.update(zip(ln.at, key))
                v = value(ln.tree, node_values, {}, scope)
                numbers[key] = v
                node = scope.node(ln.family, key)
                if delta and (node < 0 or owners[node] > 1):
                    shared += 1  # an element that is another's node too: its adjoint is shared
                    continue
                want = _engine(r, b.output, ln.family, key, node, delta)
                off = abs(v - want)
                tol = ATOL + RTOL * max(abs(v), abs(want))
                if off > tol:  # rounding grows with the terms the formula adds
                    tol = ATOL + RTOL * magnitude(ln.tree, node_values, {}, scope)
                compared += 1
                if off / max(tol, 1e-300) >= worst[0]:
                    worst = (off / max(tol, 1e-300), _name(ln.family, key, delta), v, want,
                             off <= tol and math.isfinite(v))
            if delta:
                scope.deltas.update(((ln.family, k), x) for k, x in numbers.items())
            got[b.output, ln.left] = _nested(numbers, ln.shape)
            if compared:
                checked.append(FamilyCheck(ln.left, compared, *worst[1:]))
    return IndexDiff(program.source, outputs, asked, blocks, tex, point, got,
                     tuple(checked) if check else None, shared)


def _name(family: str, key: tuple[int, ...], delta: bool) -> str:
    core = f"{family}[{','.join(map(str, key))}]" if key else family
    return "δ_" + core if delta else core


def _engine(r: Any, out: str, family: str, key: tuple[int, ...], node: int,
            delta: bool) -> float:
    if not delta:
        return float(r.jacobian[out][_name(family, key, False)])
    got = r.adjoints[node][out] if r.adjoints else None
    return 0.0 if got is None else float(got)


def _nested(numbers: Mapping[tuple[int, ...], float], shape: Sequence[int]) -> Any:
    """Row-major nested lists of a family's numbers (a scalar's number alone)."""
    if not shape:
        return numbers[()]
    flat: list[Any] = list(numbers.values())
    for n in reversed(shape[1:]):
        flat = [flat[k:k + n] for k in range(0, len(flat), n)]
    return flat


class _Scope:
    """Where index formulas find their numbers (values.Scope): node values by element, δs
    as the lines before computed them."""

    def __init__(self, graph: Graph, node_values: Sequence[float]) -> None:
        self.graph, self.values = graph, node_values
        self.bound: dict[str, int] = dict(graph.sizes)
        self.deltas: dict[tuple[str, tuple[int, ...]], float] = {}
        self.ids = {x: i for i, x in enumerate(graph.ids) if "[" not in x}

    def node(self, name: str, key: tuple[int, ...]) -> int:
        f = self.graph.families.get(name)
        return f.elements[key] if f is not None and key else self.ids[name]

    def look(self, name: str, key: tuple[int, ...], adjoint: bool) -> float:
        if adjoint:
            return self.deltas[name, key]
        node = self.node(name, key)
        return self.values[node] if node >= 0 else self.graph.consts[~node]
