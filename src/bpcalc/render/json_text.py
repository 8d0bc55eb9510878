"""Result -> JSON text in the spec's schema: integers where exact, never NaN or infinity."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import compress
from typing import Any, TextIO

_EXACT = 2.0**53


def _number(x: float) -> float | int:
    return int(x) if x.is_integer() and -_EXACT < x < _EXACT else x


def normalize(obj: Any) -> Any:
    """Integral floats below 2^53 become ints (`6`, not `6.0`); the schema is a few levels deep.
    Floats and strings inside a dict or list are handled in place: a million-node result
    has millions of them."""
    t = type(obj)
    if t is float:
        return _number(obj)
    if t is dict:
        values = obj.values()
        # Many floats (a gradient of 10^5 inputs): copy the dict whole and change only its
        # integral values. On a node's few keys the comprehension below is the quicker.
        if len(obj) > 8 and set(map(type, values)) == {float}:
            out = dict(obj)
            for k in compress(obj, map(float.is_integer, values)):
                out[k] = _number(out[k])
            return out
        return {k: _number(v) if type(v) is float else v if type(v) is str else normalize(v)
                for k, v in obj.items()}
    if t is list or (isinstance(obj, Sequence) and t is not str and t is not tuple):
        return [_number(v) if type(v) is float else v if type(v) is str else normalize(v)
                for v in obj]
    if isinstance(obj, float):  # a float or dict of another type: the slow, general way
        return _number(float(obj))
    if isinstance(obj, dict):
        return {k: normalize(v) for k, v in obj.items()}
    return obj


def render(data: dict[str, Any], pretty: bool = False) -> str:
    """One JSON object; `allow_nan=False` makes a stray NaN a loud bug, not bad JSON."""
    return json.dumps(normalize(data), indent=2 if pretty else None, allow_nan=False)


def write(data: dict[str, Any], out: TextIO, pretty: bool = False) -> None:
    """`render(data, pretty)` and a newline, written to `out`. Compact, each list-like value
    other than a list (the Lazy nodes and edges of a big graph) is streamed one item at a
    time, so the whole text, and the dict of every node, never sit in memory at once."""
    if pretty:
        out.write(render(data, pretty=True) + "\n")
        return
    dumps = json.JSONEncoder(allow_nan=False).encode
    out.write("{")
    for i, (key, value) in enumerate(data.items()):
        out.write((", " if i else "") + dumps(key) + ": ")
        if type(value) in (list, str, tuple) or not isinstance(value, Sequence):
            out.write(dumps(normalize(value)))
            continue
        out.write("[")
        chunk: list[str] = []
        for k, item in enumerate(value):
            chunk.append((", " if k else "") + dumps(normalize(item)))
            if len(chunk) >= 1024:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk) + "]")
    out.write("}\n")
