"""Batch: one graph, many points, one JSON line out per point.

`run_batch` builds and checks the graph once, reads points as JSON Lines (`{"a": 2}`)
or CSV with a header row, and writes one JSON object per point, in input order:
`{"value": .., "gradient": {..}}` for one output, `{"values": {..}, "jacobian": {..}}`
for several, with `"warnings": [..]` only on a line whose point hits a kink. A bad point
gives `{"line": N, "error": "..."}` and the batch goes on.

Every point is first tried on the graph compiled into straight-line Python (codegen.py).
Whatever that path cannot vouch for (a value of another type, an exception, a NaN or
infinity anywhere, a kink, a CSV cell that is not plain ASCII) goes to `analysis.grad` on that
point, so every line says what single-point `bpcalc grad` would say: the same errors and
warnings, and the same numbers, bit for bit, as its passes in doubles (`analysis.grad(...,
wide=False)`). On a small graph single-point `grad` carries its sums in wide numbers
(wide.py), so a batch number can differ from it in the last digit or two.

Decisions:
* Line numbers N are physical, 1-based, in the input: blank lines are skipped (they
  give no output line) but counted, and a CSV header is a line.
* A point names each input that has no NAME=VALUE constant exactly once. A JSON key that
  is not an input is an error for that line (as `grad` rejects an unknown NAME=VALUE);
  so is a key that a constant already gives. In CSV these are properties of the header,
  so a header column that is not an input, a constant, or a repeated column, and an
  input with neither a column nor a constant, stop the batch before any output
  (InputError, exit status 2).
* A value is a JSON number, or text read as a NAME=VALUE value would be (`"pi/4"`); a
  CSV cell is such text; an empty cell is a missing value.
* `--mode paths` uses the merged sum (reverse accumulation), as `grad --limit 0` does:
  listing paths per point would only be thrown away.
* The format is detected from the first non-blank line: `{` starts JSON Lines, anything
  else is a CSV header. A CSV row is one line (quoted cells may hold commas, not
  newlines).

Progress: `progress(n)` is called after every `chunk` input lines (1024 by default) and
at the end (the last count may come twice), with n the number of input lines read so far
(blank lines and the CSV header included), so the total for a progress bar is the file's
line count, `count_lines(path)`; for stdin there is no total. Output is written once per
chunk; pass `chunk=1` for a person typing points on a terminal.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from typing import Any, NamedTuple, TextIO, cast

from .. import analysis
from ..analysis import Analysis
from ..errors import BpcalcError, InputError, MathError
from ..numbers import number
from ..render import json_text
from ..results.fold import Folding
from . import codegen
from .points import (
    DECODE,
    Plan,
    cells,
    csv_header,
    csv_row,
    decoded,
    failing_header,
    first_line,
    json_point,
    shapes,
)

FORMATS = ("auto", "jsonl", "csv")
CHUNK = 1024
MAX_LINES = 100_000  # larger generated code takes seconds to compile: use the engine instead
_EXACT = 2.0**53
# CSV text that float() reads exactly as a NAME=VALUE value is read: printable ASCII
# without `_` (float("1_0") is 10) or quotes. Anything else goes to the exact engine.
_NOT_PLAIN = re.compile(r'[^\t\n\r !#-^`-~]')


class BatchSummary(NamedTuple):
    points: int  # non-blank data lines read; each gave one output line
    failed: int  # of which gave an error line


def count_lines(path: str) -> int:
    """The number of lines in a file (a last line without a newline counts), read fast."""
    n, last = 0, b"\n"
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def _plan(program: Analysis, constants: Mapping[str, str | float], mode: str,
          wrt: Sequence[str] | None, outputs: Sequence[str] | None) -> Plan:
    if mode not in analysis.MODES:
        raise InputError(f"unknown mode {mode!r}; choose one of {', '.join(analysis.MODES)}")
    graph = program.graph(outputs)
    pairs = list(analysis.wrt_inputs(graph, wrt).items())  # grad's checks before a point
    fixed = analysis.point(graph, constants)
    free = [(name, i) for name, i in graph.inputs if name not in fixed]
    return Plan(graph, mode, pairs, outputs, fixed, free)


def _template(plan: Plan, slot: str) -> str:
    """The output line as a %-template (each number a `slot`): output values, then the
    Jacobian row by row."""
    mark = "\0"  # where a number goes: no key can hold it
    folding = Folding.of(plan.graph)

    def fold(d: dict[str, Any]) -> Any:
        return d if folding is None else folding.mapping(d, inner=True)

    outs = [o for o, _ in plan.graph.outputs]
    grad = {w: mark for w, _ in plan.wrt}
    if len(outs) == 1:
        d: dict[str, Any] = {"value": mark, "gradient": fold(grad)}
    else:
        d = {"values": fold(dict.fromkeys(outs, mark)),
             "jacobian": fold({o: dict(grad) for o in outs})}
    text = json.dumps(d).replace("%", "%%").replace(json.dumps(mark), slot)
    return text + "\n"


def compile_points(plan: Plan, kind: str, columns: Sequence[int] = (),
                   spell: bool = True) -> Callable[[Any], str | None] | None:
    """The fast path: point (a JSON object, or a CSV row of cells) -> output line, or None
    when the exact engine must decide. None instead of a function if the graph is too big."""
    fixed = {i: plan.constants[name] for name, i in plan.graph.inputs if name in plan.constants}
    mode = "forward" if plan.mode == "forward" else "reverse"
    if not plan.graph.input_at:  # no inputs: each line says why, as single-point grad does
        return None
    try:
        body = codegen.straight_line(plan.graph, mode, plan.wrt, fixed, spell, MAX_LINES)
    except codegen.TooBig:
        return None
    env: dict[str, object] = {**body.env, "tpl": _template(plan, "%r"),
                              "tpl_s": _template(plan, "%s"), "num": number}
    head = ["def point(p):"]
    if kind == "jsonl":
        head.append(f"    if len(p) != {len(plan.free)}: return None")
        for k, (name, i) in enumerate(plan.free):
            env[f"k{k}"] = name
            head.append(f"    n{i} = p[k{k}]")
        names = [f"n{i}" for _, i in plan.free]
        for c in range(0, len(names), codegen.CHUNK):
            test = " or ".join(f"type({n}) is not float" for n in names[c:c + codegen.CHUNK])
            head.append(f"    if {test}: return None")
    else:
        head.append(f"    if len(p) != {len(columns)}: return None")
        head.extend(f"    n{i} = float(p[{col}])" for (_, i), col in zip(plan.free, columns))
    numbers = list(body.values.values())
    for row in body.jacobian.values():
        numbers.extend(row.values())
    # repr() is how JSON writes a float; an integral one (repr ends in ".0") is written as
    # an integer below 2^53, so only then is each number formatted on its own.
    # An entry that is 0 or subnormal may be a product that underflowed: the engine
    # looks again in wide numbers (wide.py), as single-point grad does.
    # So may a weight whose row has a `wide` formula be beyond a double: the engine takes
    # those again in wide numbers (evaluate.py).
    entries = [x for row in body.jacobian.values() for x in row.values() if x.isidentifier()]
    small = list(dict.fromkeys([*body.doubtful, *entries]))
    tiny = repr(sys.float_info.min)  # a literal: quicker than a global, and than -global
    near_zero = [f"-{tiny} < {x} < {tiny}" for x in small]
    tail = [f"    if {body.check} - {body.check} != 0.0: return None",
            *(f"    if {' or '.join(near_zero[c:c + codegen.CHUNK])}: return None"
              for c in range(0, len(small), codegen.CHUNK)),
            "    s = tpl % (" + "".join(f"{x}, " for x in numbers) + ")",
            '    if ".0," in s or ".0}" in s:',
            "        return tpl_s % (" + "".join(f"num({x}), " for x in numbers) + ")",
            "    return s"]
    text = "\n".join([*head, *("    " + line for line in body.lines), *tail]) + "\n"
    exec(compile(text, "<bpcalc batch>", "exec"), env)  # generated names and numbers only
    return cast(Callable[[Any], "str | None"], env["point"])


def _result_line(result: Any) -> str:
    """Single-point grad's numbers for one point, as one JSON line."""
    d = result.to_dict(["value", "gradient"] if result.single else ["values", "jacobian"])
    if result.warnings:
        d["warnings"] = list(result.warnings)
    return json_text.render(d) + "\n"


def _error_line(n: int, message: str) -> str:
    return json.dumps({"line": n, "error": message}) + "\n"


def _exact(plan: Plan, values: dict[str, str | float]) -> str:
    result = analysis.grad(plan.graph, {**plan.constants, **values}, plan.mode,
                           [w for w, _ in plan.wrt], limit=0, wide=False)
    return _result_line(result)


def _jsonl(plan: Plan) -> tuple[Callable[[str], Any], Callable[[str], str]]:
    """How a JSONL line reaches the compiled code (decoded, each family's array spread over
    its elements) and the exact engine."""
    def exact(line: str) -> str:
        return _exact(plan, json_point(plan, decoded(line)))

    folding = Folding.of(plan.graph)
    if folding is None:
        return DECODE, exact
    return (lambda line: folding.spread(DECODE(line))), exact


def _stream(lines: Iterator[str], n: int, out: TextIO,
            progress: Callable[[int], None] | None, chunk: int,
            fast: Callable[[Any], str | None] | None, prepare: Callable[[str], Any],
            exact: Callable[[str], str]) -> tuple[int, int, int]:
    """Answer the points of `lines` a chunk at a time: `fast(prepare(line))` where it
    answers (None or any exception: it does not), else `exact(line)`, whose BpcalcError
    is that line's error record; blank lines are skipped. Returns (points, failed, n)."""
    points = failed = 0
    for block in iter(lambda: list(islice(lines, chunk)), []):
        texts: list[str] = []
        for line in block:
            n += 1
            s = None
            if fast is not None:
                try:
                    s = fast(prepare(line))
                except Exception:  # anything unusual: the exact engine decides
                    s = None
            if s is None:
                if not line.strip():
                    continue
                try:
                    s = exact(line)
                except BpcalcError as exc:
                    s = _error_line(n, str(exc))
                    failed += 1
            texts.append(s)
        points += len(texts)
        out.write("".join(texts))
        if progress is not None:
            progress(n)
    return points, failed, n


def _csv_exact(plan: Plan, header: list[str], line: str,
               fast: Callable[[Any], str | None] | None) -> str:
    row = csv_row(header, line)
    if fast is not None and not any(_NOT_PLAIN.search(c) for c in row):
        try:
            s = fast(row)  # a quoted row of plain numbers
        except Exception:
            s = None
        if s is not None:
            return s
    return _exact(plan, cells(header, row))


def _plain_cells(line: str) -> list[str]:
    """A CSV line of plain numbers, split for the compiled code; anything else raises."""
    if _NOT_PLAIN.search(line) is not None:
        raise ValueError("not plain: the csv module reads it")
    return line.split(",")


def _all_failing(lines: Iterator[str], n: int, out: TextIO, message: str) -> BatchSummary:
    """Every point's error line when the program itself fails at its constants."""
    points = 0
    for line in lines:
        n += 1
        if line.strip():
            points += 1
            out.write(_error_line(n, message))
    return BatchSummary(points, points)


def run_batch(program: Analysis, lines: Iterable[str], fmt: str = "auto",
              constants: Mapping[str, str | float] | None = None, mode: str = "reverse",
              wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
              out: TextIO | None = None, progress: Callable[[int], None] | None = None,
              *, chunk: int = CHUNK, compiled: bool = True,
              spell: bool = True) -> BatchSummary:
    """Differentiate `program` at every point of `lines` (a text stream or any iterable of
    lines), writing one JSON line per point to `out` (default stdout).

    Raises InputError (exit status 2) for a bad expression, option, constant or CSV header,
    before any output. Bad points do not raise: they give error lines, counted in the
    summary's `failed`; a math error in the expression's own constants fails every point.
    For tests and benchmarks: `compiled=False` sends every point to the engine, and
    `spell=False` makes the compiled code call the op table for every op.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown batch format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = sys.stdout if out is None else out
    it = iter(lines)
    n, first = first_line(it)
    first = first[1:] if first and first.startswith("\ufeff") else first  # a byte order mark
    program = program.with_shapes(shapes(first) if first else {})  # a family's, from a row
    try:
        plan = _plan(program, program.flat(constants or {}), mode, wrt, outputs)
    except MathError as exc:  # a constant of the program fails (`z + log(0)`): every point
        failing = str(exc)
    else:
        failing = ""
    if first is None:
        if progress is not None:
            progress(n)
        return BatchSummary(0, 0)
    kind = fmt if fmt != "auto" else ("jsonl" if first.lstrip("\ufeff \t").startswith("{")
                                      else "csv")
    if failing:  # a bad constant or header is bad input, as for any program
        failing_header(program, constants or {}, first if kind == "csv" else None)
        return _all_failing(chain([first], it) if kind == "jsonl" else it,
                            n if kind == "jsonl" else n + 1, out, failing)
    if kind == "jsonl":
        fast = compile_points(plan, kind, (), spell) if compiled else None
        decode, exact = _jsonl(plan)
        points, failed, n = _stream(chain([first], it), n, out, progress, chunk, fast,
                                    decode, exact)
    else:
        header = csv_header(plan, first)
        where = {h: c for c, h in enumerate(header)}
        columns = [where[name] for name, _ in plan.free]
        fast = compile_points(plan, kind, columns, spell) if compiled else None
        points, failed, n = _stream(it, n + 1, out, progress, chunk, fast, _plain_cells,
                                    lambda line: _csv_exact(plan, header, line, fast))
    if progress is not None:
        progress(n)
    return BatchSummary(points, failed)
