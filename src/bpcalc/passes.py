"""The mode's passes over the edge weights, and the numbers they run in: doubles, or the
exact wide numbers of wide.py where doubles fall short.

Up to WIDE_WORK (edges times the inputs and outputs asked, the same for every mode) the
passes run in wide numbers (tens of ms at most), so the modes agree to the last digit.
Above it they run in doubles, and again in wide numbers only where those overflow,
underflow or give an exact 0 that may be an underflow (up to WIDE_FALLBACK; past it a
warning says so). A local derivative beyond a double (evaluate.Evaluation.beyond) is a
wide number in the passes in doubles too, whatever the size: a float times it is wide.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import MathError
from .evaluate import all_finite
from .graphs.graph import Graph
from .modes import forward, paths, reverse

if TYPE_CHECKING:
    from .wide import Wide

MAX_PATH_NODES = 100_000
WIDE_WORK = 40_000
WIDE_FALLBACK = 100_000  # about 0.2 s of wide numbers


def run(graph: Graph, weights: list[float], wrt_at: dict[str, int], mode: str, limit: int,
        wide: bool | None, beyond: Mapping[int, Wide] | None = None) -> tuple[Sums, list[str]]:
    """The mode's sums, and notes on the numbers: `wide` True runs them in wide numbers,
    False in doubles with wide numbers only where those fall short (what the compiled batch
    code matches bit for bit), None by size (wide up to WIDE_WORK). `beyond`: the local
    derivatives beyond a double, as wide numbers (the weights hold their doubles)."""
    beyond = beyond or {}
    work = len(graph.esrc) * (len(wrt_at) + len(graph.outputs))
    sums = None
    numbers: Sequence[Any] = weights
    if wide is False or (wide is None and work > WIDE_WORK):  # doubles first
        if beyond:
            from .wide import mixed

            numbers = mixed(weights, beyond)
        sums = _doubles(graph, numbers, wrt_at, mode, limit, bool(beyond))
    verdict = "wide" if sums is None else _doubles_enough(graph, sums, numbers, wrt_at, work)
    if verdict != "wide":
        assert sums is not None
        return sums, [verdict] if verdict else []
    doubles = sums
    sums, notes = _wide(graph, weights, beyond, wrt_at, mode, limit)
    return (sums if doubles is None else _merged(doubles, sums)), notes


def _doubles(graph: Graph, numbers: Sequence[Any], wrt_at: dict[str, int], mode: str,
             limit: int, mixed: bool) -> Sums | None:
    """The passes in doubles; `mixed`: some `numbers` are wide (wide.mixed), and so may the
    sums be, rounded to doubles here; None where a double overflowed before it met one
    (the caller goes wide)."""
    try:
        sums = accumulate(graph, numbers, wrt_at, mode, limit, 0.0, 1.0)
    except (OverflowError, ValueError):  # Wide.of(inf)
        return None
    if not mixed:
        return sums

    def narrow(table: dict[str, list[Any]] | None) -> dict[str, list[Any]] | None:
        return None if table is None else {k: [float(x) for x in col]
                                           for k, col in table.items()}

    return sums._replace(
        adj=narrow(sums.adj), tan=narrow(sums.tan),
        jac={o: {w: float(v) for w, v in row.items()} for o, row in sums.jac.items()},
        listed=[p._replace(product=float(p.product)) for p in sums.listed])


class Sums(NamedTuple):
    """One mode's accumulated derivatives, in doubles or wide numbers (wide.py)."""
    adj: dict[str, list[Any]] | None  # reverse: output -> adjoint per node
    tan: dict[str, list[Any]] | None  # forward: input -> tangent per node
    jac: dict[str, dict[str, Any]]  # output -> input -> derivative
    counts: dict[str, dict[str, int]] | None = None  # paths: output -> input -> paths
    listed: Sequence[paths.Path] = ()
    truncated: bool = False


def accumulate(graph: Graph, weights: Sequence[Any], wrt_at: dict[str, int], mode: str,
                limit: int, zero: Any, one: Any) -> Sums:
    """The mode's passes over `weights` (any kind of number, with its zero and one)."""
    out_pairs = graph.outputs
    if mode == "reverse":
        adj = {o: reverse.adjoints(graph, weights, j, zero, one) for o, j in out_pairs}
        return Sums(adj, None, {o: {w: adj[o][i] for w, i in wrt_at.items()}
                                 for o, _ in out_pairs})
    if mode == "forward":
        tan = {w: forward.tangents(graph, weights, i, zero, one) for w, i in wrt_at.items()}
        return Sums(None, tan, {o: {w: tan[w][j] for w in wrt_at} for o, j in out_pairs})
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
    return Sums(None, None, jac, counts, found, truncated)


def _doubles_enough(graph: Graph, sums: Sums, weights: Sequence[Any], wrt_at: dict[str, int],
                    work: int) -> str:
    """Whether the passes in doubles can stand: "" yes; "wide" to run them again in wide
    numbers, where an adjoint, tangent, path product or gradient entry overflowed (at any
    size: else the run fails), or where a gradient entry may have lost to an underflow on
    the way: it is subnormal, or it is 0 while a path of non-zero weights joins its input
    and output (as 1e-200·1e-200 is 0), within WIDE_FALLBACK; past it, the warning to
    give instead. A 0 that only exact 0 weights make (relu off, 0*x) is exact, in wide
    numbers too."""
    # (paths mode keeps no columns: its sums, the merged one too, are in jac)
    columns = [*(sums.adj or {}).values(), *(sums.tan or {}).values(),
               *(list(row.values()) for row in sums.jac.values())]
    if not all(map(all_finite, columns)) or not all(math.isfinite(p.product)
                                                     for p in sums.listed):
        return "wide"
    tiny = sys.float_info.min
    low = [(o, w) for o, row in sums.jac.items() if row and min(map(abs, row.values())) < tiny
           for w, v in row.items() if abs(v) < tiny]  # (a min in C first: most rows have none)
    if not low:
        return ""
    zeros = [(o, w) for o, w in low if sums.jac[o][w] == 0]
    if len(zeros) == len(low) and not _nonzero_paths(graph, weights, zeros, wrt_at):
        return ""
    if work <= WIDE_FALLBACK:
        return "wide"
    said = ", ".join(f"d{o}/d{w}" for o, w in low[:3]) + (" …" if len(low) > 3 else "")
    return (f"{said} came out 0 or subnormal in doubles, and a product on the way underflowed: "
            "the true value may be nonzero (the graph is too big, "
            f"{work:,} edge operations, to carry again in wide numbers)")


def _nonzero_paths(graph: Graph, weights: Sequence[Any], entries: list[tuple[str, str]],
                   wrt_at: dict[str, int]) -> bool:
    """Whether one of the (output, input) `entries` has a path of non-zero weights: its
    product cannot be an exact 0, so a 0 there is an underflow or a cancellation. The walk
    from the output back stops at the edges into the first input asked (no edge before
    them leaves an input asked)."""
    from bisect import bisect_right  # only here: keep it off the start-up path

    outputs = dict(graph.outputs)
    esrc, edst = graph.esrc, graph.edst
    for o in dict.fromkeys(o for o, _ in entries):
        asked = [wrt_at[w] for p, w in entries if p == o]
        reach = [False] * len(graph.keys)  # reaches the output through non-zero weights
        reach[outputs[o]] = True
        for k in range(len(esrc) - 1, bisect_right(edst, min(asked)) - 1, -1):
            if weights[k] and reach[edst[k]]:
                reach[esrc[k]] = True
        if any(reach[i] for i in asked):
            return True
    return False


def _merged(doubles: Sums, wide: Sums) -> Sums:
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


def _wide(graph: Graph, weights: list[float], beyond: Mapping[int, Wide],
          wrt_at: dict[str, int], mode: str, limit: int) -> tuple[Sums, list[str]]:
    """The mode's passes in wide numbers (wide.py), rounded to doubles once at the end, and
    what that rounding did: a gradient entry beyond a double is a math error, one that
    underflows a warning, an adjoint or tangent beyond a double (not shown) a warning."""
    from . import wide

    sums = accumulate(graph, wide.weights(weights, beyond), wrt_at, mode, limit,
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


