"""Graph -> straight-line Python: the body of a function that evaluates one point.

For a batch the graph is fixed and only the point changes, so the per-node loop of
`evaluate.evaluate` and the per-edge loop of a mode are unrolled once into statements with
one local variable per node value (`n3`), per computed edge weight (`w5`) and per
adjoint or tangent (`r0_3`, `t1_3`): the forward values, the edge weights, then the
reverse sweep (one per output) or the forward passes (one per input). The numbers come
from the op table: each row's Python spelling (`spelling.spell`; its math functions bound
as globals of the generated function, `f2 = math.sin`) and its `kink` test. tests/test_code.py
holds every spelling to the row's own functions, bit for bit. No user text ever enters the
code: names are generated (n0, w1, f2) and numbers are `repr()` of finite floats.

The generated statements compute exactly what `evaluate.evaluate` and `modes/reverse.py` or
`modes/forward.py` compute, in the same order, so results are bit-for-bit the same (up to
the sign of a zero). They do not raise errors or report kinks themselves: the body returns
None when a kink is hit, and the caller treats None, any exception, or a non-finite
`chk` as "ask the exact engine". `chk` is a sum, so it is NaN or infinite when any term
is. Its terms are few: a NaN or infinity spreads (x + inf is inf, inf*0 is NaN), so a
value needs a term only where a consumer could hide it (tanh(inf) is 1, 1/inf is 0) or
nothing consumes it, and a weight only where no sweep multiplies by it; what the sweeps
compute ends in the inputs' adjoints (reverse) or the sinks' tangents (forward).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from ..graphs.graph import Graph
from ..ops import OPS, Code, widened
from ..spelling import spell as spelling

_SAMPLES = (-2.5, -1.0, -0.0, 0.0, 1e-300, 5e-324, 0.3, 1.0, 3.0, 1e300, 1.7976931348623157e308)
_NONFINITE = (math.inf, -math.inf, math.nan)
CHUNK = 32  # terms per statement of the finite check (a long `+` chain nests deeply in the AST)


class TooBig(Exception):
    """The generated code would pass the line budget: compiling it would take seconds."""


class Body(NamedTuple):
    lines: tuple[str, ...]  # statements; free inputs are read from locals n{i} set by the caller
    check: str  # a local holding a sum that is finite exactly when everything computed is
    values: dict[str, str]  # output key -> expression text of its value
    jacobian: dict[str, dict[str, str]]  # output key -> wrt input -> expression text
    env: dict[str, object]  # the globals the lines refer to (op table functions)
    # The weights a sweep uses whose row has a `wide` partial: one that is 0 or subnormal
    # may be beyond a double, which evaluate.py takes in wide numbers (so the caller does)
    doubtful: tuple[str, ...] = ()


def literal(x: float) -> str:
    """A finite float as Python source: its repr, parenthesised when negative."""
    if not math.isfinite(x):
        raise ValueError(f"not a finite constant: {x!r}")
    r = repr(float(x))
    return f"({r})" if r.startswith("-") else r


def _outcome(fn: Callable[..., float], args: Sequence[float]) -> str:
    try:
        return repr(fn(*args))
    except Exception:  # any exception sends the point to the exact engine: the kind is moot
        return "raises"


def _spreads(fn: Callable[..., float], slot: int, others: Sequence[Sequence[float]]) -> bool:
    """Whether a NaN or infinity in operand `slot` always gives a NaN, infinity or exception,
    whatever the other operands are (each tuple of `others` is one choice of them)."""
    for bad in _NONFINITE:
        for rest in others:
            args = [*rest[:slot], bad, *rest[slot:]]
            r = _outcome(fn, args)
            if r != "raises" and math.isfinite(float(r)):
                return False
    return True


@functools.cache
def spreads(op: str) -> tuple[bool, ...]:
    """Per operand of `op`: whether a NaN or infinity there always gives a NaN, infinity or
    exception, whatever a varying other operand is (tried on sample values)."""
    row = OPS[op]
    others = [()] if row.arity == 1 else [(a,) for a in _SAMPLES]
    return tuple(_spreads(row.value, s, others) for s in range(row.arity))


def _simple(text: str) -> bool:
    """A local name or a literal: cheap to repeat, and finite whenever its operands are."""
    if text.isidentifier():
        return True
    try:
        float(text.strip("()"))
    except ValueError:
        return False
    return True


def _times(a: str, w: str) -> str:
    """a*w as text, bit for bit: 1.0*w is w, a*1.0 is a and a*-1.0 is -a."""
    if a == "1.0":
        return w
    if w == "1.0":
        return a
    if w == "-1.0":
        return f"-{a}"
    return f"{a} * {w}"


class _Writer:
    """Collects the statements and the globals they use."""

    def __init__(self, graph: Graph, fixed: dict[int, float], spell: bool,
                 budget: int | None) -> None:
        self.graph, self.fixed, self.budget = graph, fixed, budget
        self.lines: list[str] = []
        self.env: dict[str, object] = {}
        self._bound: dict[int, str] = {}  # id() of a table function -> its global name
        self.rows: dict[str, Code] = {}
        if spell:
            self.rows = {name: spelling(row, "python", self._math) for name, row in OPS.items()}

    def _math(self, name: str) -> str:
        """The global that holds math.`name` (a spelling's `@name`)."""
        return self.bind(getattr(math, name))

    def emit(self, line: str) -> None:
        if self.budget is not None and len(self.lines) >= self.budget:
            raise TooBig
        self.lines.append(line)

    def bind(self, fn: Callable[..., object]) -> str:
        name = self._bound.get(id(fn))
        if name is None:
            name = self._bound[id(fn)] = f"f{len(self._bound)}"
            self.env[name] = fn
        return name

    def ref(self, a: int | float) -> str:
        """An operand: a node's local, or the number itself for constants."""
        if type(a) is not int:
            return literal(a)
        return literal(self.fixed[a]) if a in self.fixed else f"n{a}"

    def values(self) -> None:
        """evaluate.evaluate's first loop: every node's value, and a kink sends to the engine."""
        for i, node in enumerate(self.graph.nodes):
            if node.op == "input":
                continue  # free inputs are set by the caller; fixed ones are literals
            if node.op == "const":
                self.emit(f"n{i} = {literal(float(node.args[0]))}")
                continue
            row = OPS[node.op]
            args = ", ".join(self.ref(a) for a in node.args)
            spelled = self.rows.get(node.op)
            if spelled is not None:
                self.emit(f"n{i} = {spelled.value.format(*(self.ref(a) for a in node.args))}")
            else:
                self.emit(f"n{i} = {self.bind(row.value)}({args})")
            if row.kink is not None:
                self.emit(f"if {self.bind(row.kink)}({args}, n{i}) is not None: return None")

    def weights(self) -> tuple[list[str], list[int]]:
        """evaluate.evaluate's second loop: each edge's weight as text, and which edges got
        a local of their own (the others are operands or literals, finite already)."""
        texts: list[str] = []
        computed: list[int] = []
        for k, (_, dst, slot) in enumerate(self.graph.edges):
            node = self.graph.nodes[dst]
            args = [self.ref(a) for a in node.args]
            spelled = self.rows.get(node.op)
            template = None if spelled is None else spelled.partials[slot]
            if template is not None:
                text = template.format(*args, v=f"n{dst}")
                if _simple(text):
                    texts.append(text)
                    continue
            else:
                fn = self.bind(OPS[node.op].partials[slot])
                text = f"{fn}({', '.join(args)}, n{dst})"
            self.emit(f"w{k} = {text}")
            texts.append(f"w{k}")
            computed.append(k)
        return texts, computed

    def spreads(self, dst: int, slot: int) -> bool:
        """Whether a NaN or infinity in operand `slot` of node `dst` makes dst's value one
        (or raises): then dst's own check covers that operand."""
        node = self.graph.nodes[dst]
        rest: list[float] = []
        for s, a in enumerate(node.args):
            if s == slot:
                continue
            if type(a) is int and a not in self.fixed:  # another operand varies
                return node.op in self.rows and spreads(node.op)[slot]
            rest.append(self.fixed[a] if isinstance(a, int) else a)
        return _spreads(OPS[node.op].value, slot, [tuple(rest)])  # exact: one unknown

    def value_checks(self) -> list[str]:
        """The values the finite check must add: those a consumer could hide (tanh(inf) is
        1), and those nothing consumes. Others reach a checked value as NaN or infinity."""
        graph = self.graph
        consumed = [False] * len(graph.nodes)
        need = [False] * len(graph.nodes)
        for src, dst, slot in graph.edges:
            consumed[src] = True
            if not need[src] and not self.spreads(dst, slot):
                need[src] = True
        return [f"n{i}" for i, node in enumerate(graph.nodes)
                if (need[i] or not consumed[i]) and node.op != "const" and i not in self.fixed]


def straight_line(graph: Graph, mode: str, wrt: Sequence[tuple[str, int]],
                  fixed: dict[int, float], spell: bool = True,
                  budget: int | None = None) -> Body:
    """Statements for one point of `graph`: values, weights, then `mode`'s accumulation.

    `mode` is "reverse" (one sweep per output) or "forward" (one pass per `wrt` input).
    `fixed` gives input nodes whose value is the same at every point (NAME=VALUE
    constants); the other inputs must be set by the caller as locals n{i} before the lines.
    `spell=False` calls the table for every op; past `budget` lines, TooBig is raised.
    """
    w = _Writer(graph, fixed, spell, budget)
    w.values()
    weights, computed = w.weights()
    used: set[int] = set()  # edges some sweep or pass multiplies by
    terms = w.value_checks()
    jac: dict[str, dict[str, str]] = {}
    if mode == "forward":
        passes = [_forward_pass(w, weights, p, i, used) for p, (_, i) in enumerate(wrt)]
        sinks = _sinks(graph)
        for tan in passes:
            terms.extend(tan[v][0] for v in sinks if v in tan)
        for o, j in graph.outputs:
            jac[o] = {name: tan[j][0] if j in tan else "0.0"
                      for (name, _), tan in zip(wrt, passes)}
    else:
        for s, (o, j) in enumerate(graph.outputs):
            adj = _reverse_sweep(w, weights, s, j, used)
            terms.extend(adj[i][0] for _, i in graph.inputs if i in adj)
            jac[o] = {name: adj[i][0] if i in adj else "0.0" for name, i in wrt}
    # A NaN or infinite weight that a sweep multiplies by makes that sweep's input
    # adjoints (or sink tangents) NaN or infinite; only unused weights need a term.
    terms.extend(f"w{k}" for k in computed if k not in used)
    terms = [t for t in dict.fromkeys(terms) if t.isidentifier()]  # literals are finite
    w.emit("chk = 0.0")
    for c in range(0, len(terms), CHUNK):
        w.emit("chk += " + " + ".join(terms[c:c + CHUNK]))
    doubtful = [weights[k] for k, (_, dst, slot) in enumerate(graph.edges)
                if k in used and widened(OPS[graph.keys[dst][0]], slot)]
    return Body(tuple(w.lines), "chk", {o: w.ref(j) for o, j in graph.outputs}, jac, w.env,
                tuple(t for t in dict.fromkeys(doubtful) if t.isidentifier()))


# Per node, the text holding its derivative and whether that is a local of its own (True)
# or another node's local or a literal, shared until the node gets a second term.
_Acc = dict[int, tuple[str, bool]]


def _reverse_sweep(w: _Writer, weights: list[str], s: int, out: int, used: set[int]) -> _Acc:
    """modes/reverse.py unrolled: adjoints of output `out`; absent nodes have adjoint 0."""
    adj: _Acc = {out: ("1.0", False)}
    edges = w.graph.edges
    for k in range(len(edges) - 1, -1, -1):
        src, dst, _ = edges[k]
        a = adj.get(dst)
        if a is None:
            continue
        used.add(k)
        _accumulate(w, adj, src, f"r{s}_{src}", _times(a[0], weights[k]))
    return adj


def _forward_pass(w: _Writer, weights: list[str], p: int, seed: int, used: set[int]) -> _Acc:
    """modes/forward.py unrolled: tangents from input node `seed`; absent nodes have 0."""
    tan: _Acc = {seed: ("1.0", False)}
    for k, (src, dst, _) in enumerate(w.graph.edges):
        t = tan.get(src)
        if t is None:
            continue
        used.add(k)
        _accumulate(w, tan, dst, f"t{p}_{dst}", _times(t[0], weights[k]))
    return tan


def _accumulate(w: _Writer, acc: _Acc, node: int, name: str, term: str) -> None:
    """acc[node] += term, as the mode's loop does it (0 + t is t, up to the sign of 0)."""
    cur = acc.get(node)
    if cur is None:
        if _simple(term):
            acc[node] = (term, False)  # share the text: no statement at all
        else:
            acc[node] = (name, True)
            w.emit(f"{name} = {term}")
    elif cur[1]:
        w.emit(f"{cur[0]} += {term}")
    else:
        acc[node] = (name, True)
        w.emit(f"{name} = {cur[0]} + {term}")


def _sinks(graph: Graph) -> list[int]:
    """Nodes no edge leaves: a NaN or infinite tangent anywhere reaches one of them."""
    used = {e.src for e in graph.edges}
    return [v for v in range(len(graph.nodes)) if v not in used]
