"""Beyond the gradient: the Hessian (`bpcalc hessian`) and directional derivatives
(`grad --direction`, `grad --cotangent`), as plain results with `to_dict()` for JSON.

Everything is computed on bpcalc's own graph, from the op table's first and second
partials: forward-over-reverse for the Hessian, one vector-seeded pass for JVP and VJP.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from .engine import point, wrt_inputs
from .errors import InputError, MathError
from .graph import Evaluation, Graph, build, evaluate, parse_value
from .modes import hessian as hess
from .modes.directional import jvp, vjp
from .parser import parse
from .shapes import read

VERSION = 1
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Pairs = str | Mapping[str, str | float]  # "x=1,y=-2" or {name: value}


class HessianResult(NamedTuple):
    expression: str
    inputs: dict[str, float]
    wrt: tuple[str, ...]
    output: str  # the output key
    value: float
    gradient: dict[str, float]  # wrt input -> derivative
    hessian: dict[str, dict[str, float]]  # row input -> column input -> second derivative
    passes: int  # forward-over-reverse passes: one per wrt input
    edge_ops: int
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "bpcalc/hessian",
            "version": VERSION,
            "expression": self.expression,
            "inputs": self.inputs,
            "output": self.output,
            "value": self.value,
            "gradient": self.gradient,
            "hessian": self.hessian,
            "cost": {"passes": self.passes, "edge_ops": self.edge_ops},
            "warnings": list(self.warnings),
        }


class DirectionalResult(NamedTuple):
    expression: str
    kind: str  # "jvp" (--direction) or "vjp" (--cotangent)
    inputs: dict[str, float]
    outputs: tuple[str, ...]
    values: dict[str, float]  # value of each output
    seed: dict[str, float]  # jvp: direction per input; vjp: cotangent per output (zeros shown)
    derivative: dict[str, float]  # jvp: per output; vjp: per input
    edge_ops: int  # one pass, each edge used once
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        jvp_kind = self.kind == "jvp"
        return {
            "schema": "bpcalc/directional",
            "version": VERSION,
            "expression": self.expression,
            "inputs": self.inputs,
            "outputs": list(self.outputs),
            "values": self.values,
            "direction" if jvp_kind else "cotangent": self.seed,
            "directional" if jvp_kind else "vjp": self.derivative,
            "cost": {"mode": "forward" if jvp_kind else "reverse", "passes": 1,
                     "edge_ops": self.edge_ops},
            "warnings": list(self.warnings),
        }


def _split_top(text: str) -> list[str]:
    """Split at commas outside parentheses: `x=max(1, 2),y=3` has two entries."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_pairs(text: str, option: str) -> dict[str, float]:
    """`x=1,y=-2` -> {"x": 1.0, "y": -2.0}; values may be constant expressions (pi/4)."""
    pairs: dict[str, float] = {}
    for item in _split_top(text):
        name, eq, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not _NAME.fullmatch(name) or not value:
            raise InputError(f"{option} expects NAME=VALUE pairs separated by commas, "
                             f"such as x=1,y=-2; got {item.strip()!r} in {text!r}")
        if name in pairs:
            raise InputError(f"{option} gives {name} twice")
        try:
            pairs[name] = parse_value(value, name)
        except InputError as exc:
            raise InputError(f"{option}: {exc}") from None
    return pairs


def _numbers(pairs: Pairs, option: str) -> dict[str, float]:
    if isinstance(pairs, str):
        return parse_pairs(pairs, option)
    return {k: v if isinstance(v, float) else parse_value(str(v), k) for k, v in pairs.items()}


def _output_names(output: str | Sequence[str] | None) -> list[str] | None:
    if output is None or isinstance(output, str):
        return [output] if output else None
    return list(output) or None


def hessian_result(source: str, values: Mapping[str, str | float],
                   wrt: Sequence[str] | None = None,
                   output: str | Sequence[str] | None = None) -> HessianResult:
    """The value, gradient and Hessian of one output of `source` at `values`."""
    names = _output_names(output)
    if names is not None and len(names) > 1:
        raise InputError(f"hessian takes one output, but --output names {len(names)}: "
                         + ", ".join(names))
    graph = read(source, names)
    ((key, out),) = graph.outputs
    wrt_at = wrt_inputs(graph, wrt)
    ev = evaluate(graph, point(graph, values))
    nodes = list(wrt_at.values())
    h = hess.hessian(graph, ev, nodes, out)
    hess.check_finite(graph, nodes, h)
    ws = list(wrt_at)
    return HessianResult(
        expression=source,
        inputs={name: ev.values[i] for name, i in graph.inputs},
        wrt=tuple(ws),
        output=key,
        value=ev.values[out],
        gradient=dict(zip(ws, h.gradient)),
        hessian={w: dict(zip(ws, row)) for w, row in zip(ws, h.matrix)},
        passes=h.passes,
        edge_ops=h.edge_ops,
        warnings=tuple(ev.warnings),
    )


def _unknown(option: str, bad: list[str], role: str, known: Sequence[str], hint: str = "") -> None:
    if bad:
        raise InputError(f"{option} names {', '.join(map(repr, bad))}, not {role}; "
                         f"the {role.split()[-1]}s are: {', '.join(known) or 'none'}{hint}")


def _vjp_graph(source: str, cot: Mapping[str, float], outputs: Sequence[str] | None) -> Graph:
    """The graph whose outputs the cotangent names: --output's, else the cotangent's own names
    if they are all program names (a bare expression's one output is named by its id)."""
    program = parse(source)
    graph = build(program, outputs)
    keys = [k for k, _ in graph.outputs]
    names = [*graph.names, *(n for n, _ in graph.inputs if n not in graph.names)]
    bad = [name for name in cot if name not in keys]
    if bad and not outputs and all(name in names for name in cot):
        return build(program, list(cot))
    hint = f" (or, with --output, one of the program's names: {', '.join(names)})" if names else ""
    _unknown("--cotangent", bad, "an output", keys, hint)
    return graph


class _Pass(NamedTuple):
    graph: Graph
    evaluation: Evaluation
    seed: dict[str, float]
    derivative: dict[str, float]


def _jvp_pass(source: str, values: Mapping[str, str | float], direction: Pairs,
              outputs: Sequence[str] | None) -> _Pass:
    dirs = _numbers(direction, "--direction")
    graph = read(source, outputs)
    inputs = dict(graph.inputs)
    _unknown("--direction", [n for n in dirs if n not in inputs], "an input", list(inputs))
    ev = evaluate(graph, point(graph, values))
    seed = {name: dirs.get(name, 0.0) for name in inputs}
    return _Pass(graph, ev, seed, jvp(graph, ev.weights, {inputs[n]: v for n, v in dirs.items()}))


def _vjp_pass(source: str, values: Mapping[str, str | float], cotangent: Pairs,
              outputs: Sequence[str] | None, wrt: Sequence[str] | None) -> _Pass:
    cots = _numbers(cotangent, "--cotangent")
    graph = _vjp_graph(source, cots, outputs)
    ev = evaluate(graph, point(graph, values))
    seed = {key: cots.get(key, 0.0) for key, _ in graph.outputs}
    by_node: dict[int, float] = {}
    for key, j in graph.outputs:  # two keys may name one node: their cotangents add
        by_node[j] = by_node.get(j, 0.0) + seed[key]
    full = vjp(graph, ev.weights, by_node)
    return _Pass(graph, ev, seed, {w: full[w] for w in wrt_inputs(graph, wrt)})


def directional_result(source: str, values: Mapping[str, str | float],
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
        kind, p = "jvp", _jvp_pass(source, values, direction, outputs)
    else:
        kind, p = "vjp", _vjp_pass(source, values, cotangent, outputs, wrt)  # type: ignore[arg-type]
    for key, v in p.derivative.items():
        if not math.isfinite(v):
            raise MathError(f"math error: the {kind.upper()} entry for {key} overflows a double")
    graph, values_ = p.graph, p.evaluation.values
    return DirectionalResult(
        expression=source,
        kind=kind,
        inputs={name: values_[i] for name, i in graph.inputs},
        outputs=tuple(k for k, _ in graph.outputs),
        values={k: values_[j] for k, j in graph.outputs},
        seed=p.seed,
        derivative=p.derivative,
        edge_ops=len(graph.esrc),
        warnings=tuple(p.evaluation.warnings),
    )
