"""What `grad` computed, as plain immutable data, with `to_dict()` in the JSON schema's order."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, overload

if TYPE_CHECKING:
    from ..cost import Cost
    from .fold import Folding

# version 2: a family's numbers are nested lists under its name (results/fold.py)
SCHEMA, VERSION = "bpcalc/grad", 2

T = TypeVar("T")


class Lazy(Sequence[T]):
    """A read-only sequence whose items are made when read: a million-node result costs
    nothing for the nodes and edges nobody looks at."""

    __slots__ = ("_n", "_make")

    def __init__(self, n: int, make: Callable[[int], T]) -> None:
        self._n, self._make = n, make

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[T, ...]: ...

    def __getitem__(self, i: int | slice) -> T | tuple[T, ...]:
        if isinstance(i, slice):  # a tuple, as slicing the tuple it stands for gives
            return tuple(self._make(j) for j in range(*i.indices(self._n)))
        k = i + self._n if i < 0 else i
        if not 0 <= k < self._n:
            raise IndexError(f"index {i} out of range for {self._n} items")
        return self._make(k)

    def __repr__(self) -> str:
        return f"Lazy({self._n} items)"

    def __iter__(self) -> Iterator[T]:
        return map(self._make, range(self._n))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self) -> int:
        raise TypeError("unhashable type: 'Lazy' (it is equal to a tuple of its items)")


class NodeInfo(NamedTuple):
    id: str
    op: str
    expr: str  # definition over operand ids: "a + b"
    value: float | None  # None when the graph was built without a point


class EdgeInfo(NamedTuple):
    src: str
    dst: str
    local: str  # the local derivative as formula text over node ids
    value: float | None


class PathInfo(NamedTuple):
    input: str
    output: str
    nodes: tuple[str, ...]
    factors: tuple[float, ...]  # the edge weights along the path
    product: float


class GradResult(NamedTuple):
    expression: str
    mode: str  # "reverse", "forward", "paths", or "" when nothing was accumulated
    inputs: Mapping[str, float | None]
    wrt: tuple[str, ...]
    outputs: tuple[str, ...]
    values: dict[str, float]
    jacobian: dict[str, dict[str, float]]  # output -> wrt input -> derivative
    nodes: Sequence[NodeInfo]
    edges: Sequence[EdgeInfo]
    # reverse: per node, per output; forward: per node, per input (None: undefined there,
    # off the paths asked for, see analysis._undefined_beyond)
    adjoints: Sequence[dict[str, float | None]] | None = None
    tangents: Sequence[dict[str, float | None]] | None = None
    path_counts: dict[str, dict[str, int]] | None = None  # paths: output -> input -> count
    paths: tuple[PathInfo, ...] = ()
    paths_truncated: bool = False
    warnings: tuple[str, ...] = ()
    cost: Cost | None = None  # what each mode costs here, when asked for
    output_nodes: tuple[int, ...] = ()  # the node index of each output key
    input_nodes: tuple[int, ...] = ()  # the node index of each input, in `inputs` order
    folding: Folding | None = None  # the program's families, folded in JSON

    def node_of_input(self, name: str) -> int:
        return self.input_nodes[list(self.inputs).index(name)]

    @property
    def single(self) -> bool:
        return len(self.outputs) == 1

    @property
    def evaluated(self) -> bool:
        return not self.nodes or self.nodes[0].value is not None

    def graph_dict(self) -> dict[str, Any]:
        """The graph alone (`bpcalc graph --format json`): nodes and edges, values if known.
        Nodes and edges are Lazy: `json_text.write` streams them, one at a time."""
        keep = self.evaluated

        def node(i: int) -> dict[str, Any]:
            n = self.nodes[i]
            nd: dict[str, Any] = {"id": n.id, "op": n.op}
            if n.op != "input":
                nd["expr"] = n.expr
            if keep:
                nd["value"] = _json_number(n.value)
            return nd

        def edge(k: int) -> dict[str, Any]:
            e = self.edges[k]
            ed: dict[str, Any] = {"from": e.src, "to": e.dst, "local": e.local}
            if keep:
                ed["value"] = _json_number(e.value)
            return ed

        return {"schema": "bpcalc/graph", "version": VERSION, "expression": self.expression,
                "inputs": self._fold(self.inputs), "outputs": self._keys(self.outputs),
                "nodes": Lazy(len(self.nodes), node), "edges": Lazy(len(self.edges), edge)}

    def fields(self) -> list[str]:
        """The keys of `to_dict()`, in order, without building it."""
        keys = ["schema", "version", "expression", "mode", "inputs", "outputs", "values",
                "jacobian"]
        keys += ["value", "gradient"] if self.single else []
        keys += ["nodes", "edges"]
        if self.path_counts is not None:
            keys += ["path_count"] if self.single else []
            keys += ["path_counts", "paths", "paths_truncated"]
        return keys + ["warnings"]

    def to_dict(self, fields: Collection[str] | None = None,
                lazy: bool = False) -> dict[str, Any]:
        """The grad JSON object; with `fields`, only those keys (the others are never built,
        so `value,gradient` of a million-node graph costs no node list). With `lazy`, the
        nodes, edges and paths are Lazy sequences of dicts, made as `json_text.write`
        streams them; otherwise lists."""
        want = self.fields() if fields is None else [k for k in self.fields() if k in fields]
        d: dict[str, Any] = {}
        for key in want:
            v = self._field(key)
            d[key] = list(v) if isinstance(v, Lazy) and not lazy else v
        return d

    def _field(self, key: str) -> Any:
        first = self.outputs[0]
        if key == "nodes":
            return Lazy(len(self.nodes), self._node)
        if key == "edges":
            return Lazy(len(self.edges), self._edge)
        if key == "paths":
            return Lazy(len(self.paths), self._path)
        simple = {
            "schema": lambda: SCHEMA, "version": lambda: VERSION,
            "expression": lambda: self.expression, "mode": lambda: self.mode,
            "inputs": lambda: self._fold(self.inputs), "outputs": lambda: self._keys(self.outputs),
            "values": lambda: self._fold(self.values),
            "jacobian": lambda: self._fold(self.jacobian, inner=True),
            "value": lambda: self.values[first],
            "gradient": lambda: self._fold(self.jacobian[first]),
            "path_count": lambda: (self.path_counts or {})[first],
            "path_counts": lambda: self.path_counts,
            "paths_truncated": lambda: self.paths_truncated,
            "warnings": lambda: list(self.warnings),
        }
        return simple[key]()

    def _fold(self, d: Mapping[str, Any], inner: bool = False) -> Any:
        return d if self.folding is None else self.folding.mapping(d, inner)

    def _keys(self, names: Sequence[str]) -> list[str]:
        return list(names) if self.folding is None else self.folding.keys(names)

    def _node(self, i: int) -> dict[str, Any]:
        n = self.nodes[i]
        nd: dict[str, Any] = {"id": n.id, "op": n.op}
        if n.op != "input":
            nd["expr"] = n.expr
        nd["value"] = _json_number(n.value)
        if self.adjoints is not None:
            nd["adjoint"] = _finite(self.adjoints[i])
        if self.tangents is not None:
            nd["tangent"] = _finite(self.tangents[i])
        return nd

    def _edge(self, k: int) -> dict[str, Any]:
        e = self.edges[k]
        # null: undefined (and unneeded), or beyond a double (a warning says how far)
        return {"from": e.src, "to": e.dst, "local": e.local, "value": _json_number(e.value)}

    def _path(self, k: int) -> dict[str, Any]:
        p = self.paths[k]
        return {"input": p.input, "output": p.output, "nodes": list(p.nodes),
                "product": _json_number(p.product)}


def _json_number(x: float | None) -> float | None:
    """JSON has no infinity or NaN: a value, local derivative or path product beyond a
    double (a warning says how large), or undefined, is null."""
    return x if x is None or math.isfinite(x) else None


def _finite(column: dict[str, float | None]) -> dict[str, float | None]:
    """JSON has no infinity: an adjoint or tangent beyond a double (a warning says how
    large) is null, as an undefined one is."""
    return {k: None if v is not None and math.isinf(v) else v for k, v in column.items()}
