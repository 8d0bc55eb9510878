"""Program -> graph: immutable nodes in evaluation order, hash-consed, with ordered edges.

A node's operands are node indices (int) or folded constants (float): `b + 1`
is one `add` node with one edge, from b. Identical subexpressions are one node;
`c*c` keeps two edges from c. Ids follow the spec: a program's own names (the
last version of a reassigned name keeps the bare name, earlier ones get `name.k`,
which no user can write), then generated ids a, b, ..., z, ba, bb, ... in
evaluation order, skipping every name the program uses.
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


class Graph(NamedTuple):
    source: str
    nodes: tuple[Node, ...]
    inputs: tuple[tuple[str, int], ...]  # (input name, node index), in order of first use
    outputs: tuple[tuple[str, int], ...]  # (output key, node index)
    edges: tuple[Edge, ...]  # grouped by dst in evaluation order, then by slot
    names: tuple[str, ...]  # every name the program assigns, in order


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


def build(program: Program, outputs: Sequence[str] | None = None) -> Graph:
    """Build the graph of `program`; `outputs` are program names (default: the last statement)."""
    src = program.source
    nodes: list[tuple[str, tuple[Operand, ...]]] = []  # (op, args)
    cons: dict[tuple, int] = {}
    env: dict[str, Operand] = {}  # name -> its current node index or constant
    inputs: dict[str, int] = {}
    versions: dict[str, list[Operand]] = {}  # name -> every value it held, in order

    def make(op: str, args: tuple[Operand, ...]) -> int:
        key = (op, args, tuple(type(a) is int for a in args))
        idx = cons.get(key)
        if idx is None:
            idx = cons[key] = len(nodes)
            nodes.append((op, args))
        return idx

    def read(name: str) -> Operand:
        v = env.get(name)
        if v is None:
            v = env[name] = inputs[name] = len(nodes)
            nodes.append(("input", ()))
            versions[name] = [v]
        return v

    def apply(op: str, args: list[Operand], pos: int) -> Operand:
        if all(type(a) is float for a in args):
            return _fold(op, args, src, pos)  # type: ignore[arg-type]
        return make(op, tuple(args))

    result: Operand = 0
    for st in program.statements:
        stack: list[Operand] = []
        for ins in st.code:
            if ins.kind == "num":
                stack.append(ins.arg)  # type: ignore[arg-type]
            elif ins.kind == "name":
                stack.append(read(ins.arg))  # type: ignore[arg-type]
            else:
                k = OPS[ins.arg].arity  # type: ignore[index]
                args = stack[-k:]
                del stack[-k:]
                stack.append(apply(ins.arg, args, ins.pos))  # type: ignore[arg-type]
        result = stack.pop()
        if st.update is not None:
            result = apply(st.update, [read(st.target), result], st.pos)  # type: ignore[arg-type]
        if st.target is not None:
            env[st.target] = result
            versions.setdefault(st.target, []).append(result)

    def output(name: str) -> tuple[str, int]:
        v = env[name]
        if type(v) is not int:  # a constant output is a node of its own
            v = versions[name][-1] = make("const", (v,))
        return name, v

    last = program.statements[-1]
    if outputs:
        for name in outputs:
            if name not in env:
                raise InputError(f"unknown output {name!r}; the program's names are: "
                                 + ", ".join(env))
        out_pairs = [output(name) for name in outputs]
    elif last.target is not None:
        out_pairs = [output(last.target)]
    else:
        code = last.code  # a bare name last (`...; z`) keeps that name as the output key
        key = str(code[0].arg) if len(code) == 1 and code[0].kind == "name" else ""
        out_pairs = [(key, result if type(result) is int else make("const", (result,)))]

    ids = _assign_ids(nodes, versions, inputs, set(env))
    node_t = tuple(Node(ids[i], op, args) for i, (op, args) in enumerate(nodes))
    out_t = tuple((key or ids[i], i) for key, i in out_pairs)
    edges = tuple(
        Edge(a, dst, slot)
        for dst, (op, args) in enumerate(nodes)
        for slot, a in enumerate(args)
        if type(a) is int
    )
    names = tuple(n for n in versions if n not in inputs or len(versions[n]) > 1)
    return Graph(src, node_t, tuple(inputs.items()), out_t, edges, names)


def _assign_ids(nodes: list, versions: dict[str, list[Operand]], inputs: dict[str, int],
                taken: set[str]) -> list[str]:
    ids: list[str | None] = [None] * len(nodes)
    for name, vs in versions.items():  # bare names first: the last version of each name
        last = vs[-1]
        if type(last) is int and ids[last] is None:
            ids[last] = name
    for name, vs in versions.items():  # then earlier versions: name.0 (the input), name.1, ...
        k = 0 if name in inputs else 1
        for v in vs[:-1]:
            if type(v) is int and ids[v] is None:  # versions with a name already are skipped
                ids[v] = f"{name}.{k}"
                k += 1
    gen = _generated_ids(taken)
    return [i if i is not None else next(gen) for i in ids]


def evaluate(graph: Graph, values: Mapping[str, float]) -> Evaluation:
    """Every node's value and every edge's local derivative at the point `values`."""
    nodes = graph.nodes
    vals: list[float] = [0.0] * len(nodes)
    missing = [name for name, _ in graph.inputs if name not in values]
    if missing:
        hint = ""
        if "e" in missing:
            hint = " (e is an ordinary name here; for Euler's number write exp(1))"
        raise InputError("missing value for " + ", ".join(missing) + hint
                         + "; give each input as NAME=VALUE")
    for name, i in graph.inputs:
        vals[i] = values[name]
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
