"""Finite differences over the graph's values alone (the op table's value functions, no
partials), for `grad --check`: central differences per input, Richardson-extrapolated
with an error estimate, one-sided ones at kinks, and a row's own partial by differences."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, cast

from .evaluate import node_values
from .graphs.graph import Graph
from .ops import OPS

EPS = sys.float_info.epsilon


def one_sided(graph: Graph, point: Mapping[str, float], name: str,
               outs: list[int]) -> list[tuple[float, float, float]] | None:
    """Per output: the derivative from the left and from the right (one-sided differences,
    Richardson-extrapolated) and their error estimate; None where a side is undefined."""
    x = point[name]
    base = values_alone(graph, point)
    if base is None:
        return None

    def side(sign: float, step: float) -> list[float] | None:
        moved = x + sign * step
        vals = values_alone(graph, {**point, name: moved})
        return None if vals is None else [(vals[j] - base[j]) / (moved - x) for j in outs]

    h = EPS ** (1 / 3) * max(1.0, abs(x))
    got = [side(sign, step) for sign in (-1.0, 1.0) for step in (h, h / 2)]
    if any(g is None for g in got):
        return None
    left_h, left_h2, right_h, right_h2 = cast(list[list[float]], got)
    out = []
    for k in range(len(outs)):
        left, right = 2 * left_h2[k] - left_h[k], 2 * right_h2[k] - right_h[k]
        err = abs(left_h2[k] - left_h[k]) + abs(right_h2[k] - right_h[k])
        out.append((left, right, 3 * err + 1e-6 * max(1.0, abs(left), abs(right))))
    return out


def partial_difference(f: Any, argv: list[float], slot: int) -> tuple[float, float] | None:
    """d f/d argv[slot] by central differences, Richardson-extrapolated, and its error."""
    x = argv[slot]

    def at(t: float) -> float:
        moved = list(argv)
        moved[slot] = t
        v = f(*moved)
        if not math.isfinite(v):
            raise ValueError
        return float(v)

    h = EPS ** (1 / 3) * max(1.0, abs(x))
    try:
        wide = (at(x + h) - at(x - h)) / ((x + h) - (x - h))
        narrow = (at(x + h / 2) - at(x - h / 2)) / ((x + h / 2) - (x - h / 2))
        size = max(abs(at(x + h)), abs(at(x - h)), abs(at(x)))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return (4 * narrow - wide) / 3, abs(narrow - wide) / 3 + 4 * EPS * size / h


def values_alone(graph: Graph, point: Mapping[str, float]) -> list[float] | None:
    """Every node's value from the op table's value functions alone; None where one fails."""
    def apply(i: int, op: str, argv: list[float]) -> float:
        v = OPS[op].value(*argv)
        if not math.isfinite(v):
            raise ValueError
        return v

    try:
        return node_values(graph, [point[name] for name, _ in graph.inputs], apply, float)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None


FD = tuple[list[float], list[float], float] | str  # per output: derivatives, errors; step


def all_finite_differences(graph: Graph, point: Mapping[str, float], wrt: Sequence[str],
                            outs: list[int], budget: float | None) -> dict[str, FD]:
    """Per input, its finite differences, or why there are none. Each input costs four
    evaluations of the graph, so a graph with thousands of inputs gets `budget` seconds."""
    deadline = None if budget is None else time.monotonic() + budget
    found: dict[str, FD] = {}
    for w in wrt:
        if deadline is not None and time.monotonic() > deadline:
            found[w] = "skipped (time budget)"
            continue
        fd = finite_differences(graph, point, w, outs)
        found[w] = "undefined a step away" if fd is None else fd
    return found


def finite_differences(graph: Graph, point: Mapping[str, float], name: str,
                        outs: list[int]) -> tuple[list[float], list[float], float] | None:
    """(derivative per output, error estimate per output, step h) by central differences."""
    x = point[name]

    def central(step: float) -> tuple[list[float], float] | None:
        hi, lo = x + step, x - step  # the steps actually taken, after rounding
        up = values_alone(graph, {**point, name: hi})
        down = values_alone(graph, {**point, name: lo})
        if up is None or down is None:
            return None
        size = max(max(abs(up[j]), abs(down[j])) for j in outs)
        return [(up[j] - down[j]) / (hi - lo) for j in outs], size

    # The step follows the input's scale: cbrt(eps)*max(1, |x|), and cbrt(eps)*|x| for a
    # small input whose domain ends nearby (log(x) at x = 1e-7).
    steps = [EPS ** (1 / 3) * max(1.0, abs(x))]
    if 0 < abs(x) < 1:
        steps.append(EPS ** (1 / 3) * abs(x))
    for h in steps:
        wide, narrow = central(h), central(h / 2)
        if wide is not None and narrow is not None:
            break
    else:
        return None
    rounding = 4 * EPS * max(wide[1], narrow[1]) / h
    ders = [(4 * n - w) / 3 for w, n in zip(wide[0], narrow[0])]
    errs = [abs(n - w) / 3 + rounding for w, n in zip(wide[0], narrow[0])]
    if not all(math.isfinite(v) for v in ders + errs):
        return None
    return ders, errs, h
