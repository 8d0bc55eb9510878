"""Values as the user writes them: NAME=VALUE arguments, `--direction x=1,y=-2` lists, and
the JSON objects of `--point` and `--batch`.

A value is a number or a constant expression (`pi/4`, `-1/3`): plain numbers are read by
float(), anything else by bpcalc's own parser and folded by the graph builder.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from .arrays import Array, Fill, family_value, nested, shaped_name

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[a-z][₀-₉]+")  # a name, or a generated id (v₁)
_KINDS = {bool: "a boolean", type(None): "null", list: "an array", dict: "an object",
          str: "a string", float: "a number", int: "a number"}


def parse_value(text: str, name: str) -> float:
    """A NAME=VALUE value: a number or a constant expression such as pi/4 or -1/3."""
    v = plain_number(text)
    if v is not None:
        return v
    from ..graphs.builder import build  # only for constant expressions
    from .parser import parse

    try:
        program = parse(text)
    except InputError as exc:
        raise InputError(f"value of {name} is not a number or a constant expression: "
                         f"{text!r} ({exc})") from None
    graph = build(program).graph()
    if graph.inputs or len(program.statements) != 1 or program.statements[0].target:
        raise InputError(f"value of {name} must be a number or a constant expression "
                         f"such as pi/4, got {text!r}")
    ((_, out),) = graph.outputs
    return graph.consts[~graph.keys[out][1]]  # a constant's node: ("const", ~c)


def plain_number(text: str) -> float | None:
    """The value of a plain number (`2`, `-0.5`, `1e-3`), else None. ASCII, no '_' and no
    spaces, float() reads what the grammar reads (and inf or nan, which are not numbers)."""
    if text.isascii() and "_" not in text and text == text.strip():
        try:
            v = float(text)
        except ValueError:
            return None
        if math.isfinite(v):
            return v
    return None


def _pair(item: str) -> tuple[str, Any] | None:
    """`x=1` -> ("x", "1"); `x=[1,2]` and `W[2,3]=uniform(-1,1)` -> the name and an Array or
    a Fill (arrays.py); None unless a name, '=' and a value."""
    name, eq, value = item.partition("=")
    name, value = name.strip(), value.strip()
    if not eq or not value:
        return None
    shape = None
    if not _NAME.fullmatch(name):
        shaped = shaped_name(name)
        if shaped is None:
            return None
        name, shape = shaped
    family = family_value(name, value, shape)
    return name, value if family is None else family


def assignments(items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The command line's NAME=VALUE arguments: the value texts as given, or an Array or a
    Fill for a family (arrays.py)."""
    values: dict[str, Any] = {}
    for item in items:
        pair = _pair(item)
        if pair is None:
            hint = "" if "=" in item else " (to read the expression from a file, use -f FILE)"
            raise InputError(f"expected NAME=VALUE, got {item!r}{hint}")
        if pair[0] in values:
            raise InputError(f"{pair[0]} is given a value twice")
        values[pair[0]] = pair[1]
    return values


def _split_top(text: str) -> list[str]:
    """Split at commas outside parentheses and brackets: `x=max(1, 2),y=[3,4]` has two
    entries."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_pairs(text: str, option: str, families: bool = False) -> dict[str, Any]:
    """`x=1,y=-2` -> {"x": 1.0, "y": -2.0}; values may be constant expressions (pi/4), and
    with `families` arrays and fills (`W[16,2]=uniform(-1,1)`), kept as Array and Fill."""
    pairs: dict[str, Any] = {}
    for item in _split_top(text):
        pair = _pair(item)
        if pair is None:
            raise InputError(f"{option} expects NAME=VALUE pairs separated by commas, "
                             f"such as x=1,y=-2; got {item.strip()!r} in {text!r}")
        name, value = pair
        if name in pairs:
            raise InputError(f"{option} gives {name} twice")
        if not isinstance(value, str):
            if not families:
                raise InputError(f"{option} takes numbers: {name} is given an array or a fill")
            pairs[name] = value
            continue
        if re.search(r"\s[A-Za-z_]\w*\s*=", value):  # `w=0 b=0`: pairs apart by a space
            raise InputError(f"{option} expects NAME=VALUE pairs separated by commas, such "
                             f"as x=1,y=-2; got {text!r}: put a comma between the pairs")
        try:
            pairs[name] = parse_value(value, name)
        except InputError as exc:
            raise InputError(f"{option}: {exc}") from None
    return pairs


def numbers(values: Mapping[str, Any]) -> dict[str, float]:
    """Value texts (or numbers already) as numbers."""
    out: dict[str, float] = {}
    for k, v in values.items():
        if isinstance(v, Array | Fill):
            raise InputError(f"{k} is given an array, but the program reads it as a scalar")
        out[k] = v if isinstance(v, float) else parse_value(str(v), k)
    return out


def kind(v: Any) -> str:
    """How JSON names the type of a decoded value: `a string`, `null`, ..."""
    return _KINDS.get(type(v), type(v).__name__)


def _no_twice(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out = dict(pairs)
    if len(out) < len(pairs):  # a name twice: the first seen again is the one to name
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise InputError(f"{name} is given a value twice in --point")
            seen.add(name)
    return out


def point_object(text: str, where: str) -> dict[str, Any]:
    """--point: a JSON object of NAME: number, NAME: "constant expression", or NAME: an
    array of those (a family's value, an Array)."""
    import json  # only for --point: --help and a plain grad need not load it

    try:
        data = json.loads(text, parse_int=float,  # ints as floats: "-0" reads as -0.0
                          object_pairs_hook=_no_twice)
    except json.JSONDecodeError as exc:
        raise InputError(f"--point: {where} is not valid JSON: {exc.msg} at line "
                         f"{exc.lineno}, column {exc.colno}") from None
    except RecursionError:  # [[[[...]]]]: Python's decoder recurses once a level
        raise InputError(f"--point: {where} is nested too deeply to be a point "
                         '(one JSON object of NAME: value, such as {"x": 1})') from None
    if type(data) is not dict:
        raise InputError(f'--point: {where} must hold one JSON object such as {{"x": 1}}')
    for name, v in data.items():
        if type(v) is float:
            if v - v != 0.0:
                raise InputError(f"value of {name} is not a finite number: {v!r}")
        elif type(v) is list:
            data[name] = nested(v, name)
        elif type(v) is not str:
            raise InputError(f"value of {name} in {where} must be a number, a string such as "
                             f"\"pi/4\" or an array, got {json.dumps(v)}")
    return data
