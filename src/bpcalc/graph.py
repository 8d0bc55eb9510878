"""Program -> graph: nodes in evaluation order, hash-consed, with ordered edges.

A node's operands are node indices (int) or folded constants (float): `b + 1`
is one `add` node with one edge, from b. Identical subexpressions are one node;
`c*c` keeps two edges from c. Ids follow the spec: a program's own names (the
last version of a reassigned name keeps the bare name, earlier ones get `name.k`,
which no user can write), then generated ids a, b, ..., z, ba, bb, ... in
evaluation order, skipping every name the program uses.

The graph is kept in flat lists (see Graph); evaluation is one quick loop over them,
and a careful second loop names what failed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from .errors import InputError, MathError
from .ops import OPS, definition_text, number_text, partial_text
from .parser import RESERVED, Program, parse

Operand = int | float  # int: index of an operand node; float: a folded constant


class Node(NamedTuple):
    id: str
    op: str  # "input", "const" or a row of the op table
    args: tuple[Operand, ...]


class Edge(NamedTuple):
    src: int
    dst: int
    slot: int  # which operand of dst


class Graph:
    """A built graph, stored flat so that a million nodes stay small and quick to walk.

    `keys[i]` is node i as plain data: `("input",)`, `("const", c)`, or `(op, a)` and
    `(op, a, b)` with each operand a node index (>= 0) or a folded constant `~c`, which is
    `consts[c]`. `esrc[k]`, `edst[k]` are edge k's ends: grouped by dst in evaluation order,
    then by slot. `nodes`, `edges` and `ids` give the same graph as named tuples and text;
    they are built on first use, so a script that wants only the gradient never makes them.
    """

    def __init__(self, source: str, keys: list[tuple], consts: list[float], esrc: list[int],
                 edst: list[int], input_at: dict[str, int],
                 outputs: tuple[tuple[str, int], ...], versions: dict[str, list[int]]) -> None:
        self.source = source
        self.keys = keys
        self.consts = consts
        self.esrc = esrc
        self.edst = edst
        self.input_at = input_at  # input name -> node index, in order of first use
        self.outputs = outputs  # (output key, node index)
        self._versions = versions  # name -> every node it named, in order
        self._inputs: tuple[tuple[str, int], ...] | None = None
        self._names: tuple[str, ...] | None = None
        self._ids: list[str] | None = None
        self._nodes: tuple[Node, ...] | None = None
        self._edges: tuple[Edge, ...] | None = None

    @property
    def inputs(self) -> tuple[tuple[str, int], ...]:
        """(input name, node index) pairs: `input_at` as a tuple, made on first use (the
        gradient's path reads `input_at` and never makes 10^5 pairs)."""
        if self._inputs is None:
            self._inputs = tuple(self.input_at.items())
        return self._inputs

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the program assigns, in order; made on first use (error messages ask)."""
        if self._names is None:
            inputs = self.input_at
            self._names = tuple(n for n, vs in self._versions.items()
                                if n not in inputs or len(vs) > 1)
        return self._names

    @property
    def ids(self) -> list[str]:
        if self._ids is None:
            self._ids = _assign_ids(self.keys, self._versions, self.input_at)
        return self._ids

    @property
    def nodes(self) -> tuple[Node, ...]:
        if self._nodes is None:
            ids, consts = self.ids, self.consts
            self._nodes = tuple(
                Node(ids[i], k[0], tuple(a if a >= 0 else consts[~a] for a in k[1:]))
                for i, k in enumerate(self.keys))
        return self._nodes

    @property
    def edges(self) -> tuple[Edge, ...]:
        if self._edges is None:
            self._edges = tuple(Edge(a, dst, slot) for dst, k in enumerate(self.keys)
                                for slot, a in enumerate(k[1:]) if a >= 0)
        return self._edges


class Evaluation(NamedTuple):
    values: list[float]  # per node
    weights: list[float]  # per edge: the local partial d(dst)/d(src) at the point
    warnings: list[str]


def operand_text(graph: Graph, a: Operand) -> str:
    return graph.nodes[a].id if type(a) is int else number_text(a)


def node_definition(graph: Graph, node: Node) -> str:
    """`a + b` for an op node, the number for a constant, the id for an input."""
    if node.op == "input":
        return node.id
    if node.op == "const":
        return number_text(node.args[0])
    return definition_text(OPS[node.op], [operand_text(graph, a) for a in node.args])


def edge_formula(graph: Graph, edge: Edge) -> str:
    """The local derivative d(dst)/d(src) as formula text over node ids (`d` for de/dc)."""
    node = graph.nodes[edge.dst]
    return partial_text(OPS[node.op], edge.slot, [operand_text(graph, a) for a in node.args])


def _generated_ids(taken: set[str]):
    """a, b, ..., z, ba, bb, ...: the jaxpr sequence, skipping taken and reserved names."""
    n = 0
    while True:
        k, s = n, ""
        while True:
            k, r = divmod(k, 26)
            s = chr(97 + r) + s
            if k == 0:
                break
        n += 1
        if s not in taken and s not in RESERVED:
            yield s


def attempt(fn, argv: list[float]) -> tuple[float, str]:
    """Call a value or partial function; on failure return (nan, why) instead of raising."""
    try:
        v = fn(*argv)
    except ZeroDivisionError:
        return math.nan, "division by zero"
    except OverflowError:
        return math.nan, "overflows a double"
    except ValueError:
        return math.nan, "undefined"
    if math.isfinite(v):
        return v, ""
    return math.nan, "overflows a double" if math.isinf(v) else "undefined"


def _value_failure(op: str, why: str) -> str:
    row = OPS[op]
    if why == "undefined" and row.domain:
        return f"{op} is undefined here (needs {row.domain})"
    return f"{op}: {why}" if why == "division by zero" else f"{op} {why}"


def _fold(op: str, args: list[float], source: str, pos: int) -> float:
    """Evaluate an operation on constants at build time."""
    row = OPS[op]
    v, why = attempt(row.value, args)
    if why:
        text = definition_text(row, [number_text(a) for a in args])
        line = source.count("\n", 0, pos) + 1
        col = pos - source.rfind("\n", 0, pos)
        where = f"line {line}, column {col}" if "\n" in source.strip() else f"column {col}"
        raise MathError(f"math error in the constant {text} at {where}: "
                        + _value_failure(op, why))
    return v


class Builder:
    """Makes nodes one at a time: hash-consed, constants folded, edges recorded as it goes.

    The parser's programs (`build`) and the shape-cached reader (`shapes.py`) both feed it,
    so there is one set of rules for what becomes a node.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.keys: list[tuple] = []
        self.consts: list[float] = []
        self.esrc: list[int] = []
        self.edst: list[int] = []
        self.cons: dict[tuple, int] = {}
        self.env: dict[str, int] = {}  # name -> its current operand
        self.inputs: dict[str, int] = {}
        self.versions: dict[str, list[int]] = {}  # name -> every operand it held, in order
        self.const_at: dict[object, int] = {}  # value -> operand; zeros by sign
        # Nodes made in columns (columns.py) whose keys are not in `cons` yet: (first,
        # stop, step, [(k, ids), ...]): the keys keys[first + k : stop : step] are new and
        # ids their numbers. Whatever looks in `cons` calls flush first.
        self.pending: list[tuple[int, int, int, list[tuple[int, list[int]]]]] = []

    def flush(self) -> None:
        """Put the pending keys into `cons`, before anything looks there."""
        keys, cons = self.keys, self.cons
        for first, stop, step, ks in self.pending:
            for k, ids in ks:
                cons.update(zip(keys[first + k:stop:step], ids))
        self.pending.clear()

    def const(self, v: float) -> int:
        """The operand of the constant v: ~c, where consts[c] == v (0.0 and -0.0 differ)."""
        key = v if v else (v, math.copysign(1.0, v))
        c = self.const_at.get(key)
        if c is None:
            c = self.const_at[key] = ~len(self.consts)
            self.consts.append(v)
        return c

    def read(self, name: str) -> int:
        v = self.env.get(name)
        if v is None:
            v = self.env[name] = self.inputs[name] = len(self.keys)
            self.keys.append(("input",))
            self.versions[name] = [v]
        return v

    def make(self, key: tuple) -> int:
        """The node `key` = (op, operand, ...), made unless an identical one exists."""
        if self.pending:
            self.flush()
        i = self.cons.get(key)
        if i is None:
            i = self.cons[key] = len(self.keys)
            self.keys.append(key)
            for a in key[1:]:
                if a >= 0:
                    self.esrc.append(a)
                    self.edst.append(i)
        return i

    def apply(self, op: str, args: list[int], pos: int) -> int:
        if all(a < 0 for a in args):  # constants only: fold
            consts = self.consts
            return self.const(_fold(op, [consts[~a] for a in args], self.source, pos))
        return self.make((op, *args))

    def assign(self, name: str, v: int) -> None:
        self.env[name] = v
        self.versions.setdefault(name, []).append(v)

    def finish(self, outputs: Sequence[str] | None, last_target: str | None,
               bare_key: str, result: int) -> Graph:
        """The graph, with `outputs` (program names) or else the last statement as output:
        its target, or the bare expression `result` under `bare_key` (its id when empty)."""
        env = self.env
        if outputs:
            for name in outputs:
                if name not in env:
                    raise InputError(f"unknown output {name!r}; the program's names are: "
                                     + ", ".join(env))
            out_pairs = [(name, self._output(name)) for name in outputs]
        elif last_target is not None:
            out_pairs = [(last_target, self._output(last_target))]
        else:
            out_pairs = [(bare_key, result if result >= 0 else self.make(("const", result)))]
        graph = Graph(self.source, self.keys, self.consts, self.esrc, self.edst, self.inputs, (),
                      self.versions)
        # A bare expression's output is named by its node's id: ids need the whole graph.
        graph.outputs = tuple((key or graph.ids[i], i) for key, i in out_pairs)
        return graph

    def _output(self, name: str) -> int:
        v = self.env[name]
        if v < 0:  # a constant output is a node of its own
            v = self.versions[name][-1] = self.make(("const", v))
        return v


def build(program: Program, outputs: Sequence[str] | None = None) -> Graph:
    """Build the graph of `program`; `outputs` are program names (default: the last statement)."""
    b = Builder(program.source)
    arity = {name: row.arity for name, row in OPS.items()}
    result = 0
    for st in program.statements:
        stack: list[int] = []
        for ins in st.code:
            if ins.kind == "num":
                stack.append(b.const(ins.arg))  # type: ignore[arg-type]
            elif ins.kind == "name":
                stack.append(b.read(ins.arg))  # type: ignore[arg-type]
            else:
                k = arity[ins.arg]  # type: ignore[index]
                args = stack[-k:]
                del stack[-k:]
                stack.append(b.apply(ins.arg, args, ins.pos))  # type: ignore[arg-type]
        result = stack.pop()
        if st.update is not None:
            result = b.apply(st.update, [b.read(st.target), result], st.pos)  # type: ignore[arg-type]
        if st.target is not None:
            b.assign(st.target, result)
    last = program.statements[-1]
    code = last.code  # a bare name last (`...; z`) keeps that name as the output key
    bare = str(code[0].arg) if len(code) == 1 and code[0].kind == "name" else ""
    return b.finish(outputs, last.target, bare, result)


def _assign_ids(keys: list[tuple], versions: dict[str, list[int]],
                inputs: dict[str, int]) -> list[str]:
    ids: list[str | None] = [None] * len(keys)
    for name, vs in versions.items():  # bare names first: the last version of each name
        last = vs[-1]
        if last >= 0 and ids[last] is None:
            ids[last] = name
    for name, vs in versions.items():  # then earlier versions: name.0 (the input), name.1, ...
        k = 0 if name in inputs else 1
        for v in vs[:-1]:
            if v >= 0 and ids[v] is None:  # versions with a name already are skipped
                ids[v] = f"{name}.{k}"
                k += 1
    gen = _generated_ids(set(versions))
    return [i if i is not None else next(gen) for i in ids]


def _partials_table() -> dict[str, tuple]:
    """op -> (value, first partial, last partial, kink), read from the op table at call time."""
    return {name: (row.value, row.partials[0], row.partials[-1], row.kink)
            for name, row in OPS.items()}


def evaluate(graph: Graph, values: Mapping[str, float]) -> Evaluation:
    """Every node's value and every edge's local derivative at the point `values`.

    One quick loop with no per-node checks; if anything in it fails or is not finite,
    `_evaluate_checked` goes again node by node and names what failed.
    """
    vals = _start(graph, values)
    n = len(graph.keys)
    weights: list[float] = []
    push = weights.append
    kinks: list[int] = []
    table = _partials_table()
    try:
        for i, k in enumerate(graph.keys):  # vals[~c] is consts[c]: see _start
            if len(k) == 3:
                op, a, b = k
                f, p, q, kink = table[op]
                x = vals[a]
                y = vals[b]
                v = vals[i] = f(x, y)
                if a >= 0:
                    push(p(x, y, v))
                if b >= 0:
                    push(q(x, y, v))
            elif len(k) == 2:
                op, a = k
                if a < 0:  # a constant output
                    vals[i] = vals[a]
                    continue
                f, p, q, kink = table[op]
                x = vals[a]
                v = vals[i] = f(x)
                push(p(x, v))
            else:
                continue
            if kink is not None:
                kinks.append(i)
    except (ArithmeticError, ValueError):
        return _evaluate_checked(graph, values)
    if not (all_finite(vals) and all_finite(weights)):
        return _evaluate_checked(graph, values)
    warnings = []
    for i in kinks:  # node text only for a kink that is hit: a big graph's views stay unmade
        k = graph.keys[i]
        said = OPS[k[0]].kink(*[vals[a] for a in k[1:]], vals[i])  # type: ignore[misc]
        if said:
            node = graph.nodes[i]
            warnings.append(f"kink at {node.id} = {node_definition(graph, node)}: {said}")
    del vals[n:]
    return Evaluation(vals, weights, warnings)


def all_finite(xs: list[float]) -> bool:
    """Whether no x is inf or nan. An inf or nan makes the sum inf or nan, and summing is
    quicker than testing each x; only a sum that overflows is checked item by item."""
    return math.isfinite(sum(xs)) or all(map(math.isfinite, xs))


def _start(graph: Graph, values: Mapping[str, float]) -> list[float]:
    """Node values (inputs set, the rest 0.0), then the constants in reverse order, so that
    the operand ~c indexes consts[c]: vals[~c] == vals[len(vals) - 1 - c]."""
    vals = [0.0] * len(graph.keys) + graph.consts[::-1]
    try:  # one lookup per input; only when one fails, a second pass names them all
        for name, i in graph.input_at.items():
            vals[i] = values[name]
    except KeyError:
        missing = [name for name in graph.input_at if name not in values]
        hint = ""
        if "e" in missing:
            hint = " (e is an ordinary name here; for Euler's number write exp(1))"
        raise InputError("missing value for " + ", ".join(missing) + hint
                         + "; give each input as NAME=VALUE") from None
    return vals


def _evaluate_checked(graph: Graph, values: Mapping[str, float]) -> Evaluation:
    """`evaluate`, one call at a time: a failing value or partial raises a MathError."""
    nodes = graph.nodes
    vals = _start(graph, values)[:len(nodes)]
    warnings: list[str] = []
    for i, node in enumerate(nodes):
        if node.op == "input":
            continue
        if node.op == "const":
            vals[i] = node.args[0]  # type: ignore[assignment]
            continue
        row = OPS[node.op]
        argv = [vals[a] if type(a) is int else a for a in node.args]
        v, why = attempt(row.value, argv)
        if why:
            raise node_error(graph, i, argv, _value_failure(row.name, why))
        vals[i] = v
        if row.kink is not None:
            said = row.kink(*argv, v)
            if said:
                warnings.append(f"kink at {node.id} = {node_definition(graph, node)}: {said}")
    weights: list[float] = []
    for e in graph.edges:
        node = nodes[e.dst]
        argv = [vals[a] if type(a) is int else a for a in node.args]
        w, why = attempt(OPS[node.op].partials[e.slot], [*argv, vals[e.dst]])
        if why:
            what = {"division by zero": "infinite", "overflows a double": "too large for a "
                    "double"}.get(why, why)
            raise node_error(graph, e.dst, argv,
                              f"its derivative with respect to {nodes[e.src].id} is {what} here")
        weights.append(w)
    return Evaluation(vals, weights, warnings)


def node_error(graph: Graph, i: int, argv: list[float], why: str) -> MathError:
    node = graph.nodes[i]
    at = ", ".join(number_text(v).strip("()") for v in argv)
    return MathError(f"math error at node {node.id} = {node_definition(graph, node)} "
                     f"({node.op} of {at}): {why}")


def parse_value(text: str, name: str) -> float:
    """A NAME=VALUE value: a number or a constant expression such as pi/4 or -1/3."""
    if text.isascii() and "_" not in text and text == text.strip():
        # Most values are plain numbers: read them without the parser. ASCII, no '_' and
        # no spaces, float() reads what the grammar reads (and inf or nan, sent on).
        try:
            v = float(text)
        except ValueError:
            pass
        else:
            if math.isfinite(v):
                return v
    try:
        program = parse(text)
    except InputError as exc:
        raise InputError(f"value of {name} is not a number or a constant expression: "
                         f"{text!r} ({exc})") from None
    graph = build(program)
    if graph.inputs or len(program.statements) != 1 or program.statements[0].target:
        raise InputError(f"value of {name} must be a number or a constant expression "
                         f"such as pi/4, got {text!r}")
    return graph.nodes[graph.outputs[0][1]].args[0]  # type: ignore[return-value]
