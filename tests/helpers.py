"""The library's stages called from program text, as the tests use them.

Every command reads its text once (analysis.load) and hands the later stages the program
or its graph; these wrappers do the same for one call each, so a test reads as before.
"""

from __future__ import annotations

from typing import Any

from bpcalc import analysis, second
from bpcalc.analysis import load
from bpcalc.compile import batch as _batch
from bpcalc.graphs.builder import build as _build
from bpcalc.graphs.reader import read as _read
from bpcalc.text.parser import parse

MODES = analysis.MODES


def grad(source: str, values: Any, mode: str = "reverse", wrt: Any = None,
         outputs: Any = None, limit: int = 1000, with_cost: bool = False,
         wide: bool | None = None) -> Any:
    return analysis.grad(load(source).graph(outputs), values, mode, wrt, limit, with_cost,
                         wide)


def analyse(source: str, values: Any = None, mode: Any = None, wrt: Any = None,
            outputs: Any = None, limit: int = 1000, with_cost: bool = False) -> Any:
    return analysis.analyse(load(source).graph(outputs), values, mode, wrt, limit, with_cost)


def build(program: Any, outputs: Any = None) -> Any:
    """The graph of a parsed program, its outputs as given."""
    return _build(program).graph(outputs)


def read(source: str, outputs: Any = None, run: int | None = None) -> Any:
    """The graph of `source` by the general reader (`run`: the rows of a run that it reads
    in columns, as reader.read's `least`)."""
    return _read(source, least=run).graph(outputs) if run else _read(source).graph(outputs)


def check(source: str, values: Any, **kw: Any) -> Any:
    from bpcalc.symbolic.check import check as _check

    return _check(load(source), values, **kw)


def exact(source: str, values: Any, **kw: Any) -> Any:
    from bpcalc.symbolic.exact import exact as _exact

    return _exact(load(source), values, **kw)


def derive(source: str, values: Any = None, **kw: Any) -> Any:
    from bpcalc.symbolic.derive import derive as _derive

    return _derive(load(source), values, **kw)


def hessian_result(source: str, values: Any, **kw: Any) -> Any:
    return second.hessian_result(load(source), values, **kw)


def directional_result(source: str, values: Any, **kw: Any) -> Any:
    return second.directional_result(load(source), values, **kw)


def run_batch(source: str, lines: Any, *args: Any, **kw: Any) -> Any:
    return _batch.run_batch(load(source), lines, *args, **kw)


__all__ = ["MODES", "analyse", "build", "check", "derive", "directional_result", "exact", "grad",
           "hessian_result", "parse", "read", "run_batch"]


def json_numbers(data: Any) -> list[float | int]:
    """Every number in a decoded JSON value, at any depth (booleans left out)."""
    found: list[float | int] = []
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            stack += x.values()
        elif isinstance(x, list):
            stack += x
        elif isinstance(x, float | int) and not isinstance(x, bool):
            found.append(x)
    return found
