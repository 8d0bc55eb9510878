"""One command's request, built once: the program (read once), its values as given and
spread over each family's elements, the inputs to differentiate by, the outputs and the
mode. The CLI builds it from its arguments, the Python API from a call's; every engine
stage takes it (or its program and point), never the text again.

A value is given as in a `--point` file: a number, the text of a constant expression
(`"pi/4"`), nested lists for a family (`[[1, 2], [3, 4]]`, or anything with `.tolist()`,
such as a NumPy array), or a fill (`"uniform(-1,1)"`, drawn with the seed; a shape in
the name, `"W[16,2]"`, as on the command line).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..graphs.graph import Graph

Names = str | Sequence[str] | None  # "x,y", ["x", "y"] or None (all)


class Request:
    """What a command computes: `program` at `given` (values as given: numbers, texts, a
    family's Array or Fill, fills drawn with `seed`), for `outputs` (None: the last
    statement), by `wrt` (None: every input), in `mode` (None where the command has none)."""

    def __init__(self, program: Analysis, given: Mapping[str, Any], *,
                 wrt: list[str] | None = None, outputs: list[str] | None = None,
                 mode: str | None = None, seed: int = 0) -> None:
        self.program, self.given = program, dict(given)
        self.wrt, self.outputs, self.mode, self.seed = wrt, outputs, mode, seed

    @cached_property
    def point(self) -> dict[str, Any]:
        """The values as the passes read them: each family's spread over its elements."""
        return self.program.flat(self.given)

    @property
    def graph(self) -> Graph:
        """The graph of the outputs asked for (built once, by the program)."""
        return self.program.graph(self.outputs)


def request(source: str, given: Mapping[str, Any], *, wrt: Names = None,
            output: Names = None, mode: str | None = None, seed: int = 0,
            max_nodes: int | None = None) -> Request:
    """The request for `source` at `given` (values as `text.values.assignments` makes them:
    texts, floats, Arrays and Fills); fills are drawn with `seed`."""
    from ..analysis import load
    from ..text.arrays import Fill, seeded

    if any(type(v) is Fill for v in given.values()):
        given = seeded(given, seed)
    return Request(load(source, given, max_nodes), given, wrt=names(wrt, "--wrt"),
                   outputs=names(output, "--output"), mode=mode, seed=seed)


def names(value: Names, option: str) -> list[str] | None:
    """`wrt=` and `output=`: "x,y", a sequence of names, or None."""
    if value is None:
        return None
    listed = [v.strip() for v in value.split(",")] if isinstance(value, str) else \
        [str(v) for v in value]
    if not all(listed):
        raise InputError(f"{option}: expected names separated by commas, got {value!r}")
    return listed


def python_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values from Python (see the module) as the command line's NAME=VALUE pairs give
    them: floats, texts, Arrays and Fills."""
    from ..text.arrays import nested
    from ..text.values import assignments

    out: dict[str, Any] = {}
    for name, v in values.items():
        if hasattr(v, "tolist"):  # a NumPy array or number
            v = v.tolist()
        if isinstance(v, bool) or not isinstance(v, int | float | str | list | tuple):
            raise InputError(f"value of {name} must be a number, a string such as \"pi/4\" "
                             f"or a list, got {v!r}")
        if isinstance(v, str) or "[" in name:
            ((key, given),) = assignments([f"{name}={v}"]).items()
        elif isinstance(v, list | tuple):
            key, given = name, nested(_lists(v), name)
        else:
            if not math.isfinite(v):
                raise InputError(f"value of {name} is not a finite number: {v!r}")
            key, given = name, float(v)
        if key in out:
            raise InputError(f"{key} is given a value twice")
        out[key] = given
    return out


def _lists(v: Sequence[Any]) -> list[Any]:
    """Nested tuples as nested lists (arrays.nested reads lists)."""
    return [_lists(x) if isinstance(x, tuple | list) else x for x in v]


def merged(point: Mapping[str, Any] | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """A call's `point` mapping and its keyword values, as one set of values."""
    if not point:
        return python_values(values)
    twice = [n for n in point if n in values]
    if twice:
        raise InputError(f"{twice[0]} is given a value twice: as a keyword and in the point")
    return python_values({**point, **values})
