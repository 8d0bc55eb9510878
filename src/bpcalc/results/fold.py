"""Families in JSON: the numbers of a family's elements (`W1[2,1]`) folded under its name as
nested lists (`"W1": [[..], [..]]`), wherever every element of the family is there: inputs,
values, gradients, Jacobian rows (and the rows themselves, one per output element). A
mapping that has only some elements of a family (`--wrt W1[2,1]`) keeps them by name.
Scalar programs have no families, and their JSON is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..graphs.graph import Graph


class Group(NamedTuple):
    """What the folded views show as one row: a family (an input family, or a computed one
    with every node its statement made) or a scalar statement with the unnamed steps
    that make it, or a scalar input."""

    name: str
    shape: tuple[int, ...]  # () for a scalar
    definition: str  # "input", or the statement(s) as written
    elements: tuple[int, ...]  # the node of each element, row-major (a scalar: one)
    nodes: tuple[int, ...]  # every node of the group, in evaluation order


class Folding:
    """Each family's shape and its element names, row-major, read from a graph; and, made
    on first use, the groups of nodes that the folded views show one row each."""

    def __init__(self, shapes: Mapping[str, tuple[int, ...]],
                 names: Mapping[str, list[str]], graph: Graph | None = None) -> None:
        self.shapes = shapes
        self.names = names
        self.first = {ns[0]: f for f, ns in names.items() if ns}  # first element -> family
        self._graph = graph
        self._groups: tuple[list[Group], list[int]] | None = None
        self._element: list[bool] | None = None

    @property
    def groups(self) -> list[Group]:
        """The groups in evaluation order (of their first node)."""
        return self._grouped()[0]

    @property
    def is_element(self) -> list[bool]:
        """Whether each node is a group's element (a named value), not a step between."""
        if self._element is None:
            self._element = [False] * len(self.owner)
            for g in self.groups:
                for v in g.elements:
                    self._element[v] = True
        return self._element

    @property
    def owner(self) -> list[int]:
        """The group of each node (an index into `groups`)."""
        return self._grouped()[1]

    def _grouped(self) -> tuple[list[Group], list[int]]:
        if self._groups is None:
            assert self._graph is not None, "a Folding read from a graph"
            self._groups = groups_of(self._graph)
        return self._groups

    @classmethod
    def of(cls, graph: Graph) -> Folding | None:
        """The graph's families, or None for a program of scalars alone."""
        if not graph.families:
            return None
        shapes: dict[str, tuple[int, ...]] = {}
        names: dict[str, list[str]] = {}
        for name, family in graph.families.items():
            keys = sorted(family.elements)
            if not keys or family.shape is None:
                continue
            count = 1
            for s in family.shape:
                count *= s
            if len(keys) != count:
                continue  # a family with holes is listed element by element
            shapes[name] = family.shape
            names[name] = [f"{name}[{','.join(map(str, k))}]" for k in keys]
        return cls(shapes, names, graph)

    def mapping(self, d: Mapping[str, Any], inner: bool = False) -> dict[str, Any]:
        """`d` with each whole family's entries folded into nested lists, where its first
        element was; `inner`: fold each value too (a Jacobian's rows)."""
        out: dict[str, Any] = {}
        first = self.first
        for key, v in d.items():
            family = first.get(key)
            if family is not None and all(n in d for n in self.names[family]):
                out[family] = self.nest([d[n] for n in self.names[family]], family, inner)
                continue
            if family is None and "[" in key and key.partition("[")[0] in out:
                continue  # an element of a family folded above
            out[key] = self.mapping(v) if inner and isinstance(v, Mapping) else v
        return out

    def nest(self, items: Sequence[Any], family: str, inner: bool = False) -> list[Any]:
        """Row-major items -> nested lists of the family's shape."""
        flat: list[Any] = [self.mapping(v) if inner and isinstance(v, Mapping) else v
                           for v in items]
        for n in reversed(self.shapes[family][1:]):
            flat = [flat[i:i + n] for i in range(0, len(flat), n)]
        return flat

    def spread(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` with each family's value (an Array, a Fill, nested lists from JSON, or
        one number for all) spread over its elements: `z=[1,0,0]` gives z[1], z[2], z[3]."""
        from ..text.arrays import flat, nested

        out: dict[str, Any] = {}
        for name, v in values.items():
            if name in self.names:
                if type(v) is list:
                    v = nested(v, name)
                out.update(zip(self.names[name], flat(v, self.shapes[name], name)))
            else:
                out[name] = v
        return out

    def keys(self, names: Sequence[str]) -> list[str]:
        """Output or input names with each whole family's elements as its one name."""
        present = set(names)
        out: list[str] = []
        for name in names:
            family = self.first.get(name)
            if family is not None and all(n in present for n in self.names[family]):
                out.append(family)
            elif not (family is None and "[" in name and name.partition("[")[0] in out):
                out.append(name)
        return out


def _statements(source: str) -> list[tuple[str, str]]:
    """(target name, statement as written) for each statement, comments left out."""
    out = []
    for line in source.splitlines():
        for st in line.split("#")[0].split(";"):
            st = st.strip()
            target = st.split("=")[0].split("[")[0].strip().rstrip("+-*/")
            if st and "=" in st and "(" not in st.split("=")[0]:  # not sq(u) = u*u
                out.append((target, st))
    return out


def groups_of(graph: Graph) -> tuple[list[Group], list[int]]:
    """Every node in one group: input families and scalar inputs; each family with the
    nodes its statements made (graph.origins); each named scalar with the unnamed nodes
    made since the last named one (a statement's steps); anything left, one group."""
    n = len(graph.keys)
    owner = [-1] * n
    members: list[list[int]] = []
    heads: list[tuple[str, tuple[int, ...], str, list[int]]] = []  # name, shape, text, elements
    by_name: dict[str, int] = {}
    texts = _statements(graph.source)
    said: dict[str, list[str]] = {}
    for target, st in texts:
        said.setdefault(target, []).append(st)

    def group(name: str, shape: tuple[int, ...], definition: str) -> int:
        if name not in by_name:
            by_name[name] = len(heads)
            heads.append((name, shape, definition, []))
            members.append([])
        return by_name[name]

    families = graph.families
    for name, at in graph.input_at.items():
        base = name.partition("[")[0]
        if "[" in name and base in families:
            g = group(base, families[base].shape or (), "input")
        else:
            g = group(name, (), "input")
            heads[g][3].append(at)
        owner[at] = g
    for name, family in families.items():
        if family.input:
            k = by_name.get(name)
            if k is not None:  # its elements, row-major
                heads[k][3].extend(family.elements[key] for key in sorted(family.elements)
                                   if family.elements[key] >= 0)
    for start, target, defined in graph.origins:
        made = families[target]
        ends = [made.elements[key] for key in defined if made.elements.get(key, -1) >= 0]
        if not ends:
            continue
        g = group(target, made.shape or (), "; ".join(said.get(target, [])) or target)
        for v in range(start, max(ends) + 1):
            if owner[v] < 0:
                owner[v] = g
    for name, family in families.items():
        if not family.input and name in by_name:
            heads[by_name[name]][3].extend(family.elements[key] for key in sorted(family.elements)
                                           if family.elements[key] >= 0)
    ids = graph.ids
    named = set(graph.names)
    pending: list[int] = []
    for v in range(n):
        if owner[v] >= 0:
            continue
        pending.append(v)
        base = ids[v].partition(".")[0]
        if ids[v] in named or (base in named and "." in ids[v]):
            text = said.get(base, [])
            g = group(ids[v], (), text[0] if len(text) == 1 else "")
            heads[g][3].append(v)
            for u in pending:
                owner[u] = g
            pending = []
    if pending:  # a bare expression's steps after the last name: its output's group
        g = group(ids[pending[-1]], (), "")
        heads[g][3].append(pending[-1])
        for u in pending:
            owner[u] = g
    for v in range(n):
        members[owner[v]].append(v)
    order = sorted(range(len(heads)), key=lambda k: members[k][0] if members[k] else n)
    rank = {k: i for i, k in enumerate(order)}
    out = [Group(heads[k][0], heads[k][1], heads[k][2], tuple(heads[k][3]), tuple(members[k]))
           for k in order]
    return out, [rank[k] for k in owner]
