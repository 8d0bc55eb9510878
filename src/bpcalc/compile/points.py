"""The points of a batch and the rows of descend's data, as read from their text: JSON
Lines or CSV with a header (told by the first non-blank line), each checked as grad checks
NAME=VALUE arguments, with the same messages everywhere."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import Any, NamedTuple

from .. import analysis
from ..errors import InputError, MathError
from ..evaluate import missing_values
from ..graphs.graph import Graph
from ..results.fold import Folding
from ..text.arrays import Fill, nested
from ..text.values import kind


class Plan(NamedTuple):
    graph: Graph
    mode: str
    wrt: list[tuple[str, int]]
    outputs: Sequence[str] | None
    constants: dict[str, float]
    free: list[tuple[str, int]]  # inputs each point must give, in graph order


def shapes(first: str) -> dict[str, Fill]:
    """The shapes of the families that the first line of a batch or of data gives: a JSON
    row's arrays (`{"x": [1, 2]}`), a CSV header's elements (`x[1],x[2]`); each as a Fill
    that gives the family its shape (and no value). Anything unusual gives none: the rows
    are checked later, with their line numbers."""
    found: dict[str, Fill] = {}
    text = first.lstrip("\ufeff \t")
    if text.startswith("{"):
        try:
            row = DECODE(text)
        except (ValueError, RecursionError):
            return {}
        if type(row) is dict:
            for k, v in row.items():
                if type(v) is list:
                    try:
                        found[k] = Fill(nested(v, k).shape, "const", 0.0)
                    except InputError:
                        pass
        return found
    tops: dict[str, list[int]] = {}
    for cell in next(csv.reader([text]), []):
        m = _ELEMENT.fullmatch(cell.strip())
        if m is not None:
            at = [int(i) for i in m.group(2).split(",")]
            top = tops.setdefault(m.group(1), at)
            if len(top) == len(at):
                tops[m.group(1)] = [max(a, b) for a, b in zip(top, at)]
    return {k: Fill(tuple(v), "const", 0.0) for k, v in tops.items() if min(v) >= 1}


_ELEMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]")


def json_point(plan: Plan, p: Any) -> dict[str, str | float]:
    """A decoded JSON point -> values for analysis.grad, checked as grad checks NAME=VALUEs;
    a family's array spread over its elements."""
    if type(p) is not dict:
        raise InputError(f"expected a JSON object such as {{\"x\": 1}}, got {kind(p)}")
    folding = Folding.of(plan.graph)
    if folding is not None:
        p = folding.spread(p)
    analysis.point(plan.graph, {k: 0.0 for k in p if k not in plan.constants})  # unknown
    values: dict[str, str | float] = {}
    for k, v in p.items():
        if k in plan.constants:
            raise InputError(f"{k} is given a value twice: as {k}=VALUE and in the point")
        if type(v) is float:
            if v - v != 0.0:
                raise InputError(f"value of {k} is not a finite number: {v!r}")
        elif type(v) is not str:
            raise InputError(f"value of {k} is {kind(v)}, not a number")
        values[k] = v
    return values


DECODE = json.JSONDecoder(parse_int=float).decode  # ints as floats: "-0" reads as -0.0


def decoded(line: str) -> Any:
    """A JSON Lines line decoded, or the InputError that says why it is not JSON."""
    try:
        return DECODE(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:  # [[[[...]]]]: Python's decoder recurses once a level
        raise InputError("nested too deeply to be a point (one JSON object of NAME: "
                         'value, such as {"x": 1})') from None


def csv_header(plan: Plan, line: str) -> list[str]:
    """Check the header once: each column an input without a constant, each input a column."""
    header = [h.strip() for h in next(csv.reader([line.lstrip("\ufeff")]))]
    analysis.point(plan.graph, {h: 0.0 for h in header})  # every column must be an input
    return _header(header, plan.constants, [name for name, _ in plan.free])


class _Names:
    """A sink for build.builder.run that notes names only (every operand is 0): the inputs
    (read before any statement assigns them) in order, and the names assigned."""

    def __init__(self) -> None:
        self.inputs: dict[str, None] = {}
        self.assigned: set[str] = set()

    def literal(self, value: float) -> int:
        return 0

    def read(self, name: str) -> int:
        if name not in self.assigned:
            self.inputs[name] = None
        return 0

    def apply(self, op: str, args: list[int], pos: int) -> int:
        return 0

    def assign(self, name: str, value: int) -> None:
        self.assigned.add(name)


def names_of(program: analysis.Analysis) -> tuple[list[str], set[str]] | None:
    """The program's inputs and the names it assigns, from its text alone: for a program
    whose graph cannot be made (a constant of it fails), so that its inputs are still
    checked as any program's are. The text is parsed again (this is the failing path).
    None for a program with families: their inputs are known once their shapes are."""
    from ..graphs.builder import run
    from ..text.parser import parse

    parsed = parse(program.source)
    if not parsed.plain:
        return None
    sink = _Names()
    run(parsed, sink)
    return list(sink.inputs), sink.assigned


def failing_header(program: analysis.Analysis, constants: Mapping[str, object],
                   line: str | None) -> None:
    """The checks of NAME=VALUE constants and of a CSV header `line` (`csv_header`) for a
    program whose graph cannot be made (a constant of it fails, so every point will): bad
    input is bad input whatever the program's constants do (families aside: their inputs
    come with their shapes)."""
    found = names_of(program)
    if found is None:
        return
    inputs, names = found
    header = [] if line is None else [h.strip() for h in next(csv.reader([line.lstrip("\ufeff")]))]
    for h in [*constants, *header]:
        if h not in inputs:
            raise analysis.not_an_input(h, ", ".join(inputs) or "none", names)
    if line is not None:
        _header(header, constants, [name for name in inputs if name not in constants])


def _header(header: list[str], constants: Mapping[str, object], free: list[str]) -> list[str]:
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise InputError(f"the CSV header names {h} twice")
        if h in constants:
            raise InputError(f"{h} is given a value twice: as {h}=VALUE and as a CSV column")
        seen.add(h)
    missing = [name for name in free if name not in seen]
    if missing:
        raise InputError("missing value for " + ", ".join(missing)
                         + ": give each input a CSV column or a NAME=VALUE")
    return header


def csv_row(header: list[str], line: str) -> list[str]:
    try:
        row = next(csv.reader([line]))
    except csv.Error as exc:
        raise InputError(f"not a CSV row: {exc}") from None
    if len(row) != len(header):
        raise InputError(f"this line has {len(row)} field{'s' if len(row) != 1 else ''}; "
                         f"the header has {len(header)}")
    return row


def cells(header: list[str], row: list[str]) -> dict[str, str | float]:
    return {h: c.strip() for h, c in zip(header, row) if c.strip()}  # empty: missing


def first_line(lines: Iterator[str]) -> tuple[int, str | None]:
    """Skip blank lines: (how many, the first non-blank line or None at the end)."""
    n = 0
    for line in lines:
        if line.strip().lstrip("\ufeff"):
            return n, line
        n += 1
    return n, None


def read_rows(graph: Graph, given: Mapping[str, float], columns: Sequence[str],
              lines: Iterable[str], learning: Sequence[str] = (),
              most: int = 20) -> list[tuple[float, ...]]:
    """Data rows read as the points of a batch are (`bpcalc descend --data`): JSON Lines or
    CSV with a header, told by the first non-blank line; each row the values of `columns`
    in that order. `given` are the inputs with a value already (NAME=VALUE, and the start
    of each `learning` parameter), which a row may not give again. The header's problems
    stop the reading at once; bad rows are each reported, `line N: why`, the first `most`
    of them in one InputError; no rows at all is an InputError too."""
    plan = Plan(graph, "reverse", [], None, dict(given),
                 [(c, graph.input_at[c]) for c in columns])
    it = iter(lines)
    n, first = first_line(it)
    if first is None:
        raise InputError("the data has no rows: it is empty")
    first = first[1:] if first.startswith("\ufeff") else first  # a byte order mark
    rows: list[tuple[float, ...]] = []
    errors: list[str] = []

    def learns(names: Iterable[str]) -> None:
        said = [name for name in names if name in learning]
        if said:
            raise InputError(f"{', '.join(said)} learns (its start is in --params): the data "
                             "cannot give it")

    in_csv = not first.lstrip(" \t").startswith("{")
    if not in_csv:
        numbered: Iterable[tuple[int, str]] = enumerate(chain([first], it), n + 1)

        def values(line: str) -> dict[str, str | float]:
            p = decoded(line)
            if type(p) is dict:
                learns(p)
            return json_point(plan, p)
    else:
        header = [h.strip() for h in next(csv.reader([first]))]
        learns(header)
        header = csv_header(plan, first)
        numbered = enumerate(it, n + 2)

        def values(line: str) -> dict[str, str | float]:
            return cells(header, csv_row(header, line))
    for k, line in numbered:
        if not line.strip():
            continue
        try:
            at = analysis.point(graph, {**given, **values(line)})
            missing = [c for c in columns if c not in at]
            if missing:
                raise missing_values(missing)
            rows.append(tuple(at[c] for c in columns))
        except (InputError, MathError) as exc:
            errors.append(f"line {k}: {exc}")
            if len(errors) >= most:
                errors.append("(the lines after it were not read)")
                break
    if errors:
        raise InputError("bad data:\n  " + "\n  ".join(errors))
    if not rows:
        raise InputError("the data has no rows" + (": only a header" if in_csv else ""))
    return rows


