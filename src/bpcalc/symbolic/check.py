"""`grad --check`: every gradient entry three independent ways, and the AD modes compared.

1. AD: analysis.grad in the chosen mode. It reads bpcalc.ops.OPS when it runs (nothing here
   keeps a copy), so a test can break one op's partial with monkeypatch and see the check fail.
2. Central finite differences over the graph's values alone (no partials): the step for each
   input from its scale, h = eps^(1/3)·max(1, |x|), and h/2; the value is Richardson's
   extrapolation and the error estimate |D(h/2) - D(h)|/3 plus the rounding bound 4·eps·|f|/h.
3. SymPy's derivative of the whole program (translate.RULES gives values only; the derivative
   is SymPy's diff) at the exact point, within a time budget.

AD and SymPy agree when |AD - SymPy| <= atol + rtol·max(|AD|, |SymPy|, scale), where scale is
the sum over paths of |product of local derivatives| (a reverse pass over |weights|): the size
of what AD's sums can cancel, so cancellation is not mistaken for a wrong rule. Finite
differences are reported beside, never decisive: their error can be far above rtol.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from .. import analysis
from ..differences import (
    all_finite_differences,
    one_sided,
    partial_difference,
    values_alone,
)
from ..evaluate import evaluate
from ..graphs.graph import Graph, node_definition
from ..modes import forward, reverse
from ..numbers import shown
from ..ops import OPS
from ..results.check import CheckResult, DirectionCheck, Entry, LocalCheck, ModeCheck
from ..results.grad import GradResult
from .budget import DEFAULT_BUDGET, start

if TYPE_CHECKING:
    from ..analysis import Analysis
    from .budget import Job
    from .translate import Source

RTOL = 1e-9
ATOL = 1e-12
BUDGET = DEFAULT_BUDGET  # seconds for SymPy
CHECK_PATHS = 100_000  # paths mode is checked by adding up to this many, one by one
MODES = analysis.MODES


def check(program: Analysis, values: Mapping[str, str | float], *, mode: str = "reverse",
          wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
          rtol: float = RTOL, atol: float = ATOL, budget: float | None = BUDGET,
          limit: int = 1000) -> CheckResult:
    """Check the gradient (or Jacobian) of `source` at `values` three ways; see the module.

    Raises the same InputError/MathError as analysis.grad (the AD leg is analysis.grad)."""
    from .translate import require_rules  # SymPy only when a check is asked for

    graph = program.graph(outputs)
    ad = analysis.grad(graph, values, mode, wrt, limit)
    require_rules(n.op for n in ad.nodes)
    running = start(_symbolic_job(graph, values, ad.wrt), budget)
    # While SymPy works in its worker: the other modes, finite differences, kinks.
    point = analysis.point(graph, values)
    outs = [j for _, j in graph.outputs]
    index = dict(graph.inputs)
    scales = _scales(graph, ad, outs)
    tols = {(o, w): atol + rtol * _finite_or(scales[k][index[w]], abs(ad.jacobian[o][w]))
            for k, o in enumerate(ad.outputs) for w in ad.wrt}
    others = {m: ad if m == ad.mode and (m != "paths" or limit >= CHECK_PATHS)
              else analysis.grad(graph, values, m, wrt, CHECK_PATHS if m == "paths" else limit)
              for m in MODES}  # paths are added up to CHECK_PATHS whatever is listed
    modes = _modes(ad, others, tols)
    fd = all_finite_differences(graph, point, ad.wrt, outs, budget)
    float_kinks = _float_kinks(graph, point)
    outcome = running.result()
    sym, exact_kinks = outcome.value if outcome.status == "ok" else (None, ())
    on_path = _on_paths(graph, sorted({*float_kinks, *exact_kinks}), ad.wrt)

    entries, notes = [], []
    sides = {w: one_sided(graph, point, w, outs) for w in ad.wrt
             if any((j, index[w]) in on_path for j in outs)}
    for k, (o, j) in enumerate(graph.outputs):
        for m, w in enumerate(ad.wrt):
            a, tol, f = ad.jacobian[o][w], tols[o, w], fd[w]
            fd_v, fd_err, step = (None, None, None) if isinstance(f, str) else (
                f[0][k], f[1][k], f[2])
            s_exact, s_val = sym[k * len(ad.wrt) + m] if sym is not None else (None, None)
            if s_val is not None:
                tol = max(tol, atol + rtol * max(abs(a), abs(s_val)))
            kink = (j, index[w]) in on_path
            verdict, note = _verdict(a, s_val, tol, kink, sym is not None)
            left = right = None
            if kink and sides.get(w) is not None:
                left, right, slack = cast(list[tuple[float, float, float]], sides[w])[k]
                verdict, note = _at_kink(a, left, right, slack + tol, verdict)
            if isinstance(f, str):
                note = "; ".join(filter(None, [note, f"finite differences: {f}"]))
            elif fd_err is not None and fd_v is not None and not kink:
                notes.extend(_judge(d_name(o, w), a, fd_v, fd_err, scales[k][index[w]], atol))
            entries.append(Entry(o, w, a, fd_v, fd_err, step, s_val, s_exact, tol, verdict,
                                 note, left, right))
    kinks = [w for w in ad.warnings if w.startswith("kink")]
    kinks += [f"kink at {graph.nodes[i].id} = {node_definition(graph, graph.nodes[i])} at the "
              "exact point (the floats round past it)" for i in exact_kinks if i not in float_kinks]
    kink_nodes = {*float_kinks, *exact_kinks}
    return CheckResult(program.source, mode, rtol, atol, budget,
                       "ok" if sym is not None else outcome.skipped_reason(), tuple(entries),
                       modes, tuple(kinks), _local(graph, ad, kink_nodes, budget),
                       _direction(graph, ad, scales, atol, rtol), tuple(notes))


def _at_kink(a: float, left: float, right: float, slack: float,
             verdict: str) -> tuple[str, str]:
    """AD's derivative across a kink against the one-sided ones: within them (and `slack`)
    the convention stands, else it is a mismatch."""
    if not min(left, right) - slack <= a <= max(left, right) + slack:
        return "mismatch", (f"a kink lies between this input and output, and AD's {shown(a)} "
                            f"is not between the one-sided derivatives {shown(left)} (left) "
                            f"and {shown(right)} (right): the conventions at the kinks do not "
                            "add up to a derivative from either side here")
    return verdict, (f"a kink lies between this input and output: the derivative is "
                     f"{shown(left)} from the left and {shown(right)} from the right, and "
                     f"AD's {shown(a)} (a convention) lies between")


def d_name(o: str, w: str) -> str:
    return f"∂{o}/∂{w}"


def _judge(name: str, ad: float, fd: float, err: float, scale: float,
           atol: float) -> list[str]:
    """Where finite differences cannot judge an entry, or AD's sums cancel, say so."""
    size = max(abs(ad), abs(fd))
    said = []
    if err > atol and err > 1e-3 * abs(fd):
        share = f"{err / abs(fd):.0%} of their value" if fd else "larger than their value"
        said.append(f"{name}: finite differences cannot judge here: their error estimate "
                    f"± {err:.1g} is {share} (the function is ill-conditioned at this point "
                    "or nearly undefined a step away); SymPy decides")
    elif abs(ad - fd) > 3 * err + 1e-6 * size:
        said.append(f"{name}: finite differences are off by {abs(ad - fd):.1g}, more than "
                    f"their own error estimate ± {err:.1g}: the function changes too fast "
                    "for their step here; SymPy decides")
    if math.isfinite(scale) and scale > 1e8 * max(size, atol):
        said.append(f"{name}: its paths cancel: products of size up to {scale:.1g} add up to "
                    f"{shown(ad)}; AD carries the sums in wide numbers, finite differences and "
                    "the function's own rounding do not")
    return said


LOCAL_EDGES = 100_000  # more edges than this: the local check stops there


def _local(graph: Graph, ad: GradResult, kinks: set[int],
           budget: float | None) -> LocalCheck | None:
    """Each edge's local derivative against central differences of its op's value function
    in that operand (no other node involved): the edge furthest off, relative to what the
    differences can tell. A wrong row in the op table shows here as that row's edge."""
    deadline = None if budget is None else time.monotonic() + budget
    values = [n.value for n in ad.nodes]
    worst: tuple[float, int, float, float] | None = None  # (score, edge, fd, error)
    checked = 0
    for k, (dst, w) in enumerate(zip(graph.edst, (e.value for e in ad.edges))):
        if k >= LOCAL_EDGES or (deadline is not None and time.monotonic() > deadline):
            break
        if dst in kinks or w is None or not math.isfinite(w):
            continue
        node = graph.nodes[dst]
        argv = [values[a] if type(a) is int else a for a in node.args]
        slot = graph.edges[k].slot
        fd = partial_difference(OPS[node.op].value, cast(list[float], argv), slot)
        if fd is None:
            continue
        checked += 1
        score = abs(w - fd[0]) / (3 * fd[1] + 1e-9 * max(abs(w), abs(fd[0])) + 1e-300)
        if worst is None or score > worst[0]:
            worst = (score, k, fd[0], fd[1])
    if worst is None:
        return None
    score, k, fd_v, err = worst
    e = ad.edges[k]
    return LocalCheck(checked, e.src, e.dst, e.local, cast(float, e.value), fd_v, err,
                      score <= 1)


def _direction(graph: Graph, ad: GradResult, scales: list[list[float]], atol: float,
               rtol: float, seed: int = 0) -> DirectionCheck | None:
    """u·(J v) by one forward pass along v against (uᵀJ)·v by one reverse pass from u, for
    u and v drawn from [-1, 1] with `seed`, as JAX's check_grads does."""
    import random

    if not ad.wrt:
        return None
    rng = random.Random(seed)
    index = dict(graph.inputs)
    v = {index[w]: rng.uniform(-1.0, 1.0) for w in ad.wrt}
    u: dict[int, float] = {}
    for _, j in graph.outputs:
        u[j] = u.get(j, 0.0) + rng.uniform(-1.0, 1.0)
    weights = [e.value if e.value is not None and math.isfinite(e.value) else 0.0
               for e in ad.edges]
    tan = forward.tangents(graph, weights, v)
    adj = reverse.adjoints(graph, weights, u)
    jvp = sum(c * tan[j] for j, c in u.items())
    vjp = sum(adj[i] * c for i, c in v.items())
    outs = [j for _, j in graph.outputs]
    size = sum(abs(u[j]) * abs(v[index[w]]) * _finite_or(scales[k][index[w]], 0.0)
               for k, j in enumerate(outs) for w in ad.wrt)
    if not (math.isfinite(jvp) and math.isfinite(vjp)):
        return None
    return DirectionCheck(seed, jvp, vjp, atol + rtol * max(size, abs(jvp), abs(vjp)))


def _finite_or(x: float, fallback: float) -> float:
    return x if math.isfinite(x) else fallback


def _verdict(ad: float, sym: float | None, tol: float, kink: bool,
             sym_ran: bool) -> tuple[str, str]:
    if kink:
        return "kink", "a kink lies between this input and output; the derivative is a convention"
    if sym is None:
        return "skipped", "" if not sym_ran else "SymPy's derivative is not a finite real here"
    return ("ok", "") if abs(ad - sym) <= tol else ("mismatch", "")


def _modes(ad: GradResult, runs: Mapping[str, GradResult],
           tols: Mapping[tuple[str, str], float]) -> tuple[ModeCheck, ...]:
    """Forward, reverse and paths against the chosen mode's Jacobian, entry by entry within
    the same tolerance as AD against SymPy."""
    out = []
    for m, r in runs.items():
        if m == "paths" and r.paths_truncated:  # past CHECK_PATHS, on screen as in JSON
            out.append(ModeCheck(m, "skipped (paths truncated)", None))
            continue
        gaps = [(abs(r.jacobian[o][w] - ad.jacobian[o][w]), tol) for (o, w), tol in tols.items()]
        worst = max((g for g, _ in gaps), default=0.0)
        out.append(ModeCheck(m, "ok" if all(g <= t for g, t in gaps) else "mismatch", worst))
    return tuple(out)


def _scales(graph: Graph, ad: GradResult, outs: list[int]) -> list[list[float]]:
    """Per output, per node: the sum over paths of |product of local derivatives|."""
    weights = [abs(cast(float, e.value)) for e in ad.edges]  # evaluated: every edge has one
    return [reverse.adjoints(graph, weights, j) for j in outs]


def _float_kinks(graph: Graph, point: Mapping[str, float]) -> list[int]:
    """The nodes the op table's kink tests flag at the point (the engine's kink warnings)."""
    vals = values_alone(graph, point)
    if vals is None:  # a value beyond a double on the way: the engine carries it (inf here)
        vals = evaluate(graph, point).values
    found = []
    for i, node in enumerate(graph.nodes):
        row = OPS.get(node.op)
        if row is not None and row.kink is not None:
            argv = [vals[a] if type(a) is int else a for a in node.args]
            if row.kink(*argv, vals[i]):
                found.append(i)
    return found


def _on_paths(graph: Graph, kinks: Sequence[int], wrt: Sequence[str]) -> set[tuple[int, int]]:
    """(output node, input node) pairs with a kink node on a path between them."""
    if not kinks:
        return set()
    index = dict(graph.inputs)
    below = [0] * len(graph.nodes)  # bit k: the node depends on input wrt[k]
    for k, w in enumerate(wrt):
        below[index[w]] |= 1 << k
    for src, dst, _ in graph.edges:
        below[dst] |= below[src]
    found = set()
    for j in {j for _, j in graph.outputs}:
        above = [False] * len(graph.nodes)  # the output depends on the node
        above[j] = True
        for src, dst, _ in reversed(graph.edges):
            above[src] = above[src] or above[dst]
        for i in kinks:
            if above[i]:
                found |= {(j, index[w]) for k, w in enumerate(wrt) if below[i] >> k & 1}
    return found


def _symbolic_job(graph: Graph, values: Mapping[str, str | float], wrt: Sequence[str]) -> Job:
    """SymPy's diff of each output's whole expression at the exact point, (exact, float) per
    entry, and the kinks of the exact point. Everything SymPy does runs in the worker."""
    def job() -> Iterator[tuple[tuple[tuple[str | None, float | None], ...], tuple[int, ...]]]:
        import sympy as sp

        from .printing import text, to_float
        from .translate import Source, exact_point, input_symbols, node_exprs

        src = Source(graph)
        point = exact_point(graph, values)
        isyms = input_symbols(graph)
        full = node_exprs(src, [isyms[name] for name, _ in graph.inputs])
        at = {isyms[name]: point[name] for name, _ in graph.inputs}
        out = []
        for _, j in graph.outputs:
            for w in wrt:
                v = sp.diff(full[j], isyms[w]).xreplace(at)
                out.append((text(v), to_float(v)))
        yield tuple(out), _exact_kinks(src, [point[name] for name, _ in graph.inputs])

    return job


def _exact_kinks(src: Source, leaves: list[Any]) -> tuple[int, ...]:
    """Kinks at the exact point: x = 3/10 makes abs(x*3 - 0.3) a kink though the floats miss it.

    The op table's kink tests are of two kinds: a one-operand op at 0 (abs, relu) and a tie
    of two operands (max, min)."""
    from .translate import node_exprs

    graph = src.graph
    vals = node_exprs(src, leaves)
    found = []
    for i, node in enumerate(graph.nodes):
        row = OPS.get(node.op)
        if row is None or row.kink is None:
            continue
        args = [vals[a] if type(a) is int else src.constant(a) for a in node.args]
        gap = args[0] if len(args) == 1 else args[0] - args[1]
        if gap.is_zero:
            found.append(i)
    return tuple(found)
