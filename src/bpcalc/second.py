"""Beyond the gradient: the Hessian (`bpcalc hessian`) and directional derivatives
(`grad --direction`, `grad --cotangent`), as the results of results/second.py.

Everything is computed on bpcalc's own graph, from the op table's first and second
partials: forward-over-reverse for the Hessian, one vector-seeded pass for JVP and VJP.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, cast

from .analysis import Analysis, defined_weights, point, wrt_inputs
from .errors import InputError, MathError
from .evaluate import Evaluation, evaluate
from .graphs.graph import Graph
from .modes import hessian as hess
from .modes.directional import jvp, vjp
from .passes import WIDE_WORK
from .results.fold import Folding
from .results.second import DirectionalResult, HessianResult
from .text.values import numbers, parse_pairs

Pairs = str | Mapping[str, str | float]  # "x=1,y=-2" or {name: value}


def _numbers(pairs: Pairs, option: str, graph: Graph) -> dict[str, float]:
    """`x=1,y=-2` (or a mapping) as numbers; a family's array or fill spread over its
    elements (`z=[1,0,0]` gives z[1], z[2] and z[3])."""
    given = parse_pairs(pairs, option, families=True) if isinstance(pairs, str) else pairs
    folding = Folding.of(graph)
    return numbers(given if folding is None else folding.spread(given))


def _output_names(output: str | Sequence[str] | None) -> list[str] | None:
    if output is None or isinstance(output, str):
        return [output] if output else None
    return list(output) or None


def hessian_result(program: Analysis, values: Mapping[str, str | float],
                   wrt: Sequence[str] | None = None,
                   output: str | Sequence[str] | None = None) -> HessianResult:
    """The value, gradient and Hessian of one output of `program` at `values`."""
    names = _output_names(output)
    if names is not None and len(names) > 1:
        raise InputError(f"hessian takes one output, but --output names {len(names)}: "
                         + ", ".join(names))
    graph = program.graph(names)
    ((key, out),) = graph.outputs
    wrt_at = wrt_inputs(graph, wrt)
    ev = evaluate(graph, point(graph, values))
    if ev.overflow is not None:  # second partials need every value as a double
        raise ev.overflow
    nodes = list(wrt_at.values())
    weights = defined_weights(graph, ev, nodes, [out]) if ev.undefined else None
    work = len(graph.esrc) * (len(nodes) + 1)  # as passes.WIDE_WORK counts for grad
    # a local derivative beyond a double is a wide number: the passes are wide then
    h = hess.hessian(graph, ev, nodes, out, weights, wide=work <= WIDE_WORK or bool(ev.beyond))
    hess.check_finite(graph, nodes, h)
    ws = list(wrt_at)
    return HessianResult(
        expression=program.source,
        inputs={name: ev.values[i] for name, i in graph.inputs},
        wrt=tuple(ws),
        output=key,
        value=ev.values[out],
        gradient=dict(zip(ws, h.gradient)),
        hessian={w: dict(zip(ws, row)) for w, row in zip(ws, h.matrix)},
        passes=h.passes,
        edge_ops=h.edge_ops,
        warnings=(*ev.warnings, *h.warnings),
        folding=Folding.of(graph),
    )


def _unknown(option: str, bad: list[str], role: str, known: Sequence[str], hint: str = "") -> None:
    if bad:
        raise InputError(f"{option} names {', '.join(map(repr, bad))}, not {role}; "
                         f"the {role.split()[-1]}s are: {', '.join(known) or 'none'}{hint}")


def _vjp_graph(program: Analysis, cot: Mapping[str, float],
               outputs: Sequence[str] | None) -> Graph:
    """The graph whose outputs the cotangent names: --output's, else the cotangent's own names
    if they are all program names (a bare expression's one output is named by its id)."""
    graph = program.graph(outputs)
    keys = [k for k, _ in graph.outputs]
    names = [*graph.names, *(n for n, _ in graph.inputs if n not in graph.names)]
    bad = [name for name in cot if name not in keys]
    if bad and not outputs and all(name in names for name in cot):
        return program.graph(list(cot))
    hint = f" (or, with --output, one of the program's names: {', '.join(names)})" if names else ""
    _unknown("--cotangent", bad, "an output", keys, hint)
    return graph


class _Pass(NamedTuple):
    graph: Graph
    evaluation: Evaluation
    seed: dict[str, float]
    derivative: dict[str, float]


def _jvp_pass(program: Analysis, values: Mapping[str, str | float], direction: Pairs,
              outputs: Sequence[str] | None) -> _Pass:
    graph = program.graph(outputs)
    dirs = _numbers(direction, "--direction", graph)
    inputs = dict(graph.inputs)
    _unknown("--direction", [n for n in dirs if n not in inputs], "an input", list(inputs))
    ev = evaluate(graph, point(graph, values))
    seed = {name: dirs.get(name, 0.0) for name in inputs}
    weights = defined_weights(graph, ev, [inputs[n] for n, v in dirs.items() if v],
                              [j for _, j in graph.outputs]) if ev.undefined else ev.weights
    return _Pass(graph, ev, seed, _directional(jvp, graph, ev, weights,
                                               {inputs[n]: v for n, v in dirs.items()}))


def _vjp_pass(program: Analysis, values: Mapping[str, str | float], cotangent: Pairs,
              outputs: Sequence[str] | None, wrt: Sequence[str] | None) -> _Pass:
    cots = _numbers(cotangent, "--cotangent", program.graph(outputs))
    graph = _vjp_graph(program, cots, outputs)
    ev = evaluate(graph, point(graph, values))
    seed = {key: cots.get(key, 0.0) for key, _ in graph.outputs}
    by_node: dict[int, float] = {}
    for key, j in graph.outputs:  # two keys may name one node: their cotangents add
        by_node[j] = by_node.get(j, 0.0) + seed[key]
    wrt_at = wrt_inputs(graph, wrt)
    weights = defined_weights(graph, ev, list(wrt_at.values()),
                              [j for j, c in by_node.items() if c]) if ev.undefined else ev.weights
    full = _directional(vjp, graph, ev, weights, by_node)
    return _Pass(graph, ev, seed, {w: full[w] for w in wrt_at})


def _directional(product: Any, graph: Graph, ev: Evaluation, weights: list[float],
                 seed: dict[int, float]) -> dict[str, float]:
    """`product` (jvp or vjp) of `seed`, in wide numbers up to WIDE_WORK (wide.py: every
    sum exact, rounded once), so that it equals the Jacobian's own entries combined."""
    if len(graph.esrc) * 2 > WIDE_WORK and not ev.beyond:
        return cast(dict[str, float], product(graph, weights, seed))
    from . import wide

    got = product(graph, wide.weights(weights, ev.beyond),
                  {k: wide.Wide.of(v) for k, v in seed.items()}, wide.ZERO)
    return {k: float(v) for k, v in got.items()}


def directional_result(program: Analysis, values: Mapping[str, str | float],
                       direction: Pairs | None = None, cotangent: Pairs | None = None,
                       outputs: Sequence[str] | None = None,
                       wrt: Sequence[str] | None = None) -> DirectionalResult:
    """`--direction x=1,y=-2`: each output's derivative along the direction (one forward pass).
    `--cotangent f=1,g=0.5`: Σ_o u_o·∇o for each input (one reverse pass); `wrt` picks inputs."""
    if (direction is None) == (cotangent is None):
        raise InputError("give either --direction (a JVP) or --cotangent (a VJP), not both"
                         if direction is not None else "give --direction or --cotangent")
    if outputs and len(set(outputs)) != len(outputs):
        raise InputError("--output names an output twice")
    if direction is not None:
        if wrt:
            raise InputError("--wrt does not apply to --direction: the direction names the "
                             "inputs (an input left out has component 0)")
        kind, p = "jvp", _jvp_pass(program, values, direction, outputs)
    else:
        assert cotangent is not None
        kind, p = "vjp", _vjp_pass(program, values, cotangent, outputs, wrt)
    for key, v in p.derivative.items():
        if not math.isfinite(v):
            raise MathError(f"math error: the {kind.upper()} entry for {key} overflows a double")
    graph, values_ = p.graph, p.evaluation.values
    return DirectionalResult(
        expression=program.source,
        kind=kind,
        inputs={name: values_[i] for name, i in graph.inputs},
        outputs=tuple(k for k, _ in graph.outputs),
        values={k: values_[j] for k, j in graph.outputs},
        seed=p.seed,
        derivative=p.derivative,
        edge_ops=len(graph.esrc),
        warnings=tuple(p.evaluation.warnings),
        folding=Folding.of(graph),
    )
