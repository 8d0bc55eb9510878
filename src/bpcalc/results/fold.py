"""Families in JSON: the numbers of a family's elements (`W1[2,1]`) folded under its name as
nested lists (`"W1": [[..], [..]]`), wherever every element of the family is there: inputs,
values, gradients, Jacobian rows (and the rows themselves, one per output element). A
mapping that has only some elements of a family (`--wrt W1[2,1]`) keeps them by name.
Scalar programs have no families, and their JSON is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..graphs.graph import Graph


class Folding:
    """Each family's shape and its element names, row-major, read from a graph."""

    def __init__(self, shapes: Mapping[str, tuple[int, ...]],
                 names: Mapping[str, list[str]]) -> None:
        self.shapes = shapes
        self.names = names
        self.first = {ns[0]: f for f, ns in names.items() if ns}  # first element -> family

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
        return cls(shapes, names)

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
